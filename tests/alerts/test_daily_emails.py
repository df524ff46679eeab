"""Deprecation countdowns, review reminders and team digests: each slot once."""

import uuid
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group

from riskregister.alerts import services
from riskregister.alerts.models import Alert, Subscription
from riskregister.alerts.schedules import countdown_step
from riskregister.teams.models import REVIEWERS_GROUP
from tests.alerts.conftest import subscribe
from tests.factories import RiskFactory, StatusChangeFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("days_left", "step"), [(120, None), (90, 90), (45, 90), (30, 30), (8, 30), (7, 7), (2, 7), (1, 1), (0, 1), (-1, None)]
)
def test_countdown_step_is_the_smallest_step_at_or_above_the_days_left(days_left, step):
    assert countdown_step(days_left) == step


def test_countdown_reminds_affected_teams_at_each_step_once(world, smtp_server):
    world.fable.retirement_date = TODAY + timedelta(days=30)
    world.fable.save(update_fields=["retirement_date"])

    first = services.countdowns_send(today=TODAY)
    assert sorted(alert.dedupe_key for alert in first) == sorted(
        [f"countdown:model:claude-fable-5:30:{world.platform.id}", f"countdown:model:claude-fable-5:30:{world.search.id}"]
    )
    assert services.countdowns_send(today=TODAY) == []
    assert services.countdowns_send(today=TODAY + timedelta(days=1)) == [], "29 days left is still the 30-day step"

    week = services.countdowns_send(today=TODAY + timedelta(days=23))
    assert {alert.dedupe_key.split(":")[3] for alert in week} == {"7"}
    assert services.alerts_deliver_due()["sent"] == 4
    platform = [m for m in smtp_server.received if "platform-0@example.com" in m.recipients]
    assert [m.subject for m in platform] == [
        "[minor] Claude Fable 5 retires in 30 days (2026-12-27) — 3 of your services affected",
        "[major] Claude Fable 5 retires in 7 days (2026-12-27) — 3 of your services affected",
    ]
    assert "ticket-triage" in platform[0].part("text/plain")


def test_countdown_of_an_offering_reaches_only_its_users(world):
    world.fable_bedrock.retirement_date = TODAY + timedelta(days=1)
    world.fable_bedrock.save(update_fields=["retirement_date"])

    alerts = services.countdowns_send(today=TODAY)

    assert {(a.team, a.dedupe_key) for a in alerts} == {
        (world.platform, f"countdown:offering:{world.fable_bedrock.id}:1:{world.platform.id}"),
        (world.search, f"countdown:offering:{world.fable_bedrock.id}:1:{world.search.id}"),
    }
    assert all("retires tomorrow" in a.subject for a in alerts)


def test_review_reminder_goes_to_each_reviewer_once_a_day(world, smtp_server):
    reviewers = Group.objects.create(name=REVIEWERS_GROUP)
    alice = UserFactory(username="alice", email="alice@example.com")
    alice.groups.add(reviewers)
    UserFactory(username="no-mail", email="").groups.add(reviewers)
    overdue = RiskFactory(dependency=world.platform_deps[0], next_review_date=TODAY - timedelta(days=3))

    [alert] = services.review_reminders_send(today=TODAY)
    assert alert.dedupe_key == f"review:{alice.id}:{TODAY.isoformat()}"
    assert services.review_reminders_send(today=TODAY) == []
    services.alerts_deliver_due()

    [mail] = smtp_server.received
    assert mail.recipients == ["alice@example.com"]
    assert mail.subject.startswith("[review] 1 risk due or overdue for review")
    assert "chat-assistant" in mail.part("text/plain") and overdue.failure_mode.name in mail.part("text/plain")
    assert f"https://risk.example.com/risks/{overdue.id}/" in mail.part("text/plain")
    assert "https://risk.example.com/review/" in mail.part("text/html")


def test_no_review_reminder_when_nothing_is_due(world):
    Group.objects.create(name=REVIEWERS_GROUP).user_set.add(UserFactory(username="bob", email="bob@example.com"))
    assert services.review_reminders_send(today=TODAY) == []


def test_daily_digest_collects_the_teams_alerts_of_the_day_into_one_email(world, smtp_server):
    subscribe(world.search, mode=Subscription.Mode.DAILY_DIGEST)
    # The ban and its end: a second "banned" would be folded into the first (no new message).
    for title, previous, current, severity in (("export-control ban", "active", "banned", "critical"),
                                               ("ban lifted", "banned", "active", "info")):
        batch = uuid.uuid4()
        StatusChangeFactory(batch=batch, model=world.fable, kind="lifecycle", previous_value=previous,
                            current_value=current, severity=severity, title=title)
        services.batch_dispatch(batch=batch)
    today = Alert.objects.first().created_at.date()

    [digest] = services.team_digests_send(day=today)

    assert digest.dedupe_key == f"digest:{world.search.id}:{today.isoformat()}"
    assert services.team_digests_send(day=today) == []
    assert set(Alert.objects.filter(team=world.search, kind="change").values_list("status", flat=True)) == {"digested"}
    assert services.alerts_deliver_due()["sent"] == 3  # platform's two immediate alerts, search's digest
    [mail] = [m for m in smtp_server.received if m.recipients == ["search-0@example.com"]]
    assert mail.subject == f"[critical] Daily digest for Search, {today.isoformat()}: 2 alerts"
    assert "export-control ban" in mail.part("text/plain") and "ban lifted" in mail.part("text/plain")
    assert "query-rewriter" in mail.part("text/html")


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_write_each_countdown_slot_once(world):
    import threading

    from django.db import connections

    world.fable.retirement_date = TODAY + timedelta(days=7)
    world.fable.save(update_fields=["retirement_date"])
    start = threading.Barrier(2)
    written = []

    def scheduler():
        try:
            start.wait()
            written.append(len(services.countdowns_send(today=TODAY)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(written) == 2
    assert Alert.objects.filter(kind="countdown").count() == 2
