"""Register many dependencies at once: from a CSV file or from a CycloneDX AI-BOM.

An import is all or nothing: every row is resolved and checked first, and only a file without an
error is written, in one transaction, through `services.dependency_create` (so each dependency gets
its proposed risks, and history records who imported it). Errors name the row and the column.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from dataclasses import dataclass, field

from cyclonedx.model.bom import Bom
from cyclonedx.model.component import ComponentType
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from django.core.exceptions import ValidationError
from django.db import transaction

from riskregister.risks import services
from riskregister.risks.models import Criticality, DataClassification, Dependency, Environment
from vendors.models import Offering, Vendor
from vendors.selectors import models_by_name, offerings_by_distributor_model_id

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
CSV_COLUMNS = [
    "system", "model", "distributor", "distributor_model_id", "environment", "criticality", "data_classification",
    "description", "fallback_model", "fallback_distributor", "fallback_tested_on",
]
# CycloneDX component properties the register reads (namespaced, as the spec asks of custom properties).
PROPERTY_PREFIX = "riskregister:"


@dataclass
class ImportResult:
    created: list[Dependency] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already registered


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

    def offering(self, *, model: str, distributor: str = "", distributor_model_id: str = "") -> Offering:
        """The offering named by a model and a route; the provider's own API when no route is given."""
        if distributor_model_id:
            candidates = self.by_model_id.get(distributor_model_id.strip().lower(), [])
            if distributor:
                vendor = self.vendor(distributor)
                candidates = [offering for offering in candidates if offering.distributor_id == vendor.id]
            if len(candidates) == 1:
                return candidates[0]
            if len(candidates) > 1:
                raise ValueError(f"distributor model id {distributor_model_id!r} is ambiguous: name the distributor")
        found = self.models.get(model.strip().lower()) if model else None
        if found is None:
            raise ValueError(f"no model called {model!r} in the catalog")
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
    return {
        "system": system[:200],
        "offering": offering,
        "environment": _choice(spec.get("environment"), Environment.values, "environment", Environment.PRODUCTION),
        "criticality": _criticality(spec.get("criticality")),
        "data_classification": _choice(
            spec.get("data_classification"), DataClassification.values, "data_classification", DataClassification.INTERNAL
        ),
        "description": (spec.get("description") or "").strip(),
        "fallbacks": fallbacks,
    }


def _write(*, team, specs: list[tuple[str, dict]], actor) -> ImportResult:
    catalog = _Catalog()
    errors: dict[str, list[str]] = {}
    resolved: list[tuple[str, dict]] = []
    for where, spec in specs:
        try:
            resolved.append((where, _resolve(catalog, spec)))
        except ValueError as error:
            errors.setdefault(where, []).append(str(error))
    if errors:
        raise ValidationError(errors)
    result = ImportResult()
    seen = set()
    # The importer owns what it imports if it is on the team (an admin importing for a team is not).
    owner = actor if actor is not None and team.memberships.filter(user_id=actor.pk).exists() else None
    with transaction.atomic():
        for where, values in resolved:
            key = (values["system"], values["offering"].id, values["environment"])
            exists = Dependency.objects.filter(
                team=team, system=values["system"], offering=values["offering"], environment=values["environment"]
            ).exists()
            if key in seen or exists:
                result.skipped.append(f"{where}: {values['system']} on {values['offering']} is already registered")
                continue
            seen.add(key)
            try:
                result.created.append(services.dependency_create(team=team, owner=owner, actor=actor, **values))
            except ValidationError as error:
                # One bad row undoes the whole import: nothing is half-written.
                raise ValidationError({where: error.messages}) from None
    return result


