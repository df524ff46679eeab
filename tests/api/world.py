"""Two teams' worth of register rows, for tests that check who sees what.

Every text field of team A's rows carries the marker `only-team-a`, team B's `only-team-b`, so that
a response can be searched for rows that must not be in it.
"""

from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from tests.factories import (
    AIModelFactory,
    AlertFactory,
    DependencyFactory,
    DistributorFactory,
    FailureModeFactory,
    FallbackFactory,
    OfferingFactory,
    RiskFactory,
    StatusChangeFactory,
    StatusSourceFactory,
    SubscriptionFactory,
    VendorFactory,
    VendorRelationshipFactory,
)

MARK_A = "only-team-a"
MARK_B = "only-team-b"


@dataclass
class World:
    provider: object
    distributor: object
    spare_vendor: object
    relationship: object
    model: object
    offering: object
    fallback_offering: object
    failure_mode: object
    source: object
    change: object
    # per team, by letter
    dependency: dict
    fallback: dict
    risk: dict
    custom_failure_mode: dict
    subscription: dict
    member_subscription: object
    alert: dict
    assessment: dict
    scenario: object
    # per team: a dependency deleted (archived) by its lead, with a risk and an assessment kept
    archived: dict = field(default_factory=dict)


@pytest.fixture
def world(team_a, team_b, member_a, lead_a, lead_b, reviewer, admin):
    provider = VendorFactory(name="Anthropic", slug="anthropic", provides_models=True)
    distributor = DistributorFactory(name="AWS", slug="aws")
    spare_vendor = VendorFactory(name="Spare", slug="spare")
    relationship = VendorRelationshipFactory(source=distributor, target=provider)
    model = AIModelFactory(provider=provider, name="Claude", slug="claude")
    offering = OfferingFactory(model=model, distributor=provider, distributor_model_id="claude")
    other_model = AIModelFactory(provider=VendorFactory(name="Mistral", slug="mistral", headquarters_country="FR"), slug="mistral-large")
    fallback_offering = OfferingFactory(model=other_model, distributor=distributor, distributor_model_id="mistral.large")
    failure_mode = FailureModeFactory(slug="provider-outage", name="Provider outage", level="provider")
    source = StatusSourceFactory(name="Anthropic status", vendor=provider)
    change = StatusChangeFactory(vendor=provider, source=source, title="Claude API degraded")
    dependency, fallback, risk, custom, subscription, alert, assessment = {}, {}, {}, {}, {}, {}, {}
    for letter, team, mark in (("a", team_a, MARK_A), ("b", team_b, MARK_B)):
        dependency[letter] = DependencyFactory(team=team, system=f"{mark}-chat", offering=offering, description=mark)
        fallback[letter] = FallbackFactory(dependency=dependency[letter], offering=fallback_offering, notes=mark)
        risk[letter] = RiskFactory(dependency=dependency[letter], failure_mode=failure_mode, mitigation=mark)
        custom[letter] = FailureModeFactory(slug=f"{mark}-custom", name=f"{mark} custom", team=team, level="model")
        subscription[letter] = SubscriptionFactory(team=team, email=f"{mark}@example.com")
        alert[letter] = AlertFactory(team=team, subject=f"{mark} alert", body_text=mark)
        assessment[letter] = _assessment(risk[letter], reviewer, mark)
    member_subscription = SubscriptionFactory(team=team_a, user=member_a)
    from riskregister.risks.services import dependency_delete

    archived = {}
    for letter, team, mark, lead in (("a", team_a, MARK_A, lead_a), ("b", team_b, MARK_B, lead_b)):
        old = DependencyFactory(team=team, system=f"{mark}-old", offering=offering, description=mark)
        _assessment(RiskFactory(dependency=old, failure_mode=failure_mode, mitigation=mark), reviewer, mark)
        archived[letter] = dependency_delete(dependency=old, actor=lead)
    from riskregister.risks.models import SavedScenario

    scenario = SavedScenario.objects.create(
        name="Export-control ban of Anthropic", events=[{"kind": "ban", "level": "provider", "target": provider.id}]
    )
    return World(
        provider=provider, distributor=distributor, spare_vendor=spare_vendor, relationship=relationship, model=model,
        offering=offering, fallback_offering=fallback_offering, failure_mode=failure_mode, source=source,
        change=change, dependency=dependency, fallback=fallback, risk=risk, custom_failure_mode=custom,
        subscription=subscription, member_subscription=member_subscription, alert=alert, assessment=assessment,
        scenario=scenario, archived=archived,
    )


def _assessment(risk, assessor, mark):
    from riskregister.risks.models import Assessment

    return Assessment.objects.create(
        risk=risk, assessor=assessor, assessed_at=timezone.now(), inherent_likelihood=3, inherent_impact=4,
        residual_likelihood=2, residual_impact=3, treatment="mitigate", status="treated", band="medium",
        rationale=mark, next_review_date=timezone.localdate(),
    )
