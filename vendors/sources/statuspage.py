"""`statuspage`: Atlassian Statuspage v2 `summary.json`, and the same from incident.io pages.

Reads component statuses (mapped onto offerings by `config.components`), the page indicator, and
open incidents and maintenance. Also reads incident.io's widget JSON (`{"summary": {...}}`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rest_framework import serializers

from vendors.changes import RESOLVED_INCIDENT_STATUSES, map_indicator, map_status, rate_incident, rate_status
from vendors.matching import VendorRoutes, register_index
from vendors.links import http_link
from vendors.models import Offering, OperationalStatus, StatusChange
from vendors.sources import register
from vendors.sources.base import IdListField, RecordContext, SourceError, SourceKind, load_json


class StatuspageConfig(serializers.Serializer):
    """`components`: a component's name or id -> the offering ids it stands for, e.g.
    `{"Claude API": [12, 13]}`. `indicator` (default false): also record the page indicator as
    a status of the source's vendor; off by default because a vendor-wide status reaches every
    offering that vendor serves, while a component reaches only the offerings mapped to it."""

    components = serializers.DictField(child=IdListField(), allow_empty=True)
    indicator = serializers.BooleanField(default=False)


# Worst first: when several components map to one offering, the worst status wins.
_STATUS_ORDER = [
    OperationalStatus.MAJOR_OUTAGE,
    OperationalStatus.UNAVAILABLE,
    OperationalStatus.PARTIAL_OUTAGE,
    OperationalStatus.DEGRADED,
    OperationalStatus.MAINTENANCE,
    OperationalStatus.UNKNOWN,
    OperationalStatus.OPERATIONAL,
]

# incident.io rates incidents by the worst component impact.
_INCIDENT_IO_IMPACT = {"full_outage": "critical", "partial_outage": "major", "degraded_performance": "minor"}


@dataclass
class Component:
    id: str
    name: str
    status: str


@dataclass
class Incident:
    id: str
    name: str
    status: str
    impact: str
    link: str
    component_ids: list[str] = field(default_factory=list)
    component_names: list[str] = field(default_factory=list)
    maintenance: bool = False


@dataclass
class Summary:
    page_url: str
    indicator: str
    components: list[Component]
    incidents: list[Incident]


def _text(value) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _parse_statuspage(data: dict) -> Summary:
    page = data.get("page") if isinstance(data.get("page"), dict) else {}
    status = data.get("status") if isinstance(data.get("status"), dict) else {}
    raw_components = data.get("components")
    if not isinstance(raw_components, list):
        raise SourceError("Not a Statuspage summary: no `components` list.")
    # Group rows carry their worst child's status, so a config may name a group ("APIs").
    components = [
        Component(id=_text(c.get("id")), name=_text(c.get("name")), status=_text(c.get("status")))
        for c in raw_components
        if isinstance(c, dict)
    ]
    incidents = []
    for key, maintenance in (("incidents", False), ("scheduled_maintenances", True)):
        for item in data.get(key) or []:
            if not isinstance(item, dict) or not item.get("id"):
                continue
            affected = [c for c in item.get("components") or [] if isinstance(c, dict)]
            incidents.append(
                Incident(
                    id=_text(item["id"]),
                    name=_text(item.get("name")) or "Untitled incident",
                    status=_text(item.get("status")),
                    impact=_text(item.get("impact")) or ("maintenance" if maintenance else ""),
                    link=http_link(_text(item.get("shortlink"))) or http_link(_text(page.get("url"))),
                    component_ids=[_text(c.get("id")) for c in affected],
                    component_names=[_text(c.get("name")) for c in affected],
                    maintenance=maintenance,
                )
            )
    indicator = _text(status.get("indicator")) or _indicator_of(components)
    return Summary(page_url=http_link(_text(page.get("url"))), indicator=indicator, components=components, incidents=incidents)


def _walk_components(node, found: dict[str, str]) -> None:
    """incident.io's `structure` nests components in groups; collect id -> name at any depth."""
    if isinstance(node, dict):
        component_id = node.get("component_id")
        if component_id and node.get("name"):
            found[_text(component_id)] = _text(node["name"])
        for value in node.values():
            _walk_components(value, found)
    elif isinstance(node, list):
        for item in node:
            _walk_components(item, found)


