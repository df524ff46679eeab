"""Changes recorded by hand (the record_change command, the admin form): an event no source
reported, written through vendors' `status_change_record` as a batch of its own, so that it
updates the subject's state and travels the same dispatch path as a detected change."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from vendors.changes import rate
from vendors.models import AIModel, Lifecycle, Offering, OperationalStatus, StatusChange, Vendor
from vendors.services import status_change_record

# The kind of change each kind of value makes.
VALUE_KINDS = {
    StatusChange.Kind.LIFECYCLE: set(Lifecycle.values),
    StatusChange.Kind.STATUS: set(OperationalStatus.values),
}


def _label(subject) -> str:
    return str(subject)


def manual_change_record(
    *,
    kind: str,
    value: str,
    vendor: Vendor | None = None,
    model: AIModel | None = None,
    offering: Offering | None = None,
    title: str = "",
    link: str = "",
    severity: str | None = None,
    effective_date: dt.date | None = None,
    recorded_by=None,
) -> StatusChange:
    """Record one manual change; severity defaults to what vendors rates such a change."""
    allowed = VALUE_KINDS.get(kind)
    if allowed is not None and value not in allowed:
        raise ValidationError({"value": [f"{value!r} is not a {kind} value; use one of {', '.join(sorted(allowed))}."]})
    subject = vendor or model or offering
    effective_at = None
    if effective_date is not None:
        effective_at = timezone.make_aware(dt.datetime.combine(effective_date, dt.time.min))
    change = status_change_record(
        kind=kind,
        title=title or f"{_label(subject)}: {value.replace('_', ' ')}",
        severity=severity or rate(kind, current=value),
        vendor=vendor,
        model=model,
        offering=offering,
        current_value=value,
        raw_value=value,
        link=link,
        recorded_by=recorded_by,
        effective_at=effective_at,
        details={"recorded": "manual"},
    )
    return change
