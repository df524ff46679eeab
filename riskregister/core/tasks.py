import socket

from celery import shared_task
from django.utils import timezone

from riskregister.core.models import WorkerHeartbeat


@shared_task(name="riskregister.core.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that a worker is alive and beat is ticking; /healthz reads the age of the newest."""
    hostname = getattr(heartbeat.request, "hostname", None) or socket.gethostname()
    WorkerHeartbeat.objects.update_or_create(worker=hostname, defaults={"beat_at": timezone.now()})
