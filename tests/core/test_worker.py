import pytest

from riskregister.core.models import WorkerHeartbeat
from riskregister.core.tasks import heartbeat


@pytest.mark.slow
def test_real_worker_runs_an_enqueued_task_against_the_database(live_worker):
    WorkerHeartbeat.objects.all().delete()
    heartbeat.delay()
    beat = live_worker.wait_for(lambda: WorkerHeartbeat.objects.first(), timeout=60, what="a heartbeat row")
    assert beat.worker.startswith("test-worker-0@")
