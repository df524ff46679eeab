"""The review queue, errors, scenarios and the supply-side pages."""

import pytest
from django.test import override_settings

from riskregister.risks.models import Risk, SavedScenario
from riskregister.risks.selectors import QueueReason

pytestmark = pytest.mark.django_db


def test_the_queue_reads_reasons_in_words_and_filters(client, story):
    client.force_login(story.rita)
    html = client.get("/review/").content.decode()
    assert QueueReason.LABELS["never_reviewed"] in html and "never_reviewed<" not in html
    html = client.get("/review/?team=analytics&tier=4").content.decode()
    count = Risk.objects.filter(dependency=story.report_writer).count()
    assert f"{count} risks waiting" in html and "support-chat" not in html


def test_the_queue_puts_a_tier_1_service_above_a_tier_4_one(client, story):
    Risk.objects.update(residual_likelihood=3, residual_impact=3, inherent_likelihood=3, inherent_impact=3)
    client.force_login(story.rita)
    html = client.get("/review/").content.decode()
    assert html.index("support-chat") < html.index("report-writer")


def test_after_an_assessment_the_reviewer_lands_on_the_next_risk_of_the_filtered_queue(client, story):
    client.force_login(story.rita)
    first, second = list(Risk.objects.filter(dependency=story.report_writer).order_by("id"))[:2]
    response = client.post(f"/risks/{first.id}/?team=analytics&tier=4", {
        "action": "assess", "inherent_likelihood": 3, "inherent_impact": 3, "residual_likelihood": 2,
        "residual_impact": 2, "treatment": "mitigate", "rationale": "Staging only.",
    })
    assert response.status_code == 302
    assert response["Location"].startswith("/risks/") and response["Location"].endswith("?team=analytics&tier=4")
    landed = client.get(response["Location"])
    html = landed.content.decode()
    assert "Assessment of" in html and "saved: low" in html
    assert int(response["Location"].split("/")[2]) in set(Risk.objects.filter(dependency=story.report_writer).values_list("id", flat=True)) - {first.id}
    del second


