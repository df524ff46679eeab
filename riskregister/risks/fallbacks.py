"""Fallback suggestions: the offerings that would make a real way out for a dependency.

A real fallback survives what takes the dependency down. What it must survive is said as events
and decided by `vendors.reach` (the same rules as the blast radius, never a second copy):

- always a ban of the dependency's provider: a route sharing the provider is *correlated* (see
  `risks.impact.correlated_fallbacks`) and is never suggested;
- with `other_distributor`, an outage of the dependency's distributor;
- with `other_jurisdiction`, a ban of every provider and distributor headquartered in the
  dependency's provider's and distributor's countries.

Of the offerings left (usable, not already a fallback), those that could do the job: the same mode,
tool use and vision where the dependency's model has them, a context window at least half as large.
Each is scored, and the score comes with its reasons: context window, reasoning, price, another
distributor, another jurisdiction, the provider's own API, a deprecation, an outage now, unknown
capabilities. The list is varied: the best offering of each provider first, then the best route
of each further model, then second routes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from riskregister.risks.impact import usable_offering_q
from riskregister.risks.models import Dependency
from vendors.models import Lifecycle, Offering, OperationalStatus
from vendors.reach import Event, EventKind, EventLevel, events_q

MIN_CONTEXT_SHARE = 0.5  # a fallback with less than half the context window cannot take the same prompts
MAX_LIMIT = 50


@dataclass
class FallbackSuggestion:
    offering: Offering
    score: int
    reasons: list[str] = field(default_factory=list)  # what counts for it (and against it), in order
    rank: int = 0

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def events_to_survive(dependency: Dependency, *, other_jurisdiction: bool = False, other_distributor: bool = False) -> list[Event]:
    """What a suggested fallback must not be reached by."""
    primary = dependency.offering
    provider = primary.model.provider
    events = [Event(kind=EventKind.BAN, level=EventLevel.PROVIDER, target=provider.id, label=f"a ban of {provider.name}")]
    if other_distributor:
        events.append(Event(kind=EventKind.OUTAGE, level=EventLevel.DISTRIBUTOR, target=primary.distributor_id,
                            label=f"an outage of {primary.distributor.name}"))
    if other_jurisdiction:
        for country in sorted({provider.headquarters_country, primary.distributor.headquarters_country} - {""}):
            events.append(Event(kind=EventKind.BAN, level=EventLevel.JURISDICTION, target=country, label=f"a ban in {country}"))
    return events


def _total_price(offering: Offering) -> Decimal | None:
    if offering.input_price_per_mtok is None or offering.output_price_per_mtok is None:
        return None
    return offering.input_price_per_mtok + offering.output_price_per_mtok


def _tokens(count: int) -> str:
    return f"{count // 1000}k" if count >= 1000 else str(count)


def _candidates(dependency: Dependency, events: list[Event]):
    primary = dependency.offering
    model = primary.model
    reached = events_q(events)
    candidates = (
        Offering.objects.exclude(reached)
        # Usable: not withdrawn, or a route outliving its model's retirement on its own date.
        .filter(usable_offering_q(prefix=""))
        .exclude(pk=primary.pk)
        .exclude(pk__in=dependency.fallbacks.values("offering_id"))
        .select_related("model__provider", "distributor")
        # Thousands of rows after a catalog import: load only what the scoring reads.
        .only(
            "id", "model_id", "distributor_id", "distributor_model_id", "lifecycle", "status", "deprecation_date",
            "input_price_per_mtok", "output_price_per_mtok",
            "model__name", "model__slug", "model__provider_id", "model__mode", "model__context_window",
            "model__supports_tool_use", "model__supports_reasoning", "model__input_modalities", "model__lifecycle",
            "model__deprecation_date",
            "model__provider__name", "model__provider__slug", "model__provider__headquarters_country",
            "distributor__name", "distributor__slug", "distributor__headquarters_country",
        )
    )
    if model.mode:
        candidates = candidates.filter(Q(model__mode=model.mode) | Q(model__mode=""))
    if model.supports_tool_use:
        candidates = candidates.exclude(model__supports_tool_use=False)
    if model.context_window:
        candidates = candidates.exclude(model__context_window__lt=int(model.context_window * MIN_CONTEXT_SHARE))
    return candidates


def _score(candidate: Offering, primary: Offering) -> FallbackSuggestion | None:
    model, wanted = candidate.model, primary.model
    score, reasons = 100, [f"another provider ({model.provider.name})"]
    if wanted.supports_vision and candidate.model.supports_vision is False:
        return None  # the dependency sends images; this model reads none
    if not model.mode and model.context_window is None:
        score -= 15
        reasons.append("capabilities unknown (no catalog lists them)")
    if wanted.context_window and model.context_window:
        if model.context_window >= wanted.context_window:
            score += 10
            reasons.append(f"context window {_tokens(model.context_window)} ≥ {_tokens(wanted.context_window)}")
        else:
            score -= 20
            reasons.append(f"smaller context window ({_tokens(model.context_window)} < {_tokens(wanted.context_window)})")
    if wanted.supports_tool_use and model.supports_tool_use:
        score += 5
        reasons.append("tool use")
    if wanted.supports_vision and model.supports_vision:
        score += 5
        reasons.append("reads images")
    if wanted.supports_reasoning:
        if model.supports_reasoning:
            score += 5
            reasons.append("reasoning")
        elif model.supports_reasoning is False:
            score -= 10
            reasons.append("no reasoning mode")
    price, wanted_price = _total_price(candidate), _total_price(primary)
    if price is not None and wanted_price:
        ratio = float(price / wanted_price)
        if 0.5 <= ratio <= 1.5:
            score += 10
            reasons.append("similar price" if ratio >= 0.8 else "similar price, cheaper")
        elif ratio < 0.5:
            # Far cheaper is rarely the same class of model: no bonus, and said so.
            reasons.append(f"{ratio:.0%} of the price: likely a smaller model")
        else:
            score -= min(30, int(10 * (ratio - 1)))
            reasons.append(f"{ratio:.1f}× the price")
    if candidate.distributor_id != primary.distributor_id:
        score += 10
        reasons.append(f"another distributor ({candidate.distributor.name})")
    else:
        score -= 10
        reasons.append(f"same distributor: an outage of {candidate.distributor.name} takes both down")
    countries = {primary.model.provider.headquarters_country, primary.distributor.headquarters_country} - {""}
    theirs = {model.provider.headquarters_country, candidate.distributor.headquarters_country} - {""}
    if countries and theirs and not countries & theirs:
        score += 5
        reasons.append(f"another jurisdiction ({', '.join(sorted(theirs))})")
    if candidate.distributor_id == model.provider_id:
        score += 5
        reasons.append("the provider's own API")
    deprecated_on = candidate.deprecation_date or model.deprecation_date
    if candidate.lifecycle == Lifecycle.DEPRECATED or model.lifecycle == Lifecycle.DEPRECATED or deprecated_on:
        score -= 25
        reasons.append(f"deprecated{' on ' + deprecated_on.isoformat() if deprecated_on else ''}")
    if candidate.status in (OperationalStatus.MAJOR_OUTAGE, OperationalStatus.UNAVAILABLE, OperationalStatus.PARTIAL_OUTAGE):
        score -= 10
        reasons.append(f"{candidate.get_status_display()} now")
    return FallbackSuggestion(offering=candidate, score=score, reasons=reasons)


def fallback_suggestions(
    *, dependency: Dependency, other_jurisdiction: bool = False, other_distributor: bool = False, limit: int = 10
) -> list[FallbackSuggestion]:
    """The best `limit` offerings to fail over to, ranked (1 = best), each with its reasons."""
    dependency = Dependency.objects.select_related("offering__model__provider", "offering__distributor").get(pk=dependency.pk)
    limit = max(1, min(int(limit), MAX_LIMIT))
    events = events_to_survive(dependency, other_jurisdiction=other_jurisdiction, other_distributor=other_distributor)
    scored = []
    for candidate in _candidates(dependency, events):
        suggestion = _score(candidate, dependency.offering)
        if suggestion is not None:
            scored.append(suggestion)
    scored.sort(key=lambda s: (-s.score, _total_price(s.offering) is None, _total_price(s.offering) or 0, s.offering.model.name, s.offering.pk))
    # A varied list: the best of each provider first, then the best route of each other model, then
    # further routes of models already listed.
    providers, models, tiers = set(), set(), ([], [], [])
    for suggestion in scored:
        offering = suggestion.offering
        tier = 0 if offering.model.provider_id not in providers else (1 if offering.model_id not in models else 2)
        tiers[tier].append(suggestion)
        providers.add(offering.model.provider_id)
        models.add(offering.model_id)
    ranked = (tiers[0] + tiers[1] + tiers[2])[:limit]
    for rank, suggestion in enumerate(ranked, start=1):
        suggestion.rank = rank
    return ranked
