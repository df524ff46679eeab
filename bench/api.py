"""Latency and throughput of the REST API on PostgreSQL, under wrk, against gunicorn on loopback.

    DEBUG=true .venv/bin/python bench/api.py [--dependencies 100000] [--risks-per-dependency 6] [--duration 10]

Builds a bench database (`riskregister_bench_api` on BENCH_PG_URL, default
postgresql://postgres@127.0.0.1:5432), migrates it, fills it with the given number of dependencies
(six risks each by default, one fallback each), starts gunicorn on a loopback port and runs wrk
against the main list and detail endpoints and /healthz in the same run. Prints p50/p95 latency,
requests per second, the ratio of each endpoint's p50 to /healthz's, and each endpoint's queries
per request. The bench database is dropped at the end unless --keep is given.
"""

import argparse
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
VENV_BIN = Path(sys.executable).parent

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %.3f %.3f %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, summary.errors.status, errors))
end
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dependencies", type=int, default=100_000)
    parser.add_argument("--risks-per-dependency", type=int, default=6, choices=range(1, 11))
    parser.add_argument("--teams", type=int, default=200)
    parser.add_argument("--duration", type=int, default=10, help="Seconds of wrk per endpoint.")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (4 threads each).")
    parser.add_argument("--keep", action="store_true", help="Keep the bench database afterwards.")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def psql(server_url: str, sql: str) -> None:
    subprocess.run(["psql", f"{server_url}/postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True)


def populate(args) -> dict:
    """Catalog and teams through the ORM; dependencies, fallbacks and risks by INSERT ... SELECT."""
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction
    from rest_framework.authtoken.models import Token

    from riskregister.risks.models import FailureMode
    from riskregister.teams.models import REVIEWERS_GROUP, Membership, Team
    from vendors.models import AIModel, Offering, Vendor

    with transaction.atomic():
        providers = Vendor.objects.bulk_create(
            Vendor(name=f"Provider {i}", slug=f"provider-{i}", provides_models=True, headquarters_country=["US", "FR", "CN", "GB"][i % 4])
            for i in range(20)
        )
        distributors = Vendor.objects.bulk_create(
            Vendor(name=f"Cloud {i}", slug=f"cloud-{i}", distributes_models=True, headquarters_country="US") for i in range(10)
        )
        models = AIModel.objects.bulk_create(
            AIModel(provider=providers[i % 20], name=f"Model {i}", slug=f"model-{i}") for i in range(200)
        )
        offerings = Offering.objects.bulk_create(
            Offering(model=model, distributor=distributor, distributor_model_id=f"{distributor.slug}.{model.slug}", status="operational")
            for model in models
            for distributor in [model.provider, distributors[model.id % 10], distributors[(model.id + 3) % 10]]
        )
        teams = Team.objects.bulk_create(Team(name=f"Team {i}", slug=f"team-{i}") for i in range(args.teams))
        admin = User.objects.create_user("bench-admin", password=secrets.token_urlsafe(), is_staff=True, is_superuser=True)
        lead = User.objects.create_user("bench-lead", password=secrets.token_urlsafe())
        Membership.objects.create(team=teams[0], user=lead, role=Membership.Role.LEAD)
        reviewer = User.objects.create_user("bench-reviewer", password=secrets.token_urlsafe())
        reviewer.groups.add(Group.objects.get_or_create(name=REVIEWERS_GROUP)[0])
        tokens = {name: Token.objects.create(user=user).key for name, user in (("admin", admin), ("lead", lead), ("reviewer", reviewer))}
        modes = list(FailureMode.objects.filter(team__isnull=True).order_by("id").values_list("id", flat=True))
        assert len(modes) >= args.risks_per_dependency, "the failure-mode catalog migration should have run"
        first_offering, offering_count = offerings[0].id, len(offerings)
        first_team = teams[0].id
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO risks_dependency (uuid, created_at, updated_at, team_id, system, offering_id, environment,
                                              criticality, owner_id, description, data_classification)
                SELECT gen_random_uuid(), now(), now(), %s + (n %% %s), 'service-' || n, %s + (n * 7 %% %s),
                       (ARRAY['production','staging','development'])[1 + n %% 3], 1 + n %% 4, NULL, '', 'internal'
                FROM generate_series(0, %s - 1) AS n
                """,
                [first_team, args.teams, first_offering, offering_count, args.dependencies],
            )
            cursor.execute(
                """
                INSERT INTO risks_fallback (uuid, created_at, updated_at, dependency_id, offering_id, tested_on, notes)
                SELECT gen_random_uuid(), now(), now(), d.id, %s + ((d.offering_id - %s + 1) %% %s),
                       CASE WHEN d.id %% 2 = 0 THEN current_date - 10 ELSE NULL END, ''
                FROM risks_dependency d
                """,
                [first_offering, first_offering, offering_count],
            )
            cursor.execute(
                """
                INSERT INTO risks_risk (uuid, created_at, updated_at, dependency_id, failure_mode_id, inherent_likelihood,
                                        inherent_impact, treatment, mitigation, residual_likelihood, residual_impact, status,
                                        owner_id, next_review_date, last_reviewed_at, acceptance_rationale,
                                        acceptance_expires_on, state_changed_at)
                SELECT gen_random_uuid(), now(), now(), d.id, (%s::bigint[])[1 + (d.id + k) %% %s],
                       1 + (d.id + k) %% 5, 1 + (d.id * 3 + k) %% 5, '', '', 1, 1,
                       'open', NULL, current_date + ((d.id + k) %% 365)::int, NULL, '', NULL, NULL
                FROM risks_dependency d CROSS JOIN generate_series(0, %s - 1) AS k
                """,
                [modes, len(modes), args.risks_per_dependency],
            )
            cursor.execute("ANALYZE")
        from riskregister.core.models import WorkerHeartbeat

        WorkerHeartbeat.objects.create(**{field: value for field, value in _heartbeat_fields().items()})
    from riskregister.risks.models import Dependency, Risk

    sample_dependency = Dependency.objects.filter(team=teams[0]).order_by("id").values_list("id", flat=True).first()
    sample_risk = Risk.objects.filter(dependency_id=sample_dependency).values_list("id", flat=True).first()
    return {
        "tokens": tokens,
        "dependency": sample_dependency,
        "risk": sample_risk,
        "team": teams[0].slug,
        "counts": {"dependencies": Dependency.objects.count(), "risks": Risk.objects.count()},
    }


def _heartbeat_fields() -> dict:
    from django.utils import timezone

    from riskregister.core.models import WorkerHeartbeat

    names = {field.name for field in WorkerHeartbeat._meta.concrete_fields}
    return {name: value for name, value in (("beat_at", timezone.now()), ("worker", "bench")) if name in names}


def queries_per_request(paths: list[tuple[str, str, str]], tokens: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    counts = {}
    for label, path, who in paths:
        client = APIClient(SERVER_NAME="127.0.0.1")
        if who:
            client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[who]}")
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        counts[label] = (len(queries), response.status_code)
    return counts


def wrk(url: str, token: str | None, args, script: str) -> dict:
    command = ["wrk", "-t2", f"-c{args.connections}", f"-d{args.duration}s", "-s", script, "--timeout", "10s"]
    if token:
        command += ["-H", f"Authorization: Token {token}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    match = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+) (\d+)", output)
    requests_, duration_us, p50, p95, non_2xx, socket_errors = match.groups()
    return {
        "requests": int(requests_),
        "rps": int(requests_) / (int(duration_us) / 1e6),
        "p50": float(p50),
        "p95": float(p95),
        "non_2xx": int(non_2xx),
        "socket_errors": int(socket_errors),
    }


def main():
    args = parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk).")
    server_url = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432").rstrip("/")
    database = "riskregister_bench_api"
    database_url = f"{server_url}/{database}"
    psql(server_url, f"DROP DATABASE IF EXISTS {database}")
    psql(server_url, f"CREATE DATABASE {database}")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "BEHIND_PROXY": "false",
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        # No Celery worker runs in the bench: one heartbeat written below keeps /healthz at 200.
        "HEARTBEAT_MAX_AGE_SECONDS": "86400",
        # The bench measures the server, not the throttle.
        "API_THROTTLE_USER": "100000000/minute",
        "API_THROTTLE_ANON": "100000000/minute",
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings")
    server = None
    try:
        started = time.monotonic()
        subprocess.run([str(VENV_BIN / "python"), "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=True)
        data = populate(args)
        print(f"built {data['counts']['dependencies']:,} dependencies and {data['counts']['risks']:,} risks "
              f"on PostgreSQL in {time.monotonic() - started:.0f} s")
        team, dep, risk = data["team"], data["dependency"], data["risk"]
        endpoints = [
            ("/healthz", "/healthz", None),
            ("dependencies list (admin, all teams)", "/api/v1/dependencies/", "admin"),
            ("dependencies list (lead, own team)", "/api/v1/dependencies/", "lead"),
            ("dependency detail", f"/api/v1/dependencies/{dep}/", "lead"),
            ("risks list (reviewer, all teams)", "/api/v1/risks/", "reviewer"),
            ("risks list (lead, own team)", "/api/v1/risks/", "lead"),
            ("risks list filtered (reviewer, team + band)", f"/api/v1/risks/?team={team}&band=high", "reviewer"),
            ("risk detail", f"/api/v1/risks/{risk}/", "lead"),
            ("assessments of a risk", f"/api/v1/risks/{risk}/assessments/", "lead"),
        ]
        queries = queries_per_request(endpoints, data["tokens"])
        port = free_port()
        server = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "riskregister.wsgi:application", "-b", f"127.0.0.1:{port}",
             "-w", str(args.workers), "-k", "gthread", "--threads", "4", "--log-level", "warning"],
            cwd=BASE_DIR, env=env,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/schema/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT)
        results = {}
        for label, path, who in endpoints:
            results[label] = wrk(f"http://127.0.0.1:{port}{path}", data["tokens"][who] if who else None, args, script.name)
        os.unlink(script.name)
        baseline = results["/healthz"]["p50"] or 1e-9
        print(f"\nwrk -t2 -c{args.connections} -d{args.duration}s against gunicorn ({args.workers} workers x 4 threads) on loopback, "
              f"{os.cpu_count()} CPU cores shared with wrk and PostgreSQL\n")
        print(f"{'endpoint':46} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'p50/healthz':>12} {'queries':>8} {'non-2xx':>8}")
        for label, result in results.items():
            print(f"{label:46} {result['p50']:8.1f} {result['p95']:8.1f} {result['rps']:8.0f} "
                  f"{result['p50'] / baseline:12.1f} {queries[label][0]:8d} {result['non_2xx'] + result['socket_errors']:8d}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            psql(server_url, f"DROP DATABASE IF EXISTS {database}")


if __name__ == "__main__":
    main()