def dependencies_import_csv(*, team, content: bytes | str, actor) -> ImportResult:
    """Import a CSV with a header row (columns in CSV_COLUMNS; `system` and `model` or
    `distributor_model_id` are required)."""
    if isinstance(content, bytes):
        if len(content) > MAX_IMPORT_BYTES:
            raise ValidationError({"file": [f"The file is larger than {MAX_IMPORT_BYTES // 1024} KiB."]})
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError({"file": ["The file is not UTF-8 text."]}) from None
    reader = csv.DictReader(io.StringIO(content))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if "system" not in header or not ({"model", "distributor_model_id"} & set(header)):
        raise ValidationError({"file": ["The header must name system and model (or distributor_model_id)."]})
    unknown = sorted(set(header) - set(CSV_COLUMNS))
    if unknown:
        raise ValidationError({"file": [f"Unknown columns: {', '.join(unknown)}. Known: {', '.join(CSV_COLUMNS)}."]})
    specs = []
    try:
        for number, row in enumerate(reader, start=2):
            if number - 1 > MAX_IMPORT_ROWS:
                raise ValidationError({"file": [f"At most {MAX_IMPORT_ROWS} rows per import."]})
            if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                continue
            specs.append((f"row {number}", {(key or "").strip().lower(): value for key, value in row.items()}))
    except csv.Error as error:
        raise ValidationError({"file": [f"Not a readable CSV file: {error}"]}) from None
    if not specs:
        raise ValidationError({"file": ["The file has no rows."]})
    return _write(team=team, specs=specs, actor=actor)


def dependencies_import_cyclonedx(*, team, content: bytes | str, actor, system: str = "") -> ImportResult:
    """Import the models of a CycloneDX (1.5+) AI-BOM in JSON: each `machine-learning-model`
    component becomes a dependency of the BOM's own component (or `system`). The route comes from
    the component's `riskregister:distributor` property (else the provider's own API); properties
    `riskregister:environment`, `riskregister:criticality`, `riskregister:data_classification` and
    `riskregister:distributor_model_id` are read too."""
    if isinstance(content, bytes):
        if len(content) > MAX_IMPORT_BYTES:
            raise ValidationError({"file": [f"The file is larger than {MAX_IMPORT_BYTES // 1024} KiB."]})
        content = content.decode("utf-8", errors="replace")
    try:
        document = json.loads(content)
    except ValueError as error:
        raise ValidationError({"file": [f"Not JSON: {error}"]}) from None
    if not isinstance(document, dict) or document.get("bomFormat") != "CycloneDX":
        raise ValidationError({"file": ["Not a CycloneDX BOM (bomFormat must be CycloneDX)."]})
    try:
        schema = SchemaVersion.from_version(str(document.get("specVersion", "")))
    except (ValueError, KeyError):
        raise ValidationError({"file": ["specVersion must be a CycloneDX version such as 1.6."]}) from None
    if schema < SchemaVersion.V1_5:
        raise ValidationError({"file": ["AI-BOMs need CycloneDX 1.5 or newer (machine-learning-model components)."]})
    invalid = JsonStrictValidator(schema).validate_str(content)
    if invalid is not None:
        raise ValidationError({"file": [f"Not a valid CycloneDX {schema.to_version()} document: {invalid.data.message}"]})
    bom = Bom.from_json(document)
    owner_system = system.strip() or (bom.metadata.component.name if bom.metadata.component else "")
    if not owner_system:
        raise ValidationError({"system": ["Name the service: the BOM has no metadata.component."]})
    specs = []
    for index, component in enumerate(bom.components, start=1):
        if component.type != ComponentType.MACHINE_LEARNING_MODEL:
            continue
        properties = {prop.name.removeprefix(PROPERTY_PREFIX): prop.value for prop in component.properties if prop.name.startswith(PROPERTY_PREFIX)}
        specs.append(
            (
                f"component {component.name}",
                {
                    "system": owner_system,
                    "model": component.name,
                    "distributor": properties.get("distributor", ""),
                    "distributor_model_id": properties.get("distributor_model_id", ""),
                    "environment": properties.get("environment", ""),
                    "criticality": properties.get("criticality", ""),
                    "data_classification": properties.get("data_classification", ""),
                    "description": component.description or "",
                },
            )
        )
    if not specs:
        raise ValidationError({"file": ["The BOM lists no machine-learning-model component."]})
    return _write(team=team, specs=specs, actor=actor)
