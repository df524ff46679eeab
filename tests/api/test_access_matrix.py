"""Every URL pattern of the API, with each of the six roles: the expected status, and no rows of a
team the role may not see. A pattern of the API without an entry in MATRIX fails
`test_every_api_url_pattern_has_a_matrix_entry`."""

import json
from dataclasses import dataclass, field
from typing import Callable

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, reverse

import riskregister.api.urls as api_urls
from tests.api.conftest import client_for
from tests.api.world import MARK_A, MARK_B, world  # noqa: F401  (fixture)
from tests.conftest import PASSWORD

ROLES = ("anonymous", "member_a", "lead_a", "lead_b", "reviewer", "admin")


def expect(anonymous=401, member_a=None, lead_a=None, lead_b=None, reviewer=None, admin=None, *, everyone=None):
    statuses = {"anonymous": anonymous, "member_a": member_a, "lead_a": lead_a, "lead_b": lead_b,
                "reviewer": reviewer, "admin": admin}
    return {role: (everyone if status is None else status) for role, status in statuses.items()}


READ_SIGNED_IN = expect(everyone=200)
PUBLIC = expect(anonymous=200, everyone=200)


def admin_only(ok):
    return expect(everyone=403, admin=ok)


def team_a_row(ok=200):
    """A row of team A: its members, reviewers and admins read it; team B's lead does not find it."""
    return expect(member_a=ok, lead_a=ok, lead_b=404, reviewer=ok, admin=ok)


@dataclass
class Case:
    method: str
    expected: dict
    kwargs: Callable = lambda w: {}
    body: Callable | None = None  # (world, role) -> dict
    query: str = ""
    must_show: dict = field(default_factory=dict)  # role -> marker the response must hold


def own_rows_shown(*roles_a, roles_b=("lead_b",)):
    shown = {role: MARK_A for role in roles_a}
    shown.update({role: MARK_B for role in roles_b})
    return shown


pk = lambda attr, letter=None: (lambda w: {"pk": (getattr(w, attr)[letter] if letter else getattr(w, attr)).id})  # noqa: E731

def _import_jobs(w) -> dict:
    """An import job of each team, made on first use (the world has none)."""
    from riskregister.imports.models import ImportJob
    from riskregister.teams.models import Team

    return {
        letter: ImportJob.objects.get_or_create(
            filename=f"{mark}.csv", defaults={"kind": "dependencies_csv", "team": Team.objects.get(slug=f"team-{letter}")}
        )[0]
        for letter, mark in (("a", MARK_A), ("b", MARK_B))
    }


