"""Celery entry points of the background checks: ids in, services called."""

from celery import shared_task

from vendors import services


@shared_task(name="vendors.tasks.sweep_due_sources", ignore_result=True, soft_time_limit=150, time_limit=170)
def sweep_due_sources() -> dict:
    """Beat runs this every 5 s: check the sources whose interval has passed."""
    result = services.sweep()
    return {"checked": result.checked, "changed": result.changed, "failed": result.failed}


@shared_task(name="vendors.tasks.check_sources", ignore_result=True, soft_time_limit=150, time_limit=170)
def check_sources(source_ids: list[int]) -> dict:
    """Check the named sources now (e.g. right after one is saved), due or not."""
    result = services.sweep(source_ids=source_ids, force=True)
    return {"checked": result.checked, "changed": result.changed, "failed": result.failed}


@shared_task(name="vendors.tasks.check_due_sources", ignore_result=True, soft_time_limit=150, time_limit=170)
def check_due_sources(source_ids: list[int]) -> dict:
    """Check the named sources if they are due (a push made them so); a source another sweep has
    claimed meanwhile is left to it."""
    result = services.sweep(source_ids=source_ids)
    return {"checked": result.checked, "changed": result.changed, "failed": result.failed}
