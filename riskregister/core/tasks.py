"""The worker's heartbeat, and who it comes from.

The worker process gets an identity when it starts (`worker_started`, connected to Celery's
`worker_init` in riskregister/celery.py): a start time and a boot id, inherited by the pool's
forked children that run the task. On `worker_ready` it sends itself a heartbeat (so /healthz turns
healthy as soon as a task has made the round trip through the broker, not 30 s later at beat's
first tick); on `worker_shutdown` it removes its own row, so a stopped worker is never counted.
"""

import socket
import uuid

from celery import shared_task
from django.utils import timezone

from riskregister.core.models import WorkerHeartbeat

_IDENTITY: dict = {}


def worker_identity() -> dict:
    """{"started_at", "boot_id"} of this worker process; made on first use outside a worker."""
    if not _IDENTITY:
        worker_started()
    return _IDENTITY


def worker_started(**kwargs) -> None:
    _IDENTITY.update(started_at=timezone.now(), boot_id=uuid.uuid4().hex)


def worker_ready(sender=None, **kwargs) -> None:
    heartbeat.delay()


def worker_stopped(sender=None, **kwargs) -> None:
    hostname = getattr(sender, "hostname", None)
    if hostname and _IDENTITY:
        # Only our own row: a newer worker of the same name may have taken it over.
        WorkerHeartbeat.objects.filter(worker=hostname, boot_id=_IDENTITY["boot_id"]).delete()


@shared_task(name="riskregister.core.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that a worker is alive and beat is ticking; /healthz reads the age of the newest."""
    hostname = getattr(heartbeat.request, "hostname", None) or socket.gethostname()
    identity = worker_identity()
    WorkerHeartbeat.objects.update_or_create(
        worker=hostname,
        defaults={"beat_at": timezone.now(), "started_at": identity["started_at"], "boot_id": identity["boot_id"]},
    )
