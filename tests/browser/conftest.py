"""A real browser (Debian's chromium) against the live server, with the accessibility scan and
screenshots every page test takes. In CI (CI=true) a missing chromium fails; elsewhere it skips."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DESKTOP, PHONE = 1280, 390
# axe-core impacts that fail a page.
FAILING_IMPACTS = {"serious", "critical"}


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("Debian's chromium is missing in CI (.ci/run installs it): the browser tests cannot run")
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture
def browser(monkeypatch):
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the live server has its own thread.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


def sign_in(browser, live_server, username: str, width: int = DESKTOP):
    from tests.conftest import PASSWORD

    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def scan(page, name: str) -> None:
    """axe-core on the page (no serious or critical violation), one h1 and a title, no horizontal
    overflow at the page's width, and a screenshot under var/screenshots/."""
    from axe_playwright_python.sync_playwright import Axe

    width = page.viewport_size["width"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    assert page.title(), f"{name}: no title"
    assert page.locator("h1").count() == 1, f"{name}: not exactly one h1"
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} at {width} px scrolls sideways by {overflow} px"
    ids = page.evaluate("() => Array.from(document.querySelectorAll('[id]')).map(e => e.id)")
    assert len(ids) == len(set(ids)), f"{name}: duplicate ids {sorted({i for i in ids if ids.count(i) > 1})}"
    results = Axe().run(page)
    bad = [violation for violation in results.response["violations"] if violation.get("impact") in FAILING_IMPACTS]
    assert not bad, f"{name} at {width} px: " + "; ".join(
        f"{violation['id']} ({violation['impact']}): {violation['help']} at {[node['target'] for node in violation['nodes'][:3]]}"
        for violation in bad
    )
