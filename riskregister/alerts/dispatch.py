"""From recorded changes to the outbox: one Alert per affected team per batch of changes, news only.

For each change the dispatcher decides what it is (`_events_of_batch`): the opening or update of an
**event** (alerts/events.py: one subject and kind of trouble, open until a recovery closes it), a
recovery that closes one, or nothing new (a source's first sight of a calm world, the end of
something nobody was told of). It runs the blast radius of the batch once and stores it as Reach
rows; for each team it asks `alerts.folding.fold_into` whether a change is news or lies within an
event the team was already told of (folded: on the pages and in a digest, no new message); it then
writes the alerts through one call, `_outbox_write`.

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
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from riskregister.alerts import content
from riskregister.alerts.events import Event, EventAnnouncement, Reach
from riskregister.alerts.folding import Trouble, fold_into
from riskregister.alerts.models import Alert, Subscription
from riskregister.alerts.outbox import Outgoing, alerts_write
from riskregister.alerts.recipients import Audience, SubscriptionWants
from riskregister.risks.impact import AffectedDependency, blast_radius
from riskregister.risks.models import Dependency
from vendors.changes import RESOLVED_INCIDENT_STATUSES
from vendors.models import Lifecycle, OperationalStatus, StatusChange, most_severe, severity_at_least, severity_rank
from vendors.reach import EventKind, event_from_change, events_q

logger = logging.getLogger(__name__)

# What an incident's, a status's or a page indicator's current value is once it is over.
RESOLVED_VALUES = frozenset(RESOLVED_INCIDENT_STATUSES | {OperationalStatus.OPERATIONAL, "none"})
_WITHDRAWN = (Lifecycle.BANNED, Lifecycle.SUSPENDED, Lifecycle.RETIRED)
# Reach rows per INSERT: a provider ban reaches tens of thousands of dependencies.
REACH_BATCH_SIZE = 2000


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


def is_recovery(change: StatusChange) -> bool:
    """A return to normal: a ban (suspension, retirement) lifted, back to operational, an incident
    resolved, a deprecation date withdrawn. Only news where it ends an open event (`_events_of_batch`)."""
    if change.kind == StatusChange.Kind.LIFECYCLE:
        return change.previous_value in _WITHDRAWN and change.current_value not in _WITHDRAWN
    if change.kind == StatusChange.Kind.DEPRECATION:
        return change.current_value == ""
    if change.kind in (StatusChange.Kind.STATUS, StatusChange.Kind.INCIDENT):
        return change.current_value in RESOLVED_VALUES
    return False


def event_key(change: StatusChange, kind: str, level: str, target) -> str:
    """One subject and one kind of trouble; an incident is also its page's incident id, so that
    two incidents of one page are two events and the same incident on two pages can fold."""
    key = f"{level}:{target}:{kind}"
    if kind == EventKind.INCIDENT:
        key += f":{change.source_id or 'manual'}:{change.external_id or change.id}"
    return key[:300]


@dataclass
class _Item:
    change: StatusChange
    reach_event: object  # vendors.reach.Event
    event: Event
    recovery: bool
    was_open: bool  # the event was open before this change (an update or a recovery)
    told_severity: str = ""  # the event's severity before this change

    def trouble(self) -> Trouble:
        return Trouble(kind=self.reach_event.kind, severity=self.change.severity,
                       event_id=self.event.id if self.was_open else None,
                       source_id=self.change.source_id, external_id=self.change.external_id)


def _events_of_batch(changes: list[StatusChange]) -> list[_Item]:
    """Open, update or close the event of each change; the changes that are something, in order.

    A recovery with no open event is the baseline of a source seeing a calm world for the first time
    (`unknown -> operational`), or the end of something nobody was told of: recorded, never sent.
    """
    described = []
    for change in changes:
        reach_event = event_from_change(change)
        if reach_event is None:
            continue
        key = event_key(change, reach_event.kind, reach_event.level, reach_event.target)
        described.append((change, reach_event, key))
    open_by_key = {event.key: event for event in Event.objects.filter(closed_at__isnull=True, key__in=[k for _, _, k in described])}
    items = []
    for change, reach_event, key in described:
        event = open_by_key.get(key)
        recovery = is_recovery(change)
        if recovery:
            if event is None:
                continue
            event.closed_at, event.closed_by, event.last_change = change.observed_at, change, change
            event.save(update_fields=["closed_at", "closed_by", "last_change", "updated_at"])
            del open_by_key[key]
            items.append(_Item(change, reach_event, event, True, True))
        elif event is None:
            subject = {"vendor": change.vendor, "model": change.model, "offering": change.offering}
            event = Event.objects.create(
                key=key, kind=reach_event.kind, level=reach_event.level, target=str(reach_event.target),
                date_field=reach_event.date_field,
                source_id=change.source_id, external_id=change.external_id, severity=change.severity,
                title=change.title[:500], opened_by=change, last_change=change, opened_at=change.observed_at,
                **subject,
            )
            open_by_key[key] = event
            items.append(_Item(change, reach_event, event, False, False))
        else:
            told = event.severity
            if severity_rank(change.severity) > severity_rank(event.severity):
                event.severity = change.severity
            event.last_change = change
            event.date_field = reach_event.date_field  # as the last change says (as_reach_event)
            event.save(update_fields=["severity", "last_change", "date_field", "updated_at"])
            # The rule compares with what the team was told: the severity before this update.
            items.append(_Item(change, reach_event, event, False, True, told))
    return items


def _change_wanted(change: StatusChange, wants: SubscriptionWants) -> bool:
    """A subscription's kinds and minimum severity, for every change but a told recovery."""
    if wants.kinds and change.kind not in wants.kinds:
        return False
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
        alerts, reach, announcements = _alerts_for(changes, batch)
        Reach.objects.bulk_create(reach, batch_size=REACH_BATCH_SIZE, ignore_conflicts=True)
        EventAnnouncement.objects.bulk_create(announcements, batch_size=REACH_BATCH_SIZE, ignore_conflicts=True)
        alerts = alerts_write(alerts)
        done = StatusChange.objects.filter(batch=batch, dispatch_claimed_at=claim).update(
            dispatched_at=timezone.now()
        )
        if done != len(changes):
            raise BatchClaimLost(batch)
    if alerts:
        logger.info("batch %s: %d alert(s) for %d change(s)", batch, len(alerts), len(changes))
    return alerts


