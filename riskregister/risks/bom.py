"""CycloneDX AI-BOMs: a team's dependencies out as a CycloneDX 1.6 document, and BOMs back in.

Reading an uploaded BOM is linear in its size, whatever is in it: JSON nested deeper than
IMPORT_MAX_JSON_DEPTH is refused (so is JSON that Python's parser cannot nest that deep), then
the components and services are counted against IMPORT_MAX_ROWS, then the document is checked
against the CycloneDX schema with `jsonschema_rs` (25,000 components in milliseconds, duplicate
entries still refused by the schema's `uniqueItems`), and bom-refs must be unique. Only then is it
interpreted. cyclonedx-python-lib's own validator (jsonschema, worse than quadratic on
`uniqueItems`) checks the export in the tests only.

The shape the export writes, and the import reads back (other tools' BOMs use parts of it):

- each model: a `machine-learning-model` component, its provider the `supplier`, with a model card
  (lifecycle and dates as properties, export-control notes as a consideration);
- each route (offering): a `service`, its distributor the `provider`, named by the distributor's
  model id, with the distributor's public `endpoints` where known; it depends on its model;
- each dependency: an `application` component named by the service's system, with properties
  `riskregister:environment`, `criticality`, `data_classification`, `route` (the bom-ref of its
  service) and one `riskregister:fallback` per fallback (`<bom-ref>` or
  `<bom-ref> tested_on=YYYY-MM-DD`), and an external reference of type `risk-assessment` to its
  risks; it depends on its route and its fallbacks.

An import also takes the simpler shape of most AI-BOM generators: `machine-learning-model`
components of the BOM's own `metadata.component` (or the `system` named with the upload), routed
by a `riskregister:distributor` property, by a service that depends on the model, or else the
provider's own API.
"""

from __future__ import annotations

import functools
import json
import uuid
from dataclasses import dataclass, field
from importlib import resources
from urllib.parse import urlencode

import jsonschema_rs
from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from riskregister.imports.kinds import ImportRefused, Issue
from riskregister.risks.models import Dependency, Fallback, Risk

# CycloneDX component properties the register reads (namespaced, as the spec asks of custom properties).
PROPERTY_PREFIX = "riskregister:"
SPEC_VERSIONS = ("1.5", "1.6", "1.7")
EXPORT_SPEC_VERSION = "1.6"
MODEL = "machine-learning-model"
# Public API endpoints of the distributors the demo knows, by vendor slug; `{region}` is filled in
# from the offering's regions. Azure's are per customer resource, so none is listed.
DISTRIBUTOR_ENDPOINTS = {
    "anthropic": ["https://api.anthropic.com/v1/messages"],
    "openai": ["https://api.openai.com/v1/responses"],
    "mistral": ["https://api.mistral.ai/v1/chat/completions"],
    "amazon": ["https://bedrock-runtime.{region}.amazonaws.com"],
    "google": ["https://{region}-aiplatform.googleapis.com"],
}
DEFAULT_REGIONS = {"amazon": "us-east-1", "google": "us-central1"}


# --- reading an uploaded BOM ---------------------------------------------------------------------


@functools.cache
def _validator(version: str):
    """The CycloneDX schema of `version` with the schemas it refers to, compiled once per process.
    The schema files are the ones cyclonedx-python-lib ships, so both validators agree."""
    folder = resources.files("cyclonedx.schema._res")
    load = lambda name: json.loads(folder.joinpath(name).read_text(encoding="utf-8"))  # noqa: E731
    prefix = "http://cyclonedx.org/schema/"
    registry = jsonschema_rs.Registry(
        [
            (prefix + name, load(name))
            for name in ("spdx.SNAPSHOT.schema.json", "jsf-0.82.SNAPSHOT.schema.json", "cryptography-defs.SNAPSHOT.schema.json")
        ]
    )
    return jsonschema_rs.validator_for(load(f"bom-{version}.SNAPSHOT.schema.json"), registry=registry, validate_formats=True)


def _too_deep(document, limit: int) -> bool:
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _flatten(items, key: str) -> list[dict]:
    """Components (or services) with the ones nested in them, in document order, without recursion."""
    found: list[dict] = []
    stack = list(reversed(items)) if isinstance(items, list) else []
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            nested = item.get(key)
            if isinstance(nested, list):
                stack.extend(reversed(nested))
    return found


def _where(path) -> str:
    return "/" + "/".join(str(part) for part in path) if path else "the document"


def _schema_issue(error) -> Issue:
    where = _where(list(error.instance_path))
    if type(error.kind).__name__.endswith("UniqueItems") and isinstance(error.instance, list):
        seen: dict[str, int] = {}
        for index, item in enumerate(error.instance):
            key = json.dumps(item, sort_keys=True)
            if key in seen:
                return Issue(where, f"entries {seen[key]} and {index} are the same; every entry must be unique")
            seen[key] = index
        return Issue(where, "has duplicate entries; every entry must be unique")
    message = error.message if len(error.message) <= 300 else error.message[:300] + "…"
    return Issue(where, message)


