"""Time from a status flip on a loopback status page to the message at a local SMTP server, at a
local Slack stand-in and at a local webhook receiver that verifies the Standard Webhooks signature,
polling only and with the page pushing its webhook to the source's push URL; and the cost of an
idle tick.

    DEBUG=true .venv/bin/python bench/latency.py            # scratch SQLite files under a temp directory
    options: --flips 10  --modes poll,push  --broker redis://127.0.0.1:6379/0
    BENCH_DATABASE_URL=postgresql://... runs on that (empty) database instead of a scratch SQLite file

A real `celery worker --beat` on the default schedule (sweep every 5 s) checks the page; the
register's own WSGI app answers pushes on a loopback port. In `poll` mode the source's interval is
30 s (the minimum, and the hot interval): detection waits for the next check. In `push` mode the
source's interval is 300 s (the model's default) and the page POSTs a Statuspage component_update
body to the push URL right after each flip. Flips are spaced by more than CHECKS_PUSH_MIN_INTERVAL
plus a random 0-5 s, so that neither the rate limit nor the tick's phase is what is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
SCRATCH = Path(tempfile.mkdtemp(prefix="bench-latency-"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SMTP_PORT, WEB_PORT = _free_port(), _free_port()
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "riskregister.settings",
        "DEBUG": os.environ.get("DEBUG", "true"),
        "VAR_DIR": str(SCRATCH / "var"),
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{SCRATCH / 'latency.sqlite3'}",
        "CELERY_BROKER_URL": f"sqlalchemy+sqlite:///{SCRATCH / 'broker.sqlite3'}",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(SMTP_PORT),
        "OUTBOUND_ALLOWED_PRIVATE_HOSTS": "127.0.0.1",
        # The Slack stand-in and the webhook receiver are on loopback too.
        "CHANNEL_ALLOWED_PRIVATE_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{WEB_PORT}",
        "LOG_LEVEL": "WARNING",
    }
)

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from riskregister.alerts.models import Subscription  # noqa: E402
from riskregister.alerts.services import subscription_secret_rotate  # noqa: E402
from riskregister.risks.models import Dependency  # noqa: E402
from tests.alerts.channels.receivers import Receiver  # noqa: E402
from riskregister.teams.models import Membership, Team  # noqa: E402
from tests.vendors.payloads import statuspage_summary  # noqa: E402
from vendors import push, services  # noqa: E402
from vendors.models import AIModel, Offering, StatusChange, StatusSource, Vendor  # noqa: E402


class Inbox:
    def __init__(self):
        self.lock = threading.Lock()
        self.arrivals: list[float] = []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.arrivals.append(time.monotonic())
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.arrivals)


class StatusPage(BaseHTTPRequestHandler):
    body = b"{}"

    def do_GET(self):  # noqa: N802 (http.server's name)
        payload = type(self).body
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def send_webhook(url: str, status: str) -> int:
    """What Statuspage POSTs on a component change (FORMATS.md, "Pushed updates")."""
    body = json.dumps({
        "meta": {"unsubscribe": "https://status.example.com/unsubscribe", "generated_at": timezone.now().isoformat()},
        "page": {"id": "flip", "status_indicator": "major", "status_description": "Partial System Outage"},
        "component_update": {"id": f"cu{time.time_ns()}", "component_id": "c2", "old_status": "operational",
                             "new_status": status, "created_at": timezone.now().isoformat()},
        "component": {"id": "c2", "name": "Claude API", "status": status},
    }).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def idle_tick_cost(sources: int, rounds: int = 200) -> dict:
    """`sweep()` with `sources` sources none of which is due: queries and time per tick."""
    far = timezone.now() + timezone.timedelta(days=1)
    StatusSource.objects.bulk_create([
        StatusSource(name=f"idle {n}", kind="statuspage", url=f"https://status{n}.example.com/api/v2/summary.json",
                     interval=300, next_check_at=far) for n in range(sources)
    ])
    with CaptureQueriesContext(connection) as queries:
        services.sweep()
    started = time.perf_counter()
    for _ in range(rounds):
        services.sweep()
    return {"sources": sources, "queries": len(queries), "ms": (time.perf_counter() - started) / rounds * 1000}


CHANNELS = ("email", "slack", "webhook")


def build_world(page_port: int, slack: Receiver, hook: Receiver) -> tuple[StatusSource, Offering]:
    provider = Vendor.objects.create(name="Flip Labs", slug="flip-labs", provides_models=True)
    offering = Offering.objects.create(
        model=AIModel.objects.create(provider=provider, name="Flip 1", slug="flip-1"), distributor=provider,
        distributor_model_id="flip-1", status="operational",
    )
    team = Team.objects.create(name="Flip team", slug="flip-team")
    user = get_user_model().objects.create(username="flip-member", email="flip@example.com")
    Membership.objects.create(team=team, user=user)
    Dependency.objects.create(team=team, system="flip-svc", offering=offering, criticality=1)
    # One alert per flip for the team, delivered to three targets: its members' email, Slack, a webhook.
    Subscription.objects.create(team=team, min_severity="info")
    Subscription.objects.create(team=team, channel="slack", target=slack.url, min_severity="info")
    hook.secret = subscription_secret_rotate(
        subscription=Subscription.objects.create(team=team, channel="webhook", target=hook.url, min_severity="info"))
    source = StatusSource.objects.create(
        name="Flip status page", kind="statuspage", url=f"http://127.0.0.1:{page_port}/api/v2/summary.json",
        vendor=provider, interval=30, config={"components": {"Claude API": [offering.id]}},
    )
    return source, offering


def arrivals(inbox: Inbox, slack: Receiver, hook: Receiver) -> dict[str, list[float]]:
    """When each channel's messages arrived (a webhook only once its signature verified)."""
    with inbox.lock:
        mail = list(inbox.arrivals)
    return {"email": mail, "slack": [a.at for a in slack.accepted()],
            "webhook": [a.at for a in hook.accepted() if a.verified]}


