"""Every page carries a Content Security Policy without 'unsafe-inline', and nothing on any page
needs one: no inline <script>, no on* handler, no style= attribute or <style> element, no
`javascript:` link. The pages are generated from the URL configuration and the admin's registry, so a
new page is checked without an entry here (a new URL parameter needs one in `_value_for`).

Template sources are checked too, every template under riskregister/ (riskregister/web/ included):
the same rules for pages, and for pages and emails alike, an href or src taken from a variable goes
through the `http_href` filter."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin as django_admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.api.world import world  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2] / "riskregister"
EXECUTABLE_SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}


class PageAudit(HTMLParser):
    """What in one HTML document would need 'unsafe-inline' (or is a script link)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.faults: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.faults.append(f"<{tag} {name}=...>: an inline event handler")
            if name == "style":
                self.faults.append(f"<{tag} style=...>: an inline style")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value and \
                    re.sub(r"[\s\x00-\x1f]", "", value).lower().startswith(("javascript:", "vbscript:", "data:text")):
                self.faults.append(f"<{tag} {name}={value!r}>: a script link")
        if tag == "style":
            self.faults.append("<style>: an inline style sheet")
        if tag == "script":
            executable = (attributes.get("type") or "").lower() in EXECUTABLE_SCRIPT_TYPES
            self._in_inline_script = executable and not attributes.get("src")

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.faults.append(f"<script>{data.strip()[:60]}</script>: an inline script")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False


def audit(html: str) -> list[str]:
    parser = PageAudit()
    parser.feed(html)
    parser.close()
    return parser.faults


def test_the_audit_finds_each_kind_of_fault():
    page = """<script>alert(1)</script><a href="javascript:alert(1)">x</a><button onclick="x()">b</button>
        <svg><rect style="fill:red"/></svg><style>p{}</style><script src="/static/x.js"></script>
        <script type="application/json" id="data">{"a": 1}</script>"""
    faults = audit(page)
    assert len(faults) == 5, faults
    assert audit('<script src="/static/a.js"></script><a href="https://x.example/">x</a>') == []


# --- the pages ------------------------------------------------------------------------------------


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def _import_job(world):
    from riskregister.imports.models import ImportJob

    team = world.dependency["a"].team
    return ImportJob.objects.filter(team=team).first() or ImportJob.objects.create(
        kind="dependencies_csv", team=team, filename="register.csv", status="failed",
        issues=[{"where": "row 2", "message": "unknown model"}],
    )


def _value_for(parameter: str, world) -> str:
    values = {
        "slug": "team-a",
        "risk_id": world.risk["a"].id,
        "dependency_id": world.dependency["a"].id,
        "uidb64": "MQ",  # a password-reset link that is no longer valid: the page says so
        "token": "set-password",
        "scenario_id": world.scenario.id,
        "fallback_id": world.fallback["a"].id,
        "job": _import_job(world).uuid,
    }
    assert parameter in values, f"A page takes <{parameter}>: give it a value in _value_for"
    return str(values[parameter])


# Endpoints that only take a POST (a GET is a 405 with no page to audit), and the status pages' push
# URL, which takes JSON, not a browser.
_POST_ONLY = {"logout", "subscription-toggle", "fallback-tested-today", "scenario-delete", "source-push", "code-scan-apply",
              "my-email-alerts", "suggested-fallback-add"}


def _site_pages(world) -> list[str]:
    """Every page outside the API and the admin (those are listed below), with its parameters filled."""
    pages = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "api/")) or "(?P<" in route or route.startswith("^"):
            continue
        if pattern.name in _POST_ONLY:
            continue
        for parameter in re.findall(r"<(?:\w+:)?(\w+)>", route):
            value = _value_for(parameter, world)
            if parameter == "slug" and route.startswith("vendors/"):
                value = world.provider.slug
            elif parameter == "slug" and route.startswith("models/"):
                value = world.model.slug
            route = re.sub(rf"<(?:\w+:)?{parameter}>", value, route)
        pages.append("/" + route)
    return pages


def _admin_pages(world) -> list[str]:
    pages = [reverse("admin:index")]
    for model, model_admin in django_admin.site._registry.items():
        meta = model._meta
        pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        if model_admin.has_add_permission(_AdminRequest()):
            pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        first = model.objects.order_by("pk").first()
        if first is not None:
            pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk]))
    return pages


