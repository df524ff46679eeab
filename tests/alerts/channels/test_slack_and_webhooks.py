"""Slack and signed webhooks, end to end against real receivers on loopback: a change is dispatched
to the outbox, delivered through vendors/http.py, retried on 5xx and 429 (with its Retry-After),
given up on other 4xx, and a target that points at a private address is refused at save and at send.
"""

import json
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from riskregister.alerts import services
from riskregister.alerts.models import Alert, Delivery, Subscription
from riskregister.alerts.outbox import due_alert_ids
from riskregister.alerts.secrets import secret_decrypt
from tests.alerts.channels.receivers import Answer
from tests.api.conftest import client_for
from tests.factories import MembershipFactory, StatusChangeFactory, UserFactory
from vendors.models import StatusChange

pytestmark = pytest.mark.django_db


def ban(world) -> StatusChange:
    return StatusChangeFactory(
        batch=uuid.uuid4(), model=world.fable, kind=StatusChange.Kind.LIFECYCLE, previous_value="active",
        current_value="banned", severity=StatusChange.Severity.CRITICAL, title="export-control ban",
        link="https://www.federalregister.gov/d/2026-00001",
    )


@pytest.fixture
def platform_lead(world):
    lead = UserFactory(username="platform-lead", email="lead@example.com")
    MembershipFactory(team=world.platform, user=lead, role="lead")
    return lead