def test_a_403_is_styled_and_says_why(client, story):
    client.force_login(story.alice)
    response = client.get("/review/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>Not allowed</h1>" in html and "The review queue is for risk reviewers" in html


def test_unknown_pages_are_the_styled_404(client, story):
    client.force_login(story.alice)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "<h1>Not found</h1>" in response.content.decode()


@override_settings(DEBUG=False)
def test_a_500_is_the_styled_page(client, story, monkeypatch):
    from riskregister.web.views import dashboard

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(dashboard, "dashboard_figures", broken)
    client.raise_request_exception = False
    client.force_login(story.alice)
    response = client.get("/")
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.content.decode() and "boom" not in response.content.decode()


def test_several_events_at_once_uncovered_first(client, story):
    client.force_login(story.rita)
    response = client.post("/scenarios/", {"action": "run", "ban_provider": ["anthropic"], "outage_distributor": ["mistral"], "jurisdiction": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "ban of provider Anthropic; outage of distributor Mistral AI" in html
    # Within a team, uncovered dependencies come first: Customer Support's ticket-summariser (no
    # fallback, tier 3) before support-chat (tier 1, covered by its tested GPT fallback).
    assert html.index(">ticket-summariser<") < html.index(">support-chat<")
    assert "Residual exposure" in html and 'class="bar-after"' in html


def test_a_reviewer_saves_site_wide_and_a_lead_for_the_team_never_overwriting(client, story):
    client.force_login(story.rita)
    response = client.post("/scenarios/", {"action": "save", "ban_provider": ["anthropic"], "name": "Anthropic ban"})
    assert response.status_code == 302
    saved = SavedScenario.objects.get(name="Anthropic ban")
    assert saved.team is None and saved.created_by == story.rita
    client.force_login(story.alice)
    refused = client.post("/scenarios/", {"action": "save", "ban_model": ["gpt-5-1"], "name": "Anthropic ban"})
    assert refused.status_code == 400 and "Someone else saved a scenario under this name" in refused.content.decode()
    assert SavedScenario.objects.get(name="Anthropic ban").events == saved.events
    response = client.post("/scenarios/", {"action": "save", "ban_model": ["gpt-5-1"], "name": "GPT ban"})
    assert SavedScenario.objects.get(name="GPT ban").team == story.support
    rerun = client.get(response["Location"]).content.decode()
    assert "ban of model GPT-5.1" in rerun
    client.force_login(story.erin)  # another team's lead neither lists nor opens it
    assert "GPT ban" not in client.get("/scenarios/").content.decode()
    assert client.get(response["Location"]).status_code == 404


def test_a_member_cannot_save(client, story):
    client.force_login(story.bob)
    assert client.post("/scenarios/", {"action": "save", "ban_provider": ["anthropic"], "name": "x"}).status_code == 403


def test_supply_chain_draws_edges_and_flags_the_conflict(client, story):
    client.force_login(story.alice)
    html = client.get("/supply-chain/").content.decode()
    assert "<svg" in html and "edge-invests_in" in html and "edge-distributes" in html
    assert '>Amazon Web Services</a> distributes and invests in or owns <a href="/vendors/anthropic/">' in html
    assert "Mistral" not in html  # no route of the team's, nor behind one
    assert 'style=' not in html


def test_supply_chain_shows_the_viewers_vendors_unless_asked_for_all(client, story):
    from tests.factories import VendorFactory

    VendorFactory(slug="far-away", name="Far Away Labs")
    client.force_login(story.erin)
    assert "Far Away Labs" not in client.get("/supply-chain/").content.decode()
    assert "Far Away Labs" in client.get("/supply-chain/?all=1").content.decode()


def test_vendor_and_model_pages(client, story):
    client.force_login(story.alice)
    html = client.get("/vendors/amazon/").content.decode()
    assert "<h1>Amazon Web Services</h1>" in html and "invests in" in html.lower() and "support-chat" in html
    assert "doc-classifier" not in html  # another team's dependency
    html = client.get("/models/claude-mythos-5/").content.decode()
    assert "ticket-summariser" in html and "Google Cloud" in html
    assert client.get("/vendors/nobody/").status_code == 404


def test_the_status_feed_filters_and_never_links_other_schemes(client, story):
    from tests.factories import StatusChangeFactory

    StatusChangeFactory(vendor=story.anthropic, title="API degraded", severity="major", kind="status", link="javascript:alert(1)")
    StatusChangeFactory(vendor=story.openai, title="GPT fine", severity="info", kind="status", link="https://status.openai.com/")
    client.force_login(story.alice)
    html = client.get("/changes/?severity=major").content.decode()
    assert "API degraded" in html and "GPT fine" not in html and "javascript:" not in html
    html = client.get("/changes/?vendor=openai").content.decode()
    assert "GPT fine" in html and 'href="https://status.openai.com/"' in html
    assert client.get("/changes/?since=yesterday").status_code == 400


PAGES = ["/", "/?matrix=inherent", "/register/", "/register/dependencies/", "/teams/", "/teams/support/", "/review/",
         "/supply-chain/", "/supply-chain/?all=1", "/vendors/amazon/", "/models/claude-fable-5/", "/changes/", "/scenarios/"]


def test_pages_carry_no_inline_script_handler_or_style(client, story):
    import re

    client.force_login(story.rita)
    risk = story.support_chat.risks.first()
    for path in PAGES + [f"/dependencies/{story.support_chat.id}/", f"/risks/{risk.id}/", "/nowhere/"]:
        html = client.get(path).content.decode()
        assert "style=" not in html, path
        assert not re.search(r"\son[a-z]+=", html), path
        for tag in re.findall(r"<script[^>]*>", html):
            assert " src=" in tag, (path, tag)
        assert html.count("<h1") == 1, path
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), (path, sorted({i for i in ids if ids.count(i) > 1}))


def test_a_lead_adds_a_subscription_and_a_member_pauses_their_own(client, story):
    from riskregister.alerts.models import Subscription

    client.force_login(story.alice)
    response = client.post("/teams/support/", {"kinds": ["lifecycle"], "min_severity": "major", "mode": "daily_digest", "email": ""})
    assert response.status_code == 302
    subscription = Subscription.objects.get(team=story.support)
    assert (subscription.kinds, subscription.min_severity, subscription.mode) == (["lifecycle"], "major", "daily_digest")
    own = Subscription.objects.create(team=story.support, user=story.bob)
    client.force_login(story.bob)
    assert client.post("/teams/support/", {"min_severity": "info", "mode": "immediate"}).status_code == 403
    assert client.post(f"/teams/support/subscriptions/{subscription.id}/toggle/").status_code == 403
    response = client.post(f"/teams/support/subscriptions/{own.id}/toggle/")
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.active is False
    assert "Subscription paused." in client.get("/teams/support/").content.decode()


def test_the_graph_keeps_the_order_that_reduces_crossings(db):
    from riskregister.web.graph import supply_graph
    from tests.factories import DistributorFactory, VendorFactory

    providers = [VendorFactory(slug=f"p{i}", name=f"Provider {i}") for i in range(4)]
    clouds = [DistributorFactory(slug=f"c{i}", name=f"Cloud {i}") for i in range(4)]
    # Cloud i distributes provider 3 - i: in name order every edge would cross every other.
    edges = [(clouds[i].pk, providers[3 - i].pk, "distributes") for i in range(4)]
    counts = {provider.pk: 10 - index for index, provider in enumerate(providers)}
    graph = supply_graph(providers + clouds, edges, counts)
    y = {node["vendor"].slug: node["y"] for node in graph["nodes"]}
    assert [slug for slug in sorted(y, key=lambda slug: (slug[0], y[slug])) if slug.startswith("p")] == ["p0", "p1", "p2", "p3"]
    for i in range(4):
        assert y[f"c{i}"] == y[f"p{3 - i}"]  # each cloud level with its provider: no crossing


def test_supply_chain_counts_the_viewers_dependencies_on_each_vendor_from_the_rollup(client, story):
    client.force_login(story.alice)
    html = client.get("/supply-chain/").content.decode()
    assert "as of <time" in html
    # Customer Support: support-chat via Bedrock, ticket-summariser on Anthropic's own API.
    assert 'aria-label="Anthropic: 2 of your dependencies' in html
    assert 'aria-label="Amazon Web Services: 1 of your dependencies' in html
    client.force_login(story.rita)
    html = client.get("/supply-chain/").content.decode()
    assert 'aria-label="Anthropic: 4 of your dependencies' in html  # and Developer Platform's two
