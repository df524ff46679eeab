"""Which dependencies and teams a set of events hits, and whether a fallback covers each.

The demand side of propagation, built on `vendors.reach`: the one function used by scenarios (on
paper) and by the alerts dispatcher (real changes). A dependency is *covered* when it has a fallback
tested within FALLBACK_TESTED_WITHIN_DAYS whose offering is untouched by the same events and still
usable. A fallback that shares the dependency's provider is *correlated*: a ban of that provider
takes it down too, so it covers an outage of one distributor but not the ban.

Reach is decided in the database (as `Q` flags on each row); the number of queries does not grow
with the number of dependencies.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone

from riskregister.risks.models import Dependency, Fallback
from riskregister.teams.models import Team
from vendors.models import Lifecycle, Offering
from vendors.reach import Event, event_q, events_q

# An offering (or its model) in one of these states is no way out, whatever its test date says.
UNUSABLE_LIFECYCLES = (Lifecycle.BANNED, Lifecycle.SUSPENDED, Lifecycle.RETIRED)



def tested_since(today: datetime.date | None = None) -> datetime.date:
    """The oldest test date that still counts."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=settings.FALLBACK_TESTED_WITHIN_DAYS)


def usable_offering_q(prefix: str = "offering__", today: datetime.date | None = None) -> Q:
    """Neither the route nor its model is banned, suspended or retired; a model retired on its
    provider's API still lives on a route with its own retirement date after today."""
    today = today or timezone.localdate()
    model_withdrawn = Q(**{f"{prefix}model__lifecycle__in": UNUSABLE_LIFECYCLES}) & ~Q(
        **{f"{prefix}model__lifecycle": Lifecycle.RETIRED, f"{prefix}retirement_date__gt": today}
    )
    return ~Q(**{f"{prefix}lifecycle__in": UNUSABLE_LIFECYCLES}) & ~model_withdrawn


def unusable_lifecycle(offering: Offering, today: datetime.date | None = None) -> tuple[str, str] | None:
    """("route" or "model", the lifecycle) that makes the offering no way out, or None: the rule of
    `usable_offering_q`, for one loaded offering."""
    if offering.lifecycle in UNUSABLE_LIFECYCLES:
        return "route", offering.lifecycle
    model_lifecycle = offering.model.lifecycle
    if model_lifecycle not in UNUSABLE_LIFECYCLES:
        return None
    if model_lifecycle == Lifecycle.RETIRED and offering.retirement_date and offering.retirement_date > (today or timezone.localdate()):
        return None  # the route keeps serving the model until its own date
    return "model", model_lifecycle


def covering_fallback_q(events: Iterable[Event], *, today: datetime.date | None = None) -> Q:
    """The condition a Fallback meets when it covers its dependency against the events."""
    condition = Q(tested_on__gte=tested_since(today)) & usable_offering_q(today=today)
    reached = events_q(events, "offering__")
    return condition & ~reached if reached is not None else condition


def covered_exists(events: Iterable[Event], *, today: datetime.date | None = None, prefix: str = "") -> Exists:
    """`Exists` of a covering fallback. `prefix` leads from the annotated model to the Dependency:
    "" for Dependencies, "dependency__" for Risks."""
    return Exists(Fallback.objects.filter(covering_fallback_q(list(events), today=today), dependency_id=OuterRef(f"{prefix}pk")))


def covered_against_own_provider_ban(*, today: datetime.date | None = None, prefix: str = "") -> Exists:
    """`Exists` of a fallback that would survive a ban of the dependency's own provider: tested
    recently, usable, and on another provider (fallback coverage of exposure.py)."""
    return Exists(
        Fallback.objects.filter(
            Q(tested_on__gte=tested_since(today)) & usable_offering_q(today=today),
            dependency_id=OuterRef(f"{prefix}pk"),
        ).exclude(offering__model__provider_id=OuterRef(f"{prefix}offering__model__provider_id"))
    )


def correlated_fallbacks(dependency: Dependency) -> list[Fallback]:
    """Fallbacks sharing the dependency's provider (so also any other route to the same model):
    a ban of that provider would take them down with the dependency. Uses prefetched fallbacks if any."""
    provider_id = dependency.offering.model.provider_id
    return [fallback for fallback in dependency.fallbacks.all() if fallback.offering.model.provider_id == provider_id]


@dataclass
class AffectedDependency:
    dependency: Dependency
    events: list[Event]
    covered: bool
    reason: str
    covering_fallbacks: list[Fallback] = field(default_factory=list)
    # Fallbacks taken down by the same events (a route to the same provider's model through another
    # distributor, a provider in the same banned jurisdiction): they look like a way out and are not.
    correlated_fallbacks: list[Fallback] = field(default_factory=list)

    @property
    def team(self) -> Team:
        return self.dependency.team


@dataclass
class BlastRadius:
    events: list[Event]
    affected: list[AffectedDependency]

    def by_team(self) -> dict[Team, list[AffectedDependency]]:
        """Affected dependencies grouped by team, teams in name order."""
        grouped: dict[Team, list[AffectedDependency]] = {}
        for item in self.affected:
            grouped.setdefault(item.dependency.team, []).append(item)
        return grouped

    @property
    def teams(self) -> list[Team]:
        return list(self.by_team())

    @property
    def covered_count(self) -> int:
        return sum(1 for item in self.affected if item.covered)

    @property
    def uncovered_count(self) -> int:
        return len(self.affected) - self.covered_count


