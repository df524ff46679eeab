"""Right team, once, and only news (issue 10): each fault of the replay has a test here.

- first sight is a baseline, not an email; already down on first sight is news once;
- a change an announced event already explains is folded (no second email; a digest confirms it);
- the end of an event reaches the teams that were told of it;
- a change recorded through the API is rated and moves its subject's lifecycle;
- the team page reads the stored reach (no provider outage for teams on a distributor).
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from riskregister.alerts import services
from riskregister.alerts.events import Event, Reach
from riskregister.alerts.models import Alert, Subscription
from riskregister.alerts.selectors import (
    changes_reached_teams,
    dependency_reach,
    open_events_for_dependencies,
    team_recent_changes,
)
from tests.alerts.conftest import subscribe
from tests.api.conftest import client_for
from tests.factories import DependencyFactory, StatusChangeFactory, StatusSourceFactory
from tests.vendors import payloads
from tests.vendors.helpers import ChangingAnswer, check, make_source
from vendors.recording import manual_change_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loopback(settings):
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]


def dispatch(change_or_batch) -> list[Alert]:
    batch = getattr(change_or_batch, "batch", change_or_batch)
    return services.batch_dispatch(batch=batch)


def ban(world):
    return manual_change_record(kind="lifecycle", value="banned", model=world.fable, title="export-control ban")


def lift(world):
    return manual_change_record(kind="lifecycle", value="active", model=world.fable, title="export-control ban lifted")


# --- first sight -----------------------------------------------------------------------------


@pytest.fixture
def page(httpserver):
    return ChangingAnswer(httpserver, "/api/v2/summary.json", payloads.statuspage_summary())


@pytest.fixture
def status_page(world, page):
    world.fable_direct.status = "unknown"
    world.fable_direct.save(update_fields=["status"])
    return make_source("statuspage", page.url, vendor=world.fable_labs,
                       config={"components": {"Claude API": [world.fable_direct.id]}})


def test_the_first_check_of_a_status_page_sets_a_baseline_and_emails_no_one(world, status_page):
    subscribe(world.platform, min_severity="minor")
    result, changes = check(status_page)
    assert [(c.previous_value, c.current_value, c.severity) for c in changes] == [("unknown", "operational", "info")]

    assert dispatch(result.batch) == []
    assert not Reach.objects.exists() and not Event.objects.exists()
    assert team_recent_changes(team_ids=[world.platform.id]) == []


def test_a_first_check_that_finds_an_outage_is_news_once(world, status_page, page):
    page.body = payloads.statuspage_summary({"Claude API": "major_outage"})
    result, _ = check(status_page)
    alerts = dispatch(result.batch)
    assert {alert.team for alert in alerts} == {world.platform}
    assert "affected" in alerts[0].subject

    again, changes = check(status_page)
    assert changes == [] and Alert.objects.count() == 1

    page.body = payloads.statuspage_summary()
    recovered, _ = check(status_page)
    [recovery] = dispatch(recovered.batch)
    assert recovery.team == world.platform
    assert "back to normal" in recovery.subject and "affected" not in recovery.subject


def test_an_info_change_never_reaches_a_minor_subscription(world):
    subscribe(world.platform, min_severity="minor")
    change = StatusChangeFactory(offering=world.fable_direct, previous_value="operational", current_value="maintenance",
                                 severity="info", title="scheduled maintenance announced")
    assert dispatch(change) == []
    # It is recorded and reached the team all the same: the page shows it.
    [item] = team_recent_changes(team_ids=[world.platform.id])
    assert item.change == change and not item.folded


# --- folding -----------------------------------------------------------------------------------


def test_a_model_list_dropping_a_banned_model_is_folded_into_the_announced_ban(world):
    subscribe(world.platform)  # immediate only
    subscribe(world.search, mode=Subscription.Mode.DAILY_DIGEST)
    banned = ban(world)
    assert {alert.team for alert in dispatch(banned)} == {world.platform, world.search}
    model_list = StatusSourceFactory(vendor=world.bedrock)
    dropped = StatusChangeFactory(source=model_list, offering=world.fable_bedrock, previous_value="operational",
                                  current_value="unavailable", severity="major", external_id="fable.claude-fable-5",
                                  title="fable.claude-fable-5 is no longer listed in Bedrock's model list")

    [confirmation] = dispatch(dropped)

    # No new message for anyone: Platform (immediate only) sees it on its page, Search in its digest.
    assert confirmation.team == world.search and confirmation.mode == Subscription.Mode.DAILY_DIGEST
    assert confirmation.recipients == [] and confirmation.payload["digest_recipients"] == ["search-0@example.com"]
    assert "confirms an event already announced" in confirmation.subject
    ban_event = Event.objects.get(opened_by=banned)
    rows = Reach.objects.filter(change=dropped)
    assert rows.count() == 2 and all(row.folded and row.event_id == ban_event.id for row in rows)
    [item] = [i for i in team_recent_changes(team_ids=[world.platform.id]) if i.change == dropped]
    assert item.folded and item.event == ban_event
    assert {row.dependency.system for row in item.reached} == {"ticket-triage"}


def test_an_escalation_is_news_again(world):
    outage = StatusChangeFactory(offering=world.fable_bedrock, previous_value="operational", current_value="degraded",
                                 severity="minor", title="Bedrock degraded")
    assert {a.team for a in dispatch(outage)} == {world.platform, world.search}
    retired = manual_change_record(kind="lifecycle", value="retired", offering=world.fable_bedrock, title="retired on Bedrock")
    assert {a.team for a in dispatch(retired)} == {world.platform, world.search}


# --- recoveries ---------------------------------------------------------------------------------


def test_a_lifted_ban_reaches_the_teams_that_were_told_of_it(world):
    subscribe(world.platform, min_severity="minor")
    subscribe(world.search, min_severity="major")
    assert {a.team for a in dispatch(ban(world))} == {world.platform, world.search}

    lifted = lift(world)
    assert lifted.severity == "info"
    alerts = dispatch(lifted)

    assert {a.team for a in alerts} == {world.platform, world.search}
    assert all("back to normal" in alert.subject for alert in alerts)
    assert not Event.objects.filter(closed_at__isnull=True).exists()
    world.fable.refresh_from_db()
    assert world.fable.lifecycle == "active"


def test_a_recovery_is_not_sent_to_a_team_that_was_not_told(world):
    subscribe(world.search, min_severity="critical")
    outage = StatusChangeFactory(offering=world.fable_bedrock, previous_value="operational", current_value="major_outage",
                                 severity="major", title="Bedrock down")
    assert {a.team for a in dispatch(outage)} == {world.platform}
    back = StatusChangeFactory(offering=world.fable_bedrock, previous_value="major_outage", current_value="operational",
                               severity="info", title="Bedrock back")
    assert {a.team for a in dispatch(back)} == {world.platform}


# --- one write path -------------------------------------------------------------------------------


def test_a_ban_recorded_through_the_api_is_rated_and_bans_the_model(world, reviewer):
    client = client_for(reviewer)
    response = client.post("/api/v1/status-changes/", {
        "kind": "lifecycle", "title": "export-control ban", "model": world.fable.id, "current_value": "banned",
    }, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["severity"] == "critical"
    assert client.get(f"/api/v1/models/{world.fable.id}/").json()["lifecycle"] == "banned"
    alerts = dispatch(uuid.UUID(response.json()["batch"]))
    assert {a.team for a in alerts} == {world.platform, world.search}
    listed = client.get(f"/api/v1/status-changes/{response.json()['id']}/").json()
    assert listed["reached_teams"] == ["platform", "search"]


def test_the_api_refuses_a_value_its_kind_does_not_have(world, reviewer):
    response = client_for(reviewer).post("/api/v1/status-changes/", {
        "kind": "lifecycle", "title": "x", "model": world.fable.id, "current_value": "gone-fishing",
    }, format="json")
    assert response.status_code == 400
    assert "current_value" in str(response.json())


# --- the pages read the stored reach ------------------------------------------------------------------


def page_of(team, user):
    client = Client()
    client.force_login(user)
    return client.get(f"/teams/{team.slug}/").content.decode()


def test_a_providers_own_outage_is_not_on_the_page_of_a_team_using_a_distributor(world):
    outage = StatusChangeFactory(vendor=world.fable_labs, previous_value="operational", current_value="major_outage",
                                 severity="major", title="Fable Labs API down")
    dispatch(outage)
    assert "Fable Labs API down" in page_of(world.platform, world.platform_members[0])
    assert "Fable Labs API down" not in page_of(world.search, world.search_members[0])
    assert changes_reached_teams(change_ids=[outage.id]) == {outage.id: [world.platform]}


def test_the_team_page_shows_a_ban_recorded_by_hand(world):
    dispatch(ban(world))
    html = page_of(world.search, world.search_members[0])
    assert "(Unknown)" not in html and "Claude Fable 5 banned" in html
    assert "export-control ban" in html and "not covered" in html


def test_a_service_registered_on_a_banned_model_shows_the_ban(world):
    banned = ban(world)
    dispatch(banned)
    late = DependencyFactory(team=world.billing, system="late-service", offering=world.fable_bedrock)
    [row] = dependency_reach(dependency_id=late.id)
    assert row.late and row.event.opened_by == banned and not row.covered
    assert [e.opened_by for e in open_events_for_dependencies(dependency_ids=[late.id])[late.id]] == [banned]
    # Moved off the banned model, it no longer shows the ban.
    late.offering = world.other_direct
    late.save()
    assert dependency_reach(dependency_id=late.id) == []


def test_the_selectors_run_a_fixed_number_of_queries(world):
    for n in range(5):
        DependencyFactory(team=world.search, system=f"extra-{n}", offering=world.fable_bedrock)
    dispatch(ban(world))
    dispatch(StatusChangeFactory(offering=world.fable_bedrock, current_value="unavailable", severity="major"))
    team_ids = [world.platform.id, world.search.id]
    change_ids = list(Reach.objects.values_list("change_id", flat=True).distinct())
    dependency_ids = list(Reach.objects.values_list("dependency_id", flat=True).distinct())
    for call, expected in (
        (lambda: team_recent_changes(team_ids=team_ids), 3),
        (lambda: changes_reached_teams(change_ids=change_ids, team_ids=team_ids), 2),
        (lambda: dependency_reach(dependency_id=dependency_ids[0]), 1),
        (lambda: open_events_for_dependencies(dependency_ids=dependency_ids), 1),
    ):
        with CaptureQueriesContext(connection) as captured:
            result = call()
            for item in result if isinstance(result, list) else []:
                [(row.dependency.system, row.team.name) for row in getattr(item, "reached", [])]
        assert result and len(captured) == expected


def test_the_risk_timeline_shows_what_reached_its_dependency(world):
    from riskregister.risks.models import Risk
    from riskregister.risks.selectors import risk_timeline
    from tests.factories import FailureModeFactory, RiskFactory

    triage = world.platform_deps[2]
    risk = RiskFactory(dependency=triage, failure_mode=FailureModeFactory())
    dispatch(ban(world))
    reached = [entry for entry in risk_timeline(risk=Risk.objects.get(pk=risk.pk)) if entry["kind"] == "reach"]
    assert len(reached) == 1 and reached[0]["summary"].startswith("export-control ban [critical]: not covered")


def test_a_fallback_added_while_a_ban_is_open_updates_its_stored_cover(world):
    import datetime

    from tests.factories import FallbackFactory

    dispatch(ban(world))
    rewriter = world.search.dependencies.get(system="query-rewriter")
    [before] = dependency_reach(dependency_id=rewriter.id)
    assert not before.covered
    FallbackFactory(dependency=rewriter, offering=world.other_direct, tested_on=datetime.date.today())
    [after] = dependency_reach(dependency_id=rewriter.id)
    assert after.covered and "Other 2" in after.reason


def components_json(statuses: dict[str, str] | None = None) -> bytes:
    """`/api/v2/components.json` of a Statuspage page: the page and its components, nothing else."""
    import json

    summary = json.loads(payloads.statuspage_summary(statuses))
    return json.dumps({"page": summary["page"], "components": summary["components"]}).encode()


def test_a_new_sources_first_check_flags_no_risk_for_review(world, httpserver, django_capture_on_commit_callbacks):
    from riskregister.risks.models import Risk
    from riskregister.risks.selectors import review_queue
    from tests.factories import FailureModeFactory, RiskFactory

    chat = world.platform_deps[0]
    risk = RiskFactory(dependency=chat, failure_mode=FailureModeFactory(), next_review_date=None)
    Risk.objects.filter(pk=risk.pk).update(last_reviewed_at="2026-11-01T00:00:00Z", state_changed_at=None)
    world.fable_direct.status = "unknown"
    world.fable_direct.save(update_fields=["status"])
    page = ChangingAnswer(httpserver, "/api/v2/components.json", components_json())
    source = make_source("statuspage", page.url, vendor=world.fable_labs,
                         config={"components": {"Claude API": [world.fable_direct.id]}})
    subscribe(world.platform, min_severity="info")

    with django_capture_on_commit_callbacks(execute=True):
        result, changes = check(source)
    assert [(c.previous_value, c.current_value) for c in changes] == [("unknown", "operational")]
    risk.refresh_from_db()
    assert risk.state_changed_at is None
    assert not review_queue().filter(pk=risk.pk).exists()
    assert dispatch(result.batch) == [] and not Alert.objects.exists()

    # The next check that finds the API down is news: the risk comes back for review.
    page.body = components_json({"Claude API": "major_outage"})
    with django_capture_on_commit_callbacks(execute=True):
        check(source)
    risk.refresh_from_db()
    assert risk.state_changed_at is not None
