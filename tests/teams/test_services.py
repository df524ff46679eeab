"""The member's own switch for a team's alert emails, written through teams/services.py."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from riskregister.teams import services
from riskregister.teams.models import Membership

pytestmark = pytest.mark.django_db


def test_a_membership_hears_of_alerts_by_default(member_a, team_a):
    assert Membership.objects.get(team=team_a, user=member_a).email_alerts is True


def test_a_member_turns_their_own_emails_off_and_on(member_a, team_a):
    membership = Membership.objects.get(team=team_a, user=member_a)

    services.membership_set_email_alerts(membership=membership, enabled=False, actor=member_a)
    assert Membership.objects.get(pk=membership.pk).email_alerts is False

    services.membership_set_email_alerts(membership=membership, enabled=True, actor=member_a)
    assert Membership.objects.get(pk=membership.pk).email_alerts is True


@pytest.mark.parametrize("who", ["lead_a", "lead_b", "reviewer", "admin", "anonymous"])
def test_nobody_else_flips_a_members_switch(request, who, member_a, team_a):
    actor = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    membership = Membership.objects.get(team=team_a, user=member_a)

    with pytest.raises(PermissionDenied):
        services.membership_set_email_alerts(membership=membership, enabled=False, actor=actor)
    assert Membership.objects.get(pk=membership.pk).email_alerts is True
