"""The register's invariants hold in the database itself, not only in forms."""

import pytest
from django.db import IntegrityError, transaction

from riskregister.alerts.models import Alert
from riskregister.risks.models import Dependency, Risk
from tests.factories import (
    AlertFactory,
    DependencyFactory,
    FailureModeFactory,
    OfferingFactory,
    RiskFactory,
    StatusChangeFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db


def violates(callable_):
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            callable_()


@pytest.mark.parametrize("field", ["inherent_likelihood", "inherent_impact", "residual_likelihood", "residual_impact"])
@pytest.mark.parametrize("value", [0, 6])
def test_scores_outside_one_to_five_are_refused(field, value):
    risk = RiskFactory(inherent_likelihood=5, inherent_impact=5, residual_likelihood=1, residual_impact=1)
    violates(lambda: Risk.objects.filter(pk=risk.pk).update(**{field: value}))


def test_residual_above_inherent_is_refused():
    risk = RiskFactory(inherent_likelihood=2, inherent_impact=2, residual_likelihood=2, residual_impact=2)
    violates(lambda: Risk.objects.filter(pk=risk.pk).update(residual_impact=3))


def test_accepting_a_risk_needs_a_rationale_and_an_expiry():
    risk = RiskFactory()
    violates(lambda: Risk.objects.filter(pk=risk.pk).update(status="accepted"))
    Risk.objects.filter(pk=risk.pk).update(
        status="accepted", acceptance_rationale="Cheaper than a second vendor.", acceptance_expires_on="2027-06-30"
    )
    assert Risk.objects.get(pk=risk.pk).status == "accepted"


def test_criticality_is_a_tier_from_one_to_four():
    dependency = DependencyFactory()
    violates(lambda: Dependency.objects.filter(pk=dependency.pk).update(criticality=5))


def test_a_team_registers_a_system_on_an_offering_once_per_environment():
    dependency = DependencyFactory()
    violates(
        lambda: Dependency.objects.create(
            team=dependency.team, system=dependency.system, offering=dependency.offering, environment=dependency.environment
        )
    )
    staging = Dependency.objects.create(
        team=dependency.team, system=dependency.system, offering=dependency.offering, environment="staging"
    )
    # The same system on the same offering, once per environment: both rows are there, and a
    # second staging row is refused like the second production one.
    assert sorted(
        Dependency.objects.filter(team=dependency.team, system=dependency.system).values_list("environment", flat=True)
    ) == sorted([dependency.environment, "staging"])
    assert staging.environment != dependency.environment
    violates(
        lambda: Dependency.objects.create(
            team=dependency.team, system=dependency.system, offering=dependency.offering, environment="staging"
        )
    )


def test_an_offering_is_unique_per_model_distributor_and_model_id():
    offering = OfferingFactory()
    violates(
        lambda: OfferingFactory(
            model=offering.model, distributor=offering.distributor, distributor_model_id=offering.distributor_model_id
        )
    )


def test_a_dependency_has_one_risk_per_failure_mode():
    risk = RiskFactory()
    violates(lambda: RiskFactory(dependency=risk.dependency, failure_mode=risk.failure_mode))


def test_slugs_are_unique():
    VendorFactory(slug="anthropic")
    from vendors.models import Vendor

    violates(lambda: Vendor.objects.create(name="Other", slug="anthropic"))
    FailureModeFactory(slug="behaviour-drift")
    from riskregister.risks.models import FailureMode

    violates(lambda: FailureMode.objects.create(slug="behaviour-drift", name="x", level="model"))


def test_a_status_change_is_stored_once_per_dedupe_key():
    offering = OfferingFactory()
    StatusChangeFactory(offering=offering, dedupe_key="statuspage:1:component:x:major_outage")
    violates(lambda: StatusChangeFactory(offering=offering, dedupe_key="statuspage:1:component:x:major_outage"))


def test_a_status_change_has_exactly_one_subject():
    offering = OfferingFactory()
    violates(lambda: StatusChangeFactory(offering=offering, model=offering.model))
    violates(lambda: StatusChangeFactory())


def test_an_alert_exists_once_per_dedupe_key():
    AlertFactory(dedupe_key="change:b1:team-a")
    violates(lambda: AlertFactory(dedupe_key="change:b1:team-a"))
    assert Alert.objects.count() == 1


def test_every_row_has_an_integer_id_a_uuid_and_timestamps():
    risk = RiskFactory()
    for row in (risk, risk.dependency, risk.dependency.team, risk.dependency.offering, risk.failure_mode):
        assert isinstance(row.pk, int)
        assert row.uuid and row.created_at and row.updated_at


def test_changes_to_dependencies_and_risks_leave_history():
    risk = RiskFactory()
    dependency = risk.dependency
    dependency.criticality = 1
    dependency.save(update_fields=["criticality", "updated_at"])
    assert [h.criticality for h in dependency.history.order_by("history_date")] == [2, 1]
    risk.mitigation = "Fail over to another provider."
    risk.save(update_fields=["mitigation", "updated_at"])
    assert risk.history.count() == 2
