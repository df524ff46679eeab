"""Forms of the register's web pages. They only parse input; the rules live in services.py."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.contrib.auth import get_user_model

from riskregister.risks.models import Criticality, Dependency, FailureMode, Risk, Treatment
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


class EmailAlertsForm(forms.Form):
    """A member's own switch: `on` or `off` (the button pressed)."""

    email_alerts = forms.TypedChoiceField(choices=[("on", "on"), ("off", "off")], coerce=lambda value: value == "on")


MAX_SCENARIO_EVENTS = 50  # the API's cap (ScenarioRequestSerializer)


class ScenarioForm(forms.Form):
    """What-if events, as the `scenario` command takes them: several of each kind at once, at least one."""

    ban_provider = forms.ModelMultipleChoiceField(queryset=None, required=False, to_field_name="slug", label="Ban providers")
    ban_model = forms.ModelMultipleChoiceField(queryset=None, required=False, to_field_name="slug", label="Ban models")
    retire_model = forms.ModelMultipleChoiceField(queryset=None, required=False, to_field_name="slug", label="Retire models")
    outage_distributor = forms.ModelMultipleChoiceField(queryset=None, required=False, to_field_name="slug", label="Outage at distributors")
    jurisdiction = forms.CharField(
        required=False, max_length=200, label="Ban everything headquartered in (country codes, comma-separated)",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ban_provider"].queryset = Vendor.objects.filter(provides_models=True).order_by("name")
        self.fields["ban_model"].queryset = AIModel.objects.order_by("name")
        self.fields["retire_model"].queryset = AIModel.objects.order_by("name")
        self.fields["outage_distributor"].queryset = Vendor.objects.order_by("name")
        for field in self.fields.values():
            if isinstance(field, forms.ModelMultipleChoiceField):
                field.widget.attrs["size"] = 4

    def clean_jurisdiction(self):
        codes = [code.strip().upper() for code in self.cleaned_data["jurisdiction"].split(",") if code.strip()]
        for code in codes:
            if len(code) != 2 or not code.isalpha():
                raise forms.ValidationError(f"{code} is not an ISO 3166-1 alpha-2 country code such as US.")
        return codes

    def clean(self):
        data = super().clean()
        chosen = sum(len(data.get(name) or []) for name in self.fields)
        if not chosen:
            raise forms.ValidationError("Choose at least one event.")
        if chosen > MAX_SCENARIO_EVENTS:
            raise forms.ValidationError(f"At most {MAX_SCENARIO_EVENTS} events at once.")
        return data

    def event_specs(self) -> list[dict]:
        """The chosen events as `scenarios.parse_events` reads them (fields are named as in EVENT_OPTIONS)."""
        specs = []
        for name, (kind, level) in EVENT_OPTIONS.items():
            for chosen in self.cleaned_data.get(name) or []:
                target = chosen if isinstance(chosen, str) else chosen.pk
                specs.append({"kind": kind, "level": level, "target": target})
        return specs


class ScenarioSaveForm(forms.Form):
    name = forms.CharField(max_length=200, label="Save as")
    description = forms.CharField(max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class FastSelect(forms.Select):
    """A select rendered in Python, for long lists (routes, models, teams). Django renders every
    option through a template of its own: with a few hundred routes in three selects that was most
    of a lead's dependency page, and with 500 teams most of the register's (bench/web.py); a catalog
    import brings thousands. Same markup: attributes from the bound field (id, required,
    aria-describedby), the selected option, labels escaped; no option groups."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        selected = set(self.format_value(value))
        options = []
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            mark = " selected" if option_value in selected else ""
            options.append(format_html('<option value="{}"{}>{}</option>', option_value, mark_safe(mark), label))
        return format_html("<select{}>{}</select>", flatatt(final), mark_safe("".join(options)))


def offering_choices():
    return Offering.objects.select_related("model", "distributor").order_by("model__name", "distributor__name")


class DependencyForm(forms.Form):
    """A lead registers a service's dependency, with at most one fallback from the form."""

    system = forms.CharField(max_length=200, help_text="The service's name.")
    offering = forms.ModelChoiceField(queryset=None, widget=FastSelect, help_text="The model and the route it is reached by.")
    environment = forms.ChoiceField(choices=Dependency._meta.get_field("environment").choices, initial="production")
    criticality = forms.TypedChoiceField(choices=Dependency._meta.get_field("criticality").choices, coerce=int, initial=3)
    data_classification = forms.ChoiceField(
        choices=Dependency._meta.get_field("data_classification").choices, initial="internal"
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    owner = forms.ModelChoiceField(queryset=None, required=False, help_text="A member of the team.")
    fallback = forms.ModelChoiceField(queryset=None, widget=FastSelect, required=False, label="Fallback offering")
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


class CodeScanForm(forms.Form):
    """A zip of a source tree to scan; where what it finds is registered."""

    file = forms.FileField(label="Zip of the source tree", widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}))
    system = forms.CharField(max_length=200, required=False, label="Service", help_text="Default: the zip's name.")
    environment = forms.ChoiceField(choices=Dependency._meta.get_field("environment").choices)
    criticality = forms.TypedChoiceField(choices=Dependency._meta.get_field("criticality").choices, coerce=int,
                                         initial=Criticality.TIER_3, label="Tier")


class DependencyEditForm(forms.Form):
    """What a lead may change of a dependency (services.DEPENDENCY_EDITABLE_FIELDS)."""

    system = forms.CharField(max_length=200)
    offering = forms.ModelChoiceField(queryset=None, widget=FastSelect, label="Model and route")
    environment = forms.ChoiceField(choices=Dependency._meta.get_field("environment").choices)
    criticality = forms.TypedChoiceField(choices=Dependency._meta.get_field("criticality").choices, coerce=int, label="Tier")
    owner = forms.ModelChoiceField(queryset=None, required=False, help_text="A member of the team.")
    data_classification = forms.ChoiceField(choices=Dependency._meta.get_field("data_classification").choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["offering"].queryset = offering_choices()
        self.fields["owner"].queryset = get_user_model().objects.filter(memberships__team=team).order_by("username")


class FallbackForm(forms.Form):
    offering = forms.ModelChoiceField(queryset=None, widget=FastSelect, label="Fallback route")
    tested_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Failover last tested on")
    notes = forms.CharField(max_length=1000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offering"].queryset = offering_choices()


class FallbackSuggestionsForm(forms.Form):
    """What a suggested fallback must survive besides a ban of the dependency's provider (a GET form)."""

    suggest = forms.CharField(required=False, widget=forms.HiddenInput)
    other_jurisdiction = forms.BooleanField(required=False, label="Another jurisdiction (provider and distributor headquartered elsewhere)")
    other_distributor = forms.BooleanField(required=False, label="Another distributor (survives an outage of this route's distributor)")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "suggest_%s")  # the page has other forms with fields of their own
        super().__init__(*args, **kwargs)


class SuggestedFallbackForm(forms.Form):
    """The suggestion a lead picked, added as an untested fallback."""

    offering = forms.ModelChoiceField(queryset=Offering.objects.all())
    notes = forms.CharField(max_length=1000, required=False)


class QueueFilterForm(forms.Form):
    team = forms.ModelChoiceField(queryset=None, required=False, to_field_name="slug", empty_label="every team")
    band = forms.ChoiceField(required=False)
    reason = forms.ChoiceField(required=False)
    tier = forms.TypedChoiceField(choices=[("", "every tier")] + list(Criticality.choices), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, teams, **kwargs):
        from riskregister.risks import scoring
        from riskregister.risks.selectors import QueueReason

        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["band"].choices = [("", "every band")] + [(name, name) for name in reversed(scoring.band_names())]
        self.fields["reason"].choices = [("", "every reason")] + list(QueueReason.LABELS.items())


class RegisterFilterForm(forms.Form):
    """The register's filters as fields; the filtering itself is the API's RiskFilter."""

    team = forms.ModelChoiceField(queryset=None, required=False, to_field_name="slug", widget=FastSelect, empty_label="every team")
    provider = forms.ModelChoiceField(queryset=None, required=False, to_field_name="slug", widget=FastSelect, empty_label="every provider")
    distributor = forms.ModelChoiceField(queryset=None, required=False, to_field_name="slug", widget=FastSelect, empty_label="every distributor")
    model = forms.ModelChoiceField(queryset=None, required=False, to_field_name="slug", widget=FastSelect, empty_label="every model")
    band = forms.ChoiceField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", "every status")] + list(Risk.Status.choices))
    reason = forms.ChoiceField(required=False, label="Queue reason")
    criticality = forms.TypedChoiceField(
        choices=[("", "every tier")] + list(Criticality.choices), coerce=int, required=False, empty_value=None, label="Tier"
    )
    due_before = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Review due by")

    def __init__(self, *args, teams, **kwargs):
        from riskregister.risks import scoring
        from riskregister.risks.selectors import QueueReason

        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["provider"].queryset = Vendor.objects.filter(provides_models=True).order_by("name")
        self.fields["distributor"].queryset = Vendor.objects.filter(distributes_models=True).order_by("name")
        self.fields["model"].queryset = AIModel.objects.order_by("name")
        self.fields["band"].choices = [("", "every band")] + [(name, name) for name in reversed(scoring.band_names())]
        self.fields["reason"].choices = [("", "any")] + list(QueueReason.LABELS.items())


class SubscriptionForm(forms.Form):
    from vendors.models import StatusChange as _StatusChange

    kinds = forms.MultipleChoiceField(
        choices=_StatusChange.Kind.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every kind.",
    )
    min_severity = forms.ChoiceField(choices=_StatusChange.Severity.choices, label="From severity")
    mode = forms.ChoiceField(choices=[("immediate", "immediately"), ("daily_digest", "in a daily digest")], label="Send")
    email = forms.EmailField(required=False, help_text="A team list to send to; empty sends to every member.")


class ChangeFilterForm(forms.Form):
    from vendors.models import StatusChange as _StatusChange

    kind = forms.ChoiceField(required=False, choices=[("", "every kind")] + list(_StatusChange.Kind.choices))
    severity = forms.ChoiceField(required=False, choices=[("", "every severity")] + list(_StatusChange.Severity.choices))
    vendor = forms.ModelChoiceField(queryset=Vendor.objects.order_by("name"), required=False, to_field_name="slug", empty_label="every vendor")
    model = forms.ModelChoiceField(queryset=AIModel.objects.order_by("name"), required=False, to_field_name="slug", empty_label="every model")
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Since")
