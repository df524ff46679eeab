"""Every URL pattern of the site outside the admin and the API (the pages, sign-in, `/healthz`, the
push hook), with each of the six roles: the expected status, and no rows of a team the role may not
see. A pattern without an entry in PAGES fails `test_every_page_url_pattern_has_a_matrix_entry`.

Anonymous callers of a page are sent to sign in; another team's object is a 404; a write the role
may not make is a 403; lists (and every page) never show another team's rows, which carry the
markers of tests/api/world.py."""

from dataclasses import dataclass, field
from typing import Callable

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse

import riskregister.urls as site_urls
from tests.api.world import MARK_A, MARK_B, world  # noqa: F401  (fixture)

ROLES = ("anonymous", "member_a", "lead_a", "lead_b", "reviewer", "admin")
LOGIN = "login"  # an anonymous caller is redirected to the sign-in page
# Where the site's own URL configuration hands over to something else, tested elsewhere: the admin
# (Django's own) and the API (tests/api/test_access_matrix.py).
NOT_PAGES = ("admin", "api")


def expect(anonymous=LOGIN, member_a=None, lead_a=None, lead_b=None, reviewer=None, admin=None, *, everyone=None):
    statuses = {"anonymous": anonymous, "member_a": member_a, "lead_a": lead_a, "lead_b": lead_b,
                "reviewer": reviewer, "admin": admin}
    return {role: (everyone if status is None else status) for role, status in statuses.items()}


SIGNED_IN = expect(everyone=200)
PUBLIC = expect(anonymous=200, everyone=200)


def team_a_row(ok=200):
    """A row of team A: its members, reviewers and admins read it; team B's lead does not find it."""
    return expect(member_a=ok, lead_a=ok, lead_b=404, reviewer=ok, admin=ok)


def team_b_row(ok=200):
    return expect(member_a=404, lead_a=404, lead_b=ok, reviewer=ok, admin=ok)


def team_a_write(ok=302, reviewer=403):
    """A write on team A's row: its lead and admins; its member may not; team B's lead does not find it."""
    return expect(member_a=403, lead_a=ok, lead_b=404, reviewer=reviewer, admin=ok)


@dataclass
class Case:
    method: str
    expected: dict
    kwargs: Callable = lambda w: {}
    data: Callable | None = None  # world -> form data
    query: str = ""
    htmx: bool = False
    must_show: dict = field(default_factory=dict)  # role -> markers the page must hold


def both(*roles):
    return {role: (MARK_A, MARK_B) for role in roles}


def own_rows(*roles_a, roles_b=("lead_b",), roles_both=("reviewer", "admin")):
    shown = {role: (MARK_A,) for role in roles_a}
    shown.update({role: (MARK_B,) for role in roles_b})
    shown.update(both(*roles_both))
    return shown


dep = lambda letter: (lambda w: {"dependency_id": w.dependency[letter].id})  # noqa: E731
team = lambda letter: (lambda w: {"slug": f"team-{letter}"})  # noqa: E731


def _edit(w):
    d = w.dependency["a"]
    return {"action": "edit", "system": f"{MARK_A}-renamed", "offering": w.offering.id, "environment": d.environment,
            "criticality": 1, "data_classification": d.data_classification, "description": MARK_A}


def _zip(w):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app/main.py", 'import anthropic\nanthropic.Anthropic().messages.create(model="claude")\n')
    return {"file": SimpleUploadedFile(f"{MARK_A}.zip", buffer.getvalue(), "application/zip"),
            "environment": "production", "criticality": 3}


def _upload(w):
    return {"format": "csv", "file": SimpleUploadedFile(f"{MARK_A}.csv", b"system,model\nnew-service,claude\n", "text/csv")}


