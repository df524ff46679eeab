"""Celery entry points of import jobs: each takes an id and calls a service.

The time limits are the imports' own (IMPORT_TASK_SOFT_TIME_LIMIT, IMPORT_TASK_TIME_LIMIT), longer
than the project's default for short tasks: a 10,000-row file is minutes of work at worst.
"""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from riskregister.imports import services


@shared_task(
    name="riskregister.imports.tasks.run_import_job",
    ignore_result=True,
    soft_time_limit=settings.IMPORT_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.IMPORT_TASK_TIME_LIMIT,
)
def run_import_job(job_id: int) -> str:
    return services.import_job_run(job_id=job_id, time_limit_errors=(SoftTimeLimitExceeded,))


@shared_task(name="riskregister.imports.tasks.recover_import_jobs", ignore_result=True, soft_time_limit=60, time_limit=90)
def recover_import_jobs() -> int:
    return len(services.import_jobs_recover())
