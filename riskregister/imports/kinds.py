"""Kinds of import: a base class and one registry `kind -> class`, as for status sources.

An import kind turns an uploaded file into rows of the register. The job machinery
(riskregister/imports/services.py) stores the upload, runs the kind in a worker and records the
outcome; a kind only says who may start it, how to read and check the file, and how to write it.

Adding a kind (the catalog import, a code scan):

    from riskregister.imports.kinds import ImportKind, ImportRefused, register

    @register
    class CatalogImport(ImportKind):
        kind = "catalog_models_dev"
        label = "Model catalog (models.dev)"
        needs_team = False                     # an admin's import, not a team's

        def may_start(self, *, actor, team):
            return actor is None or is_admin(actor)

        def validate(self, *, job, content, progress):
            ...                                # read, check, resolve; no writes
            return plan                        # anything apply() understands

        def apply(self, *, job, plan, progress):
            ...                                # runs inside one transaction
            return {"created": 12}             # the summary, JSON

Import the module from the owning app's `AppConfig.ready()`, then
`services.import_job_create(kind="catalog_models_dev", content=..., filename=..., actor=...)`
from the view, admin action, command or API endpoint, and link to the job's progress page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings


@dataclass(frozen=True)
class Issue:
    """Something wrong with the file: where (`row 4`, `component gpt-9`, `file`) and what."""

    where: str
    message: str

    def as_json(self) -> dict:
        return {"where": self.where, "message": self.message}


class ImportRefused(Exception):
    """The file cannot be imported: nothing was written. `issues` says every reason found."""

    def __init__(self, issues: list[Issue], summary: dict | None = None):
        super().__init__("; ".join(f"{issue.where}: {issue.message}" for issue in issues[:5]))
        self.issues = issues
        self.summary = summary or {}

    @classmethod
    def file(cls, message: str) -> ImportRefused:
        return cls([Issue("file", message)])


class ImportKind:
    """One kind of import. Instances are stateless; one is made per use."""

    kind: ClassVar[str]
    label: ClassVar[str]
    # A team's import (dependencies, a code scan) or a site-wide one (the catalog).
    needs_team: ClassVar[bool] = True

    @property
    def max_bytes(self) -> int:
        return settings.IMPORT_MAX_BYTES

    def may_start(self, *, actor, team) -> bool:
        """Who may start this import; `actor=None` is the system (a command at the shell)."""
        from riskregister.teams.access import can_edit_team

        return actor is None or (team is not None and can_edit_team(actor, team.pk))

    def clean_options(self, options: dict) -> dict:
        """The options the kind takes besides the file (JSON values), cleaned; ValidationError if bad."""
        return {}

    def validate(self, *, job, content: bytes, progress) -> Any:
        """Read and check the whole file without writing; raise ImportRefused with every issue.
        `progress(done, total)` reports how far it got. Must be linear in the size of the file."""
        raise NotImplementedError

    def apply(self, *, job, plan: Any, progress) -> dict:
        """Write what `validate` planned. Runs inside one transaction: raising undoes everything.
        Returns the summary kept on the job (JSON)."""
        raise NotImplementedError


_REGISTRY: dict[str, type[ImportKind]] = {}


def register(cls: type[ImportKind]) -> type[ImportKind]:
    if not getattr(cls, "kind", ""):
        raise TypeError(f"{cls.__name__} has no kind")
    if cls.kind in _REGISTRY and _REGISTRY[cls.kind] is not cls:
        raise ValueError(f"import kind {cls.kind!r} is registered twice ({_REGISTRY[cls.kind].__name__}, {cls.__name__})")
    _REGISTRY[cls.kind] = cls
    return cls


def get_kind(kind: str) -> ImportKind:
    try:
        return _REGISTRY[kind]()
    except KeyError:
        raise LookupError(f"no import kind {kind!r}") from None


def kind_choices() -> list[tuple[str, str]]:
    return sorted((kind, cls.label) for kind, cls in _REGISTRY.items())
