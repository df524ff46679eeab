"""Reads of the alerts outbox for the pages."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from riskregister.alerts.models import Delivery

REFUSED_SHOWN_DAYS = 30


def refused_deliveries(*, team_id: int, limit: int = 20) -> QuerySet[Delivery]:
    """The team's recent deliveries that failed for good (an address its mail server refused with a
    5xx, or one given up on after the last retry), newest first: what its lead should fix."""
    since = timezone.now() - timedelta(days=REFUSED_SHOWN_DAYS)
    return (
        Delivery.objects.filter(alert__team_id=team_id, status=Delivery.Status.FAILED, updated_at__gte=since)
        .select_related("alert")
        .order_by("-updated_at", "-id")[:limit]
    )
