"""Shared fixtures: the six roles every endpoint is tested with.

anonymous, a member of team A, the lead of team A, the lead of team B, a reviewer and an admin.
"""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from riskregister.teams.models import REVIEWERS_GROUP, Membership
from tests.factories import MembershipFactory, TeamFactory, UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Every test builds users; the product's slow, salted hasher would dominate the suite's time.
    Signing in works the same with this one (the product's own hashers are untouched)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team_a(db):
    return TeamFactory(name="Team A", slug="team-a")


@pytest.fixture
def team_b(db):
    return TeamFactory(name="Team B", slug="team-b")


@pytest.fixture
def member_a(team_a):
    user = UserFactory(username="member-a")
    MembershipFactory(team=team_a, user=user, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def lead_a(team_a):
    user = UserFactory(username="lead-a")
    MembershipFactory(team=team_a, user=user, role=Membership.Role.LEAD)
    return user


@pytest.fixture
def lead_b(team_b):
    user = UserFactory(username="lead-b")
    MembershipFactory(team=team_b, user=user, role=Membership.Role.LEAD)
    return user


@pytest.fixture
def reviewer(db):
    user = UserFactory(username="reviewer")
    group, _ = Group.objects.get_or_create(name=REVIEWERS_GROUP)
    user.groups.add(group)
    return user


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def anonymous():
    return AnonymousUser()


@pytest.fixture
def roles(anonymous, member_a, lead_a, lead_b, reviewer, admin):
    """All six roles by name, for tests that walk every role."""
    return {
        "anonymous": anonymous,
        "member_a": member_a,
        "lead_a": lead_a,
        "lead_b": lead_b,
        "reviewer": reviewer,
        "admin": admin,
    }


# --- a real Celery worker -----------------------------------------------------------------------

import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402

import kombu.pools  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from riskregister.celery import app as celery_app  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _database_url_of_test_database() -> str:
    """The URL of the database this test runs on, for a worker process to open the same one."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _use_broker(url: str) -> None:
    """Point this process's Celery app at another broker and drop pooled connections."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    # Producer pools are kept per connection in kombu's global registry; drop them too, or the next
    # publish on an equal URL would reuse a pool whose connections were just closed.
    kombu.pools.reset()
    celery_app.conf.broker_url = url
    # Celery reads CELERY_BROKER_URL from the environment before broker_url; the read and write URLs
    # come first, so they make the switch hold when that variable is set (as in CI).
    celery_app.conf.broker_read_url = url
    celery_app.conf.broker_write_url = url


@dataclass
class LiveWorker:
    process: subprocess.Popen
    log_path: Path
    broker_url: str
    env: dict = field(repr=False, default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, predicate, timeout: float = 60.0, interval: float = 0.25, what: str = "condition"):
        """Poll `predicate()` until it returns something truthy; fail with the worker's log otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited with {self.process.returncode} waiting for {what}:\n{self.log()[-4000:]}")
            time.sleep(interval)
        raise AssertionError(f"timed out waiting for {what}; worker log:\n{self.log()[-4000:]}")

    def stop(self, sig=None) -> None:
        """SIGTERM (the worker's warm shutdown) unless told otherwise. SIGKILL goes to the worker's
        whole process group, as when its container is killed: sent to the main process alone it left
        the embedded beat running as an orphan, on the test database, after the test. Whatever is
        left of the group once the main process is gone is killed too."""
        if self.process.poll() is None:
            if sig == signal.SIGKILL:
                os.killpg(self.process.pid, signal.SIGKILL)
            else:
                self.process.send_signal(sig or signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def start_live_worker(env: dict, directory: Path, index: int, beat: bool = True, concurrency: int = 2) -> LiveWorker:
    """Start one real `celery worker` (with `--beat` unless told otherwise) of the product in
    `directory`, with `env` over this process's environment (DATABASE_URL, CELERY_BROKER_URL, ...);
    it is not waited for."""
    env = {**os.environ, "DEBUG": "true", "VAR_DIR": str(directory / f"var-{index}"), **env}
    log_path = directory / f"worker-{index}.log"
    command = [
        sys.executable, "-m", "celery", "-A", "riskregister", "worker", "--loglevel=INFO",
        f"--concurrency={concurrency}", f"--hostname=test-worker-{index}@%h", "--without-mingle",
        "--without-gossip",
    ]
    if beat:
        command += ["--beat", f"--schedule={directory / f'beat-{index}'}"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    return LiveWorker(process=process, log_path=log_path, broker_url=env["CELERY_BROKER_URL"], env=env)


@pytest.fixture
def celery_worker_factory(transactional_db, tmp_path):
    """Start real `celery worker --beat` processes on the test database.

    With the embedded broker each test gets a broker file of its own (so test runs side by side do
    not take each other's tasks); with CELERY_BROKER_URL set (Redis in CI) the configured broker is
    used. `extra_env` reaches the worker's settings (e.g. EMAIL_HOST of a local SMTP server).
    """
    original_broker = celery_app.conf.broker_url
    if settings.CELERY_BROKER_URL.startswith("sqla"):
        broker_url = f"sqlalchemy+sqlite:///{tmp_path / 'broker.sqlite3'}"
    else:
        broker_url = settings.CELERY_BROKER_URL
    _use_broker(broker_url)
    # A shared broker (Redis in CI) may hold tasks that earlier tests enqueued without a worker.
    celery_app.control.purge()
    workers: list[LiveWorker] = []

    def start(extra_env: dict | None = None, beat: bool = True, concurrency: int = 2) -> LiveWorker:
        env = {
            "DATABASE_URL": _database_url_of_test_database(),
            "CELERY_BROKER_URL": broker_url,
            "OUTBOUND_ALLOWED_PRIVATE_HOSTS": ",".join(settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS),
            **(extra_env or {}),
        }
        worker = start_live_worker(env, tmp_path, len(workers), beat=beat, concurrency=concurrency)
        workers.append(worker)
        worker.wait_for(lambda: "ready." in worker.log(), timeout=60, what="the worker to be ready")
        return worker

    yield start
    for worker in workers:
        worker.stop()
    _use_broker(original_broker)


@pytest.fixture
def live_worker(celery_worker_factory) -> LiveWorker:
    """One real Celery worker with beat, on the test database and a broker of its own."""
    return celery_worker_factory()