MATRIX: dict[str, list[Case]] = {
    "api:schema": [Case("GET", PUBLIC)],
    "api:docs": [Case("GET", PUBLIC)],
    "api:not-found": [Case("GET", expect(anonymous=404, everyone=404)), Case("POST", expect(anonymous=404, everyone=404))],
    "api:auth-token": [
        Case("POST", expect(anonymous=200, everyone=200), body=lambda w, r: {"username": "member-a", "password": PASSWORD}),
        Case("DELETE", expect(everyone=204)),
    ],
    # --- catalog: everyone signed in reads, admins write ------------------------------------
    "api:vendor-list": [
        Case("GET", READ_SIGNED_IN),
        Case("POST", admin_only(201), body=lambda w, r: {"name": "OpenAI", "slug": "openai", "provides_models": True}),
    ],
    "api:vendor-detail": [
        Case("GET", READ_SIGNED_IN, kwargs=pk("provider")),
        Case("PATCH", admin_only(200), kwargs=pk("provider"), body=lambda w, r: {"headquarters_country": "US"}),
        Case("PUT", admin_only(200), kwargs=pk("spare_vendor"), body=lambda w, r: {"name": "Spare Co", "slug": "spare"}),
        Case("DELETE", admin_only(204), kwargs=pk("spare_vendor")),
        # Still referred to by models and offerings: a conflict, not a 500.
        Case("DELETE", admin_only(409), kwargs=pk("provider")),
    ],
    "api:vendor-relationship-list": [
        Case("GET", READ_SIGNED_IN),
        Case("POST", admin_only(201), body=lambda w, r: {"source": w.distributor.id, "target": w.provider.id, "kind": "invests_in"}),
    ],
    "api:vendor-relationship-detail": [
        Case("GET", READ_SIGNED_IN, kwargs=pk("relationship")),
        Case("PATCH", admin_only(200), kwargs=pk("relationship"), body=lambda w, r: {"evidence": "press release"}),
        Case("PUT", admin_only(200), kwargs=pk("relationship"),
             body=lambda w, r: {"source": w.distributor.id, "target": w.provider.id, "kind": "distributes"}),
        Case("DELETE", admin_only(204), kwargs=pk("relationship")),
    ],
    "api:aimodel-list": [
        Case("GET", READ_SIGNED_IN),
        Case("POST", admin_only(201), body=lambda w, r: {"provider": w.provider.id, "name": "Claude 9", "slug": "claude-9"}),
    ],
    "api:aimodel-detail": [
        Case("GET", READ_SIGNED_IN, kwargs=pk("model")),
        Case("PATCH", admin_only(200), kwargs=pk("model"), body=lambda w, r: {"lifecycle": "deprecated"}),
        Case("PUT", admin_only(200), kwargs=pk("model"), body=lambda w, r: {"provider": w.provider.id, "name": "Claude", "slug": "claude"}),
        Case("DELETE", admin_only(409), kwargs=pk("model")),
    ],
    "api:offering-list": [
        Case("GET", READ_SIGNED_IN),
        Case("POST", admin_only(201), body=lambda w, r: {"model": w.model.id, "distributor": w.distributor.id, "distributor_model_id": "anthropic.claude"}),
    ],
    "api:offering-detail": [
        Case("GET", READ_SIGNED_IN, kwargs=pk("offering")),
        Case("PATCH", admin_only(200), kwargs=pk("offering"), body=lambda w, r: {"regions": ["us-east-1"]}),
        Case("PUT", admin_only(200), kwargs=pk("offering"),
             body=lambda w, r: {"model": w.model.id, "distributor": w.provider.id, "distributor_model_id": "claude"}),
        Case("DELETE", admin_only(409), kwargs=pk("offering")),
    ],
    # --- teams: by slug; another team is not found ---------------------------------------
    "api:team-list": [
        Case("GET", READ_SIGNED_IN, must_show={"member_a": "team-a", "lead_b": "team-b", "reviewer": "team-b"}),
        Case("POST", admin_only(201), body=lambda w, r: {"name": "Search", "slug": "search"}),
    ],
    "api:team-detail": [
        Case("GET", team_a_row(), kwargs=lambda w: {"slug": "team-a"}),
        Case("GET", expect(member_a=404, lead_a=404, lead_b=200, reviewer=200, admin=200), kwargs=lambda w: {"slug": "team-b"}),
        Case("PATCH", admin_only(200), kwargs=lambda w: {"slug": "team-a"}, body=lambda w, r: {"description": "x"}),
        Case("PUT", admin_only(200), kwargs=lambda w: {"slug": "team-a"}, body=lambda w, r: {"name": "Team A", "slug": "team-a"}),
        Case("DELETE", admin_only(204), kwargs=lambda w: {"slug": "team-b"}),
    ],
    # The team's AI-BOM: whoever reads the team reads its BOM; another team's is not found.
    "api:team-bom": [
        Case("GET", team_a_row(), kwargs=lambda w: {"slug": "team-a"}, must_show={"member_a": MARK_A, "reviewer": MARK_A}),
        Case("GET", expect(member_a=404, lead_a=404, lead_b=200, reviewer=200, admin=200), kwargs=lambda w: {"slug": "team-b"},
             must_show={"lead_b": MARK_B}),
    ],
    # --- import jobs: a team's leads start them, whoever reads the team follows them ---------
    "api:team-imports": [
        Case("POST", expect(member_a=403, lead_a=202, lead_b=404, reviewer=403, admin=202), kwargs=lambda w: {"slug": "team-a"},
             body=lambda w, r: {"kind": "dependencies_csv", "filename": f"{MARK_A}.csv", "content": "system,model\nx,claude\n"}),
        Case("POST", expect(member_a=403, lead_a=400, lead_b=404, reviewer=403, admin=400), kwargs=lambda w: {"slug": "team-a"},
             body=lambda w, r: {"kind": "dependencies_csv"}),
    ],
    "api:import-job-list": [
        Case("GET", READ_SIGNED_IN, kwargs=lambda w: _import_jobs(w) and {},
             must_show=own_rows_shown("member_a", "lead_a", roles_b=("lead_b", "reviewer"))),
    ],
    "api:import-job-detail": [
        Case("GET", team_a_row(), kwargs=lambda w: {"pk": _import_jobs(w)["a"].pk}, must_show={"member_a": MARK_A}),
    ],
    # Registering what a code scan found: the team's leads and admins; a job that is not a finished
    # scan is a 400 naming `job`.
    "api:import-job-apply": [
        Case("POST", expect(member_a=403, lead_a=400, lead_b=404, reviewer=403, admin=400),
             kwargs=lambda w: {"pk": _import_jobs(w)["a"].pk}),
    ],
    # --- dependencies: the team reads, its leads write, reviewers read every team's -----------
    "api:dependency-list": [
        Case("GET", READ_SIGNED_IN, must_show=own_rows_shown("member_a", "lead_a")),
        Case("GET", READ_SIGNED_IN, query="?archived=true",
             must_show={"member_a": "only-team-a-old", "lead_b": "only-team-b-old", "reviewer": "only-team-b-old"}),
        Case("GET", expect(everyone=400), query="?archived=perhaps"),
        Case("POST", expect(member_a=403, lead_a=201, lead_b=400, reviewer=403, admin=201), body=lambda w, r: {
            "team": "team-a", "system": "search", "offering": w.offering.id, "criticality": 1,
            "fallbacks": [{"offering": w.fallback_offering.id, "tested_on": "2026-11-01"}]}),
        # The same system on the same offering and environment again: a conflict.
        Case("POST", expect(member_a=403, lead_a=409, lead_b=400, reviewer=403, admin=409), body=lambda w, r: {
            "team": "team-a", "system": w.dependency["a"].system, "offering": w.offering.id}),
        # A write naming another team is refused.
        Case("POST", expect(member_a=403, lead_a=400, lead_b=201, reviewer=403, admin=201), body=lambda w, r: {
            "team": "team-b", "system": "search", "offering": w.offering.id}),
    ],
    "api:dependency-detail": [
        Case("GET", team_a_row(), kwargs=pk("dependency", "a"), must_show=own_rows_shown("member_a", roles_b=())),
        Case("GET", expect(member_a=404, lead_a=404, lead_b=200, reviewer=200, admin=200), kwargs=pk("dependency", "b")),
        Case("PATCH", expect(member_a=403, lead_a=200, lead_b=404, reviewer=403, admin=200), kwargs=pk("dependency", "a"),
             body=lambda w, r: {"criticality": 1, "fallbacks": []}),
        # Moving a dependency to another team is refused, not ignored.
        Case("PATCH", expect(member_a=403, lead_a=400, lead_b=404, reviewer=403, admin=400), kwargs=pk("dependency", "a"),
             body=lambda w, r: {"team": "team-b"}),
        Case("PUT", expect(member_a=403, lead_a=200, lead_b=404, reviewer=403, admin=200), kwargs=pk("dependency", "a"),
             body=lambda w, r: {"team": "team-a", "system": "renamed", "offering": w.offering.id, "environment": "staging"}),
        Case("DELETE", expect(member_a=403, lead_a=204, lead_b=404, reviewer=403, admin=204), kwargs=pk("dependency", "a")),
        # An archived (deleted) one: read by the team, reviewers and admins; never written again.
        Case("GET", team_a_row(), kwargs=pk("archived", "a"), must_show={"member_a": "only-team-a-old", "reviewer": "only-team-a-old"}),
        Case("PATCH", expect(member_a=403, lead_a=409, lead_b=404, reviewer=403, admin=409), kwargs=pk("archived", "a"),
             body=lambda w, r: {"criticality": 1}),
        Case("DELETE", expect(member_a=403, lead_a=409, lead_b=404, reviewer=403, admin=409), kwargs=pk("archived", "a")),
    ],
    # Only admins purge, and only an archived dependency.
    "api:dependency-purge": [
        Case("POST", admin_only(204), kwargs=pk("archived", "a")),
        Case("POST", admin_only(409), kwargs=pk("dependency", "a")),
    ],
    "api:dependency-fallback-suggestions": [
        Case("GET", team_a_row(), kwargs=pk("dependency", "a")),
        Case("GET", expect(member_a=400, lead_a=400, lead_b=404, reviewer=400, admin=400), kwargs=pk("dependency", "a"),
             query="?limit=many"),
        # Choosing a suggestion: the team's lead and admins; another team's dependency is not found.
        Case("POST", expect(member_a=403, lead_a=201, lead_b=404, reviewer=403, admin=201), kwargs=pk("dependency", "a"),
             body=lambda w, r: {"offering": _spare_offering(w).id}),
    ],
    # --- failure modes: the catalog, and each team's own ----------------------------------
    "api:failure-mode-list": [
        Case("GET", READ_SIGNED_IN, must_show=own_rows_shown("member_a", "lead_a")),
        Case("POST", admin_only(201), body=lambda w, r: {"slug": "price-hike", "name": "Price hike", "level": "distributor"}),
        Case("POST", expect(member_a=403, lead_a=201, lead_b=400, reviewer=201, admin=201), body=lambda w, r: {
            "team": "team-a", "name": "Bedrock commitment ends", "level": "distributor", "dependency": w.dependency["a"].id}),
    ],
    "api:failure-mode-detail": [
        Case("GET", READ_SIGNED_IN, kwargs=pk("failure_mode")),
        Case("GET", team_a_row(), kwargs=pk("custom_failure_mode", "a")),
        Case("PATCH", admin_only(200), kwargs=pk("failure_mode"), body=lambda w, r: {"default_impact": 5}),
        Case("PATCH", expect(member_a=403, lead_a=200, lead_b=404, reviewer=200, admin=200), kwargs=pk("custom_failure_mode", "a"),
             body=lambda w, r: {"description": "ours"}),
        Case("PUT", expect(member_a=403, lead_a=200, lead_b=404, reviewer=200, admin=200), kwargs=pk("custom_failure_mode", "a"),
             body=lambda w, r: {"name": "Ours", "level": "model", "team": "team-a"}),
        Case("DELETE", admin_only(409), kwargs=pk("failure_mode")),
        Case("DELETE", expect(member_a=403, lead_a=204, lead_b=404, reviewer=204, admin=204), kwargs=pk("custom_failure_mode", "a")),
    ],
    # --- risks: leads propose mitigations, never scores -----------------------------------
    "api:risk-list": [Case("GET", READ_SIGNED_IN, must_show=own_rows_shown("member_a", "lead_a"))],
    "api:risk-detail": [
        Case("GET", team_a_row(), kwargs=pk("risk", "a")),
        Case("GET", expect(member_a=404, lead_a=404, lead_b=200, reviewer=200, admin=200), kwargs=pk("risk", "b")),
        Case("PATCH", expect(member_a=403, lead_a=200, lead_b=404, reviewer=200, admin=200), kwargs=pk("risk", "a"),
             body=lambda w, r: {"treatment": "mitigate", "mitigation": "fail over to Mistral"}),
        # Scores sent by a lead are refused, not silently dropped.
        Case("PATCH", expect(member_a=403, lead_a=403, lead_b=404, reviewer=400, admin=400), kwargs=pk("risk", "a"),
             body=lambda w, r: {"mitigation": "x", "residual_likelihood": 1}),
        Case("PUT", expect(member_a=403, lead_a=200, lead_b=404, reviewer=200, admin=200), kwargs=pk("risk", "a"),
             body=lambda w, r: {"treatment": "transfer", "mitigation": "insured"}),
    ],
    "api:assessment-list": [
        Case("GET", team_a_row(), kwargs=lambda w: {"risk_pk": w.risk["a"].id}, must_show=own_rows_shown("member_a", roles_b=())),
        Case("POST", expect(member_a=403, lead_a=403, lead_b=404, reviewer=201, admin=201), kwargs=lambda w: {"risk_pk": w.risk["a"].id},
             body=lambda w, r: {"inherent_likelihood": 3, "inherent_impact": 4, "residual_likelihood": 2, "residual_impact": 2,
                                "treatment": "mitigate", "rationale": "tested fallback"}),
    ],
    "api:assessment-detail": [
        Case("GET", team_a_row(), kwargs=lambda w: {"risk_pk": w.risk["a"].id, "pk": w.assessment["a"].id}),
        Case("GET", expect(member_a=404, lead_a=404, lead_b=200, reviewer=200, admin=200),
             kwargs=lambda w: {"risk_pk": w.risk["b"].id, "pk": w.assessment["b"].id}),
    ],
    # --- status sources (admins) and changes (everyone reads, reviewers record) -------------
    "api:status-source-list": [
        Case("GET", admin_only(200)),
        Case("POST", admin_only(201), body=lambda w, r: {
            "name": "OpenAI status", "kind": "statuspage", "url": "https://93.184.215.14/api/v2/summary.json", "vendor": w.provider.id,
            "config": {"components": {"API": [w.offering.id]}}}),
        # The SSRF rules refuse a private address when the source is saved.
        Case("POST", admin_only(400), body=lambda w, r: {
            "name": "metadata", "kind": "statuspage", "url": "http://169.254.169.254/latest/", "vendor": w.provider.id}),
    ],
    "api:status-source-detail": [
        Case("GET", admin_only(200), kwargs=pk("source")),
        Case("PATCH", admin_only(400), kwargs=pk("source"), body=lambda w, r: {"url": "http://127.0.0.1:8000/"}),
        Case("PUT", admin_only(200), kwargs=pk("source"), body=lambda w, r: {
            "name": "Anthropic status", "kind": "statuspage", "url": "https://93.184.215.14/api/v2/summary.json",
            "config": {"components": {"Claude API": [w.offering.id]}}}),
        Case("DELETE", admin_only(204), kwargs=pk("source")),
    ],
    "api:status-source-push-url": [
        Case("POST", admin_only(201), kwargs=pk("source")),
        Case("DELETE", admin_only(204), kwargs=pk("source")),
    ],
    "api:status-change-list": [
        Case("GET", READ_SIGNED_IN),
        Case("POST", expect(everyone=403, reviewer=201, admin=201), body=lambda w, r: {
            "kind": "lifecycle", "title": "Export-control ban of Claude", "severity": "critical", "model": w.model.id,
            "current_value": "banned"}),
    ],
    "api:status-change-detail": [Case("GET", READ_SIGNED_IN, kwargs=pk("change"))],
    # --- exposure, scenarios and the CSV register: own teams, or all for reviewers ----------
    "api:exposure": [
        Case("GET", READ_SIGNED_IN, query="?by=team", must_show={"member_a": "team-a", "lead_b": "team-b", "reviewer": "team-b"}),
        Case("GET", expect(member_a=404, lead_a=404, lead_b=200, reviewer=200, admin=200), query="?by=provider&team=team-b"),
        Case("GET", expect(everyone=400), query="?by=colour"),
    ],
    # --- catalog imports: admins upload a file, a worker imports it ------------------------------
    "api:catalog-import": [
        # Without a file: refused for everyone but admins, and a 400 naming `file` for them.
        Case("POST", admin_only(400), body=lambda w, r: {"format": "litellm"}),
    ],
    "api:register-csv": [
        Case("GET", READ_SIGNED_IN, must_show=own_rows_shown("member_a", "lead_a", roles_b=("lead_b", "reviewer"))),
        Case("GET", READ_SIGNED_IN, query="?team=team-a&status=open"),
    ],
    "api:scenario-list": [
        Case("GET", READ_SIGNED_IN, must_show={"member_a": "Export-control"}),
        Case("POST", READ_SIGNED_IN, body=lambda w, r: {"events": [{"kind": "ban", "level": "provider", "target": "anthropic"}]},
             must_show=own_rows_shown("member_a", "lead_a", roles_b=("lead_b", "reviewer"))),
        # Saving a scenario under a name is for reviewers and admins.
        Case("POST", expect(everyone=403, reviewer=200, admin=200),
             body=lambda w, r: {"name": "AWS outage", "events": [{"kind": "outage", "level": "distributor", "target": w.distributor.id}]}),
        Case("POST", expect(everyone=400), body=lambda w, r: {"events": [{"kind": "ban", "level": "provider", "target": "nobody"}]}),
    ],
    "api:scenario-detail": [
        Case("GET", READ_SIGNED_IN, kwargs=pk("scenario")),
        Case("DELETE", expect(everyone=403, reviewer=204, admin=204), kwargs=pk("scenario")),
    ],
    "api:scenario-run": [
        Case("POST", READ_SIGNED_IN, kwargs=pk("scenario"), must_show=own_rows_shown("member_a", "lead_a", roles_b=("lead_b", "reviewer"))),
    ],
    # --- subscriptions: own (member, reviewer), own team's (lead), all (admin) ---------------
    "api:subscription-list": [
        Case("GET", READ_SIGNED_IN, must_show={"lead_a": MARK_A, "lead_b": MARK_B}),
        # Without `user`, members and reviewers subscribe themselves, leads and admins the whole team.
        Case("POST", expect(member_a=201, lead_a=201, lead_b=400, reviewer=201, admin=201),
             body=lambda w, r: {"team": "team-a", "min_severity": "major"}),
        # Only a lead (or admin) sends a team's alerts to another address.
        Case("POST", expect(member_a=403, lead_a=201, lead_b=400, reviewer=403, admin=201),
             body=lambda w, r: {"team": "team-a", "email": "list@example.com"}),
        # Only a lead (or admin) subscribes a team to Slack or a webhook.
        Case("POST", expect(member_a=403, lead_a=201, lead_b=400, reviewer=403, admin=201),
             body=lambda w, r: {"team": "team-a", "channel": "slack",
                                "target": "https://hooks.slack.com/services/T000/B000/matrix"}),
    ],
    "api:subscription-rotate-secret": [
        # Only a webhook subscription has a secret (subscription "a" is an email one): 400 for who may see it.
        Case("POST", expect(member_a=404, lead_a=400, lead_b=404, reviewer=404, admin=400), kwargs=pk("subscription", "a")),
    ],
    "api:subscription-detail": [
        Case("GET", expect(member_a=404, lead_a=200, lead_b=404, reviewer=404, admin=200), kwargs=pk("subscription", "a")),
        Case("GET", expect(member_a=200, lead_a=200, lead_b=404, reviewer=404, admin=200), kwargs=pk("member_subscription")),
        Case("PATCH", expect(member_a=200, lead_a=200, lead_b=404, reviewer=404, admin=200), kwargs=pk("member_subscription"),
             body=lambda w, r: {"mode": "daily_digest"}),
        Case("PATCH", expect(member_a=404, lead_a=400, lead_b=404, reviewer=404, admin=400), kwargs=pk("subscription", "a"),
             body=lambda w, r: {"team": "team-b"}),
        Case("PUT", expect(member_a=200, lead_a=200, lead_b=404, reviewer=404, admin=200), kwargs=pk("member_subscription"),
             body=lambda w, r: {"team": "team-a", "user": w.member_subscription.user_id, "min_severity": "info"}),
        Case("DELETE", expect(member_a=204, lead_a=204, lead_b=404, reviewer=404, admin=204), kwargs=pk("member_subscription")),
    ],
    # --- alerts: read by the team they were written for -----------------------------------
    "api:alert-list": [Case("GET", READ_SIGNED_IN, must_show=own_rows_shown("member_a", "lead_a"))],
    "api:alert-detail": [
        Case("GET", team_a_row(), kwargs=pk("alert", "a")),
        Case("GET", expect(member_a=404, lead_a=404, lead_b=200, reviewer=200, admin=200), kwargs=pk("alert", "b")),
    ],
}


