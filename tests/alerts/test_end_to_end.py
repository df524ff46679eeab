"""The whole path with real worker processes: a status page flips, the sweep records it, the
dispatcher alerts, the delivery reaches a real SMTP server; exactly one email per affected team."""

import signal
import uuid

import pytest
from django.utils import timezone

from riskregister.alerts import tasks
from riskregister.alerts.models import Alert, Delivery
from riskregister.celery import app as celery_app
from tests.alerts.conftest import SMTPServer
from tests.conftest import _use_broker
from tests.vendors import payloads
from tests.vendors.helpers import ChangingAnswer, make_source
from vendors.models import StatusChange
from vendors.recording import status_change_record
from vendors.tasks import check_sources


def _worker_env(port: int, **extra) -> dict:
    return {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "OUTBOUND_ALLOWED_PRIVATE_HOSTS": "127.0.0.1",
        "SITE_URL": "https://risk.example.com",
        **extra,
    }


def _succeeded(worker, task: str) -> int:
    return sum(1 for line in worker.log().splitlines() if f"Task {task}[" in line and " succeeded " in line)


@pytest.mark.django_db(transaction=True)
def test_status_flip_sends_one_email_per_affected_team_and_a_second_sweep_sends_nothing(
    world, httpserver, celery_worker_factory, smtp_port, settings
):
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    smtp = SMTPServer(smtp_port).start()
    try:
        page = ChangingAnswer(httpserver, "/api/v2/summary.json", payloads.statuspage_summary())
        source = make_source("statuspage", page.url, vendor=world.fable_labs,
                             config={"components": {"Claude API": [world.fable_direct.id]}})
        worker = celery_worker_factory(extra_env=_worker_env(smtp_port))
        check_sources.delay([source.id])
        worker.wait_for(lambda: _succeeded(worker, "vendors.tasks.check_sources") >= 1, what="the first check")
        assert not StatusChange.objects.exists(), "an all-green page is the baseline, not a change"

        page.body = payloads.statuspage_summary({"Claude API": "major_outage"}, indicator="major")
        check_sources.delay([source.id])
        worker.wait_for(lambda: len(smtp.received) >= 1, what="the alert email")

        check_sources.delay([source.id])
        worker.wait_for(lambda: _succeeded(worker, "vendors.tasks.check_sources") >= 3, what="the second sweep")
        ticks = _succeeded(worker, "riskregister.alerts.tasks.dispatch_pending")
        worker.wait_for(lambda: _succeeded(worker, "riskregister.alerts.tasks.dispatch_pending") >= ticks + 2,
                        what="two more dispatcher ticks")

        # Fable Labs' own API is down: Platform uses it; Search (through Bedrock) and Billing do not.
        [mail] = smtp.received
        assert sorted(mail.recipients) == ["platform-0@example.com", "platform-1@example.com"]
        assert mail.subject.startswith("[major] Claude Fable 5 via Fable Labs: ")
        assert mail.subject.endswith("— 2 of your services affected")
        body = mail.part("text/plain")
        assert "chat-assistant" in body and "summarizer" in body and "ticket-triage" not in body
        assert "https://risk.example.com/teams/platform/" in body
        assert list(Alert.objects.values_list("team__slug", "status")) == [("platform", "sent")]
    finally:
        smtp.stop()


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_delivery_loses_nothing(world, celery_worker_factory, smtp_port):
    """SIGKILL while the SMTP server holds DATA: the claim is a lease, the next worker delivers."""
    smtp = SMTPServer(smtp_port).start()
    smtp.handler.hold.set()
    env = _worker_env(smtp_port, EMAIL_TIMEOUT="5", ALERT_CLAIM_LEASE_SECONDS="15")
    try:
        doomed = celery_worker_factory(extra_env=env)
        batch = uuid.uuid4()
        StatusChange.objects.create(batch=batch, model=world.fable, kind="lifecycle", current_value="banned",
                                    severity="critical", title="export-control ban", observed_at=timezone.now(),
                                    dedupe_key=f"test:{batch}")
        assert tasks.dispatch_batch(str(batch)) == 2  # two alerts written, enqueued for delivery on commit
        doomed.wait_for(lambda: smtp.handler.held >= 1, what="a delivery in flight")
        doomed.stop(signal.SIGKILL)
        smtp.handler.hold.clear()
        assert smtp.received == []

        survivor = celery_worker_factory(extra_env=env)
        survivor.wait_for(lambda: len(smtp.received) >= 2, timeout=90, what="both alerts delivered")
        survivor.wait_for(lambda: set(Alert.objects.values_list("status", flat=True)) == {"sent"}, what="rows marked sent")
        assert sorted(tuple(sorted(m.recipients)) for m in smtp.received) == [
            ("platform-0@example.com", "platform-1@example.com"), ("search-0@example.com",)]
        assert sorted(Delivery.objects.values_list("target", "status")) == [
            ("platform-0@example.com", "sent"), ("platform-1@example.com", "sent"), ("search-0@example.com", "sent")]
    finally:
        smtp.stop()


