"""A real browser enforces the Content Security Policy: the pages, htmx, the admin and the API docs
work under it and report no violation."""

import shutil
from pathlib import Path

import pytest

from riskregister.teams.models import Membership
from tests.conftest import PASSWORD
from tests.factories import DependencyFactory, MembershipFactory, OfferingFactory, TeamFactory, UserFactory

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]

# Recorded before any page script runs; a violation is an event on the document.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def curator(transactional_db):
    team = TeamFactory(slug="platform", name="Developer Platform")
    user = UserFactory(username="curator", is_staff=True, is_superuser=True)
    MembershipFactory(team=team, user=user, role=Membership.Role.LEAD)
    dependency = DependencyFactory(team=team, system="code-review-bot", offering=OfferingFactory())
    return user, dependency


def test_pages_admin_htmx_and_api_docs_run_under_the_policy(live_server, curator, monkeypatch, tmp_path):
    from playwright.sync_api import sync_playwright

    _, dependency = curator
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page()
        page.add_init_script(WATCH_VIOLATIONS)
        console = []
        page.on("console", lambda message: console.append(message.text))

        def violations(where):
            found = page.evaluate("window.__violations")
            refused = [text for text in console if "Content Security Policy" in text]
            console.clear()
            return where, found, refused

        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "curator")
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        assert violations("home") == ("home", [], [])

        page.goto(f"{live_server.url}/teams/platform/")
        assert "code-review-bot" in page.content()
        assert violations("team page") == ("team page", [], [])

        # htmx runs (it swaps the result in without leaving the page) and injects no style sheet.
        page.goto(f"{live_server.url}/scenarios/")
        page.select_option("#id_outage_distributor", index=0)
        page.click("main button[type=submit]")
        page.locator("#scenario-result .scenario").wait_for()
        assert page.url == f"{live_server.url}/scenarios/"
        assert page.evaluate("document.querySelectorAll('style').length") == 0
        assert violations("what-if") == ("what-if", [], [])

        # The admin's own scripts run: the date shortcuts of a change form are drawn by them.
        page.goto(f"{live_server.url}/admin/risks/dependency/{dependency.id}/change/")
        page.locator("#id_system").wait_for()
        assert violations("admin change form") == ("admin change form", [], [])
        page.goto(f"{live_server.url}/admin/django_celery_beat/periodictask/add/")
        page.locator("#id_name").wait_for()
        assert violations("periodic task form") == ("periodic task form", [], [])

        # Swagger UI draws the operations from the schema.
        page.goto(f"{live_server.url}/api/docs/")
        page.locator(".opblock").first.wait_for(timeout=20000)
        assert violations("API docs") == ("API docs", [], [])
        page.screenshot(path=str(tmp_path / "api-docs.png"))
        browser.close()
