"""The dashboard's figures per team, computed in a fixed number of grouped queries for any number of
teams, stored in TeamRollup and summed over the teams a viewer sees.

Every figure here is additive over teams (sums of exposure, counts of dependencies and risks, cell
counts), so the figures of several teams, or of the whole register, are the sums of theirs; shares,
the Herfindahl index and coverage are derived after summing. The exposure itself is computed by the
expressions of `risks.exposure`, and coverage by `risks.impact`'s definition: nothing is re-derived.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from riskregister.risks import exposure, scoring
from riskregister.risks.impact import covered_against_own_provider_ban
from riskregister.risks.models import Dependency, Fallback
from riskregister.teams.models import Team
from riskregister.web.models import TeamRollup
from vendors.models import Vendor, VendorRelationship

MEASURES = ("exposure", "inherent_exposure", "risks", "dependencies", "critical_dependencies")
# Edges along which work hangs on an organisation beyond the route itself: whoever distributes,
# invests in or owns the provider or the distributor of a route.
UPSTREAM_KINDS = (VendorRelationship.Kind.DISTRIBUTES, VendorRelationship.Kind.INVESTS_IN, VendorRelationship.Kind.OWNS)


def _measures() -> dict:
    critical = Q(dependency__criticality__in=exposure.critical_tiers())
    return {
        "exposure": Coalesce(Sum(exposure.residual_exposure_expression()), 0),
        "inherent_exposure": Coalesce(Sum(exposure.inherent_exposure_expression()), 0),
        "risks": Count("id"),
        "dependencies": Count("dependency_id", distinct=True),
        "critical_dependencies": Count("dependency_id", filter=critical, distinct=True),
    }


def _empty() -> dict:
    return {
        "total": dict.fromkeys(MEASURES, 0),
        "by_provider": {},
        "by_distributor": {},
        "by_jurisdiction": {},
        "critical_by_provider": {},
        "coverage": {"critical": 0, "covered": 0, "correlated_only": 0},
        "heat": {"residual": {}, "inherent": {}},
        "upstream": {},
    }


def _add_group(target: dict, key, slug, name, row: dict) -> None:
    entry = target.setdefault(str(key), {"slug": slug, "name": name, **dict.fromkeys(MEASURES, 0)})
    for measure in MEASURES:
        entry[measure] += row[measure]


def team_figures(*, team_ids: Iterable[int]) -> dict[int, dict]:
    """The additive figures of each team: about a dozen queries, whatever the number of teams."""
    team_ids = list(team_ids)
    figures = {team_id: _empty() for team_id in team_ids}
    risks = exposure.open_risks(team_ids=team_ids)
    team = "dependency__team_id"

    for row in risks.values(team).annotate(**_measures()).order_by():
        figures[row[team]]["total"] = {measure: row[measure] for measure in MEASURES}
    for by, (key, slug, name) in (
        ("by_provider", exposure._GROUP_FIELDS["provider"]),
        ("by_distributor", exposure._GROUP_FIELDS["distributor"]),
    ):
        for row in risks.values(team, key, slug, name).annotate(**_measures()).order_by():
            _add_group(figures[row[team]][by], row[key], row[slug], row[name], row)
    # A jurisdiction holds every risk whose provider or distributor is headquartered there, once.
    provider_country, distributor_country = exposure._PROVIDER_COUNTRY, exposure._DISTRIBUTOR_COUNTRY
    for field, queryset in (
        (provider_country, risks),
        (distributor_country, risks.exclude(**{distributor_country: F(provider_country)})),
    ):
        for row in queryset.values(team, field).annotate(**_measures()).order_by():
            country = row[field] or ""
            _add_group(figures[row[team]]["by_jurisdiction"], country, country.lower(), country or "unknown", row)

    for kind, likelihood, impact in (("residual", "residual_likelihood", "residual_impact"),
                                     ("inherent", "inherent_likelihood", "inherent_impact")):
        for row in risks.values(team, likelihood, impact).annotate(count=Count("id")).order_by():
            figures[row[team]]["heat"][kind][f"{row[likelihood]},{row[impact]}"] = row["count"]

    dependencies = Dependency.objects.filter(team_id__in=team_ids)
    critical = dependencies.filter(criticality__in=exposure.critical_tiers())
    provider = ("offering__model__provider_id", "offering__model__provider__slug", "offering__model__provider__name")
    for row in critical.values("team_id", *provider).annotate(count=Count("id")).order_by():
        figures[row["team_id"]]["critical_by_provider"][str(row[provider[0]])] = {
            "slug": row[provider[1]], "name": row[provider[2]], "dependencies": row["count"],
        }
    correlated = Exists(
        Fallback.objects.filter(dependency_id=OuterRef("pk"), offering__model__provider_id=OuterRef("offering__model__provider_id"))
    )
    coverage_rows = (
        critical.annotate(_covered=covered_against_own_provider_ban(), _correlated=correlated)
        .values("team_id")
        .annotate(
            critical=Count("id"),
            covered=Count("id", filter=Q(_covered=True)),
            correlated_only=Count("id", filter=Q(_covered=False, _correlated=True)),
        )
        .order_by()
    )
    for row in coverage_rows:
        figures[row["team_id"]]["coverage"] = {key: row[key] for key in ("critical", "covered", "correlated_only")}

    _upstream(figures, dependencies)
    return figures


def _upstream(figures: dict[int, dict], dependencies) -> None:
    """Per team: the organisations its dependencies hang on (provider and distributor of the route,
    and whoever distributes, invests in or owns either), with the number of dependencies behind each."""
    routes = list(
        dependencies.values("team_id", "offering__model__provider_id", "offering__distributor_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    if not routes:
        return
    on_route = {row["offering__model__provider_id"] for row in routes} | {row["offering__distributor_id"] for row in routes}
    behind: dict[int, set[int]] = defaultdict(set)
    for source_id, target_id in VendorRelationship.objects.filter(target_id__in=on_route, kind__in=UPSTREAM_KINDS).values_list(
        "source_id", "target_id"
    ):
        behind[target_id].add(source_id)
    names = {vendor.pk: vendor for vendor in Vendor.objects.filter(pk__in=on_route | set().union(*behind.values(), set()))}
    for row in routes:
        direct = {row["offering__model__provider_id"], row["offering__distributor_id"]}
        hung_on = direct | set().union(*(behind[vendor_id] for vendor_id in direct))
        upstream = figures[row["team_id"]]["upstream"]
        for vendor_id in hung_on:
            vendor = names[vendor_id]
            entry = upstream.setdefault(str(vendor_id), {"slug": vendor.slug, "name": vendor.name, "dependencies": 0, "direct": 0})
            entry["dependencies"] += row["count"]
            entry["direct"] += row["count"] if vendor_id in direct else 0


def rollups_refresh(*, team_ids: Iterable[int] | None = None) -> int:
    """Recompute and store the rollups of these teams (every team when None); returns how many."""
    if team_ids is None:
        team_ids = list(Team.objects.values_list("id", flat=True))
    team_ids = sorted(set(team_ids))
    if not team_ids:
        return 0
    figures = team_figures(team_ids=team_ids)
    now = timezone.now()
    with transaction.atomic():
        existing = set(TeamRollup.objects.filter(team_id__in=team_ids).values_list("team_id", flat=True))
        TeamRollup.objects.bulk_create(
            [TeamRollup(team_id=team_id, computed_at=now, figures=figures[team_id]) for team_id in team_ids if team_id not in existing]
        )
        updates = [TeamRollup(team_id=team_id, computed_at=now, figures=figures[team_id]) for team_id in team_ids if team_id in existing]
        for rollup in updates:
            TeamRollup.objects.filter(team_id=rollup.team_id).update(computed_at=now, figures=rollup.figures)
    return len(team_ids)


def _sorted_rows(groups: dict, measure: str = "exposure") -> list[dict]:
    return sorted(({"key": key, **entry} for key, entry in groups.items()), key=lambda row: (-row[measure], row["name"] or ""))


def dashboard_figures(*, team_ids: Iterable[int] | None = None) -> dict:
    """The summed figures of the teams (every team when None), read from their rollups in one query.
    A team without a rollup yet (new since the last refresh) has it computed here once."""
    rollups = TeamRollup.objects.select_related("team")
    if team_ids is not None:
        team_ids = set(team_ids)
        rollups = rollups.filter(team_id__in=team_ids)
    rollups = list(rollups)
    wanted = team_ids if team_ids is not None else None
    if wanted is not None and wanted - {rollup.team_id for rollup in rollups}:
        rollups_refresh(team_ids=wanted - {rollup.team_id for rollup in rollups})
        rollups = list(TeamRollup.objects.select_related("team").filter(team_id__in=wanted))

    total = dict.fromkeys(MEASURES, 0)
    groups = {"by_provider": {}, "by_distributor": {}, "by_jurisdiction": {}}
    critical_by_provider: dict[str, dict] = {}
    coverage = {"critical": 0, "covered": 0, "correlated_only": 0}
    heat = {"residual": defaultdict(int), "inherent": defaultdict(int)}
    upstream: dict[str, dict] = {}
    by_team = []
    for rollup in rollups:
        figures = rollup.figures or _empty()
        for measure in MEASURES:
            total[measure] += figures["total"][measure]
        by_team.append({"key": rollup.team_id, "slug": rollup.team.slug, "name": rollup.team.name, **figures["total"]})
        for by in groups:
            for key, entry in figures[by].items():
                _add_group(groups[by], key, entry["slug"], entry["name"], entry)
        for key, entry in figures["critical_by_provider"].items():
            critical_by_provider.setdefault(key, {"slug": entry["slug"], "name": entry["name"], "dependencies": 0})
            critical_by_provider[key]["dependencies"] += entry["dependencies"]
        for key in coverage:
            coverage[key] += figures["coverage"][key]
        for kind in heat:
            for cell, count in figures["heat"][kind].items():
                heat[kind][cell] += count
        for key, entry in figures["upstream"].items():
            row = upstream.setdefault(key, {"key": key, "slug": entry["slug"], "name": entry["name"], "dependencies": 0, "direct": 0, "teams": 0})
            row["dependencies"] += entry["dependencies"]
            row["direct"] += entry["direct"]
            row["teams"] += 1 if entry["dependencies"] else 0

    critical_total = sum(entry["dependencies"] for entry in critical_by_provider.values())
    providers = sorted(critical_by_provider.values(), key=lambda entry: (-entry["dependencies"], entry["name"]))
    for entry in providers:
        entry["share"] = round(entry["dependencies"] / critical_total, 4) if critical_total else 0.0
    return {
        "as_of": min((rollup.computed_at for rollup in rollups), default=None),
        "teams": len(rollups),
        "total": total,
        "by_team": sorted(by_team, key=lambda row: (-row["exposure"], row["name"])),
        "by_provider": _sorted_rows(groups["by_provider"]),
        "by_distributor": _sorted_rows(groups["by_distributor"]),
        "by_jurisdiction": _sorted_rows(groups["by_jurisdiction"]),
        "concentration": {
            "critical_dependencies": critical_total,
            "top_provider": providers[0] if providers else None,
            "top_share": providers[0]["share"] if providers else 0.0,
            "hhi": round(sum((entry["dependencies"] / critical_total) ** 2 for entry in providers), 4) if critical_total else 0.0,
            "critical_tiers": exposure.critical_tiers(),
        },
        "coverage": {
            **coverage,
            "uncovered": coverage["critical"] - coverage["covered"],
            "share": round(coverage["covered"] / coverage["critical"], 4) if coverage["critical"] else 0.0,
        },
        "heat": {kind: dict(cells) for kind, cells in heat.items()},
        "upstream": sorted(upstream.values(), key=lambda row: (-row["teams"], -row["dependencies"], row["name"])),
    }


def heat_cells(cells: dict[str, int]) -> list[dict]:
    """The 25 cells of the matrix, top row the most likely: likelihood, impact, band, count."""
    return [
        {"likelihood": likelihood, "impact": impact, "band": scoring.band(likelihood, impact),
         "score": scoring.score(likelihood, impact), "count": cells.get(f"{likelihood},{impact}", 0)}
        for likelihood in range(scoring.MAX_SCORE, 0, -1)
        for impact in range(1, scoring.MAX_SCORE + 1)
    ]


def due_within(days: int = 90, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or timezone.localdate()
    return today, today + datetime.timedelta(days=days)
