"""`anthropic_models`: Anthropic's `GET /v1/models`, paginated with `has_more` / `after_id`.

Entries may carry `lifecycle` (active, deprecated, retired), `deprecated_at` and `retires_at`.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit, parse_qsl

from vendors import http
from vendors.sources import register
from vendors.sources.base import Fetched, SourceError, SourceKind, ensure_ok, load_json, secret_from_env
from vendors.sources.model_list import ModelList, ModelListConfig, listed_model, record_model_list

# A list of more than this many pages is not a model list we can trust to be complete.
MAX_PAGES = 20
PAGE_SIZE = 1000


def _with_params(url: str, **params) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update({k: v for k, v in params.items() if v is not None})
    return urlunsplit(parts._replace(query=urlencode(query)))


@register
class AnthropicModelsKind(SourceKind):
    kind = "anthropic_models"
    label = "Anthropic model list"
    config_serializer = ModelListConfig
    conditional = False  # pages are fetched afresh; ETags of page one say nothing of page two

    def referenced_ids(self, config):
        return {"offerings": set(config.get("offerings") or []), "models": set()}

    def request_headers(self, snapshot):
        headers = {**super().request_headers(snapshot), "anthropic-version": "2023-06-01"}
        key = secret_from_env(snapshot.config.get("api_key_env"))
        if key:
            headers["x-api-key"] = key
        return headers

    async def fetch(self, snapshot, client) -> Fetched:
        bodies, after_id = [], None
        headers = self.request_headers(snapshot)
        for _ in range(MAX_PAGES):
            result = await http.afetch(
                _with_params(snapshot.url, limit=PAGE_SIZE, after_id=after_id), headers=headers, client=client
            )
            ensure_ok(result)
            bodies.append(result.body)
            page = load_json(result.body)
            if not isinstance(page, dict) or not page.get("has_more"):
                return Fetched(bodies=bodies, url=result.url)
            after_id = page.get("last_id")
            if not after_id:
                raise SourceError("The model list says has_more but gives no last_id.")
        raise SourceError(f"The model list has more than {MAX_PAGES} pages.")

    def parse(self, snapshot, fetched) -> ModelList:
        listing = ModelList()
        for body in fetched.bodies:
            page = load_json(body)
            if not isinstance(page, dict) or not isinstance(page.get("data"), list):
                raise SourceError("Not an Anthropic model list: no `data` list.")
            for entry in page["data"]:
                if isinstance(entry, dict) and entry.get("id"):
                    model = listed_model(entry)
                    listing.models[model.id] = model
        return listing

    def record(self, listing, context):
        record_model_list(listing, context)
