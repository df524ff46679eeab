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


def validate_config(kind: str, config) -> dict:
    """`config` checked by the serializer of `kind`, and the offering and model ids it names.

    Raises rest_framework's ValidationError (`{"config": [...]}`), so an API serializer can call it
    from its `validate()`; StatusSource.clean() turns it into a model ValidationError.
    """
    from rest_framework import serializers

    from vendors.models import AIModel, Offering

    try:
        adapter = get_kind(kind)
    except LookupError as exc:
        raise serializers.ValidationError({"kind": [str(exc)]}) from None
    try:
        validated = adapter.validate_config(config)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({"config": exc.detail}) from None
    referenced = adapter.referenced_ids(validated)
    errors = []
    for label, model, ids in (("offering", Offering, referenced["offerings"]), ("model", AIModel, referenced["models"])):
        missing = set(ids) - set(model.objects.filter(id__in=ids).values_list("id", flat=True))
        if missing:
            errors.append(f"No {label} with id {', '.join(map(str, sorted(missing)))}.")
    if errors:
        raise serializers.ValidationError({"config": errors})
    return validated
