"""Exposure and a provider-ban scenario at 10,000 and 100,000 dependencies (six risks each).

    DEBUG=true .venv/bin/python bench/exposure.py                 # SQLite file var/bench-exposure.sqlite3
    DATABASE_URL=postgres://... DEBUG=true .venv/bin/python bench/exposure.py   # a scratch PostgreSQL database:
                                                                  # it is FLUSHED first
    options: --sizes 10000,100000  --teams 500  --naive-sample 10000

For every grouping of exposure, concentration, fallback coverage and a ban of the largest provider
(`scenarios.run_scenario`: blast radius plus exposure before and after), it prints the queries and
the time of the register's code beside those of the naive per-object loop it replaces (walk every
dependency, load its route and risks one by one). The naive loop runs over a sample of
`--naive-sample` dependencies and is extrapolated linearly to the full size; those columns are
marked "~".
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings")
os.environ.setdefault("DEBUG", "true")
if not os.environ.get("DATABASE_URL"):
    BENCH_DB = BASE_DIR / "var" / "bench-exposure.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{BENCH_DB}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DB}"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from riskregister.risks import exposure, scoring  # noqa: E402
from riskregister.risks.catalog import ALWAYS, CATALOG  # noqa: E402
from riskregister.risks.impact import tested_since  # noqa: E402
from riskregister.risks.models import Dependency, FailureMode, Fallback, Risk  # noqa: E402
from riskregister.risks.scenarios import run_scenario  # noqa: E402
from riskregister.teams.models import Team  # noqa: E402
from vendors.models import AIModel, Offering, Vendor  # noqa: E402
from vendors.reach import Event  # noqa: E402

PROVIDERS = 20
MODELS_PER_PROVIDER = 5
DISTRIBUTORS = 6
COUNTRIES = ["US", "US", "US", "FR", "GB", "DE", "CN", "JP"]
BATCH = 5000


# --- the register --------------------------------------------------------------------------------


class World:
    def __init__(self, teams: int, rng: random.Random):
        self.rng = rng
        providers = Vendor.objects.bulk_create(
            Vendor(slug=f"provider-{i}", name=f"Provider {i}", provides_models=True, headquarters_country=COUNTRIES[i % len(COUNTRIES)])
            for i in range(PROVIDERS)
        )
        distributors = Vendor.objects.bulk_create(
            Vendor(slug=f"cloud-{i}", name=f"Cloud {i}", distributes_models=True, headquarters_country=COUNTRIES[(i * 3) % len(COUNTRIES)])
            for i in range(DISTRIBUTORS)
        )
        models = AIModel.objects.bulk_create(
            AIModel(provider=provider, slug=f"{provider.slug}-m{j}", name=f"{provider.name} model {j}")
            for provider in providers
            for j in range(MODELS_PER_PROVIDER)
        )
        offerings = []
        for model in models:
            offerings.append(Offering(model=model, distributor=model.provider, distributor_model_id=model.slug))
            for cloud in rng.sample(distributors, 2):
                offerings.append(Offering(model=model, distributor=cloud, distributor_model_id=f"{cloud.slug}.{model.slug}"))
        self.offerings = Offering.objects.bulk_create(offerings)
        self.provider_of = {offering.pk: offering.model.provider_id for offering in self.offerings}
        # A skewed market: provider 0 carries the most work (Zipf-like weights).
        self.weights = [1 / (1 + self.provider_of[offering.pk] - providers[0].pk) for offering in self.offerings]
        self.largest_provider = providers[0]
        self.teams = Team.objects.bulk_create(Team(slug=f"team-{i}", name=f"Team {i:03d}") for i in range(teams))
        self.modes = list(FailureMode.objects.filter(slug__in=[entry["slug"] for entry in CATALOG if entry["proposed"] == ALWAYS]))
        assert len(self.modes) == 6, "the failure-mode catalog (migration 0003) is missing"
        self.count = 0

    def grow_to(self, size: int) -> None:
        rng, today = self.rng, timezone.localdate()
        while self.count < size:
            chunk = min(BATCH, size - self.count)
            chosen = rng.choices(self.offerings, weights=self.weights, k=chunk)
            dependencies = Dependency.objects.bulk_create(
                Dependency(
                    team=self.teams[(self.count + i) % len(self.teams)],
                    system=f"service-{self.count + i}",
                    offering=offering,
                    criticality=rng.choice((1, 2, 2, 3, 3, 3, 4)),
                )
                for i, offering in enumerate(chosen)
            )
            risks, fallbacks = [], []
            for dependency in dependencies:
                for mode in self.modes:
                    inherent_l, inherent_i = rng.randint(1, 5), rng.randint(1, 5)
                    risks.append(
                        Risk(
                            dependency=dependency,
                            failure_mode=mode,
                            inherent_likelihood=inherent_l,
                            inherent_impact=inherent_i,
                            residual_likelihood=rng.randint(1, inherent_l),
                            residual_impact=rng.randint(1, inherent_i),
                        )
                    )
                if rng.random() < 0.6:
                    fallback = rng.choice(self.offerings)
                    if fallback.pk != dependency.offering_id:
                        fallbacks.append(
                            Fallback(dependency=dependency, offering=fallback, tested_on=today - datetime.timedelta(days=rng.randint(0, 200)))
                        )
            Risk.objects.bulk_create(risks, batch_size=BATCH)
            Fallback.objects.bulk_create(fallbacks, batch_size=BATCH)
            self.count += chunk


# --- the naive loops they replace ----------------------------------------------------------------


def naive_dependencies(sample: int):
    return Dependency.objects.order_by("id")[:sample]


def naive_exposure_by(by: str, sample: int) -> dict:
    totals = defaultdict(int)
    for dependency in naive_dependencies(sample):
        offering = dependency.offering
        keys = {
            "team": lambda: [dependency.team.slug],
            "provider": lambda: [offering.model.provider.slug],
            "distributor": lambda: [offering.distributor.slug],
            "jurisdiction": lambda: {offering.model.provider.headquarters_country, offering.distributor.headquarters_country},
        }[by]()
        for risk in dependency.risks.all():
            if risk.status == Risk.Status.CLOSED:
                continue
            value = scoring.weighted_exposure(risk.residual_likelihood, risk.residual_impact, dependency.criticality)
            for key in keys:
                totals[key] += value
    return totals


def naive_concentration(sample: int) -> dict:
    counts = defaultdict(int)
    for dependency in naive_dependencies(sample):
        if dependency.criticality in exposure.critical_tiers():
            counts[dependency.offering.model.provider.slug] += 1
    return counts


def naive_fallback_coverage(sample: int) -> int:
    since, covered = tested_since(), 0
    for dependency in naive_dependencies(sample):
        if dependency.criticality not in exposure.critical_tiers():
            continue
        provider_id = dependency.offering.model.provider_id
        covered += any(
            fallback.tested_on and fallback.tested_on >= since and fallback.offering.model.provider_id != provider_id
            for fallback in dependency.fallbacks.all()
        )
    return covered


def naive_ban_scenario(provider_id: int, sample: int) -> dict:
    since, before, after, hit = tested_since(), 0, 0, []
    for dependency in naive_dependencies(sample):
        reached = dependency.offering.model.provider_id == provider_id
        covered = reached and any(
            fallback.tested_on and fallback.tested_on >= since and fallback.offering.model.provider_id != provider_id
            for fallback in dependency.fallbacks.all()
        )
        if reached:
            hit.append((dependency.team.slug, dependency.system, covered))
        for risk in dependency.risks.all():
            weight = scoring.criticality_weight(dependency.criticality)
            before += risk.residual_likelihood * risk.residual_impact * weight
            after += (5 if reached and not covered else risk.residual_likelihood) * risk.residual_impact * weight
    return {"hit": hit, "before": before, "after": after}


# --- measuring -----------------------------------------------------------------------------------


def measure(function, repeat: int = 1):
    """(queries, best time). Queries are counted by a wrapper, not logged, so that the naive loops'
    tens of thousands of queries are counted right."""
    best, queries = None, 0
    for _ in range(repeat):
        count = [0]

        def counter(execute, sql, params, many, context):
            count[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            function()
            elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
        queries = count[0]
    return queries, best


def run(sizes: list[int], teams: int, naive_sample: int) -> list[dict]:
    rows = []
    world = World(teams, random.Random(2026))
    for size in sizes:
        started = time.perf_counter()
        world.grow_to(size)
        if connection.vendor == "postgresql":
            # PostgreSQL plans by the statistics autovacuum keeps; right after a bulk load they are
            # missing (and the coverage query's plan is then 15 times slower), so gather them as it would.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(f"\n{size:,} dependencies, {Risk.objects.count():,} risks, {Fallback.objects.count():,} fallbacks, {teams} teams "
              f"(built in {time.perf_counter() - started:.1f}s)", flush=True)
        ban = Event("ban", "provider", world.largest_provider.pk)
        sample = min(naive_sample, size)
        scale = size / sample
        operations = [
            *[(f"exposure by {by}", (lambda by=by: exposure.exposure_by(by)), (lambda by=by: naive_exposure_by(by, sample))) for by in exposure.GROUPINGS],
            ("concentration", exposure.concentration, lambda: naive_concentration(sample)),
            ("fallback coverage", exposure.fallback_coverage, lambda: naive_fallback_coverage(sample)),
            ("ban of largest provider", lambda: run_scenario([ban]), lambda: naive_ban_scenario(world.largest_provider.pk, sample)),
        ]
        print(f"{'operation':<26}{'queries':>8}{'time':>10}   {'naive queries':>14}{'naive time':>12}{'ratio':>9}", flush=True)
        for name, fast, naive in operations:
            queries, elapsed = measure(fast, repeat=2)
            naive_queries, naive_elapsed = measure(naive)
            naive_queries, naive_elapsed = round(naive_queries * scale), naive_elapsed * scale
            mark = "~" if scale > 1 else " "
            row = {"size": size, "operation": name, "queries": queries, "seconds": elapsed,
                   "naive_queries": naive_queries, "naive_seconds": naive_elapsed, "extrapolated": scale > 1}
            rows.append(row)
            print(f"{name:<26}{queries:>8}{elapsed:>9.3f}s   {mark}{naive_queries:>13,}{mark}{naive_elapsed:>10.1f}s{naive_elapsed / elapsed:>8.0f}x", flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--naive-sample", type=int, default=10000, help="dependencies the naive loop walks before extrapolating")
    options = parser.parse_args()
    sizes = sorted(int(size) for size in options.sizes.split(","))
    vendor = connection.vendor
    print(f"database: {vendor} ({connection.settings_dict['NAME']})", flush=True)
    call_command("migrate", verbosity=0)
    if vendor != "sqlite":
        call_command("flush", interactive=False, verbosity=0)
    from riskregister.risks.services import failure_modes_ensure_catalog

    failure_modes_ensure_catalog()
    rows = run(sizes, options.teams, options.naive_sample)
    by_operation = defaultdict(list)
    for row in rows:
        by_operation[row["operation"]].append(row["queries"])
    flat = all(len(set(counts)) == 1 for counts in by_operation.values())
    print(f"\nquery counts {'the same at every size' if flat else 'NOT flat'}: "
          + ", ".join(f"{name} {counts[0]}" for name, counts in by_operation.items()))
    print("~ = naive loop timed on a sample of dependencies and extrapolated linearly to the full size")


if __name__ == "__main__":
    main()
