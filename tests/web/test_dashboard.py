"""The dashboard reads the rollup: its figures are those of the exposure selectors, per team and in sum."""

import re

import pytest

from riskregister.risks import exposure
from riskregister.risks.models import Risk
from riskregister.web.models import TeamRollup
from riskregister.web.rollup import dashboard_figures, rollups_refresh
from tests.factories import StatusSourceFactory

pytestmark = pytest.mark.django_db


def _rows(rows):
    return {row["name"]: (row["exposure"], row["inherent_exposure"], row["risks"], row["dependencies"]) for row in rows}


@pytest.mark.parametrize("teams", [None, ["support"], ["support", "analytics"]])
def test_summed_rollups_equal_the_exposure_selectors(story, teams):
    team_ids = None if teams is None else [getattr(story, slug).id for slug in teams]
    figures = dashboard_figures(team_ids=team_ids)
    reference = exposure.exposure_summary(team_ids=team_ids)
    assert figures["total"] == reference["total"]
    for by in ("team", "provider", "distributor", "jurisdiction"):
        assert _rows(figures[f"by_{by}"]) == _rows(reference[f"by_{by}"]), by
    assert figures["concentration"]["hhi"] == reference["concentration"]["hhi"]
    assert figures["concentration"]["top_share"] == reference["concentration"]["top_share"]
    coverage = reference["fallback_coverage"]
    assert (figures["coverage"]["covered"], figures["coverage"]["critical"], figures["coverage"]["correlated_only"]) == (
        coverage["covered"], coverage["critical_dependencies"], coverage["only_correlated_fallbacks"])
    open_risks = exposure.open_risks(team_ids=team_ids)
    assert sum(figures["heat"]["residual"].values()) == open_risks.count()


def test_upstream_counts_investors_behind_a_direct_route(story):
    upstream = {row["slug"]: row for row in dashboard_figures(team_ids=[story.support.id])["upstream"]}
    # support-chat runs on Bedrock (Amazon on the route); ticket-summariser on Anthropic's own API,
    # which Amazon invests in: both hang on Amazon, one of them directly.
    assert (upstream["amazon"]["dependencies"], upstream["amazon"]["direct"]) == (2, 1)
    assert upstream["anthropic"]["dependencies"] == 2 and upstream["anthropic"]["teams"] == 1
    assert "mistral" not in upstream


def test_heat_map_cells_count_and_link_to_the_register_filtered_to_them(client, story):
    Risk.objects.filter(dependency=story.support_chat).update(residual_likelihood=1, residual_impact=1, inherent_likelihood=5, inherent_impact=5)
    rollups_refresh()
    client.force_login(story.rita)
    html = client.get("/").content.decode()
    count = Risk.objects.filter(residual_likelihood=1, residual_impact=1).count()
    assert count == story.support_chat.risks.count() > 0
    cell = re.search(r'<a href="(/register/\?residual_likelihood=1&amp;residual_impact=1)"[^>]*>\s*<rect[^>]*>.*?</rect>\s*<text[^>]*>(\d+)</text>', html, re.S)
    assert cell and int(cell.group(2)) == count
    register = client.get(cell.group(1).replace("&amp;", "&")).content.decode()
    assert f"{count} risks" in register and "support-chat" in register and "code-review-bot" not in register


def test_inherent_toggle_counts_inherent_cells(client, story):
    Risk.objects.filter(dependency=story.support_chat).update(residual_likelihood=1, residual_impact=1, inherent_likelihood=5, inherent_impact=5)
    rollups_refresh()
    client.force_login(story.rita)
    html = client.get("/?matrix=inherent").content.decode()
    assert "inherent_likelihood=5&amp;inherent_impact=5" in html
    assert re.search(r'inherent_impact=5"[^>]*>\s*<rect[^>]*>.*?</rect>\s*<text[^>]*>%d</text>' % story.support_chat.risks.count(), html, re.S)


def test_a_lead_sees_their_teams_figures_only(client, story):
    client.force_login(story.alice)
    html = client.get("/").content.decode()
    total = exposure.total_exposure(team_ids=[story.support.id])
    assert f"residual exposure\n  <strong>{total['exposure']}</strong>" in html
    assert "Data &amp; Analytics" not in html and "Developer Platform" not in html


def test_a_new_team_without_a_rollup_gets_one_on_first_sight(client, story):
    TeamRollup.objects.all().delete()
    client.force_login(story.alice)
    assert client.get("/").status_code == 200
    assert list(TeamRollup.objects.values_list("team_id", flat=True)) == [story.support.id]


