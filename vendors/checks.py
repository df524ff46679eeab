"""The check engine behind `services.source_check` and `services.sweep`.

Network and database are split: one thread runs an event loop that fetches up to
CHECKS_SWEEP_CONCURRENCY sources at once (httpx.AsyncClient through vendors/http.py) and hands each
answer over a queue to the calling thread, which parses it and records it in a transaction of
its own. So a slow source costs a connection slot, not a thread, and database writes never race
each other for SQLite's lock. A source whose check fails in any way is marked failed and backs off;
the others go on.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from vendors import http, push, selectors
from vendors.models import StatusSource
from vendors.recording import batch_announce
from vendors.sources import get_kind
from vendors.sources.base import RecordContext, SourceError, SourceSnapshot

logger = logging.getLogger(__name__)

# A claimed source is not claimed again by an overlapping sweep until this has passed; a worker
# killed mid-sweep therefore delays its sources by at most this much.
CLAIM_LEASE_SECONDS = 300


@dataclass
class CheckResult:
    source_id: int
    source_name: str
    ok: bool
    changes: int = 0
    not_modified: bool = False
    error: str = ""
    batch: uuid.UUID | None = None

    def line(self) -> str:
        if not self.ok:
            return f"{self.source_id:>5} {self.source_name}: FAILED {self.error}"
        if self.not_modified:
            return f"{self.source_id:>5} {self.source_name}: not modified"
        return f"{self.source_id:>5} {self.source_name}: ok, {self.changes} change{'s' if self.changes != 1 else ''}"


@dataclass
class SweepResult:
    results: list[CheckResult] = field(default_factory=list)

    @property
    def checked(self) -> int:
        return len(self.results)

    @property
    def changed(self) -> int:
        """Sources whose check recorded at least one change."""
        return sum(1 for r in self.results if r.changes)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.ok)

    def summary(self) -> str:
        return f"checked {self.checked}, changed {self.changed}, failed {self.failed}"


def select_due_sources(*, source_ids=None, force: bool = False) -> list[StatusSource]:
    """Claim the sources to check: enabled and due (or the named ones, or with `force` all).

    The claim pushes `next_check_at` ahead by a lease inside one transaction, so two sweeps that
    overlap (two beat schedulers, a slow sweep) never check the same source twice.
    """
    now = timezone.now()
    sources = selectors.sources_due(now=now, source_ids=source_ids, force=force)
    # The sweep ticks every few seconds: when nothing is due, one indexed read and no write lock.
    if not sources.exists():
        return []
    # At most CHECKS_SWEEP_MAX_SOURCES, so that one sweep ends well within its task's time limit;
    # the rest stay due for the next tick.
    with transaction.atomic():
        # SQLite ignores FOR UPDATE but serialises writers (transaction_mode IMMEDIATE); on
        # PostgreSQL SKIP LOCKED lets a second sweep take the sources the first did not.
        claimed = list(sources.select_for_update(skip_locked=True, of=("self",))[: settings.CHECKS_SWEEP_MAX_SOURCES])
        # `check_claimed_at` tells a push that the check is running (vendors/push.py), and
        # `push_not_before` keeps pushes from checking the source again at once.
        StatusSource.objects.filter(id__in=[s.id for s in claimed]).update(
            next_check_at=now + timezone.timedelta(seconds=CLAIM_LEASE_SECONDS),
            check_claimed_at=now,
            push_not_before=now + timezone.timedelta(seconds=settings.CHECKS_PUSH_MIN_INTERVAL),
            push_pending=False,
        )
    return claimed


def claim_release(source: StatusSource, fields: list[str]) -> None:
    """Write a finished check's `fields` of `source` and end its claim, in one UPDATE: a push that
    came during the check (`push_pending`, vendors/push.py) makes the source due again."""
    now = timezone.now()
    values = {name: getattr(source, name) for name in fields}
    values["next_check_at"] = push.pending_push_next_check(now, scheduled=source.next_check_at)
    StatusSource.objects.filter(id=source.id).update(**values, check_claimed_at=None, push_pending=False, updated_at=now)


def next_interval(source: StatusSource, *, changed: bool) -> int:
    """Seconds to the next check of a source whose check succeeded: CHECKS_HOT_INTERVAL while it is
    hot (trouble going on, or a change just seen), else its own interval."""
    if source.troubled or changed:
        return min(settings.CHECKS_HOT_INTERVAL, source.interval)
    return source.interval


@dataclass
class _Outcome:
    source_id: int
    fetched: object = None
    error: Exception | None = None
    skipped: bool = False  # not started: the sweep ran out of time or was stopped


def _snapshot(source: StatusSource) -> SourceSnapshot:
    return SourceSnapshot(
        id=source.id,
        kind=source.kind,
        url=source.url,
        etag=source.etag,
        last_modified=source.last_modified,
        config=dict(source.config or {}),
        vendor_id=source.vendor_id,
    )


async def _fetch_all(
    snapshots: list[SourceSnapshot], outcomes: queue.Queue, concurrency: int, deadline: float, stop: threading.Event
) -> None:
    semaphore = asyncio.Semaphore(concurrency)
    async with http.new_client(max_connections=concurrency) as client:

        async def one(snapshot: SourceSnapshot) -> None:
            async with semaphore:
                if stop.is_set() or time.monotonic() > deadline:
                    outcomes.put(_Outcome(snapshot.id, skipped=True))
                    return
                try:
                    fetched = await get_kind(snapshot.kind).fetch(snapshot, client)
                    outcomes.put(_Outcome(snapshot.id, fetched=fetched))
                except Exception as exc:  # every failure belongs to its source alone
                    outcomes.put(_Outcome(snapshot.id, error=exc))

        await asyncio.gather(*(one(s) for s in snapshots))


_DONE = object()


def _fetch_in_thread(snapshots, outcomes: queue.Queue, concurrency: int, deadline: float, stop: threading.Event) -> None:
    try:
        asyncio.run(_fetch_all(snapshots, outcomes, concurrency, deadline, stop))
    except BaseException as exc:  # the consumer must never wait forever
        logger.exception("The fetch loop of a sweep crashed")
        outcomes.put(exc)
    finally:
        outcomes.put(_DONE)


def run_checks(
    sources: list[StatusSource], *, concurrency: int | None = None, max_seconds: float | None = None
) -> list[CheckResult]:
    """Check `sources` now; return one result per source checked, in the order the answers came.

    No fetch starts after `max_seconds` (CHECKS_SWEEP_MAX_SECONDS): the sources not started are
    released to be due again at once, so a sweep full of hanging servers still ends within its
    task's time limit. If the caller is interrupted (a soft time limit), fetches not yet started are
    abandoned the same way and the claims of the others expire with their lease.
    """
    if not sources:
        return []
    concurrency = concurrency or settings.CHECKS_SWEEP_CONCURRENCY
    deadline = time.monotonic() + (max_seconds or settings.CHECKS_SWEEP_MAX_SECONDS)
    by_id = {source.id: source for source in sources}
    outcomes: queue.Queue = queue.Queue()
    stop = threading.Event()
    fetcher = threading.Thread(
        target=_fetch_in_thread, args=([_snapshot(s) for s in sources], outcomes, concurrency, deadline, stop),
        name="checks-fetch", daemon=True,
    )
    fetcher.start()
    results: dict[int, CheckResult] = {}
    skipped: list[int] = []
    crash: BaseException | None = None
    try:
        while True:
            item = outcomes.get()
            if item is _DONE:
                break
            if isinstance(item, BaseException):
                crash = item
            elif item.skipped:
                skipped.append(item.source_id)
            else:
                results[item.source_id] = _complete(by_id[item.source_id], item)
    except BaseException:
        stop.set()
        raise
    fetcher.join()
    if skipped:
        StatusSource.objects.filter(id__in=skipped).update(next_check_at=timezone.now(), check_claimed_at=None)
        logger.warning("Sweep out of time: %d sources left for the next sweep", len(skipped))
    for source in sources:
        if source.id not in results and source.id not in skipped:
            results[source.id] = _mark_failed(source, f"The check did not finish: {crash!r}")
    return list(results.values())


def _describe(error: Exception) -> str:
    if isinstance(error, (SourceError, http.OutboundError)):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _complete(source: StatusSource, outcome: _Outcome) -> CheckResult:
    if outcome.error is not None:
        return _mark_failed(source, _describe(outcome.error))
    fetched = outcome.fetched
    try:
        kind = get_kind(source.kind)
        parsed = None if fetched.not_modified else kind.parse(_snapshot(source), fetched)
        batch = uuid.uuid4()
        now = timezone.now()
        with transaction.atomic():
            context = RecordContext(source=source, batch=batch, observed_at=now, state=dict(source.state or {}))
            if parsed is not None:
                kind.record(parsed, context)
                # A 304 says the same as the last answer: the source stays as troubled as it was.
                source.troubled = kind.is_troubled(parsed, source)
            source.state = context.state
            source.last_checked_at = now
            source.last_success_at = now
            source.last_error = ""
            source.consecutive_failures = 0
            source.next_check_at = now + timezone.timedelta(seconds=next_interval(source, changed=bool(context.changes)))
            source.etag = (fetched.etag or "")[:500]
            source.last_modified = (fetched.last_modified or "")[:100]
            claim_release(
                source,
                ["state", "last_checked_at", "last_success_at", "last_error", "consecutive_failures", "etag",
                 "last_modified", "troubled"],
            )
            if context.changes:
                batch_announce(batch)
    except Exception as exc:
        if not isinstance(exc, SourceError):
            logger.exception("Checking source %s (%s) failed", source.id, source.kind)
        source.refresh_from_db(fields=["state", "last_success_at", "consecutive_failures", "troubled"])
        return _mark_failed(source, _describe(exc))
    return CheckResult(
        source_id=source.id, source_name=source.name, ok=True, changes=len(context.changes),
        not_modified=fetched.not_modified, batch=batch if context.changes else None,
    )


def backoff_seconds(*, interval: int, failures: int) -> int:
    """interval, 2x, 4x, … after consecutive failures, capped by CHECKS_MAX_BACKOFF_SECONDS."""
    return int(min(interval * 2 ** max(failures - 1, 0), max(settings.CHECKS_MAX_BACKOFF_SECONDS, interval)))


def _mark_failed(source: StatusSource, message: str) -> CheckResult:
    now = timezone.now()
    source.consecutive_failures += 1
    source.last_checked_at = now
    source.last_error = message[:2000]
    source.next_check_at = now + timezone.timedelta(
        seconds=backoff_seconds(interval=source.interval, failures=source.consecutive_failures)
    )
    claim_release(source, ["consecutive_failures", "last_checked_at", "last_error"])
    logger.warning("Source %s (%s) failed: %s", source.id, source.name, message)
    return CheckResult(source_id=source.id, source_name=source.name, ok=False, error=message)

