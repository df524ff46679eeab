"""The one matcher of names in text (vendors/matching.py): whole words, longest first, generic
names only beside their provider. Pure: the index is built from plain values."""

import pytest

from vendors.matching import ModelNames, NameIndex, OfferingNames, VendorNames, in_region

ANTHROPIC, OPENAI, COHERE, AMAZON, PERPLEXITY, MISTRAL, FABLE_CO = 1, 2, 3, 4, 5, 6, 7
FABLE, MYTHOS, GPT5, GPT51, COMMAND, NOVA_PRO, NOVA, SONAR, LARGE, O1, SHORT_FABLE = range(101, 112)
BEDROCK_FABLE = 901


@pytest.fixture(scope="module")
def index():
    return NameIndex(
        vendors=[
            VendorNames(ANTHROPIC, ("Anthropic", "anthropic", "Anthropic PBC")),
            VendorNames(OPENAI, ("OpenAI", "openai")),
            VendorNames(COHERE, ("Cohere", "cohere")),
            VendorNames(AMAZON, ("Amazon Web Services", "amazon", "AWS", "Amazon", "Amazon Bedrock")),
            VendorNames(PERPLEXITY, ("Perplexity", "perplexity")),
            VendorNames(MISTRAL, ("Mistral AI", "mistral", "Mistral")),
            VendorNames(FABLE_CO, ("Fable Labs", "fable-labs")),
        ],
        models=[
            ModelNames(FABLE, ANTHROPIC, ("Claude Fable 5", "claude-fable-5")),
            ModelNames(MYTHOS, ANTHROPIC, ("Claude Mythos 5", "claude-mythos-5", "mythos-5")),
            ModelNames(GPT5, OPENAI, ("GPT-5", "gpt-5")),
            ModelNames(GPT51, OPENAI, ("GPT-5.1", "gpt-5-1", "gpt-5.1")),
            ModelNames(COMMAND, COHERE, ("Command", "command")),
            ModelNames(NOVA_PRO, AMAZON, ("Nova Pro", "amazon.nova-pro-v1:0")),
            ModelNames(NOVA, AMAZON, ("Nova", "nova")),
            ModelNames(SONAR, PERPLEXITY, ("Sonar", "sonar")),
            ModelNames(LARGE, MISTRAL, ("Mistral Large", "mistral-large-latest")),
            ModelNames(O1, OPENAI, ("o1",)),
            ModelNames(SHORT_FABLE, FABLE_CO, ("Fable 5", "fable-5")),
        ],
        offerings=[OfferingNames(BEDROCK_FABLE, FABLE, ANTHROPIC, ("anthropic.claude-fable-5-v1:0",))],
    )


@pytest.mark.parametrize(
    "text, models",
    [
        ("Anthropic Claude Fable 5 and Claude Mythos 5 unavailable; other models are not affected.", {FABLE, MYTHOS}),
        ("Elevated errors for GPT-5.1 requests", {GPT51}),
        ("Elevated errors for GPT-5 requests.", {GPT5}),
        ("GPT-5, GPT-5.1 and gpt-5.1 see errors", {GPT5, GPT51}),
        ("Errors on GPT-5.1-mini and GPT-5-nano", set()),  # names inside longer words
        ("Errors on supergpt-5 and GPT-55", set()),
        ("Claude Fable 5 is slow", {FABLE}),  # not also "Fable 5" inside it
        ("Fable 5 is slow", {SHORT_FABLE}),
        ("claude-fable-5 and CLAUDE FABLE 5 and Claude-Fable-5", {FABLE}),  # a hyphen is a space, case is free
        ("Claude Fable 50 is slow", set()),
        ("Claude Fable 5's latency (Claude Mythos 5) rose", {FABLE, MYTHOS}),
        ("Mistral Large is degraded", {LARGE}),  # the name holds its provider
    ],
)
def test_names_match_whole_words_and_the_longest_wins(index, text, models):
    assert index.find(text).model_ids == models


def test_a_distributor_model_id_names_the_offering_not_the_model_inside_it(index):
    found = index.find("Invocations of anthropic.claude-fable-5-v1:0 fail")
    assert found.offering_ids == {BEDROCK_FABLE} and found.model_ids == set()


@pytest.mark.parametrize(
    "text, models",

    [
        ("Please run the command again; the sonar of the nova team is fine.", set()),
        ("Nova Pro camera reviews", set()),
        ("Cohere Command latency is elevated", {COMMAND}),
        ("Elevated latency on Command for customers of Cohere", {COMMAND}),
        ("Perplexity's Sonar returns errors", {SONAR}),
        ("Amazon Nova Pro is unavailable", {NOVA_PRO}),
        ("o1 errors", set()),
        ("OpenAI o1 errors", {O1}),
        ("OpenAI O1 errors", set()),  # a short name is written as the register writes it
    ],
)
def test_generic_names_need_their_provider_named_nearby(index, text, models):
    assert index.find(text).model_ids == models


def test_a_provider_named_far_from_a_generic_name_does_not_qualify_it(index):
    text = "Cohere published a report. " + "Nothing else happened today, and more words follow here. " * 4 + "Run the command."
    assert index.find(text).model_ids == set()


def test_a_source_speaking_for_the_provider_qualifies_its_generic_names(index):
    assert index.find("Command is degraded", speaking_for={COHERE}).model_ids == {COMMAND}
    assert index.find("Command is degraded", speaking_for={AMAZON}).model_ids == set()


def test_vendors_are_found_by_name_and_alias(index):
    found = index.find("Amazon Bedrock reports errors for Anthropic PBC models; AWS says nothing of aws")
    assert found.vendor_ids == {AMAZON, ANTHROPIC}
    assert "Amazon Bedrock" in found.names


@pytest.mark.parametrize(
    "regions, region, served",
    [(["us-east-1", "eu-central-1"], "us-east-1", True), (["us-west-2"], "us-east-1", False),
     ([], "us-east-1", True), (["global"], "us-east-1", True), (["US-EAST-1"], "us-east-1", True)],
)
def test_an_offering_is_in_a_region_it_lists_or_when_it_lists_none(regions, region, served):
    assert in_region(regions, region) is served


def test_thousands_of_models_still_find_the_right_one_and_generic_names_stay_out_of_prose():
    models = [ModelNames(i, 1 + i % 50, (f"Model {i} Pro", f"model-{i}-pro")) for i in range(1, 5001)]
    models += [ModelNames(9001, 60, ("Command",)), ModelNames(9002, 61, ("Nova",)), ModelNames(9003, 62, ("Sonar",))]
    vendors = [VendorNames(v, (f"Provider {v}",)) for v in range(1, 51)]
    vendors += [VendorNames(60, ("Cohere",)), VendorNames(61, ("Amazon",)), VendorNames(62, ("Perplexity",))]
    index = NameIndex(models=models, vendors=vendors)
    assert index.size == 10056  # two names a model, one a vendor
    assert index.find("Model 4321 Pro and model-17-pro fail, Model 43 Pros do not").model_ids == {4321, 17}
    prose = "Run the command again: the Nova release of the sonar tool is unaffected, as is Model 12 Pro."
    assert index.find(prose).model_ids == {12}
    assert index.find("Perplexity Sonar and Amazon Nova fail; Cohere reports Command is fine").model_ids == {9001, 9002, 9003}
