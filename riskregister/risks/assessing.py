"""A reviewer's assessment checked and worked out: pure, over plain values, beside scoring.py.

`assessment_validate` takes what the reviewer entered and the day it is, and returns what the
assessment and the risk become (status, band, next review date), or raises ValidationError naming
each field that is wrong. No database: services.risk_assess writes what it returns.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from riskregister.risks import scoring
from riskregister.risks.models import Risk, Treatment


@dataclass(frozen=True)
class AssessmentValues:
    inherent_likelihood: int
    inherent_impact: int
    residual_likelihood: int
    residual_impact: int
    treatment: str
    status: str
    band: str
    rationale: str
    acceptance_expires_on: datetime.date | None
    next_review_date: datetime.date

    @property
    def accepted(self) -> bool:
        return self.status == Risk.Status.ACCEPTED


def _is_score(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and scoring.MIN_SCORE <= value <= scoring.MAX_SCORE


def assessment_validate(
    *,
    inherent_likelihood,
    inherent_impact,
    residual_likelihood,
    residual_impact,
    treatment: str,
    rationale: str,
    today: datetime.date,
    status: str | None = None,
    acceptance_expires_on: datetime.date | None = None,
    matrix: Mapping | None = None,
    intervals: Mapping[str, int] | None = None,
) -> AssessmentValues:
    """The assessment's values, or ValidationError({field: [message]}) for every rule it breaks:
    scores from 1 to 5, residual at most inherent, a known treatment and status, and an acceptance
    only of a risk treated by acceptance, with a rationale and an expiry after today. The next
    review is the band's interval from today, or the acceptance's expiry if that comes first."""
    errors: dict[str, list[str]] = {}
    scores = {
        "inherent_likelihood": inherent_likelihood,
        "inherent_impact": inherent_impact,
        "residual_likelihood": residual_likelihood,
        "residual_impact": residual_impact,
    }
    for name, value in scores.items():
        if not _is_score(value):
            errors[name] = [f"A score from {scoring.MIN_SCORE} to {scoring.MAX_SCORE}."]
    if not errors:
        if residual_likelihood > inherent_likelihood:
            errors["residual_likelihood"] = ["Residual likelihood may not exceed inherent likelihood."]
        if residual_impact > inherent_impact:
            errors["residual_impact"] = ["Residual impact may not exceed inherent impact."]
    if treatment not in Treatment.values:
        errors["treatment"] = [f"Choose one of {', '.join(Treatment.values)}."]
    if status is None:
        status = Risk.Status.ACCEPTED if treatment == Treatment.ACCEPT else Risk.Status.TREATED
    elif status not in Risk.Status.values:
        errors["status"] = [f"Choose one of {', '.join(Risk.Status.values)}."]
    rationale = (rationale or "").strip()
    if status == Risk.Status.ACCEPTED:
        if treatment != Treatment.ACCEPT:
            errors["status"] = ["Only a risk treated by acceptance can be accepted."]
        if not rationale:
            errors["rationale"] = ["Accepting a risk needs a rationale."]
        if acceptance_expires_on is None:
            errors["acceptance_expires_on"] = ["Accepting a risk needs an expiry date."]
        elif acceptance_expires_on <= today:
            errors["acceptance_expires_on"] = ["The acceptance must expire after today."]
    elif acceptance_expires_on is not None:
        errors["acceptance_expires_on"] = ["Only an accepted risk has an expiry date."]
    if errors:
        raise ValidationError(errors)

    band = scoring.band(residual_likelihood, residual_impact, matrix)
    next_review = scoring.next_review_date(band, today, intervals)
    if acceptance_expires_on is not None:
        next_review = min(next_review, acceptance_expires_on)
    return AssessmentValues(
        inherent_likelihood=inherent_likelihood, inherent_impact=inherent_impact,
        residual_likelihood=residual_likelihood, residual_impact=residual_impact,
        treatment=treatment, status=status, band=band, rationale=rationale,
        acceptance_expires_on=acceptance_expires_on, next_review_date=next_review,
    )
