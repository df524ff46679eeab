"""Every row of the reach table, and the mapping of recorded changes onto events."""

import pytest

from tests.factories import DistributorFactory, StatusChangeFactory
from tests.risks.story import build_story
from vendors.reach import Event, EventKind, EventLevel, event_from_change, offerings_reached


@pytest.fixture
def story(db):
    return build_story()


def reached(*events):
    return set(offerings_reached(events))


ANTHROPIC_EVERYWHERE = ("fable_direct", "fable_bedrock", "fable_vertex", "mythos_direct", "mythos_bedrock", "mythos_vertex")


def named(story, *names):
    return {getattr(story, name) for name in names}


@pytest.mark.parametrize("kind", [EventKind.BAN, EventKind.RETIREMENT, EventKind.SUSPENSION, EventKind.POLICY_CHANGE])
def test_lifecycle_event_of_a_provider_reaches_every_offering_of_its_models_through_every_distributor(story, kind):
    assert reached(Event(kind, EventLevel.PROVIDER, story.anthropic.id)) == named(story, *ANTHROPIC_EVERYWHERE)


@pytest.mark.parametrize("kind", [EventKind.BAN, EventKind.RETIREMENT, EventKind.SUSPENSION, EventKind.DEPRECATION])
def test_lifecycle_event_of_a_model_reaches_every_offering_of_that_model(story, kind):
    assert reached(Event(kind, EventLevel.MODEL, story.fable.id)) == named(story, "fable_direct", "fable_bedrock", "fable_vertex")


@pytest.mark.parametrize("kind", [EventKind.OUTAGE, EventKind.INCIDENT])
def test_outage_of_a_provider_reaches_only_its_direct_api(story, kind):
    direct_only = named(story, "fable_direct", "mythos_direct")
    assert reached(Event(kind, EventLevel.VENDOR, story.anthropic.id)) == direct_only
    # Called a provider-level outage, it is still only the provider's own service that is down.
    assert reached(Event(kind, EventLevel.PROVIDER, story.anthropic.id)) == direct_only


@pytest.mark.parametrize("kind", [EventKind.OUTAGE, EventKind.INCIDENT])
def test_outage_of_a_distributor_reaches_only_what_it_resells(story, kind):
    bedrock = named(story, "fable_bedrock", "mythos_bedrock", "large_bedrock")
    assert reached(Event(kind, EventLevel.VENDOR, story.amazon.id)) == bedrock
    assert reached(Event(kind, EventLevel.DISTRIBUTOR, story.amazon.id)) == bedrock


def test_ban_of_a_distributor_reaches_what_it_resells_and_nothing_of_the_providers_own_apis(story):
    assert reached(Event(EventKind.BAN, EventLevel.DISTRIBUTOR, story.google.id)) == named(story, "fable_vertex", "mythos_vertex")


def test_outage_of_a_model_reaches_the_providers_own_offering_of_it(story):
    assert reached(Event(EventKind.OUTAGE, EventLevel.MODEL, story.mythos.id)) == {story.mythos_direct}


@pytest.mark.parametrize("kind", EventKind.values)
def test_anything_on_an_offering_reaches_that_offering_alone(story, kind):
    assert reached(Event(kind, EventLevel.OFFERING, story.fable_vertex.id)) == {story.fable_vertex}


def test_jurisdiction_reaches_offerings_whose_provider_or_distributor_is_headquartered_there(story):
    assert reached(Event(EventKind.BAN, EventLevel.JURISDICTION, "FR")) == named(story, "large_direct", "large_bedrock")
    everything_but_mistral_direct = set(type(story.fable_direct).objects.exclude(id=story.large_direct.id))
    assert reached(Event(EventKind.BAN, EventLevel.JURISDICTION, "us")) == everything_but_mistral_direct
    assert reached(Event(EventKind.BAN, EventLevel.JURISDICTION, "CN")) == set()


def test_events_reach_the_union_of_what_each_reaches(story):
    assert reached(
        Event(EventKind.OUTAGE, EventLevel.VENDOR, story.anthropic.id),
        Event(EventKind.BAN, EventLevel.MODEL, story.gpt.id),
    ) == named(story, "fable_direct", "mythos_direct", "gpt_direct", "gpt_azure")


def test_no_events_reach_nothing(story):
    assert reached() == set()


def test_reach_is_one_query_however_many_events(story, django_assert_num_queries):
    events = [Event(EventKind.BAN, EventLevel.MODEL, model.id) for model in (story.fable, story.mythos, story.gpt, story.large)]
    events.append(Event(EventKind.BAN, EventLevel.JURISDICTION, "FR"))
    with django_assert_num_queries(1):
        assert len(list(offerings_reached(events))) == 10


def test_events_equal_whether_built_from_choices_or_strings():
    assert Event(EventKind.BAN, EventLevel.MODEL, 3) == Event("ban", "model", 3)
    assert hash(Event(EventKind.BAN, EventLevel.MODEL, 3)) == hash(Event("ban", "model", 3))
    assert Event("ban", "jurisdiction", "fr").target == "FR"


@pytest.mark.parametrize(
    ("kind", "level", "target"),
    [("explode", "model", 1), ("ban", "galaxy", 1), ("ban", "model", "claude"), ("ban", "jurisdiction", "FRA"), ("ban", "provider", True)],
)
def test_malformed_events_are_refused(kind, level, target):
    with pytest.raises(ValueError):
        Event(kind, level, target)


# --- recorded changes become events --------------------------------------------------------------


def change(**fields):
    return StatusChangeFactory(**fields)


