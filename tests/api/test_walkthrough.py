"""What the README's REST API section walks a new user through, and the writes behind it."""

import datetime

from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from riskregister.risks.models import Assessment, Dependency, Risk
from riskregister.teams.models import REVIEWERS_GROUP
from tests.api.conftest import client_for
from tests.conftest import PASSWORD
from tests.factories import AIModelFactory, DistributorFactory, OfferingFactory, StatusSourceFactory, VendorFactory
from vendors.models import StatusChange


def _token(username: str) -> str:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_new_user_registers_a_dependency_with_a_fallback_and_a_reviewer_assesses_a_proposed_risk(lead_a, reviewer):
    anthropic = VendorFactory(name="Anthropic", slug="anthropic", provides_models=True)
    mistral = VendorFactory(name="Mistral", slug="mistral", provides_models=True, headquarters_country="FR")
    bedrock = DistributorFactory(name="AWS", slug="aws")
    claude = OfferingFactory(model=AIModelFactory(provider=anthropic, slug="claude-sonnet"), distributor=bedrock)
    fallback = OfferingFactory(model=AIModelFactory(provider=mistral, slug="mistral-large"), distributor=mistral)

    lead = APIClient()
    lead.credentials(HTTP_AUTHORIZATION=f"Token {_token('lead-a')}")
    # Find the offering ids in the catalog, as the README shows.
    offerings = lead.get("/api/v1/offerings/", {"model_slug": "claude-sonnet"}).json()["results"]
    assert [row["id"] for row in offerings] == [claude.id]

    created = lead.post(
        "/api/v1/dependencies/",
        {
            "team": "team-a",
            "system": "support-chat",
            "offering": claude.id,
            "environment": "production",
            "criticality": 1,
            "fallbacks": [{"offering": fallback.id, "tested_on": "2026-11-01"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    dependency = created.json()
    assert dependency["team"] == "team-a"
    assert dependency["fallbacks"] == [{"offering": fallback.id, "tested_on": "2026-11-01"}]
    assert dependency["risk_count"] > 0

    risks = lead.get("/api/v1/risks/", {"dependency": dependency["id"]}).json()
    assert risks["count"] == dependency["risk_count"] == Risk.objects.filter(dependency_id=dependency["id"]).count()
    risk = risks["results"][0]
    assert risk["status"] == "open" and risk["system"] == "support-chat"

    # The lead proposes a mitigation but cannot score.
    proposal = lead.patch(f"/api/v1/risks/{risk['id']}/", {"treatment": "mitigate", "mitigation": "fail over to Mistral"}, format="json")
    assert proposal.status_code == 200 and proposal.json()["status"] == "under_review"
    refused = lead.post(f"/api/v1/risks/{risk['id']}/assessments/", {"inherent_likelihood": 1}, format="json")
    assert refused.status_code == 403

    reviewer_client = APIClient()
    reviewer_client.credentials(HTTP_AUTHORIZATION=f"Token {_token('reviewer')}")
    assessed = reviewer_client.post(
        f"/api/v1/risks/{risk['id']}/assessments/",
        {"inherent_likelihood": 3, "inherent_impact": 5, "residual_likelihood": 2, "residual_impact": 3,
         "treatment": "mitigate", "rationale": "Failover to Mistral tested this month."},
        format="json",
    )
    assert assessed.status_code == 201, assessed.content
    assert assessed.json()["assessor"] == "reviewer"
    assert assessed.json()["band"]
    after = lead.get(f"/api/v1/risks/{risk['id']}/").json()
    assert (after["residual_likelihood"], after["residual_impact"], after["status"]) == (2, 3, "treated")
    assert lead.get(f"/api/v1/risks/{risk['id']}/assessments/").json()["count"] == 1
    # The audit trail: history rows name who changed the dependency and the risk.
    assert Dependency.history.filter(id=dependency["id"]).first().history_user == lead_a
    assert Risk.history.filter(id=risk["id"]).first().history_user == reviewer


def test_assessment_rules_of_the_service_come_back_as_400_naming_the_field(reviewer, team_a):
    from tests.factories import RiskFactory

    risk = RiskFactory(dependency__team=team_a)
    response = client_for(reviewer).post(
        f"/api/v1/risks/{risk.id}/assessments/",
        {"inherent_likelihood": 2, "inherent_impact": 2, "residual_likelihood": 3, "residual_impact": 2,
         "treatment": "accept", "status": "accepted", "rationale": "fine"},
        format="json",
    )
    assert response.status_code == 400
    assert {"residual_likelihood", "acceptance_expires_on"} <= set(response.json()["error"]["fields"])
    assert not Assessment.objects.exists()


def test_manual_status_change_is_recorded_in_a_batch_of_its_own_and_moves_the_subject(reviewer):
    offering = OfferingFactory(status="operational")
    client = client_for(reviewer)
    first = client.post("/api/v1/status-changes/", {"kind": "status", "title": "Bedrock degraded", "severity": "major",
                                                   "offering": offering.id, "current_value": "degraded"}, format="json")
    second = client.post("/api/v1/status-changes/", {"kind": "status", "title": "Bedrock down", "severity": "critical",
                                                    "offering": offering.id, "current_value": "major_outage"}, format="json")
    assert first.status_code == second.status_code == 201, first.content
    assert first.json()["batch"] != second.json()["batch"]
    assert first.json()["previous_value"] == "operational"
    assert first.json()["recorded_by"] == "reviewer"
    offering.refresh_from_db()
    assert offering.status == "major_outage"
    assert StatusChange.objects.filter(source__isnull=True, recorded_by=reviewer).count() == 2


def test_manual_status_change_needs_exactly_one_subject(reviewer):
    response = client_for(reviewer).post("/api/v1/status-changes/", {"kind": "status", "title": "x", "severity": "info"}, format="json")
    assert response.status_code == 400
    assert "vendor" in response.json()["error"]["fields"]


def test_status_source_url_to_a_private_address_is_refused_naming_the_field(admin):
    client = client_for(admin)
    for url in ("http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:6379/", "http://2130706433/", "http://[::ffff:10.0.0.1]/"):
        response = client.post("/api/v1/status-sources/", {"name": "s", "kind": "statuspage", "url": url}, format="json")
        assert response.status_code == 400, url
        assert "url" in response.json()["error"]["fields"], url
    source = StatusSourceFactory(url="https://93.184.215.14/api/v2/summary.json")
    response = client.patch(f"/api/v1/status-sources/{source.id}/", {"url": "http://10.1.2.3/status.json"}, format="json")
    assert response.status_code == 400 and "url" in response.json()["error"]["fields"]


def test_session_writes_need_the_csrf_token(lead_a, team_a):
    offering = OfferingFactory()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(lead_a)
    body = {"team": "team-a", "system": "search", "offering": offering.id}
    refused = client.post("/api/v1/dependencies/", body, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]
    assert client.get("/api/v1/dependencies/").status_code == 200  # reads need no token
    client.get("/admin/login/")  # sets the csrftoken cookie
    accepted = client.post("/api/v1/dependencies/", body, format="json", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert accepted.status_code == 201, accepted.content


def test_register_csv_is_filtered_like_the_risks_list_and_defuses_formulas(lead_a, team_a, team_b):
    from tests.factories import DependencyFactory, RiskFactory

    mine = RiskFactory(dependency=DependencyFactory(team=team_a, system="=HYPERLINK(\"http://x\")"), mitigation="@SUM(1)")
    RiskFactory(dependency=DependencyFactory(team=team_b, system="theirs"))
    closed = RiskFactory(dependency=DependencyFactory(team=team_a, system="done"))
    closed.status = "closed"
    closed.save(update_fields=["status"])
    response = client_for(lead_a).get("/api/v1/register.csv", {"status": "open"})
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("risk_id,team,system")
    assert len(lines) == 2 and lines[1].startswith(f"{mine.id},team-a,")
    assert "'=HYPERLINK" in lines[1] and "'@SUM(1)" in lines[1]
    assert "theirs" not in "".join(lines)


def test_exposure_and_scenario_of_a_member_cover_only_their_team(member_a, team_a, team_b):
    from tests.factories import DependencyFactory, RiskFactory

    provider = VendorFactory(slug="anthropic", provides_models=True)
    offering = OfferingFactory(model=AIModelFactory(provider=provider))
    RiskFactory(dependency=DependencyFactory(team=team_a, offering=offering, system="ours"))
    RiskFactory(dependency=DependencyFactory(team=team_b, offering=offering, system="theirs"))
    client = client_for(member_a)
    exposure = client.get("/api/v1/exposure/", {"by": "team"}).json()
    assert [row["slug"] for row in exposure["rows"]] == ["team-a"]
    scenario = client.post("/api/v1/scenarios/", {"events": [{"kind": "ban", "level": "provider", "target": "anthropic"}]}, format="json")
    assert scenario.status_code == 200, scenario.content
    result = scenario.json()
    assert [team["slug"] for team in result["teams"]] == ["team-a"]
    assert result["summary"]["dependencies"] == 1
    assert set(result["exposure"]) == {"before", "after"}


def test_assessments_and_their_history_cannot_be_rewritten_through_the_api(admin, reviewer, team_a):
    from tests.factories import RiskFactory

    risk = RiskFactory(dependency__team=team_a)
    client = client_for(reviewer)
    created = client.post(f"/api/v1/risks/{risk.id}/assessments/", {
        "inherent_likelihood": 3, "inherent_impact": 3, "residual_likelihood": 2, "residual_impact": 2,
        "treatment": "mitigate", "rationale": "first"}, format="json")
    assert created.status_code == 201
    url = f"/api/v1/risks/{risk.id}/assessments/{created.json()['id']}/"
    for method in ("put", "patch", "delete"):
        response = getattr(client_for(admin), method)(url, {"rationale": "rewritten"}, format="json")
        assert response.status_code == 405, method
        assert response.json()["error"]["code"] == "method_not_allowed"
    assert Assessment.objects.get().rationale == "first"


def test_removing_a_dependency_leaves_its_history_naming_who_removed_it(lead_a, team_a):
    from tests.factories import DependencyFactory

    dependency = DependencyFactory(team=team_a)
    assert client_for(lead_a).delete(f"/api/v1/dependencies/{dependency.id}/").status_code == 204
    # Deleting archives: the last history row is the archiving, by the lead.
    removal = Dependency.history.filter(id=dependency.id).latest("history_date")
    assert removal.history_type == "~"
    assert removal.archived_at is not None and removal.history_user == lead_a


def test_status_source_config_is_checked_by_its_kind(admin):
    client = client_for(admin)
    offering = OfferingFactory()
    url = "https://93.184.215.14/api/v2/summary.json"
    bad = client.post("/api/v1/status-sources/", {"name": "s", "kind": "statuspage", "url": url,
                                                  "config": {"components": {"Claude API": [999999]}}}, format="json")
    assert bad.status_code == 400
    assert "config" in bad.json()["error"]["fields"]
    good = client.post("/api/v1/status-sources/", {"name": "s", "kind": "statuspage", "url": url,
                                                   "config": {"components": {"Claude API": [offering.id]}}}, format="json")
    assert good.status_code == 201, good.content
    assert good.json()["config"]["components"] == {"Claude API": [offering.id]}


def test_a_feeds_region_is_checked_by_the_feed_kind(admin):
    client = client_for(admin)
    vendor = VendorFactory(slug="amazon")
    url = "https://93.184.215.14/rss/bedrock-us-east-1.rss"
    bad = client.post("/api/v1/status-sources/", {"name": "aws", "kind": "feed", "url": url, "vendor": vendor.id,
                                                  "config": {"region": "us east 1"}}, format="json")
    assert bad.status_code == 400
    assert "region" in str(bad.json()["error"]["fields"]["config"])
    good = client.post("/api/v1/status-sources/", {"name": "aws", "kind": "feed", "url": url, "vendor": vendor.id,
                                                   "config": {"region": "US-EAST-1"}}, format="json")
    assert good.status_code == 201, good.content
    assert good.json()["config"]["region"] == "us-east-1"
