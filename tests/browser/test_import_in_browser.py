"""A lead uploads a CSV in a real browser and watches the import job's page update itself."""

import shutil
from pathlib import Path

import pytest

from riskregister.imports import services
from riskregister.imports.models import ImportJob
from riskregister.imports.tasks import run_import_job
from riskregister.risks.models import Dependency
from riskregister.teams.models import Membership
from tests.conftest import PASSWORD
from tests.factories import AIModelFactory, MembershipFactory, OfferingFactory, TeamFactory, UserFactory, VendorFactory

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (.ci/run installs it)"),
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def platform_team(transactional_db):
    team = TeamFactory(slug="platform", name="Developer Platform")
    MembershipFactory(team=team, user=UserFactory(username="carol"), role=Membership.Role.LEAD)
    anthropic = VendorFactory(slug="anthropic", name="Anthropic")
    mythos = AIModelFactory(slug="claude-mythos-5", name="Claude Mythos 5", provider=anthropic)
    OfferingFactory(model=mythos, distributor=anthropic)
    return team


@pytest.mark.parametrize("width", [1280, 390])
def test_the_job_page_shows_progress_and_then_the_result_without_a_reload(live_server, platform_team, monkeypatch, tmp_path, width):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The broker is the network edge here: the test plays the worker and runs the queued job itself.
    queued = []
    monkeypatch.setattr(services, "_enqueue", queued.append)
    csv_path = tmp_path / "deps.csv"
    csv_path.write_text("system,model\ncode-review-bot,claude-mythos-5\nsearch,Claude Mythos 5\n")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(f"{live_server.url}/accounts/login/?next=/teams/platform/dependencies/import/")
        page.fill("#id_username", "carol")
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/teams/platform/dependencies/import/")
        page.select_option("#id_format", "csv")
        page.set_input_files("#id_file", str(csv_path))
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/teams/platform/imports/**")
        status = page.locator("#import-job-status")
        assert "Waiting for a worker" in status.inner_text()
        page.screenshot(path=str(SCREENSHOTS / f"import-job-queued-{width}.png"), full_page=True)
        address = page.url

        job = ImportJob.objects.get()
        assert queued == [job.pk]
        run_import_job(job.pk)
        # htmx polls every 2 s and swaps the result in; the page itself is not reloaded.
        page.locator("#import-job-status h2", has_text="Registered 2 dependencies").wait_for(timeout=15000)
        assert page.url == address
        assert "code-review-bot → Claude Mythos 5 via Anthropic" in status.inner_text()
        assert page.locator("#import-job-status[hx-trigger]").count() == 0  # polling stopped
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
        page.screenshot(path=str(SCREENSHOTS / f"import-job-done-{width}.png"), full_page=True)
        browser.close()
    assert set(Dependency.objects.values_list("system", flat=True)) == {"code-review-bot", "search"}
