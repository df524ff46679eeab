"""`federal_register`: the Federal Register documents API.

`GET /api/v1/documents.json?conditions[agencies][]=…&conditions[term]=…&order=newest`; zero hits
come back with no `results` key. A new document whose title or abstract names a model or vendor of
the register (read by vendors/matching.py: whole names, the longest first, generic names only
beside their provider) is a regulatory change with that model or vendor as subject. A vendor
whose models the document names is not recorded again.

Only a Rule is a ban (vendors.changes.regulatory_is_ban, vendors.reach): a Proposed Rule, a Notice
or a presidential document naming a model is a regulatory notice, which tells the model's teams and
sends its risks back for review but bans nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from rest_framework import serializers

from vendors.changes import REGULATORY_NOTICE_VALUES, rate_regulatory
from vendors.matching import NameIndex, register_index
from vendors.models import AIModel, StatusChange, Vendor
from vendors.sources import register
from vendors.sources.base import SourceError, SourceKind, load_json

SEEN_LIMIT = 1000


class FederalRegisterConfig(serializers.Serializer):
    """`agency`: the agency slug (default BIS, `industry-and-security-bureau`); `terms`: search
    terms, any of which may match; `document_types`: e.g. `["Rule", "Proposed Rule"]` (default
    all); `since`: record documents published on or after this date even on the first check
    (otherwise the first check takes what is already published as known)."""

    agency = serializers.SlugField(required=False, default="industry-and-security-bureau")
    terms = serializers.ListField(child=serializers.CharField(max_length=200), required=False, default=list)
    document_types = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list)
    since = serializers.DateField(required=False, allow_null=True, default=None)


@dataclass
class Document:
    number: str
    title: str
    abstract: str
    type: str
    link: str
    published: str


@register
class FederalRegisterKind(SourceKind):
    kind = "federal_register"
    label = "Federal Register documents"
    config_serializer = FederalRegisterConfig

    def request_url(self, snapshot) -> str:
        config = snapshot.config
        params = [("conditions[agencies][]", config.get("agency") or "industry-and-security-bureau")]
        terms = [t for t in config.get("terms") or [] if t.strip()]
        if terms:
            params.append(("conditions[term]", " | ".join(f'"{t}"' if " " in t else t for t in terms)))
        for doc_type in config.get("document_types") or []:
            params.append(("conditions[type][]", {"rule": "RULE", "proposed rule": "PRORULE", "notice": "NOTICE"}.get(doc_type.lower(), doc_type)))
        params += [("order", "newest"), ("per_page", "100")]
        parts = urlsplit(snapshot.url)
        query = "&".join(filter(None, [parts.query, urlencode(params)]))
        return urlunsplit(parts._replace(query=query))

    def parse(self, snapshot, fetched) -> list[Document]:
        data = load_json(fetched.body)
        if not isinstance(data, dict):
            raise SourceError("Not a Federal Register answer: not a JSON object.")
        if "results" not in data:
            if "count" in data or "description" in data:
                return []  # zero hits
            raise SourceError("Not a Federal Register answer: no `results` and no `count`.")
        if not isinstance(data["results"], list):
            raise SourceError("Not a Federal Register answer: `results` is not a list.")
        documents = []
        for item in data["results"]:
            if not isinstance(item, dict) or not item.get("document_number"):
                continue
            documents.append(
                Document(
                    number=str(item["document_number"]),
                    title=str(item.get("title") or ""),
                    abstract=str(item.get("abstract") or ""),
                    type=str(item.get("type") or ""),
                    link=str(item.get("html_url") or ""),
                    published=str(item.get("publication_date") or ""),
                )
            )
        return documents

    def record(self, documents: list[Document], context) -> None:
        seen = set(context.state.get("seen", []))
        first_check = "seen" not in context.state
        since = (context.source.config or {}).get("since")
        fresh = [d for d in documents if d.number not in seen]
        index = None
        for document in fresh:
            if first_check and not (since and document.published >= str(since)):
                continue
            index = index or register_index()  # built once per check, and only when needed
            self._record_document(document, index, context)
        context.state["seen"] = ([d.number for d in documents] + [n for n in context.state.get("seen", []) if n not in {d.number for d in documents}])[:SEEN_LIMIT]

    def _record_document(self, document: Document, index: NameIndex, context) -> None:
        found = index.find(f"{document.title}\n{document.abstract}")
        models = list(AIModel.objects.filter(id__in=found.model_ids).order_by("id")) if found.model_ids else []
        named_providers = {model.provider_id for model in models}
        vendor_ids = found.vendor_ids - named_providers
        vendors = list(Vendor.objects.filter(id__in=vendor_ids).order_by("id")) if vendor_ids else []
        value = document_value(document.type)
        try:
            effective = dt.datetime.combine(dt.date.fromisoformat(document.published), dt.time(), dt.timezone.utc)
        except ValueError:
            effective = None
        for subject_field, subject in [("model", m) for m in models] + [("vendor", v) for v in vendors]:
            context.record(
                kind=StatusChange.Kind.REGULATORY,
                previous_value="",
                current_value=value,
                raw_value=document.number,
                severity=rate_regulatory(document_type=value, names_model=subject_field == "model"),
                title=f"{document.type or 'Document'} naming {subject}: {document.title}",
                link=document.link,
                external_id=document.number,
                effective_at=effective,
                details={"document_number": document.number, "type": document.type,
                         "publication_date": document.published, "abstract": document.abstract[:1000],
                         "names": found.names},
                dedupe_key=f"regulatory:federal_register:{document.number}:{subject_field}{subject.id}",
                **{subject_field: subject},
            )


def document_value(document_type: str) -> str:
    """The recorded value of a document: "Rule" (a ban of what it names), a known non-binding type
    as the Federal Register writes it, or "Document" for a type nobody knows yet (never a ban)."""
    cleaned = (document_type or "").strip()
    if cleaned.lower() == "rule":
        return "Rule"
    return cleaned if cleaned.lower() in REGULATORY_NOTICE_VALUES else "Document"
