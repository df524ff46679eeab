"""Scenarios: events from specs, the shared result shape, saved scenarios and `manage.py scenario`."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from riskregister.risks.models import SavedScenario
from riskregister.risks.scenarios import parse_events, run_saved_scenario, run_scenario, scenario_save
from tests.risks.story import build_story
from vendors.reach import Event


@pytest.fixture
def register(db):
    return build_story(with_risks=True)


def scenario(*args):
    from io import StringIO

    out = StringIO()
    call_command("scenario", *args, stdout=out)
    return out.getvalue()


def systems(result):
    return {dependency["system"]: dependency for team in result["teams"] for dependency in team["dependencies"]}


# --- parse_events --------------------------------------------------------------------------------


def test_targets_by_slug_id_or_country_code(story):
    events = parse_events([
        {"kind": "ban", "level": "provider", "target": "anthropic"},
        {"kind": "retirement", "level": "model", "target": story.gpt.id},
        {"kind": "outage", "level": "distributor", "target": str(story.amazon.id)},
        {"kind": "ban", "level": "jurisdiction", "target": "fr"},
        {"kind": "outage", "level": "offering", "target": story.fable_vertex.id},
    ])
    assert [(event.kind, event.level, event.target) for event in events] == [
        ("ban", "provider", story.anthropic.id),
        ("retirement", "model", story.gpt.id),
        ("outage", "distributor", story.amazon.id),
        ("ban", "jurisdiction", "FR"),
        ("outage", "offering", story.fable_vertex.id),
    ]
    assert events[0].label == "ban of provider Anthropic"
    assert events[4].label == "outage of offering Claude Fable 5 via Google Cloud"


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"kind": "nuke", "level": "provider", "target": "anthropic"}, "kind"),
        ({"kind": "ban", "level": "planet", "target": "anthropic"}, "level"),
        ({"kind": "ban", "level": "provider", "target": "nobody"}, "target"),
        ({"kind": "ban", "level": "provider", "target": "amazon"}, "target"),
        ({"kind": "ban", "level": "model", "target": 999999}, "target"),
        ({"kind": "ban", "level": "offering", "target": "claude"}, "target"),
        ({"kind": "ban", "level": "jurisdiction", "target": "USA"}, "target"),
        ({"kind": "ban", "level": "model", "target": True}, "target"),
        ("ban anthropic", "events"),
    ],
)
def test_bad_specs_name_the_bad_field(story, spec, field):
    with pytest.raises(ValidationError) as refused:
        parse_events([spec])
    assert field in refused.value.message_dict


def test_a_scenario_needs_an_event(db):
    with pytest.raises(ValidationError) as refused:
        parse_events([])
    assert "events" in refused.value.message_dict


# --- run_scenario --------------------------------------------------------------------------------


def test_result_has_exactly_the_shared_shape(register):
    result = run_scenario(parse_events([{"kind": "ban", "level": "provider", "target": "anthropic"}]))
    assert set(result) == {"events", "teams", "exposure", "summary"}
    assert set(result["events"][0]) == {"kind", "level", "target", "label"}
    assert set(result["teams"][0]) == {"slug", "name", "dependencies"}
    assert set(result["teams"][0]["dependencies"][0]) == {"id", "system", "offering", "criticality", "covered", "reason", "correlated_fallbacks"}
    assert set(result["exposure"]) == {"before", "after"}
    assert result["summary"] == {"teams": 2, "dependencies": 4, "covered": 2, "uncovered": 2}
    json.dumps(result)


def test_ban_of_anthropic_reaches_bedrock_and_vertex_and_calls_out_the_correlated_fallback(register):
    result = run_scenario([Event("ban", "provider", register.anthropic.id)])
    hit = systems(result)
    assert hit["support-chat"]["offering"] == "Claude Fable 5 via Amazon Web Services"
    assert hit["code-review-bot"]["offering"] == "Claude Mythos 5 via Google Cloud"
    assert not hit["code-review-bot"]["covered"]
    assert [fallback["offering"] for fallback in hit["code-review-bot"]["correlated_fallbacks"]] == ["Claude Mythos 5 via Amazon Web Services"]
    assert result["exposure"]["after"] > result["exposure"]["before"]


def test_outage_of_anthropics_own_api_reaches_only_direct_api_users(register):
    result = run_scenario(parse_events([{"kind": "outage", "level": "vendor", "target": "anthropic"}]))
    assert set(systems(result)) == {"ticket-summariser", "internal-search"}
    assert {team["slug"] for team in result["teams"]} == {"support", "platform"}


def test_scenario_within_teams(register):
    result = run_scenario([Event("ban", "provider", register.anthropic.id)], team_ids=[register.platform.id])
    assert [team["slug"] for team in result["teams"]] == ["platform"]


def test_saved_scenario_reruns_against_the_register_as_it_changes(register, reviewer):
    saved = scenario_save(name="Export-control ban of Anthropic models", actor=reviewer,
                          events=[{"kind": "ban", "level": "provider", "target": "anthropic"}])
    assert saved.events == [{"kind": "ban", "level": "provider", "target": register.anthropic.id}]
    assert run_saved_scenario(saved)["summary"]["dependencies"] == 4
    register.report_writer.offering = register.fable_vertex
    register.report_writer.save(update_fields=["offering"])
    assert run_saved_scenario(SavedScenario.objects.get(name="Export-control ban of Anthropic models"))["summary"]["dependencies"] == 5


def test_only_reviewers_and_admins_save_scenarios(register, lead_a):
    with pytest.raises(PermissionDenied):
        scenario_save(name="x", actor=lead_a, events=[{"kind": "ban", "level": "provider", "target": "anthropic"}])


# --- manage.py scenario --------------------------------------------------------------------------


def test_command_prints_teams_coverage_correlated_fallbacks_and_exposure(register):
    out = scenario("--ban-provider", "anthropic")
    assert "4 dependencies of 2 teams hit: 2 covered, 2 not covered." in out
    assert "Customer Support (support)" in out and "Developer Platform (platform)" in out
    assert "Correlated fallback: Claude Mythos 5 via Amazon Web Services falls with it" in out
    assert "Exposure: before" in out


def test_command_json_is_the_shared_shape(register):
    result = json.loads(scenario("--ban-provider", "anthropic", "--json"))
    assert result == run_scenario(parse_events([{"kind": "ban", "level": "provider", "target": "anthropic"}]))


def test_command_combines_events(register):
    result = json.loads(scenario("--outage-distributor", "anthropic", "--retire-model", "gpt-5-1", "--jurisdiction", "FR", "--json"))
    assert set(systems(result)) == {"ticket-summariser", "internal-search", "report-writer", "doc-classifier"}
    assert [event["level"] for event in result["events"]] == ["model", "distributor", "jurisdiction"]


def test_command_saves_and_reruns(register):
    scenario("--ban-model", "claude-mythos-5", "--save", "Mythos pulled", "--description", "export control")
    assert "Mythos pulled: 1 event(s) - export control" in scenario("--list-saved")
    result = json.loads(scenario("--run-saved", "Mythos pulled", "--json"))
    assert set(systems(result)) == {"ticket-summariser", "code-review-bot"}


def test_command_team_filter(register):
    result = json.loads(scenario("--ban-provider", "anthropic", "--team", "platform", "--json"))
    assert [team["slug"] for team in result["teams"]] == ["platform"]


@pytest.mark.parametrize(
    "args",
    [(), ("--ban-provider", "nobody"), ("--run-saved", "never saved"), ("--ban-provider", "anthropic", "--team", "nobody"), ("--jurisdiction", "USA")],
)
def test_command_refuses_what_it_cannot_run(register, args):
    with pytest.raises(CommandError):
        scenario(*args)


def test_a_scenario_is_five_queries_however_many_dependencies_it_hits(register, django_assert_num_queries):
    from tests.factories import DependencyFactory, FallbackFactory

    ban = [Event("ban", "provider", register.anthropic.id)]
    with django_assert_num_queries(5):
        small = run_scenario(ban)
    for index in range(30):
        FallbackFactory(dependency=DependencyFactory(team=register.analytics, offering=register.mythos_bedrock, system=f"extra-{index}"),
                        offering=register.gpt_azure)
    with django_assert_num_queries(5):
        large = run_scenario(ban)
    assert large["summary"]["dependencies"] == small["summary"]["dependencies"] + 30
