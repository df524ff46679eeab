from django.contrib import admin, messages
from django.db import models

from vendors.models import AIModel, LifecycleFact, Offering, StatusChange, StatusSource, Vendor, VendorRelationship

# A URL typed without a scheme means https (Django 6's default, chosen now rather than on upgrade).
HTTPS_URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class RelationshipInline(admin.TabularInline):
    formfield_overrides = HTTPS_URL_FIELDS
    model = VendorRelationship
    fk_name = "source"
    extra = 0
    autocomplete_fields = ["target"]
    verbose_name = "relationship to another vendor"


class OfferingInline(admin.TabularInline):
    model = Offering
    fk_name = "model"
    extra = 0
    autocomplete_fields = ["distributor"]
    fields = ["distributor", "distributor_model_id", "regions", "lifecycle", "status", "retirement_date"]


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["name", "slug", "provides_models", "distributes_models", "headquarters_country"]
    list_filter = ["provides_models", "distributes_models", "headquarters_country"]
    search_fields = ["name", "slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [RelationshipInline]


@admin.register(VendorRelationship)
class VendorRelationshipAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["source", "kind", "target", "evidence_url"]
    list_filter = ["kind"]
    search_fields = ["source__name", "target__name", "evidence"]
    autocomplete_fields = ["source", "target"]
    list_select_related = ["source", "target"]


@admin.register(AIModel)
class AIModelAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "provider", "lifecycle", "deprecation_date", "retirement_date", "open_weights"]
    list_filter = ["lifecycle", "provider", "open_weights"]
    search_fields = ["name", "slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["provider"]
    list_select_related = ["provider"]
    inlines = [OfferingInline]


class LifecycleFactInline(admin.TabularInline):
    """Where each lifecycle fact of the route came from: read-only, written by checks, people and imports."""

    model = LifecycleFact
    fk_name = "offering"
    extra = 0
    can_delete = False
    fields = ["field", "value", "source_kind", "status_source", "catalog", "recorded_by", "retrieved_at", "certainty"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ["model", "distributor", "distributor_model_id", "lifecycle", "status", "retirement_date", "catalog_listed"]
    list_filter = ["status", "lifecycle", "catalog_listed", "distributor"]
    inlines = [LifecycleFactInline]
    readonly_fields = ["catalog_format", "catalog_ids", "catalog_listed"]
    search_fields = ["model__name", "model__slug", "distributor__name", "distributor_model_id"]
    autocomplete_fields = ["model", "distributor"]
    list_select_related = ["model", "distributor"]


@admin.register(StatusSource)
class StatusSourceAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = [
        "name", "kind", "vendor", "enabled", "interval", "healthy", "last_checked_at", "last_success_at",
        "consecutive_failures", "next_check_at", "short_error", "push_url_set", "last_push_at", "push_count",
    ]
    list_filter = ["kind", "enabled", "vendor"]
    search_fields = ["name", "url"]
    autocomplete_fields = ["vendor"]
    list_select_related = ["vendor"]
    readonly_fields = [
        "last_checked_at", "last_success_at", "last_error", "consecutive_failures", "next_check_at", "etag",
        "last_modified", "state", "troubled", "push_url_set", "last_push_at", "last_push_outcome", "push_count",
    ]
    actions = ["check_now", "rotate_push_url", "revoke_push_url"]

    @admin.display(boolean=True, description="push URL")
    def push_url_set(self, source):
        return source.has_push_url

    @admin.action(description="Create or rotate the push URL of the selected sources (shown once)")
    def rotate_push_url(self, request, queryset):
        from vendors.push import push_url_rotate

        for source in queryset:
            # Shown here once: only the token's hash is stored.
            self.message_user(request, f"Push URL of {source}: {push_url_rotate(source=source)}", messages.WARNING)

    @admin.action(description="Revoke the push URL of the selected sources")
    def revoke_push_url(self, request, queryset):
        from vendors.push import push_url_revoke

        for source in queryset:
            push_url_revoke(source=source)
        self.message_user(request, f"Revoked the push URL of {queryset.count()} sources.", messages.SUCCESS)

    @admin.display(description="last error")
    def short_error(self, source):
        return (source.last_error or "")[:80]

    @admin.display(boolean=True, description="healthy")
    def healthy(self, source):
        return source.is_healthy if source.last_checked_at else None

    @admin.action(description="Check the selected sources now")
    def check_now(self, request, queryset):
        from vendors.tasks import check_sources

        ids = list(queryset.values_list("id", flat=True))
        check_sources.delay_on_commit(ids)
        self.message_user(request, f"Queued a check of {len(ids)} source(s); results appear in their health columns.")


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URL_FIELDS
    list_display = ["title", "kind", "severity", "subject_display", "previous_value", "current_value", "source", "observed_at", "dispatched_at"]
    list_filter = ["kind", "severity", "source"]
    search_fields = ["title", "dedupe_key", "external_id"]
    date_hierarchy = "observed_at"
    list_select_related = ["source", "vendor", "model", "offering__model", "offering__distributor"]
    autocomplete_fields = ["vendor", "model", "offering"]
    readonly_fields = ["batch", "dedupe_key", "dispatch_claimed_at", "dispatched_at", "recorded_by"]

    @admin.display(description="subject")
    def subject_display(self, change):
        return str(change.subject)
