"""`catalog`: a model catalog in LiteLLM's `model_prices_and_context_window.json` format.

Only entries that match an offering (by the distributor's model id) or a model (by slug or alias)
matter here: a deprecation date set or moved is a change of that subject; a matched entry that
vanishes (LiteLLM drops retired models) is one too. Importing a whole catalog (vendors, models and
routes) is vendors/catalog, `manage.py import_catalog`.
"""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from vendors.models import StatusChange
from vendors.selectors import models_by_name, offerings_by_distributor_model_id
from vendors.sources import register
from vendors.sources.base import SourceError, SourceKind, load_json


class CatalogConfig(serializers.Serializer):
    """`providers`: only entries whose `litellm_provider` is listed (default: every entry)."""

    providers = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list)


def _date(value) -> str:
    if not isinstance(value, str):
        return ""
    try:
        return dt.date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        return ""


@register
class CatalogKind(SourceKind):
    kind = "catalog"
    label = "Model catalog (LiteLLM format)"
    config_serializer = CatalogConfig

    def parse(self, snapshot, fetched) -> dict[str, str]:
        """Entry key -> its deprecation date ("" when none)."""
        data = load_json(fetched.body)
        if not isinstance(data, dict):
            raise SourceError("Not a model catalog: not a JSON object of entries.")
        providers = {p.lower() for p in snapshot.config.get("providers") or []}
        entries = {}
        for key, entry in data.items():
            if key == "sample_spec" or not isinstance(entry, dict):
                continue
            if providers and str(entry.get("litellm_provider", "")).lower() not in providers:
                continue
            entries[key] = _date(entry.get("deprecation_date"))
        return entries

    def record(self, entries: dict[str, str], context) -> None:
        offerings = offerings_by_distributor_model_id()
        models = models_by_name()
        matched: dict[str, list[str]] = {}
        done = set()
        for key, date in entries.items():
            names = {key.lower(), key.split("/", 1)[-1].lower()}
            subjects = [("offering", o) for n in names for o in offerings.get(n, [])]
            subjects += [("model", models[n]) for n in names if n in models]
            for subject_field, subject in subjects:
                token = f"{subject_field}{subject.id}"
                matched.setdefault(key, []).append(token)
                if token in done:
                    continue
                done.add(token)
                stored = subject.deprecation_date.isoformat() if subject.deprecation_date else ""
                if date and date != stored:
                    context.record(
                        kind=StatusChange.Kind.DEPRECATION,
                        previous_value=stored,
                        current_value=date,
                        raw_value=date,
                        severity=StatusChange.Severity.MINOR,
                        title=f"{subject}: deprecation date {'moved to' if stored else 'set to'} {date} (catalog entry {key})",
                        external_id=key[:200],
                        details={"field": "deprecation_date", "catalog_key": key},
                        dedupe_key=f"catalog:{context.base}:{token}:{stored}>{date}",
                        **{subject_field: subject},
                    )
        # A matched entry that vanished: LiteLLM drops retired models.
        by_token = {f"offering{o.id}": ("offering", o) for group in offerings.values() for o in group}
        by_token.update({f"model{m.id}": ("model", m) for m in models.values()})
        for key, tokens in (context.state.get("matched") or {}).items():
            if key in entries:
                continue
            for token in tokens:
                if token not in by_token or token in done:
                    continue
                subject_field, subject = by_token[token]
                context.record(
                    kind=StatusChange.Kind.DEPRECATION,
                    previous_value="listed",
                    current_value="removed",
                    raw_value=key[:200],
                    severity=StatusChange.Severity.MINOR,
                    title=f"{subject}: no longer in the model catalog (entry {key}); it may have been retired",
                    external_id=key[:200],
                    details={"catalog_key": key, "vanished": True},
                    dedupe_key=f"catalog:{context.base}:{token}:vanished:{key}"[:300],
                    **{subject_field: subject},
                )
        context.state["matched"] = matched
