"""Whether a change is news to a team, or folded into an event the team was already told of.

`fold_into` is the one rule; the dispatcher (alerts/dispatch.py) asks it once per change and team.
It is handed the change and the *candidates*: the open events already announced to the team whose
stored reach, for that team, holds every dependency the change reaches (the change lies within them).

| change                                              | candidate event (open, announced, covering)    | verdict                  |
|-----------------------------------------------------|------------------------------------------------|--------------------------|
| a recovery (ban lifted, back to operational, resolved) | any                                          | news                     |
| anything                                            | none                                           | news                     |
| a route of a banned model going unavailable         | the ban of the model (or of its provider)      | folded into the ban      |
| a retired model vanishing from a model list         | the retirement of the model                    | folded                   |
| the same incident seen on a second page             | an incident (other source) as severe           | folded                   |
| an update of an open outage or incident, not worse  | its own event                                  | folded                   |
| an update that is worse (minor -> major)            | its own event                                  | news (escalation)        |
| a ban of every route                                | a suspension on one distributor                | news (escalation)        |
| a retirement                                        | an outage                                      | news (escalation)        |
| a second incident of the same page (other id)       | the first incident of that page                | news (another incident)  |
| a deprecation date set or moved                     | its own deprecation event                      | news (the date is news)  |

"At least as severe" is two orders, both of which the candidate must meet: the kind of trouble
(`TROUBLE_RANK`: a ban explains everything below it) and the change's severity.
"""

from __future__ import annotations

from dataclasses import dataclass

from vendors.models import severity_at_least, severity_rank
from vendors.reach import EventKind


# How much of the supply chain a kind of trouble takes down; a candidate must rank at least as high.
TROUBLE_RANK = {
    EventKind.BAN: 5,
    EventKind.SUSPENSION: 4,
    EventKind.RETIREMENT: 4,
    EventKind.OUTAGE: 3,
    EventKind.INCIDENT: 3,
    EventKind.PRICE_CHANGE: 1,
    EventKind.POLICY_CHANGE: 1,
    EventKind.DEPRECATION: 1,
}


@dataclass(frozen=True)
class Trouble:
    """The facts the rule needs of a change or of an open event."""

    kind: str
    severity: str
    event_id: int | None = None
    source_id: int | None = None
    external_id: str = ""


def _at_least_as_severe(candidate: Trouble, change: Trouble) -> bool:
    return (
        TROUBLE_RANK.get(candidate.kind, 0) >= TROUBLE_RANK.get(change.kind, 0)
        and severity_at_least(candidate.severity, change.severity)
    )


def fold_into(*, change: Trouble, recovery: bool, candidates: list[Trouble]) -> int | None:
    """The id of the event `change` is folded into for a team, or None when it is news to the team.

    `change.event_id` is the change's own event (None when it opens one); `candidates` are as the
    module says. The strongest candidate wins, so a folded change hangs on the ban rather than on an
    outage the ban also explains.
    """
    if recovery:
        return None
    ordered = sorted(
        candidates, key=lambda c: (TROUBLE_RANK.get(c.kind, 0), severity_rank(c.severity)), reverse=True
    )
    for candidate in ordered:
        own = candidate.event_id is not None and candidate.event_id == change.event_id
        if own and change.kind == EventKind.DEPRECATION:
            continue
        if not _at_least_as_severe(candidate, change):
            continue
        if (
            not own
            and change.kind == EventKind.INCIDENT
            and candidate.kind == EventKind.INCIDENT
            and change.source_id is not None
            and candidate.source_id == change.source_id
        ):
            continue  # one page, two incident ids: two incidents
        return candidate.event_id
    return None
