"""The pure half of an assessment: checks and outcomes over plain values, no database."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from riskregister.risks.assessing import assessment_validate

TODAY = datetime.date(2026, 3, 2)
MATRIX = {"bands": [{"name": "low", "max_score": 3}, {"name": "medium", "max_score": 9}, {"name": "high", "max_score": 25}]}
INTERVALS = {"low": 365, "medium": 180, "high": 90}


def _values(**overrides):
    fields = {
        "inherent_likelihood": 4, "inherent_impact": 5, "residual_likelihood": 2, "residual_impact": 4,
        "treatment": "mitigate", "rationale": " a second provider is wired in ", "today": TODAY,
        **overrides,
    }
    return assessment_validate(**fields)


def _errors(**overrides) -> dict:
    with pytest.raises(ValidationError) as refused:
        _values(**overrides)
    return refused.value.message_dict


def test_a_mitigated_risk_is_treated_with_the_band_of_its_residual_scores_and_its_review_date(settings):
    values = _values()

    assert (values.status, values.rationale, values.accepted) == ("treated", "a second provider is wired in", False)
    assert values.band == "medium"  # 2 x 4 = 8
    assert values.next_review_date == TODAY + datetime.timedelta(days=settings.RISK_REVIEW_INTERVAL_DAYS["medium"])


def test_the_matrix_and_intervals_can_be_passed_in():
    values = _values(residual_likelihood=1, residual_impact=3, matrix=MATRIX, intervals=INTERVALS)
    assert (values.band, values.next_review_date) == ("low", TODAY + datetime.timedelta(days=365))


def test_an_acceptance_reviews_at_its_expiry_if_that_comes_first():
    expiry = TODAY + datetime.timedelta(days=10)
    values = _values(treatment="accept", acceptance_expires_on=expiry)
    assert (values.status, values.accepted, values.next_review_date) == ("accepted", True, expiry)


@pytest.mark.parametrize("bad", [0, 6, "3", 2.0, True, None])
def test_each_score_is_an_integer_from_one_to_five(bad):
    assert _errors(inherent_impact=bad) == {"inherent_impact": ["A score from 1 to 5."]}


def test_residual_may_not_exceed_inherent():
    assert set(_errors(residual_likelihood=5, inherent_impact=3)) == {"residual_likelihood", "residual_impact"}


def test_acceptance_rules_name_their_fields():
    assert set(_errors(treatment="accept", rationale="  ")) == {"rationale", "acceptance_expires_on"}
    assert _errors(treatment="accept", acceptance_expires_on=TODAY) == {
        "acceptance_expires_on": ["The acceptance must expire after today."]}
    assert _errors(status="accepted", acceptance_expires_on=TODAY + datetime.timedelta(days=5)) == {
        "status": ["Only a risk treated by acceptance can be accepted."]}
    assert _errors(acceptance_expires_on=TODAY + datetime.timedelta(days=5)) == {
        "acceptance_expires_on": ["Only an accepted risk has an expiry date."]}
    assert set(_errors(treatment="pray", status="done")) == {"treatment", "status"}