def _spare_offering(w):
    """An offering that is not yet a fallback of anything: Mistral's own API."""
    from vendors.models import Offering

    offering, _ = Offering.objects.get_or_create(
        model=w.fallback_offering.model, distributor=w.fallback_offering.model.provider, distributor_model_id="mistral-large"
    )
    return offering


def api_url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"every API URL pattern needs a name: {pattern.pattern}"
                names.add(f"{namespace}:{pattern.name}")

    walk(api_urls.urlpatterns, api_urls.app_name)
    return names


def test_every_api_url_pattern_has_a_matrix_entry():
    missing = api_url_names() - set(MATRIX)
    assert not missing, f"API URL patterns without an access-matrix entry: {sorted(missing)}"
    assert not set(MATRIX) - api_url_names(), "matrix entries for URLs that no longer exist"


def _allowed_methods(url_name: str, kwargs: dict) -> set[str]:
    from django.urls import resolve

    match = resolve(reverse(url_name, kwargs=kwargs))
    view = match.func
    actions = getattr(view, "actions", None)
    if actions:
        return {method.upper() for method in actions}
    view_class = getattr(view, "view_class", None)
    if view_class is None:  # a plain function view (the API's catch-all 404)
        return set()
    return {method.upper() for method in view_class.http_method_names if hasattr(view_class, method) and method != "options"}


