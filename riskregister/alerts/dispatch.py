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
from riskregister.alerts.models import Alert
from riskregister.alerts.outbox import Outgoing, alerts_write
from riskregister.alerts.recipients import Audience, SubscriptionWants
from riskregister.risks.impact import blast_radius
from vendors.changes import RESOLVED_INCIDENT_STATUSES
from vendors.models import StatusChange, most_severe, severity_at_least, severity_rank
from vendors.reach import event_from_change

logger = logging.getLogger(__name__)

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
        highest = max(severity_rank(severity) for severity, _ in seen[resolved_at + 1 :])
        if severity_rank(change.severity) > highest or is_resolution(change):
            kept.append(change)
    return kept


def _change_wanted(change: StatusChange, wants: SubscriptionWants) -> bool:
    if wants.kinds and change.kind not in wants.kinds:
        return False
    if is_resolution(change):
        # Rated "info" by itself, yet it ends something the team was told of: let it through.
        return True
    return severity_at_least(change.severity, wants.min_severity)


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
        alerts = alerts_write(_alerts_for(changes, batch))
        done = StatusChange.objects.filter(batch=batch, dispatch_claimed_at=claim).update(
            dispatched_at=timezone.now()
        )
        if done != len(changes):
            raise BatchClaimLost(batch)
    if alerts:
        logger.info("batch %s: %d alert(s) for %d change(s)", batch, len(alerts), len(changes))
    return alerts


def _alerts_for(changes: list[StatusChange], batch: uuid.UUID) -> list[Outgoing]:
    noteworthy = _noteworthy(changes, batch)
    events = [event for change in noteworthy if (event := event_from_change(change)) is not None]
    if not events:
        return []
    changes_by_id = {change.id: change for change in noteworthy}
    by_team = blast_radius(events).by_team()
    if not by_team:
        return []
    audience = Audience(team_ids=[team.id for team in by_team])
    alerts = []
    for team, affected in sorted(by_team.items(), key=lambda item: item[0].name):
        reaching = {event.change_id for item in affected for event in item.events if event.change_id in changes_by_id}
        fan_out, wanted_ids = audience.fan_out(
            team.id, lambda wants: {cid for cid in reaching if _change_wanted(changes_by_id[cid], wants)}
        )
        if not wanted_ids or not fan_out:
            continue
        wanted = [changes_by_id[cid] for cid in sorted(wanted_ids)]
        listed = [item for item in affected if any(event.change_id in wanted_ids for event in item.events)]
        message = content.change_alert(team=team, changes=wanted, affected=listed)
        alerts.append(fan_out.outgoing(Alert(
            kind=Alert.Kind.CHANGE,
            team=team,
            dedupe_key=f"change:{batch}:{team.id}",
            batch=batch,
            severity=most_severe(c.severity for c in wanted),
            subject=message.subject,
            body_text=message.text,
            body_html=message.html,
            payload=message.payload,
        )))
    return alerts


def alerts_dispatch_pending() -> list[Alert]:
    """Dispatch every pending batch; the alerts written."""
    written: list[Alert] = []
    for batch in batches_pending():
        written += batch_dispatch(batch=batch)
    return written
