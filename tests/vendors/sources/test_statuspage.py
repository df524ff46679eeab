import json

import pytest

from tests.factories import AIModelFactory, OfferingFactory, VendorFactory
from tests.vendors import payloads
from tests.vendors.helpers import ChangingAnswer, check, make_source
from vendors.models import StatusChange
from vendors.signals import changes_recorded

pytestmark = pytest.mark.django_db


@pytest.fixture
def anthropic():
    return VendorFactory(slug="anthropic", name="Anthropic")


@pytest.fixture
def claude_api(anthropic):
    return OfferingFactory(model=AIModelFactory(provider=anthropic, slug="claude-fable-5", name="Claude Fable 5"),
                           status="operational")


@pytest.fixture
def page(httpserver):
    return ChangingAnswer(httpserver, "/api/v2/summary.json", payloads.statuspage_summary())


@pytest.fixture
def source(page, anthropic, claude_api):
    return make_source("statuspage", page.url, vendor=anthropic, config={"components": {"Claude API": [claude_api.id]}})


def test_outage_and_recovery_are_recorded_once_each_with_the_incident(page, source, claude_api,
                                                                       django_capture_on_commit_callbacks):
    result, changes = check(source)
    assert result.ok and changes == []

    page.body = payloads.statuspage_summary(
        {"Claude API": "major_outage"}, indicator="major",
        incidents=[payloads.statuspage_incident("p0mc4r2fr1ns", "Elevated errors on Claude API", components=["Claude API"])],
    )
    announced = []
    changes_recorded.connect(lambda sender, batch, **kw: announced.append(batch), weak=False, dispatch_uid="t")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result, changes = check(source)
    finally:
        changes_recorded.disconnect(dispatch_uid="t")
    status, incident = changes
    assert (status.kind, status.previous_value, status.current_value, status.severity) == (
        "status", "operational", "major_outage", "major")
    assert status.offering == claude_api and status.raw_value == "major_outage"
    assert (incident.kind, incident.external_id, incident.severity) == ("incident", "p0mc4r2fr1ns", "major")
    assert incident.details == {"status": "investigating", "impact": "major", "maintenance": False}
    assert incident.link == "https://stspg.io/p0mc4r"
    assert {c.batch for c in changes} == {result.batch} and announced == [result.batch]
    claude_api.refresh_from_db()
    assert claude_api.status == "major_outage"

    assert check(source)[1] == []  # seen again: nothing stored

    page.body = payloads.statuspage_summary()  # the incident is gone from the unresolved list
    result, changes = check(source)
    assert [(c.kind, c.current_value, c.severity) for c in changes] == [
        ("status", "operational", "info"), ("incident", "resolved", "info")]
    assert changes[1].previous_value == "investigating" and changes[1].external_id == "p0mc4r2fr1ns"
    claude_api.refresh_from_db()
    assert claude_api.status == "operational"
    assert StatusChange.objects.count() == 4


def test_incident_update_is_compared_with_the_last_one(page, source):
    incident = payloads.statuspage_incident("abc123", "Slow responses", impact="minor", components=["Claude API"])
    page.body = payloads.statuspage_summary(incidents=[incident])
    assert [c.severity for c in check(source)[1]] == ["minor"]
    page.body = payloads.statuspage_summary(incidents=[{**incident, "status": "identified", "impact": "major"}])
    (update,) = check(source)[1]
    assert (update.previous_value, update.current_value, update.severity) == ("investigating", "identified", "major")
    page.body = payloads.statuspage_summary(incidents=[{**incident, "status": "resolved", "impact": "major"}])
    (resolved,) = check(source)[1]
    assert resolved.severity == "info"
    page.body = payloads.statuspage_summary()
    assert check(source)[1] == []  # already known as resolved


def test_degraded_performance_and_maintenance_are_mapped_and_minor(page, source, claude_api):
    page.body = payloads.statuspage_summary({"Claude API": "degraded_performance"})
    (change,) = check(source)[1]
    assert (change.current_value, change.raw_value, change.severity) == ("degraded", "degraded_performance", "minor")
    page.body = payloads.statuspage_summary({"Claude API": "under_maintenance"})
    (change,) = check(source)[1]
    assert (change.current_value, change.severity) == ("maintenance", "minor")