@pytest.mark.parametrize(
    ("current", "expected_kind", "route_date"),
    [("banned", EventKind.BAN, ""), ("suspended", EventKind.SUSPENSION, ""),
     ("retired", EventKind.RETIREMENT, "retirement_date"), ("deprecated", EventKind.DEPRECATION, "deprecation_date")],
)
def test_lifecycle_change_of_a_model_is_that_event_of_the_model(story, current, expected_kind, route_date):
    # A retirement or deprecation names the route date it stands for: a route with its own date
    # still to come lives by that date, not by the model's.
    recorded = change(model=story.fable, kind="lifecycle", previous_value="active", current_value=current, title="Fable 5 withdrawn")
    assert event_from_change(recorded) == Event(expected_kind, EventLevel.MODEL, story.fable.id, change_id=recorded.id,
                                                label="Fable 5 withdrawn", date_field=route_date)


def test_lifecycle_change_of_a_provider_is_at_provider_level(story):
    recorded = change(vendor=story.anthropic, kind="lifecycle", previous_value="active", current_value="suspended")
    event = event_from_change(recorded)
    assert (event.kind, event.level, event.target) == ("suspension", "provider", story.anthropic.id)


def test_lifecycle_change_of_a_distributor_only_vendor_is_at_distributor_level(story):
    recorded = change(vendor=story.google, kind="lifecycle", previous_value="active", current_value="banned")
    event = event_from_change(recorded)
    assert (event.kind, event.level, event.target) == ("ban", "distributor", story.google.id)


def test_lifecycle_change_of_an_offering_is_of_that_offering(story):
    recorded = change(offering=story.fable_bedrock, kind="lifecycle", previous_value="active", current_value="retired")
    event = event_from_change(recorded)
    assert (event.kind, event.level, event.target) == ("retirement", "offering", story.fable_bedrock.id)


def test_a_lifted_ban_is_the_same_event_so_teams_hear_it_ended(story):
    recorded = change(model=story.fable, kind="lifecycle", previous_value="banned", current_value="active")
    event = event_from_change(recorded)
    assert (event.kind, event.level, event.target) == ("ban", "model", story.fable.id)


def test_preview_becoming_active_is_no_event(story):
    assert event_from_change(change(model=story.fable, kind="lifecycle", previous_value="preview", current_value="active")) is None


@pytest.mark.parametrize(("kind", "expected_kind"), [("status", "outage"), ("incident", "incident")])
@pytest.mark.parametrize("current", ["major_outage", "operational"])
def test_status_or_incident_of_a_vendor_is_an_outage_of_its_own_service(story, kind, expected_kind, current):
    recorded = change(vendor=story.anthropic, kind=kind, previous_value="degraded", current_value=current)
    event = event_from_change(recorded)
    assert (event.kind, event.level, event.target) == (expected_kind, "vendor", story.anthropic.id)
    assert set(offerings_reached([event])) == named(story, "fable_direct", "mythos_direct")


def test_status_of_an_offering_is_an_outage_of_that_offering(story):
    recorded = change(offering=story.mythos_bedrock, kind="status", previous_value="operational", current_value="partial_outage")
    event = event_from_change(recorded)
    assert (event.kind, event.level, event.target) == ("outage", "offering", story.mythos_bedrock.id)


def test_status_of_a_model_is_an_outage_of_its_direct_offering(story):
    recorded = change(model=story.mythos, kind="status", previous_value="operational", current_value="major_outage")
    assert set(offerings_reached([event_from_change(recorded)])) == {story.mythos_direct}


@pytest.mark.parametrize(
    ("subject", "level"), [("fable", "model"), ("anthropic", "provider"), ("fable_vertex", "offering")]
)
def test_regulatory_change_is_a_ban_of_its_subject(story, subject, level):
    target = getattr(story, subject)
    field = {"model": "model", "provider": "vendor", "offering": "offering"}[level]
    recorded = change(kind="regulatory", current_value="export control", **{field: target})
    event = event_from_change(recorded)
    assert (event.kind, event.level, event.target) == ("ban", level, target.id)


def test_regulatory_ban_of_a_provider_reaches_every_distributor(story):
    recorded = change(vendor=story.anthropic, kind="regulatory", current_value="export control")
    assert set(offerings_reached([event_from_change(recorded)])) == named(story, *ANTHROPIC_EVERYWHERE)


@pytest.mark.parametrize("value", ["Proposed Rule", "Notice", "notice"])
def test_a_proposed_rule_or_notice_is_a_regulatory_notice_reaching_what_a_ban_would(story, value):
    notice = event_from_change(change(vendor=story.anthropic, kind="regulatory", current_value=value))
    ban = event_from_change(change(vendor=story.anthropic, kind="regulatory", current_value="Rule"))
    assert (notice.kind, ban.kind) == ("regulatory_notice", "ban")
    assert set(offerings_reached([notice])) == set(offerings_reached([ban])) == named(story, *ANTHROPIC_EVERYWHERE)


def test_deprecation_change_is_a_deprecation_of_its_subject(story):
    recorded = change(offering=story.gpt_azure, kind="deprecation", current_value="2027-01-01")
    event = event_from_change(recorded)
    assert (event.kind, event.level, event.target) == ("deprecation", "offering", story.gpt_azure.id)


def test_distributor_that_also_provides_is_at_provider_level(db):
    both = DistributorFactory(slug="both", provides_models=True)
    recorded = change(vendor=both, kind="regulatory", current_value="ban")
    assert event_from_change(recorded).level == "provider"
