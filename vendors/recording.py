"""The one write path for StatusChanges: the checks, the admin form, the `record_change` command and
the API all come through here, with the same validation and the same rating.

- `status_change_record` stores one change once (by dedupe key) and applies it to its subject in
  the same transaction: an offering's status, a model's or offering's lifecycle and dates. A ban,
  suspension or retirement of a provider vendor moves the lifecycle of its models (the vendor has
  none of its own), and a rule naming a model bans it, so every page and the API show it.
- `manual_change_record` is a change a person saw: validated against the values of its kind and
  rated by `vendors.changes.rate` unless the person names a severity.
- `batch_announce` tells the register (`changes_recorded`) once the transaction commits.

Nothing here imports the register: the StatusChange row is the hand-over.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from vendors.changes import rate
from vendors.links import http_link
from vendors.models import (
    AIModel,
    Certainty,
    Lifecycle,
    LifecycleFact,
    Offering,
    OperationalStatus,
    StatusChange,
    StatusSource,
    Vendor,
)
from vendors.signals import changes_recorded

__all__ = ["batch_announce", "manual_change_record", "status_change_record", "VALUE_KINDS"]

_DATE_FIELDS = ("deprecation_date", "retirement_date")
# Lifecycles that withdraw a model: recorded on a provider vendor they move its models.
_WITHDRAWN = (Lifecycle.BANNED, Lifecycle.SUSPENDED, Lifecycle.RETIRED)

# The values each kind of manual change may take (a person records what the subject is now).
VALUE_KINDS = {
    StatusChange.Kind.LIFECYCLE: set(Lifecycle.values),
    StatusChange.Kind.STATUS: set(OperationalStatus.values),
}


def _subject_value(kind: str, subject, details: dict) -> str:
    """What the subject's own state says now, for a change whose previous value was not given."""
    if kind == StatusChange.Kind.STATUS and isinstance(subject, Offering):
        return subject.status
    if kind == StatusChange.Kind.LIFECYCLE and isinstance(subject, (AIModel, Offering)):
        return subject.lifecycle
    if kind == StatusChange.Kind.LIFECYCLE and isinstance(subject, Vendor) and subject.provides_models:
        withdrawn = set(subject.models.filter(lifecycle__in=_WITHDRAWN).values_list("lifecycle", flat=True))
        return withdrawn.pop() if len(withdrawn) == 1 else Lifecycle.ACTIVE
    if kind == StatusChange.Kind.DEPRECATION and isinstance(subject, (AIModel, Offering)):
        value = getattr(subject, details.get("field", "deprecation_date"), None)
        return value.isoformat() if value else ""
    return ""


def lifecycle_after(subject, previous_value: str, current_value: str) -> str:
    """The lifecycle a model or offering takes for a lifecycle change to `current_value`.

    A lift (from a ban, suspension or retirement back to `active`) returns it to what it was before
    it was withdrawn: a model deprecated (or retired) before a ban is deprecated (retired) after it,
    not active. A lift that names another lifecycle (`deprecated`) is taken at its word."""
    if (
        current_value == Lifecycle.ACTIVE
        and previous_value in _WITHDRAWN
        and subject.lifecycle == previous_value
        and subject.lifecycle_before_withdrawal
    ):
        return subject.lifecycle_before_withdrawal
    return current_value


def _lifecycle_set(subject, current_value: str, previous_value: str) -> None:
    """Move a model's or offering's lifecycle, keeping what a withdrawal took it from."""
    new = lifecycle_after(subject, previous_value, current_value)
    if new in _WITHDRAWN and subject.lifecycle != new:
        subject.lifecycle_before_withdrawal = subject.lifecycle
    elif new not in _WITHDRAWN:
        subject.lifecycle_before_withdrawal = ""
    subject.lifecycle = new
    subject.save(update_fields=["lifecycle", "lifecycle_before_withdrawal", "updated_at"])


