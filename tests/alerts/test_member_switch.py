"""A member who turns their alert emails off is left out of the team's fan-out: the all-members
subscriptions, their own subscription and the daily digest. Through the real outbox and a real SMTP
server on loopback."""

import uuid

import pytest

from riskregister.alerts import services
from riskregister.alerts.models import Alert, Delivery
from riskregister.teams import services as team_services
from riskregister.teams.models import Membership
from tests.alerts.conftest import subscribe
from tests.factories import StatusChangeFactory
from vendors.models import StatusChange

pytestmark = pytest.mark.django_db


def _ban(world) -> StatusChange:
    return StatusChangeFactory(
        batch=uuid.uuid4(), model=world.fable, kind=StatusChange.Kind.LIFECYCLE, previous_value="active",
        current_value="banned", severity=StatusChange.Severity.CRITICAL, title="export-control ban",
    )


def _switch_off(world, user) -> None:
    membership = Membership.objects.get(team=world.platform, user=user)
    team_services.membership_set_email_alerts(membership=membership, enabled=False, actor=user)


def _delivered_to(smtp_server, alert: Alert) -> list[str]:
    assert services.alert_deliver(alert_id=alert.id) == "sent"
    return sorted(address for mail in smtp_server.received for address in mail.recipients)


def test_a_member_who_turned_emails_off_is_skipped_by_the_all_members_fan_out(world, smtp_server):
    quiet, other = world.platform_members
    _switch_off(world, quiet)

    change = _ban(world)
    alerts = {alert.team: alert for alert in services.batch_dispatch(batch=change.batch)}

    platform = alerts[world.platform]
    assert sorted(Delivery.objects.filter(alert=platform).values_list("target", flat=True)) == [other.email]
    assert _delivered_to(smtp_server, platform) == [other.email]
    # The switch is per team: the same person on Search would still hear of Search's alerts.
    assert alerts[world.search].recipients == ["search-0@example.com"]


def test_turning_emails_back_on_restores_the_member(world, smtp_server):
    quiet, other = world.platform_members
    _switch_off(world, quiet)
    membership = Membership.objects.get(team=world.platform, user=quiet)
    team_services.membership_set_email_alerts(membership=membership, enabled=True, actor=quiet)

    change = _ban(world)
    [platform] = [alert for alert in services.batch_dispatch(batch=change.batch) if alert.team == world.platform]

    assert _delivered_to(smtp_server, platform) == sorted([quiet.email, other.email])


def test_the_switch_also_silences_the_members_own_subscription(world, smtp_server):
    quiet, other = world.platform_members
    subscribe(world.platform, user=quiet, min_severity="minor")
    subscribe(world.platform, email="platform-oncall@example.com")
    _switch_off(world, quiet)

    change = _ban(world)
    [platform] = [alert for alert in services.batch_dispatch(batch=change.batch) if alert.team == world.platform]

    # The team's own address is a list, not a member: it keeps receiving.
    assert _delivered_to(smtp_server, platform) == ["platform-oncall@example.com"]


def test_an_alert_with_every_member_switched_off_is_not_written(world):
    subscribe(world.platform)  # every member
    for user in world.platform_members:
        _switch_off(world, user)

    change = _ban(world)
    alerts = services.batch_dispatch(batch=change.batch)

    assert world.platform not in {alert.team for alert in alerts}


def test_the_daily_digest_drops_a_member_who_switched_off_after_the_alert(world, smtp_server):
    quiet, other = world.platform_members
    subscribe(world.platform, mode="daily_digest")
    change = _ban(world)
    [alert] = [alert for alert in services.batch_dispatch(batch=change.batch) if alert.team == world.platform]
    assert sorted(alert.payload["digest_recipients"]) == sorted([quiet.email, other.email])

    _switch_off(world, quiet)
    [digest] = services.team_digests_send(day=alert.created_at.date())

    assert digest.recipients == [other.email]
    assert _delivered_to(smtp_server, digest) == [other.email]
