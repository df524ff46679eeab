"""Slack and webhook bodies and Standard Webhooks signing (riskregister/alerts/channels/payloads.py),
verified the way a receiver does, with the standardwebhooks library on the other side."""

import base64
import datetime as dt
import json

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from riskregister.alerts.channels.payloads import (
    WEBHOOK_SCHEMA, AffectedService, AlertMessage, signed_webhook, slack_message, webhook_payload,
)

SECRET = "whsec_" + base64.b64encode(b"a per-subscription secret of 32b").decode()
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.timezone.utc)


def message(**overrides) -> AlertMessage:
    fields = dict(
        alert_id="msg_2f1c", team_slug="payments", team_name="Payments & Risk", title="Claude API: major outage",
        severity="critical", kind="status", observed_at=NOW, url="https://register.example.com/alerts/2f1c/",
        link="https://status.anthropic.com/incidents/x",
        affected=(
            AffectedService("checkout-bot", "Claude Sonnet via Anthropic", "GPT-5 via Azure", True),
            AffectedService("fraud <scoring>", "Claude Sonnet via Bedrock", "Claude Sonnet via Vertex", False),
            AffectedService("search", "Claude Haiku via Anthropic"),
        ),
    )
    return AlertMessage(**{**fields, **overrides})


def test_slack_message_names_the_change_each_service_its_fallback_and_links():
    body = slack_message(message())
    assert body["text"].startswith("[critical] Claude API: major outage (3 services of Payments & Risk")
    services = body["blocks"][2]["text"]["text"].splitlines()
    assert services == [
        "• *checkout-bot* on Claude Sonnet via Anthropic: fallback GPT-5 via Azure holds",
        "• *fraud &lt;scoring&gt;* on Claude Sonnet via Bedrock: fallback Claude Sonnet via Vertex is hit too",
        "• *search* on Claude Haiku via Anthropic: no fallback",
    ]
    assert "Payments &amp; Risk" in body["blocks"][1]["text"]["text"]
    urls = [e["url"] for e in body["blocks"][3]["elements"]]
    assert urls == ["https://register.example.com/alerts/2f1c/", "https://status.anthropic.com/incidents/x"]
    json.dumps(body)  # a Slack body is JSON


def test_slack_message_without_a_vendor_link_has_one_button():
    body = slack_message(message(link="", affected=()))
    assert [e["url"] for e in body["blocks"][3]["elements"]] == ["https://register.example.com/alerts/2f1c/"]
    assert body["blocks"][2]["text"]["text"] == "No service of the team is affected."


def test_webhook_payload_follows_schema_v1():
    payload = webhook_payload(message())
    assert payload["schema"] == WEBHOOK_SCHEMA == "riskregister.alert/v1"
    assert set(payload) == {"schema", "type", "id", "team", "change", "affected", "url"}
    assert payload["change"] == {"title": "Claude API: major outage", "severity": "critical", "kind": "status",
                                 "link": "https://status.anthropic.com/incidents/x", "observed_at": "2026-12-01T10:00:00+00:00"}
    assert payload["affected"][2] == {"service": "search", "offering": "Claude Haiku via Anthropic",
                                      "fallback": None, "fallback_holds": None, "successor": None, "replacements": []}
    assert webhook_payload(message(link=""))["change"]["link"] is None


def test_a_deprecation_names_the_successor_and_the_replacements_in_both_bodies():
    retiring = AffectedService("search", "Claude Haiku via Bedrock", successor="Claude Haiku 5",
                               replacements=("Claude Haiku 5 via Bedrock", "Claude Haiku 5 via Anthropic"))
    deprecation = message(kind="deprecation", title="Claude Haiku retires on 2027-03-01", affected=(retiring,))
    [entry] = webhook_payload(deprecation)["affected"]
    assert entry["successor"] == "Claude Haiku 5"
    assert entry["replacements"] == ["Claude Haiku 5 via Bedrock", "Claude Haiku 5 via Anthropic"]
    assert slack_message(deprecation)["blocks"][2]["text"]["text"] == (
        "• *search* on Claude Haiku via Bedrock: no fallback; successor Claude Haiku 5; "
        "replacements: Claude Haiku 5 via Bedrock, Claude Haiku 5 via Anthropic"
    )


def test_a_receiver_verifies_the_signature_with_the_standard_webhooks_library():
    body, headers = signed_webhook(message(), secret=SECRET, timestamp=dt.datetime.now(dt.timezone.utc))
    assert headers["webhook-id"] == "msg_2f1c" and headers["webhook-signature"].startswith("v1,")
    assert Webhook(SECRET).verify(body.encode(), headers) == webhook_payload(message())


@pytest.mark.parametrize("tamper", ["body", "secret", "timestamp", "id"])
def test_a_receiver_refuses_a_tampered_or_stale_delivery(tamper):
    body, headers = signed_webhook(message(), secret=SECRET, timestamp=dt.datetime.now(dt.timezone.utc))
    secret = SECRET
    if tamper == "body":
        body = body.replace("critical", "minor")
    elif tamper == "secret":
        secret = "whsec_" + base64.b64encode(b"another secret of thirty-two byt").decode()
    elif tamper == "timestamp":  # replayed an hour later, outside the library's tolerance
        body, headers = signed_webhook(message(), secret=SECRET, timestamp=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1))
    else:
        headers = {**headers, "webhook-id": "msg_other"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.encode(), headers)