def _incident_io_groups(structure, statuses: dict[str, str]) -> list[Component]:
    """A group of incident.io's structure, with the worst status of its components."""
    groups = []
    for item in structure.get("items") or [] if isinstance(structure, dict) else []:
        group = item.get("group") if isinstance(item, dict) else None
        if not isinstance(group, dict) or not group.get("name"):
            continue
        children = [statuses.get(_text(c.get("component_id")), "operational")
                    for c in group.get("components") or [] if isinstance(c, dict)]
        worst = min(children, key=lambda raw: _STATUS_ORDER.index(map_status(raw)), default="operational")
        groups.append(Component(id=_text(group.get("id")), name=_text(group["name"]), status=worst))
    return groups


def _parse_incident_io(summary: dict) -> Summary:
    names: dict[str, str] = {}
    _walk_components(summary.get("structure") or {}, names)
    statuses = {
        _text(a.get("component_id")): _text(a.get("status"))
        for a in summary.get("affected_components") or []
        if isinstance(a, dict)
    }
    for component_id in statuses:
        names.setdefault(component_id, component_id)
    components = [Component(id=cid, name=name, status=statuses.get(cid, "operational")) for cid, name in names.items()]
    components += _incident_io_groups(summary.get("structure") or {}, statuses)
    incidents = []
    for key, maintenance in (("ongoing_incidents", False), ("in_progress_maintenances", True), ("scheduled_maintenances", True)):
        for item in summary.get(key) or []:
            if not isinstance(item, dict) or not item.get("id"):
                continue
            affected = item.get("affected_components") or item.get("components") or []
            ids = [_text(a.get("component_id") or a.get("id")) for a in affected if isinstance(a, dict)]
            incidents.append(
                Incident(
                    id=_text(item["id"]),
                    name=_text(item.get("name")) or "Untitled incident",
                    status=_text(item.get("status")) or ("in_progress" if maintenance else "investigating"),
                    impact="maintenance" if maintenance else _INCIDENT_IO_IMPACT.get(
                        _text(item.get("current_worst_impact")), _text(item.get("current_worst_impact"))
                    ),
                    link=http_link(_text(item.get("url"))),
                    component_ids=ids,
                    component_names=[names.get(i, "") for i in ids],
                    maintenance=maintenance,
                )
            )
    return Summary(page_url="", indicator=_indicator_of(components), components=components, incidents=incidents)


def _indicator_of(components: list[Component]) -> str:
    """A page indicator in Statuspage's words from the worst component: incident.io has none, and
    Statuspage's components.json carries no `status` object."""
    worst = min((map_status(c.status) for c in components), key=_STATUS_ORDER.index, default=OperationalStatus.OPERATIONAL)
    return {"major_outage": "critical", "partial_outage": "major", "degraded": "minor", "maintenance": "maintenance"}.get(
        worst, "none"
    )


