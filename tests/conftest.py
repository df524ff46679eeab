"""Shared fixtures: the six roles every endpoint is tested with.

anonymous, a member of team A, the lead of team A, the lead of team B, a reviewer and an admin.
"""

import pytest
from django.contrib.auth.models import AnonymousUser, Group

from riskregister.teams.models import REVIEWERS_GROUP, Membership
from tests.factories import MembershipFactory, TeamFactory, UserFactory

PASSWORD = "correct horse battery staple"


@pytest.fixture
def team_a(db):
    return TeamFactory(name="Team A", slug="team-a")


@pytest.fixture
def team_b(db):
    return TeamFactory(name="Team B", slug="team-b")


@pytest.fixture
def member_a(team_a):
    user = UserFactory(username="member-a")
    MembershipFactory(team=team_a, user=user, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def lead_a(team_a):
    user = UserFactory(username="lead-a")
    MembershipFactory(team=team_a, user=user, role=Membership.Role.LEAD)
    return user


@pytest.fixture
def lead_b(team_b):
    user = UserFactory(username="lead-b")
    MembershipFactory(team=team_b, user=user, role=Membership.Role.LEAD)
    return user


@pytest.fixture
def reviewer(db):
    user = UserFactory(username="reviewer")
    group, _ = Group.objects.get_or_create(name=REVIEWERS_GROUP)
    user.groups.add(group)
    return user


@pytest.fixture
def admin(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def anonymous():
    return AnonymousUser()


@pytest.fixture
def roles(anonymous, member_a, lead_a, lead_b, reviewer, admin):
    """All six roles by name, for tests that walk every role."""
    return {
        "anonymous": anonymous,
        "member_a": member_a,
        "lead_a": lead_a,
        "lead_b": lead_b,
        "reviewer": reviewer,
        "admin": admin,
    }
