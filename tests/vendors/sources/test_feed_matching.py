"""Feeds read with what the register knows: an entry naming models reaches those routes only, one
naming none the feed's scope, a region feed the offerings of its region (real-format AWS RSS and
a Statuspage history Atom feed on loopback)."""

import pytest
from django.core.exceptions import ValidationError

from riskregister.risks.impact import blast_radius
from tests.factories import AIModelFactory, DependencyFactory, DistributorFactory, OfferingFactory, TeamFactory, VendorFactory
from tests.vendors import payloads
from tests.vendors.helpers import ChangingAnswer, check, make_source
from vendors.reach import event_from_change

pytestmark = pytest.mark.django_db

FABLE_ENTRY = (
    "https://status.aws.amazon.com/#bedrock-us-east-1_1764852000",
    "Anthropic Claude Fable 5 and Claude Mythos 5 unavailable",
    "We are investigating errors for requests to Anthropic Claude Fable 5 and Claude Mythos 5 in the US-EAST-1 "
    "Region. Invocations return ServiceUnavailableException. Other models are not affected.",
)


class World:
    def __init__(self):
        self.anthropic = VendorFactory(slug="anthropic", name="Anthropic", aliases=["Anthropic PBC"])
        self.mistral = VendorFactory(slug="mistral", name="Mistral AI", aliases=["Mistral"])
        self.cohere = VendorFactory(slug="cohere", name="Cohere")
        self.amazon = DistributorFactory(slug="amazon", name="Amazon Web Services", aliases=["AWS", "Amazon Bedrock"])
        self.fable = AIModelFactory(provider=self.anthropic, slug="claude-fable-5", name="Claude Fable 5", aliases=["fable-5"])
        self.mythos = AIModelFactory(provider=self.anthropic, slug="claude-mythos-5", name="Claude Mythos 5")
        self.large = AIModelFactory(provider=self.mistral, slug="mistral-large-3", name="Mistral Large 3")
        self.command = AIModelFactory(provider=self.cohere, slug="command", name="Command")
        self.fable_direct = OfferingFactory(model=self.fable, regions=["global"])
        self.fable_bedrock = OfferingFactory(model=self.fable, distributor=self.amazon, regions=["us-east-1", "eu-central-1"],
                                             distributor_model_id="anthropic.claude-fable-5-v1:0")
        self.mythos_bedrock = OfferingFactory(model=self.mythos, distributor=self.amazon, regions=["us-east-1", "us-west-2"],
                                              distributor_model_id="anthropic.claude-mythos-5-v1:0")
        self.large_bedrock = OfferingFactory(model=self.large, distributor=self.amazon, regions=["us-west-2"],
                                             distributor_model_id="mistral.mistral-large-3-v1:0")
        self.command_bedrock = OfferingFactory(model=self.command, distributor=self.amazon, regions=["us-east-1"],
                                               distributor_model_id="cohere.command-v1")


@pytest.fixture
def world():
    return World()


@pytest.fixture
def rss(httpserver):
    return ChangingAnswer(httpserver, "/rss/bedrock-us-east-1.rss", payloads.aws_rss(), "application/rss+xml")


def aws_feed(rss, world, **config):
    source = make_source("feed", rss.url, vendor=world.amazon, config=config)
    assert check(source)[0].ok  # the baseline: no items outside events
    return source


def subjects(changes):
    return {change.subject for change in changes}


def test_an_aws_entry_naming_models_reaches_their_bedrock_routes_and_their_users_only(rss, world):
    source = aws_feed(rss, world)
    support = DependencyFactory(team=TeamFactory(slug="support"), offering=world.fable_bedrock)
    DependencyFactory(team=TeamFactory(slug="direct"), offering=world.fable_direct)
    DependencyFactory(team=TeamFactory(slug="docs"), offering=world.large_bedrock)
    rss.body = payloads.aws_rss([FABLE_ENTRY])
    changes = check(source)[1]
    assert subjects(changes) == {world.fable_bedrock, world.mythos_bedrock}
    assert {c.severity for c in changes} == {"major"} and changes[0].details["names"][:2] == ["Anthropic", "Claude Fable 5"]
    hit = blast_radius([event_from_change(c) for c in changes])
    assert [item.dependency for item in hit.affected] == [support]


def test_an_update_naming_no_model_ends_the_incident_of_the_routes_its_opening_named(rss, world):
    source = aws_feed(rss, world, region="us-east-1")
    guid, title, description = FABLE_ENTRY
    rss.body = payloads.aws_rss([(guid, title, description)])
    assert subjects(check(source)[1]) == {world.fable_bedrock, world.mythos_bedrock}
    rss.body = payloads.aws_rss([(guid, "[RESOLVED] Increased error rates", "The issue has been resolved.")])
    resolved = check(source)[1]
    assert subjects(resolved) == {world.fable_bedrock, world.mythos_bedrock}  # not every Bedrock offering
    assert {(c.previous_value, c.current_value, c.severity) for c in resolved} == {("investigating", "resolved", "info")}


