import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from riskregister.celery import app as celery_app
from riskregister.core.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means the database is not usable
        logger.warning("healthz: database check failed: %s", exc.__class__.__name__)
        return "error"
    return "ok"


def _broker_state() -> str:
    try:
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:  # kombu raises per-transport errors; all mean "not reachable"
        logger.warning("healthz: broker check failed: %s", exc.__class__.__name__)
        return "error"
    return "ok"


def _heartbeat_age_seconds() -> float | None:
    latest = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    if latest is None:
        return None
    return round((timezone.now() - latest).total_seconds(), 1)


@never_cache
@require_GET
def healthz(request):
    database = _database_state()
    broker = _broker_state()
    age = _heartbeat_age_seconds() if database == "ok" else None
    worker = "ok" if age is not None and age < settings.HEARTBEAT_MAX_AGE_SECONDS else "stale"
    healthy = database == "ok" and broker == "ok" and worker == "ok"
    body = {
        "status": "ok" if healthy else "unhealthy",
        "database": database,
        "broker": broker,
        "worker": worker,
        # A number, as monitoring expects; -1 when no worker has ever reported.
        "worker_heartbeat_age_seconds": age if age is not None else -1,
        "heartbeat_max_age_seconds": settings.HEARTBEAT_MAX_AGE_SECONDS,
    }
    return JsonResponse(body, status=200 if healthy else 503)

