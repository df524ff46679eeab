"""A PostgreSQL cluster and a Redis server of the tests' own, on free loopback ports, that a test can
stop and start; the machine's services (5432, 6379) are never touched.

PostgreSQL refuses to run as root, so as root (CI) the cluster is initialised and run as the
`postgres` user, in a temporary directory that user owns. Without the binaries (or, not being root,
without the right to run them) the tests are skipped; with CI=true a missing binary fails them.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.alerts.conftest import free_port, smtp_port, world  # noqa: F401  (fixtures of the alert tests)

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what} (CI=true: the reliability tests must run)")
    pytest.skip(what)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# --- PostgreSQL ---------------------------------------------------------------------------------

def _postgres_bin() -> Path | None:
    override = os.environ.get("PG_BIN")
    candidates = [override] if override else sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0
    )
    for directory in reversed(candidates):
        if directory and (Path(directory) / "initdb").is_file() and (Path(directory) / "pg_ctl").is_file():
            return Path(directory)
    return None


@dataclass
class PrivatePostgres:
    bin: Path
    root: Path
    port: int
    as_postgres: bool
    log_path: Path = field(init=False)

    def __post_init__(self):
        self.data = self.root / "data"
        self.log_path = self.root / "postgres.log"

    def _run(self, *command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}\n"
                                 f"{self.log_path.read_text(errors='replace')[-2000:] if self.log_path.exists() else ''}")
        return result

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> PrivatePostgres:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--no-instructions", timeout=120)
        return self

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log_path), "-w", "-t", "60",
                  "start", timeout=90)

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session (what a restart by the operator does); `immediate` is a crash."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", timeout=90)
        _wait(lambda: not _port_open(self.port), 10, "PostgreSQL to stop listening")

    def running(self) -> bool:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        return subprocess.run([*prefix, str(self.bin / "pg_ctl"), "-D", str(self.data), "status"],
                              capture_output=True, cwd=self.root).returncode == 0

    def create_database(self, name: str) -> str:
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)


@pytest.fixture(scope="session")
def private_postgres():
    """A PostgreSQL cluster of the test session's own, started on a free port."""
    pg_bin = _postgres_bin()
    if pg_bin is None:
        _missing("no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin or PG_BIN")
    as_root = os.geteuid() == 0
    if as_root and shutil.which("runuser") is None:
        _missing("running as root without runuser to start PostgreSQL as the postgres user")
    root = Path(tempfile.mkdtemp(prefix="test-private-pg-"))
    if as_root:
        try:
            shutil.chown(root, user="postgres", group="postgres")
        except (LookupError, PermissionError) as exc:
            shutil.rmtree(root, ignore_errors=True)
            _missing(f"no postgres user to own the private cluster: {exc}")
        root.chmod(0o700)
    cluster = PrivatePostgres(bin=pg_bin, root=root, port=free_port(), as_postgres=as_root)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        if cluster.running():
            try:
                cluster.stop("immediate")
            except AssertionError:
                pass
        shutil.rmtree(root, ignore_errors=True)


# --- Redis --------------------------------------------------------------------------------------

@dataclass
class PrivateRedis:
    binary: str
    root: Path
    port: int
    process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        log = open(self.root / "redis.log", "ab")
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root)],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.root,
        )
        log.close()
        _wait(lambda: _port_open(self.port) or self.process.poll() is not None, 20, "Redis to listen")
        if self.process.poll() is not None:
            raise AssertionError(f"redis-server exited: {(self.root / 'redis.log').read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        """Down, and everything it held is gone (no persistence): the broker lost its messages."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        _wait(lambda: not _port_open(self.port), 10, "Redis to stop listening")

    def queued(self, queue: str = "celery") -> int:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2).llen(queue)


@pytest.fixture
def private_redis(tmp_path):
    """A Redis of the test's own (no persistence), on a free port, that the test stops and starts."""
    binary = os.environ.get("REDIS_SERVER") or shutil.which("redis-server")
    if not binary:
        _missing("no redis-server binary")
    server = PrivateRedis(binary=binary, root=tmp_path, port=free_port())
    server.start()
    yield server
    server.stop()


# --- the product's commands against the private services ----------------------------------------

def manage(*args: str, env: dict, timeout: float = 180) -> str:
    """Run `manage.py` with the given environment; its output, or a failure showing it."""
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env={**os.environ, "DEBUG": "true", **env},
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr[-4000:]}")
    return result.stdout + result.stderr
