"""The world of the reliability tests that run the product's processes on a database of their own:
`count` teams, each with one member (owner-N@example.com) and one production dependency on a model
of its own (model-N), so that a ban of model-N is one email, to owner-N and nobody else.

Run inside `manage.py shell -c "from tests.reliability.world import build; build(3)"`."""

from tests.factories import DependencyFactory, MembershipFactory, OfferingFactory, TeamFactory, UserFactory


def build(count: int) -> None:
    for n in range(count):
        team = TeamFactory(name=f"Team {n}", slug=f"team-{n}")
        MembershipFactory(team=team, user=UserFactory(username=f"owner-{n}", email=f"owner-{n}@example.com"))
        offering = OfferingFactory(model__slug=f"model-{n}", model__name=f"Model {n}", model__provider__slug=f"provider-{n}",
                                   model__provider__name=f"Provider {n}")
        DependencyFactory(team=team, system=f"service-{n}", offering=offering, criticality=1)
