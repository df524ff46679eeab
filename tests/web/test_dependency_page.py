"""A dependency's page: route, risks, fallbacks and why each covers or not; a lead edits it, keeps
several fallbacks, records a failover test and deletes it; another team gets the styled 404."""

import datetime

import pytest
from django.utils import timezone

from riskregister.risks.models import Dependency, Fallback
from riskregister.web.models import TeamRollup

pytestmark = pytest.mark.django_db


def test_the_page_says_why_each_fallback_covers_or_not(client, story):
    client.force_login(story.rita)
    html = client.get(f"/dependencies/{story.code_review_bot.id}/").content.decode()
    assert "<h1>code-review-bot</h1>" in html
    assert "does not cover a ban: the same provider (Anthropic), hit by the same event" in html
    html = client.get(f"/dependencies/{story.doc_classifier.id}/").content.decode()
    assert "does not cover: tested 200 days ago, longer than 90 days" in html
    html = client.get(f"/dependencies/{story.support_chat.id}/").content.decode()
    assert "covers: another provider, tested 20 days ago" in html
    for risk in story.support_chat.risks.all():
        assert f'href="/risks/{risk.id}/"' in html


def test_a_banned_model_shows_in_the_live_state(client, story):
    story.mythos.lifecycle = "banned"
    story.mythos.save(update_fields=["lifecycle"])
    client.force_login(story.alice)
    html = client.get(f"/dependencies/{story.ticket_summariser.id}/").content.decode()
    assert "Claude Mythos 5 banned" in html
    team_page = client.get("/teams/support/").content.decode()
    assert "Claude Mythos 5 banned" in team_page and "(Unknown)" not in team_page


def _fallback_post(*rows):
    data = {"action": "fallbacks", "fallbacks-TOTAL_FORMS": str(len(rows)), "fallbacks-INITIAL_FORMS": "0",
            "fallbacks-MIN_NUM_FORMS": "0", "fallbacks-MAX_NUM_FORMS": "20"}
    for index, (offering, tested_on) in enumerate(rows):
        data[f"fallbacks-{index}-offering"] = offering.id if offering else ""
        data[f"fallbacks-{index}-tested_on"] = tested_on or ""
    return data


def test_a_lead_keeps_several_fallbacks_and_the_rollup_follows(client, story):
    client.force_login(story.alice)
    before = TeamRollup.objects.get(team=story.support).figures["coverage"]
    TeamRollup.objects.filter(team=story.support).update(computed_at=timezone.now() - datetime.timedelta(hours=1))
    stale = TeamRollup.objects.get(team=story.support).computed_at
    response = client.post(f"/dependencies/{story.ticket_summariser.id}/",
                           _fallback_post((story.gpt_direct, None), (story.large_direct, f"{timezone.localdate():%Y-%m-%d}"), (None, None)))
    assert response.status_code == 302
    assert set(story.ticket_summariser.fallbacks.values_list("offering_id", flat=True)) == {story.gpt_direct.id, story.large_direct.id}
    page = client.get(response["Location"]).content.decode()
    assert "Fallbacks of ticket-summariser saved: 2." in page
    # ticket-summariser is tier 3, not critical: the coverage of critical work is unchanged, but the
    # rollup was recomputed at once.
    assert TeamRollup.objects.get(team=story.support).figures["coverage"] == before
    assert TeamRollup.objects.get(team=story.support).computed_at > stale


def test_a_refused_fallback_is_a_400_with_the_reason(client, story):
    client.force_login(story.alice)
    response = client.post(f"/dependencies/{story.ticket_summariser.id}/", _fallback_post((story.mythos_direct, None)))
    assert response.status_code == 400
    assert "own offering, not a fallback" in response.content.decode()


def test_failover_tested_today_makes_it_cover_and_moves_the_coverage_figure(client, story):
    fallback = story.code_review_bot.fallbacks.get()
    story.code_review_bot.fallbacks.update(offering=story.gpt_azure, tested_on=timezone.localdate() - datetime.timedelta(days=400))
    from riskregister.web.rollup import rollups_refresh

    rollups_refresh()
    covered_before = TeamRollup.objects.get(team=story.platform).figures["coverage"]["covered"]
    carol = story.alice
    from riskregister.teams.models import Membership
    Membership.objects.create(team=story.platform, user=carol, role=Membership.Role.LEAD)
    client.force_login(carol)
    response = client.post(f"/dependencies/{story.code_review_bot.id}/fallbacks/{fallback.id}/tested-today/")
    assert response.status_code == 302
    assert Fallback.objects.get(pk=fallback.id).tested_on == timezone.localdate()
    assert TeamRollup.objects.get(team=story.platform).figures["coverage"]["covered"] == covered_before + 1
    assert "recorded as tested today" in client.get(response["Location"]).content.decode()


