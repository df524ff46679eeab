"""Delivery against a real SMTP server on loopback: recipients, subject, body; retries and failures."""

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.db.models import F
from django.utils import timezone

from riskregister.alerts import services
from riskregister.alerts.delivery import alert_claim, due_alert_ids, retry_delay
from riskregister.alerts.models import Alert
from tests.alerts.conftest import SMTPServer
from tests.factories import AlertFactory

pytestmark = pytest.mark.django_db


def _alert(**kwargs) -> Alert:
    defaults = {
        "recipients": ["a@example.com", "b@example.com"],
        "subject": "[critical] Claude Fable 5: export-control ban — 3 of your services affected",
        "body_text": "chat-assistant\nsummarizer\n",
        "body_html": "<p>chat-assistant</p>",
    }
    return AlertFactory(**{**defaults, **kwargs})


def _time_passes(alert: Alert) -> None:
    """Move the retry into the past instead of waiting for it."""
    Alert.objects.filter(id=alert.id).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_alert_is_delivered_to_exactly_its_recipients_with_text_and_html(smtp_server):
    alert = _alert()

    assert services.alert_deliver(alert_id=alert.id) == "sent"

    [mail] = smtp_server.received
    assert sorted(mail.recipients) == ["a@example.com", "b@example.com"]
    assert mail.subject == alert.subject
    assert "summarizer" in mail.part("text/plain")
    assert "<p>chat-assistant</p>" in mail.part("text/html")
    assert mail.message["message-id"] == f"<alert-{alert.uuid}@risk-register>"
    alert.refresh_from_db()
    assert alert.status == Alert.Status.SENT and alert.sent_at is not None and alert.claim_token is None
    assert alert.attempts == 1


def test_sent_alert_is_not_sent_again(smtp_server):
    alert = _alert()
    services.alert_deliver(alert_id=alert.id)

    assert services.alert_deliver(alert_id=alert.id) == "skipped"
    assert services.alerts_deliver_due()["sent"] == 0
    assert len(smtp_server.received) == 1


def test_451_is_retried_with_backoff_then_delivered_once(smtp_server):
    smtp_server.handler.data_replies = ["451 4.3.0 Try again later"]
    alert = _alert()

    assert services.alert_deliver(alert_id=alert.id) == "retry"
    alert.refresh_from_db()
    assert alert.status == Alert.Status.PENDING
    assert "451" in alert.last_error
    assert alert.next_attempt_at > timezone.now()
    assert alert.id not in due_alert_ids(), "not due before its backoff runs out"
    assert smtp_server.received == []

    _time_passes(alert)
    assert services.alerts_deliver_due() == {"sent": 1, "retry": 0, "failed": 0, "skipped": 0}
    assert services.alerts_deliver_due()["sent"] == 0
    assert len(smtp_server.received) == 1
    alert.refresh_from_db()
    assert alert.status == Alert.Status.SENT and alert.attempts == 2 and alert.last_error == ""


def test_550_fails_with_its_error_and_is_not_retried(smtp_server):
    smtp_server.handler.rcpt_replies = ["550 5.1.1 No such mailbox", "550 5.1.1 No such mailbox"]
    alert = _alert()

    assert services.alert_deliver(alert_id=alert.id) == "failed"

    alert.refresh_from_db()
    assert alert.status == Alert.Status.FAILED
    assert "550" in alert.last_error
    assert alert.id not in due_alert_ids()
    assert services.alerts_deliver_due()["sent"] == 0
    assert smtp_server.received == []


def test_no_server_then_a_server_delivers_once(smtp_settings, smtp_port):
    alert = _alert()

    assert services.alert_deliver(alert_id=alert.id) == "retry"
    alert.refresh_from_db()
    assert alert.status == Alert.Status.PENDING and alert.last_error

    server = SMTPServer(smtp_port).start()
    try:
        _time_passes(alert)
        assert services.alerts_deliver_due()["sent"] == 1
        assert services.alerts_deliver_due()["sent"] == 0
        assert len(server.received) == 1
    finally:
        server.stop()


def test_a_claimed_alert_is_not_claimed_twice_until_its_lease_runs_out(smtp_server, settings):
    alert = _alert()
    first = alert_claim(alert_id=alert.id)

    assert first is not None
    assert alert_claim(alert_id=alert.id) is None
    assert services.alert_deliver(alert_id=alert.id) == "skipped"
    assert smtp_server.received == []

    # The worker holding the claim was killed before it marked the alert sent.
    Alert.objects.filter(id=alert.id).update(
        claimed_at=F("claimed_at") - timedelta(seconds=settings.ALERT_CLAIM_LEASE_SECONDS + 1)
    )
    assert services.alerts_deliver_due()["sent"] == 1
    assert len(smtp_server.received) == 1
    alert.refresh_from_db()
    assert alert.status == Alert.Status.SENT and alert.attempts == 2


def test_the_killed_workers_late_outcome_does_not_overwrite_the_new_claim(smtp_server, settings):
    alert = _alert()
    stale_token = alert_claim(alert_id=alert.id)
    Alert.objects.filter(id=alert.id).update(
        claimed_at=F("claimed_at") - timedelta(seconds=settings.ALERT_CLAIM_LEASE_SECONDS + 1)
    )
    fresh_token = alert_claim(alert_id=alert.id)

    assert fresh_token not in (None, stale_token)
    assert Alert.objects.filter(id=alert.id, claim_token=stale_token).update(status=Alert.Status.FAILED) == 0


def test_backoff_grows_and_is_capped_with_jitter(settings):
    settings.ALERT_RETRY_BASE_SECONDS = 30
    settings.ALERT_RETRY_MAX_SECONDS = 600
    delays = [retry_delay(attempt).total_seconds() for attempt in range(1, 12)]

    assert 15 <= delays[0] <= 30
    assert 60 <= delays[2] <= 120
    assert all(300 <= delay <= 600 for delay in delays[6:])


def test_transient_failures_give_up_after_the_last_attempt(smtp_settings, settings):
    settings.ALERT_MAX_ATTEMPTS = 2
    alert = _alert()

    assert services.alert_deliver(alert_id=alert.id) == "retry"
    _time_passes(alert)
    assert services.alert_deliver(alert_id=alert.id) == "failed"
    alert.refresh_from_db()
    assert alert.status == Alert.Status.FAILED and "gave up after 2 attempts" in alert.last_error


def test_digest_mode_alerts_are_not_delivered_on_their_own(smtp_server):
    alert = _alert(mode="daily_digest")

    assert services.alert_deliver(alert_id=alert.id) == "skipped"
    assert smtp_server.received == []


def test_file_backend_writes_the_email_under_var_mail(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    alert = _alert()

    assert services.alert_deliver(alert_id=alert.id) == "sent"
    [written] = list(tmp_path.iterdir())
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert "export-control ban" in str(message["subject"])
    assert message["to"] == "a@example.com, b@example.com"


def test_delivery_costs_the_same_queries_per_alert(smtp_server, django_assert_num_queries):
    for _ in range(3):
        _alert()

    # One scan, then claim, load and mark sent for each alert.
    with django_assert_num_queries(1 + 3 * 3):
        assert services.alerts_deliver_due()["sent"] == 3
