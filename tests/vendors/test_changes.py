"""The pure rules: how outside values map onto ours and how bad a change is."""

import pytest

from vendors import changes
from vendors.models import StatusSource
from vendors.sources import get_kind, kind_choices, source_kinds


@pytest.mark.parametrize(
    "raw, ours",
    [
        ("operational", "operational"),
        ("degraded_performance", "degraded"),
        ("partial_outage", "partial_outage"),
        ("major_outage", "major_outage"),
        ("full_outage", "major_outage"),  # incident.io
        ("under_maintenance", "maintenance"),
        ("Under_Maintenance ", "maintenance"),
        ("something_new", "unknown"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_component_statuses_map_as_the_design_says(raw, ours):
    assert changes.map_status(raw) == ours


@pytest.mark.parametrize(
    "kind, current, severity",
    [
        ("lifecycle", "banned", "critical"),
        ("lifecycle", "suspended", "critical"),
        ("lifecycle", "retired", "critical"),
        ("lifecycle", "deprecated", "minor"),
        ("lifecycle", "active", "info"),
        ("status", "major_outage", "major"),
        ("status", "unavailable", "major"),
        ("status", "partial_outage", "minor"),
        ("status", "degraded", "minor"),
        ("status", "maintenance", "minor"),
        ("status", "operational", "info"),
        ("status", "unknown", "info"),
        ("deprecation", "2027-01-01", "minor"),
        ("deprecation", "", "info"),
        ("regulatory", "Rule", "critical"),
        ("regulatory", "export control", "critical"),  # a ban recorded by hand
        ("regulatory", "Proposed Rule", "minor"),
        ("regulatory", "Notice", "minor"),
    ],
)
def test_severity_is_rated_from_the_change_alone(kind, current, severity):
    assert changes.rate(kind, current=current) == severity


def test_incident_and_regulatory_ratings():
    # A Statuspage or incident.io incident of impact critical is a critical change (issue 10).
    assert changes.rate_incident(status="investigating", impact="critical") == "critical"
    assert changes.rate_incident(status="investigating", impact="major") == "major"
    assert changes.rate_incident(status="identified", impact="minor") == "minor"
    assert changes.rate_incident(status="resolved", impact="critical") == "info"
    assert changes.rate_incident(status="investigating", impact="galactic") == "info"
    assert changes.rate_regulatory(document_type="Rule", names_model=True) == "critical"
    assert changes.rate_regulatory(document_type="Rule", names_model=False) == "major"
    assert changes.rate_regulatory(document_type="Proposed Rule", names_model=True) == "minor"


def test_every_registered_kind_is_a_choice_of_the_model():
    builtin = {"statuspage", "feed", "openai_models", "anthropic_models", "federal_register", "catalog"}
    assert set(source_kinds) == builtin == {kind for kind, _ in kind_choices()}
    assert {kind for kind, _ in StatusSource._meta.get_field("kind").choices} == builtin
    assert all(get_kind(kind).label and get_kind(kind).kind == kind for kind in builtin)
