"""/healthz counts only a heartbeat from a worker that is running now."""

import signal
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone

from riskregister.core import tasks
from riskregister.core.models import WorkerHeartbeat


def test_a_heartbeat_carries_the_identity_of_the_worker_process(db):
    tasks.worker_started()
    tasks.heartbeat()
    first = WorkerHeartbeat.objects.get()
    assert first.boot_id and first.started_at is not None

    # The same worker name started again (a restart): its beats replace the dead process's row.
    tasks.worker_started()
    tasks.heartbeat()
    second = WorkerHeartbeat.objects.get()
    assert second.boot_id != first.boot_id and second.started_at >= first.started_at


def test_a_worker_that_stops_removes_only_its_own_heartbeat(db):
    tasks.worker_started()
    tasks.heartbeat()
    beat = WorkerHeartbeat.objects.get()
    # A newer process of the same name took the row over: the old one's shutdown leaves it alone.
    WorkerHeartbeat.objects.filter(pk=beat.pk).update(boot_id="someone-newer")
    tasks.worker_stopped(sender=SimpleNamespace(hostname=beat.worker))
    assert WorkerHeartbeat.objects.exists()
    WorkerHeartbeat.objects.filter(pk=beat.pk).update(boot_id=tasks.worker_identity()["boot_id"])
    tasks.worker_stopped(sender=SimpleNamespace(hostname=beat.worker))
    assert not WorkerHeartbeat.objects.exists()


def test_after_the_reset_at_start_a_dead_workers_fresh_beat_does_not_count(client, db):
    WorkerHeartbeat.objects.create(worker="celery@old", beat_at=timezone.now() - timedelta(seconds=3),
                                   started_at=timezone.now() - timedelta(hours=1), boot_id="dead")
    assert client.get("/healthz").status_code == 200
    call_command("reset_heartbeats", stdout=open("/dev/null", "w"))  # what bin/run-all does first
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["worker"] == "stale"


@pytest.mark.slow
def test_a_stopped_worker_is_stale_at_once_and_a_new_one_reports_itself(celery_worker_factory, client):
    WorkerHeartbeat.objects.all().delete()
    first = celery_worker_factory()
    # No task sent by the test: the worker beats once as soon as it is ready.
    beat = first.wait_for(lambda: WorkerHeartbeat.objects.first(), timeout=60, what="the ready worker's heartbeat")
    assert client.get("/healthz").status_code == 200
    first.stop(signal.SIGTERM)
    assert not WorkerHeartbeat.objects.exists(), "a worker that stopped must not leave a fresh heartbeat behind"
    assert client.get("/healthz").status_code == 503

    second = celery_worker_factory()
    renewed = second.wait_for(lambda: WorkerHeartbeat.objects.first(), timeout=60, what="the new worker's heartbeat")
    assert renewed.boot_id != beat.boot_id and renewed.started_at > beat.started_at
    assert client.get("/healthz").json()["worker_started_at"] == renewed.started_at.isoformat()
