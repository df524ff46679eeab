"""Blast radius: who an event hits and whether a fallback covers them."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from riskregister.risks.impact import blast_radius, correlated_fallbacks
from tests.factories import DependencyFactory, FallbackFactory, OfferingFactory, TeamFactory
from vendors.reach import Event, EventKind, EventLevel


def ban_provider(vendor):
    return Event(EventKind.BAN, EventLevel.PROVIDER, vendor.id)


def by_system(radius):
    return {item.dependency.system: item for item in radius.affected}


def test_ban_of_anthropic_hits_direct_bedrock_and_vertex_users(story):
    radius = blast_radius([ban_provider(story.anthropic)])
    assert set(by_system(radius)) == {"support-chat", "ticket-summariser", "code-review-bot", "internal-search"}
    assert [team.slug for team in radius.by_team()] == ["support", "platform"]


def test_fallback_to_the_same_model_through_another_distributor_does_not_cover_a_ban(story):
    item = by_system(blast_radius([ban_provider(story.anthropic)]))["code-review-bot"]
    assert not item.covered
    assert [fallback.offering for fallback in item.correlated_fallbacks] == [story.mythos_bedrock]
    assert "same event" in item.reason and "Claude Mythos 5 via Amazon Web Services" in item.reason


def test_tested_fallback_on_another_provider_covers_a_ban(story):
    items = by_system(blast_radius([ban_provider(story.anthropic)]))
    assert items["support-chat"].covered
    assert [fallback.offering for fallback in items["support-chat"].covering_fallbacks] == [story.gpt_azure]
    assert items["support-chat"].reason.startswith("Covered: fails over to GPT-5.1 via Microsoft Azure")
    assert items["internal-search"].covered
    assert items["ticket-summariser"].reason == "Not covered: no fallback."


def test_outage_of_anthropics_api_reaches_only_direct_api_users(story):
    radius = blast_radius([Event(EventKind.OUTAGE, EventLevel.VENDOR, story.anthropic.id)])
    assert set(by_system(radius)) == {"ticket-summariser", "internal-search"}


def test_outage_of_one_distributor_is_covered_by_the_same_model_elsewhere(story):
    item = by_system(blast_radius([Event(EventKind.OUTAGE, EventLevel.VENDOR, story.google.id)]))["code-review-bot"]
    assert item.covered and item.correlated_fallbacks == []


def test_fallback_tested_too_long_ago_does_not_cover(story):
    item = by_system(blast_radius([Event(EventKind.OUTAGE, EventLevel.VENDOR, story.amazon.id)]))["doc-classifier"]
    assert not item.covered
    assert "more than 90 days ago" in item.reason


@pytest.mark.parametrize(("days_ago", "covered"), [(0, True), (90, True), (91, False)])
def test_fallback_counts_within_the_configured_window(story, days_ago, covered):
    story.support_chat.fallbacks.update(tested_on=timezone.localdate() - datetime.timedelta(days=days_ago))
    item = by_system(blast_radius([ban_provider(story.anthropic)]))["support-chat"]
    assert item.covered is covered


@override_settings(FALLBACK_TESTED_WITHIN_DAYS=10)
def test_window_comes_from_settings(story):
    item = by_system(blast_radius([ban_provider(story.anthropic)]))["support-chat"]
    assert not item.covered and "more than 10 days ago" in item.reason


def test_never_tested_fallback_does_not_cover(story):
    story.support_chat.fallbacks.update(tested_on=None)
    item = by_system(blast_radius([ban_provider(story.anthropic)]))["support-chat"]
    assert not item.covered and "never been tested" in item.reason


def test_fallback_that_is_itself_retired_does_not_cover(story):
    story.gpt_azure.lifecycle = "retired"
    story.gpt_azure.save(update_fields=["lifecycle"])
    item = by_system(blast_radius([ban_provider(story.anthropic)]))["support-chat"]
    assert not item.covered and "itself retired" in item.reason


def test_fallback_hit_by_another_event_of_the_same_scenario_does_not_cover(story):
    radius = blast_radius([ban_provider(story.anthropic), ban_provider(story.openai)])
    item = by_system(radius)["support-chat"]
    assert not item.covered and item.correlated_fallbacks[0].offering == story.gpt_azure
    assert by_system(radius)["report-writer"].events == [ban_provider(story.openai)]


def test_each_affected_dependency_names_the_events_that_reach_it(story):
    outage = Event(EventKind.OUTAGE, EventLevel.VENDOR, story.amazon.id)
    ban = ban_provider(story.anthropic)
    items = by_system(blast_radius([ban, outage]))
    assert items["support-chat"].events == [ban, outage]
    assert items["doc-classifier"].events == [outage]
    assert items["code-review-bot"].events == [ban]


def test_jurisdiction_reaches_teams_on_french_models(story):
    radius = blast_radius([Event(EventKind.BAN, EventLevel.JURISDICTION, "FR")])
    assert set(by_system(radius)) == {"doc-classifier"}


def test_team_ids_restrict_the_radius(story):
    radius = blast_radius([ban_provider(story.anthropic)], team_ids=[story.platform.id])
    assert set(by_system(radius)) == {"code-review-bot", "internal-search"}


def test_no_events_hit_nobody(story):
    assert blast_radius([]).affected == []


def test_duplicate_events_count_once(story):
    ban = ban_provider(story.anthropic)
    assert blast_radius([ban, ban]).events == [ban]


def test_counts_of_covered_and_uncovered(story):
    radius = blast_radius([ban_provider(story.anthropic)])
    assert (radius.covered_count, radius.uncovered_count) == (2, 2)


def test_correlated_fallbacks_are_pointed_out_without_any_event(story):
    assert [fallback.offering for fallback in correlated_fallbacks(story.code_review_bot)] == [story.mythos_bedrock]
    assert correlated_fallbacks(story.support_chat) == []
    assert correlated_fallbacks(story.doc_classifier) == []


def _grow(story, count):
    team = TeamFactory()
    for index in range(count):
        dependency = DependencyFactory(team=team, offering=story.fable_vertex, system=f"extra-{count}-{index}")
        FallbackFactory(dependency=dependency, offering=OfferingFactory(model=story.gpt, distributor=story.microsoft, distributor_model_id=f"gpt-{count}-{index}"))


def test_query_count_does_not_grow_with_the_number_of_dependencies(story, django_assert_num_queries):
    events = [ban_provider(story.anthropic), Event(EventKind.OUTAGE, EventLevel.VENDOR, story.amazon.id)]
    _grow(story, 5)
    with django_assert_num_queries(4):
        small = blast_radius(events)
        [item.dependency.team.name + str(item.dependency.offering) + item.dependency.offering.model.provider.slug + str([f.offering for f in item.dependency.fallbacks.all()]) for item in small.affected]
    _grow(story, 40)
    with django_assert_num_queries(4):
        large = blast_radius(events)
        [item.dependency.team.name + str(item.dependency.offering) + item.dependency.offering.model.provider.slug + str([f.offering for f in item.dependency.fallbacks.all()]) for item in large.affected]
    assert len(large.affected) == len(small.affected) + 40
