"""Countdowns use each route's own retirement date, and every deprecation alert names the successor
and the replacement options."""

from datetime import date, timedelta

import pytest

from riskregister.alerts import services
from riskregister.risks.impact import blast_radius
from tests.factories import AIModelFactory, OfferingFactory
from vendors.reach import Event, EventKind, EventLevel
from vendors.recording import status_change_record

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 27)


def test_a_route_with_its_own_later_date_is_not_counted_down_to_the_models_date(world):
    # The provider retires its API in 30 days; Bedrock keeps serving the model for six months.
    world.fable.retirement_date = TODAY + timedelta(days=30)
    world.fable.save(update_fields=["retirement_date"])
    world.fable_bedrock.retirement_date = TODAY + timedelta(days=180)
    world.fable_bedrock.save(update_fields=["retirement_date"])

    alerts = services.countdowns_send(today=TODAY)

    # Search uses Fable only through Bedrock: nothing retires for it this month.
    assert [a.team for a in alerts] == [world.platform]
    systems = {d["system"] for d in alerts[0].payload["dependencies"]}
    assert systems == {"chat-assistant", "summarizer"}  # not ticket-triage, on Bedrock
    summarizer = next(d for d in alerts[0].payload["dependencies"] if d["system"] == "summarizer")
    # Its fallback is the Bedrock route, which outlives the direct API: it covers the retirement.
    assert summarizer["covered"] is True


def test_the_route_counts_down_to_its_own_date(world):
    world.fable.retirement_date = TODAY + timedelta(days=30)
    world.fable.save(update_fields=["retirement_date"])
    world.fable_bedrock.retirement_date = TODAY + timedelta(days=7)
    world.fable_bedrock.save(update_fields=["retirement_date"])

    alerts = services.countdowns_send(today=TODAY)

    by_key = {a.dedupe_key.rsplit(":", 1)[0]: a for a in alerts}
    assert f"countdown:offering:{world.fable_bedrock.id}:7" in by_key
    assert "countdown:model:claude-fable-5:30" in by_key
    model_alert = by_key["countdown:model:claude-fable-5:30"]
    assert {d["offering"] for d in model_alert.payload["dependencies"]} == {"Claude Fable 5 via Fable Labs"}


def test_deprecation_alerts_name_the_successor_and_the_replacement_route(world):
    successor = AIModelFactory(name="Claude Fable 6", slug="claude-fable-6", provider=world.fable_labs)
    OfferingFactory(model=successor, distributor=world.bedrock, distributor_model_id="fable.claude-fable-6")
    world.fable.successor = successor
    world.fable.retirement_date = TODAY + timedelta(days=7)
    world.fable.save(update_fields=["successor", "retirement_date"])

    alerts = services.countdowns_send(today=TODAY)

    search = next(a for a in alerts if a.team == world.search)
    [rewriter] = search.payload["dependencies"]
    assert rewriter["successor"] == "Claude Fable 6"
    assert rewriter["replacements"] == ["Claude Fable 6 via Bedrock"]
    assert "Successor: Claude Fable 6" in search.body_text
    assert "Replacement options: Claude Fable 6 via Bedrock" in search.body_text
    assert "Successor: Claude Fable 6" in search.body_html


def test_a_change_alert_names_the_successor_too(world, django_capture_on_commit_callbacks):
    successor = AIModelFactory(name="Claude Fable 6", slug="claude-fable-6", provider=world.fable_labs)
    world.fable_bedrock.successor = successor
    world.fable_bedrock.save(update_fields=["successor"])
    from riskregister.alerts.content import change_alert

    change = status_change_record(kind="deprecation", title="Fable on Bedrock deprecated", severity="minor",
                                  offering=world.fable_bedrock, current_value="2027-03-01", dedupe_key="t:dep")
    radius = blast_radius([Event(kind=EventKind.DEPRECATION, level=EventLevel.OFFERING, target=world.fable_bedrock.id)])
    message = change_alert(team=world.search, changes=[change], affected=radius.by_team()[world.search])
    assert message.payload["dependencies"][0]["successor"] == "Claude Fable 6"
    assert "Successor: Claude Fable 6" in message.text
