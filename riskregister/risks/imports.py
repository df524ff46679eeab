"""Register many dependencies at once: from a CSV file or from a CycloneDX AI-BOM.

Both are import kinds (riskregister/imports/kinds.py) run as background jobs: the web request only
stores the upload. An import is all or nothing: every row is read, resolved and checked first
(linear in the file: dictionary look-ups against a catalog index loaded once), and only a file
without an error is written, in one transaction, by `services.dependencies_create_bulk` (bulk
inserts; each dependency gets its proposed risks, and history records who imported it). Errors
name the row or the component; every one found is reported.
"""

from __future__ import annotations

import csv
import datetime
import io

from django.conf import settings
from django.core.exceptions import ValidationError

from riskregister.imports.kinds import ImportKind, ImportRefused, Issue, register
from riskregister.risks import bom, services
from riskregister.risks.models import Criticality, DataClassification, Environment
from vendors.models import Offering, Vendor
from vendors.selectors import models_by_name, offerings_by_distributor_model_id

CSV_COLUMNS = [
    "system", "model", "distributor", "distributor_model_id", "environment", "criticality", "data_classification",
    "description", "fallback_model", "fallback_distributor", "fallback_tested_on",
]
PROPERTY_PREFIX = bom.PROPERTY_PREFIX
# How many created or skipped lines a job's summary keeps (the counts are always complete).
SUMMARY_LINES = 500


class _Catalog:
    """Models, vendors and offerings by every name they go by, loaded once per import."""

    def __init__(self):
        self.models = models_by_name(display_names=True)
        self.vendors: dict[str, Vendor] = {}
        for vendor in Vendor.objects.all():
            for name in [vendor.slug, vendor.name, *vendor.aliases]:
                self.vendors.setdefault(str(name).strip().lower(), vendor)
        self.by_model_id = offerings_by_distributor_model_id()
        self.offerings: dict[tuple[int, int], list[Offering]] = {}
        for routes in self.by_model_id.values():
            for offering in routes:
                self.offerings.setdefault((offering.model_id, offering.distributor_id), []).append(offering)

    def offering(self, *, model: str | list[str], distributor: str = "", distributor_model_id: str = "") -> Offering:
        """The offering named by a model (a name, or names to try in turn) and a route; the
        provider's own API when no route is given."""
        names = [name for name in ([model] if isinstance(model, str) else model) if name and name.strip()]
        if distributor_model_id:
            candidates = self.by_model_id.get(distributor_model_id.strip().lower(), [])
            if distributor:
                vendor = self.vendor(distributor)
                candidates = [offering for offering in candidates if offering.distributor_id == vendor.id]
            if len(candidates) == 1:
                return candidates[0]
            if len(candidates) > 1:
                raise ValueError(f"distributor model id {distributor_model_id!r} is ambiguous: name the distributor")
        if not names:
            if distributor_model_id:
                raise ValueError(f"no offering with the distributor model id {distributor_model_id!r} in the catalog")
            raise ValueError("no model named")
        found = next((self.models[name.strip().lower()] for name in names if name.strip().lower() in self.models), None)
        if found is None:
            raise ValueError(f"no model called {names[0]!r} in the catalog")
        route = self.vendor(distributor) if distributor else found.provider
        offerings = self.offerings.get((found.id, route.id), [])
        if not offerings:
            raise ValueError(f"{found.name} is not offered by {route.name}")
        return offerings[0]

    def vendor(self, name: str) -> Vendor:
        vendor = self.vendors.get(name.strip().lower())
        if vendor is None:
            raise ValueError(f"no vendor called {name!r} in the catalog")
        return vendor


def _choice(value: str, choices, column: str, default):
    value = (value or "").strip().lower()
    if not value:
        return default
    if value not in choices:
        raise ValueError(f"{column} must be one of {', '.join(str(c) for c in choices)}")
    return value


def _criticality(value) -> int:
    text = str(value or "").strip().lower().removeprefix("tier").strip()
    if not text:
        return Criticality.TIER_3
    if text not in {"1", "2", "3", "4"}:
        raise ValueError("criticality must be a tier from 1 (most critical) to 4")
    return int(text)


def _date(value: str) -> datetime.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _resolve(catalog: _Catalog, spec: dict) -> dict:
    """A row's values as dependency_create takes them; ValueError says what is wrong."""
    if spec.get("error"):  # what reading the file already found wrong with the row
        raise ValueError(spec["error"])
    system = (spec.get("system") or "").strip()
    if not system:
        raise ValueError("system is required")
    offering = catalog.offering(
        model=spec.get("model") or "",
        distributor=spec.get("distributor") or "",
        distributor_model_id=spec.get("distributor_model_id") or "",
    )
    fallbacks = []
    if (spec.get("fallback_model") or "").strip():
        fallbacks.append(
            {
                "offering": catalog.offering(model=spec["fallback_model"], distributor=spec.get("fallback_distributor") or ""),
                "tested_on": _date(spec.get("fallback_tested_on") or ""),
            }
        )
    for route in spec.get("fallback_routes") or ():  # from a BOM: each its own model and route
        try:
            if route.get("error"):
                raise ValueError(route["error"])
            offering_of_route = catalog.offering(
                model=route.get("model") or "",
                distributor=route.get("distributor") or "",
                distributor_model_id=route.get("distributor_model_id") or "",
            )
        except ValueError as error:
            raise ValueError(f"fallback {route.get('label') or ''}: {error}".replace("fallback : ", "fallback: ")) from None
        fallbacks.append({"offering": offering_of_route, "tested_on": _date(route.get("tested_on") or "")})
    return {
        "system": system[:200],
        "owner": spec.get("owner"),
        "offering": offering,
        "environment": _choice(spec.get("environment"), Environment.values, "environment", Environment.PRODUCTION),
        "criticality": _criticality(spec.get("criticality")),
        "data_classification": _choice(
            spec.get("data_classification"), DataClassification.values, "data_classification", DataClassification.INTERNAL
        ),
        "description": (spec.get("description") or "").strip(),
        "fallbacks": fallbacks,
    }


