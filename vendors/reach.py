"""Which offerings an event reaches: the supply side of propagation.

Written once and used twice: for real changes (the alerts dispatcher, through
`riskregister.risks.impact.blast_radius`) and for changes on paper (scenarios). The rules:

| event                                                | reaches                                              |
|------------------------------------------------------|------------------------------------------------------|
| ban, retirement, suspension (anything but an outage  | every offering of every model of the provider,       |
| or incident) of a provider                           | through every distributor                            |
| anything of a model, but an outage or incident       | every offering of that model, through every          |
|                                                      | distributor, except, for a retirement or deprecation,|
|                                                      | a route with its own date for it after today         |
| outage or incident of a vendor (or a provider)       | only the offerings that vendor itself serves         |
|                                                      | (Offering.distributor == vendor): Anthropic's API    |
|                                                      | going down does not reach Bedrock users              |
| outage or incident of a model                        | that model's offering served by its own provider     |
|                                                      | (a provider's status page speaks for its own API)    |
| anything of a distributor                            | the offerings that distributor serves                |
| anything of an offering                              | that offering                                        |
| jurisdiction J                                       | every offering whose provider or distributor is      |
|                                                      | headquartered in J                                   |

Distributors retire the same model on their own dates: a model retired on its provider's API can
live months longer on Bedrock, or the reverse. A retirement or deprecation of a model (its lifecycle,
or a date of it announced) carries `date_field`, the date of the route it stands for; a route that
has its own such date, still to come, lives by that date (its own changes and countdowns), not by
the model's. For a deprecation, a route's own date is its deprecation date, else its retirement date.

Everything is a `Q` so that the reach can be applied in the database, from any model that leads to
an offering (`prefix="offering__"` from a Dependency or a Fallback): no row is loaded to decide.
Nothing here imports the register.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

import datetime as dt

from django.db import models
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from vendors.changes import regulatory_is_ban
from vendors.models import Lifecycle, Offering, StatusChange


class EventKind(models.TextChoices):
    BAN = "ban"
    RETIREMENT = "retirement"
    SUSPENSION = "suspension"
    OUTAGE = "outage"
    INCIDENT = "incident"
    PRICE_CHANGE = "price_change", "price change"
    POLICY_CHANGE = "policy_change", "policy change"
    DEPRECATION = "deprecation"
    # A Proposed Rule or a Notice naming a model or provider: it reaches what a ban would, so that
    # the teams are told and the risks come back for review, but it takes nothing down.
    REGULATORY_NOTICE = "regulatory_notice", "regulatory notice"


class EventLevel(models.TextChoices):
    PROVIDER = "provider"
    MODEL = "model"
    DISTRIBUTOR = "distributor"
    VENDOR = "vendor"
    OFFERING = "offering"
    JURISDICTION = "jurisdiction"


# Kinds that speak of a vendor's own service being down, not of a model being withdrawn.
SERVICE_KINDS = frozenset({EventKind.OUTAGE, EventKind.INCIDENT})

_LIFECYCLE_KINDS = {
    Lifecycle.BANNED: EventKind.BAN,
    Lifecycle.SUSPENDED: EventKind.SUSPENSION,
    Lifecycle.RETIRED: EventKind.RETIREMENT,
}

# The route dates a retirement or a deprecation of a model can stand for.
DATE_FIELDS = ("deprecation_date", "retirement_date")


@dataclass(frozen=True)
class Event:
    """Something that happens (or might) at one level of the supply chain.

    `target` is the id of a vendor, model or offering, or an ISO country code for a jurisdiction.
    `date_field` (a retirement or deprecation of a model): the route date it stands for; a route
    with its own such date after today is not reached (see the module's docstring). Empty: every
    route of the model (a scenario on paper).
    """

    kind: str
    level: str
    target: int | str
    change_id: int | None = None
    label: str = ""
    date_field: str = ""

    def __post_init__(self):
        # Plain strings, so that an Event built from EventKind.BAN equals (and hashes like) one built from "ban".
        object.__setattr__(self, "kind", str(self.kind))
        object.__setattr__(self, "level", str(self.level))
        if self.kind not in EventKind.values:
            raise ValueError(f"unknown event kind {self.kind!r}")
        if self.level not in EventLevel.values:
            raise ValueError(f"unknown event level {self.level!r}")
        if self.date_field and self.date_field not in DATE_FIELDS:
            raise ValueError(f"unknown route date {self.date_field!r}")
        if self.level == EventLevel.JURISDICTION:
            if not (isinstance(self.target, str) and len(self.target) == 2 and self.target.isalpha()):
                raise ValueError(f"a jurisdiction is an ISO 3166-1 alpha-2 code, not {self.target!r}")
            object.__setattr__(self, "target", self.target.upper())
        elif isinstance(self.target, bool) or not isinstance(self.target, int):
            raise ValueError(f"the target of a {self.level} event is an id, not {self.target!r}")

    @property
    def is_service_event(self) -> bool:
        return self.kind in SERVICE_KINDS


def own_later_date_q(date_field: str, prefix: str = "", today: dt.date | None = None) -> Q:
    """The condition a route meets when it has its own `date_field` still to come, so that a
    model's retirement or deprecation does not speak for it. A deprecation reads the route's own
    deprecation date, else its own retirement date."""
    today = today or timezone.localdate()
    p = prefix
    if date_field == "deprecation_date":
        return Q(**{f"{p}deprecation_date__gt": today}) | Q(
            **{f"{p}deprecation_date__isnull": True, f"{p}retirement_date__gt": today}
        )
    return Q(**{f"{p}{date_field}__gt": today})


def event_q(event: Event, prefix: str = "") -> Q:
    """The condition an Offering (reached through `prefix`) meets when `event` reaches it."""
    p = prefix
    target = event.target
    if event.level == EventLevel.OFFERING:
        return Q(**{f"{p}id": target})
    if event.level in (EventLevel.VENDOR, EventLevel.DISTRIBUTOR):
        return Q(**{f"{p}distributor_id": target})
    if event.level == EventLevel.PROVIDER:
        if event.is_service_event:
            # An outage of a provider is an outage of its own API, whatever the level was called.
            return Q(**{f"{p}distributor_id": target})
        return Q(**{f"{p}model__provider_id": target})
    if event.level == EventLevel.MODEL:
        if event.is_service_event:
            return Q(**{f"{p}model_id": target, f"{p}distributor_id": F(f"{p}model__provider_id")})
        if event.date_field:
            return Q(**{f"{p}model_id": target}) & ~own_later_date_q(event.date_field, p)
        return Q(**{f"{p}model_id": target})
    if event.level == EventLevel.JURISDICTION:
        return Q(**{f"{p}model__provider__headquarters_country": target}) | Q(
            **{f"{p}distributor__headquarters_country": target}
        )
    raise ValueError(f"unknown event level {event.level!r}")


def events_q(events: Iterable[Event], prefix: str = "") -> Q | None:
    """The union of the events' conditions; None when there are no events (nothing is reached)."""
    conditions = [event_q(event, prefix) for event in events]
    return reduce(or_, conditions) if conditions else None


def offerings_reached(events: Iterable[Event]) -> QuerySet[Offering]:
    """Every offering any of the events reaches, as one query."""
    condition = events_q(events)
    if condition is None:
        return Offering.objects.none()
    return Offering.objects.filter(condition)


def _vendor_level(vendor) -> str:
    # A vendor that makes models withdraws them everywhere; one that only resells withdraws its own offerings.
    return EventLevel.PROVIDER if vendor.provides_models else EventLevel.DISTRIBUTOR


def _subject_level_and_target(change: StatusChange) -> tuple[str, int]:
    if change.offering_id:
        return EventLevel.OFFERING, change.offering_id
    if change.model_id:
        return EventLevel.MODEL, change.model_id
    return _vendor_level(change.vendor), change.vendor_id


def event_from_change(change: StatusChange) -> Event | None:
    """The event a recorded change amounts to, by its subject and kind.

    - lifecycle to banned / suspended / retired: a ban / suspension / retirement at the subject's level
      (a vendor that provides models is level provider, one that only resells is level distributor);
      a lifecycle back from one of those (a ban lifted) is the same event, so that teams hear it ended;
      to deprecated: a deprecation. Preview to active breaks nothing and is no event.
      A retirement or deprecation carries the route date it stands for (`date_field`).
    - status or incident of a vendor: an outage or incident at level vendor (its own service only);
      of an offering: of that offering; of a model: of the provider's own offering of it.
      Recoveries (back to operational, incident resolved) map to the same event.
    - deprecation: a deprecation of the subject. Regulatory: a ban of the subject when it is a Rule
      (or a ban recorded by hand), a regulatory notice of it when a Proposed Rule or a Notice.
    """
    kind = change.kind
    if kind == StatusChange.Kind.LIFECYCLE:
        event_kind = _LIFECYCLE_KINDS.get(change.current_value) or _LIFECYCLE_KINDS.get(change.previous_value)
        if event_kind is None:
            if change.current_value != Lifecycle.DEPRECATED:
                return None
            event_kind = EventKind.DEPRECATION
        level, target = _subject_level_and_target(change)
    elif kind in (StatusChange.Kind.STATUS, StatusChange.Kind.INCIDENT):
        event_kind = EventKind.INCIDENT if kind == StatusChange.Kind.INCIDENT else EventKind.OUTAGE
        if change.offering_id:
            level, target = EventLevel.OFFERING, change.offering_id
        elif change.model_id:
            level, target = EventLevel.MODEL, change.model_id
        else:
            level, target = EventLevel.VENDOR, change.vendor_id
    elif kind == StatusChange.Kind.DEPRECATION:
        event_kind = EventKind.DEPRECATION
        level, target = _subject_level_and_target(change)
    elif kind == StatusChange.Kind.REGULATORY:
        event_kind = EventKind.BAN if regulatory_is_ban(change.current_value) else EventKind.REGULATORY_NOTICE
        level, target = _subject_level_and_target(change)
    else:
        return None
    return Event(kind=str(event_kind), level=str(level), target=target, change_id=change.id, label=change.title,
                 date_field=_route_date_of(change, event_kind))


def _route_date_of(change: StatusChange, event_kind: str) -> str:
    """The route date a retirement or deprecation stands for (`Event.date_field`)."""
    if event_kind == EventKind.RETIREMENT:
        return "retirement_date"
    if event_kind == EventKind.DEPRECATION:
        if change.kind == StatusChange.Kind.DEPRECATION:
            field = (change.details or {}).get("field", "deprecation_date")
            return field if field in DATE_FIELDS else "deprecation_date"
        return "deprecation_date"
    return ""