def test_a_region_feed_scopes_to_the_offerings_of_its_region(rss, world):
    source = aws_feed(rss, world, region="us-east-1")
    rss.body = payloads.aws_rss([
        ("g1", "Increased API error rates", "We are investigating increased error rates for Amazon Bedrock in US-EAST-1."),
    ])
    # Naming no model: every Bedrock offering served in us-east-1 (not Mistral Large, in us-west-2 only).
    assert subjects(check(source)[1]) == {world.fable_bedrock, world.mythos_bedrock, world.command_bedrock}
    rss.body = payloads.aws_rss([
        ("g2", "Mistral Large 3 unavailable", "Mistral Large 3 invocations fail."),
        ("g3", "Elevated latency", "Latency for anthropic.claude-mythos-5-v1:0 is elevated."),
    ])
    # A model not served in the region reaches no one; a distributor model id names its route.
    assert subjects(check(source)[1]) == {world.mythos_bedrock}


def test_a_provider_named_without_its_models_names_all_of_them_on_that_feed(rss, world):
    source = aws_feed(rss, world, region="us-east-1")
    rss.body = payloads.aws_rss([("g1", "Anthropic models unavailable", "Requests to Anthropic PBC models fail.")])
    assert subjects(check(source)[1]) == {world.fable_bedrock, world.mythos_bedrock}


def test_a_generic_name_in_prose_is_not_a_model_and_beside_its_provider_it_is(rss, world):
    source = aws_feed(rss, world, region="us-east-1", scope={"vendor": False})
    rss.body = payloads.aws_rss([
        ("g1", "Console errors", "Retry the command in the console; the issue is being investigated."),
    ])
    assert check(source)[1] == []
    rss.body = payloads.aws_rss([("g2", "Cohere Command unavailable", "Requests to Cohere Command fail.")])
    assert subjects(check(source)[1]) == {world.command_bedrock}


def test_keywords_narrow_an_entry_naming_no_model_and_add_to_one_naming_models(rss, world):
    source = aws_feed(rss, world, keywords={"knowledge bases": {"offerings": [world.large_bedrock.id]}})
    rss.body = payloads.aws_rss([("g1", "Knowledge Bases sync delays", "Knowledge Bases ingestion jobs are delayed.")])
    assert subjects(check(source)[1]) == {world.large_bedrock}
    rss.body = payloads.aws_rss([("g2", "Knowledge Bases errors with Claude Fable 5", "Retrieval with Claude Fable 5 fails.")])
    assert subjects(check(source)[1]) == {world.large_bedrock, world.fable_bedrock}
    rss.body = payloads.aws_rss([("g3", "[INVESTIGATING] API errors", "Errors.")])
    assert subjects(check(source)[1]) == {world.amazon}  # the default scope: the whole vendor


def test_required_words_skip_entries_about_other_services(rss, world):
    source = aws_feed(rss, world, require=["Bedrock"])
    rss.body = payloads.aws_rss([
        ("g1", "SageMaker endpoint errors", "Amazon SageMaker endpoints fail."),
        ("g2", "Bedrock errors", "Amazon Bedrock returns errors for Claude Mythos 5."),
    ])
    assert subjects(check(source)[1]) == {world.mythos_bedrock}


def test_a_providers_history_feed_records_the_models_it_names(httpserver, world):
    atom = ChangingAnswer(httpserver, "/history.atom", payloads.statuspage_history_atom(), "application/atom+xml")
    source = make_source("feed", atom.url, vendor=world.anthropic)
    check(source)
    atom.body = payloads.statuspage_history_atom([
        (201, "Elevated errors on Claude Fable 5", [("Investigating", "We are investigating elevated errors.")]),
        (202, "Elevated errors on Claude Fable 50", [("Investigating", "Other errors.")]),
    ])
    by_entry = {change.external_id[-3:]: change.subject for change in check(source)[1]}
    # Its own route of the named model; an unknown name falls to the scope, the whole vendor.
    assert by_entry == {"201": world.fable_direct, "202": world.anthropic}


@pytest.mark.parametrize(
    "config, message",
    [({"region": "us east 1"}, "region: A region id"), ({"region": "us_east_1"}, "region: A region id"),
     ({"require": [""]}, "require"), ({"scope": {"offerings": [999999]}}, "No offering with id 999999"),
     ({"scope": "vendor"}, "scope")],
)
def test_the_feed_config_is_validated_by_its_serializer(rss, world, config, message):
    with pytest.raises(ValidationError) as error:
        make_source("feed", rss.url, vendor=world.amazon, config=config)
    assert message in str(error.value.message_dict["config"])


def test_a_region_is_stored_in_lower_case(rss, world):
    from vendors.sources import validate_config

    assert validate_config("feed", {"region": " US-EAST-1 "})["region"] == "us-east-1"


def test_the_demo_aws_feed_reaches_the_users_of_a_model_an_aws_event_names(rss):
    from django.core.management import call_command

    from vendors.models import StatusSource

    call_command("seed_demo", verbosity=0)
    source = StatusSource.objects.get(url="https://status.aws.amazon.com/rss/bedrock-us-east-1.rss")
    StatusSource.objects.filter(pk=source.pk).update(url=rss.url)  # the same feed, served on loopback
    source.refresh_from_db()
    assert check(source)[0].ok
    rss.body = payloads.aws_rss([FABLE_ENTRY])
    changes = check(source)[1]
    assert {(c.offering.model.slug, c.offering.distributor.slug) for c in changes} == {
        ("claude-fable-5", "amazon"), ("claude-mythos-5", "amazon")}
    hit = blast_radius([event_from_change(c) for c in changes])
    assert {(item.dependency.team.slug, item.dependency.system) for item in hit.affected} == {("support", "support-chat")}
