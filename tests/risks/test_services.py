"""Dependencies propose their risks; custom failure modes; mitigations; assessments and their rules."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from riskregister.risks import catalog
from riskregister.risks.models import Assessment, Dependency, FailureMode, Risk
from riskregister.risks.services import (
    dependency_create,
    dependency_update,
    failure_mode_create_custom,
    failure_modes_ensure_catalog,
    fallback_set,
    risk_add,
    risk_assess,
    risk_propose_mitigation,
    risks_flag_changed,
    risks_propose,
)
from tests.factories import DependencyFactory, DistributorFactory, OfferingFactory, VendorRelationshipFactory
from vendors.reach import Event

ALWAYS = {"regulatory-shutdown", "deprecation", "provider-outage", "price-or-quota-change", "policy-change", "security-incident"}
TODAY = timezone.localdate


def slugs(dependency):
    return set(dependency.risks.values_list("failure_mode__slug", flat=True))


# --- the catalog ---------------------------------------------------------------------------------


def test_every_database_has_the_catalog(db):
    assert set(FailureMode.objects.filter(team__isnull=True).values_list("slug", flat=True)) >= set(catalog.CATALOG_SLUGS)


def test_the_migrations_copy_of_the_catalog_matches_the_catalog():
    import importlib

    migration = importlib.import_module("riskregister.risks.migrations.0003_failure_mode_catalog")
    frozen = {row[0]: row[1:5] for row in migration.CATALOG}
    live = {e["slug"]: (e["name"], e["level"], e["default_likelihood"], e["default_impact"]) for e in catalog.CATALOG}
    assert frozen == live


def test_ensure_catalog_restores_missing_entries_and_leaves_edited_ones(db):
    FailureMode.objects.filter(slug="behaviour-drift").delete()
    FailureMode.objects.filter(slug="deprecation").update(default_likelihood=5)
    modes = failure_modes_ensure_catalog()
    assert set(modes) == set(catalog.CATALOG_SLUGS)
    assert modes["deprecation"].default_likelihood == 5
    assert failure_modes_ensure_catalog().keys() == modes.keys()


# --- proposals -----------------------------------------------------------------------------------


def test_direct_api_dependency_gets_the_six_risks_everyone_gets(story, lead_a, team_a):
    dependency = dependency_create(team=team_a, system="chat", offering=story.fable_direct, actor=lead_a)
    assert slugs(dependency) == ALWAYS


def test_dependency_through_a_distributor_also_risks_its_outage(story, lead_a, team_a):
    dependency = dependency_create(team=team_a, system="chat", offering=story.large_bedrock, actor=lead_a)
    assert slugs(dependency) == ALWAYS | {"distributor-outage"}


@pytest.mark.parametrize("kind", ["invests_in", "owns"])
def test_distributor_that_funds_or_owns_the_provider_is_a_conflict_of_interest(db, lead_a, team_a, kind):
    offering = OfferingFactory()
    cloud = DistributorFactory(slug="cloud")
    via_cloud = OfferingFactory(model=offering.model, distributor=cloud, distributor_model_id="x")
    VendorRelationshipFactory(source=cloud, target=offering.model.provider, kind=kind)
    dependency = dependency_create(team=team_a, system="chat", offering=via_cloud, actor=lead_a)
    assert "vendor-conflict-of-interest" in slugs(dependency)


def test_anthropic_on_bedrock_is_flagged_as_conflicted(story, lead_a, team_a):
    dependency = dependency_create(team=team_a, system="chat", offering=story.fable_bedrock, actor=lead_a)
    assert slugs(dependency) == ALWAYS | {"distributor-outage", "vendor-conflict-of-interest"}


def test_proposed_risks_carry_the_catalogs_defaults_and_no_review_yet(story, lead_a, team_a):
    dependency = dependency_create(team=team_a, system="chat", offering=story.fable_direct, actor=lead_a, owner=lead_a)
    risk = dependency.risks.get(failure_mode__slug="regulatory-shutdown")
    assert (risk.inherent_likelihood, risk.inherent_impact, risk.residual_likelihood, risk.residual_impact) == (2, 5, 2, 5)
    assert risk.status == Risk.Status.OPEN and risk.last_reviewed_at is None and risk.owner == lead_a
    assert risk.history.count() == 1


def test_proposals_are_idempotent(story, lead_a, team_a):
    dependency = dependency_create(team=team_a, system="chat", offering=story.fable_bedrock, actor=lead_a)
    dependency.risks.filter(failure_mode__slug="deprecation").delete()
    added = risks_propose(dependency=dependency)
    assert [risk.failure_mode.slug for risk in added] == ["deprecation"]
    assert risks_propose(dependency=dependency) == []
    assert dependency.risks.count() == 8


def test_dependency_is_created_with_its_fallbacks(story, lead_a, team_a):
    tested = TODAY() - datetime.timedelta(days=3)
    dependency = dependency_create(
        team=team_a, system="chat", offering=story.fable_direct, actor=lead_a,
        fallbacks=[{"offering": story.gpt_direct, "tested_on": tested}, {"offering": story.large_direct, "tested_on": None}],
    )
    assert set(dependency.fallbacks.values_list("offering_id", "tested_on")) == {(story.gpt_direct.id, tested), (story.large_direct.id, None)}


@pytest.mark.parametrize(
    "fallbacks",
    [
        [{"offering": "gpt"}],
        [{"offering": "own"}],
        [{"offering": "gpt_direct", "tested_on": None}, {"offering": "gpt_direct", "tested_on": None}],
        [{"offering": "gpt_direct", "tested_on": "tomorrow"}],
    ],
)
def test_bad_fallbacks_are_refused_and_nothing_is_saved(story, lead_a, team_a, fallbacks):
    resolved = []
    for spec in fallbacks:
        spec = dict(spec)
        spec["offering"] = {"own": story.fable_direct, "gpt": "gpt-5-1"}.get(spec["offering"]) or getattr(story, spec["offering"])
        if spec.get("tested_on") == "tomorrow":
            spec["tested_on"] = TODAY() + datetime.timedelta(days=1)
        resolved.append(spec)
    with pytest.raises(ValidationError) as refused:
        dependency_create(team=team_a, system="chat", offering=story.fable_direct, actor=lead_a, fallbacks=resolved)
    assert "fallbacks" in refused.value.message_dict
    assert not team_a.dependencies.exists()


def test_duplicate_dependency_is_a_validation_error(story, lead_a, team_a):
    dependency_create(team=team_a, system="chat", offering=story.fable_direct, actor=lead_a)
    with pytest.raises(ValidationError):
        dependency_create(team=team_a, system="chat", offering=story.fable_direct, actor=lead_a)


@pytest.mark.parametrize("role", ["member_a", "lead_b", "reviewer"])
def test_only_the_teams_leads_and_admins_create_dependencies(story, roles, team_a, role):
    with pytest.raises(PermissionDenied):
        dependency_create(team=team_a, system="chat", offering=story.fable_direct, actor=roles[role])


def test_admin_creates_for_any_team(story, admin, team_a):
    dependency = dependency_create(team=team_a, system="chat", offering=story.fable_direct, actor=admin)

    stored = Dependency.objects.get(id=dependency.id)
    assert (stored.team, stored.system, stored.offering) == (team_a, "chat", story.fable_direct)
    assert slugs(stored) == ALWAYS, "an admin's dependency gets its proposed risks like a lead's"
    assert stored.history.first().history_user == admin


def test_moving_a_dependency_to_a_distributor_proposes_the_new_risks_and_flags_the_old(story, lead_a, team_a):
    dependency = dependency_create(team=team_a, system="chat", offering=story.fable_direct, actor=lead_a)
    dependency_update(dependency=dependency, actor=lead_a, offering=story.fable_bedrock, criticality=1)
    assert slugs(dependency) == ALWAYS | {"distributor-outage", "vendor-conflict-of-interest"}
    assert dependency.risks.filter(state_changed_at__isnull=False).count() == 8
    assert dependency.history.first().offering_id == story.fable_bedrock.id


def test_update_refuses_other_teams_and_unknown_fields(story, lead_a, lead_b, team_a):
    dependency = dependency_create(team=team_a, system="chat", offering=story.fable_direct, actor=lead_a)
    with pytest.raises(PermissionDenied):
        dependency_update(dependency=dependency, actor=lead_b, criticality=1)
    with pytest.raises(ValidationError) as refused:
        dependency_update(dependency=dependency, actor=lead_a, team=None)
    assert "team" in refused.value.message_dict


def test_fallback_set_replaces_the_list_and_asks_for_review(story, lead_a, team_a):
    dependency = dependency_create(team=team_a, system="chat", offering=story.fable_direct, actor=lead_a,
                                   fallbacks=[{"offering": story.gpt_direct, "tested_on": None}])
    result = fallback_set(dependency=dependency, actor=lead_a,
                          fallbacks=[{"offering": story.large_direct, "tested_on": TODAY()}])
    assert [fallback.offering for fallback in result] == [story.large_direct]
    assert dependency.risks.filter(state_changed_at__isnull=True).count() == 0


def test_risks_flagged_by_events_are_the_ones_the_events_reach(story):
    for dependency in story.dependencies:
        risks_propose(dependency=dependency)
    flagged = risks_flag_changed(events=[Event("outage", "vendor", story.anthropic.id)])
    assert flagged == 12  # ticket-summariser and internal-search, direct API: six risks each
    assert set(Risk.objects.filter(state_changed_at__isnull=False).values_list("dependency__system", flat=True)) == {
        "ticket-summariser", "internal-search"}


# --- custom failure modes ------------------------------------------------------------------------


def test_lead_adds_a_failure_mode_of_the_teams_own_that_becomes_a_risk(story, lead_a, team_a):
    dependency = dependency_create(team=team_a, system="chat", offering=story.fable_bedrock, actor=lead_a)
    mode = failure_mode_create_custom(team=team_a, name="Our Bedrock commitment ends in March", level="distributor",
                                      default_likelihood=4, default_impact=2, dependency=dependency, actor=lead_a)
    assert mode.team == team_a and not mode.is_catalog and mode.slug.startswith("team-a-our-bedrock")
    risk = dependency.risks.get(failure_mode=mode)
    assert (risk.inherent_likelihood, risk.inherent_impact) == (4, 2)
    again = failure_mode_create_custom(team=team_a, name="Our Bedrock commitment ends in March", level="distributor", actor=lead_a)
    assert again.slug != mode.slug


def test_custom_failure_mode_rules(story, lead_a, lead_b, team_a, team_b, member_a):
    other = DependencyFactory(team=team_b, offering=story.gpt_direct)
    with pytest.raises(PermissionDenied):
        failure_mode_create_custom(team=team_a, name="Data must stay in the EU", level="offering", actor=member_a)
    with pytest.raises(ValidationError) as refused:
        failure_mode_create_custom(team=team_a, name="Data must stay in the EU", level="offering", dependency=other, actor=lead_a)
    assert "dependency" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        failure_mode_create_custom(team=team_a, name="x", level="galaxy", actor=lead_a)
    assert "level" in refused.value.message_dict


def test_catalog_modes_proposed_only_on_request_can_be_added(story, lead_a, team_a, team_b, lead_b):
    dependency = dependency_create(team=team_a, system="chat", offering=story.fable_direct, actor=lead_a)
    drift = FailureMode.objects.get(slug="behaviour-drift")
    assert risk_add(dependency=dependency, failure_mode=drift, actor=lead_a).failure_mode == drift
    with pytest.raises(ValidationError):
        risk_add(dependency=dependency, failure_mode=drift, actor=lead_a)
    theirs = failure_mode_create_custom(team=team_b, name="Theirs", level="model", actor=lead_b)
    with pytest.raises(ValidationError):
        risk_add(dependency=dependency, failure_mode=theirs, actor=lead_a)


# --- mitigation and assessment -------------------------------------------------------------------


@pytest.fixture
def risk(story, lead_a, team_a):
    dependency = dependency_create(team=team_a, system="chat", offering=story.fable_bedrock, actor=lead_a)
    return dependency.risks.get(failure_mode__slug="regulatory-shutdown")


def test_lead_proposes_a_mitigation_without_touching_scores(risk, lead_a):
    risk_propose_mitigation(risk=risk, actor=lead_a, treatment="mitigate", mitigation="Fail over to GPT on Azure.")
    risk.refresh_from_db()
    assert (risk.treatment, risk.status, risk.residual_likelihood) == ("mitigate", "under_review", 2)
    assert risk.state_changed_at is not None


@pytest.mark.parametrize("role", ["member_a", "lead_b", "anonymous"])
def test_others_may_not_propose_mitigations(risk, roles, role):
    with pytest.raises(PermissionDenied):
        risk_propose_mitigation(risk=risk, actor=roles[role], treatment="mitigate", mitigation="x")


def assess(risk, who, **overrides):
    values = dict(inherent_likelihood=3, inherent_impact=5, residual_likelihood=2, residual_impact=4,
                  treatment="mitigate", rationale="Tested failover to GPT on Azure.")
    values.update(overrides)
    return risk_assess(risk=risk, assessor=who, **values)


def test_reviewers_assessment_moves_scores_band_and_next_review_and_leaves_history(risk, reviewer):
    assessment = assess(risk, reviewer)
    risk.refresh_from_db()
    assert (risk.inherent_likelihood, risk.inherent_impact, risk.residual_likelihood, risk.residual_impact) == (3, 5, 2, 4)
    assert assessment.band == "medium" and risk.status == "treated"
    assert risk.next_review_date == TODAY() + datetime.timedelta(days=180) == assessment.next_review_date
    assert risk.last_reviewed_at == assessment.assessed_at
    second = assess(risk, reviewer, residual_likelihood=3, residual_impact=5)
    assert second.band == "high"
    risk.refresh_from_db()
    assert risk.next_review_date == TODAY() + datetime.timedelta(days=90)
    assert list(risk.assessments.all()) == [second, assessment]
    assert risk.history.count() == 3


@pytest.mark.parametrize("role", ["member_a", "lead_a", "lead_b", "anonymous"])
def test_only_reviewers_and_admins_assess(risk, roles, role):
    with pytest.raises(PermissionDenied):
        assess(risk, roles[role])
    assert not Assessment.objects.exists()


def test_admin_may_assess(risk, admin):
    assert assess(risk, admin).assessor == admin


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"residual_likelihood": 4}, "residual_likelihood"),
        ({"residual_impact": 5, "inherent_impact": 4}, "residual_impact"),
        ({"inherent_likelihood": 6}, "inherent_likelihood"),
        ({"residual_impact": 0}, "residual_impact"),
        ({"treatment": "ignore"}, "treatment"),
        ({"status": "forgotten"}, "status"),
        ({"treatment": "accept", "acceptance_expires_on": None}, "acceptance_expires_on"),
        ({"treatment": "accept", "rationale": " ", "acceptance_expires_on": "next-month"}, "rationale"),
        ({"treatment": "accept", "acceptance_expires_on": "today"}, "acceptance_expires_on"),
        ({"treatment": "mitigate", "status": "accepted", "acceptance_expires_on": "next-month"}, "status"),
        ({"acceptance_expires_on": "next-month"}, "acceptance_expires_on"),
    ],
)
def test_assessment_rules(risk, reviewer, overrides, field):
    dates = {"next-month": TODAY() + datetime.timedelta(days=30), "today": TODAY()}
    overrides = {key: dates.get(value, value) if isinstance(value, str) else value for key, value in overrides.items()}
    with pytest.raises(ValidationError) as refused:
        assess(risk, reviewer, **overrides)
    assert field in refused.value.message_dict
    assert not Assessment.objects.exists()


def test_accepting_needs_rationale_and_expiry_and_is_reviewed_when_it_expires(risk, reviewer):
    expires = TODAY() + datetime.timedelta(days=45)
    assess(risk, reviewer, treatment="accept", residual_likelihood=3, residual_impact=5, acceptance_expires_on=expires,
           rationale="No alternative before the Q3 migration.")
    risk.refresh_from_db()
    assert risk.status == "accepted" and risk.acceptance_expires_on == expires
    assert risk.acceptance_rationale == "No alternative before the Q3 migration."
    # A high band would mean 90 days; the acceptance ends first.
    assert risk.next_review_date == expires
    assess(risk, reviewer)
    risk.refresh_from_db()
    assert risk.status == "treated" and risk.acceptance_expires_on is None and risk.acceptance_rationale == ""