@register
class StatuspageKind(SourceKind):
    kind = "statuspage"
    label = "Statuspage v2 / incident.io summary"
    config_serializer = StatuspageConfig

    def referenced_ids(self, config):
        return {"offerings": {i for ids in config.get("components", {}).values() for i in ids}, "models": set()}

    def parse(self, snapshot, fetched) -> Summary:
        data = load_json(fetched.body)
        if not isinstance(data, dict):
            raise SourceError("Not a Statuspage summary: the answer is not a JSON object.")
        if isinstance(data.get("summary"), dict) and "components" not in data:
            return _parse_incident_io(data["summary"])
        return _parse_statuspage(data)

    def is_troubled(self, summary: Summary, source) -> bool:
        """An open incident or maintenance under way, or a component not operational (of the
        mapped components when the source maps any: a page's unrelated components do not count)."""
        if any(i.status not in RESOLVED_INCIDENT_STATUSES and (not i.maintenance or i.status in ("in_progress", "verifying"))
               for i in summary.incidents):
            return True
        mapped = {str(key).strip().lower() for key in ((source.config or {}).get("components") or {})}
        return any(
            map_status(c.status) != OperationalStatus.OPERATIONAL
            for c in summary.components
            if not mapped or c.id.lower() in mapped or c.name.strip().lower() in mapped
        )

    def record(self, summary: Summary, context: RecordContext) -> None:
        config = context.source.config or {}
        mapping = {str(key).strip().lower(): ids for key, ids in (config.get("components") or {}).items()}
        offering_ids = {i for ids in mapping.values() for i in ids}
        offerings = Offering.objects.select_related("model", "distributor").in_bulk(offering_ids)

        def offerings_of(component_id: str, component_name: str) -> list[int]:
            return mapping.get(component_id.lower(), []) + mapping.get(component_name.strip().lower(), [])

        self._record_components(summary, context, offerings, offerings_of)
        if config.get("indicator") and context.source.vendor_id:
            self._record_indicator(summary, context)
        context.state["indicator"] = summary.indicator
        self._record_incidents(summary, context, offerings, offerings_of)

    def _record_components(self, summary, context, offerings, offerings_of) -> None:
        seen: dict[int, Component] = {}
        for component in summary.components:
            for offering_id in offerings_of(component.id, component.name):
                current = seen.get(offering_id)
                if current is None or _STATUS_ORDER.index(map_status(component.status)) < _STATUS_ORDER.index(
                    map_status(current.status)
                ):
                    seen[offering_id] = component
        for offering_id, component in seen.items():
            offering = offerings.get(offering_id)
            # `unavailable` is a model list's verdict (the model is gone); a green component does
            # not bring it back, only the list does.
            if offering is None or offering.status == OperationalStatus.UNAVAILABLE:
                continue
            status = map_status(component.status)
            if status == offering.status:
                continue
            details = {"component": component.name, "component_id": component.id, "page_indicator": summary.indicator}
            if status == OperationalStatus.UNKNOWN:
                details["unrecognised_value"] = component.status
                title = f"{component.name} reports an unrecognised status {component.status!r} ({offering})"
            else:
                title = f"{component.name}: {OperationalStatus(status).label} ({offering})"
            changed_at = offering.status_changed_at.isoformat() if offering.status_changed_at else "-"
            context.record(
                kind=StatusChange.Kind.STATUS,
                offering=offering,
                previous_value=offering.status,
                current_value=status,
                raw_value=component.status,
                severity=rate_status(status),
                title=title,
                link=summary.page_url,
                external_id=component.id,
                details=details,
                dedupe_key=f"status:offering{offering.id}:{offering.status}@{changed_at}>{status}",
            )

    def _record_indicator(self, summary, context) -> None:
        previous_raw = context.state.get("indicator")
        if previous_raw == summary.indicator:
            return
        previous = map_indicator(previous_raw) if previous_raw is not None else ""
        current = map_indicator(summary.indicator)
        if previous == current:
            return
        details = {"page_indicator": summary.indicator}
        if current == OperationalStatus.UNKNOWN:
            details["unrecognised_value"] = summary.indicator
        context.record(
            kind=StatusChange.Kind.STATUS,
            vendor=context.source.vendor,
            previous_value=previous,
            current_value=current,
            raw_value=summary.indicator,
            severity=rate_status(current),
            title=f"{context.source.vendor} status page: {OperationalStatus(current).label}",
            link=summary.page_url,
            details=details,
            dedupe_key=f"indicator:{context.base}:{previous}>{current}",
        )

    def _subjects(self, incident: Incident, context, offerings, offerings_of, names) -> list[list]:
        """Offerings mapped to the incident's components; when it names none, the vendor's
        offerings of the models its title names (vendors/matching.py: "Elevated errors on Claude
        Mythos 5"), else the vendor.

        An incident that names only components the register does not map (say a consumer app)
        is remembered but not recorded: a vendor-wide change would reach every offering.
        """
        if incident.component_ids or incident.component_names:
            ids = []
            for cid, name in zip(incident.component_ids, incident.component_names):
                ids += [i for i in offerings_of(cid, name) if i in offerings and i not in ids]
            return [["offering", i] for i in ids]
        if not context.source.vendor_id:
            return []
        named, ids = names(incident.name)
        if named:
            return [["offering", i] for i in sorted(ids)]
        return [["vendor", context.source.vendor_id]]

    @staticmethod
    def _names_reader(context, offerings):
        """Reads an incident's title with the register's names; the index is built at most once
        per check, on the first incident that names no component."""
        built = {}

        def names(text: str) -> tuple[bool, set[int]]:
            if not built:
                vendor_id = context.source.vendor_id
                built["index"] = register_index(offerings_of=vendor_id)
                built["routes"] = VendorRoutes(vendor_id=vendor_id)
            index, routes = built["index"], built["routes"]
            named, ids, _ = routes.named(index.find(text, speaking_for={routes.vendor_id}), providers=index.providers)
            missing = [i for i in ids if i not in offerings]
            if missing:
                offerings.update(Offering.objects.select_related("model", "distributor").in_bulk(missing))
            return named, ids

        return names

    def _record_incidents(self, summary, context, offerings, offerings_of) -> None:
        known: dict = context.state.get("incidents") or {}
        remembered: dict = {}
        names = self._names_reader(context, offerings)
        for incident in summary.incidents:
            previous = known.get(incident.id)
            subjects = self._subjects(incident, context, offerings, offerings_of, names)
            remembered[incident.id] = {
                "status": incident.status, "impact": incident.impact, "name": incident.name, "link": incident.link,
                "subjects": subjects, "maintenance": incident.maintenance,
            }
            if previous and previous.get("status") == incident.status and previous.get("impact") == incident.impact:
                continue
            self._record_incident(
                context, incident.id, incident.name, incident.status, incident.impact, incident.link, subjects,
                previous_status=(previous or {}).get("status", ""), maintenance=incident.maintenance, offerings=offerings,
            )
        # summary.json lists unresolved incidents only: one that is gone has been resolved, on the
        # subjects it was recorded for (offerings named by its title are not in the component map).
        missing = {i for previous in known.values() for kind, i in previous.get("subjects", [])
                   if kind == "offering" and i not in offerings}
        if missing:
            offerings.update(Offering.objects.select_related("model", "distributor").in_bulk(missing))
        for incident_id, previous in known.items():
            if incident_id in remembered or previous.get("status") in RESOLVED_INCIDENT_STATUSES:
                continue
            self._record_incident(
                context, incident_id, previous.get("name", ""), "completed" if previous.get("maintenance") else "resolved",
                previous.get("impact", ""), previous.get("link", ""), previous.get("subjects", []),
                previous_status=previous.get("status", ""), maintenance=previous.get("maintenance", False),
                offerings=offerings,
            )
        context.state["incidents"] = {
            key: value for key, value in remembered.items() if value["status"] not in RESOLVED_INCIDENT_STATUSES
        }

    def _record_incident(
        self, context, incident_id, name, status, impact, link, subjects, *, previous_status, maintenance, offerings
    ) -> None:
        severity = rate_incident(status=status, impact=impact)
        if maintenance and status not in ("in_progress", "verifying"):
            severity = StatusChange.Severity.INFO
        what = "Maintenance" if maintenance else "Incident"
        for subject_kind, subject_id in subjects:
            if subject_kind == "offering":
                subject = {"offering": offerings.get(subject_id)}
                if subject["offering"] is None:
                    continue
            else:
                subject = {"vendor": context.source.vendor}
            context.record(
                kind=StatusChange.Kind.INCIDENT,
                previous_value=previous_status,
                current_value=status,
                raw_value=status,
                severity=severity,
                title=f"{what} {status or 'reported'}: {name}",
                link=link,
                external_id=incident_id,
                details={"status": status, "impact": impact, "maintenance": maintenance},
                dedupe_key=f"incident:{context.source.id}:{incident_id}:{status}:{impact}:{subject_kind}{subject_id}:{context.base}",
                **subject,
            )