@dataclass
class _TeamNews:
    news: dict[int, list[AffectedDependency]] = field(default_factory=dict)  # change id -> what it reached
    folded: dict[int, list[AffectedDependency]] = field(default_factory=dict)
    told_recoveries: set[int] = field(default_factory=set)


def _candidates(items: list[_Item], radius) -> tuple[dict[int, Event], set[tuple[int, int]], set[tuple[int, int]]]:
    """Open events announced to the teams of the batch, which of them each team was told of, and
    which (event, dependency) pairs their stored reach holds. Three queries."""
    team_ids = {item.dependency.team_id for item in radius.affected}
    closed_now = {item.event.id for item in items if item.recovery}
    # The events this batch closed count too: their recoveries go to the teams that were told.
    announced = set(
        EventAnnouncement.objects.filter(Q(event__closed_at__isnull=True) | Q(event_id__in=closed_now), team_id__in=team_ids)
        .values_list("event_id", "team_id")
    )
    event_ids = {event_id for event_id, _ in announced if event_id not in closed_now}
    events = Event.objects.in_bulk(event_ids)
    for item in items:  # this batch's updates, as the rule must see them
        if item.event.id in events:
            events[item.event.id] = item.event
    reached = Dependency.objects.filter(events_q(radius.events, "offering__")).values("id") if radius.events else []
    covering = set(
        Reach.objects.filter(event_id__in=event_ids, dependency_id__in=reached).values_list("event_id", "dependency_id")
    ) if event_ids else set()
    return events, announced, covering


