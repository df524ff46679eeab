"""Alert fan-out: a provider ban reaching 10,000 dependencies in 500 teams, and the time from a
status flip on a local status page to the email at a local SMTP server.

    DEBUG=true .venv/bin/python bench/fanout.py            # scratch SQLite files under a temp directory
    options: --teams 500  --sizes 1000,10000  --flips 3  --skip-latency

Part 1 (in this process): for each size, a manual ban of a provider whose models carry that many
dependencies spread over the same teams; `batch_dispatch` is timed and its database queries counted
(the goal: one email per team, and queries that do not grow with the number of dependencies), then
every alert is delivered to a local aiosmtpd server and the emails that arrive are counted.

Part 2 (a real `celery worker --beat` with the default schedule): a loopback status page flips an
offering to major_outage and back; the time from each flip to the email's arrival is measured,
split into detection (flip -> change recorded by the sweep) and alerting (change -> email).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
SCRATCH = Path(tempfile.mkdtemp(prefix="bench-fanout-"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SMTP_PORT = _free_port()
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "riskregister.settings",
        "DEBUG": os.environ.get("DEBUG", "true"),
        "VAR_DIR": str(SCRATCH / "var"),
        "DATABASE_URL": f"sqlite:///{SCRATCH / 'fanout.sqlite3'}",
        "CELERY_BROKER_URL": f"sqlalchemy+sqlite:///{SCRATCH / 'broker-part1.sqlite3'}",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(SMTP_PORT),
        "OUTBOUND_ALLOWED_PRIVATE_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
)

import django  # noqa: E402

django.setup()

from aiosmtpd.controller import Controller  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from riskregister.alerts import services  # noqa: E402
from riskregister.alerts.models import Alert  # noqa: E402
from riskregister.risks.models import Dependency, Fallback  # noqa: E402
from riskregister.teams.models import Membership, Team  # noqa: E402
from vendors.models import AIModel, Offering, StatusChange, StatusSource, Vendor  # noqa: E402
from vendors.recording import status_change_record  # noqa: E402


class Inbox:
    """aiosmtpd handler counting what arrives, with the arrival time of each message."""

    def __init__(self):
        self.lock = threading.Lock()
        self.arrivals: list[tuple[float, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.arrivals.append((time.monotonic(), list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.arrivals)


def build_teams(count: int) -> list[Team]:
    Team.objects.bulk_create([Team(name=f"Team {n:03d}", slug=f"team-{n:03d}") for n in range(count)])
    teams = list(Team.objects.order_by("id"))
    User = get_user_model()
    User.objects.bulk_create([User(username=f"member-{t.slug}", email=f"{t.slug}@example.com") for t in teams])
    users = {u.username: u for u in User.objects.filter(username__startswith="member-")}
    Membership.objects.bulk_create([Membership(team=t, user=users[f"member-{t.slug}"]) for t in teams])
    return teams


def build_provider(slug: str, teams: list[Team], dependencies: int, fallback_to: Offering) -> Vendor:
    """A provider with 5 models, each offered directly and through a distributor; `dependencies`
    spread evenly over the teams, one in four with a fallback on another provider."""
    provider = Vendor.objects.create(name=slug.title(), slug=slug, provides_models=True, headquarters_country="US")
    distributor = Vendor.objects.create(name=f"{slug.title()} Cloud", slug=f"{slug}-cloud", distributes_models=True)
    offerings = []
    for m in range(5):
        model = AIModel.objects.create(provider=provider, name=f"{slug} model {m}", slug=f"{slug}-model-{m}")
        for via in (provider, distributor):
            offerings.append(Offering.objects.create(model=model, distributor=via, distributor_model_id=f"{via.slug}-{m}", status="operational"))
    per_team = dependencies // len(teams)
    Dependency.objects.bulk_create(
        [
            Dependency(team=team, system=f"{slug}-svc-{i}", offering=offerings[(t + i) % len(offerings)], criticality=1 + i % 4)
            for t, team in enumerate(teams)
            for i in range(per_team)
        ],
        batch_size=2000,
    )
    deps = Dependency.objects.filter(offering__model__provider=provider).values_list("id", flat=True)
    Fallback.objects.bulk_create(
        [Fallback(dependency_id=dep_id, offering=fallback_to, tested_on=timezone.localdate()) for dep_id in deps[::4]],
        batch_size=2000,
    )
    return provider


def part_one(teams_count: int, sizes: list[int]) -> list[dict]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    rows = []
    try:
        teams = build_teams(teams_count)
        other = Vendor.objects.create(name="Elsewhere", slug="elsewhere", provides_models=True)
        fallback_to = Offering.objects.create(
            model=AIModel.objects.create(provider=other, name="Elsewhere 1", slug="elsewhere-1"), distributor=other,
            distributor_model_id="elsewhere-1", status="operational",
        )
        for n, size in enumerate(sizes):
            provider = build_provider(f"provider{n}", teams, size, fallback_to)
            change = status_change_record(kind="lifecycle", title="export-control ban", severity="critical",
                                          vendor=provider, current_value="banned", announce=False)
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as dispatch_queries:
                alerts = services.batch_dispatch(batch=change.batch)
            dispatch_seconds = time.perf_counter() - started
            before = inbox.count()
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as delivery_queries:
                outcome = services.alerts_deliver_due()
            deliver_seconds = time.perf_counter() - started
            emails = inbox.count() - before
            rows.append(
                {
                    "dependencies": Dependency.objects.filter(offering__model__provider=provider).count(),
                    "teams": teams_count,
                    "alerts": len(alerts),
                    "emails": emails,
                    "sent": outcome["sent"],
                    "dispatch_queries": len(dispatch_queries),
                    "dispatch_s": dispatch_seconds,
                    "delivery_queries": len(delivery_queries),
                    "deliver_s": deliver_seconds,
                }
            )
    finally:
        controller.stop()
    return rows


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


def part_two(flips: int) -> list[dict]:
    from tests.vendors.payloads import statuspage_summary

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    StatusPage.body = statuspage_summary()
    page = ThreadingHTTPServer(("127.0.0.1", 0), StatusPage)
    threading.Thread(target=page.serve_forever, daemon=True).start()
    provider = Vendor.objects.create(name="Flip Labs", slug="flip-labs", provides_models=True)
    offering = Offering.objects.create(
        model=AIModel.objects.create(provider=provider, name="Flip 1", slug="flip-1"), distributor=provider,
        distributor_model_id="flip-1", status="operational",
    )
    team = Team.objects.create(name="Flip team", slug="flip-team")
    user = get_user_model().objects.create(username="flip-member", email="flip@example.com")
    Membership.objects.create(team=team, user=user)
    Dependency.objects.create(team=team, system="flip-svc", offering=offering, criticality=1)
    # A source checked at every sweep tick (30 s): its own interval is the source's setting, not the schedule's.
    source = StatusSource.objects.create(
        name="Flip status page", kind="statuspage", url=f"http://127.0.0.1:{page.server_port}/api/v2/summary.json",
        vendor=provider, interval=30, config={"components": {"Claude API": [offering.id]}},
    )
    env = {**os.environ, "CELERY_BROKER_URL": f"sqlalchemy+sqlite:///{SCRATCH / 'broker-part2.sqlite3'}", "LOG_LEVEL": "INFO"}
    log = open(SCRATCH / "worker.log", "wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "riskregister", "worker", "--beat", "--loglevel=INFO", "--concurrency=2",
         f"--schedule={SCRATCH / 'beat'}", "--without-mingle", "--without-gossip"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    results = []
    try:
        deadline = time.monotonic() + 120
        while StatusSource.objects.get(id=source.id).last_success_at is None:
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit(f"the worker never checked the source; see {SCRATCH / 'worker.log'}")
            time.sleep(0.5)
        states = ["major_outage", "operational"]
        for flip in range(flips):
            state = states[flip % 2]
            before_emails, before_changes = inbox.count(), StatusChange.objects.filter(source=source).count()
            StatusPage.body = statuspage_summary({"Claude API": state})
            flipped = time.monotonic()
            recorded = None
            deadline = flipped + 180
            while inbox.count() == before_emails:
                if recorded is None and StatusChange.objects.filter(source=source).count() > before_changes:
                    recorded = time.monotonic()
                if time.monotonic() > deadline:
                    raise SystemExit(f"no email within 180 s of flip {flip}; see {SCRATCH / 'worker.log'}")
                time.sleep(0.05)
            arrived = inbox.arrivals[before_emails][0]
            recorded = recorded or arrived
            results.append({"flip": f"operational -> {state}" if state != "operational" else "major_outage -> operational",
                            "detect_s": recorded - flipped, "alert_s": arrived - recorded, "total_s": arrived - flipped})
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        page.shutdown()
        controller.stop()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--flips", type=int, default=3)
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"scratch database and logs: {SCRATCH}")

    rows = part_one(args.teams, [int(size) for size in args.sizes.split(",")])
    print("\nProvider ban fan-out (dispatch in one transaction, then delivery to a local aiosmtpd):")
    print(f"{'dependencies':>12} {'teams':>6} {'alerts':>6} {'emails':>6} {'dispatch q':>10} {'dispatch s':>10} "
          f"{'delivery q':>10} {'q/email':>7} {'deliver s':>9} {'emails/s':>8}")
    for row in rows:
        print(f"{row['dependencies']:>12} {row['teams']:>6} {row['alerts']:>6} {row['emails']:>6} {row['dispatch_queries']:>10} "
              f"{row['dispatch_s']:>10.2f} {row['delivery_queries']:>10} {row['delivery_queries'] / max(row['emails'], 1):>7.1f} "
              f"{row['deliver_s']:>9.2f} {row['emails'] / row['deliver_s']:>8.0f}")
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        print(f"dependencies x{last['dependencies'] / first['dependencies']:.0f}: dispatch queries "
              f"x{last['dispatch_queries'] / first['dispatch_queries']:.2f}, dispatch time x{last['dispatch_s'] / first['dispatch_s']:.2f}")
    assert all(row["emails"] == row["teams"] for row in rows), "expected exactly one email per team"

    if not args.skip_latency:
        flips = part_two(args.flips)
        print("\nStatus flip on a loopback page -> email at the SMTP server (real worker, default beat schedule,"
              " source interval 30 s):")
        print(f"{'flip':>30} {'detect s':>9} {'alert s':>8} {'total s':>8}")
        for row in flips:
            print(f"{row['flip']:>30} {row['detect_s']:>9.1f} {row['alert_s']:>8.1f} {row['total_s']:>8.1f}")
        print(f"median total {statistics.median(r['total_s'] for r in flips):.1f} s, "
              f"max {max(r['total_s'] for r in flips):.1f} s; median change -> email "
              f"{statistics.median(r['alert_s'] for r in flips):.1f} s")


if __name__ == "__main__":
    main()
