"""Delivery against a real SMTP server on loopback: recipients, subject, body; retries and failures,
tracked per recipient on the alert's Delivery rows."""

from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.db.models import F
from django.utils import timezone

from riskregister.alerts import services
from riskregister.alerts.channels import PermanentDeliveryError, TransientDeliveryError
from riskregister.alerts.channels.base import http_response_error, smtp_reply_error
from riskregister.alerts.models import Alert, Delivery
from riskregister.alerts.outbox import Outgoing, Target, alerts_write, deliveries_claim, due_alert_ids, retry_delay
from tests.alerts.conftest import SMTPServer
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

_counter = iter(range(10**6))


def _alert(recipients=("a@example.com", "b@example.com"), **kwargs) -> Alert:
    fields = {
        "kind": Alert.Kind.CHANGE,
        "team": TeamFactory(),
        "dedupe_key": f"test-delivery-{next(_counter)}",
        "subject": "[critical] Claude Fable 5: export-control ban — 3 of your services affected",
        "body_text": "chat-assistant\nsummarizer\n",
        "body_html": "<p>chat-assistant</p>",
        **kwargs,
    }
    [alert] = alerts_write([Outgoing(alert=Alert(**fields), targets=[Target("email", r) for r in recipients])])
    return alert


def _delivery(alert: Alert, target: str) -> Delivery:
    return Delivery.objects.get(alert=alert, target=target)


