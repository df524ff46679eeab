"""Source kinds: one adapter class per module, registered by slug.

`get_kind(slug)` returns the adapter; `kind_choices()` feeds StatusSource.kind. The modules are
imported lazily because they use vendors.models, which takes its choices from here.
"""

from __future__ import annotations

import importlib

_MODULES = (
    "vendors.sources.statuspage",
    "vendors.sources.feed",
    "vendors.sources.openai_models",
    "vendors.sources.anthropic_models",
    "vendors.sources.federal_register",
    "vendors.sources.catalog",
)

_REGISTRY: dict[str, object] = {}
_loaded = False


def register(cls):
    """Class decorator: make `cls` the adapter of `cls.slug`."""
    _REGISTRY[cls.slug] = cls()
    return cls


def _load() -> dict:
    global _loaded
    if not _loaded:
        for module in _MODULES:
            importlib.import_module(module)
        _loaded = True
    return _REGISTRY


def get_kind(slug: str):
    try:
        return _load()[slug]
    except KeyError:
        raise LookupError(f"Unknown source kind {slug!r}.") from None


def all_kinds() -> dict:
    return dict(_load())


def kind_choices() -> list[tuple[str, str]]:
    return [(slug, kind.label) for slug, kind in _load().items()]