def run_mode(mode: str, flips: int, source: StatusSource, inbox: Inbox, slack: Receiver, hook: Receiver,
             worker) -> dict[str, list[float]]:
    StatusSource.objects.filter(id=source.id).update(interval=30 if mode == "poll" else 300)
    push_url = push.push_url_rotate(source=source) if mode == "push" else ""
    if mode == "poll":
        push.push_url_revoke(source=source)
    totals: dict[str, list[float]] = {channel: [] for channel in CHANNELS}
    states = ["major_outage", "operational"]
    for flip in range(flips):
        time.sleep(settings.CHECKS_PUSH_MIN_INTERVAL + 1 + random.uniform(0, 5))
        state = states[flip % 2]
        before = {channel: len(times) for channel, times in arrivals(inbox, slack, hook).items()}
        StatusPage.body = statuspage_summary({"Claude API": state})
        flipped = time.monotonic()
        if push_url:
            status = send_webhook(push_url, state)
            assert status == 202, status
        deadline = flipped + 180
        while True:
            now = arrivals(inbox, slack, hook)
            if all(len(now[channel]) > before[channel] for channel in CHANNELS):
                break
            if time.monotonic() > deadline or worker.poll() is not None:
                missing = [channel for channel in CHANNELS if len(now[channel]) == before[channel]]
                raise SystemExit(f"nothing on {missing} within 180 s of flip {flip} ({mode}); see {SCRATCH / 'worker.log'}")
            time.sleep(0.02)
        line = []
        for channel in CHANNELS:
            totals[channel].append(now[channel][before[channel]] - flipped)
            line.append(f"{channel} {totals[channel][-1]:6.2f} s")
        print(f"  {mode} flip {flip + 1:>2} -> {state:<13} " + "  ".join(line), flush=True)
    return totals


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered) + 0.5) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flips", type=int, default=10)
    parser.add_argument("--modes", default="poll,push")
    parser.add_argument("--broker", default="", help="a broker URL for the worker, e.g. redis://127.0.0.1:6379/0")
    parser.add_argument("--idle-sources", type=int, default=1000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"scratch database and logs: {SCRATCH}")

    idle = idle_tick_cost(args.idle_sources)
    print(f"\nIdle sweep tick, {idle['sources']} sources none due: {idle['queries']} query, {idle['ms']:.2f} ms per tick "
          f"(every {settings.CELERY_BEAT_SCHEDULE['checks-sweep']['schedule']:.0f} s)")

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    StatusPage.body = statuspage_summary()
    page = ThreadingHTTPServer(("127.0.0.1", 0), StatusPage)
    threading.Thread(target=page.serve_forever, daemon=True).start()
    web = make_server("127.0.0.1", WEB_PORT, WSGIHandler(), server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    slack = Receiver(path="/services/T0BENCH/B0BENCH/benchtoken").start()
    hook = Receiver(path="/alerts").start()
    source, _ = build_world(page.server_port, slack, hook)

    broker = args.broker or os.environ["CELERY_BROKER_URL"]
    env = {**os.environ, "CELERY_BROKER_URL": broker, "LOG_LEVEL": "INFO"}
    os.environ["CELERY_BROKER_URL"] = broker  # the push view enqueues on the worker's broker
    from riskregister.celery import app

    app.conf.broker_url = broker
    log = open(SCRATCH / "worker.log", "wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "riskregister", "worker", "--beat", "--loglevel=INFO", "--concurrency=2",
         f"--schedule={SCRATCH / 'beat'}", "--without-mingle", "--without-gossip"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    results: dict[str, dict[str, list[float]]] = {}
    try:
        deadline = time.monotonic() + 120
        while StatusSource.objects.get(id=source.id).last_success_at is None:
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit(f"the worker never checked the source; see {SCRATCH / 'worker.log'}")
            time.sleep(0.5)
        for mode in args.modes.split(","):
            results[mode] = run_mode(mode, args.flips, source, inbox, slack, hook, worker)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        page.shutdown()
        web.shutdown()
        controller.stop()
        slack.stop()
        hook.stop()

    changes = StatusChange.objects.filter(source=source).count()
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    received = {channel: len(times) for channel, times in arrivals(inbox, slack, hook).items()}
    rejected = sum(1 for a in hook.arrivals if a.verified is False)
    print(f"\nFlip on a loopback status page -> message at a local SMTP server, Slack stand-in and webhook receiver "
          f"(real worker --beat, default schedule, broker {broker.split(':', 1)[0]}, database {database}); "
          f"{changes} changes recorded; received {received}, {rejected} webhook(s) with a bad signature:")
    print(f"{'mode':>6} {'channel':>8} {'flips':>5} {'median s':>9} {'p95 s':>7} {'max s':>7}")
    for mode, by_channel in results.items():
        for channel, totals in by_channel.items():
            print(f"{mode:>6} {channel:>8} {len(totals):>5} {statistics.median(totals):>9.2f} {p95(totals):>7.2f} "
                  f"{max(totals):>7.2f}")


if __name__ == "__main__":
    main()
