"""Forms of the register's web pages. They only parse input; the rules live in services.py."""

from django import forms

from riskregister.risks.models import Risk, Treatment

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
        from vendors.models import AIModel, Vendor

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
        data = self.cleaned_data
        specs = []
        if data.get("ban_provider"):
            specs.append({"kind": "ban", "level": "provider", "target": data["ban_provider"].pk})
        if data.get("ban_model"):
            specs.append({"kind": "ban", "level": "model", "target": data["ban_model"].pk})
        if data.get("retire_model"):
            specs.append({"kind": "retirement", "level": "model", "target": data["retire_model"].pk})
        if data.get("outage_distributor"):
            specs.append({"kind": "outage", "level": "vendor", "target": data["outage_distributor"].pk})
        if data.get("jurisdiction"):
            specs.append({"kind": "ban", "level": "jurisdiction", "target": data["jurisdiction"].upper()})
        return specs
