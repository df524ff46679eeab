"""Rolled-up exposure, concentration and fallback coverage, computed in the database.

Exposure is the sum, over the risks that are not closed, of residual likelihood x residual impact
times the weight of the dependency's criticality tier (CRITICALITY_WEIGHTS: tier 1 weighs 4, tier 4
weighs 1). Every function here is a handful of aggregate queries, whatever the number of rows:
`bench/exposure.py` holds them to that at 10,000 and 100,000 dependencies.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from riskregister.risks import scoring
from riskregister.risks.impact import covered_against_own_provider_ban, covered_exists
from riskregister.risks.models import Dependency, Risk
from vendors.reach import Event, events_q

GROUPINGS = ("team", "provider", "distributor", "jurisdiction")

# Per grouping: the Risk fields that name a group.
_GROUP_FIELDS = {
    "team": ("dependency__team_id", "dependency__team__slug", "dependency__team__name"),
    "provider": ("dependency__offering__model__provider_id", "dependency__offering__model__provider__slug", "dependency__offering__model__provider__name"),
    "distributor": ("dependency__offering__distributor_id", "dependency__offering__distributor__slug", "dependency__offering__distributor__name"),
}
_PROVIDER_COUNTRY = "dependency__offering__model__provider__headquarters_country"
_DISTRIBUTOR_COUNTRY = "dependency__offering__distributor__headquarters_country"


def critical_tiers() -> list[int]:
    return list(getattr(settings, "CRITICAL_TIERS", [1, 2]))


def criticality_weight_expression(field: str = "dependency__criticality") -> Case:
    """CRITICALITY_WEIGHTS as SQL."""
    return Case(
        *[When(**{field: tier}, then=Value(scoring.criticality_weight(tier))) for tier in (1, 2, 3, 4)],
        default=Value(0),
        output_field=IntegerField(),
    )


def residual_exposure_expression() -> F:
    return F("residual_likelihood") * F("residual_impact") * criticality_weight_expression()


def inherent_exposure_expression() -> F:
    return F("inherent_likelihood") * F("inherent_impact") * criticality_weight_expression()


def open_risks(*, team_ids: Iterable[int] | None = None) -> QuerySet[Risk]:
    # Archiving a dependency closes its risks; the filter on the dependency holds even if one of
    # them were reopened by hand in the admin.
    risks = Risk.objects.exclude(status=Risk.Status.CLOSED).filter(dependency__archived_at__isnull=True)
    if team_ids is not None:
        risks = risks.filter(dependency__team_id__in=list(team_ids))
    return risks


def _dependencies(*, team_ids: Iterable[int] | None = None) -> QuerySet[Dependency]:
    dependencies = Dependency.objects.all()
    if team_ids is not None:
        dependencies = dependencies.filter(team_id__in=list(team_ids))
    return dependencies


def _measures() -> dict:
    critical = Q(dependency__criticality__in=critical_tiers())
    return {
        "exposure": Coalesce(Sum(residual_exposure_expression()), 0),
        "inherent_exposure": Coalesce(Sum(inherent_exposure_expression()), 0),
        "risks": Count("id"),
        "dependencies": Count("dependency_id", distinct=True),
        "critical_dependencies": Count("dependency_id", filter=critical, distinct=True),
    }


def total_exposure(*, team_ids: Iterable[int] | None = None) -> dict:
    """The register's (or the teams') whole exposure: one query."""
    return dict(open_risks(team_ids=team_ids).aggregate(**_measures()))


def exposure_by(by: str, *, team_ids: Iterable[int] | None = None) -> list[dict]:
    """Exposure grouped by team, provider (across all its distributors), distributor or jurisdiction,
    worst first. Rows: key (id, or country code), slug, name, exposure, inherent_exposure, risks,
    dependencies, critical_dependencies.

    A jurisdiction holds every risk whose provider or distributor is headquartered there (what a
    ban by that country would reach), so a risk on a US model resold from France counts under both.
    """
    if by not in GROUPINGS:
        raise ValueError(f"exposure is grouped by one of {', '.join(GROUPINGS)}, not {by!r}")
    risks = open_risks(team_ids=team_ids)
    if by == "jurisdiction":
        return _exposure_by_jurisdiction(risks)
    key, slug, name = _GROUP_FIELDS[by]
    rows = risks.values(key, slug, name).annotate(**_measures()).order_by("-exposure", name)
    return [
        {"key": row[key], "slug": row[slug], "name": row[name], **{measure: row[measure] for measure in _measures()}}
        for row in rows
    ]


def _exposure_by_jurisdiction(risks: QuerySet[Risk]) -> list[dict]:
    # Two aggregate queries: by the provider's country, and by the distributor's where it differs
    # (so that a risk is counted once per country). The sums of distinct dependencies are exact
    # because the two sets are disjoint for a given country.
    by_country: dict[str, dict] = {}
    for field, queryset in (
        (_PROVIDER_COUNTRY, risks),
        (_DISTRIBUTOR_COUNTRY, risks.exclude(**{_DISTRIBUTOR_COUNTRY: F(_PROVIDER_COUNTRY)})),
    ):
        for row in queryset.values(field).annotate(**_measures()).order_by():
            country = row[field] or ""
            entry = by_country.setdefault(
                country, {"key": country, "slug": country.lower(), "name": country or "unknown", **dict.fromkeys(_measures(), 0)}
            )
            for measure in _measures():
                entry[measure] += row[measure]
    return sorted(by_country.values(), key=lambda entry: (-entry["exposure"], entry["key"]))


def concentration(*, team_ids: Iterable[int] | None = None) -> dict:
    """How much of the critical work hangs on one provider: the share of critical dependencies per
    provider (all distributors together), the largest share, and the Herfindahl index of the shares
    (1.0 = everything on one provider)."""
    rows = list(
        _dependencies(team_ids=team_ids)
        .filter(criticality__in=critical_tiers())
        .values("offering__model__provider_id", "offering__model__provider__slug", "offering__model__provider__name")
        .annotate(dependencies=Count("id"))
        .order_by("-dependencies", "offering__model__provider__name")
    )
    total = sum(row["dependencies"] for row in rows)
    providers = [
        {
            "key": row["offering__model__provider_id"],
            "slug": row["offering__model__provider__slug"],
            "name": row["offering__model__provider__name"],
            "dependencies": row["dependencies"],
            "share": round(row["dependencies"] / total, 4) if total else 0.0,
        }
        for row in rows
    ]
    return {
        "critical_tiers": critical_tiers(),
        "critical_dependencies": total,
        "top_provider": providers[0] if providers else None,
        "top_share": providers[0]["share"] if providers else 0.0,
        "hhi": round(sum((row["dependencies"] / total) ** 2 for row in rows), 4) if total else 0.0,
        "by_provider": providers,
    }


def fallback_coverage(*, team_ids: Iterable[int] | None = None, today: datetime.date | None = None) -> dict:
    """The share of critical dependencies with a way out of a ban of their own provider: a fallback
    tested within FALLBACK_TESTED_WITHIN_DAYS, usable, on another provider. Also counts the critical
    dependencies whose fallbacks are all correlated (same provider). One query."""
    from django.db.models import Exists, OuterRef

    from riskregister.risks.models import Fallback

    correlated = Exists(
        Fallback.objects.filter(dependency_id=OuterRef("pk"), offering__model__provider_id=OuterRef("offering__model__provider_id"))
    )
    counts = (
        _dependencies(team_ids=team_ids)
        .filter(criticality__in=critical_tiers())
        .annotate(_covered=covered_against_own_provider_ban(today=today), _correlated=correlated)
        .aggregate(
            critical_dependencies=Count("id"),
            covered=Count("id", filter=Q(_covered=True)),
            correlated_only=Count("id", filter=Q(_covered=False, _correlated=True)),
        )
    )
    total = counts["critical_dependencies"]
    return {
        "critical_tiers": critical_tiers(),
        "critical_dependencies": total,
        "covered": counts["covered"],
        "uncovered": total - counts["covered"],
        "share": round(counts["covered"] / total, 4) if total else 0.0,
        "only_correlated_fallbacks": counts["correlated_only"],
        "tested_within_days": settings.FALLBACK_TESTED_WITHIN_DAYS,
    }


def exposure_summary(*, team_ids: Iterable[int] | None = None) -> dict:
    """Everything at once, for a dashboard: total, every grouping, concentration, coverage."""
    team_ids = list(team_ids) if team_ids is not None else None
    return {
        "total": total_exposure(team_ids=team_ids),
        **{f"by_{by}": exposure_by(by, team_ids=team_ids) for by in GROUPINGS},
        "concentration": concentration(team_ids=team_ids),
        "fallback_coverage": fallback_coverage(team_ids=team_ids),
    }


def exposure_if(events: Iterable[Event], *, team_ids: Iterable[int] | None = None, today: datetime.date | None = None) -> dict:
    """Exposure before the events and after them, in one query. After: every risk of a dependency
    the events reach and no fallback covers goes to the top of the likelihood axis (the failure has
    happened and nothing takes over); covered dependencies keep their residual scores."""
    events = list(events)
    before = residual_exposure_expression()
    reached = events_q(events, "offering__")
    if reached is None:
        after = before
    else:
        # The hit dependencies as one uncorrelated subquery, which the database evaluates once, rather
        # than a coverage test repeated for each of a dependency's risks.
        hit = Dependency.objects.filter(reached).exclude(covered_exists(events, today=today)).values("id")
        after = Case(
            When(dependency_id__in=hit, then=Value(scoring.MAX_SCORE) * F("residual_impact") * criticality_weight_expression()),
            default=before,
            output_field=IntegerField(),
        )
    totals = open_risks(team_ids=team_ids).aggregate(before=Coalesce(Sum(before), 0), after=Coalesce(Sum(after), 0))
    return {"before": totals["before"], "after": totals["after"]}
