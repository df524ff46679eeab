"""`bin/run-all` (what `make run` starts): up, healthy, and gone within 10 s of a SIGTERM or Ctrl-C."""

import base64
import os
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT, _database_url_of_test_database

STOP_WITHIN_SECONDS = 10


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc (children started in sessions of their own included)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        children = {child for child, parent in parents.items() if parent in frontier} - found
        found |= children
        frontier = children
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its parent's bookkeeping is left


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


@pytest.fixture
def run_all(transactional_db, tmp_path):
    """Start bin/run-all on a free port with the settings `make run` gives it (DEBUG off, a key of its
    own, the HTTPS settings off on loopback), on the test database and a broker of its own."""
    port = free_port()
    log_path = tmp_path / "run-all.log"
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CHANNEL_SECRET_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "BEHIND_PROXY": "false",
        "PORT": str(port),
        "DATABASE_URL": _database_url_of_test_database(),
        "CELERY_BROKER_URL": f"sqlalchemy+sqlite:///{tmp_path / 'broker.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
        "VENV": str(Path(os.sys.executable).parent.parent),
    }
    env.pop("SITE_URL", None)
    # As `make run` does before it starts bin/run-all: with DEBUG off the pages' static files are
    # served from the collected, hashed manifest.
    subprocess.run([os.sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
                   cwd=PROJECT_ROOT, env=env, check=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(PROJECT_ROOT / "bin" / "run-all")], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.port = port
    process.log = lambda: log_path.read_text(errors="replace")
    yield process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        for pid in descendants(process.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        process.wait(timeout=10)


def wait_healthy(process, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"run-all exited with {process.returncode}:\n{process.log()[-4000:]}"
        status, body = get(f"http://127.0.0.1:{process.port}/healthz")
        if status == 200:
            return body
        time.sleep(0.5)
    raise AssertionError(f"/healthz never answered 200:\n{process.log()[-4000:]}")


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_run_all_stops_web_and_worker_within_ten_seconds_and_exits_0(run_all, stop_signal):
    wait_healthy(run_all)
    # A non-debug 404 while it runs: the demo runs with DEBUG off.
    status, body = get(f"http://127.0.0.1:{run_all.port}/no-such-page/")
    assert status == 404 and "Traceback" not in body and "URLconf" not in body
    processes = descendants(run_all.pid)
    assert len(processes) >= 3, "the web server, the worker and its pool should be running"

    run_all.send_signal(stop_signal)
    try:
        returncode = run_all.wait(timeout=STOP_WITHIN_SECONDS)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"run-all still running {STOP_WITHIN_SECONDS} s after {stop_signal.name}:\n{run_all.log()[-3000:]}")
    assert returncode == 0, run_all.log()[-3000:]
    left = sorted(pid for pid in processes if running(pid))
    assert not left, f"processes left after run-all stopped: {left}"


@pytest.mark.slow
def test_run_all_start_up_log_is_readable(run_all):
    wait_healthy(run_all)
    assert get(f"http://127.0.0.1:{run_all.port}/no-such-page/")[0] == 404
    run_all.send_signal(signal.SIGTERM)
    run_all.wait(timeout=STOP_WITHIN_SECONDS)
    log = run_all.log()
    lines = log.splitlines()
    # While the worker starts, /healthz answers 503: said once by the view, never as an ERROR per probe.
    # (A worker that beats before the web server's first probe leaves no 503 to speak of.)
    if '"GET /healthz HTTP/1.1" 503' in log:
        assert "healthz: unhealthy" in log, log[-4000:]
    assert not [line for line in lines if "ERROR" in line and "/healthz" in line], log[-4000:]
    # A refusal is one WARNING line, with no traceback after it.
    [refusal] = [index for index, line in enumerate(lines) if "WARNING django.request Not Found: /no-such-page/" in line]
    assert "Traceback" not in lines[refusal + 1], log[-4000:]


def test_make_run_makes_its_secret_key_once_readable_only_by_its_owner(tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    make = ["make", "-s", "-C", str(PROJECT_ROOT), f"SECRET_KEY_FILE={key_file}", str(key_file)]
    subprocess.run(make, check=True, capture_output=True, timeout=60)
    key = key_file.read_text()
    assert len(key) >= 50 and len(set(key)) > 20
    assert key_file.stat().st_mode & 0o777 == 0o600
    subprocess.run(make, check=True, capture_output=True, timeout=60)
    assert key_file.read_text() == key, "made once, then kept"
