from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from riskregister.alerts.forms import ManualChangeForm
from vendors.recording import manual_change_record
from riskregister.alerts.channels.targets import mask_target
from riskregister.alerts.models import Alert, Delivery, Subscription
from riskregister.alerts.services import subscription_secret_issue, subscription_secret_rotate
from riskregister.teams.access import is_admin, is_reviewer


class SubscriptionAdminForm(forms.ModelForm):
    """The target is a credential: typed in, never shown back (left empty, the stored one stays)."""

    target = forms.CharField(
        required=False, max_length=1000, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="slack: the incoming-webhook URL; webhook: the URL to POST to. Never shown again; "
        "leave empty to keep the stored one.",
    )

    class Meta:
        model = Subscription
        fields = ["team", "user", "email", "channel", "target", "kinds", "min_severity", "mode", "active"]

    def clean_target(self):
        typed = self.cleaned_data.get("target") or ""
        if not typed and self.instance.pk and self.cleaned_data.get("channel", self.instance.channel) == self.instance.channel:
            return self.instance.target
        return typed


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionAdminForm
    list_display = ["team", "user", "email", "channel", "masked_target", "kinds", "min_severity", "mode", "active"]
    list_filter = ["mode", "min_severity", "channel", "active", "team"]
    search_fields = ["team__name", "email", "user__username"]
    autocomplete_fields = ["team", "user"]
    list_select_related = ["team", "user"]
    readonly_fields = ["masked_target", "has_secret"]
    actions = ["rotate_secret"]

    @admin.display(description="target")
    def masked_target(self, subscription):
        return mask_target(subscription.target) if subscription.target else "—"

    @admin.display(description="signing secret set", boolean=True)
    def has_secret(self, subscription):
        return bool(subscription.secret_encrypted)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        secret = subscription_secret_issue(subscription=obj)
        if secret:
            self._show_secret(request, obj, secret)

    @staticmethod
    def _show_secret(request, subscription, secret):
        messages.warning(request, f"Signing secret of {subscription}: {secret} — copy it now, it is not shown again.")

    @admin.action(description="Rotate the signing secret of the selected webhook subscriptions")
    def rotate_secret(self, request, queryset):
        for subscription in queryset.filter(channel="webhook"):
            self._show_secret(request, subscription, subscription_secret_rotate(subscription=subscription))


class DeliveryInline(admin.TabularInline):
    """Each recipient of the alert, with what its server answered: a refused address shows here."""

    model = Delivery
    extra = 0
    can_delete = False
    fields = ["channel", "target", "status", "attempts", "next_attempt_at", "last_error", "sent_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["subject", "kind", "team", "severity", "status", "created_at"]
    list_filter = ["kind", "status", "severity", "team"]
    search_fields = ["subject", "dedupe_key", "deliveries__target"]
    list_select_related = ["team", "user"]
    readonly_fields = ["dedupe_key", "batch", "status"]
    inlines = [DeliveryInline]

    def get_urls(self):
        record = self.admin_site.admin_view(self.record_change_view)
        return [path("record-change/", record, name="alerts_record_change"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_record_change": self._may_record(request)}
        return super().changelist_view(request, extra_context=extra_context)

    @staticmethod
    def _may_record(request) -> bool:
        return is_admin(request.user) or is_reviewer(request.user)

    def record_change_view(self, request):
        """Record an event no source reported; it goes through vendors' status_change_record and is
        alerted by the dispatcher exactly like a detected change."""
        if not self._may_record(request):
            raise PermissionDenied
        form = ManualChangeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                change = manual_change_record(**form.service_arguments(), recorded_by=request.user)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request, f"Recorded “{change.title}” [{change.severity}]; the affected teams will be alerted."
                )
                return redirect(reverse("admin:alerts_alert_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Record a change",
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/alerts/record_change.html", context)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Deliveries across alerts: filter on `failed` to see every address that refused an alert."""

    list_display = ["target", "channel", "status", "attempts", "last_error", "sent_at", "alert"]
    list_filter = ["status", "channel", "alert__team"]
    search_fields = ["target", "alert__subject", "last_error"]
    list_select_related = ["alert"]
    readonly_fields = ["alert", "channel", "target", "status", "claimed_at", "claim_token", "attempts",
                       "next_attempt_at", "last_error", "sent_at"]

    def has_add_permission(self, request):
        return False
