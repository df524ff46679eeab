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
