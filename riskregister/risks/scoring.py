"""Scoring of risks: pure functions over plain values.

The 5 x 5 matrix, its named bands, the review interval of each band and the weight of each
criticality tier come from settings (RISK_MATRIX, RISK_REVIEW_INTERVAL_DAYS, CRITICALITY_WEIGHTS).
Every function takes them as an optional argument so that it can be tested without Django settings;
left out, the project's settings are read at call time (so `override_settings` works).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

MIN_SCORE = 1
MAX_SCORE = 5


def _matrix(matrix: Mapping | None) -> Mapping:
    if matrix is not None:
        return matrix
    from django.conf import settings

    return settings.RISK_MATRIX


def _check_axis(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_SCORE <= value <= MAX_SCORE:
        raise ValueError(f"{name} must be an integer from {MIN_SCORE} to {MAX_SCORE}, not {value!r}")
    return value


def score(likelihood: int, impact: int) -> int:
    """Likelihood x impact, 1..25."""
    return _check_axis("likelihood", likelihood) * _check_axis("impact", impact)


def bands(matrix: Mapping | None = None) -> list[dict]:
    """The bands in ascending order of their upper bound; the last must reach the top score."""
    ordered = sorted(_matrix(matrix)["bands"], key=lambda band: band["max_score"])
    if not ordered or ordered[-1]["max_score"] < MAX_SCORE * MAX_SCORE:
        raise ValueError("RISK_MATRIX bands must cover every score up to 25")
    return ordered


def band_names(matrix: Mapping | None = None) -> list[str]:
    """Band names from the mildest to the worst."""
    return [band["name"] for band in bands(matrix)]


def band_of_score(value: int, matrix: Mapping | None = None) -> str:
    """The first band whose upper bound the score does not exceed."""
    if not MIN_SCORE <= value <= MAX_SCORE * MAX_SCORE:
        raise ValueError(f"score must be from 1 to 25, not {value!r}")
    for band in bands(matrix):
        if value <= band["max_score"]:
            return band["name"]
    raise AssertionError("unreachable: bands() guarantees the top band covers 25")


def band(likelihood: int, impact: int, matrix: Mapping | None = None) -> str:
    return band_of_score(score(likelihood, impact), matrix)


def likelihood_label(value: int, matrix: Mapping | None = None) -> str:
    """The matrix's name of a likelihood (the heat map's axis and cell labels)."""
    return _matrix(matrix)["likelihood_labels"][_check_axis("likelihood", value) - 1]


def impact_label(value: int, matrix: Mapping | None = None) -> str:
    """The matrix's name of an impact."""
    return _matrix(matrix)["impact_labels"][_check_axis("impact", value) - 1]


def review_interval_days(band_name: str, intervals: Mapping[str, int] | None = None) -> int:
    if intervals is None:
        from django.conf import settings

        intervals = settings.RISK_REVIEW_INTERVAL_DAYS
    try:
        return int(intervals[band_name])
    except KeyError:
        raise ValueError(f"RISK_REVIEW_INTERVAL_DAYS has no interval for band {band_name!r}") from None


def next_review_date(band_name: str, reviewed_on: datetime.date, intervals: Mapping[str, int] | None = None) -> datetime.date:
    return reviewed_on + datetime.timedelta(days=review_interval_days(band_name, intervals))


def criticality_weight(criticality: int, weights: Mapping[int, int] | None = None) -> int:
    """Tier 1 (most critical) weighs most. Keys may be ints or strings (settings read from JSON)."""
    if weights is None:
        from django.conf import settings

        weights = settings.CRITICALITY_WEIGHTS
    if criticality in weights:
        return int(weights[criticality])
    if str(criticality) in weights:
        return int(weights[str(criticality)])
    raise ValueError(f"CRITICALITY_WEIGHTS has no weight for tier {criticality!r}")


def weighted_exposure(likelihood: int, impact: int, criticality: int, weights: Mapping[int, int] | None = None) -> int:
    """One risk's contribution to exposure: its (residual) score times its dependency's weight.

    exposure.py computes the same sum in the database; the tests hold the two to each other.
    """
    return score(likelihood, impact) * criticality_weight(criticality, weights)
