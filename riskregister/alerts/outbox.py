"""The outbox: alerts written once with a Delivery row per target, and delivered per target.

Writing (`alerts_write`): the dispatcher and the daily schedules hand over unsaved Alerts with
their targets (`Outgoing`); the alerts whose dedupe keys are free are inserted with their
deliveries in one transaction, so a second writer of the same slot writes nothing.

Delivering (`alert_deliver`, `alerts_deliver_due`): the due deliveries of one alert are claimed
with one conditional UPDATE that stamps them with a fresh token; only the rows carrying that token
are ours, so two workers never send to the same target. The claim is a lease: a worker killed
mid-send leaves rows that can be claimed again after ALERT_CLAIM_LEASE_SECONDS. Each target's
outcome is recorded on its own row by the holder of the token: sent (with `sent_at`), retried with
capped jittered backoff (a transient refusal, such as an SMTP 451 for one address), or failed for
good (an SMTP 550, an HTTP 404; shown to the team's lead on the team page, in the API and the admin).

The one window that may send twice: the receiver has accepted and the worker dies before the
token's UPDATE commits. The lease runs out, the target is sent the message again with the same
Message-ID (README, "Alert emails").
"""

from __future__ import annotations

import logging
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from riskregister.alerts.channels import DeliveryError, PermanentDeliveryError, TransientDeliveryError, get_channel
from riskregister.alerts.models import Alert, Delivery, Subscription

logger = logging.getLogger(__name__)

# What delivering one alert came to (counted by `alerts_deliver_due`).
SENT = "sent"
PARTLY_SENT = "partly_sent"
RETRY = "retry"
FAILED = "failed"
SKIPPED = "skipped"
OUTCOMES = (SENT, PARTLY_SENT, RETRY, FAILED, SKIPPED)


class Target(NamedTuple):
    """Where one delivery goes: a channel kind and its address there."""

    channel: str
    address: str


@dataclass
class Outgoing:
    """An alert not yet written, and the targets it is to be delivered to now (its digest-only
    recipients, if any, are in `alert.payload["digest_recipients"]`, collected by the digest)."""

    alert: Alert
    targets: list[Target] = field(default_factory=list)


def to_address(alert: Alert, addresses) -> Outgoing:
    """An alert for named addresses (a reviewer, a digest's readers), sent at once."""
    alert.mode = Subscription.Mode.IMMEDIATE
    return Outgoing(alert=alert, targets=[Target("email", address) for address in sorted(set(addresses)) if address])