def subscribe_via_api(lead, **body) -> dict:
    response = client_for(lead).post("/api/v1/subscriptions/", {"team": "platform", **body}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def outage(world) -> StatusChange:
    return StatusChangeFactory(
        batch=uuid.uuid4(), offering=world.fable_direct, kind=StatusChange.Kind.STATUS, previous_value="operational",
        current_value="major_outage", severity=StatusChange.Severity.MAJOR, title="Claude API major outage",
    )


def platform_alert(world, change=None) -> Alert:
    change = change or ban(world)
    [alert] = [a for a in services.batch_dispatch(batch=change.batch) if a.team_id == world.platform.id]
    return alert


def time_passes(alert: Alert) -> None:
    """Move the retries into the past instead of waiting for them."""
    Delivery.objects.filter(alert=alert).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_webhook_is_signed_retried_on_500_and_delivered_once(world, channel_settings, receivers, platform_lead, caplog):
    caplog.set_level("DEBUG")
    receiver = receivers(script=[Answer(500, body=b"busy"), Answer(500, body=b"busy")])
    created = subscribe_via_api(platform_lead, channel="webhook", target=receiver.url)
    receiver.secret = created["secret"]
    assert created["secret"].startswith("whsec_") and "target" not in created
    alert = platform_alert(world)
    [delivery] = alert.deliveries.all()
    assert (delivery.channel, delivery.target) == ("webhook", f"subscription:{created['uuid']}")

    assert services.alert_deliver(alert_id=alert.id) == "retry"
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.next_attempt_at > timezone.now()
    assert delivery.last_error == "HTTP 500 from http://127.0.0.1/…: busy"
    assert services.alert_deliver(alert_id=alert.id) == "skipped"  # not due yet: backoff
    time_passes(alert)
    assert services.alert_deliver(alert_id=alert.id) == "retry"
    time_passes(alert)
    assert services.alert_deliver(alert_id=alert.id) == "sent"
    time_passes(alert)
    assert services.alert_deliver(alert_id=alert.id) == "skipped"

    assert [a.status for a in receiver.arrivals] == [500, 500, 200]
    assert all(a.verified for a in receiver.arrivals), "every attempt carries a valid Standard Webhooks signature"
    assert {a.headers["webhook-id"] for a in receiver.arrivals} == {str(alert.uuid)}, "one id: a receiver dedupes on it"
    [accepted] = receiver.accepted()
    payload = accepted.json()
    assert payload["schema"] == "riskregister.alert/v1" and payload["type"] == "status_change"
    assert payload["id"] == str(alert.uuid) and payload["team"] == {"slug": "platform", "name": "Platform"}
    assert payload["change"]["severity"] == "critical" and payload["change"]["link"].startswith("https://www.federalregister.gov/")
    by_service = {s["service"].split(" (")[0]: s for s in payload["affected"]}
    assert set(by_service) == {"chat-assistant", "summarizer", "ticket-triage"}
    assert by_service["chat-assistant"]["fallback"] == "Other 2 via Other AI" and by_service["chat-assistant"]["fallback_holds"] is True
    assert by_service["summarizer"]["fallback_holds"] is False  # its fallback is the same model, banned too
    assert by_service["ticket-triage"]["fallback"] is None
    alert.refresh_from_db()
    assert alert.status == "sent"
    assert receiver.url not in json.dumps(alert.payload) + " ".join(alert.recipients) + delivery.last_error
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "retried" in logged and f"127.0.0.1:{receiver.port}" not in logged, "the target is a credential: never logged"


def test_slack_429_waits_the_retry_after_then_posts_once(world, channel_settings, receivers, platform_lead):
    channel_settings.ALERT_RETRY_BASE_SECONDS = 60  # the backoff alone would wait 30 s or more
    slack = receivers(script=[Answer(429, headers={"Retry-After": "1"}, body=b"rate_limited")], path="/services/T1/B1/tok")
    subscribe_via_api(platform_lead, channel="slack", target=slack.url)
    alert = platform_alert(world)

    assert alert.channel == "slack"
    before = timezone.now()
    assert services.alert_deliver(alert_id=alert.id) == "retry"
    [delivery] = alert.deliveries.all()
    assert delivery.last_error == "HTTP 429 from http://127.0.0.1/…: rate_limited"
    assert before + timedelta(seconds=1) <= delivery.next_attempt_at <= timezone.now() + timedelta(seconds=1.5)

    deadline = time.monotonic() + 10
    while not slack.accepted() and time.monotonic() < deadline:
        services.alerts_deliver_due()
        time.sleep(0.1)
    assert [a.status for a in slack.arrivals] == [429, 200]
    assert slack.arrivals[1].at - slack.arrivals[0].at >= 0.9, "not before the Retry-After"
    body = slack.accepted()[0].json()
    assert body["text"].startswith("[critical] Claude Fable 5: export-control ban")
    assert "*chat-assistant (production)* on Claude Fable 5 via Fable Labs: fallback Other 2 via Other AI holds" in json.dumps(body["blocks"])
    services.alerts_deliver_due()
    assert len(slack.arrivals) == 2


def test_404_target_is_marked_failed_and_not_retried(world, channel_settings, receivers, platform_lead):
    receiver = receivers(path="/hook")
    subscribe_via_api(platform_lead, channel="slack", target=receiver.url.replace("/hook", "/revoked"))
    alert = platform_alert(world)

    assert services.alert_deliver(alert_id=alert.id) == "failed"
    [delivery] = alert.deliveries.all()
    assert delivery.status == "failed" and delivery.attempts == 1
    assert delivery.last_error == "HTTP 404 from http://127.0.0.1/…: no_service"
    time_passes(alert)
    assert services.alert_deliver(alert_id=alert.id) == "skipped"
    assert alert.id not in due_alert_ids()
    assert len(receiver.arrivals) == 1
    alert.refresh_from_db()
    assert alert.status == "failed"


def test_one_alert_per_team_reaches_email_slack_and_webhook_each_once(world, channel_settings, receivers, platform_lead, smtp_server):
    slack, hook = receivers(path="/services/x"), receivers()
    subscribe_via_api(platform_lead, channel="slack", target=slack.url)
    hook.secret = subscribe_via_api(platform_lead, channel="webhook", target=hook.url)["secret"]
    subscribe_via_api(platform_lead, email="platform-list@example.com")
    alert = platform_alert(world)

    assert sorted(alert.deliveries.values_list("channel", flat=True)) == ["email", "slack", "webhook"]
    assert services.alert_deliver(alert_id=alert.id) == "sent"
    assert services.alert_deliver(alert_id=alert.id) == "skipped"
    assert [m.recipients for m in smtp_server.received] == [["platform-list@example.com"]]
    assert len(slack.accepted()) == 1 and len(hook.accepted()) == 1 and hook.arrivals[0].verified


def test_digest_goes_out_on_slack_and_webhook(world, channel_settings, receivers, platform_lead):
    slack, hook = receivers(path="/services/x"), receivers()
    subscribe_via_api(platform_lead, channel="slack", target=slack.url, mode="daily_digest")
    hook.secret = subscribe_via_api(platform_lead, channel="webhook", target=hook.url, mode="daily_digest")["secret"]
    alert = platform_alert(world)
    assert alert.mode == "daily_digest" and not alert.deliveries.exists()
    assert services.alert_deliver(alert_id=alert.id) == "skipped"

    [digest] = [d for d in services.team_digests_send(day=timezone.localdate()) if d.team_id == world.platform.id]
    assert services.alert_deliver(alert_id=digest.id) == "sent"
    [posted] = hook.accepted()
    assert posted.verified and posted.json()["type"] == "digest"
    assert {s["service"].split(" (")[0] for s in posted.json()["affected"]} == {"chat-assistant", "summarizer", "ticket-triage"}
    assert "Daily digest for Platform" in slack.accepted()[0].json()["text"]
    assert slack.url not in json.dumps(digest.payload) + json.dumps(alert.payload)


def test_private_target_is_refused_at_save(world, channel_settings, platform_lead):
    channel_settings.CHANNEL_ALLOWED_PRIVATE_HOSTS = []
    client = client_for(platform_lead)
    for target in ("http://127.0.0.1:9/hook", "https://10.1.2.3/hook", "https://169.254.169.254/latest/meta-data",
                   "https://[::1]/hook", "https://2130706433/hook", "ftp://hooks.example.com/x"):
        response = client.post("/api/v1/subscriptions/", {"team": "platform", "channel": "webhook", "target": target}, format="json")
        assert response.status_code == 400, (target, response.content)
        assert list(response.json()["error"]["fields"]) == ["target"], target
    assert not Subscription.objects.filter(team=world.platform).exists()


def test_sources_allow_list_does_not_open_loopback_to_channels(world, channel_settings, platform_lead, receivers):
    channel_settings.CHANNEL_ALLOWED_PRIVATE_HOSTS = []
    channel_settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1"]
    response = client_for(platform_lead).post(
        "/api/v1/subscriptions/", {"team": "platform", "channel": "slack", "target": receivers().url}, format="json")
    assert response.status_code == 400 and "target" in response.json()["error"]["fields"]


def test_plain_http_target_is_refused_unless_its_host_is_allow_listed(world, channel_settings, platform_lead):
    response = client_for(platform_lead).post(
        "/api/v1/subscriptions/", {"team": "platform", "channel": "slack", "target": "http://hooks.slack.com/services/T/B/x"},
        format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["target"] == ["The target must be an https URL (it carries a credential)."]


def test_private_target_is_refused_at_send_when_the_allow_list_is_removed(world, channel_settings, receivers, platform_lead):
    receiver = receivers()
    receiver.secret = subscribe_via_api(platform_lead, channel="webhook", target=receiver.url)["secret"]
    alert = platform_alert(world)
    channel_settings.CHANNEL_ALLOWED_PRIVATE_HOSTS = []

    assert services.alert_deliver(alert_id=alert.id) == "failed"
    [delivery] = alert.deliveries.all()
    assert delivery.status == "failed" and "Refused" in delivery.last_error and "127.0.0.1" in delivery.last_error
    assert receiver.url not in delivery.last_error
    assert receiver.arrivals == []


def test_member_cannot_subscribe_the_team_to_slack_or_a_webhook(world, channel_settings, receivers):
    member = world.platform_members[0]
    for channel in ("slack", "webhook"):
        response = client_for(member).post(
            "/api/v1/subscriptions/", {"team": "platform", "channel": channel, "target": receivers().url}, format="json")
        assert response.status_code == 403, channel
    assert not Subscription.objects.exists()


def test_member_cannot_turn_their_own_subscription_into_a_webhook(world, channel_settings, receivers):
    member = world.platform_members[0]
    client = client_for(member)
    own = client.post("/api/v1/subscriptions/", {"team": "platform"}, format="json").json()
    response = client.patch(f"/api/v1/subscriptions/{own['id']}/", {"channel": "webhook", "target": receivers().url}, format="json")
    assert response.status_code == 403
    assert Subscription.objects.get(id=own["id"]).channel == "email"


def test_another_teams_lead_cannot_see_rotate_or_change_the_webhook(world, channel_settings, receivers, platform_lead):
    created = subscribe_via_api(platform_lead, channel="webhook", target=receivers().url)
    search_lead = UserFactory(username="search-lead")
    MembershipFactory(team=world.search, user=search_lead, role="lead")
    client = client_for(search_lead)
    assert client.get(f"/api/v1/subscriptions/{created['id']}/").status_code == 404
    assert client.post(f"/api/v1/subscriptions/{created['id']}/rotate-secret/").status_code == 404
    assert client.patch(f"/api/v1/subscriptions/{created['id']}/", {"target": "https://example.com/x"}, format="json").status_code == 404


def test_target_and_secret_are_never_in_api_output(world, channel_settings, receivers, platform_lead):
    receiver = receivers()
    created = subscribe_via_api(platform_lead, channel="webhook", target=receiver.url)
    receiver.secret = secret = created["secret"]
    assert created["target_hint"] == "http://127.0.0.1/…" and created["has_secret"] is True
    services.alert_deliver(alert_id=platform_alert(world).id)
    client = client_for(platform_lead)
    admin = client_for(UserFactory(username="root", is_staff=True, is_superuser=True))
    for who in (client, admin):
        for path in ("/api/v1/subscriptions/", f"/api/v1/subscriptions/{created['id']}/", "/api/v1/alerts/"):
            response = who.get(path)
            assert response.status_code == 200
            text = response.content.decode()
            assert receiver.url not in text and f"127.0.0.1:{receiver.port}" not in text, path
            assert secret not in text and secret.removeprefix("whsec_") not in text and "secret_encrypted" not in text, path
    subscription = Subscription.objects.get(id=created["id"])
    assert secret not in subscription.secret_encrypted and secret_decrypt(subscription.secret_encrypted) == secret


def test_rotated_secret_is_shown_once_and_the_old_one_stops_verifying(world, channel_settings, receivers, platform_lead):
    receiver = receivers()
    created = subscribe_via_api(platform_lead, channel="webhook", target=receiver.url)
    receiver.secret = created["secret"]
    response = client_for(platform_lead).post(f"/api/v1/subscriptions/{created['id']}/rotate-secret/")
    assert response.status_code == 200
    rotated = response.json()["secret"]
    assert rotated.startswith("whsec_") and rotated != created["secret"]

    alert = platform_alert(world, outage(world))
    assert services.alert_deliver(alert_id=alert.id) == "failed"  # signed with the new secret: 401 from the receiver
    assert receiver.arrivals[0].verified is False
    receiver.secret = rotated
    second = platform_alert(world)
    assert services.alert_deliver(alert_id=second.id) == "sent" and receiver.arrivals[-1].verified


def test_member_cannot_rotate_and_email_subscriptions_have_no_secret(world, channel_settings, receivers, platform_lead):
    created = subscribe_via_api(platform_lead, channel="webhook", target=receivers().url)
    member = world.platform_members[0]
    assert client_for(member).post(f"/api/v1/subscriptions/{created['id']}/rotate-secret/").status_code == 404
    email = subscribe_via_api(platform_lead, email="list@example.com")
    assert "secret" not in email
    response = client_for(platform_lead).post(f"/api/v1/subscriptions/{email['id']}/rotate-secret/")
    assert response.status_code == 400 and "channel" in response.json()["error"]["fields"]


def test_switching_a_webhook_to_email_drops_its_target_and_secret(world, channel_settings, receivers, platform_lead):
    created = subscribe_via_api(platform_lead, channel="webhook", target=receivers().url)
    response = client_for(platform_lead).patch(
        f"/api/v1/subscriptions/{created['id']}/", {"channel": "email", "email": "list@example.com"}, format="json")
    assert response.status_code == 200, response.content
    subscription = Subscription.objects.get(id=created["id"])
    assert subscription.target == "" and subscription.secret_encrypted == ""


def test_webhook_subscription_needs_a_target_and_no_address(world, channel_settings, platform_lead):
    client = client_for(platform_lead)
    missing = client.post("/api/v1/subscriptions/", {"team": "platform", "channel": "webhook"}, format="json")
    assert missing.status_code == 400 and list(missing.json()["error"]["fields"]) == ["target"]
    both = client.post("/api/v1/subscriptions/", {"team": "platform", "channel": "slack", "email": "a@example.com",
                                                  "target": "https://hooks.slack.com/services/a"}, format="json")
    assert both.status_code == 400 and list(both.json()["error"]["fields"]) == ["email"]
    email_target = client.post("/api/v1/subscriptions/", {"team": "platform", "target": "https://example.com/x"}, format="json")
    assert email_target.status_code == 400 and list(email_target.json()["error"]["fields"]) == ["target"]


def test_deleted_subscription_fails_its_pending_delivery(world, channel_settings, receivers, platform_lead):
    receiver = receivers()
    created = subscribe_via_api(platform_lead, channel="slack", target=receiver.url)
    alert = platform_alert(world)
    Subscription.objects.filter(id=created["id"]).delete()
    assert services.alert_deliver(alert_id=alert.id) == "failed"
    assert alert.deliveries.get().last_error == "the subscription was deleted"
    assert receiver.arrivals == []
