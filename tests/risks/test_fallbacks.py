"""Fallback suggestions: other providers, never correlated, comparable, ranked with reasons; choosing
one adds an untested fallback. On the demo data, whose models carry capabilities in the seed."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from riskregister.risks.fallbacks import fallback_suggestions
from riskregister.risks.models import Dependency
from tests.api.conftest import client_for
from tests.factories import AIModelFactory, MembershipFactory, OfferingFactory, UserFactory, VendorFactory
from vendors.models import Lifecycle, Offering, Vendor

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())


def dependency(system):
    return Dependency.objects.select_related("offering__model__provider", "offering__distributor").get(system=system)


def labels(suggestions):
    return [str(s.offering) for s in suggestions]


def test_claude_on_bedrock_gets_other_providers_first_with_reasons(demo):
    support_chat = dependency("support-chat")  # Claude Fable 5 via Bedrock, fallback GPT-5.1 on Azure
    suggestions = fallback_suggestions(dependency=support_chat)
    assert suggestions, "the seed's models have capabilities, so there are suggestions before any import"
    assert all(s.offering.model.provider.slug != "anthropic" for s in suggestions)  # never correlated
    assert "GPT-5.1 via Microsoft Azure" not in labels(suggestions)  # already its fallback
    assert [s.rank for s in suggestions] == list(range(1, len(suggestions) + 1))
    # The best of each provider first, each tier by score.
    firsts = [s for s in suggestions if s is next(t for t in suggestions if t.offering.model.provider_id == s.offering.model.provider_id)]
    assert suggestions[:len(firsts)] == firsts
    assert [s.score for s in firsts] == sorted((s.score for s in firsts), reverse=True)
    first = suggestions[0]
    assert first.reasons[0].startswith("another provider")
    assert any(reason.startswith("another distributor") for reason in first.reasons)
    # GPT-5.1 keeps reasoning, Mistral Large 3 does not: GPT direct ranks above Mistral.
    assert labels(suggestions).index("GPT-5.1 via OpenAI") < labels(suggestions).index("Mistral Large 3 via Mistral AI")
    mistral = next(s for s in suggestions if str(s.offering) == "Mistral Large 3 via Mistral AI")
    assert "no reasoning mode" in mistral.reasons
    assert "of the price: likely a smaller model" in mistral.reason  # 2 $ against 18 $ per million tokens


def test_another_distributor_and_another_jurisdiction_on_request(demo):
    support_chat = dependency("support-chat")
    others = fallback_suggestions(dependency=support_chat, other_distributor=True)
    assert "Mistral Large 3 via Amazon Web Services" in labels(fallback_suggestions(dependency=support_chat))
    assert all(s.offering.distributor.slug != "amazon" for s in others)
    abroad = fallback_suggestions(dependency=support_chat, other_jurisdiction=True)
    assert labels(abroad) == ["Mistral Large 3 via Mistral AI"]  # the only route with nothing in the US
    assert any(reason.startswith("another jurisdiction (FR)") for reason in abroad[0].reasons)


def test_incomparable_unusable_and_limited(demo):
    support_chat = dependency("support-chat")
    openai = Vendor.objects.get(slug="openai")
    tiny = AIModelFactory(provider=openai, slug="tiny", name="Tiny", mode="chat", context_window=8_000, supports_tool_use=True)
    embedder = AIModelFactory(provider=openai, slug="embed", name="Embed", mode="embedding", context_window=400_000)
    blind = AIModelFactory(provider=openai, slug="blind", name="Blind", mode="chat", context_window=400_000,
                           supports_tool_use=True, input_modalities=["text"])
    no_tools = AIModelFactory(provider=openai, slug="no-tools", name="No tools", mode="chat", context_window=400_000,
                              supports_tool_use=False)
    banned = AIModelFactory(provider=openai, slug="banned", name="Banned", mode="chat", lifecycle=Lifecycle.BANNED)
    for model in (tiny, embedder, blind, no_tools, banned):
        OfferingFactory(model=model, distributor=openai, distributor_model_id=model.slug)
    suggested = {s.offering.model.slug for s in fallback_suggestions(dependency=support_chat, limit=50)}
    assert not suggested & {"tiny", "embed", "blind", "no-tools", "banned"}
    assert len(fallback_suggestions(dependency=support_chat, limit=1)) == 1


def test_a_model_without_capabilities_is_suggested_below_with_the_reason(demo):
    support_chat = dependency("support-chat")
    unknown = AIModelFactory(provider=VendorFactory(slug="newco", name="NewCo"), slug="mystery", name="Mystery")
    OfferingFactory(model=unknown, distributor=unknown.provider, distributor_model_id="mystery")
    suggestions = fallback_suggestions(dependency=support_chat)
    mystery = next(s for s in suggestions if s.offering.model == unknown)
    assert "capabilities unknown (no catalog lists them)" in mystery.reasons
    assert mystery.rank > next(s.rank for s in suggestions if str(s.offering) == "GPT-5.1 via OpenAI")


def test_api_lists_suggestions_and_choosing_one_adds_an_untested_fallback(demo):
    support_chat = dependency("support-chat")
    lead = UserFactory(username="support-lead")
    MembershipFactory(team=support_chat.team, user=lead, role="lead")
    client = client_for(lead)
    url = reverse("api:dependency-fallback-suggestions", kwargs={"pk": support_chat.pk})
    listed = client.get(url, {"other_distributor": "true", "limit": 3})
    assert listed.status_code == 200
    body = listed.json()
    assert 1 <= len(body) <= 3 and body[0]["rank"] == 1 and body[0]["reasons"]
    assert all(row["distributor"] != "amazon" for row in body)
    chosen = body[0]["offering"]
    added = client.post(url, {"offering": chosen}, format="json")
    assert added.status_code == 201, added.content
    fallback = support_chat.fallbacks.get(offering_id=chosen)
    assert fallback.tested_on is None
    assert support_chat.fallbacks.count() == 2  # the tested one is kept
    again = client.post(url, {"offering": chosen}, format="json")
    assert again.status_code == 400 and "offering" in again.json()["error"]["fields"]
    assert chosen not in [row["offering"] for row in client.get(url).json()]


def test_api_refuses_a_bad_flag_naming_it(demo):
    support_chat = dependency("support-chat")
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    response = client_for(admin).get(reverse("api:dependency-fallback-suggestions", kwargs={"pk": support_chat.pk}),
                                     {"other_jurisdiction": "perhaps"})
    assert response.status_code == 400
    assert "other_jurisdiction" in response.json()["error"]["fields"]
    unknown = client_for(admin).post(reverse("api:dependency-fallback-suggestions", kwargs={"pk": support_chat.pk}),
                                     {"offering": Offering.objects.order_by("-id").first().id + 100}, format="json")
    assert unknown.status_code == 400 and "offering" in unknown.json()["error"]["fields"]


def test_a_route_outliving_its_models_retirement_is_still_suggested(demo):
    import datetime

    support_chat = dependency("support-chat")
    openai = Vendor.objects.get(slug="openai")
    azure = Vendor.objects.get(slug="microsoft")
    kept = AIModelFactory(provider=openai, slug="kept", name="Kept", mode="chat", context_window=400_000,
                          supports_tool_use=True, lifecycle=Lifecycle.RETIRED)
    OfferingFactory(model=kept, distributor=openai, distributor_model_id="kept")
    later = datetime.date.today() + datetime.timedelta(days=120)
    OfferingFactory(model=kept, distributor=azure, distributor_model_id="kept-azure", retirement_date=later)
    suggested = labels(fallback_suggestions(dependency=support_chat, limit=50))
    # Retired on OpenAI's API, still served by Azure until its own date.
    assert "Kept via Microsoft Azure" in suggested and "Kept via OpenAI" not in suggested