def _resolve_all(specs: list[tuple[str, dict]], progress, *, owner) -> list[tuple[str, dict]]:
    """Every row resolved against the catalog, or ImportRefused with the issue of every bad row."""
    catalog = _Catalog()
    issues: list[Issue] = []
    resolved: list[tuple[str, dict]] = []
    total = len(specs)
    for number, (where, spec) in enumerate(specs, start=1):
        try:
            resolved.append((where, _resolve(catalog, {**spec, "owner": owner})))
        except ValueError as error:
            issues.append(Issue(where, str(error)))
        progress(number, total)
    progress(total, total, force=True)
    if issues:
        raise ImportRefused(issues, summary={"rows": total})
    return resolved


def dependencies_write(*, team, resolved: list[tuple[str, dict]], actor, extra: dict | None = None) -> dict:
    """Create the resolved dependencies all or nothing (an ImportRefused naming each problem) and
    say what was written, as an import job's summary: every importer of dependencies ends here."""
    try:
        outcome = services.dependencies_create_bulk(team=team, specs=resolved, actor=actor)
    except ValidationError as error:
        raise ImportRefused([Issue(where, message) for where, messages in error.message_dict.items() for message in messages]) from None
    return {
        "rows": len(resolved),
        "created": len(outcome.created),
        "fallbacks": outcome.fallbacks,
        "risks": outcome.risks,
        "skipped": len(outcome.skipped),
        "created_lines": [
            f"{d.system} → {d.offering} ({d.environment}, tier {d.criticality})" for d in outcome.created[:SUMMARY_LINES]
        ],
        "skipped_lines": outcome.skipped[:SUMMARY_LINES],
        **(extra or {}),
    }


def read_csv(content: bytes) -> list[tuple[str, dict]]:
    """The rows of a CSV with a header row (columns in CSV_COLUMNS; `system` and `model` or
    `distributor_model_id` are required), at most IMPORT_MAX_ROWS of them."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused.file("The file is not UTF-8 text.") from None
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error as error:
        raise ImportRefused.file(f"Not a readable CSV file: {error}") from None
    if "system" not in header or not ({"model", "distributor_model_id"} & set(header)):
        raise ImportRefused.file("The header must name system and model (or distributor_model_id).")
    unknown = sorted(set(header) - set(CSV_COLUMNS))
    if unknown:
        raise ImportRefused.file(f"Unknown columns: {', '.join(unknown)}. Known: {', '.join(CSV_COLUMNS)}.")
    limit = settings.IMPORT_MAX_ROWS
    specs = []
    try:
        for number, row in enumerate(reader, start=2):
            if number - 1 > limit:
                raise ImportRefused.file(f"At most {limit} rows per import (IMPORT_MAX_ROWS); split the file.")
            if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                continue
            specs.append((f"row {number}", {(key or "").strip().lower(): value for key, value in row.items() if isinstance(value, str)}))
    except csv.Error as error:
        raise ImportRefused.file(f"Not a readable CSV file: {error}") from None
    if not specs:
        raise ImportRefused.file("The file has no rows.")
    return specs


class _DependencyImport(ImportKind):
    """A lead's import of the team's dependencies."""

    def validate(self, *, job, content: bytes, progress):
        raise NotImplementedError

    def apply(self, *, job, plan, progress) -> dict:
        resolved, extra = plan
        return dependencies_write(team=job.team, resolved=resolved, actor=job.created_by, extra=extra)


def _importer_as_owner(job):
    """The importer owns what it imports if it is on the team (an admin importing for a team is not):
    a dependency's owner is a member of its team (services.dependency_owner_check)."""
    user = job.created_by
    if user is None or not job.team.memberships.filter(user_id=user.pk).exists():
        return None
    return user


@register
class DependenciesCSV(_DependencyImport):
    kind = "dependencies_csv"
    label = "Dependencies (CSV)"

    def validate(self, *, job, content: bytes, progress):
        specs = read_csv(content)
        return _resolve_all(specs, progress, owner=_importer_as_owner(job)), {}


@register
class DependenciesCycloneDX(_DependencyImport):
    kind = "dependencies_cyclonedx"
    label = "Dependencies (CycloneDX AI-BOM)"

    def clean_options(self, options: dict) -> dict:
        system = options.get("system") or ""
        if not isinstance(system, str) or len(system) > 200:
            raise ValidationError({"system": ["A service name of at most 200 characters."]})
        return {"system": system.strip()} if system.strip() else {}

    def validate(self, *, job, content: bytes, progress):
        document = bom.read_bom(content)
        reading = bom.dependency_specs(document, system=job.options.get("system", ""))
        resolved = _resolve_all(reading.specs, progress, owner=_importer_as_owner(job))
        return resolved, {"ignored": reading.ignored[:SUMMARY_LINES], "ignored_count": len(reading.ignored)}


def dependencies_import(*, kind: str, team, content: bytes, actor=None, filename: str = "", options: dict | None = None):
    """Import in this process (the command at the shell): the same job, run here. Returns the job."""
    from riskregister.imports.services import import_run_now

    return import_run_now(kind=kind, content=content, filename=filename, team=team, actor=actor, options=options)
