"""The OpenAPI schema documents the outbound webhook: its payload component matches what the
webhook channel really sends, field for field."""

import datetime as dt

import pytest

from riskregister.alerts.channels.payloads import AffectedService, AlertMessage, webhook_payload
from tests.api.conftest import client_for


@pytest.mark.django_db
def test_schema_documents_the_alert_webhook_with_the_payload_it_sends(member_a):
    schema = client_for(member_a).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["openapi"].startswith("3.1")
    post = schema["webhooks"]["alert"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/WebhookPayload"}
    assert "webhook-signature" in post["description"] and set(post["responses"]) == {"200", "429", "500"}
    components = schema["components"]["schemas"]

    def properties(name):
        return set(components[name]["properties"])

    sent = webhook_payload(AlertMessage(
        alert_id="a1", team_slug="t", team_name="T", title="x", severity="major", kind="status",
        observed_at=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc), url="https://r.example.com/",
        affected=(AffectedService("svc", "m via d"),),
    ))
    assert properties("WebhookPayload") == set(sent)
    assert properties("WebhookChange") == set(sent["change"])
    assert properties("WebhookTeam") == set(sent["team"])
    assert properties("WebhookAffected") == set(sent["affected"][0])
    assert components["WebhookPayload"]["properties"]["schema"]["enum"] == [sent["schema"]]
