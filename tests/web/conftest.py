"""The story of DESIGN.md with its people: a lead and a member of Customer Support, the lead of
Data & Analytics (another team) and a reviewer."""

import pytest
from django.contrib.auth.models import Group

from riskregister.teams.models import REVIEWERS_GROUP, Membership
from riskregister.web.rollup import rollups_refresh
from tests.factories import MembershipFactory, UserFactory
from tests.risks.story import build_story


@pytest.fixture
def story(db):
    story = build_story(with_risks=True)
    story.alice = UserFactory(username="alice")
    MembershipFactory(team=story.support, user=story.alice, role=Membership.Role.LEAD)
    story.bob = UserFactory(username="bob")
    MembershipFactory(team=story.support, user=story.bob, role=Membership.Role.MEMBER)
    story.erin = UserFactory(username="erin")
    MembershipFactory(team=story.analytics, user=story.erin, role=Membership.Role.LEAD)
    story.rita = UserFactory(username="rita")
    story.rita.groups.add(Group.objects.get_or_create(name=REVIEWERS_GROUP)[0])
    rollups_refresh()
    return story
