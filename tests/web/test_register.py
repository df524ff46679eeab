"""The register page filters like the API's RiskFilter (extended with model, reason, due-before and
slugs), sorts, pages and exports CSV with the same filters."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from riskregister.risks.models import Risk

pytestmark = pytest.mark.django_db


def test_the_register_counts_what_the_viewer_may_see(client, story):
    client.force_login(story.alice)
    html = client.get("/register/").content.decode()
    count = Risk.objects.filter(dependency__team=story.support).count()
    assert f"{count} risks" in html
    assert "support-chat" in html and "report-writer" not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("provider=openai", {"report-writer"}),
        ("distributor=amazon", {"support-chat", "doc-classifier"}),
        ("model=claude-mythos-5", {"ticket-summariser", "code-review-bot"}),
        ("team=analytics&criticality=4", {"report-writer"}),
    ],
)
def test_filters_by_slug(client, story, query, expected):
    client.force_login(story.rita)
    page = client.get(f"/register/?{query}").content.decode()
    systems = {dependency.system for dependency in story.dependencies if f">{dependency.system}</a>" in page}
    assert systems == expected


def test_reason_and_due_before_filter_the_risks_waiting(client, story):
    today = timezone.localdate()
    reviewed = Risk.objects.filter(dependency=story.report_writer)
    reviewed.update(last_reviewed_at=timezone.now(), next_review_date=today - datetime.timedelta(days=3))
    client.force_login(story.rita)
    page = client.get("/register/?reason=overdue").content.decode()
    assert f"{reviewed.count()} risks" in page and "report-writer" in page and "support-chat" not in page
    page = client.get(f"/register/?due_before={today:%Y-%m-%d}").content.decode()
    assert f"{reviewed.count()} risks" in page
    # The API's list takes the same filters.
    api = client.get("/api/v1/risks/?reason=overdue&model=gpt-5-1").json()
    assert api["count"] == reviewed.count()


def test_a_bad_filter_is_a_400_naming_it(client, story):
    client.force_login(story.rita)
    response = client.get("/register/?due_before=someday")
    assert response.status_code == 400
    assert "due_before" in response.content.decode()


def test_csv_export_keeps_the_filters(client, story):
    client.force_login(story.rita)
    page = client.get("/register/?distributor=amazon&band=medium").content.decode()
    assert 'href="/api/v1/register.csv?distributor=amazon&amp;band=medium"' in page
    body = b"".join(client.get("/api/v1/register.csv?distributor=amazon&band=medium").streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows and {row["distributor"] for row in rows} == {"amazon"} and {row["band"] for row in rows} == {"medium"}


def test_sorting_and_paging(client, story):
    client.force_login(story.rita)
    first = client.get("/register/?sort=tier").content.decode()
    assert first.index("support-chat") < first.index("report-writer")  # tier 1 before tier 4
    last = client.get("/register/?sort=-tier").content.decode()
    assert last.index("report-writer") < last.index("support-chat")
    from riskregister.risks.services import risks_propose
    from tests.factories import DependencyFactory

    for index in range(3):
        risks_propose(dependency=DependencyFactory(team=story.support, offering=story.fable_vertex, system=f"svc-{index}"))
    total = Risk.objects.count()
    assert total > 50
    second = client.get("/register/?page=2").content.decode()
    assert f"{total} risks, page 2 of" in second


def test_register_queries_are_pinned(client, story, django_assert_num_queries):
    from tests.factories import DependencyFactory
    from riskregister.risks.services import risks_propose

    client.force_login(story.rita)
    client.get("/register/")
    # session, user, groups, the four filter lists, the count and the page
    with django_assert_num_queries(10) as small:
        client.get("/register/?provider=anthropic")
    for index in range(10):
        risks_propose(dependency=DependencyFactory(team=story.support, offering=story.fable_vertex, system=f"svc-{index}"))
    with django_assert_num_queries(len(small.captured_queries)):
        client.get("/register/?provider=anthropic")


def test_the_dependencies_tab_lists_uncovered_first_filtering(client, story):
    client.force_login(story.rita)
    page = client.get("/register/dependencies/?uncovered=1").content.decode()
    assert "code-review-bot" in page and "support-chat" not in page


def test_the_register_counts_up_to_a_cap_and_says_there_are_more(client, story, monkeypatch):
    from riskregister.web import paging

    client.force_login(story.rita)
    html = client.get("/register/").content.decode()
    total = Risk.objects.count()
    assert f"{total} risks" in html and "More than" not in html

    monkeypatch.setattr(paging, "COUNT_CAP", 7)
    html = client.get("/register/").content.decode()
    assert "More than 7 risks (counted up to 7: narrow the filters, or export the CSV for every row)" in html
    # A filter that matches fewer than the cap is counted exactly again.
    html = client.get("/register/?team=analytics&model=gpt-5-1").content.decode()
    assert "More than" not in html and "6 risks" in html
