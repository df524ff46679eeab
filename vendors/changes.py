"""Pure rules of change detection: how outside values map onto ours, and how bad a change is.

No database here: the rules are rated "from the change alone", so they take plain values.
"""

from __future__ import annotations

from vendors.models import Lifecycle, OperationalStatus, StatusChange

Kind = StatusChange.Kind
Severity = StatusChange.Severity

# Statuspage component statuses, incident.io's additions, and our own values (a manual entry or a
# Statuspage-compatible page that already speaks our language).
_STATUS_MAP = {
    "operational": OperationalStatus.OPERATIONAL,
    "degraded_performance": OperationalStatus.DEGRADED,
    "degraded": OperationalStatus.DEGRADED,
    "partial_outage": OperationalStatus.PARTIAL_OUTAGE,
    "major_outage": OperationalStatus.MAJOR_OUTAGE,
    "full_outage": OperationalStatus.MAJOR_OUTAGE,
    "under_maintenance": OperationalStatus.MAINTENANCE,
    "maintenance": OperationalStatus.MAINTENANCE,
    "unavailable": OperationalStatus.UNAVAILABLE,
}

# The page indicator of Statuspage ("none" … "critical", plus the undocumented "maintenance").
_INDICATOR_MAP = {
    "none": OperationalStatus.OPERATIONAL,
    "minor": OperationalStatus.DEGRADED,
    "major": OperationalStatus.PARTIAL_OUTAGE,
    "critical": OperationalStatus.MAJOR_OUTAGE,
    "maintenance": OperationalStatus.MAINTENANCE,
}

RESOLVED_INCIDENT_STATUSES = {"resolved", "postmortem", "completed"}

# What a subject looks like when nothing is wrong with it.
CALM_VALUES = frozenset({OperationalStatus.OPERATIONAL, Lifecycle.ACTIVE, "none"} | RESOLVED_INCIDENT_STATUSES)


def is_baseline(*, kind: str, previous: str, current: str) -> bool:
    """A first sight of a calm subject (a new source's first check, a subject a source sees for
    the first time): from nothing known (`""`, `unknown`) to calm. It records what the world looks
    like; it is no news, flags no risk and tells no one. First sight of trouble is not a baseline."""
    if kind not in (Kind.STATUS, Kind.INCIDENT, Kind.LIFECYCLE):
        return False
    return (previous or "") in ("", OperationalStatus.UNKNOWN) and (current or "") in CALM_VALUES


def map_status(raw: str | None) -> str:
    """Our OperationalStatus for a source's component status; anything new is `unknown`."""
    return _STATUS_MAP.get((raw or "").strip().lower(), OperationalStatus.UNKNOWN)


def map_indicator(raw: str | None) -> str:
    return _INDICATOR_MAP.get((raw or "").strip().lower(), OperationalStatus.UNKNOWN)


def map_lifecycle(raw: str | None) -> str:
    value = (raw or "").strip().lower()
    return value if value in Lifecycle.values else ""


# How bad what a source says is: one table for a component's (or an offering's) status, after
# mapping onto ours, and for the impact a Statuspage or incident.io incident declares. An incident
# of impact `critical` is a critical change; a page whose component is down is a major one.
# Anything not listed (operational, unknown, impact none) is info.
SOURCE_SEVERITY: dict[tuple[str, str], str] = {
    ("status", OperationalStatus.MAJOR_OUTAGE): Severity.MAJOR,
    ("status", OperationalStatus.UNAVAILABLE): Severity.MAJOR,
    ("status", OperationalStatus.PARTIAL_OUTAGE): Severity.MINOR,
    ("status", OperationalStatus.DEGRADED): Severity.MINOR,
    ("status", OperationalStatus.MAINTENANCE): Severity.MINOR,
    ("impact", "critical"): Severity.CRITICAL,
    ("impact", "major"): Severity.MAJOR,
    ("impact", "minor"): Severity.MINOR,
    ("impact", "maintenance"): Severity.MINOR,
}

_LIFECYCLE_SEVERITY = {
    Lifecycle.BANNED: Severity.CRITICAL,
    Lifecycle.SUSPENDED: Severity.CRITICAL,
    Lifecycle.RETIRED: Severity.CRITICAL,
    Lifecycle.DEPRECATED: Severity.MINOR,
}


def rate_status(current: str) -> str:
    """Outages are major, degradations and maintenance minor, recoveries and the unknown info."""
    return SOURCE_SEVERITY.get(("status", current), Severity.INFO)


def rate_lifecycle(current: str) -> str:
    return _LIFECYCLE_SEVERITY.get(current, Severity.INFO)


def rate_incident(*, status: str, impact: str) -> str:
    """An open incident is rated by its impact; a resolved one is a recovery."""
    if (status or "").lower() in RESOLVED_INCIDENT_STATUSES:
        return Severity.INFO
    return SOURCE_SEVERITY.get(("impact", (impact or "").strip().lower()), Severity.INFO)


# Federal Register document types that bind no one yet: they flag the risks of what they name for
# review and tell its teams, and ban nothing. "Document" is what the source records for a type it
# does not know.
REGULATORY_NOTICE_VALUES = frozenset({"proposed rule", "notice", "presidential document", "document"})


def regulatory_is_ban(value: str) -> bool:
    """Whether a regulatory change bans its subject: a final Rule does, and so does a ban recorded by
    hand ("export control"); a Proposed Rule, a Notice or a presidential document is a notice."""
    return (value or "").strip().lower() not in REGULATORY_NOTICE_VALUES


def rate_regulatory(*, document_type: str, names_model: bool) -> str:
    """A rule naming a model is critical; a rule naming a vendor major; proposals and notices minor."""
    if (document_type or "").strip().lower() == "rule":
        return Severity.CRITICAL if names_model else Severity.MAJOR
    return Severity.MINOR


def rate_deprecation(*, previous: str, current: str) -> str:
    """A date set or moved is minor; a date withdrawn is good news."""
    return Severity.MINOR if current else Severity.INFO


def rate(kind: str, *, previous: str = "", current: str = "") -> str:
    """Severity of a change of `kind` from `previous` to `current`, for callers without more context."""
    if kind == Kind.STATUS:
        return rate_status(current)
    if kind == Kind.LIFECYCLE:
        return rate_lifecycle(current)
    if kind == Kind.DEPRECATION:
        return rate_deprecation(previous=previous, current=current)
    if kind == Kind.REGULATORY:
        return Severity.CRITICAL if regulatory_is_ban(current) else Severity.MINOR
    return Severity.INFO
