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
from riskregister.web.models import SiteRollup, TeamRollup
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


def _fold_entry(target: dict, key, entry: dict, measures: tuple[str, ...], sign: int) -> None:
    row = target.setdefault(str(key), {"slug": entry["slug"], "name": entry["name"], **dict.fromkeys(measures, 0)})
    if sign > 0:
        row["slug"], row["name"] = entry["slug"], entry["name"]
    for measure in measures:
        row[measure] += sign * entry[measure]
    # A team's rows never hold an all-zero entry, so neither does a sum of them.
    if not any(row[measure] for measure in measures):
        del target[str(key)]


def _empty_sum() -> dict:
    return {**_empty(), "by_team": {}}


def _fold(summed: dict, figures: dict, sign: int = 1) -> None:
    """Add one team's figures to a sum (`sign` -1 takes them away again: every figure is additive)."""
    for measure in MEASURES:
        summed["total"][measure] += sign * figures["total"][measure]
    for by in ("by_provider", "by_distributor", "by_jurisdiction"):
        for key, entry in figures[by].items():
            _fold_entry(summed[by], key, entry, MEASURES, sign)
    for key, entry in figures["critical_by_provider"].items():
        _fold_entry(summed["critical_by_provider"], key, entry, ("dependencies",), sign)
    for key in summed["coverage"]:
        summed["coverage"][key] += sign * figures["coverage"][key]
    for kind in ("residual", "inherent"):
        cells = summed["heat"][kind]
        for cell, count in figures["heat"][kind].items():
            cells[cell] = cells.get(cell, 0) + sign * count
            if not cells[cell]:
                del cells[cell]
    for key, entry in figures["upstream"].items():
        counted = {**entry, "teams": 1 if entry["dependencies"] else 0}
        _fold_entry(summed["upstream"], key, counted, ("dependencies", "direct", "teams"), sign)


def _team_row(team_id: int, slug: str, name: str, figures: dict) -> dict:
    return {"key": team_id, "slug": slug, "name": name, **figures["total"]}


def _summed(teams: Iterable[tuple[int, str, str, dict]]) -> dict:
    """The sum of some teams' figures, given as (id, slug, name, figures), each team's totals under
    "by_team"."""
    summed = _empty_sum()
    for team_id, slug, name, figures in teams:
        _fold(summed, figures)
        summed["by_team"][str(team_id)] = _team_row(team_id, slug, name, figures)
    return summed


def site_sum(rollups: Iterable[TeamRollup]) -> dict:
    """The sum of some teams' stored rollups, each team's totals under "by_team"."""
    return _summed((rollup.team_id, rollup.team.slug, rollup.team.name, rollup.figures or _empty()) for rollup in rollups)


def rollups_refresh(*, team_ids: Iterable[int] | None = None) -> int:
    """Recompute and store the rollups of these teams (every team when None) and the site-wide sum;
    returns how many teams."""
    full = team_ids is None
    if full:
        team_ids = list(Team.objects.values_list("id", flat=True))
    team_ids = sorted(set(team_ids))
    if not team_ids:
        return 0
    figures = team_figures(team_ids=team_ids)
    teams = {team.id: team for team in Team.objects.filter(id__in=team_ids).only("id", "slug", "name")}
    team_ids = [team_id for team_id in team_ids if team_id in teams]
    now = timezone.now()
    with transaction.atomic():
        # The site row is locked first, so that two refreshes of one team take its old figures out
        # of the sum one after the other (the lock SiteRollup's docstring relies on).
        site = SiteRollup.objects.select_for_update().filter(pk=1).first()
        old = {} if full or site is None else dict(
            TeamRollup.objects.filter(team_id__in=team_ids).values_list("team_id", "figures")
        )
        existing = set(TeamRollup.objects.filter(team_id__in=team_ids).values_list("team_id", flat=True))
        TeamRollup.objects.bulk_create(
            [TeamRollup(team_id=team_id, computed_at=now, figures=figures[team_id]) for team_id in team_ids if team_id not in existing]
        )
        for team_id in team_ids:
            if team_id in existing:
                TeamRollup.objects.filter(team_id=team_id).update(computed_at=now, figures=figures[team_id])
        if full:
            summed = _summed((team_id, teams[team_id].slug, teams[team_id].name, figures[team_id]) for team_id in team_ids)
            SiteRollup.objects.update_or_create(pk=1, defaults={"computed_at": now, "figures": summed})
        elif site is None:
            rollups = list(TeamRollup.objects.select_related("team"))
            SiteRollup.objects.update_or_create(pk=1, defaults={
                "computed_at": min(rollup.computed_at for rollup in rollups), "figures": site_sum(rollups),
            })
        else:
            summed = site.figures
            for team_id in team_ids:
                if team_id in old:
                    _fold(summed, old[team_id] or _empty(), -1)
                _fold(summed, figures[team_id])
                summed["by_team"][str(team_id)] = _team_row(team_id, teams[team_id].slug, teams[team_id].name, figures[team_id])
            site.save(update_fields=["figures"])
    return len(team_ids)


def _sorted_rows(groups: dict, measure: str = "exposure") -> list[dict]:
    return sorted(({"key": key, **entry} for key, entry in groups.items()), key=lambda row: (-row[measure], row["name"] or ""))


def dashboard_figures(*, team_ids: Iterable[int] | None = None) -> dict:
    """The summed figures of the teams, read in one query: the site-wide row for every team (None),
    else the teams' own rollups summed. A team without a rollup yet (new since the last refresh)
    has it computed here once."""
    if team_ids is None:
        site = SiteRollup.objects.first()
        if site is None:
            rollups_refresh()
            site = SiteRollup.objects.first()
        return _present(site.figures if site else _empty_sum(), site.computed_at if site else None)
    team_ids = set(team_ids)
    rollups = list(TeamRollup.objects.select_related("team").filter(team_id__in=team_ids))
    if team_ids - {rollup.team_id for rollup in rollups}:
        rollups_refresh(team_ids=team_ids - {rollup.team_id for rollup in rollups})
        rollups = list(TeamRollup.objects.select_related("team").filter(team_id__in=team_ids))
    return _present(site_sum(rollups), min((rollup.computed_at for rollup in rollups), default=None))


def _present(summed: dict, as_of) -> dict:
    """What the dashboard shows of a sum: sorted groups, shares, the Herfindahl index, coverage."""
    critical_by_provider = {key: dict(entry) for key, entry in summed["critical_by_provider"].items()}
    critical_total = sum(entry["dependencies"] for entry in critical_by_provider.values())
    providers = sorted(critical_by_provider.values(), key=lambda entry: (-entry["dependencies"], entry["name"]))
    for entry in providers:
        entry["share"] = round(entry["dependencies"] / critical_total, 4) if critical_total else 0.0
    coverage = summed["coverage"]
    upstream = [{"key": key, **entry} for key, entry in summed["upstream"].items()]
    return {
        "as_of": as_of,
        "teams": len(summed["by_team"]),
        "total": dict(summed["total"]),
        "by_team": sorted(summed["by_team"].values(), key=lambda row: (-row["exposure"], row["name"])),
        "by_provider": _sorted_rows(summed["by_provider"]),
        "by_distributor": _sorted_rows(summed["by_distributor"]),
        "by_jurisdiction": _sorted_rows(summed["by_jurisdiction"]),
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
        "heat": {kind: dict(cells) for kind, cells in summed["heat"].items()},
        "upstream": sorted(upstream, key=lambda row: (-row["teams"], -row["dependencies"], row["name"])),
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
