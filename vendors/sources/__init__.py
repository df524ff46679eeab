"""Source kinds: one adapter class per module, registered by kind in one `kind -> class` registry
(vendors/registry.py). VendorsConfig.ready() imports BUILTIN_MODULES, whose classes register
themselves; `kind_choices` feeds StatusSource.kind and `get_kind(kind)` returns an adapter.
"""

from __future__ import annotations

from vendors.registry import Registry

# The modules that define the built-in kinds, imported by VendorsConfig.ready(): they use
# vendors.models, which takes its choices from here, so they cannot be imported by this module.
BUILTIN_MODULES = (
    "vendors.sources.statuspage",
    "vendors.sources.feed",
    "vendors.sources.openai_models",
    "vendors.sources.anthropic_models",
    "vendors.sources.federal_register",
    "vendors.sources.catalog",
)

source_kinds: Registry = Registry("source kind")
register = source_kinds.register


def get_kind(kind: str):
    """The adapter of `kind` (LookupError for an unknown one)."""
    return source_kinds.get(kind)()


def kind_choices() -> list[tuple[str, str]]:
    """Choices of StatusSource.kind: whatever is registered."""
    return source_kinds.choices()


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
