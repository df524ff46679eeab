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


def _latest_heartbeat() -> WorkerHeartbeat | None:
    """The newest beat of a worker that is running now: a worker that stops removes its own row and
    `make run` clears them at start (riskregister/core/tasks.py), so what is left is a live worker's
    or one that died without a word, which ages out after HEARTBEAT_MAX_AGE_SECONDS."""
    return WorkerHeartbeat.objects.order_by("-beat_at").first()


# The last state this process reported, so that a run of 503s while the worker starts is one line
# in the log, not one per probe.
_last_reported = {"status": None}


@never_cache
@require_GET
def healthz(request):
    database = _database_state()
    broker = _broker_state()
    beat = _latest_heartbeat() if database == "ok" else None
    age = round((timezone.now() - beat.beat_at).total_seconds(), 1) if beat is not None else None
    worker = "ok" if age is not None and age < settings.HEARTBEAT_MAX_AGE_SECONDS else "stale"
    healthy = database == "ok" and broker == "ok" and worker == "ok"
    body = {
        "status": "ok" if healthy else "unhealthy",
        "database": database,
        "broker": broker,
        "worker": worker,
        # A number, as monitoring expects; -1 when no running worker has reported.
        "worker_heartbeat_age_seconds": age if age is not None else -1,
        "heartbeat_max_age_seconds": settings.HEARTBEAT_MAX_AGE_SECONDS,
        "worker_started_at": beat.started_at.isoformat() if beat is not None and beat.started_at else None,
    }
    response = JsonResponse(body, status=200 if healthy else 503)
    if body["status"] != _last_reported["status"]:
        _last_reported["status"] = body["status"]
        log = logger.info if healthy else logger.warning
        log("healthz: %s (database %s, broker %s, worker %s)", body["status"], database, broker, worker)
    # A probe's 503 is an answer, not a server error: Django's request log would print an ERROR
    # line for each one while the worker starts. The change of state is logged above instead.
    response._has_been_logged = True
    return response

