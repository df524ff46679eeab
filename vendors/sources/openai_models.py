"""`openai_models`: an OpenAI-compatible `GET /v1/models` (`{"object": "list", "data": [{"id": …}]}`)."""

from __future__ import annotations

from vendors.sources import register
from vendors.sources.base import SourceError, SourceKind, load_json, secret_from_env
from vendors.sources.model_list import ModelList, ModelListConfig, listed_model, record_model_list


@register
class OpenAIModelsKind(SourceKind):
    kind = "openai_models"
    label = "OpenAI-compatible model list"
    config_serializer = ModelListConfig

    def referenced_ids(self, config):
        return {"offerings": set(config.get("offerings") or []), "models": set()}

    def request_headers(self, snapshot):
        headers = super().request_headers(snapshot)
        key = secret_from_env(snapshot.config.get("api_key_env"))
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def parse(self, snapshot, fetched) -> ModelList:
        data = load_json(fetched.body)
        if not isinstance(data, dict) or not isinstance(data.get("data"), list):
            raise SourceError("Not a model list: no `data` list.")
        entries = [listed_model(e) for e in data["data"] if isinstance(e, dict) and e.get("id")]
        return ModelList(models={e.id: e for e in entries})

    def record(self, listing, context):
        record_model_list(listing, context)



