"""From recorded changes to the outbox: the right teams, once per batch, with what broke."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from riskregister.alerts import services
from riskregister.alerts.dispatch import batch_claim, batches_pending
from riskregister.alerts.models import Alert, Subscription
from tests.alerts.conftest import subscribe
from tests.factories import DependencyFactory, StatusChangeFactory, StatusSourceFactory, TeamFactory
from vendors.models import StatusChange
from vendors.recording import status_change_record


def ban(world, batch=None, **kwargs) -> StatusChange:
    return StatusChangeFactory(
        batch=batch or uuid.uuid4(), model=world.fable, kind=StatusChange.Kind.LIFECYCLE, previous_value="active",
        current_value="banned", severity=StatusChange.Severity.CRITICAL, title="export-control ban",
        link="https://www.federalregister.gov/d/2026-00001", **kwargs,
    )


def outage_batch(world, source, batch):
    """What one check of a status page can bring at once: a component outage, the page indicator
    and an incident, all about Fable Labs' own API."""
    common = {"batch": batch, "source": source}
    return [
        StatusChangeFactory(offering=world.fable_direct, kind="status", previous_value="operational",
                            current_value="major_outage", severity="major", title="Claude API major outage", **common),
        StatusChangeFactory(vendor=world.fable_labs, kind="status", previous_value="none", current_value="major",
                            severity="major", title="Fable Labs status: major", **common),
        StatusChangeFactory(vendor=world.fable_labs, kind="incident", current_value="investigating", severity="major",
                            title="Elevated errors on the API", external_id="inc-1", **common),
    ]


@pytest.mark.django_db
def test_ban_alerts_each_affected_team_once_listing_its_dependencies(world, settings):
    settings.SITE_URL = "https://risk.example.com"
    change = ban(world)

    alerts = services.batch_dispatch(batch=change.batch)

    by_team = {alert.team: alert for alert in alerts}
    assert set(by_team) == {world.platform, world.search}
    platform = by_team[world.platform]
    assert platform.subject == "[critical] Claude Fable 5: export-control ban — 3 of your services affected"
    assert platform.recipients == ["platform-0@example.com", "platform-1@example.com"]
    assert platform.dedupe_key == f"change:{change.batch}:{world.platform.id}"
    assert platform.severity == "critical" and platform.mode == "immediate" and platform.status == "pending"
    for system in ("chat-assistant", "summarizer", "ticket-triage"):
        assert system in platform.body_text and system in platform.body_html
    assert "Covered: fails over to Other 2 via Other AI" in platform.body_text
    assert "Correlated fallback (hit by the same event): Claude Fable 5 via Bedrock" in platform.body_text
    assert "tier 1 (most critical)" in platform.body_text
    assert "https://risk.example.com/teams/platform/" in platform.body_text
    assert "https://www.federalregister.gov/d/2026-00001" in platform.body_text
    assert by_team[world.search].subject.endswith("— 1 of your services affected")
    assert by_team[world.search].recipients == ["search-0@example.com"]
    assert not Alert.objects.filter(team=world.billing).exists()
    change.refresh_from_db()
    assert change.dispatched_at is not None


@pytest.mark.django_db
def test_a_batch_is_dispatched_once(world):
    change = ban(world)
    services.batch_dispatch(batch=change.batch)

    assert services.batch_dispatch(batch=change.batch) == []
    assert services.alerts_dispatch_pending() == []
    assert Alert.objects.count() == 2


@pytest.mark.django_db
def test_outage_indicator_and_incident_in_one_check_make_one_email_per_team(world):
    source = StatusSourceFactory(vendor=world.fable_labs)
    batch = uuid.uuid4()
    outage_batch(world, source, batch)

    alerts = services.batch_dispatch(batch=batch)

    # The provider's own API is down: Bedrock users are not reached.
    assert [alert.team for alert in alerts] == [world.platform]
    [alert] = alerts
    assert alert.subject.startswith("[major] Claude Fable 5 via Fable Labs: Claude API major outage (+2 more) — 2 of")
    assert "ticket-triage" not in alert.body_text


@pytest.mark.django_db
def test_later_update_of_an_alerted_incident_alerts_only_when_it_worsens_resolves_or_reopens(world):
    source = StatusSourceFactory(vendor=world.fable_labs)
    first = uuid.uuid4()
    StatusChangeFactory(batch=first, source=source, vendor=world.fable_labs, kind="incident", severity="minor",
                        current_value="investigating", title="Elevated errors", external_id="inc-7")
    assert len(services.batch_dispatch(batch=first)) == 1

    def update(severity, status):
        batch = uuid.uuid4()
        StatusChangeFactory(batch=batch, source=source, vendor=world.fable_labs, kind="incident", severity=severity,
                            current_value=status, title=f"Elevated errors: {status}", external_id="inc-7")
        return services.batch_dispatch(batch=batch)

    assert update("minor", "identified") == []
    assert len(update("major", "monitoring")) == 1
    assert update("minor", "monitoring") == []
    resolved = update("info", "resolved")
    assert len(resolved) == 1 and "resolved" in resolved[0].subject
    assert update("info", "postmortem") == []
    assert len(update("minor", "investigating")) == 1, "reopened"
    assert update("minor", "identified") == []


