"""The catalog as the scanner sees it: every id and name a route or a model goes by, lower-cased.

Plain data, no database: riskregister/scan/catalog.py builds it from the register's offerings and
models; tests and the benchmark build it from lists.

Two kinds of key:
- a **route id** names one distributor's route: the Offering's distributor model id and the raw
  catalog ids it was imported from (`anthropic.claude-…-v1:0` on Bedrock, `claude-…@20250929` on
  Vertex, `us.anthropic.…` inference profiles), so the id itself says which distributor is used;
- a **model name** (the AIModel's slug, name and aliases) names the model on every route it has;
  which route the code uses is then decided from the SDK next to it (plan.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# A key must look like an id to be searched for: a short or plain word ("o3", "large", "command")
# would match ordinary text.
MIN_KEY_LENGTH = 4
_ID_MARKS = frozenset("0123456789.-/:@_")


@dataclass(frozen=True)
class Route:
    """One Offering: a model through one distributor."""

    offering_id: int
    model: str  # the model's slug
    model_name: str
    provider: str  # vendor slugs
    distributor: str
    distributor_model_id: str
    distributor_name: str = ""

    @property
    def label(self) -> str:
        via = self.distributor_name or self.distributor
        return f"{self.model_name} via {via}"


@dataclass(frozen=True)
class Match:
    """What a key names: one or more routes, and whether the key is a route's own id."""

    key: str
    routes: tuple[Route, ...]
    route_id: bool


def distinctive(key: str) -> bool:
    return len(key) >= MIN_KEY_LENGTH and not any(ch.isspace() for ch in key) and any(ch in _ID_MARKS for ch in key)


class CatalogIndex:
    def __init__(self) -> None:
        self._route_ids: dict[str, list[Route]] = {}
        self._model_names: dict[str, list[Route]] = {}

    @classmethod
    def build(cls, *, routes: Iterable[tuple[Route, Iterable[str]]], models: Iterable[tuple[str, Iterable[str]]]) -> CatalogIndex:
        """`routes`: each Route with its other route ids (catalog ids); `models`: each model slug
        with the names it goes by (slug, name, aliases)."""
        index = cls()
        by_model: dict[str, list[Route]] = {}
        for route, other_ids in routes:
            by_model.setdefault(route.model, []).append(route)
            for key in {route.distributor_model_id, *other_ids}:
                index._add(index._route_ids, key, route)
        for slug, names in models:
            for route in by_model.get(slug, ()):
                for key in {slug, *names}:
                    index._add(index._model_names, key, route)
        return index

    @staticmethod
    def _add(table: dict[str, list[Route]], key: str, route: Route) -> None:
        key = (key or "").strip().lower()
        if not distinctive(key):
            return
        routes = table.setdefault(key, [])
        if route not in routes:
            routes.append(route)

    def route_ids(self) -> list[str]:
        return list(self._route_ids)

    def __len__(self) -> int:
        return len(self._route_ids) + len(self._model_names)

    def lookup(self, key: str) -> Match | None:
        """A route id wins over a model name: `gpt-5.1` names OpenAI's route and Azure's, but a
        Bedrock id names Bedrock's route only."""
        key = key.lower()
        routes = self._route_ids.get(key)
        if routes:
            return Match(key, tuple(routes), True)
        routes = self._model_names.get(key)
        if routes:
            return Match(key, tuple(routes), False)
        return None

    def __contains__(self, key: str) -> bool:
        key = key.lower()
        return key in self._route_ids or key in self._model_names
