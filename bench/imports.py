"""Imports of 5,000 CSV rows and of a 5,000-component CycloneDX BOM, on a fresh SQLite file.

    DEBUG=true .venv/bin/python bench/imports.py              # var/bench-imports.sqlite3, recreated
    options: --rows 5000  --components 5000  --validate 25000  --compare 1000

For each import it prints the time of the web request that accepts the upload (it stores the file
and enqueues the job on a broker file of its own, var/bench-imports-broker.sqlite3) and the time of
the job itself, run in this process by calling the task function as a worker would, in wall-clock and in CPU
seconds (on a shared machine the CPU figure is the one that does not depend on the neighbours). It then times
the BOM's schema check alone on a `--validate`-component BOM with jsonschema_rs (what the import
uses) and, on a `--compare`-component BOM, cyclonedx-python-lib's validator (what the import used to
run in the request), printing the ratio per component.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings")
os.environ.setdefault("DEBUG", "true")
BENCH_DB = BASE_DIR / "var" / "bench-imports.sqlite3"
BENCH_BROKER = BASE_DIR / "var" / "bench-imports-broker.sqlite3"
if not os.environ.get("DATABASE_URL"):
    for path in (BENCH_DB, BENCH_BROKER):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DB}"
# Never the development broker: a running `make run` worker must not see these jobs.
os.environ["CELERY_BROKER_URL"] = f"sqlalchemy+sqlite:///{BENCH_BROKER}"
os.environ.setdefault("IMPORT_MAX_ROWS", "30000")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from riskregister.imports.models import ImportJob  # noqa: E402
from riskregister.imports.tasks import run_import_job  # noqa: E402
from riskregister.risks.bom import read_bom  # noqa: E402
from riskregister.risks.models import Dependency, Risk  # noqa: E402
from riskregister.teams.models import Membership, Team  # noqa: E402
from vendors.models import AIModel, Offering, Vendor  # noqa: E402

MODELS = 40


def build_catalog() -> list[tuple[AIModel, Offering, Offering]]:
    anthropic = Vendor.objects.create(slug="anthropic", name="Anthropic", provides_models=True)
    openai = Vendor.objects.create(slug="openai", name="OpenAI", provides_models=True)
    amazon = Vendor.objects.create(slug="amazon", name="Amazon Web Services", distributes_models=True, aliases=["AWS"])
    routes = []
    for number in range(MODELS):
        provider = anthropic if number % 2 else openai
        model = AIModel.objects.create(provider=provider, slug=f"model-{number}", name=f"Model {number}")
        direct = Offering.objects.create(model=model, distributor=provider, distributor_model_id=f"model-{number}")
        resold = Offering.objects.create(model=model, distributor=amazon, distributor_model_id=f"vendor.model-{number}-v1:0")
        routes.append((model, direct, resold))
    return routes


def csv_file(rows: int) -> bytes:
    lines = ["system,model,distributor,environment,criticality,fallback_model,fallback_distributor,fallback_tested_on"]
    for number in range(rows):
        model, fallback = number % MODELS, (number + 1) % MODELS
        lines.append(f"csv-service-{number},model-{model},{'AWS' if number % 3 else ''},production,{number % 4 + 1},"
                     f"model-{fallback},,2026-10-01")
    return ("\n".join(lines) + "\n").encode()


def bom_file(components: int, routes) -> bytes:
    """The export's shape: models, services for their routes, and one application per dependency."""
    models = [{"type": "machine-learning-model", "bom-ref": f"model-{m.slug}", "name": m.name,
               "supplier": {"name": m.provider.name}} for m, _, _ in routes]
    services, edges = [], []
    for model, direct, resold in routes:
        for offering in (direct, resold):
            services.append({"bom-ref": f"offering-{offering.pk}", "name": offering.distributor_model_id,
                             "provider": {"name": offering.distributor.name}})
            edges.append({"ref": f"offering-{offering.pk}", "dependsOn": [f"model-{model.slug}"]})
    applications = []
    for number in range(components - len(models)):
        _, direct, resold = routes[number % MODELS]
        fallback = routes[(number + 1) % MODELS][1]
        ref = f"app-{number}"
        applications.append({
            "type": "application", "bom-ref": ref, "name": f"bom-service-{number}",
            "properties": [{"name": "riskregister:criticality", "value": str(number % 4 + 1)},
                           {"name": "riskregister:route", "value": f"offering-{(resold if number % 2 else direct).pk}"},
                           {"name": "riskregister:fallback", "value": f"offering-{fallback.pk} tested_on=2026-10-01"}],
        })
        edges.append({"ref": ref, "dependsOn": [f"offering-{(resold if number % 2 else direct).pk}", f"offering-{fallback.pk}"]})
    document = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
                "metadata": {"component": {"type": "application", "name": "bench", "bom-ref": "root"}},
                "components": [*models, *applications], "services": services, "dependencies": edges}
    return json.dumps(document).encode()


