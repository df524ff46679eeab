"""Celery entry points of the alerts app: each takes ids or JSON values and calls a service.

Retries of a failed delivery are not Celery retries: the alert row carries `next_attempt_at` and
the periodic `deliver_due` pass picks it up, so a retry survives a lost broker message too.
"""

import uuid

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from riskregister.alerts import services


@shared_task(name="riskregister.alerts.tasks.dispatch_batch", ignore_result=True, soft_time_limit=120, time_limit=180)
def dispatch_batch(batch: str) -> int:
    alerts = services.batch_dispatch(batch=uuid.UUID(batch))
    _refresh_dashboards()
    return len(alerts)


@shared_task(name="riskregister.alerts.tasks.dispatch_pending", ignore_result=True, soft_time_limit=240, time_limit=300)
def dispatch_pending() -> int:
    dispatched = services.alerts_dispatch_pending()
    if dispatched:
        _refresh_dashboards()
    return dispatched


def _refresh_dashboards() -> None:
    # A dispatched batch may have moved lifecycles and statuses that the dashboard's figures read.
    from riskregister.web.tasks import refresh_rollups

    refresh_rollups.delay()


@shared_task(name="riskregister.alerts.tasks.deliver_alert", ignore_result=True, soft_time_limit=60, time_limit=90)
def deliver_alert(alert_id: int) -> str:
    return services.alert_deliver(alert_id=alert_id)


@shared_task(name="riskregister.alerts.tasks.deliver_alerts", ignore_result=True, soft_time_limit=240, time_limit=300)
def deliver_alerts(alert_ids: list[int]) -> dict:
    outcomes: dict[str, int] = {}
    for alert_id in alert_ids:
        outcome = services.alert_deliver(alert_id=alert_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task(name="riskregister.alerts.tasks.deliver_due", ignore_result=True, soft_time_limit=240, time_limit=300)
def deliver_due() -> dict:
    return services.alerts_deliver_due(limit=500)


def _daily_hour_reached() -> bool:
    return timezone.localtime().hour >= settings.ALERT_DAILY_HOUR


@shared_task(name="riskregister.alerts.tasks.send_countdowns", ignore_result=True, soft_time_limit=240, time_limit=300)
def send_countdowns() -> int:
    return len(services.countdowns_send()) if _daily_hour_reached() else 0


@shared_task(name="riskregister.alerts.tasks.send_review_reminders", ignore_result=True, soft_time_limit=240, time_limit=300)
def send_review_reminders() -> int:
    return len(services.review_reminders_send()) if _daily_hour_reached() else 0


@shared_task(name="riskregister.alerts.tasks.send_team_digests", ignore_result=True, soft_time_limit=240, time_limit=300)
def send_team_digests() -> int:
    return len(services.team_digests_send()) if _daily_hour_reached() else 0