def read_bom(content: bytes) -> dict:
    """The uploaded BOM as a checked JSON document, or ImportRefused saying why not."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused.file("The file is not UTF-8 text.") from None
    depth = settings.IMPORT_MAX_JSON_DEPTH
    too_deep = f"The JSON nests deeper than {depth} levels (IMPORT_MAX_JSON_DEPTH); a CycloneDX BOM needs far fewer."
    try:
        document = json.loads(text)
    except RecursionError:
        raise ImportRefused.file(too_deep) from None
    except ValueError as error:
        raise ImportRefused.file(f"Not JSON: {error}") from None
    if _too_deep(document, depth):
        raise ImportRefused.file(too_deep)
    if not isinstance(document, dict) or document.get("bomFormat") != "CycloneDX":
        raise ImportRefused.file("Not a CycloneDX BOM (bomFormat must be CycloneDX).")
    version = str(document.get("specVersion", ""))
    if version not in SPEC_VERSIONS:
        older = version in ("1.0", "1.1", "1.2", "1.3", "1.4")
        raise ImportRefused.file(
            "AI-BOMs need CycloneDX 1.5 or newer (machine-learning-model components)."
            if older
            else f"specVersion must be a CycloneDX version: one of {', '.join(SPEC_VERSIONS)}."
        )
    components = _flatten(document.get("components"), "components")
    services = _flatten(document.get("services"), "services")
    limit = settings.IMPORT_MAX_ROWS
    if len(components) + len(services) > limit:
        raise ImportRefused.file(
            f"The BOM lists {len(components)} components and {len(services)} services; at most {limit} in all per import "
            "(IMPORT_MAX_ROWS)."
        )
    issues = [_schema_issue(error) for _, error in zip(range(20), _validator(version).iter_errors(document))]
    if issues:
        issues = [Issue(f"file {issue.where}", f"not valid CycloneDX {version}: {issue.message}") for issue in issues]
        raise ImportRefused(issues)
    refs: set[str] = set()
    for item in [*components, *services, (document.get("metadata") or {}).get("component") or {}]:
        ref = item.get("bom-ref")
        if ref is None:
            continue
        if ref in refs:
            raise ImportRefused.file(f"bom-ref {ref!r} names more than one component or service; a bom-ref must be unique.")
        refs.add(ref)
    return document


@dataclass
class BomReading:
    specs: list[tuple[str, dict]] = field(default_factory=list)  # (where, spec for imports._resolve)
    ignored: list[str] = field(default_factory=list)  # components that are not models or routes to one


def _properties(item: dict) -> tuple[dict[str, str], list[str]]:
    """The register's properties of a component or service, and its `riskregister:fallback` values."""
    single, fallbacks = {}, []
    for prop in item.get("properties") or []:
        name, value = prop.get("name", ""), prop.get("value", "")
        if not name.startswith(PROPERTY_PREFIX):
            continue
        name = name.removeprefix(PROPERTY_PREFIX)
        if name == "fallback":
            fallbacks.append(value)
        else:
            single.setdefault(name, value)
    return single, fallbacks


def _label(item: dict) -> str:
    ref = item.get("bom-ref")
    name = item.get("name", "")
    return f"{name} ({ref})" if ref and ref != name else name


