"""The review queue and a risk's timeline."""

import datetime

import pytest
from django.utils import timezone

from riskregister.risks.models import Risk
from riskregister.risks.selectors import review_queue, risk_timeline
from riskregister.risks.services import risk_assess, risk_propose_mitigation, risks_flag_changed
from tests.factories import DependencyFactory, FailureModeFactory, RiskFactory

TODAY = datetime.date(2026, 6, 1)


def reviewed(risk, *, last_reviewed_days_ago, next_review_in_days, state_changed_days_ago=None, **fields):
    now = timezone.now()
    risk.last_reviewed_at = now - datetime.timedelta(days=last_reviewed_days_ago)
    risk.next_review_date = TODAY + datetime.timedelta(days=next_review_in_days)
    risk.state_changed_at = None if state_changed_days_ago is None else now - datetime.timedelta(days=state_changed_days_ago)
    for name, value in fields.items():
        setattr(risk, name, value)
    risk.save()
    return risk


@pytest.fixture
def risks(db):
    dependency = DependencyFactory()
    make = lambda name, **kw: RiskFactory(dependency=dependency, failure_mode=FailureModeFactory(slug=name, name=name), **kw)  # noqa: E731
    return {
        "never": make("never"),
        "overdue": reviewed(make("overdue"), last_reviewed_days_ago=400, next_review_in_days=-30),
        "due": reviewed(make("due"), last_reviewed_days_ago=170, next_review_in_days=5),
        "later": reviewed(make("later"), last_reviewed_days_ago=10, next_review_in_days=170),
        "changed": reviewed(make("changed"), last_reviewed_days_ago=10, next_review_in_days=170, state_changed_days_ago=2),
        "changed_before_review": reviewed(make("changed-before"), last_reviewed_days_ago=10, next_review_in_days=170, state_changed_days_ago=20),
        "closed": reviewed(make("closed"), last_reviewed_days_ago=400, next_review_in_days=-30, status=Risk.Status.CLOSED),
    }


def test_queue_holds_never_reviewed_overdue_due_and_changed_risks_with_their_reason(risks):
    queue = {risk.failure_mode.slug: risk.queue_reason for risk in review_queue(today=TODAY)}
    assert queue == {"never": "never_reviewed", "overdue": "overdue", "due": "due", "changed": "changed"}


def test_queue_is_oldest_first_then_worst_first(db):
    dependency = DependencyFactory()
    mild = RiskFactory(dependency=dependency, inherent_likelihood=2, inherent_impact=2, residual_likelihood=1, residual_impact=2)
    worst = RiskFactory(dependency=dependency, inherent_likelihood=5, inherent_impact=5, residual_likelihood=5, residual_impact=5)
    middle = RiskFactory(dependency=dependency, residual_likelihood=3, residual_impact=3, inherent_likelihood=3, inherent_impact=3)
    old = reviewed(RiskFactory(dependency=dependency, residual_likelihood=1, residual_impact=1, inherent_likelihood=1, inherent_impact=1),
                   last_reviewed_days_ago=500, next_review_in_days=-100)
    queue = list(review_queue(today=TODAY))
    assert queue == [old, worst, middle, mild]
    assert [risk.residual_band for risk in queue] == ["low", "critical", "medium", "low"]


def test_queue_query_count_is_flat(risks, django_assert_num_queries):
    with django_assert_num_queries(1):
        [f"{risk.failure_mode} {risk.dependency.team} {risk.dependency.offering}" for risk in review_queue(today=TODAY)]


