"""Import jobs: store an upload, run its kind in a worker, record the outcome. All or nothing.

The web request only stores the file and enqueues (after commit); a worker claims the job with a
conditional update that one worker wins, validates the whole file without writing (reporting
progress), then writes it in one transaction. A failure writes nothing and keeps every issue found.
The upload is emptied when the job ends, successfully or not.

A job whose task message was lost (broker down at upload) or whose worker died (SIGKILL, the hard
time limit) is picked up again by `import_jobs_recover`, run by beat; after IMPORT_MAX_ATTEMPTS
claims it is failed rather than retried for ever.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from riskregister.imports.kinds import ImportKind, ImportRefused, Issue, get_kind
from riskregister.imports.models import ImportJob

logger = logging.getLogger(__name__)
# How many issues a failed job keeps (the count of all of them is in its summary).
MAX_ISSUES_KEPT = 1000


def _enqueue(job_id: int) -> None:
    from riskregister.imports.tasks import run_import_job

    run_import_job.delay(job_id)


def import_job_create(
    *, kind: str, content: bytes, filename: str = "", team=None, actor, options: dict | None = None, enqueue: bool = True
) -> ImportJob:
    """Store an upload as a queued job and enqueue it once the transaction commits. Only cheap
    checks happen here (who, size, empty); the file is read by the worker. `enqueue=False` leaves
    the running to the caller (import_run_now)."""
    handler: ImportKind = get_kind(kind)
    if handler.needs_team and team is None:
        raise ValidationError({"team": ["This import belongs to a team."]})
    if not handler.may_start(actor=actor, team=team):
        raise PermissionDenied("You may not start this import.")
    if len(content) > handler.max_bytes:
        raise ValidationError({"file": [f"The file is larger than {handler.max_bytes // 1024} KiB."]})
    if not content.strip():
        raise ValidationError({"file": ["The file is empty."]})
    cleaned = handler.clean_options(dict(options or {}))
    job = ImportJob.objects.create(
        kind=kind,
        team=team if handler.needs_team else None,
        created_by=actor,
        filename=(filename or "")[:255],
        size=len(content),
        content=content,
        options=cleaned,
    )
    # robust: a broker that is down must not turn a stored upload into an error page; the job stays
    # queued and import_jobs_recover enqueues it again.
    if enqueue:
        transaction.on_commit(lambda: _enqueue(job.pk), robust=True)
    return job


class Progress:
    """`progress(done, total)`: counters on the job, written at most every half second."""

    def __init__(self, job_id: int, interval: float = 0.5):
        self.job_id = job_id
        self.interval = interval
        self._last = 0.0

    def __call__(self, done: int, total: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.interval:
            return
        self._last = now
        ImportJob.objects.filter(pk=self.job_id).update(progress_done=done, progress_total=total, updated_at=timezone.now())


def _lease() -> datetime.timedelta:
    # A running job older than the hard time limit (plus a margin) has lost its worker.
    return datetime.timedelta(seconds=settings.IMPORT_TASK_TIME_LIMIT + 60)


def _claim(job_id: int) -> bool:
    now = timezone.now()
    claimable = Q(status=ImportJob.Status.QUEUED) | Q(status=ImportJob.Status.RUNNING, started_at__lt=now - _lease())
    return bool(
        ImportJob.objects.filter(claimable, pk=job_id).update(
            status=ImportJob.Status.RUNNING,
            stage=ImportJob.Stage.VALIDATING,
            started_at=now,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )


def _finish(job_id: int, *, status: str, summary: dict, issues: list[Issue]) -> None:
    now = timezone.now()
    summary = {**summary, "issue_count": len(issues)} if issues else summary
    ImportJob.objects.filter(pk=job_id).update(
        status=status,
        stage=ImportJob.Stage.DONE,
        summary=summary,
        issues=[issue.as_json() for issue in issues[:MAX_ISSUES_KEPT]],
        content=None,
        finished_at=now,
        updated_at=now,
    )


def import_job_fail(*, job_id: int, message: str) -> None:
    _finish(job_id, status=ImportJob.Status.FAILED, summary={}, issues=[Issue("job", message)])


def import_job_run(*, job_id: int, time_limit_errors: tuple[type[BaseException], ...] = ()) -> str:
    """Run one job, if this caller wins its claim. Returns the job's status afterwards ("skipped"
    when another worker has it or it is done). `time_limit_errors` are the exceptions that mean the
    run was stopped for taking too long (the task passes Celery's soft time limit)."""
    if not _claim(job_id):
        return "skipped"
    job = ImportJob.objects.select_related("team", "created_by").get(pk=job_id)
    if job.attempts > settings.IMPORT_MAX_ATTEMPTS:
        import_job_fail(job_id=job_id, message=f"Stopped {job.attempts - 1} times before it could finish; nothing was written.")
        return ImportJob.Status.FAILED
    progress = Progress(job_id)
    started = time.monotonic()
    try:
        handler = get_kind(job.kind)
        plan = handler.validate(job=job, content=bytes(job.content or b""), progress=progress)
        ImportJob.objects.filter(pk=job_id).update(stage=ImportJob.Stage.WRITING, updated_at=timezone.now())
        with transaction.atomic():
            summary = handler.apply(job=job, plan=plan, progress=progress)
    except ImportRefused as refused:
        _finish(job_id, status=ImportJob.Status.FAILED, summary=refused.summary, issues=refused.issues)
        return ImportJob.Status.FAILED
    except ValidationError as error:
        issues = [Issue(where, message) for where, messages in _message_dict(error).items() for message in messages]
        _finish(job_id, status=ImportJob.Status.FAILED, summary={}, issues=issues)
        return ImportJob.Status.FAILED
    except time_limit_errors:
        import_job_fail(
            job_id=job_id,
            message=f"Stopped after {settings.IMPORT_TASK_SOFT_TIME_LIMIT} s, the time limit of an import; nothing was written.",
        )
        return ImportJob.Status.FAILED
    except Exception as error:  # the job must end, and say so, whatever broke
        logger.exception("import job %s (%s) failed", job_id, job.kind)
        import_job_fail(job_id=job_id, message=f"The import stopped on an internal error ({type(error).__name__}); nothing was written.")
        return ImportJob.Status.FAILED
    summary = {**summary, "seconds": round(time.monotonic() - started, 2)}
    _finish(job_id, status=ImportJob.Status.SUCCEEDED, summary=summary, issues=[])
    return ImportJob.Status.SUCCEEDED


def _message_dict(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {"file": error.messages}


def import_jobs_recover(*, now: datetime.datetime | None = None, enqueue: Callable[[int], None] = _enqueue) -> list[int]:
    """Enqueue again the jobs still queued a while after upload (their message may be lost) and
    the running ones past their lease (their worker died). A claim decides who runs each, so a job
    enqueued twice still runs once."""
    now = now or timezone.now()
    stale = ImportJob.objects.filter(
        Q(status=ImportJob.Status.QUEUED, updated_at__lt=now - datetime.timedelta(seconds=settings.IMPORT_REQUEUE_AFTER_SECONDS))
        | Q(status=ImportJob.Status.RUNNING, started_at__lt=now - _lease())
    ).values_list("pk", flat=True)
    ids = list(stale[:500])
    for job_id in ids:
        enqueue(job_id)
    return ids


def import_run_now(*, kind: str, content: bytes, filename: str = "", team=None, actor, options: dict | None = None) -> ImportJob:
    """Create a job and run it in this process (management commands at the shell, benchmarks):
    the same path as the worker's, without the broker."""
    job = import_job_create(kind=kind, content=content, filename=filename, team=team, actor=actor, options=options, enqueue=False)
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job