def _apply_lifecycle_to_provider(vendor: Vendor, previous_value: str, current_value: str) -> None:
    """A provider banned (suspended, retired) withdraws all its models, each remembering its own
    lifecycle; lifted, those it withdrew return to theirs (a deprecated model stays deprecated)."""
    if not vendor.provides_models or current_value not in Lifecycle.values:
        return
    now = timezone.now()
    if current_value in _WITHDRAWN:
        # One UPDATE: PostgreSQL reads F("lifecycle") as the value before this statement.
        vendor.models.exclude(lifecycle=current_value).update(
            lifecycle_before_withdrawal=F("lifecycle"), lifecycle=current_value, updated_at=now
        )
    elif previous_value in _WITHDRAWN:
        restored = Value(current_value)
        if current_value == Lifecycle.ACTIVE:
            restored = Coalesce(NullIf(F("lifecycle_before_withdrawal"), Value("")), Value(current_value))
        vendor.models.filter(lifecycle=previous_value).update(
            lifecycle=restored, lifecycle_before_withdrawal="", updated_at=now
        )


def apply_to_subject(kind: str, subject, current_value: str, details: dict, observed_at, previous_value: str = "") -> None:
    """Update the subject's own state; which *other* offerings the change reaches is reach.py's job."""
    if kind == StatusChange.Kind.STATUS and isinstance(subject, Offering):
        subject.status = current_value if current_value in OperationalStatus.values else OperationalStatus.UNKNOWN
        subject.status_changed_at = observed_at
        subject.save(update_fields=["status", "status_changed_at", "updated_at"])
    elif kind == StatusChange.Kind.LIFECYCLE and isinstance(subject, (AIModel, Offering)):
        if current_value in Lifecycle.values:
            _lifecycle_set(subject, current_value, previous_value)
    elif kind == StatusChange.Kind.LIFECYCLE and isinstance(subject, Vendor):
        _apply_lifecycle_to_provider(subject, previous_value, current_value)
    elif kind == StatusChange.Kind.REGULATORY and isinstance(subject, (AIModel, Offering)):
        # Only a rule is a ban (vendors/reach.py reads a regulatory change as one); a proposal or a
        # notice leaves the lifecycle alone.
        if str(details.get("type") or current_value).strip().lower() in ("rule", Lifecycle.BANNED):
            _lifecycle_set(subject, Lifecycle.BANNED, subject.lifecycle)
    elif kind == StatusChange.Kind.DEPRECATION and isinstance(subject, (AIModel, Offering)):
        field = details.get("field", "deprecation_date")
        if field not in _DATE_FIELDS:
            return
        if current_value == "":
            new_date = None
        else:
            try:
                new_date = dt.date.fromisoformat(current_value[:10])
            except ValueError:
                return  # e.g. "removed": a signal about the subject, not a date to store
        setattr(subject, field, new_date)
        subject.save(update_fields=[field, "updated_at"])
    # Incidents (and a status of a vendor) are the row alone.


def _record_fact(change: StatusChange, subject, details: dict) -> None:
    """The provenance of a lifecycle fact the change set: which source (or person) said it, when,
    and how sure it is (`details["certainty"]`, exact unless said otherwise)."""
    if not isinstance(subject, (AIModel, Offering)):
        return
    if change.kind == StatusChange.Kind.LIFECYCLE:
        if change.current_value not in Lifecycle.values:
            return
        field = LifecycleFact.Field.LIFECYCLE
    elif change.kind == StatusChange.Kind.DEPRECATION:
        field = details.get("field", "deprecation_date")
        if field not in _DATE_FIELDS or (change.current_value and not _is_date(change.current_value)):
            return
    else:
        return
    certainty = details.get("certainty", Certainty.EXACT)
    if certainty not in Certainty.values:
        certainty = Certainty.EXACT
    LifecycleFact.objects.create(
        **{"offering" if isinstance(subject, Offering) else "model": subject},
        field=field,
        # A lift records the lifecycle the subject returned to (deprecated, say), not the word "active".
        value=change.current_value[:10] if change.kind == StatusChange.Kind.DEPRECATION else subject.lifecycle,
        source_kind=LifecycleFact.SourceKind.STATUS_SOURCE if change.source_id else LifecycleFact.SourceKind.PERSON,
        status_source=change.source,
        recorded_by=change.recorded_by,
        change=change,
        retrieved_at=change.observed_at,
        certainty=certainty,
    )


def _is_date(value: str) -> bool:
    try:
        dt.date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def batch_announce(batch: uuid.UUID) -> None:
    """Send `changes_recorded` for `batch` once the current transaction commits (now if none)."""
    transaction.on_commit(lambda: changes_recorded.send(sender=StatusChange, batch=batch))