def test_assessment_takes_a_risk_off_the_queue_and_a_change_puts_it_back(db, reviewer, lead_a, team_a):
    risk = RiskFactory(dependency=DependencyFactory(team=team_a))
    risk_assess(risk=risk, assessor=reviewer, inherent_likelihood=3, inherent_impact=4, residual_likelihood=2,
                residual_impact=2, treatment="mitigate", rationale="Fallback tested.")
    assert risk not in review_queue()
    risks_flag_changed(dependency_ids=[risk.dependency_id])
    assert review_queue().get(pk=risk.pk).queue_reason == "changed"
    risk_assess(risk=risk, assessor=reviewer, inherent_likelihood=3, inherent_impact=4, residual_likelihood=2,
                residual_impact=2, treatment="mitigate", rationale="Still fine.")
    assert risk not in review_queue()
    risk_propose_mitigation(risk=risk, actor=lead_a, treatment="transfer", mitigation="Contractual SLA with credits.")
    assert review_queue().get(pk=risk.pk).queue_reason == "changed"


def test_timeline_reads_proposal_changes_and_assessments_newest_first(db, reviewer, lead_a, team_a):
    from riskregister.risks.services import dependency_create
    from tests.factories import OfferingFactory

    dependency = dependency_create(team=team_a, system="chat", offering=OfferingFactory(), actor=lead_a)
    risk = dependency.risks.get(failure_mode__slug="provider-outage")
    risk_propose_mitigation(risk=risk, actor=lead_a, treatment="mitigate", mitigation="Second provider.")
    risk_assess(risk=risk, assessor=reviewer, inherent_likelihood=3, inherent_impact=3, residual_likelihood=2,
                residual_impact=2, treatment="mitigate", rationale="Second provider tested.")
    timeline = risk_timeline(risk=risk)
    kinds = [(entry["kind"], entry["who"]) for entry in timeline]
    assert ("assessment", "reviewer") in kinds and ("change", "lead-a") in kinds
    assert timeline[-1]["summary"] == "proposed it from the failure mode Provider outage"
    # One entry per assessment: the risk row's own record of the same scoring is not repeated.
    assert [entry["who"] for entry in timeline].count("reviewer") == 1
    assessment = next(entry for entry in timeline if entry["kind"] == "assessment")
    assert assessment["rationale"] == "Second provider tested." and "low" in assessment["summary"]
    mitigation = next(entry for entry in timeline if entry["who"] == "lead-a")
    assert "mitigation" in mitigation["fields"] and "treatment" in mitigation["fields"]
    # In words, by field label, never the raw field names.
    assert "residual_likelihood" not in " ".join(entry["summary"] for entry in timeline)
    assert "treatment from none to mitigate" in mitigation["summary"]
    assert [entry["at"] for entry in timeline] == sorted((entry["at"] for entry in timeline), reverse=True)


def test_a_recorded_change_sends_the_risks_it_reaches_back_to_the_queue(db, reviewer):
    import uuid

    from riskregister.risks.receivers import flag_risks_of_batch
    from tests.factories import StatusChangeFactory
    from tests.risks.story import build_story
    from vendors.signals import changes_recorded

    story = build_story(with_risks=True)
    for risk in Risk.objects.all():
        risk_assess(risk=risk, assessor=reviewer, inherent_likelihood=risk.inherent_likelihood, inherent_impact=risk.inherent_impact,
                    residual_likelihood=1, residual_impact=1, treatment="mitigate", rationale="Reviewed.")
    assert not review_queue().exists()
    batch = uuid.uuid4()
    StatusChangeFactory(batch=batch, vendor=story.anthropic, kind="status", previous_value="operational", current_value="major_outage")
    flag_risks_of_batch(sender=None, batch=batch)
    queued = review_queue()
    assert {risk.dependency.system for risk in queued} == {"ticket-summariser", "internal-search"}
    assert {risk.queue_reason for risk in queued} == {"changed"}
    assert "risks-flag-changed" in str(changes_recorded.receivers)


def test_a_batch_of_changes_that_reach_nothing_flags_nothing(db):
    import uuid

    from riskregister.risks.services import risks_flag_for_batch
    from tests.factories import AIModelFactory, StatusChangeFactory

    batch = uuid.uuid4()
    StatusChangeFactory(batch=batch, model=AIModelFactory(), kind="lifecycle", previous_value="preview", current_value="active")
    assert risks_flag_for_batch(batch=batch) == 0
