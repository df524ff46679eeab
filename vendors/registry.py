"""The one registry style of the project's pluggable kinds: status source kinds (vendors/sources/)
and alert channels (riskregister/alerts/channels/). A `kind -> class` map, filled by the modules
that define the kinds as the app's `AppConfig.ready()` imports them; a second class for one kind
is an error. A model's `kind` (or `channel`) field takes its choices from `choices`."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T", bound=type)


class Registry(Generic[T]):
    def __init__(self, what: str):
        self.what = what
        self._classes: dict[str, T] = {}

    def load(self, modules: Iterable[str]) -> None:
        """Import the modules that define the kinds (from AppConfig.ready()); each registers its class."""
        for module in modules:
            importlib.import_module(module)

    def register(self, cls: T) -> T:
        """Class decorator: make `cls` the class of `cls.kind`."""
        kind = getattr(cls, "kind", "")
        if not kind:
            raise ValueError(f"{cls.__name__} names no {self.what} kind")
        if kind in self._classes and self._classes[kind] is not cls:
            raise ValueError(f"{self.what} {kind!r} registered twice: {self._classes[kind].__name__} and {cls.__name__}")
        self._classes[kind] = cls
        return cls

    def get(self, kind: str) -> T:
        try:
            return self._classes[kind]
        except KeyError:
            raise LookupError(f"Unknown {self.what} {kind!r}.") from None

    def __contains__(self, kind: str) -> bool:
        return kind in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._classes))

    def items(self) -> list[tuple[str, T]]:
        return sorted(self._classes.items())

    def choices(self) -> list[tuple[str, str]]:
        """(kind, label) of every registered class, for a model field's `choices`."""
        return [(kind, getattr(cls, "label", kind) or kind) for kind, cls in self.items()]
