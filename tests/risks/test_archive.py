"""Deleting a dependency archives it: out of the register's every figure, its reviewers' work kept."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from riskregister.risks import exposure, selectors, services
from riskregister.risks.impact import blast_radius
from riskregister.risks.models import Assessment, Dependency, Risk
from riskregister.risks.scenarios import parse_events, run_scenario
from tests.factories import (
    AIModelFactory,
    DependencyFactory,
    FailureModeFactory,
    FallbackFactory,
    OfferingFactory,
    RiskFactory,
    VendorFactory,
)
from vendors.reach import Event, EventKind, EventLevel


@pytest.fixture
def register(team_a, lead_a, reviewer):
    """Team A runs two services on one provider's model; `gone` is deleted by the lead after a
    reviewer assessed its risk."""
    provider = VendorFactory(slug="fable-labs", name="Fable Labs", headquarters_country="US")
    other = VendorFactory(slug="other-ai", name="Other AI", headquarters_country="FR")
    offering = OfferingFactory(model=AIModelFactory(provider=provider, slug="fable-5"))
    other_offering = OfferingFactory(model=AIModelFactory(provider=other, slug="other-2"))
    mode = FailureModeFactory(slug="provider-outage", name="Provider outage", level="provider")
    kept = DependencyFactory(team=team_a, system="chat", offering=offering, criticality=1)
    gone = DependencyFactory(team=team_a, system="summarizer", offering=offering, criticality=1)
    FallbackFactory(dependency=kept, offering=other_offering)
    FallbackFactory(dependency=gone, offering=other_offering)
    kept_risk = RiskFactory(dependency=kept, failure_mode=mode)
    gone_risk = RiskFactory(dependency=gone, failure_mode=mode)
    assessment = services.risk_assess(
        risk=gone_risk, assessor=reviewer, inherent_likelihood=4, inherent_impact=4, residual_likelihood=3,
        residual_impact=3, treatment="mitigate", rationale="fails over to Other AI, tested monthly",
    )
    before = {
        "exposure": exposure.total_exposure(),
        "concentration": exposure.concentration(),
        "coverage": exposure.fallback_coverage(),
    }
    services.dependency_delete(dependency=gone, actor=lead_a)
    return {
        "provider": provider, "offering": offering, "other_offering": other_offering, "kept": kept, "gone": gone,
        "kept_risk": kept_risk, "gone_risk": gone_risk, "assessment": assessment, "mode": mode, "before": before,
    }


def ban_of(provider) -> Event:
    return Event(kind=EventKind.BAN, level=EventLevel.PROVIDER, target=provider.id, label="ban")


def test_delete_archives_closes_the_risks_and_keeps_assessments_and_history(register, lead_a, reviewer):
    gone = Dependency.all_objects.get(pk=register["gone"].pk)
    assert gone.archived_at is not None and gone.archived_by == lead_a
    risk = Risk.objects.get(pk=register["gone_risk"].pk)
    assert risk.status == Risk.Status.CLOSED
    assert Assessment.objects.filter(risk=risk).get().rationale == "fails over to Other AI, tested monthly"
    # The closure is on the risk's timeline, after the reviewer's assessment; the archiving on the dependency's.
    timeline = selectors.risk_timeline(risk=risk)
    assert any(entry["kind"] == "assessment" and entry["who"] == "reviewer" for entry in timeline)
    assert any(entry["kind"] == "change" and "status" in entry.get("fields", []) and entry["who"] == "lead-a" for entry in timeline)
    latest = gone.history.latest("history_date")
    assert latest.archived_at is not None and latest.history_user == lead_a
    # A risk still names its archived dependency.
    assert risk.dependency.system == "summarizer"


def test_archived_dependency_is_hidden_from_lists_and_related_managers(register, team_a):
    assert list(Dependency.objects.filter(team=team_a)) == [register["kept"]]
    assert list(team_a.dependencies.all()) == [register["kept"]]
    assert list(register["offering"].dependencies.all()) == [register["kept"]]
    assert [d.pk for d in selectors.archived_dependencies(team_ids=[team_a.id])] == [register["gone"].pk]


def test_archived_dependency_is_out_of_reach_and_blast_radius(register):
    radius = blast_radius([ban_of(register["provider"])])
    assert [item.dependency.pk for item in radius.affected] == [register["kept"].pk]


def test_archived_dependency_is_out_of_exposure_concentration_and_coverage(register):
    before = register["before"]
    total = exposure.total_exposure()
    assert total["dependencies"] == before["exposure"]["dependencies"] - 1 == 1
    assert total["risks"] == 1
    assert exposure.concentration()["critical_dependencies"] == before["concentration"]["critical_dependencies"] - 1 == 1
    assert exposure.fallback_coverage()["critical_dependencies"] == before["coverage"]["critical_dependencies"] - 1 == 1
    rows = exposure.exposure_by("provider")
    assert [row["dependencies"] for row in rows] == [1]
    assert [row["dependencies"] for row in exposure.exposure_by("jurisdiction")] == [1]


def test_archived_dependency_stays_out_of_exposure_even_if_a_risk_is_reopened(register):
    Risk.objects.filter(pk=register["gone_risk"].pk).update(status=Risk.Status.OPEN)
    assert exposure.total_exposure()["dependencies"] == 1
    assert register["gone_risk"].pk not in {risk.pk for risk in selectors.review_queue()}


def test_archived_dependency_is_out_of_scenarios(register):
    result = run_scenario(parse_events([{"kind": "ban", "level": "provider", "target": "fable-labs"}]))
    systems = [d["system"] for team in result["teams"] for d in team["dependencies"]]
    assert systems == ["chat"]
    assert result["summary"]["dependencies"] == 1
    # Exposure before/after counts only the live dependency's risk.
    assert result["exposure"]["before"] == exposure.total_exposure()["exposure"]


def test_archived_dependency_risks_leave_the_review_queue(register):
    queued = {risk.pk for risk in selectors.review_queue(today=timezone.localdate() + timedelta(days=400))}
    assert register["kept_risk"].pk in queued
    assert register["gone_risk"].pk not in queued


def test_the_same_service_can_be_registered_again_after_deletion(register, team_a, lead_a):
    again = services.dependency_create(
        team=team_a, system="summarizer", offering=register["offering"], criticality=1, actor=lead_a
    )
    assert again.pk != register["gone"].pk
    assert Dependency.all_objects.filter(team=team_a, system="summarizer").count() == 2
    # Among live ones the uniqueness still holds, in the database itself.
    with pytest.raises(IntegrityError), transaction.atomic():
        Dependency.objects.bulk_create([Dependency(team=team_a, system="summarizer", offering=register["offering"])])
    with pytest.raises(ValidationError):
        services.dependency_create(team=team_a, system="summarizer", offering=register["offering"], actor=lead_a)


def test_an_archived_dependency_and_its_risks_are_read_only(register, lead_a, reviewer):
    gone = Dependency.all_objects.get(pk=register["gone"].pk)
    risk = Risk.objects.select_related("dependency").get(pk=register["gone_risk"].pk)
    with pytest.raises(ValidationError):
        services.dependency_update(dependency=gone, actor=lead_a, criticality=2)
    with pytest.raises(ValidationError):
        services.fallback_set(dependency=gone, fallbacks=[], actor=lead_a)
    with pytest.raises(ValidationError):
        services.risk_propose_mitigation(risk=risk, actor=lead_a, treatment="mitigate", mitigation="x")
    with pytest.raises(ValidationError):
        services.risk_assess(
            risk=risk, assessor=reviewer, inherent_likelihood=3, inherent_impact=3, residual_likelihood=2,
            residual_impact=2, treatment="mitigate", rationale="again",
        )
    assert Assessment.objects.filter(risk=risk).count() == 1


def test_only_leads_and_admins_delete_and_only_admins_purge(register, team_a, member_a, lead_a, lead_b, reviewer, admin):
    kept = register["kept"]
    for who in (member_a, lead_b, reviewer):
        with pytest.raises(PermissionDenied):
            services.dependency_delete(dependency=kept, actor=who)
    gone = Dependency.all_objects.get(pk=register["gone"].pk)
    for who in (member_a, lead_a, lead_b, reviewer):
        with pytest.raises(PermissionDenied):
            services.dependency_purge(dependency=gone, actor=who)
    assert Dependency.all_objects.filter(pk=gone.pk).exists()
    services.dependency_purge(dependency=gone, actor=admin)
    assert not Dependency.all_objects.filter(pk=gone.pk).exists()
    assert not Assessment.objects.filter(pk=register["assessment"].pk).exists()
