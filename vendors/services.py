"""Writes of the supply side: recording changes, checking sources.

`status_change_record` is the one way a StatusChange is written, by the checks and by people
(command, admin, API). `source_check` and `sweep` run the background checks (vendors/checks.py).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from vendors.checks import CheckResult, SweepResult, run_checks, select_due_sources
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

__all__ = [
    "CheckResult", "SweepResult", "source_check", "status_change_record", "sweep", "batch_announce",
    "catalog_import_enqueue", "catalog_import_execute",
]

_DATE_FIELDS = ("deprecation_date", "retirement_date")


def _subject_value(kind: str, subject, details: dict) -> str:
    """What the subject's own state says now, for a change whose previous value was not given."""
    if kind == StatusChange.Kind.STATUS and isinstance(subject, Offering):
        return subject.status
    if kind == StatusChange.Kind.LIFECYCLE and isinstance(subject, (AIModel, Offering)):
        return subject.lifecycle
    if kind == StatusChange.Kind.DEPRECATION and isinstance(subject, (AIModel, Offering)):
        value = getattr(subject, details.get("field", "deprecation_date"), None)
        return value.isoformat() if value else ""
    return ""


def _apply_to_subject(kind: str, subject, current_value: str, details: dict, observed_at) -> None:
    """Update the subject's own state; which *other* offerings the change reaches is reach.py's job."""
    if kind == StatusChange.Kind.STATUS and isinstance(subject, Offering):
        subject.status = current_value if current_value in OperationalStatus.values else OperationalStatus.UNKNOWN
        subject.status_changed_at = observed_at
        subject.save(update_fields=["status", "status_changed_at", "updated_at"])
    elif kind == StatusChange.Kind.LIFECYCLE and isinstance(subject, (AIModel, Offering)):
        if current_value in Lifecycle.values:
            subject.lifecycle = current_value
            subject.save(update_fields=["lifecycle", "updated_at"])
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
    # Incidents and regulatory changes (and a manual ban of a provider vendor) are the row alone.


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
        value=change.current_value[:10] if change.kind == StatusChange.Kind.DEPRECATION else change.current_value,
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
                    link=(link or "")[:1000],
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
        _apply_to_subject(kind, subject, str(current_value), details, observed_at)
        _record_fact(change, subject, details)
        if announce:
            batch_announce(batch)
    return change


def source_check(*, source: StatusSource) -> CheckResult:
    """Check one source now, whether due or not; failures are recorded on the source, not raised."""
    return run_checks([source])[0]


def sweep(*, source_ids=None, force: bool = False) -> SweepResult:
    """Check the due sources (or the named ones; `force` ignores due-ness) concurrently."""
    sources = select_due_sources(source_ids=source_ids, force=force)
    results = run_checks(sources)
    return SweepResult(results=results)


# --- catalog imports ------------------------------------------------------------------------------


def catalog_import_enqueue(*, raw: bytes, format: str, filename: str = "", requested_by=None) -> "CatalogImport":
    """Store an uploaded catalog and run its import in the background once the transaction commits."""
    from vendors.catalog import FORMATS, MAX_CATALOG_BYTES
    from vendors.models import CatalogImport

    if format not in FORMATS:
        raise ValidationError({"format": [f"Use one of {', '.join(FORMATS)}."]})
    if not raw:
        raise ValidationError({"file": ["The file is empty."]})
    if len(raw) > MAX_CATALOG_BYTES:
        raise ValidationError({"file": [f"The file is larger than {MAX_CATALOG_BYTES} bytes."]})
    job = CatalogImport.objects.create(
        format=format, filename=(filename or "")[:255], data=raw, size=len(raw), requested_by=requested_by
    )

    def enqueue():
        from vendors.tasks import catalog_import_run

        catalog_import_run.delay(job.id)

    transaction.on_commit(enqueue)
    return job


def catalog_import_execute(*, job_id: int) -> "CatalogImport | None":
    """Run one stored catalog import; None when another worker has it (or it is done). Failures are
    recorded on the row, not raised: bad files are the uploader's to fix, not a reason to retry."""
    from vendors import catalog
    from vendors.models import CatalogImport

    claimed = CatalogImport.objects.filter(id=job_id, status=CatalogImport.Status.PENDING).update(
        status=CatalogImport.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = CatalogImport.objects.get(id=job_id)
    raw = bytes(job.data)
    try:
        data = catalog.decode(raw)
        report = catalog.catalog_import(data=data, format=job.format, catalog=catalog.digest_label(job.format, raw))
    except ValueError as exc:  # CatalogFileError, or a file of the wrong format
        job.status, job.error = CatalogImport.Status.FAILED, str(exc)[:2000]
    else:
        job.status, job.report = CatalogImport.Status.DONE, report.as_dict()
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "report", "finished_at", "updated_at"])
    return job