def dependency_specs(document: dict, *, system: str = "") -> BomReading:
    """What a checked BOM says the team depends on, as rows for imports._resolve (names, not rows
    of the catalog: resolving reports what the catalog does not have)."""
    components = _flatten(document.get("components"), "components")
    services = _flatten(document.get("services"), "services")
    root = (document.get("metadata") or {}).get("component")
    by_ref = {item["bom-ref"]: item for item in [*components, *services] if item.get("bom-ref")}
    service_refs = {item["bom-ref"] for item in services if item.get("bom-ref")}
    model_refs = {item["bom-ref"] for item in components if item.get("type") == MODEL and item.get("bom-ref")}
    depends: dict[str, list[str]] = {}
    for edge in document.get("dependencies") or []:
        depends.setdefault(edge.get("ref", ""), []).extend(edge.get("dependsOn") or [])
    used: set[int] = set()  # id() of every component or service that became part of a dependency

    def model_names(model: dict) -> list[str]:
        props, _ = _properties(model)
        names = [props.get("model", ""), model.get("name", "")]
        if model.get("group"):
            names.append(f"{model['group']}/{model.get('name', '')}")
        return [name for name in names if name]

    def route_of_service(service: dict) -> dict:
        used.add(id(service))
        props, _ = _properties(service)
        model = next((by_ref[ref] for ref in depends.get(service.get("bom-ref", ""), []) if ref in model_refs), None)
        names = []
        if model is not None:
            used.add(id(model))
            names = model_names(model)
        elif props.get("model"):
            names = [props["model"]]
        return {
            "model": names,
            "distributor": props.get("distributor") or (service.get("provider") or {}).get("name", ""),
            "distributor_model_id": props.get("distributor_model_id") or service.get("name", ""),
        }

    def route_of_model(model: dict) -> dict:
        used.add(id(model))
        props, _ = _properties(model)
        route = {"model": model_names(model), "distributor": props.get("distributor", ""),
                 "distributor_model_id": props.get("distributor_model_id", "")}
        if not route["distributor"] and not route["distributor_model_id"]:
            # A service of the BOM that depends on this model is its route.
            serving = next(
                (by_ref[ref] for ref in service_refs if model.get("bom-ref") in depends.get(ref, [])), None
            ) if model.get("bom-ref") else None
            if serving is not None:
                return {**route_of_service(serving), "model": route["model"]}
        return route

    def route(ref: str) -> dict | None:
        if ref in service_refs:
            return route_of_service(by_ref[ref])
        if ref in model_refs:
            return route_of_model(by_ref[ref])
        return None

    reading = BomReading()
    applications = [item for item in components if item.get("type") != MODEL]
    if isinstance(root, dict):
        applications.append(root)
    for application in applications:
        ref = application.get("bom-ref", "")
        targets = [target for target in depends.get(ref, []) if target in service_refs or target in model_refs]
        if not targets:
            continue
        used.add(id(application))
        props, fallback_values = _properties(application)
        fallbacks = []
        for value in fallback_values:
            fallback_ref, _, tested = value.partition(" tested_on=")
            fallback_route = route(fallback_ref.strip())
            if fallback_route is None:
                fallback_route = {"error": f"{fallback_ref.strip()!r} is not a service or model of the BOM"}
            fallbacks.append({**fallback_route, "tested_on": tested.strip(), "label": fallback_ref.strip()})
        fallback_refs = {value.partition(" tested_on=")[0].strip() for value in fallback_values}
        primaries = [props["route"]] if props.get("route") else [target for target in targets if target not in fallback_refs]
        for primary in primaries:
            primary_route = route(primary)
            if primary_route is None:
                reading.specs.append(
                    (f"component {_label(application)}", {"error": f"its route {primary!r} is not a service or model of the BOM"})
                )
                continue
            reading.specs.append(
                (
                    f"component {_label(application)}",
                    {
                        "system": application.get("name", ""),
                        **primary_route,
                        "environment": props.get("environment", ""),
                        "criticality": props.get("criticality", ""),
                        "data_classification": props.get("data_classification", ""),
                        "description": application.get("description") or "",
                        "fallback_routes": fallbacks,
                    },
                )
            )
    # Models no application of the BOM reaches: dependencies of the BOM's own component.
    loose = [item for item in components if item.get("type") == MODEL and id(item) not in used]
    owner_system = system.strip() or ((root or {}).get("name", "") if isinstance(root, dict) else "")
    if loose and not owner_system:
        raise ImportRefused([Issue("system", "Name the service: the BOM has no metadata.component.")])
    for model in loose:
        props, _ = _properties(model)
        reading.specs.append(
            (
                f"component {model.get('name', '')}",
                {
                    "system": owner_system,
                    **route_of_model(model),
                    "environment": props.get("environment", ""),
                    "criticality": props.get("criticality", ""),
                    "data_classification": props.get("data_classification", ""),
                    "description": model.get("description") or "",
                },
            )
        )
    if not reading.specs:
        raise ImportRefused.file("The BOM lists no machine-learning-model component.")
    for item in [*components, *services]:
        if id(item) not in used:
            kind = item.get("type", "service")
            reading.ignored.append(f"{kind} {_label(item)}: not a model, a route to one or a service using one")
    return reading


# --- the export ----------------------------------------------------------------------------------


def _prop(name: str, value) -> dict:
    return {"name": PROPERTY_PREFIX + name, "value": str(value)}


def _organisation(vendor) -> dict:
    entity = {"name": vendor.name}
    if vendor.website:
        entity["url"] = [vendor.website]
    return entity


def _endpoints(offering) -> list[str]:
    slug = offering.distributor.slug
    templates = DISTRIBUTOR_ENDPOINTS.get(slug)
    if not templates:
        return [offering.distributor.website] if offering.distributor.website else []
    regions = [str(region) for region in (offering.regions or [])] or [DEFAULT_REGIONS.get(slug, "")]
    return sorted({template.format(region=region) for template in templates for region in regions})


