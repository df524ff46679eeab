"""From recorded changes to the outbox: one Alert per affected team per batch of changes.

A batch (all changes of one check of one source, or one manual entry) is claimed with a conditional
UPDATE that only one dispatcher can win; the claim is a lease, so a dispatcher that dies mid-batch
leaves it to the next one. The alerts of a batch and the batch's `dispatched_at` are written in
one transaction, and the unique dedupe key `change:<batch>:<team>` makes a second writer fail
rather than double an alert.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from riskregister.alerts import content
from riskregister.alerts.models import Alert, Subscription
from riskregister.alerts.recipients import SubscriptionWants, recipients_by_subscription, subscriptions_of_teams
from riskregister.risks.impact import blast_radius
from vendors.changes import RESOLVED_INCIDENT_STATUSES
from vendors.models import StatusChange
from vendors.reach import event_from_change

logger = logging.getLogger(__name__)

SEVERITY_RANK = {value: rank for rank, value in enumerate(StatusChange.Severity.values)}
# What an incident's, a status's or a page indicator's current value is once it is over: news to the teams.
RESOLVED_VALUES = frozenset(RESOLVED_INCIDENT_STATUSES | {"operational", "none"})


class BatchClaimLost(Exception):
    """Our lease ran out and another dispatcher claimed the batch: roll our work back, theirs stands."""


def _claimable(now: datetime) -> Q:
    lease_start = now - timedelta(seconds=settings.ALERT_DISPATCH_LEASE_SECONDS)
    return Q(dispatched_at__isnull=True) & (Q(dispatch_claimed_at__isnull=True) | Q(dispatch_claimed_at__lt=lease_start))


def batches_pending(*, limit: int = 100) -> list[uuid.UUID]:
    """Batches with changes not yet dispatched and not under a live claim, oldest first."""
    rows = (
        StatusChange.objects.filter(_claimable(timezone.now()))
        .values("batch")
        .annotate(first_observed=Min("observed_at"))
        .order_by("first_observed")[:limit]
    )
    return [row["batch"] for row in rows]


def batch_claim(*, batch: uuid.UUID) -> datetime | None:
    """Claim the batch's undispatched changes; the claim time (our token), or None if someone else won."""
    now = timezone.now()
    won = StatusChange.objects.filter(_claimable(now), batch=batch).update(dispatch_claimed_at=now)
    return now if won else None


def is_resolution(change: StatusChange) -> bool:
    return change.current_value in RESOLVED_VALUES


def _incident_key(change: StatusChange) -> tuple[int, str] | None:
    # Only incidents have updates; a status change's external id names a component, and a second
    # outage of the same component is news however like the first it is.
    if change.kind == StatusChange.Kind.INCIDENT and change.external_id and change.source_id:
        return (change.source_id, change.external_id)
    return None


def _noteworthy(changes: list[StatusChange], batch: uuid.UUID) -> list[StatusChange]:
    """Drop updates of an incident already alerted unless its severity rises, it resolves or it reopens.

    An incident is a source's external id; earlier batches about it are the ones already dispatched.
    """
    keyed = [change for change in changes if _incident_key(change)]
    if not keyed:
        return changes
    condition = reduce(or_, (Q(source_id=c.source_id, external_id=c.external_id) for c in keyed))
    earlier: dict[tuple[int, str], list[tuple[str, str]]] = defaultdict(list)
    for source_id, external_id, severity, current_value in (
        StatusChange.objects.filter(condition, kind=StatusChange.Kind.INCIDENT, dispatched_at__isnull=False)
        .exclude(batch=batch)
        .order_by("observed_at", "id")
        .values_list("source_id", "external_id", "severity", "current_value")
    ):
        earlier[(source_id, external_id)].append((severity, current_value))
    kept = []
    for change in changes:
        seen = earlier.get(_incident_key(change)) if _incident_key(change) else None
        if not seen:
            kept.append(change)
            continue
        if seen[-1][1] in RESOLVED_VALUES:
            if not is_resolution(change):  # reopened: news again
                kept.append(change)
            continue
        # Since the incident last (re)opened: alert when it gets worse than ever, or ends.
        resolved_at = max((i for i, (_, value) in enumerate(seen) if value in RESOLVED_VALUES), default=-1)
        highest = max(SEVERITY_RANK.get(severity, 0) for severity, _ in seen[resolved_at + 1 :])
        if SEVERITY_RANK.get(change.severity, 0) > highest or is_resolution(change):
            kept.append(change)
    return kept


def _change_wanted(change: StatusChange, wants: SubscriptionWants) -> bool:
    if wants.kinds and change.kind not in wants.kinds:
        return False
    if is_resolution(change):
        # Rated "info" by itself, yet it ends something the team was told of: let it through.
        return True
    return SEVERITY_RANK.get(change.severity, 0) >= SEVERITY_RANK.get(wants.min_severity, 0)