def test_failing_sources_name_and_health_only_for_non_admins(client, story, admin):
    StatusSourceFactory(name="Anthropic status", url="https://status.anthropic.example/api/v2/summary.json",
                        consecutive_failures=3, last_error="connect timeout")
    client.force_login(story.alice)
    html = client.get("/").content.decode()
    assert "Anthropic status" in html and "3 failed checks" in html
    assert "status.anthropic.example" not in html and "connect timeout" not in html
    client.force_login(admin)
    html = client.get("/").content.decode()
    assert "status.anthropic.example" in html and "connect timeout" in html


@pytest.mark.parametrize(("who", "queries"), [("rita", 7), ("alice", 8)])
def test_dashboard_queries_are_pinned_and_do_not_grow(client, story, who, queries, django_assert_num_queries):
    from tests.factories import DependencyFactory

    client.force_login(getattr(story, who))
    client.get("/")  # the session and the user's roles are warm, as on every later visit
    with django_assert_num_queries(queries) as small:
        assert client.get("/").status_code == 200
    for index in range(20):
        DependencyFactory(team=story.support, offering=story.fable_vertex, system=f"svc-{index}", criticality=1)
    rollups_refresh()
    with django_assert_num_queries(len(small.captured_queries)):
        client.get("/")


def test_the_site_row_follows_a_teams_refresh_exactly_as_a_full_sum_would(story):
    from riskregister.risks import services
    from riskregister.web.models import SiteRollup
    from riskregister.web.rollup import site_sum
    from tests.factories import DependencyFactory

    # Support moves off Anthropic entirely and onto Mistral: entries appear and vanish from the sum.
    for dependency in (story.support_chat, story.ticket_summariser):
        services.dependency_delete(dependency=dependency, actor=story.alice)
    services.risks_propose(dependency=DependencyFactory(team=story.support, system="new-bot", offering=story.large_direct, criticality=1))
    rollups_refresh(team_ids=[story.support.id])

    site = SiteRollup.objects.get()
    assert site.figures == site_sum(TeamRollup.objects.select_related("team").order_by("team_id"))
    figures = dashboard_figures(team_ids=None)
    reference = exposure.exposure_summary(team_ids=None)
    assert figures["total"] == reference["total"]
    for by in ("team", "provider", "distributor", "jurisdiction"):
        assert _rows(figures[f"by_{by}"]) == _rows(reference[f"by_{by}"]), by
    upstream = {row["slug"]: row for row in figures["upstream"]}
    assert upstream["anthropic"]["teams"] == 1  # only Developer Platform still hangs on Anthropic
    assert upstream["mistral"]["teams"] == 2  # Support now, and Data & Analytics


def test_a_reviewers_dashboard_reads_one_row_and_shows_a_leads_change_at_once(client, story):
    from riskregister.web.models import SiteRollup

    client.force_login(story.alice)
    response = client.post(f"/dependencies/{story.ticket_summariser.id}/", {
        "action": "edit", "system": "ticket-summariser", "offering": story.mythos_direct.id, "environment": "production",
        "criticality": 1, "owner": "", "data_classification": story.ticket_summariser.data_classification, "description": "",
    })
    assert response.status_code == 302
    assert SiteRollup.objects.count() == 1
    client.force_login(story.rita)
    html = client.get("/").content.decode()
    total = exposure.total_exposure(team_ids=None)
    assert f"residual exposure\n  <strong>{total['exposure']}</strong>" in html


def test_retirements_within_90_days_list_only_routes_the_viewers_teams_use(client, story):
    import datetime

    from django.utils import timezone

    soon = timezone.localdate() + datetime.timedelta(days=30)
    for route in (story.mythos_direct, story.large_bedrock, story.gpt_azure):  # Support's, Analytics', a fallback only
        route.retirement_date = soon
        route.save(update_fields=["retirement_date"])
    section = lambda html: html[html.index('id="retiring-heading"'):html.index("</section>", html.index('id="retiring-heading"'))]  # noqa: E731
    client.force_login(story.alice)
    listed = section(client.get("/").content.decode())
    assert f"Claude Mythos 5</a> via Anthropic:\n        retires on <time datetime=\"{soon.isoformat()}\">" in listed
    assert "Mistral Large 3" not in listed and "GPT-5.1" not in listed
    client.force_login(story.rita)
    listed = section(client.get("/").content.decode())
    assert "Claude Mythos 5</a> via Anthropic" in listed and "Mistral Large 3</a> via Amazon Web Services" in listed
    assert "GPT-5.1" not in listed  # a fallback's route is not a dependency's
