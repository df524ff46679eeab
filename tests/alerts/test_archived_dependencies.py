"""An archived (deleted) dependency is told of nothing: no change alert, no retirement countdown."""

import uuid
from datetime import date, timedelta

import pytest

from riskregister.alerts import services
from riskregister.risks.models import Dependency
from riskregister.risks.services import dependency_delete
from tests.factories import StatusChangeFactory
from vendors.models import StatusChange

TODAY = date(2026, 11, 27)


def archive_search(world, admin):
    for dependency in Dependency.objects.filter(team=world.search):
        dependency_delete(dependency=dependency, actor=admin)


@pytest.mark.django_db
def test_a_ban_does_not_alert_a_team_whose_only_dependency_was_deleted(world, admin):
    archive_search(world, admin)
    change = StatusChangeFactory(
        batch=uuid.uuid4(), model=world.fable, kind=StatusChange.Kind.LIFECYCLE, previous_value="active",
        current_value="banned", severity=StatusChange.Severity.CRITICAL, title="export-control ban",
    )

    alerts = services.batch_dispatch(batch=change.batch)

    assert {alert.team for alert in alerts} == {world.platform}


@pytest.mark.django_db
def test_a_retirement_countdown_skips_deleted_dependencies(world, admin):
    archive_search(world, admin)
    world.fable.retirement_date = TODAY + timedelta(days=30)
    world.fable.save(update_fields=["retirement_date"])

    alerts = services.countdowns_send(today=TODAY)

    assert {alert.team for alert in alerts} == {world.platform}
    assert all("query-rewriter" not in alert.body_text for alert in alerts)