def _sort_by_team(items: list[_Item], radius) -> dict:
    """team -> _TeamNews: for each change reaching the team, news or folded (and into which event)."""
    by_change = {item.change.id: item for item in items}
    events, announced, covering = _candidates(items, radius)
    folded_into: dict[tuple[int, int], int] = {}
    teams: dict = {}
    for team, affected in radius.by_team().items():
        reached: dict[int, list[AffectedDependency]] = defaultdict(list)
        for affected_dependency in affected:
            for reach_event in affected_dependency.events:
                if reach_event.change_id in by_change:
                    reached[reach_event.change_id].append(affected_dependency)
        sorted_news = _TeamNews()
        told = [event for event_id, team_id in announced if team_id == team.id and (event := events.get(event_id))]
        for change_id, dependencies in reached.items():
            item = by_change[change_id]
            if item.recovery:
                if (item.event.id, team.id) in announced:
                    sorted_news.news[change_id] = dependencies
                    sorted_news.told_recoveries.add(change_id)
                continue  # the end of what the team was never told of is no news to it
            candidates = [
                Trouble(kind=event.kind, severity=item.told_severity if event.id == item.event.id else event.severity,
                        event_id=event.id, source_id=event.source_id, external_id=event.external_id)
                for event in told
                if all((event.id, d.dependency.id) in covering for d in dependencies)
            ]
            into = fold_into(change=item.trouble(), recovery=False, candidates=candidates)
            if into is None:
                sorted_news.news[change_id] = dependencies
            else:
                sorted_news.folded[change_id] = dependencies
                folded_into[(change_id, team.id)] = into
        teams[team] = sorted_news
    return teams, folded_into


def _reach_rows(items: list[_Item], teams: dict, folded_into: dict) -> list[Reach]:
    by_change = {item.change.id: item for item in items}
    rows = []
    for team, sorted_news in teams.items():
        for folded, reached in ((False, sorted_news.news), (True, sorted_news.folded)):
            for change_id, dependencies in reached.items():
                event_id = folded_into[(change_id, team.id)] if folded else by_change[change_id].event.id
                rows += [
                    Reach(event_id=event_id, change_id=change_id, dependency_id=d.dependency.id, team_id=team.id,
                          covered=d.covered, reason=d.reason, folded=folded)
                    for d in dependencies
                ]
    return rows


def _alerts_for(changes: list[StatusChange], batch: uuid.UUID) -> tuple[list[Outgoing], list[Reach], list[EventAnnouncement]]:
    """What the batch writes: the alerts, the reach rows and the announcements of events to teams."""
    items = _events_of_batch(changes)
    if not items:
        return [], [], []
    radius = blast_radius([item.reach_event for item in items])
    teams, folded_into = _sort_by_team(items, radius)
    reach = _reach_rows(items, teams, folded_into)
    by_change = {item.change.id: item for item in items}
    audience = Audience(team_ids=[team.id for team in teams])
    alerts, announcements = [], []
    for team, sorted_news in sorted(teams.items(), key=lambda pair: pair[0].name):

        def picks(wants: SubscriptionWants, sorted_news=sorted_news) -> set[tuple[str, int]]:
            # News a subscription wants (a told recovery always), and for a digest subscription the
            # folded confirmations too: an immediate subscription never hears of what was folded.
            taken = {("news", cid) for cid in sorted_news.news
                     if cid in sorted_news.told_recoveries or _change_wanted(by_change[cid].change, wants)}
            if wants.mode == Subscription.Mode.DAILY_DIGEST:
                taken |= {("folded", cid) for cid in sorted_news.folded if _change_wanted(by_change[cid].change, wants)}
            return taken

        fan_out, taken = audience.fan_out(team.id, picks)
        news_ids = {cid for tag, cid in taken if tag == "news"}
        folded_ids = {cid for tag, cid in taken if tag == "folded"}
        if not fan_out or not taken:
            continue
        shown = sorted(news_ids) or sorted(folded_ids)
        affected = {d.dependency.id: d for cid in shown for d in (sorted_news.news.get(cid) or sorted_news.folded[cid])}
        message = content.change_alert(
            team=team, changes=[by_change[cid].change for cid in shown],
            affected=list(affected.values()), recoveries=sorted_news.told_recoveries,
            confirmation=not news_ids,
        )
        alerts.append(fan_out.outgoing(Alert(
            kind=Alert.Kind.CHANGE,
            team=team,
            dedupe_key=f"change:{batch}:{team.id}",
            batch=batch,
            severity=most_severe(by_change[cid].change.severity for cid in shown),
            subject=message.subject,
            body_text=message.text,
            body_html=message.html,
            payload={**message.payload,
                     "folded": [content.change_payload(by_change[cid].change) for cid in sorted(folded_ids)]},
        )))
        announcements += [EventAnnouncement(event_id=by_change[cid].event.id, team_id=team.id)
                          for cid in news_ids if not by_change[cid].recovery]
    return alerts, reach, announcements


def alerts_dispatch_pending() -> list[Alert]:
    """Dispatch every pending batch; the alerts written."""
    written: list[Alert] = []
    for batch in batches_pending():
        written += batch_dispatch(batch=batch)
    return written
