from django.contrib import admin

from riskregister.alerts.models import Alert, Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["team", "user", "email", "kinds", "min_severity", "mode", "active"]
    list_filter = ["mode", "min_severity", "active", "team"]
    search_fields = ["team__name", "email", "user__username"]
    autocomplete_fields = ["team", "user"]
    list_select_related = ["team", "user"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["subject", "kind", "team", "severity", "status", "attempts", "sent_at", "created_at"]
    list_filter = ["kind", "status", "severity", "team"]
    search_fields = ["subject", "dedupe_key"]
    list_select_related = ["team", "user"]
    readonly_fields = ["dedupe_key", "batch", "claimed_at", "claim_token", "sent_at", "attempts", "last_error"]
