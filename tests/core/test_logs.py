"""The console log stays readable: ordinary refusals without tracebacks, probes without ERRORs,
and links in emails on the port `make run` serves."""

import io
import logging
import os
import subprocess
import sys

import pytest

from riskregister.core.logging import QuietExpectedResponses
from tests.conftest import PROJECT_ROOT


@pytest.fixture
def console():
    """The text the configured console handler (settings.LOGGING) writes."""
    handlers = [h for h in logging.getLogger().handlers if any(isinstance(f, QuietExpectedResponses) for f in h.filters)]
    assert handlers, "the console handler carries the QuietExpectedResponses filter"
    handler = handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_an_ordinary_403_is_one_line_without_a_traceback(client, member_a, console):
    client.force_login(member_a)
    assert client.get("/review/").status_code == 403
    text = console.getvalue()
    assert "WARNING django.request Forbidden (Permission denied): /review/" in text
    assert "Traceback" not in text and "PermissionDenied" not in text


def test_a_server_error_keeps_its_traceback(console):
    logger = logging.getLogger("django.request")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.error("Internal Server Error: /x", exc_info=True, extra={"status_code": 500})
    assert "Traceback" in console.getvalue() and "RuntimeError: boom" in console.getvalue()


def test_healthz_503_is_not_an_error_per_probe(client, db, console):
    for _ in range(3):
        assert client.get("/healthz").status_code == 503
    # What the development server logs for each probe (django.core.servers.basehttp).
    logging.getLogger("django.server").error('"%s" %s %s', "GET /healthz HTTP/1.1", "503", "173", extra={"status_code": 503})
    logging.getLogger("django.server").error('"%s" %s %s', "GET /api/v1/x HTTP/1.1", "503", "10", extra={"status_code": 503})
    lines = console.getvalue().splitlines()
    assert not [line for line in lines if "ERROR" in line and "/healthz" in line], lines
    assert len([line for line in lines if "healthz: unhealthy" in line]) <= 1, "one line for the state, not one per probe"
    assert [line for line in lines if "ERROR" in line and "/api/v1/x" in line], "other 503s are still errors"


def test_links_in_emails_follow_the_port_make_run_serves_on():
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "DATABASE_URL")}
    env.update(DEBUG="true", PORT="18123")
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", "from django.conf import settings; print(settings.SITE_URL)"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "http://127.0.0.1:18123", result.stderr

