"""The admin masks a Slack or webhook target (typed in, never shown back) and shows a webhook's new
signing secret once, in the message after the save."""

import pytest

from riskregister.alerts.models import Subscription
from riskregister.alerts.secrets import secret_decrypt
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

TARGET = "https://hooks.example.com/services/T0/B0/tokenvalue"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_admin_adds_a_webhook_shows_its_secret_once_and_never_the_target(admin_client, settings):
    team = TeamFactory(slug="ops")
    response = admin_client.post("/admin/alerts/subscription/add/", {
        "team": team.id, "channel": "webhook", "target": TARGET, "kinds": "[]", "min_severity": "minor",
        "mode": "immediate", "active": "on",
    }, follow=True)
    assert response.status_code == 200
    subscription = Subscription.objects.get(team=team)
    assert subscription.target == TARGET
    secret = secret_decrypt(subscription.secret_encrypted)
    assert secret in response.content.decode() and "not shown again" in response.content.decode()

    for page in ("/admin/alerts/subscription/", f"/admin/alerts/subscription/{subscription.id}/change/"):
        text = admin_client.get(page).content.decode()
        assert "tokenvalue" not in text and secret not in text, page
        assert "https://hooks.example.com/…" in text, page


def test_admin_keeps_the_target_when_left_empty_and_refuses_a_private_one(admin_client, settings):
    settings.CHANNEL_ALLOWED_PRIVATE_HOSTS = []
    team = TeamFactory(slug="ops")
    subscription = Subscription.objects.create(team=team, channel="slack", target=TARGET)
    fields = {"team": team.id, "channel": "slack", "kinds": "[]", "min_severity": "major", "mode": "immediate", "active": "on"}
    response = admin_client.post(f"/admin/alerts/subscription/{subscription.id}/change/", {**fields, "target": ""})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.target == TARGET and subscription.min_severity == "major"

    response = admin_client.post(f"/admin/alerts/subscription/{subscription.id}/change/", {**fields, "target": "https://10.0.0.8/x"})
    assert response.status_code == 200 and "10.0.0.8" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.target == TARGET
