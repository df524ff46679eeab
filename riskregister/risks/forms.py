"""Forms of the register's web pages. They only parse input; the rules live in services.py."""

from django import forms
from django.contrib.auth import get_user_model

from riskregister.risks.models import Dependency, FailureMode, Risk, Treatment
from riskregister.risks.scenarios import EVENT_OPTIONS
from vendors.models import AIModel, Offering, Vendor

SCORE_CHOICES = [(value, str(value)) for value in range(1, 6)]


class AssessmentForm(forms.Form):
    inherent_likelihood = forms.TypedChoiceField(choices=SCORE_CHOICES, coerce=int)
    inherent_impact = forms.TypedChoiceField(choices=SCORE_CHOICES, coerce=int)
    residual_likelihood = forms.TypedChoiceField(choices=SCORE_CHOICES, coerce=int)
    residual_impact = forms.TypedChoiceField(choices=SCORE_CHOICES, coerce=int)
    treatment = forms.ChoiceField(choices=Treatment.choices)
    status = forms.ChoiceField(choices=[("", "from the treatment")] + list(Risk.Status.choices), required=False)
    acceptance_expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class MitigationForm(forms.Form):
    treatment = forms.ChoiceField(choices=Treatment.choices)
    mitigation = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class ScenarioForm(forms.Form):
    """What-if events, as the `scenario` command takes them; at least one is needed."""

    ban_provider = forms.ModelChoiceField(queryset=None, required=False, to_field_name="slug", label="Ban provider")
    ban_model = forms.ModelChoiceField(queryset=None, required=False, to_field_name="slug", label="Ban model")
    retire_model = forms.ModelChoiceField(queryset=None, required=False, to_field_name="slug", label="Retire model")
    outage_distributor = forms.ModelChoiceField(queryset=None, required=False, to_field_name="slug", label="Outage at")
    jurisdiction = forms.RegexField(
        regex=r"^[A-Za-z]{2}$", required=False, max_length=2, label="Ban everything headquartered in (country code)",
        error_messages={"invalid": "Use an ISO 3166-1 alpha-2 country code such as US."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ban_provider"].queryset = Vendor.objects.filter(provides_models=True).order_by("name")
        self.fields["ban_model"].queryset = AIModel.objects.order_by("name")
        self.fields["retire_model"].queryset = AIModel.objects.order_by("name")
        self.fields["outage_distributor"].queryset = Vendor.objects.order_by("name")

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in self.fields):
            raise forms.ValidationError("Choose at least one event.")
        return data

    def event_specs(self) -> list[dict]:
        """The chosen events as `scenarios.parse_events` reads them (fields are named as in EVENT_OPTIONS)."""
        specs = []
        for name, (kind, level) in EVENT_OPTIONS.items():
            chosen = self.cleaned_data.get(name)
            if chosen:
                target = chosen.upper() if isinstance(chosen, str) else chosen.pk
                specs.append({"kind": kind, "level": level, "target": target})
        return specs


def offering_choices():
    return Offering.objects.select_related("model", "distributor").order_by("model__name", "distributor__name")


class DependencyForm(forms.Form):
    """A lead registers a service's dependency, with at most one fallback from the form."""

    system = forms.CharField(max_length=200, help_text="The service's name.")
    offering = forms.ModelChoiceField(queryset=None, help_text="The model and the route it is reached by.")
    environment = forms.ChoiceField(choices=Dependency._meta.get_field("environment").choices, initial="production")
    criticality = forms.TypedChoiceField(choices=Dependency._meta.get_field("criticality").choices, coerce=int, initial=3)
    data_classification = forms.ChoiceField(
        choices=Dependency._meta.get_field("data_classification").choices, initial="internal"
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    owner = forms.ModelChoiceField(queryset=None, required=False, help_text="A member of the team.")
    fallback = forms.ModelChoiceField(queryset=None, required=False, label="Fallback offering")
    fallback_tested_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Failover last tested on"
    )

    def __init__(self, *args, team, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offering"].queryset = offering_choices()
        self.fields["fallback"].queryset = offering_choices()
        # Only the team's members can own its dependencies (services.dependency_owner_check).
        members = get_user_model().objects.filter(memberships__team=team, is_active=True).order_by("username")
        self.fields["owner"].queryset = members
        if user is not None and members.filter(pk=user.pk).exists():
            self.fields["owner"].initial = user.pk

    def clean(self):
        data = super().clean()
        if data.get("fallback_tested_on") and not data.get("fallback"):
            self.add_error("fallback", "Name the fallback whose failover was tested.")
        return data

    def fallbacks(self) -> list[dict]:
        data = self.cleaned_data
        if not data.get("fallback"):
            return []
        return [{"offering": data["fallback"], "tested_on": data.get("fallback_tested_on")}]


class CustomFailureModeForm(forms.Form):
    """A failure mode of the team's own, which becomes a risk of the dependency."""

    name = forms.CharField(max_length=200)
    level = forms.ChoiceField(choices=FailureMode.Level.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    default_likelihood = forms.TypedChoiceField(choices=SCORE_CHOICES, coerce=int, initial=3, label="Likelihood")
    default_impact = forms.TypedChoiceField(choices=SCORE_CHOICES, coerce=int, initial=3, label="Impact")


class ImportForm(forms.Form):
    FORMATS = [("csv", "CSV"), ("cyclonedx", "CycloneDX AI-BOM (JSON)")]

    format = forms.ChoiceField(choices=FORMATS)
    file = forms.FileField()
    system = forms.CharField(max_length=200, required=False, help_text="For an AI-BOM without metadata.component.")