PAGES: dict[str, list[Case]] = {
    # --- outside the pages: the probe, the push hook, signing in and out ---------------------
    "healthz": [Case("GET", expect(anonymous=503, everyone=503))],  # no live worker in this world
    # The secret in the URL is the only credential: a session grants nothing, a wrong token is a 404.
    "source-push": [
        Case("POST", expect(anonymous=404, everyone=404), kwargs=lambda w: {"source_uuid": w.source.uuid, "token": "wrong"}),
        Case("GET", expect(anonymous=405, everyone=405), kwargs=lambda w: {"source_uuid": w.source.uuid, "token": w.push_token}),
    ],
    "login": [Case("GET", PUBLIC)],
    "logout": [Case("POST", expect(anonymous=302, everyone=302)), Case("GET", expect(anonymous=405, everyone=405))],
    "password_change": [Case("GET", SIGNED_IN)],
    "password_change_done": [Case("GET", SIGNED_IN)],
    "password_reset": [Case("GET", PUBLIC)],
    "password_reset_done": [Case("GET", PUBLIC)],
    "password_reset_confirm": [Case("GET", PUBLIC, kwargs=lambda w: {"uidb64": "MQ", "token": "set-password"})],
    "password_reset_complete": [Case("GET", PUBLIC)],
    # --- overview and the register: each reads the teams the role sees -------------------------
    "web:dashboard": [Case("GET", SIGNED_IN, must_show={"member_a": ("Team A",), "lead_b": ("Team B",),
                                                         "reviewer": ("Team A", "Team B")})],
    "web:register": [
        Case("GET", SIGNED_IN, must_show=own_rows("member_a", "lead_a")),
        Case("GET", SIGNED_IN, query="?team=team-a", must_show={"member_a": (MARK_A,), "reviewer": (MARK_A,)}),
    ],
    "web:register-dependencies": [
        Case("GET", SIGNED_IN, must_show=own_rows("member_a", "lead_a")),
        Case("GET", SIGNED_IN, query="?team=team-b", must_show={"lead_b": (MARK_B,), "reviewer": (MARK_B,)}),
    ],
    "web:review-queue": [Case("GET", expect(everyone=403, reviewer=200, admin=200))],
    "web:risk": [
        Case("GET", team_a_row(), kwargs=lambda w: {"risk_id": w.risk["a"].id}, must_show={"member_a": (MARK_A,)}),
        Case("GET", team_b_row(), kwargs=lambda w: {"risk_id": w.risk["b"].id}),
        Case("POST", team_a_write(reviewer=302), kwargs=lambda w: {"risk_id": w.risk["a"].id},
             data=lambda w: {"action": "mitigate", "treatment": "mitigate", "mitigation": "fail over"}),
        Case("POST", expect(member_a=403, lead_a=403, lead_b=404, reviewer=302, admin=302), kwargs=lambda w: {"risk_id": w.risk["a"].id},
             data=lambda w: {"action": "assess", "inherent_likelihood": 3, "inherent_impact": 3, "residual_likelihood": 2,
                             "residual_impact": 2, "treatment": "mitigate", "rationale": "tested fallback"}),
    ],
    # --- what-if: everyone runs them on what they see; leads, reviewers and admins save ---------
    "web:scenarios": [
        Case("GET", SIGNED_IN, must_show={"member_a": (f"{MARK_A} scenario",), "lead_b": ("Export-control",)}),
        Case("POST", SIGNED_IN, data=lambda w: {"ban_provider": ["anthropic"]}, must_show=own_rows("member_a", "lead_a")),
        Case("POST", SIGNED_IN, data=lambda w: {"ban_provider": ["anthropic"]}, htmx=True, must_show=own_rows("member_a", "lead_a")),
        Case("POST", expect(member_a=403, lead_a=302, lead_b=302, reviewer=302, admin=302),
             data=lambda w: {"ban_provider": ["anthropic"], "action": "save", "name": "Anthropic gone"}),
    ],
    "web:scenario-saved": [
        Case("GET", SIGNED_IN, kwargs=lambda w: {"scenario_id": w.scenario.id}, must_show=own_rows("member_a", "lead_a")),
        # Saved by team A's lead for team A: team B does not find it.
        Case("GET", team_a_row(), kwargs=lambda w: {"scenario_id": w.scenario_a.id}, must_show={"member_a": (MARK_A,)}),
    ],
    "web:scenario-delete": [
        Case("POST", expect(everyone=403, reviewer=302, admin=302), kwargs=lambda w: {"scenario_id": w.scenario.id}),
        # Its author (team A's lead), reviewers and admins; team A's member may not, team B does not find it.
        Case("POST", expect(member_a=403, lead_a=302, lead_b=404, reviewer=302, admin=302),
             kwargs=lambda w: {"scenario_id": w.scenario_a.id}),
        Case("GET", expect(everyone=405), kwargs=lambda w: {"scenario_id": w.scenario.id}),
    ],
    # --- teams ------------------------------------------------------------------------------
    "web:teams": [Case("GET", SIGNED_IN, must_show={"member_a": ("Team A",), "lead_b": ("Team B",), "reviewer": ("Team A", "Team B")})],
    "web:team": [
        Case("GET", team_a_row(), kwargs=team("a"), must_show={"member_a": (MARK_A,), "reviewer": (MARK_A,)}),
        Case("GET", team_b_row(), kwargs=team("b")),
        Case("GET", expect(everyone=404), kwargs=lambda w: {"slug": "no-such-team"}),
        # Subscriptions of the team: its leads and admins add them.
        Case("POST", team_a_write(), kwargs=team("a"),
             data=lambda w: {"min_severity": "major", "mode": "immediate", "email": "list@example.com"}),
    ],
    # A member's own switch: only a member of the team has one (a reviewer or admin on no team does not).
    "web:my-email-alerts": [
        Case("POST", expect(member_a=302, lead_a=302, lead_b=404, reviewer=404, admin=404), kwargs=team("a"),
             data=lambda w: {"email_alerts": "off"}),
        Case("GET", expect(everyone=405), kwargs=team("a")),
    ],
    "web:subscription-toggle": [
        # The team's own subscription (to a list address): its leads and admins pause it.
        Case("POST", team_a_write(), kwargs=lambda w: {"slug": "team-a", "subscription_id": w.subscription["a"].id}),
        # A member's own subscription: that member too.
        Case("POST", expect(member_a=302, lead_a=302, lead_b=404, reviewer=403, admin=302),
             kwargs=lambda w: {"slug": "team-a", "subscription_id": w.member_subscription.id}),
        # Another team's subscription through one's own team's URL: not found.
        Case("POST", expect(member_a=404, lead_a=404, lead_b=404, reviewer=404, admin=404),
             kwargs=lambda w: {"slug": "team-a", "subscription_id": w.subscription["b"].id}),
        Case("GET", expect(everyone=405), kwargs=lambda w: {"slug": "team-a", "subscription_id": w.subscription["a"].id}),
    ],
    # --- dependencies: the team reads, its leads and admins write -------------------------------
    "web:dependency-new": [
        Case("GET", team_a_write(ok=200), kwargs=team("a")),
        Case("POST", team_a_write(), kwargs=team("a"),
             data=lambda w: {"system": f"{MARK_A}-new", "offering": w.offering.id, "environment": "production",
                             "criticality": 2, "data_classification": "internal"}),
    ],
    "web:dependency-import": [
        Case("GET", team_a_write(ok=200), kwargs=team("a"), must_show={"lead_a": (MARK_A,)}),
        Case("POST", team_a_write(), kwargs=team("a"), data=_upload),
    ],
    "web:import-job": [
        Case("GET", team_a_row(), kwargs=lambda w: {"slug": "team-a", "job": w.import_job["a"].uuid}, must_show={"member_a": (MARK_A,)}),
        # The status fragment htmx polls (200 while the job waits; 286, stop polling, once it ends).
        Case("GET", team_a_row(), kwargs=lambda w: {"slug": "team-a", "job": w.import_job["a"].uuid}, htmx=True),
        # Team B's job under team A's URL: not found, for everyone.
        Case("GET", expect(everyone=404), kwargs=lambda w: {"slug": "team-a", "job": w.import_job["b"].uuid}),
    ],
    # The code scan: a team's leads and admins upload a zip and register what it found.
    "web:code-scan": [
        Case("GET", team_a_write(ok=200), kwargs=team("a")),
        Case("GET", team_b_row(ok=200) | {"member_a": 404, "lead_a": 404, "reviewer": 403}, kwargs=team("b")),
        Case("POST", team_a_write(), kwargs=team("a"), data=_zip),
    ],
    "web:code-scan-apply": [
        Case("POST", team_a_write(), kwargs=lambda w: {"slug": "team-a", "job": w.scan_job["a"].uuid}),
        # Team B's scan under team A's URL: not found by those who may scan for team A.
        Case("POST", expect(member_a=403, lead_a=404, lead_b=404, reviewer=403, admin=404),
             kwargs=lambda w: {"slug": "team-a", "job": w.scan_job["b"].uuid}),
        Case("GET", expect(everyone=405), kwargs=lambda w: {"slug": "team-a", "job": w.scan_job["a"].uuid}),
    ],
    "web:dependency": [
        Case("GET", team_a_row(), kwargs=dep("a"), must_show={"member_a": (MARK_A,), "lead_a": (MARK_A,)}),
        Case("GET", team_b_row(), kwargs=dep("b")),
        Case("POST", team_a_write(), kwargs=dep("a"), data=_edit),
        Case("POST", team_a_write(), kwargs=dep("a"),
             data=lambda w: {"action": "fallbacks", "fallbacks-TOTAL_FORMS": 1, "fallbacks-INITIAL_FORMS": 0,
                             "fallbacks-0-offering": w.fallback_offering.id, "fallbacks-0-tested_on": "2026-11-01"}),
        # Deleted (archived) dependencies have no page; the API keeps them readable.
        Case("GET", expect(everyone=404), kwargs=lambda w: {"dependency_id": w.archived["a"].id}),
    ],
    "web:suggested-fallback-add": [
        Case("POST", team_a_write(), kwargs=dep("a"), data=lambda w: {"offering": w.suggested_offering.id}),
        Case("POST", team_b_row(ok=302) | {"member_a": 404, "lead_a": 404, "reviewer": 403}, kwargs=dep("b"),
             data=lambda w: {"offering": w.suggested_offering.id}),
        Case("GET", expect(everyone=405), kwargs=dep("a")),
    ],
    "web:dependency-delete": [
        Case("GET", team_a_write(ok=200), kwargs=dep("a")),
        Case("POST", team_a_write(), kwargs=dep("a")),
    ],
    "web:fallback-tested-today": [
        Case("POST", team_a_write(), kwargs=lambda w: {"dependency_id": w.dependency["a"].id, "fallback_id": w.fallback["a"].id}),
        # Team B's fallback under team A's dependency: not found.
        Case("POST", expect(member_a=403, lead_a=404, lead_b=404, reviewer=403, admin=404),
             kwargs=lambda w: {"dependency_id": w.dependency["a"].id, "fallback_id": w.fallback["b"].id}),
    ],
    # A failure mode of the team's own: its leads, reviewers and admins (as the API).
    "web:failure-mode-new": [
        Case("GET", team_a_write(ok=200, reviewer=200), kwargs=dep("a")),
        Case("POST", team_a_write(reviewer=302), kwargs=dep("a"),
             data=lambda w: {"name": "Commitment ends", "level": "distributor", "default_likelihood": 3, "default_impact": 3}),
        Case("GET", team_b_row(), kwargs=dep("b")),
    ],
    # --- the supply side: the catalog is everyone's; the dependencies listed are the role's -------
    "web:supply-chain": [Case("GET", SIGNED_IN), Case("GET", SIGNED_IN, query="?all=1")],
    "web:vendor": [
        Case("GET", SIGNED_IN, kwargs=lambda w: {"slug": "anthropic"}, must_show=own_rows("member_a", "lead_a")),
        Case("GET", expect(everyone=404), kwargs=lambda w: {"slug": "no-such-vendor"}),
    ],
    "web:model": [
        Case("GET", SIGNED_IN, kwargs=lambda w: {"slug": "claude"}, must_show=own_rows("member_a", "lead_a")),
        Case("GET", expect(everyone=404), kwargs=lambda w: {"slug": "no-such-model"}),
    ],
    "web:changes": [Case("GET", SIGNED_IN, must_show={role: ("Claude API degraded",) for role in ROLES[1:]})],
}


