"""The bodies of the Slack and signed-webhook channels, as pure functions over plain values.

No models and no delivery here: the channels (built on the outbox's per-target Delivery rows) turn
an alert into an `AlertMessage` and post what these functions return through vendors/http.py.

Webhook payload, schema version 1 (`WEBHOOK_SCHEMA_VERSION`; a field is never removed or changes
meaning within a version, new optional fields may appear):

    {
      "schema": "riskregister.alert/v1",
      "type": "status_change",          # what the alert is about
      "id": "<alert uuid>",             # also the webhook-id header: receivers dedupe on it
      "team": {"slug": "...", "name": "..."},
      "change": {"title": "...", "severity": "info|minor|major|critical", "kind": "...",
                 "link": "https://... or null", "observed_at": "ISO 8601"},
      "affected": [{"service": "...", "offering": "...",
                    "fallback": "... or null", "fallback_holds": true|false|null,
                    "successor": "... or null", "replacements": ["<model> via <distributor>", ...]}],
      "url": "https://register/... (the alert in the register)"
    }

Signing follows Standard Webhooks (the `standardwebhooks` library): headers `webhook-id`,
`webhook-timestamp`, `webhook-signature` = "v1,<base64 HMAC-SHA256 of id.timestamp.body>", with a
per-subscription secret "whsec_<base64>". A receiver verifies with the same library:
`Webhook(secret).verify(body, headers)`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from standardwebhooks.webhooks import Webhook

WEBHOOK_SCHEMA_VERSION = 1
WEBHOOK_SCHEMA = f"riskregister.alert/v{WEBHOOK_SCHEMA_VERSION}"

_SEVERITY_EMOJI = {"critical": ":red_circle:", "major": ":large_orange_circle:", "minor": ":large_yellow_circle:"}


@dataclass(frozen=True)
class AffectedService:
    service: str
    offering: str
    fallback: str | None = None
    # True: the fallback covers the service through this change; False: it is hit too (or untested);
    # None: there is no fallback.
    fallback_holds: bool | None = None
    # A deprecation or retirement: what to move to (the route's successor, else the model's) and the
    # known replacement routes and fallbacks (alerts/content.py `dependency_payload`).
    successor: str | None = None
    replacements: tuple[str, ...] = ()


@dataclass(frozen=True)
class AlertMessage:
    alert_id: str
    team_slug: str
    team_name: str
    title: str
    severity: str
    kind: str
    observed_at: dt.datetime
    url: str
    link: str = ""
    type: str = "status_change"
    affected: tuple[AffectedService, ...] = field(default_factory=tuple)


def _fallback_text(service: AffectedService) -> str:
    if service.fallback is None:
        return "no fallback"
    return f"fallback {service.fallback} {'holds' if service.fallback_holds else 'is hit too'}"


def _successor_text(service: AffectedService) -> str:
    parts = []
    if service.successor:
        parts.append(f"successor {_mrkdwn(service.successor)}")
    if service.replacements:
        parts.append("replacements: " + ", ".join(_mrkdwn(r) for r in service.replacements))
    return f"; {'; '.join(parts)}" if parts else ""


def _mrkdwn(text: str) -> str:
    """Slack mrkdwn escaping: &, < and > are control characters there."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(message: AlertMessage) -> dict:
    """The Slack incoming-webhook body: a plain `text` (notifications, screen readers) and blocks."""
    emoji = _SEVERITY_EMOJI.get(message.severity, ":information_source:")
    lines = [f"• *{_mrkdwn(s.service)}* on {_mrkdwn(s.offering)}: {_fallback_text(s)}{_successor_text(s)}"
             for s in message.affected]
    text = f"[{message.severity}] {message.title} ({len(message.affected)} services of {message.team_name} affected)"
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:150], "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": (
            f"{emoji} *{_mrkdwn(message.severity)}* · {_mrkdwn(message.kind)} · {_mrkdwn(message.team_name)}")}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines) or "No service of the team is affected."}},
    ]
    actions = [{"type": "button", "text": {"type": "plain_text", "text": "Open in the register"}, "url": message.url}]
    if message.link:
        actions.append({"type": "button", "text": {"type": "plain_text", "text": "Vendor status"}, "url": message.link})
    blocks.append({"type": "actions", "elements": actions})
    return {"text": text, "blocks": blocks}


def webhook_payload(message: AlertMessage) -> dict:
    return {
        "schema": WEBHOOK_SCHEMA,
        "type": message.type,
        "id": message.alert_id,
        "team": {"slug": message.team_slug, "name": message.team_name},
        "change": {
            "title": message.title, "severity": message.severity, "kind": message.kind,
            "link": message.link or None, "observed_at": message.observed_at.isoformat(),
        },
        "affected": [
            {"service": s.service, "offering": s.offering, "fallback": s.fallback, "fallback_holds": s.fallback_holds,
             "successor": s.successor, "replacements": list(s.replacements)}
            for s in message.affected
        ],
        "url": message.url,
    }


def webhook_body(message: AlertMessage) -> str:
    """The exact bytes that are signed and sent (compact, stable key order)."""
    return json.dumps(webhook_payload(message), separators=(",", ":"), sort_keys=True)


def signed_webhook(message: AlertMessage, *, secret: str, timestamp: dt.datetime) -> tuple[str, dict[str, str]]:
    """The body and the Standard Webhooks headers for it; the alert id is the webhook id, so a
    retried delivery carries the same id and a receiver can drop the duplicate."""
    body = webhook_body(message)
    signature = Webhook(secret).sign(message.alert_id, timestamp, body)
    return body, {
        "content-type": "application/json",
        "webhook-id": message.alert_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
    }