def _fallback_verdict(fallback: Fallback, since: datetime.date, today: datetime.date | None = None) -> tuple[bool, bool, str]:
    """(covers, taken down by the same events, why not) for one fallback."""
    offering = fallback.offering
    if fallback._reached:
        return False, True, f"{offering} is hit by the same event"
    unusable = unusable_lifecycle(offering, today)
    if unusable:
        return False, False, f"{offering} is itself {unusable[1]}"
    if fallback.tested_on is None:
        return False, False, f"{offering} has never been tested"
    if fallback.tested_on < since:
        return False, False, f"{offering} was last tested on {fallback.tested_on.isoformat()}, more than {settings.FALLBACK_TESTED_WITHIN_DAYS} days ago"
    return True, False, ""


def _judge(dependency: Dependency, reaching: list[Event], since: datetime.date, today: datetime.date | None = None) -> AffectedDependency:
    covering, correlated, objections = [], [], []
    for fallback in dependency.fallbacks.all():
        covers, reached, objection = _fallback_verdict(fallback, since, today)
        if covers:
            covering.append(fallback)
        else:
            objections.append(objection)
            if reached:
                correlated.append(fallback)
    if covering:
        best = covering[0]
        reason = f"Covered: fails over to {best.offering}, tested on {best.tested_on.isoformat()}."
    elif not objections:
        reason = "Not covered: no fallback."
    else:
        reason = "Not covered: " + "; ".join(objections) + "."
    return AffectedDependency(
        dependency=dependency,
        events=reaching,
        covered=bool(covering),
        reason=reason,
        covering_fallbacks=covering,
        correlated_fallbacks=correlated,
    )


def affected_dependencies(
    events: list[Event], *, team_ids: Iterable[int] | None = None, dependency_ids: Iterable[int] | None = None
) -> list[Dependency]:
    """The dependencies the events reach, in team and system order, each with `_reach_<i>` flags per
    event, its team and route (offering, model, provider, distributor) and its fallbacks (each with a
    `_reached` flag and its route) loaded. Four queries however many rows.

    Teams and offerings are few and shared by many dependencies: they are loaded once each and
    attached, rather than joined into every row (which made a ban reaching 28,000 dependencies spend
    most of its time building the same few hundred objects over and over).
    """
    reached = events_q(events, "offering__")
    if reached is None:
        return []
    flags = {f"_reach_{index}": ExpressionWrapper(event_q(event, "offering__"), output_field=BooleanField()) for index, event in enumerate(events)}
    queryset = Dependency.objects.filter(reached)
    if team_ids is not None:
        queryset = queryset.filter(team_id__in=list(team_ids))
    if dependency_ids is not None:
        queryset = queryset.filter(id__in=list(dependency_ids))
    dependencies = list(queryset.annotate(**flags).order_by("team__name", "team_id", "system", "id"))
    if not dependencies:
        return []
    fallbacks = list(
        Fallback.objects.filter(dependency_id__in=queryset.values("id"))
        .annotate(_reached=ExpressionWrapper(events_q(events, "offering__"), output_field=BooleanField()))
        .order_by("-tested_on", "id")
    )
    offering_ids = {dependency.offering_id for dependency in dependencies} | {fallback.offering_id for fallback in fallbacks}
    offerings = Offering.objects.select_related("model__provider", "model__successor", "distributor", "successor").in_bulk(offering_ids)
    teams = Team.objects.in_bulk({dependency.team_id for dependency in dependencies})
    by_dependency: dict[int, list[Fallback]] = {}
    for fallback in fallbacks:
        fallback.offering = offerings[fallback.offering_id]
        by_dependency.setdefault(fallback.dependency_id, []).append(fallback)
    for dependency in dependencies:
        dependency.team = teams[dependency.team_id]
        dependency.offering = offerings[dependency.offering_id]
        own = by_dependency.get(dependency.pk, [])
        for fallback in own:
            fallback.dependency = dependency
        # What prefetch_related would leave: dependency.fallbacks.all() answers without a query.
        prefetched = dependency.fallbacks.get_queryset()
        prefetched._result_cache, prefetched._prefetch_done = own, True
        dependency._prefetched_objects_cache = {"fallbacks": prefetched}
    return dependencies


def blast_radius(
    events: Iterable[Event], *, team_ids: Iterable[int] | None = None, dependency_ids: Iterable[int] | None = None,
    today: datetime.date | None = None,
) -> BlastRadius:
    """Who the events hit, and whether each dependency has a way out (only of `dependency_ids` when
    given: a dependency registered while events are open)."""
    events = list(dict.fromkeys(events))
    since = tested_since(today)
    affected = []
    for dependency in affected_dependencies(events, team_ids=team_ids, dependency_ids=dependency_ids):
        reaching = [event for index, event in enumerate(events) if getattr(dependency, f"_reach_{index}")]
        affected.append(_judge(dependency, reaching, since, today))
    return BlastRadius(events=events, affected=affected)