@pytest.mark.parametrize("url_name", sorted(MATRIX))
def test_role_gets_the_expected_status_and_only_rows_it_may_see(url_name, world, roles):
    clients = {role: client_for(user) for role, user in roles.items()}
    cases = MATRIX[url_name]
    covered = {case.method for case in cases}
    assert covered >= _allowed_methods(url_name, cases[0].kwargs(world)) - {"HEAD", "OPTIONS"}, (
        f"{url_name}: every method it answers needs a matrix case"
    )
    for case in cases:
        url = reverse(url_name, kwargs=case.kwargs(world)) + case.query
        for role in ROLES:
            body = case.body(world, role) if case.body else None
            # Each request in a savepoint rolled back afterwards: every role meets the same world.
            with transaction.atomic():
                response = getattr(clients[role], case.method.lower())(url, body, format="json")
                transaction.set_rollback(True)
            expected = case.expected[role]
            assert response.status_code == expected, (
                f"{case.method} {url} as {role}: {response.status_code}, expected {expected}: {getattr(response, 'content', b'')[:300]!r}"
            )
            if response.status_code >= 400 and response.get("Content-Type", "").startswith("application/json"):
                assert set(response.json()) == {"error"}, f"{case.method} {url} as {role}: not the error shape"
            content = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
            text = content.decode(errors="replace")
            if role in ("member_a", "lead_a"):
                assert MARK_B not in text and "team-b" not in text, f"{case.method} {url} leaks team B to {role}: {text[max(0, text.find('team-b') - 300):text.find('team-b') + 100] if 'team-b' in text else text[max(0, text.find(MARK_B) - 300):text.find(MARK_B) + 60]}"
            if role == "lead_b":
                assert MARK_A not in text and "team-a" not in text, f"{case.method} {url} leaks team A to {role}: {text[max(0, text.find(MARK_A) - 400):text.find(MARK_A) + 60]}"
            if case.method == "GET" and role in case.must_show:
                assert case.must_show[role] in text, f"{url} should show {case.must_show[role]} to {role}"
