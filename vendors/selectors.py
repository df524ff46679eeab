"""Reads of the supply side that take more than a one-line query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from vendors.models import AIModel, LifecycleFact, Offering, StatusSource


def sources_due(*, now: dt.datetime | None = None, source_ids: Iterable[int] | None = None, force: bool = False) -> QuerySet[StatusSource]:
    """Sources to check, most overdue first: enabled and due, or the named ones (due or not with `force`)."""
    now = now or timezone.now()
    sources = StatusSource.objects.select_related("vendor").order_by(F("next_check_at").asc(nulls_first=True), "id")
    if source_ids is not None:
        sources = sources.filter(id__in=list(source_ids))
    else:
        sources = sources.filter(enabled=True)
    if not force:
        sources = sources.filter(Q(next_check_at__isnull=True) | Q(next_check_at__lte=now))
    return sources


def unknown_source_ids(source_ids: Iterable[int]) -> list[int]:
    wanted = set(source_ids)
    return sorted(wanted - set(StatusSource.objects.filter(id__in=wanted).values_list("id", flat=True)))


def offerings_by_distributor_model_id() -> dict[str, list[Offering]]:
    """Every offering under its distributor's model id, lower-cased (one id may name several routes)."""
    index: dict[str, list[Offering]] = {}
    for offering in Offering.objects.select_related("model", "distributor"):
        index.setdefault(offering.distributor_model_id.lower(), []).append(offering)
    return index


def models_by_name(*, display_names: bool = False) -> dict[str, AIModel]:
    """Every model under its slug and aliases (and its display name with `display_names`), lower-cased;
    the first model to claim a name keeps it."""
    index: dict[str, AIModel] = {}
    for model in AIModel.objects.select_related("provider"):
        names = [model.slug, *(model.aliases or [])]
        if display_names:
            names.insert(1, model.name)
        for name in names:
            index.setdefault(str(name).strip().lower(), model)
    return index


def models_by_provider_and_name() -> dict[tuple[int, str], AIModel]:
    """Every model under (its provider's id, its slug / alias / display name, lower-cased): the
    catalog import matches a maker's entries against that maker's models only."""
    index: dict[tuple[int, str], AIModel] = {}
    for model in AIModel.objects.order_by("id"):
        for name in [model.slug, model.name, *(model.aliases or [])]:
            index.setdefault((model.provider_id, str(name).strip().lower()), model)
    return index


@dataclass(frozen=True)
class WorstCase:
    """The model's worst lifecycle across its routes, and the earliest dates any route (or the model
    itself) announced, with the route that announced each."""

    lifecycle: str
    deprecation_date: dt.date | None
    deprecation_route: Offering | None
    retirement_date: dt.date | None
    retirement_route: Offering | None


_LIFECYCLE_BADNESS = ["preview", "active", "deprecated", "suspended", "retired", "banned"]


def model_worst_case(model: AIModel) -> WorstCase:
    """What a model page shows: the worst of the model and every route of it (one query, none when
    the offerings are prefetched)."""
    routes = sorted(model.offerings.all(), key=lambda route: route.id)

    def earliest(field: str):
        dated = [(getattr(route, field), route) for route in routes if getattr(route, field)]
        own = getattr(model, field)
        if own and not any(date <= own for date, _ in dated):
            return own, None
        return min(dated, key=lambda pair: (pair[0], pair[1].id)) if dated else (None, None)

    lifecycle = max([model.lifecycle, *(route.lifecycle for route in routes)], key=_LIFECYCLE_BADNESS.index)
    deprecation, deprecation_route = earliest("deprecation_date")
    retirement, retirement_route = earliest("retirement_date")
    return WorstCase(lifecycle, deprecation, deprecation_route, retirement, retirement_route)


def current_facts(subject: Offering | AIModel) -> dict[str, LifecycleFact]:
    """The newest fact per field of one subject: where its status, dates and successor came from.
    Uses prefetched `facts` when there are (see `facts_prefetch`)."""
    newest: dict[str, LifecycleFact] = {}
    for fact in sorted(subject.facts.all(), key=lambda fact: (fact.retrieved_at, fact.id)):
        newest[fact.field] = fact
    return newest


def facts_prefetch():
    from django.db.models import Prefetch

    return Prefetch("facts", queryset=LifecycleFact.objects.select_related("status_source", "recorded_by"))


def offering_safe_until(offering: Offering, *, today: dt.date | None = None) -> dt.date | None:
    """The route's announced retirement date, or today + the distributor's (else the provider's)
    minimum notice when none is announced; None when neither is known."""
    return offering.safe_until(today)
