"""Writes of the supply side: checking sources.

`source_check` and `sweep` run the background checks (vendors/checks.py); every StatusChange they
find is written through vendors/recording.py, the one write path for changes.
"""

from __future__ import annotations

from vendors.checks import CheckResult, SweepResult, run_checks, select_due_sources
from vendors.models import StatusSource

__all__ = ["CheckResult", "SweepResult", "source_check", "sweep"]


def source_check(*, source: StatusSource) -> CheckResult:
    """Check one source now, whether due or not; failures are recorded on the source, not raised."""
    return run_checks([source])[0]


def sweep(*, source_ids=None, force: bool = False) -> SweepResult:
    """Check the due sources (or the named ones; `force` ignores due-ness) concurrently."""
    sources = select_due_sources(source_ids=source_ids, force=force)
    results = run_checks(sources)
    return SweepResult(results=results)
