"""A lead uploads a zip of a project on the team page, reads what the scan found and registers it."""

import io
import zipfile

import pytest

from riskregister.imports import services
from riskregister.imports.models import ImportJob
from riskregister.imports.tasks import run_import_job
from riskregister.risks.models import Dependency
from riskregister.teams.models import Membership
from tests.browser.conftest import DESKTOP, PHONE, scan, sign_in
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.scan.conftest import SAMPLE, SECRETS, make_catalog

pytestmark = pytest.mark.slow


@pytest.fixture
def platform(transactional_db):
    team = TeamFactory(slug="platform", name="Developer Platform")
    MembershipFactory(team=team, user=UserFactory(username="carol"), role=Membership.Role.LEAD)
    make_catalog()
    return team


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_lead_scans_a_zip_from_the_team_page_and_registers_the_findings(browser, live_server, platform, monkeypatch, tmp_path, width):
    # The broker is the network edge: the test plays the worker and runs each queued job itself.
    queued = []
    monkeypatch.setattr(services, "_enqueue", queued.append)
    archive = tmp_path / "support-bot.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(SAMPLE.rglob("*")):
            if path.is_file():
                zipped.write(path, str(path.relative_to(SAMPLE)))
    page = sign_in(browser, live_server, "carol", width=width)
    page.goto(f"{live_server.url}/teams/platform/")
    page.click("summary:has-text('Find dependencies in the team')")
    page.set_input_files("#scan_file", str(archive))
    page.click("form[action='/teams/platform/scan/'] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/teams/platform/imports/**")
    assert "Waiting for a worker" in page.locator("#import-job-status").inner_text()
    run_import_job(ImportJob.objects.get(kind="code_scan").pk)
    page.locator("#import-job-status h2", has_text="Found 6 dependencies").wait_for(timeout=15000)
    text = page.locator("#import-job-status").inner_text()
    assert "app/bedrock_summary.py:6" in text and "notebooks/explore.ipynb:cell 3:2" in text
    assert not any(secret in page.content() for secret in SECRETS)
    scan(page, "code-scan-findings")
    page.click("button:has-text('Register these 6 dependencies')")
    page.wait_for_url(f"{live_server.url}/teams/platform/imports/**")
    run_import_job(ImportJob.objects.get(kind="code_scan_apply").pk)
    page.locator("#import-job-status h2", has_text="Registered 6 dependencies").wait_for(timeout=15000)
    scan(page, "code-scan-registered")
    assert Dependency.objects.filter(team=platform, system="support-bot").count() == 6
    page.goto(f"{live_server.url}/teams/platform/scan/")
    scan(page, "code-scan-upload")
    page.context.close()