def plain_bom(components: int) -> bytes:
    return json.dumps({
        "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "components": [{"type": "machine-learning-model", "bom-ref": f"m{i}", "name": f"model-{i}",
                        "supplier": {"name": "Anthropic"}} for i in range(components)],
    }).encode()


def run(client: Client, team: Team, name: str, content: bytes, fmt: str) -> None:
    started = time.perf_counter()
    response = client.post(f"/teams/{team.slug}/dependencies/import/",
                           {"format": fmt, "file": SimpleUploadedFile(name, content)})
    request_seconds = time.perf_counter() - started
    assert response.status_code == 302, response.content[:2000]
    job = ImportJob.objects.latest("created_at")
    before = Dependency.objects.filter(team=team).count()
    with CaptureQueriesContext(connection) as queries:
        started, cpu_started = time.perf_counter(), time.process_time()
        run_import_job(job.pk)
        job_seconds, job_cpu = time.perf_counter() - started, time.process_time() - cpu_started
    job.refresh_from_db()
    assert job.status == "succeeded", job.issues[:5]
    created = Dependency.objects.filter(team=team).count() - before
    print(f"{name:<12} {len(content) / 1024:>8.0f} KiB  request {request_seconds * 1000:>6.0f} ms  "
          f"job {job_seconds:>6.2f} s (CPU {job_cpu:>5.2f} s)  {created:>5} dependencies  {job.summary['risks']:>6} risks  "
          f"{job.summary['fallbacks']:>5} fallbacks  {len(queries.captured_queries):>5} queries")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--components", type=int, default=5000)
    parser.add_argument("--validate", type=int, default=25000)
    parser.add_argument("--compare", type=int, default=1000)
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    setup_test_environment()  # the test client's host name
    connection.force_debug_cursor = False
    from django.contrib.auth import get_user_model

    lead = get_user_model().objects.create_user("bench-lead")
    routes = build_catalog()
    client = Client()
    client.force_login(lead)
    print(f"{connection.vendor}, {MODELS} models on {MODELS * 2} routes\n")
    # The first request of a process pays for imports, templates and the broker's tables; it is
    # shown apart from the figures of a warm server.
    warm = Team.objects.create(slug="warm-up", name="warm-up")
    Membership.objects.create(team=warm, user=lead, role=Membership.Role.LEAD)
    started = time.perf_counter()
    client.post("/teams/warm-up/dependencies/import/", {"format": "csv", "file": SimpleUploadedFile("w.csv", csv_file(1))})
    run_import_job(ImportJob.objects.get(team=warm).pk)
    print(f"first request of the process (cold): {(time.perf_counter() - started) * 1000:.0f} ms\n")
    for slug, name, content, fmt in (
        ("csv-team", "deps.csv", csv_file(options.rows), "csv"),
        ("bom-team", "bom.cdx.json", bom_file(options.components, routes), "cyclonedx"),
    ):
        team = Team.objects.create(slug=slug, name=slug)
        Membership.objects.create(team=team, user=lead, role=Membership.Role.LEAD)
        run(client, team, name, content, fmt)
    print(f"\nrisks in the register: {Risk.objects.count()}, import jobs: {ImportJob.objects.count()} "
          f"(uploads kept: {ImportJob.objects.exclude(content=None).count()})")

    big = plain_bom(options.validate)
    started = time.perf_counter()
    read_bom(big)
    fast = time.perf_counter() - started
    print(f"\nschema check, jsonschema_rs:          {options.validate:>6} components  {fast * 1000:>8.0f} ms"
          f"  ({fast / options.validate * 1e6:.1f} µs per component, JSON parsing and depth check included)")
    if options.compare:
        from cyclonedx.schema import SchemaVersion
        from cyclonedx.validation.json import JsonStrictValidator

        small = plain_bom(options.compare).decode()
        started = time.perf_counter()
        JsonStrictValidator(SchemaVersion.V1_6).validate_str(small)
        slow = time.perf_counter() - started
        print(f"schema check, cyclonedx-python-lib:   {options.compare:>6} components  {slow * 1000:>8.0f} ms"
              f"  ({slow / options.compare * 1e6:.1f} µs per component; "
              f"{(slow / options.compare) / (fast / options.validate):.0f}x jsonschema_rs per component at "
              f"{options.validate / options.compare:.0f}x fewer components)")


if __name__ == "__main__":
    main()
