"""What-if scenarios: the real propagation (`impact.blast_radius`) run on paper.

`parse_events` reads event specs as the command line, the API and saved scenarios write them
(`{"kind", "level", "target"}`, the target an id, a slug or a country code); `run_scenario` returns
the one result shape the command's `--json`, the API and the web pages share:

    {"events": [{"kind", "level", "target", "label"}],
     "teams": [{"slug", "name", "dependencies": [{"id", "system", "offering", "criticality",
                "covered", "reason", "correlated_fallbacks": [{"id", "offering", "tested_on"}]}]}],
     "exposure": {"before", "after"},
     "summary": {"teams", "dependencies", "covered", "uncovered"}}
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError

from riskregister.risks.exposure import exposure_if
from riskregister.risks.impact import blast_radius
from riskregister.risks.models import SavedScenario
from vendors.models import AIModel, Offering, Vendor
from vendors.reach import Event, EventKind, EventLevel

VENDOR_LEVELS = (EventLevel.PROVIDER, EventLevel.DISTRIBUTOR, EventLevel.VENDOR)

# The what-ifs people ask by name (the `scenario` command's options, the what-if page's fields):
# name -> (kind, level) of the event it stands for.
EVENT_OPTIONS = {
    "ban_provider": ("ban", "provider"),
    "ban_model": ("ban", "model"),
    "retire_model": ("retirement", "model"),
    "outage_distributor": ("outage", "distributor"),
    "outage_vendor": ("outage", "vendor"),
    "jurisdiction": ("ban", "jurisdiction"),
}


def _refuse(field: str, index: int, message: str):
    raise ValidationError({field: [f"Event {index + 1}: {message}"]})


def _lookup(model, target, index: int, what: str):
    """An id (int or digits) or a slug."""
    if isinstance(target, bool):
        _refuse("target", index, f"name the {what} by id or slug.")
    if isinstance(target, int) or (isinstance(target, str) and target.isdigit()):
        found = model.objects.filter(pk=int(target)).first()
    elif isinstance(target, str) and hasattr(model, "slug"):
        found = model.objects.filter(slug=target.strip().lower()).first()
    else:
        found = None
        _refuse("target", index, f"name the {what} by {'id or slug' if hasattr(model, 'slug') else 'id'}.")
    if found is None:
        _refuse("target", index, f"no {what} {target!r}.")
    return found


def _label(kind: str, level: str, subject) -> str:
    kind_label = kind.replace("_", " ")
    if level == EventLevel.JURISDICTION:
        return f"{kind_label} in jurisdiction {subject}"
    level_label = {"vendor": "own service of"}.get(level, level)
    return f"{kind_label} of {level_label} {subject}"


def parse_events(specs: Iterable[dict]) -> list[Event]:
    """Events from specs; a bad spec raises ValidationError naming its field (kind, level or target)."""
    events = []
    specs = list(specs or [])
    if not specs:
        raise ValidationError({"events": ["A scenario needs at least one event."]})
    for index, spec in enumerate(specs):
        if not isinstance(spec, dict):
            _refuse("events", index, "an event is an object with kind, level and target.")
        kind, level, target = spec.get("kind"), spec.get("level"), spec.get("target")
        if kind not in EventKind.values:
            _refuse("kind", index, f"kind must be one of {', '.join(EventKind.values)}.")
        if level not in EventLevel.values:
            _refuse("level", index, f"level must be one of {', '.join(EventLevel.values)}.")
        if level == EventLevel.JURISDICTION:
            if not (isinstance(target, str) and len(target.strip()) == 2 and target.strip().isalpha()):
                _refuse("target", index, "a jurisdiction is an ISO 3166-1 alpha-2 country code such as US.")
            code = target.strip().upper()
            events.append(Event(kind, level, code, label=_label(kind, level, code)))
            continue
        if level in VENDOR_LEVELS:
            subject = _lookup(Vendor, target, index, "vendor")
            if level == EventLevel.PROVIDER and not subject.provides_models:
                _refuse("target", index, f"{subject.slug} provides no models; use level distributor or vendor.")
        elif level == EventLevel.MODEL:
            subject = _lookup(AIModel, target, index, "model")
        else:
            subject = _lookup(Offering, target, index, "offering")
            subject = Offering.objects.select_related("model", "distributor").get(pk=subject.pk)
        events.append(Event(kind, level, subject.pk, label=_label(kind, level, subject)))
    return events


def event_spec(event: Event) -> dict:
    return {"kind": event.kind, "level": event.level, "target": event.target, "label": event.label}


def run_scenario(events: Iterable[Event], *, team_ids: Iterable[int] | None = None, today: datetime.date | None = None) -> dict:
    """The blast radius of the events and the exposure they would leave, as plain JSON values."""
    events = list(dict.fromkeys(events))
    team_ids = list(team_ids) if team_ids is not None else None
    radius = blast_radius(events, team_ids=team_ids, today=today)
    teams = []
    for team, affected in radius.by_team().items():
        teams.append(
            {
                "slug": team.slug,
                "name": team.name,
                "dependencies": [
                    {
                        "id": item.dependency.pk,
                        "system": item.dependency.system,
                        "offering": str(item.dependency.offering),
                        "criticality": item.dependency.criticality,
                        "covered": item.covered,
                        "reason": item.reason,
                        "correlated_fallbacks": [
                            {
                                "id": fallback.pk,
                                "offering": str(fallback.offering),
                                "tested_on": fallback.tested_on.isoformat() if fallback.tested_on else None,
                            }
                            for fallback in item.correlated_fallbacks
                        ],
                    }
                    for item in affected
                ],
            }
        )
    return {
        "events": [event_spec(event) for event in radius.events],
        "teams": teams,
        "exposure": exposure_if(radius.events, team_ids=team_ids, today=today),
        "summary": {
            "teams": len(teams),
            "dependencies": len(radius.affected),
            "covered": radius.covered_count,
            "uncovered": radius.uncovered_count,
        },
    }


def run_saved_scenario(saved: SavedScenario, *, team_ids: Iterable[int] | None = None) -> dict:
    """Re-run a saved scenario against the register as it is now."""
    return run_scenario(parse_events(saved.events), team_ids=team_ids)


def scenario_save(*, name: str, events: Iterable[dict], actor=None, description: str = "", team=None) -> SavedScenario:
    """Keep a scenario under a name. Events are checked first and stored as specs by id, so that a
    renamed slug does not break it. A reviewer's (or admin's) is site-wide; a lead saves one for a team
    they lead (`team`). Saving again under one's own name replaces it; a name someone else saved is
    refused, never overwritten. `actor=None` is the operator at the command line."""
    from django.core.exceptions import PermissionDenied

    from riskregister.teams.access import can_edit_team, is_admin, is_reviewer

    if actor is not None:
        if team is None and not (is_reviewer(actor) or is_admin(actor)):
            raise PermissionDenied("Only risk reviewers and admins save site-wide scenarios; a lead saves one for a team.")
        if team is not None and not (can_edit_team(actor, team.pk) or is_reviewer(actor)):
            raise PermissionDenied("Only the team's leads save scenarios for it.")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["A saved scenario needs a name."]})
    parsed = parse_events(events)
    specs = [{"kind": event.kind, "level": event.level, "target": event.target} for event in parsed]
    existing = SavedScenario.objects.filter(name=name).first()
    if existing is not None and actor is not None and existing.created_by_id != actor.pk:
        raise ValidationError({"name": ["Someone else saved a scenario under this name; choose another."]})
    saved, _ = SavedScenario.objects.update_or_create(
        name=name, defaults={"events": specs, "description": description, "created_by": actor, "team": team}
    )
    return saved
