"""The admin form for recording a change by hand."""

from django import forms
from django.core.exceptions import ValidationError

from vendors.links import validate_http_link
from vendors.models import AIModel, Lifecycle, Offering, OperationalStatus, StatusChange, Vendor

VALUE_CHOICES = [
    ("Lifecycle (kind: lifecycle)", [(f"lifecycle:{v}", l) for v, l in Lifecycle.choices]),
    ("Operational status (kind: status)", [(f"status:{v}", l) for v, l in OperationalStatus.choices]),
]


class ManualChangeForm(forms.Form):
    model = forms.ModelChoiceField(AIModel.objects.select_related("provider"), required=False)
    vendor = forms.ModelChoiceField(Vendor.objects.all(), required=False)
    offering = forms.ModelChoiceField(Offering.objects.select_related("model", "distributor"), required=False)
    change = forms.ChoiceField(choices=VALUE_CHOICES, help_text="What the subject is now.")
    title = forms.CharField(max_length=500, required=False, help_text="e.g. export-control ban")
    link = forms.URLField(max_length=1000, required=False, assume_scheme="https", validators=[validate_http_link])
    severity = forms.ChoiceField(
        choices=[("", "rated from the change")] + list(StatusChange.Severity.choices), required=False
    )
    effective_date = forms.DateField(required=False, help_text="YYYY-MM-DD")

    def clean(self):
        data = super().clean()
        chosen = [name for name in ("model", "vendor", "offering") if data.get(name)]
        if len(chosen) != 1:
            raise ValidationError("Choose exactly one subject: a model, a vendor or an offering.")
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        kind, value = data["change"].split(":", 1)
        subject = {name: data[name] for name in ("model", "vendor", "offering") if data.get(name)}
        return {
            **subject, "kind": kind, "value": value, "title": data["title"], "link": data["link"],
            "severity": data["severity"] or None, "effective_date": data["effective_date"],
        }
