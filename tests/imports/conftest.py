import pytest

from tests.factories import AIModelFactory, OfferingFactory, VendorFactory


@pytest.fixture
def catalog(db):
    """Two providers, a distributor, and the routes the import tests name."""
    anthropic = VendorFactory(slug="anthropic", name="Anthropic")
    openai = VendorFactory(slug="openai", name="OpenAI")
    amazon = VendorFactory(slug="amazon", name="Amazon Web Services", aliases=["AWS", "Amazon Bedrock"],
                           provides_models=False, distributes_models=True)
    fable = AIModelFactory(slug="claude-fable-5", name="Claude Fable 5", provider=anthropic, aliases=["fable-5"])
    gpt = AIModelFactory(slug="gpt-5-1", name="GPT-5.1", provider=openai, aliases=["gpt-5.1"])
    return {
        "fable_direct": OfferingFactory(model=fable, distributor=anthropic, distributor_model_id="claude-fable-5"),
        "fable_bedrock": OfferingFactory(model=fable, distributor=amazon, distributor_model_id="anthropic.claude-fable-5-v1:0"),
        "gpt_direct": OfferingFactory(model=gpt, distributor=openai, distributor_model_id="gpt-5.1"),
    }


CSV_OK = (
    "system,model,distributor,environment,criticality,fallback_model,fallback_tested_on\n"
    "support-chat,claude-fable-5,AWS,production,1,gpt-5.1,2026-11-01\n"
    "search,Claude Fable 5,,staging,tier 3,,\n"
)


def csv_rows(count: int) -> str:
    return "system,model\n" + "".join(f"service-{number},claude-fable-5\n" for number in range(count))
