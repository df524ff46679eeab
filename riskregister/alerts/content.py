"""What an alert email says. Everything is first turned into a JSON payload (kept on the Alert, so
that a digest can be written later from the rows alone), then rendered by the templates under
alerts/email/."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string

from vendors.models import severity_rank

if TYPE_CHECKING:
    from riskregister.risks.impact import AffectedDependency
    from riskregister.teams.models import Team
    from vendors.models import StatusChange


@dataclass
class Message:
    subject: str
    text: str
    html: str
    payload: dict


def team_url(team) -> str:
    return f"{settings.SITE_URL}/teams/{team.slug}/"


def _offering_label(offering) -> str:
    return f"{offering.model.name} via {offering.distributor.name}"


def _subject_label(change: StatusChange) -> str:
    if change.offering_id:
        return _offering_label(change.offering)
    if change.model_id:
        return change.model.name
    return change.vendor.name


def change_payload(change: StatusChange) -> dict:
    return {
        "id": change.id,
        "kind": change.kind,
        "severity": change.severity,
        "subject": _subject_label(change),
        "title": change.title,
        "previous_value": change.previous_value,
        "current_value": change.current_value,
        "link": change.link,
        "manual": change.source_id is None,
        "effective_at": change.effective_at.isoformat() if change.effective_at else None,
    }


def successor_of(offering):
    """What the route's users are told to move to: the route's own successor, else its model's."""
    return offering.successor or offering.model.successor


def successors(offering) -> list:
    """The route's own successor (a distributor may point elsewhere) and its model's, each once."""
    return list(dict.fromkeys(s for s in (offering.successor, offering.model.successor) if s is not None))


# Replacement routes named per dependency: the successor's routes, same distributor first.
MAX_REPLACEMENT_ROUTES = 5


def replacement_routes(affected: list[AffectedDependency]) -> dict[int, list]:
    """Successor model id -> its usable routes (offerings), for every successor the affected
    dependencies' routes or models name. One query."""
    from riskregister.risks.impact import usable_offering_q
    from vendors.models import Offering

    wanted = {successor.id for item in affected for successor in successors(item.dependency.offering)}
    if not wanted:
        return {}
    routes = (
        Offering.objects.filter(usable_offering_q(prefix=""), model_id__in=wanted)
        .select_related("model", "distributor").order_by("distributor__name", "id")
    )
    found: dict[int, list] = {}
    for route in routes:
        found.setdefault(route.model_id, []).append(route)
    return found


def replacement_options(dependency, routes_by_model: dict[int, list]) -> list[str]:
    """Where a dependency can go: the successors' routes (through its own distributor first, then
    the others), then the fallbacks already on file; each once, the dependency's own route never."""
    offering = dependency.offering
    options = []
    for successor in successors(offering):
        routes = routes_by_model.get(successor.id, [])
        same = [r for r in routes if r.distributor_id == offering.distributor_id]
        options += [r for r in same + [r for r in routes if r not in same]][:MAX_REPLACEMENT_ROUTES]
    labels = [_offering_label(route) for route in options if route.id != offering.id]
    labels += [_offering_label(fallback.offering) for fallback in dependency.fallbacks.all()]
    return list(dict.fromkeys(labels))


def dependency_payload(item: AffectedDependency, replacements: dict | None = None) -> dict:
    dependency = item.dependency
    offering = dependency.offering
    successor = successor_of(offering)
    return {
        "id": dependency.id,
        "system": dependency.system,
        "environment": dependency.environment,
        "criticality": dependency.criticality,
        "criticality_label": dependency.get_criticality_display(),
        "offering": _offering_label(offering),
        "covered": bool(item.covered),
        "reason": item.reason,
        "covering_fallbacks": [_offering_label(fallback.offering) for fallback in item.covering_fallbacks],
        "correlated_fallbacks": [_offering_label(fallback.offering) for fallback in item.correlated_fallbacks],
        # What to move to: the route's own successor, else the model's (`successor`); both by name.
        "successor": successor.name if successor else None,
        "model_successor": offering.model.successor.name if offering.model.successor else None,
        "route_successor": offering.successor.name if offering.successor else None,
        # Where to go: the successors' routes, then the fallbacks already on file.
        "replacements": replacement_options(dependency, replacements or {}),
        "fallbacks": [_offering_label(fallback.offering) for fallback in dependency.fallbacks.all()],
    }


def headline(changes: list[dict]) -> dict:
    """The change that names the email: the most severe, the first of equals."""
    return max(changes, key=lambda change: severity_rank(change["severity"]))


def change_subject(changes: list[dict], services: int, *, recovered: bool = False, confirmation: bool = False) -> str:
    top = headline(changes)
    title = top["title"]
    name = title if title.lower().startswith(top["subject"].lower()) else f"{top['subject']}: {title}"
    more = f" (+{len(changes) - 1} more)" if len(changes) > 1 else ""
    # "1 of your services", like "3 of your services": the count is out of all of the team's services.
    # Only trouble is "affected": the end of an event is told as such, never as an outage.
    if recovered:
        what = "back to normal"
    elif confirmation:
        what = "confirms an event already announced"
    else:
        what = "affected"
    return f"[{top['severity']}] {name}{more} — {services} of your services {what}"


def change_alert(
    *, team: Team, changes: list[StatusChange], affected: list[AffectedDependency],
    recoveries: set[int] = frozenset(), confirmation: bool = False,
) -> Message:
    """`recoveries`: ids of the changes that end an event the team was told of; an email made only
    of those says so in its subject. `confirmation`: only folded changes (a digest entry)."""
    replacements = replacement_routes(affected)
    dependencies = sorted(
        (dependency_payload(item, replacements) for item in affected), key=lambda d: (d["criticality"], d["system"], d["environment"])
    )
    payload = {"team": team.slug, "changes": [change_payload(change) for change in changes], "dependencies": dependencies}
    services = len({(d["system"], d["environment"]) for d in dependencies})
    recovered = bool(changes) and all(change.id in recoveries for change in changes)
    subject = change_subject(payload["changes"], services, recovered=recovered, confirmation=confirmation)
    context = {**payload, "team_name": team.name, "team_url": team_url(team), "subject": subject,
               "site_url": settings.SITE_URL, "uncovered": sum(1 for d in dependencies if not d["covered"])}
    return Message(
        subject=subject,
        text=render_to_string("alerts/email/change.txt", context),
        html=render_to_string("alerts/email/change.html", context),
        payload=payload,
    )


def render(template: str, context: dict) -> tuple[str, str]:
    context = {**context, "site_url": settings.SITE_URL}
    return (
        render_to_string(f"alerts/email/{template}.txt", context),
        render_to_string(f"alerts/email/{template}.html", context),
    )