def page_url_names() -> set[str]:
    """Every named pattern of the site's URL configuration but the admin's and the API's."""
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in NOT_PAGES or pattern.app_name in NOT_PAGES:
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"every URL pattern of the site needs a name: {pattern.pattern}"
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(site_urls.urlpatterns, None)
    return names


def test_every_page_url_pattern_has_a_matrix_entry():
    names = page_url_names()
    assert "web:dashboard" in names and "healthz" in names and not any(name.startswith(("api:", "admin:")) for name in names)
    missing = names - set(PAGES)
    assert not missing, f"URL patterns without an access-matrix entry in {__name__}: {sorted(missing)}"
    assert not set(PAGES) - names, "matrix entries for URLs that no longer exist"


@pytest.fixture
def web_world(world, team_a, lead_a):  # noqa: F811
    """The API's world of two teams, with what only the pages need: a scenario team A's lead saved
    for team A, an import job of each team, a push URL, and the dashboards' rollup computed."""
    from riskregister.imports.models import ImportJob
    from riskregister.risks.models import SavedScenario
    from riskregister.teams.models import Team
    from riskregister.web.rollup import rollups_refresh
    from vendors.push import push_url_rotate

    world.scenario_a = SavedScenario.objects.create(
        name=f"{MARK_A} scenario", events=[{"kind": "ban", "level": "provider", "target": world.provider.id}],
        team=team_a, created_by=lead_a,
    )
    world.import_job = {
        letter: ImportJob.objects.create(filename=f"{mark}.csv", kind="dependencies_csv", team=Team.objects.get(slug=f"team-{letter}"))
        for letter, mark in (("a", MARK_A), ("b", MARK_B))
    }
    world.scan_job = {
        letter: ImportJob.objects.create(filename=f"{mark}.zip", kind="code_scan", team=Team.objects.get(slug=f"team-{letter}"))
        for letter, mark in (("a", MARK_A), ("b", MARK_B))
    }
    from tests.factories import OfferingFactory

    world.suggested_offering = OfferingFactory(model=world.fallback_offering.model, distributor=world.fallback_offering.model.provider)
    world.push_token = push_url_rotate(source=world.source).rstrip("/").rsplit("/", 1)[1]
    rollups_refresh()
    return world