def test_unknown_component_status_is_recorded_as_unknown_with_the_raw_value(page, source, claude_api):
    page.body = payloads.statuspage_summary({"Claude API": "partially_vibing"})
    result, (change,) = check(source)
    assert result.ok
    assert (change.current_value, change.raw_value, change.severity) == ("unknown", "partially_vibing", "info")
    assert change.details["unrecognised_value"] == "partially_vibing"
    claude_api.refresh_from_db()
    assert claude_api.status == "unknown"


def test_components_are_matched_by_id_and_unmapped_ones_are_ignored(page, anthropic, claude_api):
    source = make_source("statuspage", page.url, vendor=anthropic, config={"components": {"k8w3r06qmzrp": [claude_api.id]}})
    page.body = payloads.statuspage_summary(
        {"claude.ai": "major_outage", "Claude API": "partial_outage"},
        incidents=[payloads.statuspage_incident("cons1", "claude.ai is down", components=["claude.ai"])],
    )
    (change,) = check(source)[1]  # claude.ai's outage and its incident reach no offering of the register
    assert change.offering == claude_api and change.current_value == "partial_outage"


def test_incident_without_components_is_about_the_vendor(page, source, anthropic):
    page.body = payloads.statuspage_summary(indicator="minor", incidents=[
        payloads.statuspage_incident("v1", "Investigating elevated errors", impact="minor")])
    (change,) = check(source)[1]
    assert change.vendor == anthropic and change.kind == "incident"


def test_incident_without_components_naming_a_model_is_about_the_vendors_route_of_it(page, source, anthropic, claude_api):
    mythos = OfferingFactory(model=AIModelFactory(provider=anthropic, slug="claude-mythos-5", name="Claude Mythos 5"))
    check(source)
    page.body = payloads.statuspage_summary(indicator="minor", incidents=[
        payloads.statuspage_incident("v2", "Elevated errors on Claude Mythos 5", impact="minor")])
    (opened,) = check(source)[1]
    assert opened.offering == mythos and opened.current_value == "investigating"
    page.body = payloads.statuspage_summary()  # gone from the summary: resolved, on the same route
    (resolved,) = check(source)[1]
    assert (resolved.offering, resolved.current_value) == (mythos, "resolved")


def test_page_indicator_is_a_vendor_status_when_configured(page, anthropic, claude_api):
    source = make_source("statuspage", page.url, vendor=anthropic,
                         config={"components": {"Claude API": [claude_api.id]}, "indicator": True})
    check(source)
    page.body = payloads.statuspage_summary(indicator="critical")
    (change,) = check(source)[1]
    assert (change.vendor, change.current_value, change.raw_value, change.severity) == (
        anthropic, "major_outage", "critical", "major")
    page.body = payloads.statuspage_summary(indicator="cosmic")  # undocumented today, tolerated
    (change,) = check(source)[1]
    assert change.current_value == "unknown" and change.details["unrecognised_value"] == "cosmic"


def test_components_json_has_no_status_object_so_the_indicator_comes_from_the_worst_component(httpserver, anthropic,
                                                                                                 claude_api):
    """Statuspage's /api/v2/components.json is the summary without `status`: with `indicator` on, the
    vendor's status is the worst component's, never an `unknown` read from a missing field."""
    def components_json(statuses=None):
        summary = json.loads(payloads.statuspage_summary(statuses))
        return json.dumps({"page": summary["page"], "components": summary["components"]}).encode()

    page = ChangingAnswer(httpserver, "/api/v2/components.json", components_json())
    source = make_source("statuspage", page.url, vendor=anthropic,
                         config={"components": {"Claude API": [claude_api.id]}, "indicator": True})
    result, changes = check(source)
    assert result.ok
    assert [c for c in changes if c.vendor_id and c.current_value == "unknown"] == []
    page.body = components_json({"Console": "partial_outage"})
    vendor_changes = [c for c in check(source)[1] if c.vendor_id and not c.offering_id]
    assert [(c.current_value, c.raw_value) for c in vendor_changes] == [("partial_outage", "major")]


def test_scheduled_maintenance_in_progress_is_minor(page, source):
    maintenance = {**payloads.statuspage_incident("m1", "Database upgrade", status="in_progress", impact="maintenance",
                                                  components=["Claude API"])}
    page.body = payloads.statuspage_summary(maintenances=[maintenance])
    (change,) = check(source)[1]
    assert change.title.startswith("Maintenance in_progress") and change.severity == "minor"
    page.body = payloads.statuspage_summary()
    (done,) = check(source)[1]
    assert done.current_value == "completed" and done.severity == "info"


