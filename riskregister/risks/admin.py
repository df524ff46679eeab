from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from riskregister.risks import services
from riskregister.risks.models import Assessment, Dependency, FailureMode, Fallback, Risk, SavedScenario
from riskregister.teams.access import is_admin


class ArchivedFilter(admin.SimpleListFilter):
    """Live dependencies by default; archived (deleted) ones, or all, on request."""

    title = "archived"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("yes", "archived"), ("all", "all")]

    def choices(self, changelist):
        # "Live" is the default (no parameter), so Django's own "All" entry is relabelled.
        for choice in super().choices(changelist):
            if choice["display"] == "All":
                choice["display"] = "live"
            yield choice

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(archived_at__isnull=False)
        if self.value() == "all":
            return queryset
        return queryset.filter(archived_at__isnull=True)


class FallbackInline(admin.TabularInline):
    model = Fallback
    extra = 0
    autocomplete_fields = ["offering"]


class RiskInline(admin.TabularInline):
    model = Risk
    extra = 0
    fields = [
        "failure_mode", "inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact",
        "treatment", "status", "next_review_date",
    ]
    autocomplete_fields = ["failure_mode"]
    show_change_link = True


class DependencyAdminForm(forms.ModelForm):
    class Meta:
        model = Dependency
        fields = "__all__"

    def clean(self):
        data = super().clean()
        team, owner = data.get("team"), data.get("owner")
        if team is not None and owner is not None and {"team", "owner"} & set(self.changed_data):
            try:
                services.dependency_owner_check(team=team, owner=owner)
            except ValidationError as error:
                self.add_error("owner", error.message_dict["owner"])
        return data


@admin.register(Dependency)
class DependencyAdmin(SimpleHistoryAdmin):
    """Deleting here archives, as everywhere (services.dependency_delete): the risks are closed,
    their assessments kept. Purging an archived dependency for good is a separate action."""
    form = DependencyAdminForm
    list_display = ["system", "team", "offering", "environment", "criticality", "data_classification", "owner", "archived_at"]
    list_filter = [ArchivedFilter, "team", "environment", "criticality", "data_classification", "offering__distributor"]
    search_fields = ["system", "description", "offering__model__name", "offering__distributor_model_id"]
    autocomplete_fields = ["team", "offering", "owner"]
    list_select_related = ["team", "offering__model", "offering__distributor", "owner"]
    readonly_fields = ["archived_at", "archived_by"]
    inlines = [FallbackInline, RiskInline]
    actions = ["purge_selected"]

    def get_queryset(self, request):
        # Archived ones too, so that they can be read and purged; ArchivedFilter shows live ones first.
        return Dependency.all_objects.select_related(*self.list_select_related)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.archived_at is not None:
            return False  # read-only, risks and fallbacks included
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.archived_at is not None:
            return False  # already archived: purge it instead
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(self, objs, request):
        # What the confirmation page lists: nothing is deleted, so no related rows and no
        # permission on risks or (undeletable) assessments is needed.
        archived = [f"{dependency} (archived: its risks closed, their assessments kept)" for dependency in objs]
        return archived, {Dependency._meta.verbose_name_plural: len(archived)}, set(), []

    def delete_model(self, request, obj):
        services.dependency_delete(dependency=obj, actor=request.user)

    def response_delete(self, request, obj_display, obj_id):
        # Django's own says "deleted"; the dependency is archived, and can still be read.
        self.message_user(
            request, f"The dependency “{obj_display}” was archived: its risks are closed, their assessments kept.", messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:risks_dependency_changelist"))

    def delete_queryset(self, request, queryset):
        for dependency in queryset:
            services.dependency_delete(dependency=dependency, actor=request.user)

    @admin.action(description="Purge selected archived dependencies for good (risks and assessments too)")
    def purge_selected(self, request, queryset):
        if not is_admin(request.user):
            raise PermissionDenied("Only admins purge dependencies.")
        live = queryset.filter(archived_at__isnull=True).count()
        purged = 0
        for dependency in queryset.filter(archived_at__isnull=False):
            services.dependency_purge(dependency=dependency, actor=request.user)
            purged += 1
        if purged:
            self.message_user(request, f"Purged {purged} archived dependenc{'y' if purged == 1 else 'ies'}.", messages.SUCCESS)
        if live:
            self.message_user(
                request, f"{live} live dependenc{'y was' if live == 1 else 'ies were'} left alone: delete (archive) first.", messages.WARNING
            )


@admin.register(Fallback)
class FallbackAdmin(admin.ModelAdmin):
    list_display = ["dependency", "offering", "tested_on"]
    search_fields = ["dependency__system", "offering__model__name"]
    autocomplete_fields = ["dependency", "offering"]
    list_select_related = ["dependency__offering__model", "dependency__offering__distributor", "offering__model", "offering__distributor"]


@admin.register(FailureMode)
class FailureModeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "level", "default_likelihood", "default_impact", "team"]
    list_filter = ["level", "team"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


class AssessmentInline(admin.TabularInline):
    model = Assessment
    extra = 0
    can_delete = False
    fields = ["assessed_at", "assessor", "inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact", "treatment", "status", "band", "rationale"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Risk)
class RiskAdmin(SimpleHistoryAdmin):
    list_display = [
        "failure_mode", "dependency", "inherent_likelihood", "inherent_impact", "residual_likelihood",
        "residual_impact", "treatment", "status", "next_review_date",
    ]
    list_filter = ["status", "treatment", "failure_mode", "dependency__team"]
    search_fields = ["dependency__system", "failure_mode__name", "mitigation"]
    autocomplete_fields = ["dependency", "failure_mode", "owner"]
    list_select_related = ["failure_mode", "dependency__offering__model", "dependency__offering__distributor"]
    inlines = [AssessmentInline]


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    """Assessments are append-only: the admin shows them and never changes or deletes them."""

    list_display = ["risk", "assessor", "assessed_at", "band", "treatment", "status"]
    list_filter = ["band", "treatment", "status"]
    search_fields = ["rationale", "risk__dependency__system"]
    list_select_related = ["risk__failure_mode", "risk__dependency__offering__model", "risk__dependency__offering__distributor", "assessor"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SavedScenario)
class SavedScenarioAdmin(admin.ModelAdmin):
    list_display = ["name", "created_by", "updated_at"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_by"]
