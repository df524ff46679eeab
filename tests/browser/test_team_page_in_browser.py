"""A lead signs in with a real browser and reads the team's page."""

import shutil
from pathlib import Path

import pytest

from riskregister.teams.models import Membership
from tests.conftest import PASSWORD
from tests.factories import (
    AIModelFactory,
    DependencyFactory,
    FallbackFactory,
    MembershipFactory,
    OfferingFactory,
    TeamFactory,
    UserFactory,
    VendorFactory,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]


@pytest.fixture
def platform_team(transactional_db):
    team = TeamFactory(slug="platform", name="Developer Platform")
    lead = UserFactory(username="carol")
    MembershipFactory(team=team, user=lead, role=Membership.Role.LEAD)
    anthropic = VendorFactory(slug="anthropic", name="Anthropic")
    google = VendorFactory(slug="google", name="Google Cloud", provides_models=False, distributes_models=True)
    amazon = VendorFactory(slug="amazon", name="Amazon Web Services", provides_models=False, distributes_models=True)
    mythos = AIModelFactory(slug="claude-mythos-5", name="Claude Mythos 5", provider=anthropic)
    dependency = DependencyFactory(team=team, system="code-review-bot", offering=OfferingFactory(model=mythos, distributor=google))
    FallbackFactory(dependency=dependency, offering=OfferingFactory(model=mythos, distributor=amazon))
    return team


def test_lead_signs_in_and_sees_the_correlated_fallback(live_server, platform_team, monkeypatch, tmp_path):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the live server has its own thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page()
        page.goto(f"{live_server.url}/teams/platform/")
        assert "/accounts/login/" in page.url
        page.fill("#id_username", "carol")
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/teams/platform/")
        row = page.locator("tr", has_text="code-review-bot")
        assert "correlated fallback: same provider" in row.inner_text()
        assert row.locator("td.coverage").inner_text().strip() == "not covered"
        page.screenshot(path=str(tmp_path / "team-page.png"), full_page=True)

        # The what-if form swaps in the blast radius without leaving the page.
        page.goto(f"{live_server.url}/scenarios/")
        page.select_option("#id_ban_provider", "anthropic")
        page.click("main button[type=submit]")
        result = page.locator(".scenario")
        result.wait_for()
        assert page.url == f"{live_server.url}/scenarios/"
        assert "1 teams, 1 dependencies affected: 0 covered, 1 not covered." in result.inner_text()
        assert "correlated fallback:" in result.inner_text()
        browser.close()
