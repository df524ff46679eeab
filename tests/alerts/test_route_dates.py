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


# --- the blast radius of a retirement or deprecation reads the route's own date ------------------


def _retirement_date_set(subject_field, subject, days):
    return status_change_record(
        kind="deprecation", title=f"{subject} retires in {days} days", severity="minor",
        current_value=(TODAY + timedelta(days=days)).isoformat(), details={"field": "retirement_date"},
        dedupe_key=f"t:{subject_field}{subject.id}:{days}", **{subject_field: subject},
    )


def _reached(change):
    from riskregister.alerts.events import Reach

    services.batch_dispatch(batch=change.batch)
    return sorted(Reach.objects.filter(change=change).values_list("dependency__system", flat=True))


@pytest.fixture
def on_today(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def test_the_models_retirement_date_does_not_reach_a_route_with_its_own_later_date(world, on_today):
    world.fable_bedrock.retirement_date = TODAY + timedelta(days=200)
    world.fable_bedrock.save(update_fields=["retirement_date"])

    direct_api = _retirement_date_set("model", world.fable, 30)

    # The direct API's users only: ticket-triage and query-rewriter are on Bedrock, which lives on.
    assert _reached(direct_api) == ["chat-assistant", "summarizer"]


def test_the_reverse_a_route_retiring_sooner_than_its_model_is_reached_by_its_own_date_only(world, on_today):
    world.fable_bedrock.retirement_date = TODAY + timedelta(days=30)
    world.fable_bedrock.save(update_fields=["retirement_date"])

    model_date = _retirement_date_set("model", world.fable, 200)
    assert _reached(model_date) == ["chat-assistant", "summarizer"]

    bedrock_date = _retirement_date_set("offering", world.fable_bedrock, 20)
    assert _reached(bedrock_date) == ["query-rewriter", "ticket-triage"]


def test_a_model_retired_on_its_providers_api_lives_on_bedrock_until_the_routes_date(world, on_today):
    from riskregister.alerts.events import Reach

    world.fable_bedrock.retirement_date = TODAY + timedelta(days=180)
    world.fable_bedrock.save(update_fields=["retirement_date"])
    summarizer = world.platform_deps[1]
    summarizer.fallbacks.update(tested_on=TODAY)

    retired = status_change_record(kind="lifecycle", title="Claude Fable 5 retired on the API", severity="critical",
                                   model=world.fable, current_value="retired", dedupe_key="t:retired")
    assert _reached(retired) == ["chat-assistant", "summarizer"]
    # Its Bedrock fallback still serves the model: it covers the retirement.
    row = Reach.objects.get(change=retired, dependency=summarizer)
    assert row.covered and "Bedrock" in row.reason

    # A route with no date of its own (or one already past) goes with its model.
    world.fable_bedrock.retirement_date = TODAY - timedelta(days=1)
    world.fable_bedrock.save(update_fields=["retirement_date"])
    radius = blast_radius([Event(kind=EventKind.RETIREMENT, level=EventLevel.MODEL, target=world.fable.id,
                                 date_field="retirement_date")])
    assert {item.dependency.system for item in radius.affected} == {"chat-assistant", "summarizer", "ticket-triage",
                                                                   "query-rewriter"}
    assert not next(item for item in radius.affected if item.dependency == summarizer).covered


def test_a_deprecation_of_the_model_leaves_a_route_with_its_own_later_dates(world, on_today):
    world.fable_bedrock.deprecation_date = TODAY + timedelta(days=120)
    world.fable_bedrock.save(update_fields=["deprecation_date"])
    deprecated = status_change_record(kind="lifecycle", title="Claude Fable 5 deprecated", severity="minor",
                                      model=world.fable, current_value="deprecated", dedupe_key="t:deprecated")
    assert _reached(deprecated) == ["chat-assistant", "summarizer"]


def test_a_service_registered_later_gets_the_routes_rule_too(world, on_today):
    from riskregister.alerts.selectors import dependency_reach
    from tests.factories import DependencyFactory

    world.fable_bedrock.retirement_date = TODAY + timedelta(days=200)
    world.fable_bedrock.save(update_fields=["retirement_date"])
    _reached(_retirement_date_set("model", world.fable, 30))
    on_bedrock = DependencyFactory(team=world.billing, system="late-bedrock", offering=world.fable_bedrock)
    on_direct = DependencyFactory(team=world.billing, system="late-direct", offering=world.fable_direct)
    assert dependency_reach(dependency_id=on_bedrock.id) == []
    assert len(dependency_reach(dependency_id=on_direct.id)) == 1


# --- successors and replacements in every deprecation alert ------------------------------------------


def test_a_route_with_its_own_successor_names_both_and_every_known_route_of_them(world):
    fable6 = AIModelFactory(name="Claude Fable 6", slug="claude-fable-6", provider=world.fable_labs)
    OfferingFactory(model=fable6, distributor=world.fable_labs, distributor_model_id="claude-fable-6")
    banned_route = OfferingFactory(model=fable6, distributor=world.bedrock, distributor_model_id="fable.claude-fable-6",
                                   lifecycle="banned")
    nova = AIModelFactory(name="Fable Nova", slug="fable-nova", provider=world.fable_labs)
    OfferingFactory(model=nova, distributor=world.bedrock, distributor_model_id="fable.nova")
    world.fable.successor = fable6
    world.fable.retirement_date = TODAY + timedelta(days=7)
    world.fable.save(update_fields=["successor", "retirement_date"])
    world.fable_bedrock.successor = nova  # Bedrock points its users elsewhere
    world.fable_bedrock.save(update_fields=["successor"])

    alerts = services.countdowns_send(today=TODAY)

    [rewriter] = next(a for a in alerts if a.team == world.search).payload["dependencies"]
    assert (rewriter["successor"], rewriter["route_successor"], rewriter["model_successor"]) == (
        "Fable Nova", "Fable Nova", "Claude Fable 6")
    # The route's successor on its own distributor first, then the model's successor wherever it
    # is served; a banned route is no way out.
    assert rewriter["replacements"] == ["Fable Nova via Bedrock", "Claude Fable 6 via Fable Labs"]
    assert banned_route.id and "Claude Fable 6 via Bedrock" not in rewriter["replacements"]
    search = next(a for a in alerts if a.team == world.search)
    assert "Successor: Fable Nova (on this route; the model's successor elsewhere: Claude Fable 6)" in search.body_text
    assert "Replacement options: Fable Nova via Bedrock, Claude Fable 6 via Fable Labs" in search.body_html

    # A direct-API dependency hears of the model's successor, on its own distributor.
    platform = next(a for a in alerts if a.team == world.platform)
    chat = next(d for d in platform.payload["dependencies"] if d["system"] == "chat-assistant")
    assert chat["successor"] == "Claude Fable 6" and chat["route_successor"] is None
    assert chat["replacements"][0] == "Claude Fable 6 via Fable Labs"


def test_the_daily_digest_of_a_countdown_names_the_successor(world):
    from riskregister.alerts.models import Subscription
    from riskregister.alerts.schedules import team_digests_send
    from tests.alerts.conftest import subscribe

    fable6 = AIModelFactory(name="Claude Fable 6", slug="claude-fable-6", provider=world.fable_labs)
    OfferingFactory(model=fable6, distributor=world.bedrock, distributor_model_id="fable.claude-fable-6")
    world.fable.successor = fable6
    world.fable.retirement_date = TODAY + timedelta(days=7)
    world.fable.save(update_fields=["successor", "retirement_date"])
    subscribe(world.search, mode=Subscription.Mode.DAILY_DIGEST)
    [countdown] = [a for a in services.countdowns_send(today=TODAY) if a.team == world.search]

    [digest] = team_digests_send(day=countdown.created_at.date())
    assert "Successor: Claude Fable 6" in digest.body_text
    assert "Replacement options: Claude Fable 6 via Bedrock" in digest.body_text
    assert "Successor: Claude Fable 6" in digest.body_html
