"""Delivery of the outbox: claim an alert with a lease, hand it to its channel, record the outcome.

The claim is a conditional UPDATE that only one worker can win. `sent_at` is written only after the
channel returned, by the holder of the claim token; a worker killed in between leaves a claim that
runs out after ALERT_CLAIM_LEASE_SECONDS, and the next delivery pass claims the alert again.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from riskregister.alerts.channels import PermanentDeliveryError, TransientDeliveryError, get_channel
from riskregister.alerts.models import Alert, Subscription

logger = logging.getLogger(__name__)

SENT = "sent"
RETRY = "retry"
FAILED = "failed"
SKIPPED = "skipped"


def retry_delay(attempts: int) -> timedelta:
    """Capped exponential backoff with jitter: base * 2^(attempts-1), at most the cap, then a random
    half to all of it, so that alerts failing together do not come back together."""
    base = settings.ALERT_RETRY_BASE_SECONDS
    cap = settings.ALERT_RETRY_MAX_SECONDS
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def _deliverable(now) -> Q:
    lease_start = now - timedelta(seconds=settings.ALERT_CLAIM_LEASE_SECONDS)
    return (
        Q(status=Alert.Status.PENDING, mode=Subscription.Mode.IMMEDIATE)
        & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=lease_start))
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    )


def alert_claim(*, alert_id: int) -> uuid.UUID | None:
    """Claim one alert for sending; the token, or None when someone else holds it (or it is done)."""
    now = timezone.now()
    token = uuid.uuid4()
    won = Alert.objects.filter(_deliverable(now), id=alert_id).update(
        claimed_at=now, claim_token=token, attempts=F("attempts") + 1
    )
    return token if won == 1 else None


def alert_deliver(*, alert_id: int) -> str:
    """Deliver one alert if it is due and unclaimed: `sent`, `retry`, `failed` or `skipped`."""
    token = alert_claim(alert_id=alert_id)
    if token is None:
        return SKIPPED
    alert = Alert.objects.get(id=alert_id)
    mine = Alert.objects.filter(id=alert_id, claim_token=token)
    try:
        get_channel(alert.channel).deliver(alert)
    except PermanentDeliveryError as exc:
        mine.update(status=Alert.Status.FAILED, last_error=str(exc), claim_token=None, updated_at=timezone.now())
        logger.warning("alert %s failed permanently: %s", alert_id, exc)
        return FAILED
    except Exception as exc:  # TransientDeliveryError, or a surprise: back off rather than spin on it
        if not isinstance(exc, TransientDeliveryError):
            logger.exception("alert %s: unexpected error while delivering", alert_id)
        if alert.attempts >= settings.ALERT_MAX_ATTEMPTS:
            mine.update(status=Alert.Status.FAILED, last_error=f"gave up after {alert.attempts} attempts: {exc}",
                        claim_token=None, updated_at=timezone.now())
            logger.warning("alert %s failed for good after %s attempts: %s", alert_id, alert.attempts, exc)
            return FAILED
        next_attempt_at = timezone.now() + retry_delay(alert.attempts)
        mine.update(next_attempt_at=next_attempt_at, last_error=str(exc), claimed_at=None, claim_token=None,
                    updated_at=timezone.now())
        logger.info("alert %s will be retried at %s: %s", alert_id, next_attempt_at.isoformat(), exc)
        return RETRY
    # The narrow window: the server has the message, this row does not yet say so (README, "Alert emails").
    mine.update(status=Alert.Status.SENT, sent_at=timezone.now(), claim_token=None, last_error="",
                updated_at=timezone.now())
    return SENT


def due_alert_ids(*, limit: int | None = None) -> list[int]:
    ids = Alert.objects.filter(_deliverable(timezone.now())).order_by("id").values_list("id", flat=True)
    return list(ids[:limit] if limit else ids)


def alerts_deliver_due(*, limit: int | None = None) -> dict[str, int]:
    """Deliver every alert that is due now, in the foreground; counts by outcome."""
    outcomes = {SENT: 0, RETRY: 0, FAILED: 0, SKIPPED: 0}
    for alert_id in due_alert_ids(limit=limit):
        outcomes[alert_deliver(alert_id=alert_id)] += 1
    return outcomes
