"""The broker and the database go away under a running worker and come back: every committed change
is alerted, once (RELIABILITY.md 6 and 7; the SIGKILL case is tests/alerts/test_end_to_end.py).

The PostgreSQL and Redis are the tests' own (conftest.py), stopped and started by the test; the
worker is the product's `celery worker --beat`, the mail server a real one on loopback."""

import json
import os
import time

import pytest

from riskregister.alerts.models import Alert, Delivery
from tests.alerts.conftest import SMTPServer, free_port
from tests.alerts.test_end_to_end import _succeeded, _worker_env
from tests.conftest import _use_broker, start_live_worker
from tests.reliability.conftest import manage
from vendors.recording import status_change_record

pytestmark = pytest.mark.slow


def _recipients(smtp) -> list[tuple[str, ...]]:
    return sorted(tuple(sorted(mail.recipients)) for mail in smtp.received)


def _more_passes(worker, timeout: float = 40, **more: int) -> None:
    """Wait until the worker has run each periodic alerts task named the given number of times more
    (and succeeded): e.g. dispatch_pending=2, deliver_due=1. A doubled email would be sent by them."""
    names = {f"riskregister.alerts.tasks.{task}": count for task, count in more.items()}
    now = {name: _succeeded(worker, name) for name in names}
    worker.wait_for(lambda: all(_succeeded(worker, name) >= now[name] + count for name, count in names.items()),
                    timeout=timeout, what=f"more passes of {more}")


@pytest.mark.django_db(transaction=True)
def test_change_committed_while_redis_is_down_is_alerted_once_redis_is_back(
    world, celery_worker_factory, private_redis, smtp_port, caplog
):
    """The worker is running on Redis; Redis dies (and with it every queued message), a change is
    committed meanwhile, Redis comes back empty: the beat's dispatcher finds the change and each
    affected team gets its email, once."""
    smtp = SMTPServer(smtp_port).start()
    try:
        worker = celery_worker_factory(extra_env=_worker_env(smtp_port, CELERY_BROKER_URL=private_redis.url()))
        _use_broker(private_redis.url())  # this process enqueues to the same Redis (restored by the fixture)
        _more_passes(worker, dispatch_pending=1)

        private_redis.stop()
        worker.wait_for(lambda: "Connection to broker lost" in worker.log() or "Cannot connect to redis" in worker.log(),
                        timeout=30, what="the worker to notice Redis gone")
        started = time.monotonic()
        change = status_change_record(kind="lifecycle", title="export-control ban", severity="critical",
                                      model=world.fable, current_value="banned")
        committed_in = time.monotonic() - started
        assert "could not enqueue dispatch" in caplog.text
        assert committed_in < 10, f"recording a change with the broker down took {committed_in:.1f} s"
        time.sleep(2)
        assert smtp.received == [] and not Alert.objects.exists()

        private_redis.start()
        worker.wait_for(lambda: len(smtp.received) >= 2, timeout=60, what="the emails after Redis is back")
        _more_passes(worker, dispatch_pending=2, deliver_due=1)
        assert _recipients(smtp) == [("platform-0@example.com", "platform-1@example.com"), ("search-0@example.com",)]
        assert sorted(Alert.objects.filter(batch=change.batch).values_list("team__slug", "status")) == [
            ("platform", "sent"), ("search", "sent")]
        assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    finally:
        smtp.stop()


def _deliveries(env: dict) -> list[list]:
    out = manage("shell", "-c", "import json; from riskregister.alerts.models import Delivery; "
                 "print('deliveries=' + json.dumps(sorted(Delivery.objects.values_list('target', 'status', 'attempts'))))",
                 env=env)
    [line] = [line for line in out.splitlines() if line.startswith("deliveries=")]
    return json.loads(line.removeprefix("deliveries="))


def test_database_restarted_under_a_running_worker_loses_and_doubles_nothing(private_postgres, private_redis, tmp_path):
    """PostgreSQL is stopped while the worker holds a delivery in flight (the mail server has not
    answered DATA yet; the message is then dropped), left down for a few of the beat's ticks, and
    started again: the worker stays up, delivers that alert once its claim runs out, and alerts the
    changes recorded afterwards, one through the broker and one (the broker unreachable by its
    writer) through the beat's dispatcher alone. Each owner gets one email."""
    smtp_port = free_port()
    env = {
        **_worker_env(smtp_port, EMAIL_TIMEOUT="5", ALERT_CLAIM_LEASE_SECONDS="10"),
        "DATABASE_URL": private_postgres.create_database(f"restart_{os.getpid()}"),
        "CELERY_BROKER_URL": private_redis.url(),
    }
    manage("migrate", "--noinput", env=env)
    manage("shell", "-c", "from tests.reliability.world import build; build(3)", env=env)
    smtp = SMTPServer(smtp_port).start()
    worker = start_live_worker(env, tmp_path, 0)
    try:
        worker.wait_for(lambda: "ready." in worker.log(), timeout=60, what="the worker to be ready")
        smtp.handler.hold.set()
        manage("record_change", "--model", "model-0", "--lifecycle", "banned", "--title", "ban", env=env)
        worker.wait_for(lambda: smtp.handler.held >= 1, timeout=60, what="a delivery in flight")

        private_postgres.stop("fast")
        smtp.handler.hold.clear()  # the server drops the message: the worker cannot record that either
        worker.wait_for(lambda: worker.log().count("OperationalError") >= 2, timeout=30,
                        what="the worker's tasks to meet the database gone")
        errors_so_far = worker.log().count("OperationalError")
        time.sleep(6)  # a beat tick or two against the stopped database
        assert worker.log().count("OperationalError") > errors_so_far, "the beat stopped ticking"
        private_postgres.start()

        manage("record_change", "--model", "model-1", "--lifecycle", "banned", "--title", "ban", env=env)
        unreachable = f"redis://127.0.0.1:{free_port()}/0"
        out = manage("record_change", "--model", "model-2", "--lifecycle", "banned", "--title", "ban",
                     env={**env, "CELERY_BROKER_URL": unreachable})
        assert "could not enqueue dispatch" in out
        worker.wait_for(lambda: len(smtp.received) >= 3, timeout=90, what="the three emails")
        _more_passes(worker, dispatch_pending=2, deliver_due=1)

        assert worker.process.poll() is None
        assert _recipients(smtp) == [("owner-0@example.com",), ("owner-1@example.com",), ("owner-2@example.com",)]
        assert [(target, status) for target, status, _ in _deliveries(env)] == [
            ("owner-0@example.com", "sent"), ("owner-1@example.com", "sent"), ("owner-2@example.com", "sent")]
    finally:
        worker.stop()
        smtp.stop()
