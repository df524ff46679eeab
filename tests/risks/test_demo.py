"""The demo data, loaded by `seed_demo`, tells the story the register is built for."""

import json
from io import StringIO

from django.core.management import call_command

from riskregister.risks.models import Dependency, Risk


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_demo_ban_of_anthropic_names_every_affected_team_and_the_correlated_fallback(db):
    run("seed_demo")
    result = json.loads(run("scenario", "--ban-provider", "anthropic", "--json"))
    assert {team["slug"] for team in result["teams"]} == {"support", "platform"}
    hit = {dependency["system"]: dependency for team in result["teams"] for dependency in team["dependencies"]}
    assert {"support-chat", "ticket-summariser", "code-review-bot", "internal-search"} == set(hit)
    review_bot = hit["code-review-bot"]
    assert not review_bot["covered"]
    assert [fallback["offering"] for fallback in review_bot["correlated_fallbacks"]] == ["Claude Mythos 5 via Amazon Web Services"]
    assert hit["support-chat"]["covered"]

    text = run("scenario", "--ban-provider", "anthropic")
    assert "Correlated fallback: Claude Mythos 5 via Amazon Web Services falls with it" in text


def test_demo_outage_of_anthropics_api_reaches_only_direct_api_teams(db):
    run("seed_demo")
    result = json.loads(run("scenario", "--outage-distributor", "anthropic", "--json"))
    direct = {dependency["system"] for team in result["teams"] for dependency in team["dependencies"]}
    assert direct == set(Dependency.objects.filter(offering__distributor__slug="anthropic").values_list("system", flat=True))
    assert direct == {"ticket-summariser", "internal-search"}


def test_demo_dependencies_got_their_proposed_risks(db):
    run("seed_demo")
    conflicted = Risk.objects.filter(failure_mode__slug="vendor-conflict-of-interest").values_list("dependency__system", flat=True)
    # Bedrock and Vertex resell Anthropic, and Amazon and Google invest in it.
    assert set(conflicted) == {"support-chat", "code-review-bot"}
    assert Risk.objects.filter(dependency__system="report-writer").count() == 6