def alerts_write(outgoing: list[Outgoing]) -> list[Alert]:
    """Insert the alerts whose dedupe keys are free, with their deliveries, in one transaction (a
    savepoint inside the caller's). The alerts written; none for a key another writer holds."""
    if not outgoing:
        return []
    try:
        with transaction.atomic():
            keys = [item.alert.dedupe_key for item in outgoing]
            taken = set(Alert.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
            fresh = [item for item in outgoing if item.alert.dedupe_key not in taken]
            for item in fresh:
                channels = {target.channel for target in item.targets}
                if len(channels) == 1:
                    # The channel an alert is shown "by": its deliveries', when they share one.
                    item.alert.channel = channels.pop()
                if item.alert.mode == Subscription.Mode.IMMEDIATE and not item.targets:
                    # Nobody to send it to (no member has an address): recorded, and visibly so.
                    item.alert.status = Alert.Status.FAILED
            created = Alert.objects.bulk_create([item.alert for item in fresh])
            Delivery.objects.bulk_create(
                Delivery(alert=alert, channel=target.channel, target=target.address)
                for alert, item in zip(created, fresh, strict=True)
                if alert.mode == Subscription.Mode.IMMEDIATE
                for target in dict.fromkeys(item.targets)
            )
    except IntegrityError:
        # Another writer inserted the same slot between our read and our insert: it is theirs.
        logger.info("a concurrent run wrote the same alert slots; leaving them to it")
        return []
    return created


def deliverable(alerts: list[Alert]) -> list[int]:
    """The ids of the written alerts that have deliveries to make now (what a task enqueues)."""
    return [alert.id for alert in alerts if alert.mode == Subscription.Mode.IMMEDIATE and alert.status == Alert.Status.PENDING]


def retry_delay(attempts: int) -> timedelta:
    """Capped exponential backoff with jitter: base * 2^(attempts-1), at most the cap, then a random
    half to all of it, so that deliveries failing together do not come back together."""
    base = settings.ALERT_RETRY_BASE_SECONDS
    cap = settings.ALERT_RETRY_MAX_SECONDS
    ceiling = min(cap, base * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def _due(now) -> Q:
    lease_start = now - timedelta(seconds=settings.ALERT_CLAIM_LEASE_SECONDS)
    return (
        Q(status=Delivery.Status.PENDING)
        & (Q(claimed_at__isnull=True) | Q(claimed_at__lt=lease_start))
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    )


def deliveries_claim(*, alert_id: int) -> tuple[uuid.UUID, list[Delivery]]:
    """Claim the due deliveries of one alert: our token and the rows that carry it (none when they
    are done, not yet due, or under another worker's live lease)."""
    now = timezone.now()
    token = uuid.uuid4()
    won = Delivery.objects.filter(_due(now), alert_id=alert_id).update(
        claimed_at=now, claim_token=token, attempts=F("attempts") + 1
    )
    if not won:
        return token, []
    return token, list(Delivery.objects.filter(claim_token=token).select_related("alert").order_by("channel", "target"))


def _record(token: uuid.UUID, delivery: Delivery, error: DeliveryError | None) -> str:
    """Write one target's outcome, as the holder of `token`; what it came to."""
    mine = Delivery.objects.filter(id=delivery.id, claim_token=token)
    now = timezone.now()
    if isinstance(error, TransientDeliveryError) and delivery.attempts >= settings.ALERT_MAX_ATTEMPTS:
        error = PermanentDeliveryError(f"gave up after {delivery.attempts} attempts: {error}")
    if isinstance(error, PermanentDeliveryError):
        updated = mine.update(status=Delivery.Status.FAILED, last_error=str(error), claim_token=None, updated_at=now)
        outcome = FAILED
        logger.warning("alert %s to %s failed for good: %s", delivery.alert_id, delivery.target, error)
    elif error is not None:
        delay = retry_delay(delivery.attempts)
        if isinstance(error, TransientDeliveryError) and error.retry_after is not None:
            # The receiver named its own not-before (a 429's Retry-After): wait that, within the cap.
            delay = timedelta(seconds=min(error.retry_after, settings.ALERT_RETRY_MAX_SECONDS))
        next_attempt_at = now + delay
        updated = mine.update(next_attempt_at=next_attempt_at, last_error=str(error), claimed_at=None,
                              claim_token=None, updated_at=now)
        outcome = RETRY
        logger.info("alert %s to %s will be retried at %s: %s", delivery.alert_id, delivery.target,
                    next_attempt_at.isoformat(), error)
    else:
        return SENT  # written for all sent targets at once by the caller
    if not updated:
        logger.warning("alert %s to %s: lease lost before the outcome was written", delivery.alert_id, delivery.target)
    return outcome


def alert_status_refresh(*, alert_id: int) -> None:
    """Sum the deliveries up on the alert, in one UPDATE: pending while any is, sent when all are,
    partly sent when some were refused for good, failed when none got through."""
    deliveries = Delivery.objects.filter(alert_id=OuterRef("pk"))
    Alert.objects.filter(id=alert_id).exclude(status=Alert.Status.DIGESTED).update(
        status=Case(
            When(Exists(deliveries.filter(status=Delivery.Status.PENDING)), then=Value(Alert.Status.PENDING)),
            When(~Exists(deliveries.filter(status=Delivery.Status.FAILED)), then=Value(Alert.Status.SENT)),
            When(Exists(deliveries.filter(status=Delivery.Status.SENT)), then=Value(Alert.Status.PARTLY_SENT)),
            default=Value(Alert.Status.FAILED),
        ),
        updated_at=timezone.now(),
    )


def alert_deliver(*, alert_id: int) -> str:
    """Deliver the due deliveries of one alert, one hand-over per channel (one SMTP transaction for
    all its email addresses). What it came to: sent, partly_sent, retry, failed or skipped."""
    token, claimed = deliveries_claim(alert_id=alert_id)
    if not claimed:
        return SKIPPED
    alert = claimed[0].alert
    by_channel: dict[str, list[Delivery]] = defaultdict(list)
    for delivery in claimed:
        by_channel[delivery.channel].append(delivery)
    outcomes = []
    for channel, deliveries in by_channel.items():
        targets = [delivery.target for delivery in deliveries]
        try:
            refused = get_channel(channel).deliver(alert, targets)
        except DeliveryError as exc:
            refused = dict.fromkeys(targets, exc)
        except Exception as exc:  # a surprise: back off rather than spin on it
            logger.exception("alert %s: unexpected error while delivering on %s", alert_id, channel)
            refused = dict.fromkeys(targets, TransientDeliveryError(f"{type(exc).__name__}: {exc}"))
        sent = [delivery.id for delivery in deliveries if delivery.target not in refused]
        if sent:
            # The narrow window: the receiver has the message, these rows do not yet say so.
            Delivery.objects.filter(id__in=sent, claim_token=token).update(
                status=Delivery.Status.SENT, sent_at=timezone.now(), claim_token=None, last_error="",
                updated_at=timezone.now(),
            )
        outcomes += [_record(token, delivery, refused.get(delivery.target)) for delivery in deliveries]
    alert_status_refresh(alert_id=alert_id)
    if RETRY in outcomes:
        return RETRY
    if SENT not in outcomes:
        return FAILED
    return PARTLY_SENT if FAILED in outcomes else SENT


def due_alert_ids(*, limit: int | None = None) -> list[int]:
    """Alerts with a delivery due now, oldest first."""
    ids = (
        Delivery.objects.filter(_due(timezone.now()))
        .order_by("alert_id")
        .values_list("alert_id", flat=True)
        .distinct()
    )
    return list(ids[:limit] if limit else ids)


def alerts_deliver_due(*, limit: int | None = None) -> dict[str, int]:
    """Deliver every alert that has a delivery due now, in the foreground; alerts by outcome."""
    outcomes = dict.fromkeys(OUTCOMES, 0)
    for alert_id in due_alert_ids(limit=limit):
        outcomes[alert_deliver(alert_id=alert_id)] += 1
    return outcomes


def outcome_summary(outcomes: dict[str, int]) -> str:
    """`alerts_deliver_due`'s counts as the commands print them."""
    text = f"sent {outcomes[SENT]}, retried {outcomes[RETRY]}, failed {outcomes[FAILED]}"
    return text + (f", partly sent {outcomes[PARTLY_SENT]}" if outcomes[PARTLY_SENT] else "")