def batch_dispatch(*, batch: uuid.UUID) -> list[Alert]:
    """Claim one batch and write its alerts; the alerts written (none if another dispatcher won)."""
    claim = batch_claim(batch=batch)
    if claim is None:
        return []
    try:
        return _dispatch_claimed(batch=batch, claim=claim)
    except BatchClaimLost:
        logger.warning("batch %s: claim lost to another dispatcher, its alerts are theirs", batch)
        return []


def _dispatch_claimed(*, batch: uuid.UUID, claim: datetime) -> list[Alert]:
    changes = list(
        StatusChange.objects.filter(batch=batch, dispatch_claimed_at=claim)
        .select_related("vendor", "model__provider", "offering__model", "offering__distributor")
        .order_by("id")
    )
    with transaction.atomic():
        alerts = _alerts_for(changes, batch)
        if alerts:
            existing = set(
                Alert.objects.filter(dedupe_key__in=[alert.dedupe_key for alert in alerts]).values_list(
                    "dedupe_key", flat=True
                )
            )
            alerts = Alert.objects.bulk_create([alert for alert in alerts if alert.dedupe_key not in existing])
        done = StatusChange.objects.filter(batch=batch, dispatch_claimed_at=claim).update(
            dispatched_at=timezone.now()
        )
        if done != len(changes):
            raise BatchClaimLost(batch)
        immediate = [alert.id for alert in alerts if alert.mode == Subscription.Mode.IMMEDIATE]
        if immediate:
            transaction.on_commit(lambda: _enqueue_delivery(immediate))
    if alerts:
        logger.info("batch %s: %d alert(s) for %d change(s)", batch, len(alerts), len(changes))
    return alerts


# Alerts per delivery task: a ban reaching 500 teams is 20 broker messages rather than 500 (each
# a write on the embedded broker), and still spreads over the workers (bench/fanout.py).
DELIVERY_CHUNK = 25


def _enqueue_delivery(alert_ids: list[int]) -> None:
    from riskregister.alerts.tasks import deliver_alerts  # tasks import services; keep the cycle lazy

    for start in range(0, len(alert_ids), DELIVERY_CHUNK):
        try:
            deliver_alerts.delay(alert_ids[start : start + DELIVERY_CHUNK])
        except Exception:  # broker down: the beat's delivery pass picks the alerts up later
            logger.warning("could not enqueue delivery of %d alert(s); the periodic pass will send them",
                           len(alert_ids) - start)
            return


def _alerts_for(changes: list[StatusChange], batch: uuid.UUID) -> list[Alert]:
    noteworthy = _noteworthy(changes, batch)
    events = [event for change in noteworthy if (event := event_from_change(change)) is not None]
    if not events:
        return []
    changes_by_id = {change.id: change for change in noteworthy}
    by_team = blast_radius(events).by_team()
    if not by_team:
        return []
    subscriptions = subscriptions_of_teams(team_ids=[team.id for team in by_team])
    recipients = recipients_by_subscription(subscriptions)
    alerts = []
    for team, affected in sorted(by_team.items(), key=lambda item: item[0].name):
        reaching = {event.change_id for item in affected for event in item.events if event.change_id in changes_by_id}
        immediate: set[str] = set()
        digest: set[str] = set()
        wanted_ids: set[int] = set()
        for wants in subscriptions.get(team.id, []):
            ids = {cid for cid in reaching if _change_wanted(changes_by_id[cid], wants)}
            if not ids:
                continue
            wanted_ids |= ids
            (immediate if wants.mode == Subscription.Mode.IMMEDIATE else digest).update(recipients[wants.key])
        if not wanted_ids or not (immediate or digest):
            continue
        wanted = [changes_by_id[cid] for cid in sorted(wanted_ids)]
        listed = [item for item in affected if any(event.change_id in wanted_ids for event in item.events)]
        message = content.change_alert(team=team, changes=wanted, affected=listed)
        alerts.append(
            Alert(
                kind=Alert.Kind.CHANGE,
                team=team,
                dedupe_key=f"change:{batch}:{team.id}",
                batch=batch,
                severity=max((c.severity for c in wanted), key=lambda s: SEVERITY_RANK.get(s, 0)),
                mode=Subscription.Mode.IMMEDIATE if immediate else Subscription.Mode.DAILY_DIGEST,
                recipients=sorted(immediate),
                subject=message.subject,
                body_text=message.text,
                body_html=message.html,
                payload={**message.payload, "digest_recipients": sorted(digest)},
            )
        )
    return alerts


def alerts_dispatch_pending() -> int:
    """Dispatch every pending batch; the number of alerts written."""
    written = 0
    for batch in batches_pending():
        written += len(batch_dispatch(batch=batch))
    return written
