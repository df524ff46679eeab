import datetime

import pytest
from django.utils import timezone

from tests.factories import AIModelFactory, DependencyFactory, FallbackFactory, OfferingFactory, VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def anthropic_routes():
    anthropic = VendorFactory(slug="anthropic", name="Anthropic")
    amazon = VendorFactory(slug="amazon", name="Amazon", provides_models=False, distributes_models=True)
    google = VendorFactory(slug="google", name="Google", provides_models=False, distributes_models=True)
    openai = VendorFactory(slug="openai", name="OpenAI")
    mythos = AIModelFactory(slug="claude-mythos-5", name="Claude Mythos 5", provider=anthropic)
    gpt = AIModelFactory(slug="gpt-5-1", name="GPT-5.1", provider=openai)
    return {
        "vertex": OfferingFactory(model=mythos, distributor=google),
        "bedrock": OfferingFactory(model=mythos, distributor=amazon),
        "openai": OfferingFactory(model=gpt, distributor=openai),
    }


def test_team_page_points_out_a_correlated_fallback(client, lead_a, team_a, anthropic_routes):
    dependency = DependencyFactory(team=team_a, system="code-review-bot", offering=anthropic_routes["vertex"])
    FallbackFactory(dependency=dependency, offering=anthropic_routes["bedrock"])
    client.force_login(lead_a)
    response = client.get("/teams/team-a/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "code-review-bot" in html
    assert "correlated fallback: same provider" in html
    assert "not covered" in html


def test_team_page_shows_a_tested_fallback_on_another_provider_as_covered(client, member_a, team_a, anthropic_routes):
    dependency = DependencyFactory(team=team_a, system="support-chat", offering=anthropic_routes["bedrock"])
    FallbackFactory(dependency=dependency, offering=anthropic_routes["openai"], tested_on=timezone.localdate())
    client.force_login(member_a)
    html = client.get("/teams/team-a/").content.decode()
    assert "support-chat" in html and ">covered<" in html and "correlated" not in html


def test_a_stale_failover_test_does_not_cover(client, member_a, team_a, anthropic_routes):
    dependency = DependencyFactory(team=team_a, system="doc-classifier", offering=anthropic_routes["bedrock"])
    FallbackFactory(
        dependency=dependency, offering=anthropic_routes["openai"], tested_on=timezone.localdate() - datetime.timedelta(days=200)
    )
    client.force_login(member_a)
    assert "not covered" in client.get("/teams/team-a/").content.decode()


def test_another_teams_page_is_not_found(client, lead_b, team_a):
    client.force_login(lead_b)
    assert client.get("/teams/team-a/").status_code == 404
    assert "Team A" not in client.get("/teams/").content.decode()


def test_reviewers_and_admins_see_every_team(client, reviewer, admin, team_a, team_b):
    for user in (reviewer, admin):
        client.force_login(user)
        assert client.get("/teams/team-a/").status_code == 200
        assert client.get("/teams/team-b/").status_code == 200


def test_anonymous_is_sent_to_sign_in(client, team_a):
    response = client.get("/teams/team-a/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_team_page_query_count_does_not_grow_with_dependencies(client, lead_a, team_a, anthropic_routes, django_assert_max_num_queries):
    client.force_login(lead_a)
    for index in range(3):
        dependency = DependencyFactory(team=team_a, offering=anthropic_routes["vertex"], system=f"svc-{index}")
        FallbackFactory(dependency=dependency, offering=anthropic_routes["bedrock"])
    with django_assert_max_num_queries(15) as small:  # with alerts, subscriptions and live state
        client.get("/teams/team-a/")
    for index in range(3, 30):
        dependency = DependencyFactory(team=team_a, offering=anthropic_routes["vertex"], system=f"svc-{index}")
        FallbackFactory(dependency=dependency, offering=anthropic_routes["bedrock"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get("/teams/team-a/")


def _refused_alert(team, subject="[critical] Claude Mythos 5: banned — 1 of your services affected"):
    from riskregister.alerts.models import Alert, Delivery
    from tests.factories import AlertFactory

    alert = AlertFactory(team=team, subject=subject, status=Alert.Status.PARTLY_SENT)
    Delivery.objects.create(alert=alert, target="ok@example.com", status=Delivery.Status.SENT, attempts=1)
    Delivery.objects.create(alert=alert, target="gone@example.com", status=Delivery.Status.FAILED, attempts=1,
                            last_error="550 5.1.1 No such mailbox")
    return alert


def test_team_page_shows_the_lead_each_address_that_refused_an_alert(client, lead_a, team_a, team_b):
    _refused_alert(team_a)
    _refused_alert(team_b, subject="team b's alert")
    client.force_login(lead_a)
    html = client.get("/teams/team-a/").content.decode()
    assert "Alerts that did not reach someone" in html
    assert "gone@example.com" in html and "550 5.1.1 No such mailbox" in html
    assert "ok@example.com" not in html, "a delivered address is not listed"
    assert "team b&#x27;s alert" not in html and "team b's alert" not in html


def test_team_page_does_not_list_refused_addresses_to_a_member(client, member_a, team_a):
    _refused_alert(team_a)
    client.force_login(member_a)
    html = client.get("/teams/team-a/").content.decode()
    assert "gone@example.com" not in html and "Alerts that did not reach someone" not in html


def test_team_page_says_which_channels_an_alert_went_by_and_names_no_target(client, lead_a, team_a):
    from riskregister.alerts.models import Alert, Subscription
    from riskregister.alerts.outbox import Outgoing, Target, alerts_write

    slack = Subscription.objects.create(team=team_a, channel="slack", target="https://hooks.example.com/services/T/B/secrettoken")
    alerts_write([
        Outgoing(alert=Alert(kind="change", team=team_a, dedupe_key="slack-only", subject="only on slack", body_text="x"),
                 targets=[Target("slack", slack.delivery_target)]),
        Outgoing(alert=Alert(kind="change", team=team_a, dedupe_key="mixed", subject="on two", body_text="x"),
                 targets=[Target("slack", slack.delivery_target), Target("email", "list@example.com")]),
    ])
    client.force_login(lead_a)
    html = client.get("/teams/team-a/").content.decode()
    assert "Immediate by Slack" in html and "Immediate on 2 channels" in html
    assert "secrettoken" not in html and "hooks.example.com" not in html
    assert "<td data-label=\"Who\">Slack</td>" in html


def test_a_member_turns_their_own_alert_emails_off_and_on_without_javascript(client, member_a, team_a):
    from riskregister.teams.models import Membership

    client.force_login(member_a)
    html = client.get("/teams/team-a/").content.decode()
    assert 'id="my-emails"' in html and "Turn my alert emails off" in html

    response = client.post("/teams/team-a/my-emails/", {"email_alerts": "off"}, follow=True)
    assert response.redirect_chain[-1] == ("/teams/team-a/#my-emails", 302)
    html = response.content.decode()
    assert "You will no longer receive Team A&#x27;s alert emails." in html
    assert "Turn my alert emails on" in html
    assert Membership.objects.get(team=team_a, user=member_a).email_alerts is False

    client.post("/teams/team-a/my-emails/", {"email_alerts": "on"})
    assert Membership.objects.get(team=team_a, user=member_a).email_alerts is True


def test_the_switch_answers_htmx_with_the_section_alone(client, member_a, team_a):
    client.force_login(member_a)
    response = client.post("/teams/team-a/my-emails/", {"email_alerts": "off"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<section id="my-emails"' in html and "<html" not in html
    assert "You will no longer receive Team A&#x27;s alert emails." in html


def test_another_teams_member_cannot_flip_the_switch(client, lead_b, member_a, team_a):
    from riskregister.teams.models import Membership

    client.force_login(lead_b)
    assert client.post("/teams/team-a/my-emails/", {"email_alerts": "off"}).status_code == 404
    assert Membership.objects.get(team=team_a, user=member_a).email_alerts is True


def test_a_reviewer_who_is_on_no_team_has_no_switch(client, reviewer, team_a):
    client.force_login(reviewer)
    assert 'id="my-emails"' not in client.get("/teams/team-a/").content.decode()
    assert client.post("/teams/team-a/my-emails/", {"email_alerts": "off"}).status_code == 404


def test_a_bad_switch_value_is_a_400_naming_the_field(client, member_a, team_a):
    from riskregister.teams.models import Membership

    client.force_login(member_a)
    response = client.post("/teams/team-a/my-emails/", {"email_alerts": "maybe"})
    assert response.status_code == 400
    assert "email_alerts" in response.content.decode()
    assert Membership.objects.get(team=team_a, user=member_a).email_alerts is True
    assert client.get("/teams/team-a/my-emails/").status_code == 405
