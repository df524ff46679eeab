"""An alert of the outbox as the plain `AlertMessage` that the Slack and webhook bodies are made of
(riskregister/alerts/channels/payloads.py). Read from the alert's stored payload alone, so a retry
days later says what the first attempt said."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.conf import settings

from riskregister.alerts import content
from riskregister.alerts.channels.payloads import AffectedService, AlertMessage

if TYPE_CHECKING:
    from riskregister.alerts.models import Alert

# The webhook payload's `type` of each kind of team alert (README, "Webhook payload").
MESSAGE_TYPES = {"change": "status_change", "countdown": "retirement_countdown", "digest": "digest"}

_SEVERITY_PREFIX = re.compile(r"^\[[a-z]+\]\s*")


def affected_service(dependency: dict) -> AffectedService:
    """One affected dependency, and whether its fallback holds: a covering fallback holds; a
    fallback on file that does not cover (hit by the same change, untested, retired) does not."""
    service = f"{dependency['system']} ({dependency['environment']})" if dependency.get("environment") else dependency["system"]
    covering = dependency.get("covering_fallbacks") or []
    if covering:
        return AffectedService(service, dependency["offering"], covering[0], True)
    on_file = dependency.get("correlated_fallbacks") or dependency.get("fallbacks") or []
    if on_file:
        return AffectedService(service, dependency["offering"], on_file[0], False)
    return AffectedService(service, dependency["offering"])


def alert_message(alert: Alert) -> AlertMessage:
    payload = alert.payload or {}
    changes = payload.get("changes") or []
    top = content.headline(changes) if changes else {}
    team = alert.team
    kind = top.get("kind") or ("retirement" if alert.kind == "countdown" else alert.kind)
    return AlertMessage(
        alert_id=str(alert.uuid),
        team_slug=team.slug if team else "",
        team_name=team.name if team else "",
        title=_SEVERITY_PREFIX.sub("", alert.subject),
        severity=alert.severity,
        kind=kind,
        observed_at=alert.created_at,
        url=content.team_url(team) if team else settings.SITE_URL,
        link=top.get("link") or "",
        type=MESSAGE_TYPES.get(alert.kind, alert.kind),
        affected=tuple(affected_service(dependency) for dependency in payload.get("dependencies") or []),
    )
