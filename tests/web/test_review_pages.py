"""The reviewer's queue and a risk's page, as reviewers and leads use them in the browser."""

import datetime

import pytest
from django.utils import timezone

from riskregister.risks.models import Assessment
from tests.factories import DependencyFactory, RiskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def risk_of_a(team_a):
    return RiskFactory(dependency=DependencyFactory(team=team_a, system="support-chat"),
                       inherent_likelihood=4, inherent_impact=5, residual_likelihood=4, residual_impact=5)


def assess(client, risk, **overrides):
    data = {
        "action": "assess",
        "inherent_likelihood": 4, "inherent_impact": 5, "residual_likelihood": 2, "residual_impact": 4,
        "treatment": "mitigate", "rationale": "Tested failover to another provider.",
    } | overrides
    return client.post(f"/risks/{risk.id}/", data)


def test_reviewer_sees_a_never_reviewed_risk_in_the_queue(client, reviewer, risk_of_a):
    client.force_login(reviewer)
    html = client.get("/review/").content.decode()
    assert "support-chat" in html and "never_reviewed" in html.replace(" ", "_")


def test_the_queue_is_for_reviewers_only(client, lead_a, risk_of_a):
    client.force_login(lead_a)
    assert client.get("/review/").status_code == 403


def test_an_assessment_moves_scores_band_and_next_review_and_shows_in_the_timeline(client, reviewer, risk_of_a):
    client.force_login(reviewer)
    response = assess(client, risk_of_a)
    assert response.status_code == 302
    risk_of_a.refresh_from_db()
    assert (risk_of_a.residual_likelihood, risk_of_a.residual_impact) == (2, 4)
    assert risk_of_a.next_review_date == timezone.localdate() + datetime.timedelta(days=180)  # 8 is medium
    assert Assessment.objects.filter(risk=risk_of_a, assessor=reviewer).count() == 1
    html = client.get(f"/risks/{risk_of_a.id}/").content.decode()
    assert "Tested failover to another provider." in html
    assert "8 medium" in html


def test_residual_above_inherent_is_refused_with_the_field(client, reviewer, risk_of_a):
    client.force_login(reviewer)
    response = assess(client, risk_of_a, residual_impact=5, inherent_impact=3)
    assert response.status_code == 400
    assert "Residual impact may not exceed inherent impact." in response.content.decode()
    assert not Assessment.objects.exists()


def test_a_lead_proposes_a_mitigation_but_may_not_assess(client, lead_a, risk_of_a):
    client.force_login(lead_a)
    page = client.get(f"/risks/{risk_of_a.id}/").content.decode()
    assert "Propose a mitigation" in page and "Record assessment" not in page
    assert assess(client, risk_of_a).status_code == 403
    response = client.post(f"/risks/{risk_of_a.id}/", {"action": "mitigate", "treatment": "mitigate",
                                                         "mitigation": "Add a tested fallback on OpenAI via Azure."})
    assert response.status_code == 302
    risk_of_a.refresh_from_db()
    assert risk_of_a.mitigation == "Add a tested fallback on OpenAI via Azure."
    assert (risk_of_a.residual_likelihood, risk_of_a.residual_impact) == (4, 5)


def test_a_member_reads_but_changes_nothing(client, member_a, risk_of_a):
    client.force_login(member_a)
    page = client.get(f"/risks/{risk_of_a.id}/").content.decode()
    assert "Propose a mitigation" not in page
    response = client.post(f"/risks/{risk_of_a.id}/", {"action": "mitigate", "treatment": "avoid", "mitigation": "x"})
    assert response.status_code == 403


def test_another_teams_risk_is_not_found(client, lead_b, risk_of_a):
    client.force_login(lead_b)
    assert client.get(f"/risks/{risk_of_a.id}/").status_code == 404
    assert assess(client, risk_of_a).status_code == 404


@pytest.fixture
def bedrock_and_vertex(team_a, team_b):
    from tests.factories import AIModelFactory, FallbackFactory, OfferingFactory, VendorFactory

    anthropic = VendorFactory(slug="anthropic", name="Anthropic")
    amazon = VendorFactory(slug="amazon", name="Amazon", provides_models=False, distributes_models=True)
    google = VendorFactory(slug="google", name="Google", provides_models=False, distributes_models=True)
    fable = AIModelFactory(slug="claude-fable-5", name="Claude Fable 5", provider=anthropic)
    bedrock = OfferingFactory(model=fable, distributor=amazon)
    vertex = OfferingFactory(model=fable, distributor=google)
    on_bedrock = DependencyFactory(team=team_a, system="support-chat", offering=bedrock)
    FallbackFactory(dependency=on_bedrock, offering=vertex)
    DependencyFactory(team=team_b, system="code-review-bot", offering=vertex)
    return anthropic


def test_scenario_page_shows_the_blast_radius_of_a_provider_ban(client, reviewer, bedrock_and_vertex):
    client.force_login(reviewer)
    response = client.post("/scenarios/", {"ban_provider": "anthropic"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # htmx gets the result only
    assert "support-chat" in html and "code-review-bot" in html
    assert "correlated fallback:" in html
    assert "2 teams, 2 dependencies affected" in html


def test_a_lead_sees_only_the_own_team_in_a_scenario(client, lead_a, bedrock_and_vertex):
    client.force_login(lead_a)
    html = client.post("/scenarios/", {"ban_provider": "anthropic"}).content.decode()
    assert "support-chat" in html and "code-review-bot" not in html


def test_a_scenario_without_events_is_refused(client, lead_a, bedrock_and_vertex):
    client.force_login(lead_a)
    response = client.post("/scenarios/", {"jurisdiction": "U1"})
    assert response.status_code == 400
    assert "country code" in response.content.decode()