class _AdminRequest:
    class user:  # noqa: N801  (stands in for a superuser on add-permission checks)
        is_active = is_staff = is_superuser = True

        @staticmethod
        def has_perm(*args, **kwargs):
            return True


def _assert_policy(response, where):
    policy = response.headers.get("Content-Security-Policy", "")
    assert policy, f"{where}: no Content-Security-Policy header"
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"], (where, policy)
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, (where, policy)
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]


@pytest.fixture
def signed_in_admin(client, world, admin):
    client.force_login(admin)
    return client


def test_every_page_carries_the_policy_and_needs_no_inline_script_or_style(signed_in_admin, world):
    pages = _site_pages(world) + _admin_pages(world) + ["/api/docs/"]
    assert {"/", "/teams/team-a/", "/scenarios/", "/review/", "/accounts/login/", "/admin/"} <= set(pages)
    assert len(pages) > 40  # the admin's models are all there
    for page in pages:
        response = signed_in_admin.get(page)
        # /healthz answers 503 while no worker heartbeat is recent (none runs here).
        assert response.status_code == (503 if page == "/healthz" else 200), (page, response.status_code)
        _assert_policy(response, page)
        if "text/html" in response.headers.get("Content-Type", ""):
            assert audit(response.content.decode()) == [], page


def test_a_signed_out_visitor_and_the_api_get_the_policy_too(client, db):
    for page in ("/", "/accounts/login/", "/admin/login/", "/api/docs/", "/api/schema/", "/api/v1/teams/",
                 "/no-such-page/", "/healthz"):
        response = client.get(page)
        _assert_policy(response, page)
        if response.status_code == 200 and "text/html" in response.headers.get("Content-Type", ""):
            assert audit(response.content.decode()) == [], page


def test_the_api_docs_script_is_a_file_and_htmx_injects_no_style(signed_in_admin):
    docs = signed_in_admin.get("/api/docs/").content.decode()
    script = re.search(r'<script src="(/api/docs/\?script[^"]*)"', docs)
    assert script, "the Swagger UI start-up script is served by the split view"
    answer = signed_in_admin.get(script.group(1).replace("&amp;", "&"))
    assert answer.status_code == 200 and "javascript" in answer.headers["Content-Type"]
    assert "SwaggerUIBundle" in answer.content.decode()
    home = signed_in_admin.get("/").content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in home
    css = (ROOT / "static" / "register.css").read_text()
    assert ".htmx-indicator" in css and ".htmx-request .htmx-indicator" in css


def test_the_what_if_result_swapped_in_by_htmx_needs_no_inline_script(signed_in_admin, world):
    response = signed_in_admin.post("/scenarios/", {"ban_provider": world.provider.slug}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "affected" in response.content.decode()
    assert audit(response.content.decode()) == []


# --- the templates --------------------------------------------------------------------------------


def _templates():
    return sorted(ROOT.glob("**/templates/**/*.html"))


def _is_email(path: Path) -> bool:
    # Emails are not pages: no policy applies to them, and mail clients need inline styles.
    return "/email/" in path.as_posix()


TEMPLATE_RULES = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "an inline on* handler"),
    (re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I), "a style= attribute"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"javascript:", re.I), "a javascript: link"),
]
VARIABLE_LINK = re.compile(r"""\b(?:href|src|action)\s*=\s*["']?\s*\{\{\s*(?P<expression>[^}]*)\}\}""", re.I)


def test_no_page_template_holds_inline_script_handlers_or_styles():
    templates = _templates()
    assert any(path.name == "base.html" for path in templates)
    faults = []
    for path in templates:
        if _is_email(path):
            continue
        source = path.read_text()
        for rule, what in TEMPLATE_RULES:
            for match in rule.finditer(source):
                faults.append(f"{path.relative_to(ROOT)}: {what}: {match.group(0)[:80]}")
    assert faults == []


def test_every_href_from_a_variable_goes_through_http_href_in_pages_and_emails():
    faults = []
    for path in _templates():
        for match in VARIABLE_LINK.finditer(path.read_text()):
            expression = match.group("expression")
            filtered = {"|http_href", "|site_path"} & {part for part in re.findall(r"\|\w+", expression.replace(" ", ""))}
            if not filtered and expression.strip() not in _SAFE_VARIABLES:
                faults.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert faults == []


# Variables that are already the output of `http_href` (`{% with href=x|http_href %}`) or are our
# own static URLs (the API docs template's, from drf-spectacular's view).
_SAFE_VARIABLES = {"href", "favicon_href", "swagger_ui_css"}
