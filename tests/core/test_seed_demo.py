"""The demo data tells the story of DESIGN.md, and loading it twice changes nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from riskregister.alerts.models import Subscription
from riskregister.risks.impact import correlated_fallbacks
from riskregister.risks.models import Dependency, FailureMode, Risk
from riskregister.teams.models import REVIEWERS_GROUP, Membership, Team
from vendors.models import AIModel, Offering, StatusSource, Vendor, VendorRelationship

pytestmark = pytest.mark.django_db


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Vendor, VendorRelationship, AIModel, Offering, Team, Membership, Dependency, Risk, Subscription, StatusSource)
    } | {"users": get_user_model().objects.count()}


@pytest.fixture
def demo(capsys):
    call_command("seed_demo")
    return capsys.readouterr().out


def test_seeding_twice_changes_nothing(demo):
    before = counts()
    call_command("seed_demo")
    assert counts() == before
    assert before["Dependency"] >= 6 and before["Risk"] >= 6 * 6


def test_if_empty_skips_a_register_that_has_data(demo, capsys):
    Dependency.objects.filter(system="report-writer").delete()
    call_command("seed_demo", "--if-empty")
    assert "not loaded again" in capsys.readouterr().out
    assert not Dependency.objects.filter(system="report-writer").exists()


def test_demo_prints_the_logins(demo):
    assert "register-demo-2026" in demo
    for username in ("admin", "rita", "alice", "carol", "erin"):
        assert username in demo


def test_clouds_that_resell_and_invest_are_on_record(demo):
    edges = set(VendorRelationship.objects.values_list("source__slug", "kind", "target__slug"))
    assert {
        ("amazon", "distributes", "anthropic"),
        ("amazon", "invests_in", "anthropic"),
        ("amazon", "distributes", "mistral"),
        ("google", "distributes", "anthropic"),
        ("google", "invests_in", "anthropic"),
        ("microsoft", "distributes", "openai"),
        ("microsoft", "invests_in", "openai"),
    } <= edges


def test_frontier_models_are_offered_direct_on_bedrock_and_on_vertex(demo):
    for slug in ("claude-fable-5", "claude-mythos-5"):
        routes = set(Offering.objects.filter(model__slug=slug).values_list("distributor__slug", flat=True))
        assert routes == {"anthropic", "amazon", "google"}
    for provider in ("anthropic", "openai", "mistral"):
        assert Offering.objects.filter(model__provider__slug=provider, distributor__slug=provider).exists()


def test_teams_depend_on_anthropic_by_different_routes_with_every_criticality(demo):
    on_anthropic = Dependency.objects.filter(offering__model__provider__slug="anthropic")
    assert on_anthropic.values("team").distinct().count() >= 2
    assert on_anthropic.values("offering__distributor").distinct().count() >= 2
    assert set(Dependency.objects.values_list("criticality", flat=True)) == {1, 2, 3, 4}


def test_one_team_has_only_a_correlated_fallback(demo):
    code_review = Dependency.objects.get(system="code-review-bot")
    fallbacks = list(code_review.fallbacks.all())
    assert fallbacks and correlated_fallbacks(code_review) == fallbacks
    assert fallbacks[0].offering.model_id == code_review.offering.model_id
    assert fallbacks[0].offering.distributor_id != code_review.offering.distributor_id
    support_chat = Dependency.objects.get(system="support-chat")
    assert support_chat.fallbacks.get().offering.model.provider.slug == "openai"
    assert support_chat.fallbacks.get().tested_on is not None


def test_people_roles_and_subscriptions(demo):
    User = get_user_model()
    assert not User.objects.filter(email="").exists()
    assert User.objects.get(username="admin").is_staff
    assert User.objects.get(username="rita").groups.filter(name=REVIEWERS_GROUP).exists()
    for team in Team.objects.all():
        assert team.memberships.filter(role=Membership.Role.LEAD).exists()
        assert team.memberships.filter(role=Membership.Role.MEMBER).exists()
        subscription = team.subscriptions.get()
        assert (subscription.user, subscription.email, subscription.mode, subscription.min_severity) == (
            None, "", Subscription.Mode.IMMEDIATE, "minor"
        )


def test_catalog_risks_and_sources_are_there(demo):
    assert FailureMode.objects.filter(team__isnull=True).count() >= 10
    conflict = Risk.objects.filter(dependency__system="support-chat", failure_mode__slug="vendor-conflict-of-interest")
    assert conflict.exists(), "Bedrock both resells and funds Anthropic"
    kinds = set(StatusSource.objects.values_list("kind", flat=True))
    assert {"statuspage", "feed", "federal_register"} <= kinds
    assert StatusSource.objects.get(kind="federal_register").vendor is None
