"""The alerts API shows each recipient's delivery, so a lead sees an address its server refused."""

import pytest

from riskregister.alerts.models import Alert, Delivery
from tests.api.conftest import client_for
from tests.factories import AlertFactory, DeliveryFactory

pytestmark = pytest.mark.django_db


def test_alert_lists_its_deliveries_with_the_refusal_of_one_address(lead_a, lead_b, team_a):
    alert = AlertFactory(team=team_a, status=Alert.Status.PARTLY_SENT)
    DeliveryFactory(alert=alert, target="ok@example.com", status=Delivery.Status.SENT, attempts=1)
    DeliveryFactory(alert=alert, target="gone@example.com", status=Delivery.Status.FAILED, attempts=1,
                    last_error="550 5.1.1 No such mailbox")

    body = client_for(lead_a).get(f"/api/v1/alerts/{alert.id}/").json()

    assert body["status"] == "partly_sent"
    assert body["recipients"] == ["gone@example.com", "ok@example.com"]
    assert [(d["target"], d["status"], d["last_error"]) for d in body["deliveries"]] == [
        ("gone@example.com", "failed", "550 5.1.1 No such mailbox"), ("ok@example.com", "sent", "")]
    assert client_for(lead_b).get(f"/api/v1/alerts/{alert.id}/").status_code == 404
    listed = client_for(lead_a).get("/api/v1/alerts/", {"status": "partly_sent"}).json()
    assert [row["id"] for row in listed["results"]] == [alert.id]
