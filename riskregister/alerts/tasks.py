"""Celery entry points of the alerts app: each takes ids or JSON values, calls a service, and
enqueues the delivery of what the service wrote. The only module of the app that knows Celery.

Retries of a failed delivery are not Celery retries: each Delivery row carries `next_attempt_at`
and the periodic `deliver_due` pass picks it up, so a retry survives a lost broker message too.
"""

import logging
import uuid

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from riskregister.alerts import services

logger = logging.getLogger(__name__)

# Alerts per delivery task: a ban reaching 500 teams is 20 broker messages rather than 500 (each
# a write on the embedded broker), and still spreads over the workers (bench/fanout.py).
DELIVERY_CHUNK = 25


def enqueue_delivery(alerts) -> int:
    """Once the writing transaction commits, ask the workers to deliver the alerts that have
    deliveries to make; the number written. A broker that is down loses nothing: the beat's
    `deliver_due` pass finds the same rows."""
    alert_ids = services.deliverable(list(alerts))

    def enqueue():
        for start in range(0, len(alert_ids), DELIVERY_CHUNK):
            try:
                deliver_alerts.delay(alert_ids[start : start + DELIVERY_CHUNK])
            except Exception:  # broker down: the periodic pass sends them
                logger.warning("could not enqueue delivery of %d alert(s); the periodic pass will send them",
                               len(alert_ids) - start)
                return

    if alert_ids:
        transaction.on_commit(enqueue)
    return len(alerts)


def enqueue_batch_dispatch(batch: uuid.UUID) -> None:
    """Once the recording transaction commits, ask a worker to dispatch the batch. A broker that is
    down loses nothing: the beat's `dispatch_pending` tick claims the batch later."""

    def enqueue():
        try:
            dispatch_batch.delay(str(batch))
        except Exception:
            logger.warning("could not enqueue dispatch of batch %s; the periodic dispatcher will", batch)

    transaction.on_commit(enqueue)


@shared_task(name="riskregister.alerts.tasks.dispatch_batch", ignore_result=True, soft_time_limit=120, time_limit=180)
def dispatch_batch(batch: str) -> int:
    alerts = services.batch_dispatch(batch=uuid.UUID(batch))
    if alerts:
        _refresh_dashboards()
    return enqueue_delivery(alerts)


@shared_task(name="riskregister.alerts.tasks.dispatch_pending", ignore_result=True, soft_time_limit=240, time_limit=300)
def dispatch_pending() -> int:
    written = services.alerts_dispatch_pending()
    if written:
        _refresh_dashboards()
    return enqueue_delivery(written)


def _refresh_dashboards() -> None:
    # A dispatched batch may have moved lifecycles and statuses that the dashboard's figures read.
    from riskregister.web.tasks import refresh_rollups

    try:
        refresh_rollups.delay()
    except Exception:  # broker down: the beat's periodic refresh catches up
        logger.warning("could not enqueue the dashboard rollup refresh; the periodic one will run")


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
    return enqueue_delivery(services.countdowns_send()) if _daily_hour_reached() else 0


@shared_task(name="riskregister.alerts.tasks.send_review_reminders", ignore_result=True, soft_time_limit=240, time_limit=300)
def send_review_reminders() -> int:
    return enqueue_delivery(services.review_reminders_send()) if _daily_hour_reached() else 0


@shared_task(name="riskregister.alerts.tasks.send_team_digests", ignore_result=True, soft_time_limit=240, time_limit=300)
def send_team_digests() -> int:
    return enqueue_delivery(services.team_digests_send()) if _daily_hour_reached() else 0
