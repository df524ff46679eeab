"""`feed`: RSS 2.0 and Atom — a status page's history feed, AWS's per-service RSS, Azure's status RSS.

Each entry is an incident. Its state comes from the title (`[RESOLVED] …`, `Resolved: …`, AWS's
"Service is operating normally: …") or, for Statuspage history feeds, from the newest update in
the content (`<strong>Resolved</strong> - …`).

What an entry is about is read with what the register knows (vendors/matching.py). For a feed that
speaks for a vendor:

| the entry                                  | is recorded for                                        |
|--------------------------------------------|--------------------------------------------------------|
| names models (name, slug, alias) or the    | the vendor's offerings of those models only ("Claude   |
| vendor's model ids                         | Fable 5 unavailable, other models are not affected")   |
| names a provider, none of its models       | the vendor's offerings of that provider's models       |
| names models the vendor does not serve     | nothing (nobody uses them there); a provider's own     |
|                                            | feed records them on the model                         |
| names no model, matches `keywords`         | the keywords' targets (keywords narrow)                |
| names no model, no keyword                 | `scope`: the whole vendor by default                   |
| names models and matches `keywords`        | both (keywords add)                                    |
| lacks every word of `require` (if set)     | nothing                                                |
| is an update of an entry already recorded  | what the entry was recorded for, and what it now names |
|                                            | ("[RESOLVED] The issue has been resolved.")            |

With `region` (AWS publishes one feed per service and region, e.g. bedrock-us-east-1.rss) the
vendor's offerings are those served in that region, and "the whole vendor" is each of them. A feed
without a vendor records the models it names, and its keywords.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass

import feedparser
from rest_framework import serializers

from vendors.changes import RESOLVED_INCIDENT_STATUSES, rate_incident
from vendors.matching import VendorRoutes, register_index
from vendors.links import http_link
from vendors.models import AIModel, Offering, StatusChange
from vendors.sources import register
from vendors.sources.base import IdListField, SourceError, SourceKind
from vendors.sources.xml import ensure_safe_xml


class KeywordTargets(serializers.Serializer):
    offerings = IdListField(required=False, default=list)
    models = IdListField(required=False, default=list)
    vendor = serializers.BooleanField(required=False, default=False)


class ScopeTargets(KeywordTargets):
    vendor = serializers.BooleanField(required=False, default=True)


_REGION = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")


class FeedConfig(serializers.Serializer):
    """`keywords`: a word or phrase -> what an entry naming it (in its title, text or categories,
    case-insensitively) is about: `{"knowledge bases": {"offerings": [3, 4]}, "claude api":
    {"models": [1]}, "outage": {"vendor": true}}`; a model there means the vendor's offerings of it.
    `scope`: what an entry naming no model and no keyword is about (default `{"vendor": true}`, the
    whole vendor; `{"vendor": false}` ignores such entries). `region`: the one region the feed
    speaks of (`us-east-1`). `require`: words of which an entry must hold one to be read at all
    (a feed covering many services)."""

    keywords = serializers.DictField(child=KeywordTargets(), required=False, default=dict)
    scope = ScopeTargets(required=False, default=lambda: {"offerings": [], "models": [], "vendor": True})
    region = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    require = serializers.ListField(child=serializers.CharField(max_length=200), required=False, default=list)

    def validate_region(self, value):
        value = value.strip().lower()
        if value and not _REGION.fullmatch(value):
            raise serializers.ValidationError("A region id such as us-east-1: letters, digits and hyphens.")
        return value

    def validate_require(self, value):
        words = [word.strip() for word in value]
        if not all(words):
            raise serializers.ValidationError("A required word cannot be empty.")
        return words

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
            Entry(id=entry_id[:200], title=title or "Untitled entry", link=http_link(item.get("link", "")), text=text,
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
        targets = [*(config.get("keywords") or {}).values(), config.get("scope") or {}]
        return {
            "offerings": {i for t in targets for i in t.get("offerings", [])},
            "models": {i for t in targets for i in t.get("models", [])},
        }

    def parse(self, snapshot, fetched) -> list[Entry]:
        return parse_feed(fetched.body)

    def record(self, entries: list[Entry], context) -> None:
        first_check = "entries" not in context.state
        known: dict = context.state.get("entries") or {}
        # What each entry was recorded for, so that its later updates reach the same subjects.
        recorded_for: dict = dict(context.state.get("subjects") or {})
        reader = None
        for entry in entries:
            previous = known.get(entry.id)
            if previous == entry.status:
                continue
            # A history feed holds years of resolved incidents: the first check only takes open ones.
            if first_check and entry.status in RESOLVED_INCIDENT_STATUSES:
                continue
            reader = reader or EntryReader(context.source)  # the index is built once per check, if needed
            entry_subjects = reader.subjects(entry.text, earlier=recorded_for.get(entry.id) if previous else None)
            if entry_subjects:
                recorded_for[entry.id] = sorted(subject_key(kind, subject) for kind, subject in entry_subjects)
            for subject_kind, subject in entry_subjects:
                context.record(
                    kind=StatusChange.Kind.INCIDENT,
                    previous_value=previous or "",
                    current_value=entry.status,
                    raw_value=entry.status,
                    severity=rate_incident(status=entry.status, impact=entry.impact),
                    title=entry.title,
                    link=entry.link,
                    external_id=entry.id,
                    details={"status": entry.status, "impact": entry.impact, "names": reader.last_names},
                    dedupe_key=f"feed:{context.source.id}:{entry.id}:{entry.status}:{subject_key(subject_kind, subject)}",
                    **{subject_kind: subject},
                )
        # Remember what the feed holds now; entries that dropped off are forgotten.
        context.state["entries"] = {entry.id: entry.status for entry in entries}
        context.state["subjects"] = {entry.id: recorded_for[entry.id] for entry in entries if entry.id in recorded_for}


def subject_key(kind: str, subject) -> str:
    return f"{kind}{subject.id}"


def _keyword_pattern(word: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.I)


class EntryReader:
    """What the entries of one source are about (the table in the module's docstring): built once
    per check, it holds the register's name index and the source's vendor's routes."""

    def __init__(self, source):
        config = source.config or {}
        self.vendor = source.vendor if source.vendor_id else None
        self.keywords = [(_keyword_pattern(word), targets) for word, targets in (config.get("keywords") or {}).items()]
        self.require = [_keyword_pattern(word) for word in config.get("require") or []]
        self.scope = config.get("scope") or {"vendor": True}
        self.region = config.get("region") or ""
        self.index = register_index(offerings_of=self.vendor.id if self.vendor else None)
        self.routes = VendorRoutes(vendor_id=self.vendor.id, region=self.region) if self.vendor else None
        self.last_names: list[str] = []
        self._offerings: dict[int, Offering] = {}
        self._models: dict[int, AIModel] = {}

    def subjects(self, text: str, *, earlier: list[str] | None = None) -> list[tuple[str, object]]:
        """(subject field, subject) pairs an entry's text is about. `earlier`: the subjects an
        earlier state of the same entry was recorded for (`subject_key`). An update follows them:
        "[RESOLVED] The issue has been resolved." names no model, yet it ends the incident of the
        routes its opening named, and must not widen to the whole vendor; an update naming more
        models adds those."""
        self.last_names = []
        if earlier:
            own = self._subjects_of_text(text, keep_scope=False)
            return self._subjects_of_keys(set(earlier) | {subject_key(kind, subject) for kind, subject in own})
        if self.require and not any(pattern.search(text) for pattern in self.require):
            return []
        return self._subjects_of_text(text, keep_scope=True)

    def _subjects_of_keys(self, keys: set[str]) -> list[tuple[str, object]]:
        ids: dict[str, set[int]] = {"offering": set(), "model": set(), "vendor": set()}
        for key in keys:
            match = re.fullmatch(r"(offering|model|vendor)(\d+)", key)
            if match:
                ids[match.group(1)].add(int(match.group(2)))
        subjects: list[tuple[str, object]] = []
        if self.vendor is not None and self.vendor.id in ids["vendor"]:
            subjects.append(("vendor", self.vendor))
        subjects += [("offering", o) for o in self._load(Offering, self._offerings, ids["offering"])]
        subjects += [("model", m) for m in self._load(AIModel, self._models, ids["model"])]
        return subjects

    def _subjects_of_text(self, text: str, *, keep_scope: bool) -> list[tuple[str, object]]:
        offering_ids: set[int] = set()
        model_ids: set[int] = set()
        whole_vendor = False
        found = self.index.find(text, speaking_for={self.vendor.id} if self.vendor else ())
        self.last_names = found.names
        if self.routes is not None:
            named, offering_ids, unserved = self.routes.named(found, providers=self.index.providers)
            # A provider's own feed naming a model whose direct route the register lacks.
            model_ids |= {m.id for m in found.mentions if m.kind == "model" and m.id in unserved and m.provider_id == self.vendor.id}
        else:
            named, model_ids = bool(found.model_ids), set(found.model_ids)
        matched = [targets for pattern, targets in self.keywords if pattern.search(text)]
        for targets in matched if (named or matched) else ([self.scope] if keep_scope else []):
            offering_ids |= set(targets.get("offerings") or [])
            for model_id in targets.get("models") or []:
                routes = self.routes.by_model.get(model_id) if self.routes is not None else None
                if routes:
                    offering_ids |= routes
                elif self.routes is None or self._provider_of(model_id) == self.vendor.id:
                    model_ids.add(model_id)
            whole_vendor = whole_vendor or bool(targets.get("vendor"))
        subjects: list[tuple[str, object]] = []
        if whole_vendor and self.vendor is not None:
            if self.region:
                offering_ids |= self.routes.in_scope
            else:
                subjects.append(("vendor", self.vendor))
        subjects += [("offering", o) for o in self._load(Offering, self._offerings, offering_ids)]
        subjects += [("model", m) for m in self._load(AIModel, self._models, model_ids)]
        return subjects

    def _provider_of(self, model_id: int) -> int | None:
        model = self._load(AIModel, self._models, {model_id})
        return model[0].provider_id if model else None

    @staticmethod
    def _load(model_class, cache: dict, ids: set[int]) -> list:
        missing = [i for i in ids if i not in cache]
        if missing:
            queryset = model_class.objects.all()
            if model_class is Offering:
                queryset = queryset.select_related("model", "distributor")
            cache.update(queryset.in_bulk(missing))
        return [cache[i] for i in sorted(ids) if i in cache]
