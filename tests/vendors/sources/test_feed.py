import time

import pytest

from tests.factories import AIModelFactory, DistributorFactory, OfferingFactory, VendorFactory
from tests.vendors import payloads
from tests.vendors.helpers import ChangingAnswer, check, make_source
from tests.vendors.netpeers import CountingListener

pytestmark = pytest.mark.django_db


@pytest.fixture
def amazon():
    return DistributorFactory(slug="amazon", name="Amazon Web Services")


@pytest.fixture
def bedrock_offering(amazon):
    return OfferingFactory(model=AIModelFactory(slug="claude-fable-5"), distributor=amazon,
                           distributor_model_id="anthropic.claude-fable-5-v1:0")


@pytest.fixture
def rss(httpserver):
    return ChangingAnswer(httpserver, "/rss/bedrock-us-east-1.rss", payloads.aws_rss(), "application/rss+xml")


@pytest.fixture
def source(rss, amazon, bedrock_offering):
    return make_source("feed", rss.url, vendor=amazon,
                       config={"keywords": {"bedrock": {"offerings": [bedrock_offering.id]}}})


def test_aws_event_is_recorded_and_its_resolution_understood(rss, source, bedrock_offering):
    assert check(source)[1] == []  # no items outside events
    guid = "https://status.aws.amazon.com/#bedrock-us-east-1_1764264000"
    rss.body = payloads.aws_rss([(guid, "Increased Error Rates",
                                  "We are investigating increased error rates for Amazon Bedrock in the US-EAST-1 Region.")])
    (opened,) = check(source)[1]
    assert (opened.kind, opened.offering, opened.current_value, opened.severity) == (
        "incident", bedrock_offering, "investigating", "minor")
    assert opened.external_id == guid
    assert check(source)[1] == []
    rss.body = payloads.aws_rss([(guid, "Service is operating normally: [RESOLVED] Increased Error Rates",
                                  "Between 9:01 AM and 9:40 AM PST Amazon Bedrock saw increased error rates. The issue has been resolved.")])
    (resolved,) = check(source)[1]
    assert (resolved.previous_value, resolved.current_value, resolved.severity) == ("investigating", "resolved", "info")


def test_outage_words_make_an_entry_major_and_unmatched_entries_are_ignored_without_a_scope(rss, source, bedrock_offering):
    source.config = {**source.config, "scope": {"vendor": False}}
    source.save(update_fields=["config"])
    check(source)
    rss.body = payloads.aws_rss([
        ("g1", "Service disruption", "Amazon Bedrock is unavailable in US-EAST-1."),
        ("g2", "Increased latencies", "Amazon SageMaker endpoints see increased latencies."),
    ])
    (change,) = check(source)[1]
    assert change.external_id == "g1" and change.severity == "major"


def test_history_feed_first_check_takes_only_open_incidents(httpserver):
    anthropic = VendorFactory(slug="anthropic")
    model = AIModelFactory(provider=anthropic, slug="claude-mythos-5")
    atom = ChangingAnswer(httpserver, "/history.atom", payloads.statuspage_history_atom([
        (101, "Elevated errors on Claude Mythos 5", [("Resolved", "This incident has been resolved."),
                                                    ("Investigating", "We are investigating.")]),
        (102, "Claude API slow for Claude Mythos 5", [("Identified", "The issue has been identified.")]),
    ]), "application/atom+xml")
    source = make_source("feed", atom.url, vendor=anthropic, config={"keywords": {"mythos": {"models": [model.id]}}})
    (change,) = check(source)[1]
    assert change.model == model and change.external_id == "tag:status.claude.com,2005:Incident/102"
    assert change.current_value == "identified"


def test_feed_without_keywords_is_about_its_vendor(rss, amazon):
    source = make_source("feed", rss.url, vendor=amazon)
    check(source)
    rss.body = payloads.aws_rss([("g9", "[INVESTIGATING] API errors", "Errors.")])
    (change,) = check(source)[1]
    assert change.vendor == amazon and change.current_value == "investigating"


@pytest.mark.parametrize(
    "body, message",
    [
        (payloads.BILLION_LAUGHS, "hostile XML"),
        (payloads.quadratic_blowup(), "hostile XML"),
        (payloads.external_entity(), "hostile XML"),
        (b"this is not xml at all", "not well-formed XML"),
        (b"<html><body>Maintenance</body></html>", "Not an RSS or Atom feed"),
    ],
)
def test_hostile_or_garbage_xml_fails_the_source_quickly(rss, source, body, message):
    rss.body = body
    started = time.process_time()
    result, _ = check(source)
    assert not result.ok and message in result.error
    assert source.consecutive_failures == 1 and message in source.last_error
    assert time.process_time() - started < 5  # a CPU bound, not a wall clock: billion laughs never expands


def test_external_dtd_opens_no_connection(rss, source):
    listener = CountingListener()
    try:
        rss.body = payloads.external_dtd(f"http://127.0.0.1:{listener.port}/evil.dtd")
        result, _ = check(source)
        rss.body = payloads.external_entity(f"http://127.0.0.1:{listener.port}/leak")
        second, _ = check(source)
    finally:
        listener.close()
    assert not result.ok and not second.ok and listener.connections == 0
    assert "root:" not in result.error + second.error
