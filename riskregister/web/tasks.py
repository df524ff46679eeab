"""Celery entry points of the pages: the dashboard's rollup."""

from celery import shared_task

from riskregister.web import rollup


@shared_task(name="riskregister.web.tasks.refresh_rollups", ignore_result=True, soft_time_limit=240, time_limit=300)
def refresh_rollups(team_ids: list[int] | None = None) -> int:
    return rollup.rollups_refresh(team_ids=team_ids)