@pytest.mark.django_db(transaction=True)
def test_change_committed_while_the_broker_is_down_is_alerted_once_it_is_back(
    world, celery_worker_factory, smtp_port, tmp_path, caplog
):
    # The worker fixture gave this test a broker of its own; make it unreachable while the change commits.
    working_broker = celery_app.conf.broker_url
    _use_broker(f"sqlalchemy+sqlite:///{tmp_path / 'no-such-dir' / 'broker.sqlite3'}")
    try:
        change = status_change_record(kind="lifecycle", title="export-control ban", severity="critical",
                                      model=world.fable, current_value="banned")
    finally:
        _use_broker(working_broker)
    assert "could not enqueue dispatch" in caplog.text
    assert StatusChange.objects.get(id=change.id).dispatched_at is None

    smtp = SMTPServer(smtp_port).start()
    try:
        worker = celery_worker_factory(extra_env=_worker_env(smtp_port))
        worker.wait_for(lambda: len(smtp.received) >= 2, what="the emails of the periodic dispatcher")
        assert sorted(len(m.recipients) for m in smtp.received) == [1, 2]
    finally:
        smtp.stop()


@pytest.mark.django_db(transaction=True)
def test_smtp_answering_451_is_retried_by_the_worker_and_delivered_once(world, celery_worker_factory, smtp_port):
    smtp = SMTPServer(smtp_port).start()
    smtp.handler.data_replies = ["451 4.7.1 Greylisted, try again", "451 4.7.1 Greylisted, try again"]
    try:
        worker = celery_worker_factory(
            extra_env=_worker_env(smtp_port, ALERT_RETRY_BASE_SECONDS="1", ALERT_RETRY_MAX_SECONDS="2")
        )
        world.search.subscriptions.create(active=False)  # one alert, for Platform only
        change = status_change_record(kind="lifecycle", title="export-control ban", severity="critical",
                                      model=world.fable, current_value="banned")
        worker.wait_for(lambda: len(smtp.received) >= 1, timeout=90, what="delivery after two 451 replies")
        ticks = _succeeded(worker, "riskregister.alerts.tasks.deliver_due")
        worker.wait_for(lambda: _succeeded(worker, "riskregister.alerts.tasks.deliver_due") > ticks,
                        timeout=30, what="another delivery pass")

        [alert] = Alert.objects.filter(batch=change.batch)
        assert (alert.status, smtp.handler.refused) == ("sent", 2)
        assert sorted(alert.deliveries.values_list("target", "status", "attempts")) == [
            ("platform-0@example.com", "sent", 3), ("platform-1@example.com", "sent", 3)]
        assert len(smtp.received) == 1
    finally:
        smtp.stop()


@pytest.mark.django_db(transaction=True)
def test_worker_retries_a_recipient_refused_with_451_and_records_one_refused_with_550(
    world, celery_worker_factory, smtp_port
):
    """The server refuses one member with 451 for a while and another with 550 for good, and takes
    the message for the third: each gets what their server allows, and the lead can see the 550."""
    world.search.subscriptions.create(active=False)  # one alert, for Platform only
    world.platform.subscriptions.create()  # all members
    world.platform.subscriptions.create(email="oncall@example.com")
    world.platform.subscriptions.create(email="left-the-company@example.com")
    smtp = SMTPServer(smtp_port).start()
    smtp.handler.rcpt_by_address = {
        "platform-1@example.com": ["451 4.2.1 Mailbox busy", "451 4.2.1 Mailbox busy"],
        "left-the-company@example.com": ["550 5.1.1 No such mailbox"],
    }
    try:
        worker = celery_worker_factory(
            extra_env=_worker_env(smtp_port, ALERT_RETRY_BASE_SECONDS="1", ALERT_RETRY_MAX_SECONDS="2")
        )
        change = status_change_record(kind="lifecycle", title="export-control ban", severity="critical",
                                      model=world.fable, current_value="banned")
        worker.wait_for(lambda: len(smtp.received) >= 2, timeout=90, what="the retried recipient's email")
        worker.wait_for(lambda: Alert.objects.filter(batch=change.batch, status="partly_sent").exists(),
                        what="the alert summed up")
        ticks = _succeeded(worker, "riskregister.alerts.tasks.deliver_due")
        worker.wait_for(lambda: _succeeded(worker, "riskregister.alerts.tasks.deliver_due") > ticks,
                        timeout=30, what="another delivery pass")

        [alert] = Alert.objects.filter(batch=change.batch)
        assert [sorted(mail.recipients) for mail in smtp.received] == [
            ["oncall@example.com", "platform-0@example.com"], ["platform-1@example.com"]]
        outcome = {d.target: (d.status, d.attempts) for d in alert.deliveries.all()}
        assert outcome == {
            "left-the-company@example.com": ("failed", 1),
            "oncall@example.com": ("sent", 1),
            "platform-0@example.com": ("sent", 1),
            "platform-1@example.com": ("sent", 3),
        }
        assert "550 5.1.1 No such mailbox" in alert.deliveries.get(target="left-the-company@example.com").last_error
    finally:
        smtp.stop()
