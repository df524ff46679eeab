"""Reads of the stored reach (alerts/events.py): who a real change reached, as the dispatcher wrote it;
and of the outbox: deliveries refused for good.

Every page, the status feed, the risk timeline and the API read these; none of them recomputes the
reach of a real change. Each function runs a fixed number of queries (pinned in
tests/alerts/test_selectors.py), whatever the number of rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from riskregister.alerts.events import Event, Reach
from riskregister.alerts.models import Delivery
from riskregister.teams.models import Team
from vendors.models import StatusChange

_REACH_RELATED = ("dependency__offering__model", "dependency__offering__distributor", "team")


@dataclass
class RecentChange:
    """A change that reached some of the teams asked about."""

    change: StatusChange
    event: Event | None
    # Attached to an event already announced to those teams: shown, not sent as a new message.
    folded: bool
    # The reach rows for those teams: `.dependency`, `.team`, `.covered`, `.reason`.
    reached: list[Reach] = field(default_factory=list)


def team_recent_changes(*, team_ids: list[int], limit: int = 20) -> list[RecentChange]:
    """The changes that reached the teams, newest first. Three queries."""
    team_ids = list(team_ids)
    if not team_ids:
        return []
    newest = (
        Reach.objects.filter(team_id__in=team_ids)
        .values_list("change_id", "change__observed_at")
        .order_by("-change__observed_at", "-change_id")
        .distinct()[:limit]
    )
    change_ids = [change_id for change_id, _ in newest]
    if not change_ids:
        return []
    changes = StatusChange.objects.select_related(
        "vendor", "model__provider", "offering__model", "offering__distributor"
    ).in_bulk(change_ids)
    rows: dict[int, list[Reach]] = defaultdict(list)
    for row in (
        Reach.objects.filter(change_id__in=change_ids, team_id__in=team_ids)
        .select_related("event", *_REACH_RELATED)
        .order_by("team__name", "dependency__system", "id")
    ):
        rows[row.change_id].append(row)
    return [
        RecentChange(
            change=changes[change_id],
            event=rows[change_id][0].event if rows[change_id] else None,
            folded=all(row.folded for row in rows[change_id]),
            reached=rows[change_id],
        )
        for change_id in change_ids
    ]


def changes_reached_teams(*, change_ids: list[int], team_ids: list[int] | None = None) -> dict[int, list[Team]]:
    """change id -> the teams it reached (only those of `team_ids` when given), in name order.
    Two queries (none without change ids)."""
    change_ids = list(change_ids)
    if not change_ids:
        return {}
    pairs = Reach.objects.filter(change_id__in=change_ids)
    if team_ids is not None:
        pairs = pairs.filter(team_id__in=team_ids)  # a list, or a subquery of team ids
    pairs = set(pairs.values_list("change_id", "team_id").distinct())
    teams = Team.objects.in_bulk({team_id for _, team_id in pairs})
    result: dict[int, list[Team]] = {}
    for change_id, team_id in pairs:
        result.setdefault(change_id, []).append(teams[team_id])
    for reached in result.values():
        reached.sort(key=lambda team: team.name)
    return result


def dependency_reach(*, dependency_id: int, limit: int = 50) -> list[Reach]:
    """What reached one dependency: each row's `.event`, `.change`, `.covered`, `.reason`, newest first.
    One query."""
    return list(
        Reach.objects.filter(dependency_id=dependency_id)
        .select_related("event", "change", "team")
        .order_by("-change__observed_at", "-id")[:limit]
    )


def open_events_for_dependencies(*, dependency_ids: list[int]) -> dict[int, list[Event]]:
    """dependency id -> the open events reaching it, newest first. One query."""
    result: dict[int, list[Event]] = {}
    rows = (
        Reach.objects.filter(dependency_id__in=list(dependency_ids), event__closed_at__isnull=True)
        .select_related("event")
        .order_by("-event__opened_at", "-event_id")
    )
    for row in rows:
        events = result.setdefault(row.dependency_id, [])
        if all(event.id != row.event_id for event in events):
            events.append(row.event)
    return result


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