def test_incident_io_widget_json_is_read(httpserver):
    openai = VendorFactory(slug="openai", name="OpenAI")
    gpt = OfferingFactory(model=AIModelFactory(provider=openai, slug="gpt-5-1"), status="operational")
    answer = ChangingAnswer(httpserver, "/proxy/status.openai.com", payloads.incident_io_widget())
    source = make_source("statuspage", answer.url, vendor=openai, config={"components": {"Responses": [gpt.id]}})
    assert check(source)[1] == []
    answer.body = payloads.incident_io_widget({"01JAPI0001": "full_outage"}, incidents=[
        {"id": "01JINC", "name": "Responses API unavailable", "status": "investigating",
         "current_worst_impact": "full_outage", "affected_components": [{"component_id": "01JAPI0001"}]}])
    status, incident = check(source)[1]
    assert (status.current_value, status.raw_value, status.severity) == ("major_outage", "full_outage", "major")
    # full_outage is incident.io's critical impact: a critical change.
    assert (incident.external_id, incident.severity, incident.offering) == ("01JINC", "critical", gpt)


def test_config_is_validated_by_the_kind(page, anthropic):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        make_source("statuspage", page.url, vendor=anthropic, config={"components": {"Claude API": ["x"]}})
    assert "config" in error.value.message_dict
    with pytest.raises(ValidationError, match="No offering with id 999999"):
        make_source("statuspage", page.url, vendor=anthropic, config={"components": {"Claude API": [999999]}})


def test_a_group_can_be_mapped_and_takes_its_worst_component(httpserver):
    openai = VendorFactory(slug="openai", name="OpenAI")
    gpt = OfferingFactory(model=AIModelFactory(provider=openai, slug="gpt-5-1"), status="operational")
    answer = ChangingAnswer(httpserver, "/proxy/status.openai.com", payloads.incident_io_widget())
    source = make_source("statuspage", answer.url, vendor=openai, config={"components": {"APIs": [gpt.id]}})
    assert check(source)[1] == []
    answer.body = payloads.incident_io_widget({"01JAPI0002": "degraded_performance"})
    (change,) = check(source)[1]
    assert (change.offering, change.current_value) == (gpt, "degraded")
    answer.body = json.dumps({**json.loads(payloads.statuspage_summary()), "components": [
        {**payloads.statuspage_component("Chat Completions", "partial_outage"), "group_id": "grp1"},
        {**payloads.statuspage_component("APIs", "partial_outage"), "id": "grp1", "group": True, "components": ["x"]},
    ]}).encode()
    (change,) = check(source)[1]
    assert change.current_value == "partial_outage" and change.details["component"] == "APIs"


def test_config_validation_is_callable_from_an_api_serializer(claude_api):
    from rest_framework import serializers

    from vendors.sources import validate_config

    assert validate_config("statuspage", {"components": {"Claude API": [claude_api.id]}}) == {
        "components": {"Claude API": [claude_api.id]}, "indicator": False}
    with pytest.raises(serializers.ValidationError) as error:
        validate_config("feed", {"keywords": {"bedrock": {}}})
    assert "config" in error.value.detail
    with pytest.raises(serializers.ValidationError) as error:
        validate_config("nonsense", {})
    assert "kind" in error.value.detail


def test_a_green_component_does_not_revive_a_model_gone_from_its_list(page, source, claude_api):
    claude_api.status = "unavailable"
    claude_api.save(update_fields=["status"])
    assert check(source)[1] == []
    claude_api.refresh_from_db()
    assert claude_api.status == "unavailable"


def test_an_incident_of_critical_impact_is_a_critical_change(page, source):
    check(source)
    page.body = payloads.statuspage_summary(
        {"Claude API": "major_outage"}, indicator="critical",
        incidents=[payloads.statuspage_incident("crit1", "Claude API down", impact="critical", components=["Claude API"])],
    )
    result, changes = check(source)
    incident = next(change for change in changes if change.kind == "incident")
    assert incident.severity == "critical"
    assert incident.details["impact"] == "critical"
