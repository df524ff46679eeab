"""The pages at 10,000 and 100,000 dependencies (six risks each), as a reviewer and as a lead.

    DEBUG=true .venv/bin/python bench/web.py                  # SQLite file var/bench-web.sqlite3
    DATABASE_URL=postgres://... DEBUG=true .venv/bin/python bench/web.py    # a scratch PostgreSQL
                                                               # database: it is FLUSHED first
    options: --sizes 10000,100000  --teams 500

For the dashboard, the register's first page, the supply-chain page and a dependency page it prints
the queries of each page (which must not grow with the register) and its in-process time (Django's
test client, best of three) beside that of /healthz in the same run, and the time of a full rollup
refresh (every team's dashboard figures). Goal: no page above 20 queries, none growing, each within
10 x /healthz; a full rollup under 10 s.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
if not os.environ.get("DATABASE_URL"):
    BENCH_DB = BASE_DIR / "var" / "bench-web.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{BENCH_DB}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DB}"

from exposure import World  # noqa: E402  (bench/exposure.py: the same synthetic register)

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from riskregister.risks.models import Dependency, Risk  # noqa: E402
from riskregister.teams.models import REVIEWERS_GROUP, Membership  # noqa: E402
from riskregister.web.rollup import rollups_refresh  # noqa: E402
from vendors.models import VendorRelationship  # noqa: E402


def timed(client: Client, path: str, repeat: int = 3) -> tuple[int, float, int]:
    best, queries, status = float("inf"), 0, 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            best = min(best, time.perf_counter() - started)
        queries, status = len(captured.captured_queries), response.status_code
    return queries, best, status


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--teams", type=int, default=500)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        # A flush empties the rows the data migrations wrote (the failure-mode catalog): put them back.
        call_command("flush", interactive=False, verbosity=0)
        from riskregister.risks.services import failure_modes_ensure_catalog

        failure_modes_ensure_catalog()
    world = World(args.teams, random.Random(2026))
    providers = [offering.model.provider for offering in world.offerings[:1]]
    cloud = next(offering.distributor for offering in world.offerings if offering.distributor_id != offering.model.provider_id)
    VendorRelationship.objects.create(source=cloud, target=providers[0], kind="invests_in")
    reviewer = User.objects.create_user("bench-reviewer")
    reviewer.groups.add(Group.objects.get_or_create(name=REVIEWERS_GROUP)[0])
    lead = User.objects.create_user("bench-lead")
    Membership.objects.create(team=world.teams[0], user=lead, role=Membership.Role.LEAD)

    for size in [int(value) for value in args.sizes.split(",")]:
        started = time.perf_counter()
        world.grow_to(size)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"\n{size:,} dependencies, {Risk.objects.count():,} risks, {args.teams} teams on {connection.vendor} "
              f"(built in {time.perf_counter() - started:.1f}s)", flush=True)
        started = time.perf_counter()
        refreshed = rollups_refresh()
        print(f"full rollup refresh: {refreshed} teams in {time.perf_counter() - started:.2f}s", flush=True)
        dependency = Dependency.objects.filter(team=world.teams[0]).order_by("id").first()
        pages = {
            "dashboard": "/",
            "register, first page": "/register/",
            "supply chain": "/supply-chain/",
            "dependency": f"/dependencies/{dependency.id}/",
        }
        for who, user in (("reviewer", reviewer), ("lead", lead)):
            client = Client()
            client.force_login(user)
            client.get("/")  # warm the session and the roles, as any later visit
            _, healthz, _ = timed(client, "/healthz")
            print(f"  as {who}: /healthz {healthz * 1000:.1f} ms")
            for name, path in pages.items():
                queries, seconds, status = timed(client, path)
                print(f"    {name:<22} {status}  {queries:>3} queries  {seconds * 1000:>8.1f} ms  {seconds / healthz:>6.1f} x /healthz", flush=True)


if __name__ == "__main__":
    main()