def _client(user) -> Client:
    client = Client()
    if user.is_authenticated:
        client.force_login(user)
    return client


def _leak(text: str, marker: str) -> str:
    at = text.find(marker)
    return text[max(0, at - 300):at + 80]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(PAGES))
def test_role_gets_the_expected_status_and_only_rows_it_may_see(url_name, web_world, roles):
    cache.clear()  # sign-in limits and throttles start from nothing
    clients = {role: _client(user) for role, user in roles.items()}
    for case in PAGES[url_name]:
        url = reverse(url_name, kwargs=case.kwargs(web_world)) + case.query
        headers = {"HTTP_HX_REQUEST": "true"} if case.htmx else {}
        for role in ROLES:
            # Each request in a savepoint rolled back afterwards: every role meets the same world.
            with transaction.atomic():
                data = case.data(web_world) if case.data else None
                call = getattr(clients[role], case.method.lower())
                response = call(url, data, **headers) if case.method == "POST" else call(url, **headers)
                transaction.set_rollback(True)
            expected = case.expected[role]
            where = f"{case.method} {url}{' (htmx)' if case.htmx else ''} as {role}"
            if expected == LOGIN:
                assert response.status_code == 302 and response["Location"].startswith(settings.LOGIN_URL + "?next="), (
                    f"{where}: {response.status_code} {response.get('Location')}, expected a redirect to sign in"
                )
                continue
            assert response.status_code == expected, (
                f"{where}: {response.status_code}, expected {expected}: {response.content[:300]!r}"
            )
            content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
            text = content.decode(errors="replace")
            # (A slug the caller typed into the URL may be echoed back: it is not another team's row.)
            if role in ("member_a", "lead_a"):
                for marker in (MARK_B, "team-b", "Team B"):
                    assert marker not in text or marker in url, f"{where} shows team B ({marker}): {_leak(text, marker)}"
            if role == "lead_b":
                for marker in (MARK_A, "team-a", "Team A"):
                    assert marker not in text or marker in url, f"{where} shows team A ({marker}): {_leak(text, marker)}"
            if response.status_code == 200:
                for marker in case.must_show.get(role, ()):
                    assert marker in text, f"{where} should show {marker}"