def test_editing_the_tier_changes_the_exposure(client, story):
    client.force_login(story.alice)
    before = TeamRollup.objects.get(team=story.support).figures["total"]["exposure"]
    dependency = story.ticket_summariser
    response = client.post(f"/dependencies/{dependency.id}/", {
        "action": "edit", "system": dependency.system, "offering": dependency.offering_id, "environment": "production",
        "criticality": 1, "owner": story.alice.id, "data_classification": "internal", "description": "",
    })
    assert response.status_code == 302
    assert Dependency.objects.get(pk=dependency.id).criticality == 1
    assert TeamRollup.objects.get(team=story.support).figures["total"]["exposure"] > before


def test_an_owner_outside_the_team_is_refused(client, story):
    client.force_login(story.alice)
    dependency = story.ticket_summariser
    response = client.post(f"/dependencies/{dependency.id}/", {
        "action": "edit", "system": dependency.system, "offering": dependency.offering_id, "environment": "production",
        "criticality": 3, "owner": story.erin.id, "data_classification": "internal",
    })
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_delete_asks_then_archives_keeping_risks_and_history(client, story):
    client.force_login(story.alice)
    dependency_id = story.ticket_summariser.id
    assert "Delete ticket-summariser?" in client.get(f"/dependencies/{dependency_id}/delete/").content.decode()
    response = client.post(f"/dependencies/{dependency_id}/delete/")
    assert response.status_code == 302 and response["Location"] == "/teams/support/"
    assert not Dependency.objects.filter(pk=dependency_id).exists()  # gone from the register's lists
    archived = Dependency.all_objects.get(pk=dependency_id)
    assert archived.archived_by == story.alice and archived.risks.exists()
    assert not archived.risks.exclude(status="closed").exists()
    assert Dependency.history.filter(id=dependency_id, history_user=story.alice, archived_at__isnull=False).exists()


@pytest.mark.parametrize("path", ["/dependencies/{id}/", "/dependencies/{id}/delete/"])
def test_another_team_gets_the_styled_404(client, story, path):
    client.force_login(story.erin)
    response = client.get(path.format(id=story.support_chat.id))
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Not found</h1>" in html and "belongs to a team you are not on" in html and "support-chat" not in html


def test_a_member_reads_but_may_not_edit(client, story):
    client.force_login(story.bob)
    html = client.get(f"/dependencies/{story.support_chat.id}/").content.decode()
    assert "Save fallbacks" not in html and "Failover tested today" not in html
    response = client.post(f"/dependencies/{story.support_chat.id}/", {"action": "edit"})
    assert response.status_code == 403
    assert "Only the team&#x27;s leads and admins change its dependencies." in response.content.decode()


def test_dependency_page_queries_are_pinned(client, story, django_assert_num_queries):
    client.force_login(story.alice)
    client.get(f"/dependencies/{story.support_chat.id}/")
    # The stored reach and the open events are one query each (riskregister/alerts/selectors.py);
    # every route select of the page shares one read of the routes.
    with django_assert_num_queries(13):
        client.get(f"/dependencies/{story.support_chat.id}/")
    from tests.factories import FallbackFactory

    FallbackFactory(dependency=story.support_chat, offering=story.large_direct)
    FallbackFactory(dependency=story.support_chat, offering=story.gpt_direct)
    with django_assert_num_queries(13):
        html = client.get(f"/dependencies/{story.support_chat.id}/").content.decode()
    assert html.count('name="fallbacks-3-offering"') == 1  # three fallbacks and an empty row
    # The shared choices still mark each select's own route.
    assert f'<option value="{story.fable_bedrock.id}" selected>Claude Fable 5 via Amazon Web Services</option>' in html
    assert f'<option value="{story.gpt_azure.id}" selected>GPT-5.1 via Microsoft Azure</option>' in html
