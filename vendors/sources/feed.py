"""`feed`: RSS 2.0 and Atom — a status page's history feed, AWS's per-service RSS, Azure's status RSS.

Each entry is an incident. Its state comes from the title (`[RESOLVED] …`, `Resolved: …`, AWS's
"Service is operating normally: …") or, for Statuspage history feeds, from the newest update in
the content (`<strong>Resolved</strong> - …`). Entries are matched to offerings, models or the
source's vendor by `config.keywords`.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass

import feedparser
from rest_framework import serializers

from vendors.changes import RESOLVED_INCIDENT_STATUSES, rate_incident
from vendors.models import AIModel, Offering, StatusChange
from vendors.sources import register
from vendors.sources.base import IdListField, SourceError, SourceKind
from vendors.sources.xml import ensure_safe_xml


class KeywordTargets(serializers.Serializer):
    offerings = IdListField(required=False, default=list)
    models = IdListField(required=False, default=list)
    vendor = serializers.BooleanField(required=False, default=False)


class FeedConfig(serializers.Serializer):
    """`keywords`: a word or phrase -> what an entry naming it (in its title, text or categories,
    case-insensitively) is about: `{"bedrock": {"offerings": [3, 4]}, "claude": {"models": [1]},
    "outage": {"vendor": true}}`. Without keywords every entry is about the source's vendor."""

    keywords = serializers.DictField(child=KeywordTargets(), required=False, default=dict)

    def validate(self, data):
        for keyword, targets in data.get("keywords", {}).items():
            if not keyword.strip():
                raise serializers.ValidationError({"keywords": "A keyword cannot be empty."})
            if not (targets["offerings"] or targets["models"] or targets["vendor"]):
                raise serializers.ValidationError({"keywords": f"{keyword!r} names no offering, model or vendor."})
        return data


_BRACKET = re.compile(r"\[(resolved|investigating|identified|monitoring|update|informational|scheduled|completed)\]", re.I)
_PREFIX = re.compile(r"^\s*(resolved|investigating|identified|monitoring|update|informational|completed)\s*[:\-]", re.I)
_STRONG = re.compile(r"<(?:strong|b)>\s*([A-Za-z ]+?)\s*</(?:strong|b)>", re.I)
_MAJOR_WORDS = re.compile(r"\b(outage|disruption|unavailable|down|not available)\b", re.I)


@dataclass
class Entry:
    id: str
    title: str
    link: str
    text: str
    status: str
    impact: str


def entry_status(title: str, content: str) -> str:
    match = _BRACKET.search(title) or _PREFIX.search(title)
    if match:
        return match.group(1).lower()
    if title.lower().startswith("service is operating normally"):
        return "resolved"
    match = _STRONG.search(content or "")
    if match:
        return match.group(1).strip().lower().replace(" ", "_")
    return "investigating"


def entry_impact(status: str, text: str) -> str:
    if status == "informational":
        return "none"
    return "major" if _MAJOR_WORDS.search(text) else "minor"


def parse_feed(body: bytes) -> list[Entry]:
    ensure_safe_xml(body)
    parsed = feedparser.parse(io.BytesIO(body), resolve_relative_uris=False, sanitize_html=True)
    if not parsed.get("version"):
        raise SourceError("Not an RSS or Atom feed.")
    entries = []
    for item in parsed.entries:
        title = html.unescape(item.get("title", "")).strip()
        content = item.get("summary", "") or "".join(c.get("value", "") for c in item.get("content", []))
        entry_id = item.get("id") or item.get("link") or title
        if not entry_id:
            continue
        categories = " ".join(t.get("term", "") for t in item.get("tags", []) or [])
        text = f"{title} {re.sub(r'<[^>]+>', ' ', content)} {categories}"
        status = entry_status(title, content)
        entries.append(
            Entry(id=entry_id[:200], title=title or "Untitled entry", link=item.get("link", ""), text=text,
                  status=status, impact=entry_impact(status, text))
        )
    return entries


@register
class FeedKind(SourceKind):
    kind = "feed"
    label = "RSS / Atom feed"
    config_serializer = FeedConfig
    accept = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8"

    def referenced_ids(self, config):
        targets = (config.get("keywords") or {}).values()
        return {
            "offerings": {i for t in targets for i in t.get("offerings", [])},
            "models": {i for t in targets for i in t.get("models", [])},
        }

    def parse(self, snapshot, fetched) -> list[Entry]:
        return parse_feed(fetched.body)

    def _subjects(self, entry: Entry, context, offerings, models) -> list[tuple[str, object]]:
        keywords = (context.source.config or {}).get("keywords") or {}
        if not keywords:
            return [("vendor", context.source.vendor)] if context.source.vendor_id else []
        subjects: dict[str, tuple[str, object]] = {}
        for keyword, targets in keywords.items():
            if not re.search(rf"(?<!\w){re.escape(keyword)}(?!\w)", entry.text, re.I):
                continue
            for offering_id in targets.get("offerings", []):
                if offering_id in offerings:
                    subjects[f"offering{offering_id}"] = ("offering", offerings[offering_id])
            for model_id in targets.get("models", []):
                if model_id in models:
                    subjects[f"model{model_id}"] = ("model", models[model_id])
            if targets.get("vendor") and context.source.vendor_id:
                subjects[f"vendor{context.source.vendor_id}"] = ("vendor", context.source.vendor)
        return list(subjects.values())

    def record(self, entries: list[Entry], context) -> None:
        ids = self.referenced_ids(context.source.config or {})
        offerings = Offering.objects.select_related("model", "distributor").in_bulk(ids["offerings"])
        models = AIModel.objects.in_bulk(ids["models"])
        first_check = "entries" not in context.state
        known: dict = context.state.get("entries") or {}
        for entry in entries:
            previous = known.get(entry.id)
            if previous == entry.status:
                continue
            # A history feed holds years of resolved incidents: the first check only takes open ones.
            if first_check and entry.status in RESOLVED_INCIDENT_STATUSES:
                continue
            for subject_kind, subject in self._subjects(entry, context, offerings, models):
                context.record(
                    kind=StatusChange.Kind.INCIDENT,
                    previous_value=previous or "",
                    current_value=entry.status,
                    raw_value=entry.status,
                    severity=rate_incident(status=entry.status, impact=entry.impact),
                    title=entry.title,
                    link=entry.link,
                    external_id=entry.id,
                    details={"status": entry.status, "impact": entry.impact},
                    dedupe_key=f"feed:{context.source.id}:{entry.id}:{entry.status}:{subject_kind}{subject.id}",
                    **{subject_kind: subject},
                )
        # Remember what the feed holds now; entries that dropped off are forgotten.
        context.state["entries"] = {entry.id: entry.status for entry in entries}