def status_change_record(
    *,
    kind: str,
    title: str,
    severity: str,
    vendor: Vendor | None = None,
    model: AIModel | None = None,
    offering: Offering | None = None,
    previous_value: str | None = None,
    current_value: str = "",
    raw_value: str = "",
    link: str = "",
    source: StatusSource | None = None,
    recorded_by=None,
    batch: uuid.UUID | None = None,
    observed_at: dt.datetime | None = None,
    effective_at: dt.datetime | None = None,
    external_id: str = "",
    details: dict | None = None,
    dedupe_key: str | None = None,
    announce: bool = True,
) -> StatusChange | None:
    """Store one change once and update its subject's state in the same transaction.

    Returns None when a change with the same dedupe key exists (the same change seen again).
    `previous_value=None` reads it from the subject. Without a dedupe key (a manual entry) the
    change is always new. `announce=False` lets a caller writing a whole batch send
    `changes_recorded` once for it (see `batch_announce`).
    """
    subjects = [s for s in (vendor, model, offering) if s is not None]
    if len(subjects) != 1:
        raise ValidationError({"subject": ["Name exactly one subject: a vendor, a model or an offering."]})
    if kind not in StatusChange.Kind.values:
        raise ValidationError({"kind": [f"Unknown kind {kind!r}."]})
    if severity not in StatusChange.Severity.values:
        raise ValidationError({"severity": [f"Unknown severity {severity!r}."]})
    if not (title or "").strip():
        raise ValidationError({"title": ["A change needs a title."]})
    subject = subjects[0]
    details = dict(details or {})
    observed_at = observed_at or timezone.now()
    batch = batch or uuid.uuid4()
    dedupe_key = (dedupe_key or f"manual:{uuid.uuid4()}")[:300]
    with transaction.atomic():
        if StatusChange.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        if previous_value is None:
            previous_value = _subject_value(kind, subject, details)
        try:
            with transaction.atomic():
                change = StatusChange.objects.create(
                    source=source,
                    recorded_by=recorded_by,
                    batch=batch,
                    vendor=vendor,
                    model=model,
                    offering=offering,
                    kind=kind,
                    previous_value=str(previous_value)[:200],
                    current_value=str(current_value)[:200],
                    raw_value=str(raw_value)[:200],
                    severity=severity,
                    title=title.strip()[:500],
                    link=http_link(link)[:1000],
                    external_id=str(external_id)[:200],
                    details=details,
                    observed_at=observed_at,
                    effective_at=effective_at,
                    dedupe_key=dedupe_key,
                )
        except IntegrityError:
            # Another check stored the same change between our look and our insert.
            if StatusChange.objects.filter(dedupe_key=dedupe_key).exists():
                return None
            raise
        apply_to_subject(kind, subject, str(current_value), details, observed_at, str(previous_value))
        _record_fact(change, subject, details)
        if announce:
            batch_announce(batch)
    return change


def _validate_value(kind: str, value: str) -> None:
    allowed = VALUE_KINDS.get(kind)
    if allowed is not None and value not in allowed:
        raise ValidationError(
            {"current_value": [f"{value!r} is not a {kind} value; use one of {', '.join(sorted(allowed))}."]}
        )


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
    previous_value: str | None = None,
    effective_at: dt.datetime | None = None,
    effective_date: dt.date | None = None,
    details: dict | None = None,
    recorded_by=None,
) -> StatusChange:
    """Record one change a person saw, in a batch of its own; rated like a detected change unless
    `severity` is given. Raises ValidationError naming the field at fault."""
    _validate_value(kind, value)
    subject = vendor or model or offering
    if effective_at is None and effective_date is not None:
        effective_at = timezone.make_aware(dt.datetime.combine(effective_date, dt.time.min))
    if previous_value is None and subject is not None:
        previous_value = _subject_value(kind, subject, dict(details or {}))
    return status_change_record(
        kind=kind,
        title=title or f"{subject}: {value.replace('_', ' ')}",
        severity=severity or rate(kind, previous=previous_value or "", current=value),
        vendor=vendor,
        model=model,
        offering=offering,
        previous_value=previous_value,
        current_value=value,
        raw_value=value,
        link=link,
        recorded_by=recorded_by,
        effective_at=effective_at,
        details={**(details or {}), "recorded": "manual"},
    )
