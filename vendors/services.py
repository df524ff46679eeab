"""Writes of the supply side: checking sources.

`source_check` and `sweep` run the background checks (vendors/checks.py); every StatusChange they
find is written through vendors/recording.py, the one write path for changes.
"""

from __future__ import annotations

from vendors.checks import CheckResult, SweepResult, run_checks, select_due_sources
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from vendors.models import StatusSource

__all__ = ["CheckResult", "SweepResult", "source_check", "sweep", "catalog_import_enqueue", "catalog_import_execute"]


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
