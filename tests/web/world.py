"""The story of DESIGN.md with its people, for the page tests and the browser tests alike."""

from django.contrib.auth.models import Group

from riskregister.teams.models import REVIEWERS_GROUP, Membership
from riskregister.web.rollup import rollups_refresh
from tests.factories import MembershipFactory, UserFactory
from tests.risks.story import build_story


def build_world():
    """Customer Support with its lead alice and member bob, Data & Analytics with its lead erin (the
    other team), and rita the reviewer; rollups computed as the worker would."""
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