@pytest.mark.django_db
def test_a_second_outage_of_the_same_component_alerts_again(world):
    source = StatusSourceFactory(vendor=world.fable_labs)

    def flip(previous, current, severity):
        batch = uuid.uuid4()
        StatusChangeFactory(batch=batch, source=source, offering=world.fable_direct, kind="status", external_id="k8w3r06qmzrp",
                            previous_value=previous, current_value=current, severity=severity, title=f"Claude API: {current}")
        return services.batch_dispatch(batch=batch)

    assert len(flip("operational", "major_outage", "major")) == 1
    assert len(flip("major_outage", "operational", "info")) == 1
    assert len(flip("operational", "major_outage", "major")) == 1


@pytest.mark.django_db
def test_subscriptions_choose_kinds_severity_and_recipients(world):
    subscribe(world.platform, email="platform-oncall@example.com", min_severity="critical")
    subscribe(world.platform, user=world.platform_members[1], kinds=["lifecycle"], min_severity="info")
    subscribe(world.search, kinds=["status", "incident"])  # all members, but not lifecycle changes

    [alert] = services.batch_dispatch(batch=ban(world).batch)

    assert alert.team == world.platform
    assert alert.recipients == ["platform-1@example.com", "platform-oncall@example.com"]


@pytest.mark.django_db
def test_a_team_below_its_minimum_severity_gets_nothing(world):
    subscribe(world.platform, min_severity="critical")
    batch = uuid.uuid4()
    StatusChangeFactory(batch=batch, offering=world.fable_direct, kind="status", current_value="degraded",
                        severity="minor", title="Degraded")

    assert services.batch_dispatch(batch=batch) == []


@pytest.mark.django_db
def test_an_inactive_subscription_silences_the_team(world):
    subscribe(world.search, active=False)

    alerts = services.batch_dispatch(batch=ban(world).batch)

    assert {alert.team for alert in alerts} == {world.platform}


@pytest.mark.django_db
def test_digest_only_team_gets_a_digest_row_not_an_immediate_email(world):
    subscribe(world.search, mode=Subscription.Mode.DAILY_DIGEST)

    alerts = {alert.team: alert for alert in services.batch_dispatch(batch=ban(world).batch)}

    search = alerts[world.search]
    assert search.mode == "daily_digest" and search.recipients == []
    assert search.payload["digest_recipients"] == ["search-0@example.com"]


@pytest.mark.django_db
def test_rolled_back_change_alerts_nobody(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        status_change_record(kind="lifecycle", title="export-control ban", severity="critical", model=world.fable,
                             current_value="banned")
        raise RuntimeError("the surrounding work failed")

    assert services.alerts_dispatch_pending() == []
    assert not StatusChange.objects.exists() and not Alert.objects.exists()


@pytest.mark.django_db
def test_committed_manual_change_is_picked_up_by_the_periodic_dispatcher(world):
    change = status_change_record(kind="lifecycle", title="export-control ban", severity="critical",
                                  model=world.fable, current_value="banned")

    assert batches_pending() == [change.batch]
    assert len(services.alerts_dispatch_pending()) == 2
    assert batches_pending() == []


@pytest.mark.django_db
def test_a_batch_claim_is_a_lease(world, settings):
    change = ban(world)
    assert batch_claim(batch=change.batch) is not None
    assert batch_claim(batch=change.batch) is None
    assert services.alerts_dispatch_pending() == []

    # The dispatcher holding the claim died; once the lease has run out the batch is claimed again.
    StatusChange.objects.filter(id=change.id).update(
        dispatch_claimed_at=timezone.now() - timedelta(seconds=settings.ALERT_DISPATCH_LEASE_SECONDS + 1)
    )
    assert len(services.alerts_dispatch_pending()) == 2


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_racing_write_one_alert_per_team(world):
    change = ban(world)
    start = threading.Barrier(2)
    results = []

    def dispatcher():
        try:
            start.wait()
            results.append(len(services.batch_dispatch(batch=change.batch)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [0, 2]
    assert Alert.objects.count() == 2


@pytest.mark.django_db
def test_dispatch_queries_do_not_grow_with_dependencies(world):
    def queries_for_ban_reaching(extra: int) -> int:
        for n in range(extra):
            team = TeamFactory(name=f"Extra {extra}-{n}", slug=f"extra-{extra}-{n}")
            DependencyFactory(team=team, system=f"svc-{n}", offering=world.fable_bedrock)
            DependencyFactory(team=team, system=f"svc-{n}-b", offering=world.fable_direct)
        change = ban(world)
        with CaptureQueriesContext(connection) as captured:
            services.batch_dispatch(batch=change.batch)
        # Lift it, so that the next ban opens an event again rather than updating this one.
        lifted = StatusChangeFactory(model=world.fable, kind="lifecycle", previous_value="banned",
                                     current_value="active", severity="info", title="ban lifted")
        services.batch_dispatch(batch=lifted.batch)
        return len(captured)

    small = queries_for_ban_reaching(2)
    large = queries_for_ban_reaching(40)
    assert small == large


@pytest.mark.django_db
def test_subscription_refuses_unknown_kinds_and_both_an_address_and_a_member(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="kinds"):
        Subscription(team=world.platform, kinds=["outage"]).full_clean()
    with pytest.raises(ValidationError, match="not both"):
        Subscription(team=world.platform, email="x@example.com", user=world.platform_members[0]).full_clean()
    Subscription(team=world.platform, kinds=["status", "incident"]).full_clean()
