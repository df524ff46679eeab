import pytest

from tests.factories import AIModelFactory, VendorFactory
from tests.vendors import payloads
from tests.vendors.helpers import ChangingAnswer, check, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def register_world():
    anthropic = VendorFactory(slug="anthropic", name="Anthropic", aliases=["Anthropic PBC"])
    mythos = AIModelFactory(provider=anthropic, slug="claude-mythos-5", name="Claude Mythos 5", aliases=["mythos-5"])
    AIModelFactory(provider=VendorFactory(slug="openai", name="OpenAI"), slug="gpt-5-1", name="GPT-5.1", aliases=["gpt-5.1"])
    return anthropic, mythos


@pytest.fixture
def documents(httpserver):
    return ChangingAnswer(httpserver, "/api/v1/documents.json", payloads.federal_register())


@pytest.fixture
def source(documents):
    return make_source("federal_register", documents.url,
                       config={"agency": "industry-and-security-bureau", "terms": ["artificial intelligence"]})


def test_new_rule_naming_a_watched_model_is_a_critical_regulatory_change(documents, source, register_world):
    anthropic, mythos = register_world
    result, changes = check(source)  # zero hits: no results key
    assert result.ok and changes == []
    query = documents.requests[-1].args
    assert query.getlist("conditions[agencies][]") == ["industry-and-security-bureau"]
    assert query["conditions[term]"] == '"artificial intelligence"' and query["order"] == "newest"

    documents.body = payloads.federal_register([
        payloads.federal_register_document(
            "2026-24410", "Export Controls on Frontier Model Weights: Claude Mythos 5",
            abstract="BIS adds license requirements for the model weights of Claude Mythos 5 developed by Anthropic."),
        payloads.federal_register_document("2026-24001", "Entity List Additions", abstract="Adds entities in four countries.",
                                           type="Rule"),
    ])
    (change,) = check(source)[1]
    assert (change.kind, change.model, change.severity, change.external_id) == ("regulatory", mythos, "critical", "2026-24410")
    assert change.link.startswith("https://www.federalregister.gov/documents/") and change.current_value == "Rule"
    assert change.effective_at.date().isoformat() == "2026-11-20"
    assert check(source)[1] == []


def test_notice_naming_a_vendor_by_alias_is_minor_and_first_check_is_a_baseline(documents, source, register_world):
    anthropic, _ = register_world
    documents.body = payloads.federal_register([
        payloads.federal_register_document("2025-00636", "Framework for Artificial Intelligence Diffusion",
                                           abstract="Mentions GPT-5.1.", date="2025-01-15")])
    assert check(source)[1] == []  # already published when the source was added
    documents.body = payloads.federal_register([
        payloads.federal_register_document("2026-30000", "Request for comments", type="Notice",
                                           abstract="Comments on practices of Anthropic PBC and others."),
        payloads.federal_register_document("2025-00636", "Framework for Artificial Intelligence Diffusion",
                                           abstract="Mentions GPT-5.1.", date="2025-01-15"),
    ])
    (change,) = check(source)[1]
    assert (change.vendor, change.severity) == (anthropic, "minor")


def test_since_records_recent_documents_on_the_first_check(documents, register_world):
    _, mythos = register_world
    source = make_source("federal_register", documents.url, config={"terms": ["mythos"], "since": "2026-11-01"})
    documents.body = payloads.federal_register([
        payloads.federal_register_document("2026-24410", "Controls on mythos-5", date="2026-11-20"),
        payloads.federal_register_document("2026-10000", "Controls on mythos-5 (earlier)", date="2026-05-01"),
    ])
    (change,) = check(source)[1]
    assert change.external_id == "2026-24410" and change.model == mythos


def test_answer_without_results_or_count_is_garbage(documents, source):
    documents.body = b'{"errors": {"conditions": "bad"}}'
    result, _ = check(source)
    assert not result.ok and "no `results`" in result.error


@pytest.fixture
def routes(register_world):
    """A Bedrock route of Claude Mythos 5 that a team depends on, with a risk under review."""
    from tests.factories import DependencyFactory, DistributorFactory, OfferingFactory, RiskFactory

    _, mythos = register_world
    bedrock = OfferingFactory(model=mythos, distributor=DistributorFactory(slug="amazon", name="Amazon Web Services"),
                              distributor_model_id="anthropic.claude-mythos-5-v1:0")
    return RiskFactory(dependency=DependencyFactory(offering=bedrock))


@pytest.mark.parametrize(
    "document_type, value, severity, event_kind",
    [
        ("Rule", "Rule", "critical", "ban"),
        ("Proposed Rule", "Proposed Rule", "minor", "regulatory_notice"),
        ("Notice", "Notice", "minor", "regulatory_notice"),
        ("Presidential Document", "Presidential Document", "minor", "regulatory_notice"),
        ("Correction", "Document", "minor", "regulatory_notice"),  # a type nobody knows is never a ban
    ],
)
def test_only_a_rule_naming_a_model_is_a_ban_other_documents_are_notices_that_reach_its_teams(
    documents, source, routes, document_type, value, severity, event_kind, django_capture_on_commit_callbacks
):
    from riskregister.risks.impact import blast_radius
    from vendors.reach import event_from_change

    check(source)
    documents.body = payloads.federal_register([payloads.federal_register_document(
        "2026-25000", "Export Controls on Frontier Models", type=document_type,
        abstract="BIS proposes license requirements for Claude Mythos 5.")])
    with django_capture_on_commit_callbacks(execute=True):
        (change,) = check(source)[1]
    event = event_from_change(change)
    assert (change.current_value, change.severity, event.kind) == (value, severity, event_kind)
    assert change.details["type"] == document_type
    # Told to the teams of every route of the model, and their risks come back for review.
    assert [item.dependency for item in blast_radius([event]).affected] == [routes.dependency]
    routes.refresh_from_db()
    assert routes.state_changed_at is not None


def test_overlapping_and_generic_names_in_documents(documents, source, register_world):
    cohere = VendorFactory(slug="cohere", name="Cohere")
    command = AIModelFactory(provider=cohere, slug="command", name="Command")
    gpt5 = AIModelFactory(provider=VendorFactory(slug="openai"), slug="gpt-5", name="GPT-5")
    check(source)
    documents.body = payloads.federal_register([
        payloads.federal_register_document("2026-26001", "Controls on GPT-5.1", abstract="Covers the weights of GPT-5.1."),
        payloads.federal_register_document("2026-26002", "Chain of command for license reviews",
                                           abstract="Describes the command structure of the Bureau's reviews."),
        payloads.federal_register_document("2026-26003", "Controls on Cohere Command", abstract="Covers Command by Cohere."),
    ])
    named = {(change.external_id, change.subject.slug) for change in check(source)[1]}
    assert named == {("2026-26001", "gpt-5-1"), ("2026-26003", "command")}
    assert gpt5.changes.count() == 0 and command.changes.count() == 1
