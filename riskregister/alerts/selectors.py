"""Reads of what real changes reached: the pages' view of the alerts a team received.

Interim implementations over the Alert outbox (each change alert names its batch, its changes and
the dependencies it reached); the stored reach written by the dispatcher replaces them, with the
same keyword-only signatures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from riskregister.alerts.models import Alert
from riskregister.risks.models import Dependency
from riskregister.teams.models import Team
from vendors.models import Lifecycle, OperationalStatus, StatusChange

# How many alerts of a team a page scans to find its latest changes.
SCAN = 200


@dataclass
class Reached:
    dependency: Dependency | None
    team: Team
    covered: bool
    reason: str


@dataclass
class ReachedChange:
    change: StatusChange
    event: object | None = None
    folded: bool = False
    reached: list[Reached] = field(default_factory=list)


@dataclass(frozen=True)
class OpenEvent:
    kind: str
    label: str


def _change_alerts(team_ids, limit: int):
    return list(
        Alert.objects.filter(kind=Alert.Kind.CHANGE, team_id__in=list(team_ids)).select_related("team").order_by("-created_at", "-id")[:limit]
    )


def team_recent_changes(*, team_ids: Iterable[int], limit: int = 20) -> list[ReachedChange]:
    """The latest changes that reached the teams, newest first, each with the dependencies reached."""
    alerts = _change_alerts(team_ids, SCAN)
    reached_by_change: dict[int, list[tuple]] = defaultdict(list)
    dependency_ids = set()
    for alert in alerts:
        for change in alert.payload.get("changes", []):
            for dependency in alert.payload.get("dependencies", []):
                reached_by_change[change["id"]].append((alert.team, dependency))
                dependency_ids.add(dependency["id"])
    changes = list(
        StatusChange.objects.filter(id__in=list(reached_by_change))
        .select_related("vendor", "model", "offering__model", "offering__distributor")
        .order_by("-observed_at", "-id")[:limit]
    )
    dependencies = Dependency.objects.in_bulk(list(dependency_ids))
    return [
        ReachedChange(
            change=change,
            reached=[
                Reached(dependency=dependencies.get(row["id"]), team=team, covered=bool(row.get("covered")), reason=row.get("reason", ""))
                for team, row in reached_by_change[change.id]
            ],
        )
        for change in changes
    ]


def changes_reached_teams(*, change_ids: Iterable[int], team_ids: Iterable[int] | None = None) -> dict[int, list[Team]]:
    """The teams each change reached (only these teams when given)."""
    change_ids = list(change_ids)
    batches = dict(StatusChange.objects.filter(id__in=change_ids).values_list("id", "batch"))
    alerts = Alert.objects.filter(kind=Alert.Kind.CHANGE, batch__in=set(batches.values()) - {None}).select_related("team")
    if team_ids is not None:
        alerts = alerts.filter(team_id__in=list(team_ids))
    result: dict[int, list[Team]] = {change_id: [] for change_id in change_ids}
    for alert in alerts.order_by("team__name"):
        named = {change["id"] for change in alert.payload.get("changes", [])}
        for change_id in named & set(change_ids):
            if alert.team not in result[change_id]:
                result[change_id].append(alert.team)
    return result


def dependency_reach(*, dependency_id: int, limit: int = 50) -> list[ReachedChange]:
    """The changes that reached one dependency, newest first, with whether it was covered."""
    team_id = Dependency.objects.filter(pk=dependency_id).values_list("team_id", flat=True).first()
    if team_id is None:
        return []
    rows: dict[int, Reached] = {}
    for alert in _change_alerts([team_id], SCAN):
        for dependency in alert.payload.get("dependencies", []):
            if dependency["id"] != dependency_id:
                continue
            for change in alert.payload.get("changes", []):
                rows.setdefault(change["id"], Reached(dependency=None, team=alert.team, covered=bool(dependency.get("covered")),
                                                      reason=dependency.get("reason", "")))
    changes = StatusChange.objects.filter(id__in=list(rows)).select_related("vendor", "model", "offering__model", "offering__distributor")
    return [ReachedChange(change=change, reached=[rows[change.id]]) for change in changes.order_by("-observed_at", "-id")[:limit]]


_STOPPED = {Lifecycle.BANNED: "banned", Lifecycle.SUSPENDED: "suspended", Lifecycle.RETIRED: "retired"}
_DOWN = {OperationalStatus.MAJOR_OUTAGE: "major outage", OperationalStatus.PARTIAL_OUTAGE: "partial outage",
         OperationalStatus.UNAVAILABLE: "unavailable", OperationalStatus.DEGRADED: "degraded"}


def open_events_for_dependencies(*, dependency_ids: Iterable[int]) -> dict[int, list[OpenEvent]]:
    """What is wrong with each dependency's route right now (a banned or retired model or route, an
    outage), from the state the checks keep on models and offerings."""
    result: dict[int, list[OpenEvent]] = {}
    for dependency in Dependency.objects.filter(id__in=list(dependency_ids)).select_related("offering__model", "offering__distributor"):
        offering, events = dependency.offering, []
        if offering.model.lifecycle in _STOPPED:
            events.append(OpenEvent(offering.model.lifecycle, f"{offering.model.name} {_STOPPED[offering.model.lifecycle]}"))
        if offering.lifecycle in _STOPPED:
            events.append(OpenEvent(offering.lifecycle, f"{offering.model.name} via {offering.distributor.name} {_STOPPED[offering.lifecycle]}"))
        if offering.status in _DOWN:
            events.append(OpenEvent("outage", f"{offering.distributor.name}: {_DOWN[offering.status]}"))
        result[dependency.pk] = events
    return result