def _time_passes(alert: Alert) -> None:
    """Move the retries into the past instead of waiting for them."""
    Delivery.objects.filter(alert=alert).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


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
    assert alert.status == Alert.Status.SENT
    for delivery in alert.deliveries.all():
        assert delivery.status == Delivery.Status.SENT and delivery.sent_at is not None
        assert delivery.claim_token is None and delivery.attempts == 1


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
    for delivery in alert.deliveries.all():
        assert "451" in delivery.last_error and delivery.next_attempt_at > timezone.now()
    assert alert.id not in due_alert_ids(), "not due before its backoff runs out"
    assert smtp_server.received == []

    _time_passes(alert)
    assert services.alerts_deliver_due() == {"sent": 1, "partly_sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    assert services.alerts_deliver_due()["sent"] == 0
    assert len(smtp_server.received) == 1
    alert.refresh_from_db()
    assert alert.status == Alert.Status.SENT
    assert [(d.status, d.attempts, d.last_error) for d in alert.deliveries.all()] == [("sent", 2, "")] * 2


def test_550_for_every_recipient_fails_with_its_error_and_is_not_retried(smtp_server):
    smtp_server.handler.rcpt_replies = ["550 5.1.1 No such mailbox", "550 5.1.1 No such mailbox"]
    alert = _alert()

    assert services.alert_deliver(alert_id=alert.id) == "failed"

    alert.refresh_from_db()
    assert alert.status == Alert.Status.FAILED
    assert all("550" in d.last_error and d.status == Delivery.Status.FAILED for d in alert.deliveries.all())
    assert alert.id not in due_alert_ids()
    assert services.alerts_deliver_due()["sent"] == 0
    assert smtp_server.received == []


def test_one_recipient_refused_with_451_is_retried_and_one_refused_with_550_is_recorded(smtp_server):
    """The fault of a silent loss: the server takes the message for `ok@` and refuses the others at
    RCPT. `later@` (451, then accepted) gets it on the next pass; `gone@` (550) is failed for good
    with the server's words, and the alert says it reached only part of its recipients."""
    smtp_server.handler.rcpt_by_address = {
        "later@example.com": ["451 4.2.1 Mailbox busy, try again"],
        "gone@example.com": ["550 5.1.1 No such mailbox"],
    }
    alert = _alert(recipients=["ok@example.com", "later@example.com", "gone@example.com"])

    assert services.alert_deliver(alert_id=alert.id) == "retry"

    [first] = smtp_server.received
    assert first.recipients == ["ok@example.com"]
    assert _delivery(alert, "ok@example.com").status == Delivery.Status.SENT
    later = _delivery(alert, "later@example.com")
    assert later.status == Delivery.Status.PENDING and "451" in later.last_error
    assert later.next_attempt_at > timezone.now() and later.sent_at is None
    gone = _delivery(alert, "gone@example.com")
    assert gone.status == Delivery.Status.FAILED and "550 5.1.1 No such mailbox" in gone.last_error
    alert.refresh_from_db()
    assert alert.status == Alert.Status.PENDING

    _time_passes(alert)
    # This pass sent all it tried; the alert as a whole reached only part of its recipients.
    assert services.alerts_deliver_due() == {"sent": 1, "partly_sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    assert [mail.recipients for mail in smtp_server.received] == [["ok@example.com"], ["later@example.com"]]
    assert smtp_server.received[1].message["message-id"] == f"<alert-{alert.uuid}@risk-register>"
    later.refresh_from_db()
    assert (later.status, later.attempts, later.last_error) == (Delivery.Status.SENT, 2, "")
    assert _delivery(alert, "gone@example.com").attempts == 1, "a 550 is not tried again"
    alert.refresh_from_db()
    assert alert.status == Alert.Status.PARTLY_SENT
    assert services.alerts_deliver_due()["skipped"] == 0 and len(smtp_server.received) == 2


def test_no_server_then_a_server_delivers_once(smtp_settings, smtp_port):
    alert = _alert()

    assert services.alert_deliver(alert_id=alert.id) == "retry"
    assert all(d.status == "pending" and d.last_error for d in Delivery.objects.filter(alert=alert))

    server = SMTPServer(smtp_port).start()
    try:
        _time_passes(alert)
        assert services.alerts_deliver_due()["sent"] == 1
        assert services.alerts_deliver_due()["sent"] == 0
        assert len(server.received) == 1
    finally:
        server.stop()


def test_claimed_deliveries_are_not_claimed_twice_until_their_lease_runs_out(smtp_server, settings):
    alert = _alert()
    _, first = deliveries_claim(alert_id=alert.id)

    assert len(first) == 2
    assert deliveries_claim(alert_id=alert.id)[1] == []
    assert services.alert_deliver(alert_id=alert.id) == "skipped"
    assert smtp_server.received == []

    # The worker holding the claim was killed before it marked the deliveries sent.
    Delivery.objects.filter(alert=alert).update(
        claimed_at=F("claimed_at") - timedelta(seconds=settings.ALERT_CLAIM_LEASE_SECONDS + 1)
    )
    assert services.alerts_deliver_due()["sent"] == 1
    assert len(smtp_server.received) == 1
    alert.refresh_from_db()
    assert alert.status == Alert.Status.SENT
    assert [d.attempts for d in alert.deliveries.all()] == [2, 2]


def test_the_killed_workers_late_outcome_does_not_overwrite_the_new_claim(smtp_server, settings):
    alert = _alert()
    stale_token, _ = deliveries_claim(alert_id=alert.id)
    Delivery.objects.filter(alert=alert).update(
        claimed_at=F("claimed_at") - timedelta(seconds=settings.ALERT_CLAIM_LEASE_SECONDS + 1)
    )
    fresh_token, fresh = deliveries_claim(alert_id=alert.id)

    assert len(fresh) == 2 and fresh_token != stale_token
    assert Delivery.objects.filter(alert=alert, claim_token=stale_token).update(status=Delivery.Status.FAILED) == 0
    assert set(Delivery.objects.filter(alert=alert).values_list("claim_token", flat=True)) == {fresh_token}


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
    assert alert.status == Alert.Status.FAILED
    assert all("gave up after 2 attempts" in d.last_error for d in alert.deliveries.all())


def test_digest_mode_alerts_are_not_delivered_on_their_own(smtp_server):
    alert = _alert(mode="daily_digest")

    assert not alert.deliveries.exists()
    assert services.alert_deliver(alert_id=alert.id) == "skipped"
    assert smtp_server.received == []


def test_an_alert_with_nobody_to_send_to_is_recorded_as_failed(smtp_server):
    alert = _alert(recipients=[])

    alert.refresh_from_db()
    assert alert.status == Alert.Status.FAILED and not alert.deliveries.exists()
    assert services.alerts_deliver_due()["skipped"] == 0


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

    # One scan, then claim, load, mark sent and sum up on the alert for each alert.
    with django_assert_num_queries(1 + 3 * 4):
        assert services.alerts_deliver_due()["sent"] == 3


@pytest.mark.parametrize(
    ("code", "permanent"), [(421, False), (450, False), (451, False), (452, False), (None, False),
                            (550, True), (551, True), (553, True), (554, True)],
)
def test_smtp_4xx_is_transient_and_5xx_permanent(code, permanent):
    error = smtp_reply_error(code, "reply")
    assert isinstance(error, PermanentDeliveryError if permanent else TransientDeliveryError)


@pytest.mark.parametrize(
    ("status", "permanent"), [(500, False), (502, False), (503, False), (429, False), (None, False),
                              (400, True), (401, True), (403, True), (404, True), (410, True), (301, True)],
)
def test_http_5xx_429_and_timeouts_are_transient_other_4xx_permanent(status, permanent):
    error = http_response_error(status, "answer")
    assert isinstance(error, PermanentDeliveryError if permanent else TransientDeliveryError)
