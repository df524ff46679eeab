"""Leads register dependencies and their own failure modes from the team's page."""

import pytest

from riskregister.risks.models import Dependency, Risk
from tests.factories import DependencyFactory, OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def routes():
    primary = OfferingFactory()
    return {"primary": primary, "fallback": OfferingFactory()}


def register(client, routes, **overrides):
    data = {
        "system": "support-chat", "offering": routes["primary"].id, "environment": "production", "criticality": 1,
        "data_classification": "confidential", "description": "Customer-facing assistant.",
        "fallback": routes["fallback"].id, "fallback_tested_on": "2026-11-01",
    } | overrides
    return client.post("/teams/team-a/dependencies/new/", data)


def test_a_lead_registers_a_dependency_and_its_risks_are_proposed(client, lead_a, routes):
    client.force_login(lead_a)
    assert "Register a dependency" in client.get("/teams/team-a/").content.decode()
    response = register(client, routes)
    assert response.status_code == 302
    dependency = Dependency.objects.get(system="support-chat")
    assert dependency.fallbacks.get().offering == routes["fallback"]
    assert Risk.objects.filter(dependency=dependency).count() >= 6
    assert dependency.history.first().history_user == lead_a


def test_a_duplicate_dependency_is_refused_with_a_message(client, lead_a, routes):
    client.force_login(lead_a)
    register(client, routes)
    response = register(client, routes)
    assert response.status_code == 400
    assert Dependency.objects.filter(system="support-chat").count() == 1


def test_a_fallback_that_is_the_dependency_itself_is_refused(client, lead_a, routes):
    client.force_login(lead_a)
    response = register(client, routes, fallback=routes["primary"].id)
    assert response.status_code == 400
    assert "own offering, not a fallback" in response.content.decode()
    assert not Dependency.objects.exists()


def test_members_and_other_leads_cannot_register(client, member_a, lead_b, routes):
    client.force_login(member_a)
    assert register(client, routes).status_code == 403
    client.force_login(lead_b)
    assert register(client, routes).status_code == 404
    assert not Dependency.objects.exists()


def test_a_lead_adds_an_own_failure_mode_that_becomes_a_risk(client, lead_a, team_a):
    dependency = DependencyFactory(team=team_a)
    client.force_login(lead_a)
    response = client.post(
        f"/dependencies/{dependency.id}/failure-modes/new/",
        {"name": "Our Bedrock commitment ends in March", "level": "distributor", "default_likelihood": 4, "default_impact": 3},
    )
    assert response.status_code == 302
    risk = Risk.objects.get(dependency=dependency, failure_mode__name="Our Bedrock commitment ends in March")
    assert (risk.inherent_likelihood, risk.inherent_impact) == (4, 3)
    assert risk.failure_mode.team == team_a


def test_another_teams_dependency_takes_no_failure_mode(client, lead_b, team_a):
    dependency = DependencyFactory(team=team_a)
    client.force_login(lead_b)
    response = client.post(f"/dependencies/{dependency.id}/failure-modes/new/", {"name": "x", "level": "model"})
    assert response.status_code == 404
