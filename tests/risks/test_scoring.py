import datetime

import pytest
from django.test import override_settings

from riskregister.risks import scoring


@pytest.mark.parametrize(
    ("likelihood", "impact", "expected_band"),
    [(1, 1, "low"), (2, 2, "low"), (1, 5, "medium"), (3, 3, "medium"), (2, 5, "high"), (4, 4, "high"), (5, 4, "critical"), (5, 5, "critical")],
)
def test_band_of_each_edge_of_the_default_matrix(likelihood, impact, expected_band):
    assert scoring.band(likelihood, impact) == expected_band


def test_score_is_likelihood_times_impact():
    assert scoring.score(3, 4) == 12


@pytest.mark.parametrize(("likelihood", "impact"), [(0, 3), (6, 1), (3, 0), (2, 6), (True, 2), ("3", 3)])
def test_score_refuses_values_off_the_matrix(likelihood, impact):
    with pytest.raises(ValueError):
        scoring.score(likelihood, impact)


def test_bands_come_from_settings():
    matrix = {
        "likelihood_labels": list("abcde"),
        "impact_labels": list("vwxyz"),
        "bands": [{"name": "fine", "max_score": 10}, {"name": "bad", "max_score": 25}],
    }
    with override_settings(RISK_MATRIX=matrix):
        assert scoring.band(2, 5) == "fine"
        assert scoring.band(1, 5) == "fine"
        assert scoring.band(3, 4) == "bad"
        assert scoring.band_names() == ["fine", "bad"]


def test_bands_that_do_not_reach_25_are_a_configuration_error():
    with pytest.raises(ValueError):
        scoring.band(5, 5, matrix={"bands": [{"name": "low", "max_score": 20}]})


@pytest.mark.parametrize(("band_name", "days"), [("critical", 30), ("high", 90), ("medium", 180), ("low", 365)])
def test_next_review_date_follows_the_band(band_name, days):
    today = datetime.date(2026, 1, 1)
    assert scoring.next_review_date(band_name, today) == today + datetime.timedelta(days=days)


def test_review_interval_comes_from_settings():
    with override_settings(RISK_REVIEW_INTERVAL_DAYS={"low": 1, "medium": 2, "high": 3, "critical": 4}):
        assert scoring.review_interval_days("critical") == 4


def test_unknown_band_has_no_interval():
    with pytest.raises(ValueError):
        scoring.review_interval_days("catastrophic")


@pytest.mark.parametrize(("tier", "weight"), [(1, 4), (2, 3), (3, 2), (4, 1)])
def test_tier_one_weighs_four_and_tier_four_one(tier, weight):
    assert scoring.criticality_weight(tier) == weight


def test_weights_may_be_keyed_by_strings():
    assert scoring.criticality_weight(1, {"1": 7}) == 7


def test_weighted_exposure_is_score_times_weight():
    assert scoring.weighted_exposure(2, 3, 1) == 24
