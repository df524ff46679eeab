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