def _model_component(model) -> dict:
    card_properties = [_prop("lifecycle", model.lifecycle), _prop("open_weights", str(model.open_weights).lower())]
    if model.deprecation_date:
        card_properties.append(_prop("deprecation_date", model.deprecation_date.isoformat()))
    if model.retirement_date:
        card_properties.append(_prop("retirement_date", model.retirement_date.isoformat()))
    card: dict = {"bom-ref": f"model-card-{model.uuid}", "properties": card_properties}
    if model.export_control_notes:
        card["considerations"] = {"technicalLimitations": [model.export_control_notes]}
    component = {
        "type": MODEL,
        "bom-ref": f"model-{model.uuid}",
        "supplier": _organisation(model.provider),
        "name": model.name,
        "properties": [_prop("model", model.slug), _prop("provider", model.provider.slug)],
        "modelCard": card,
    }
    return component


def _service(offering) -> dict:
    service = {
        "bom-ref": f"offering-{offering.uuid}",
        "provider": _organisation(offering.distributor),
        "name": offering.distributor_model_id,
        "description": str(offering),
        "properties": [
            _prop("distributor", offering.distributor.slug),
            _prop("distributor_model_id", offering.distributor_model_id),
            _prop("model", offering.model.slug),
            _prop("lifecycle", offering.lifecycle),
            _prop("status", offering.status),
            *[_prop("region", region) for region in offering.regions or []],
        ],
    }
    endpoints = _endpoints(offering)
    if endpoints:
        service["endpoints"] = endpoints
    return service


def team_dependencies_for_bom(team):
    """The team's dependencies with everything the export writes, in a fixed number of queries."""
    return (
        Dependency.objects.filter(team=team)
        .select_related("offering__model__provider", "offering__distributor")
        .prefetch_related(
            Prefetch("fallbacks", queryset=Fallback.objects.select_related("offering__model__provider", "offering__distributor").order_by("id"))
        )
        .annotate(
            risk_count=Count("risks", distinct=True),
            open_risk_count=Count("risks", filter=~Q(risks__status=Risk.Status.CLOSED), distinct=True),
        )
        .order_by("system", "environment", "id")
    )


def team_bom(team) -> dict:
    """The team's dependencies as a CycloneDX 1.6 document (a dict, ready for json.dumps)."""
    dependencies = list(team_dependencies_for_bom(team))
    offerings, models = {}, {}
    for dependency in dependencies:
        for offering in [dependency.offering, *(fallback.offering for fallback in dependency.fallbacks.all())]:
            offerings.setdefault(offering.pk, offering)
            models.setdefault(offering.model_id, offering.model)
    # "team:<uuid>", not "team-<uuid>": a ref must never read like another team's slug ("team-b…").
    root_ref = f"team:{team.uuid}"
    applications, edges = [], []
    for dependency in dependencies:
        ref = f"dependency-{dependency.uuid}"
        route_ref = f"offering-{dependency.offering.uuid}"
        properties = [
            _prop("environment", dependency.environment),
            _prop("criticality", dependency.criticality),
            _prop("data_classification", dependency.data_classification),
            _prop("route", route_ref),
        ]
        fallback_refs = []
        for fallback in dependency.fallbacks.all():
            fallback_ref = f"offering-{fallback.offering.uuid}"
            fallback_refs.append(fallback_ref)
            tested = f" tested_on={fallback.tested_on.isoformat()}" if fallback.tested_on else ""
            properties.append(_prop("fallback", fallback_ref + tested))
        application = {
            "type": "application",
            "bom-ref": ref,
            "name": dependency.system,
            "properties": properties,
            "externalReferences": [
                {
                    "type": "risk-assessment",
                    "url": f"{settings.SITE_URL}/api/v1/risks/?{urlencode({'team': team.slug, 'system': dependency.system})}",
                    "comment": f"{dependency.risk_count} risks in the register, {dependency.open_risk_count} not closed",
                }
            ],
        }
        if dependency.description:
            application["description"] = dependency.description
        applications.append(application)
        edges.append({"ref": ref, "dependsOn": [route_ref, *fallback_refs]})
    for offering in offerings.values():
        edges.append({"ref": f"offering-{offering.uuid}", "dependsOn": [f"model-{offering.model.uuid}"]})
    for model in models.values():
        edges.append({"ref": f"model-{model.uuid}", "dependsOn": []})
    edges.insert(0, {"ref": root_ref, "dependsOn": [application["bom-ref"] for application in applications]})
    return {
        "bomFormat": "CycloneDX",
        "specVersion": EXPORT_SPEC_VERSION,
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": timezone.now().replace(microsecond=0).isoformat(),
            "tools": {"components": [{"type": "application", "name": "AI vendor dependency risk register"}]},
            "component": {"type": "application", "bom-ref": root_ref, "name": team.name,
                          "properties": [_prop("team", team.slug)]},
        },
        "components": [*(_model_component(model) for model in models.values()), *applications],
        "services": [_service(offering) for offering in offerings.values()],
        "dependencies": edges,
    }
