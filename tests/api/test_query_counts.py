"""Every list endpoint answers a page with a fixed number of queries, whatever the page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from riskregister.risks.models import Assessment, SavedScenario
from tests.api.conftest import client_for
from tests.factories import (
    AIModelFactory,
    AlertFactory,
    DeliveryFactory,
    DependencyFactory,
    DistributorFactory,
    FailureModeFactory,
    FallbackFactory,
    MembershipFactory,
    OfferingFactory,
    RiskFactory,
    StatusChangeFactory,
    StatusSourceFactory,
    SubscriptionFactory,
    TeamFactory,
    VendorFactory,
    VendorRelationshipFactory,
)

ROWS = 24

# Queries per page, pinned: (as the lead of team A, as an admin). A change here is a change in how
# the endpoint loads its rows: keep it independent of the page size.
LISTS = {
    "/api/v1/vendors/": (3, 3),
    "/api/v1/vendor-relationships/": (3, 3),
    "/api/v1/models/": (5, 5),  # + the routes (worst case) and the lifecycle facts, prefetched
    "/api/v1/offerings/": (4, 4),  # + the lifecycle facts, prefetched
    "/api/v1/teams/": (6, 4),
    "/api/v1/dependencies/": (6, 4),
    "/api/v1/failure-modes/": (5, 3),
    "/api/v1/risks/": (5, 3),
    "/api/v1/risks/{risk}/assessments/": (6, 4),
    # + one query for the stored reach of the page (alerts/selectors.py), + the reviewer check of a member.
    "/api/v1/status-changes/": (5, 4),
    "/api/v1/subscriptions/": (4, 3),
    "/api/v1/alerts/": (6, 4),  # with one prefetch of the deliveries of the page
    "/api/v1/scenarios/": (3, 3),
}


@pytest.fixture
def many_rows(team_a, lead_a, reviewer):
    provider = VendorFactory(slug="anthropic")
    distributor = DistributorFactory(slug="aws")
    mode = FailureModeFactory(slug="outage", level="provider")
    risk = None
    for index in range(ROWS):
        VendorFactory()
        VendorRelationshipFactory(source=distributor, target=VendorFactory(), kind="invests_in")
        offering = OfferingFactory(model=AIModelFactory(provider=provider), distributor=distributor)
        dependency = DependencyFactory(team=team_a, offering=offering, owner=lead_a)
        FallbackFactory(dependency=dependency, offering=OfferingFactory(model=AIModelFactory(provider=provider)))
        FallbackFactory(dependency=dependency, offering=OfferingFactory(model=AIModelFactory(provider=provider)))
        risk = RiskFactory(dependency=dependency, failure_mode=mode, owner=lead_a)
        FailureModeFactory(team=team_a, level="model")
        StatusChangeFactory(vendor=provider, recorded_by=reviewer)
        SubscriptionFactory(team=team_a, user=lead_a if index % 2 else None)
        DeliveryFactory(alert=AlertFactory(team=team_a, user=lead_a))
        MembershipFactory(team=TeamFactory(), user=lead_a)  # so that lead A's team list has pages too
        SavedScenario.objects.create(name=f"scenario {index}", events=[], created_by=reviewer)
    for _ in range(ROWS):
        Assessment.objects.create(
            risk=risk, assessor=reviewer, assessed_at=timezone.now(), inherent_likelihood=3, inherent_impact=3,
            residual_likelihood=2, residual_impact=2, treatment="mitigate", status="treated", band="low",
            rationale="ok", next_review_date=timezone.localdate(),
        )
    StatusSourceFactory(vendor=provider)
    return {"risk": risk.id}


def _count(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(queries), len(response.json()["results"])


@pytest.mark.parametrize("url", sorted(LISTS))
def test_list_queries_are_pinned_and_do_not_grow_with_page_size(url, many_rows, lead_a, admin):
    url = url.format(**many_rows)
    counts = []
    for user in (lead_a, admin):
        client = client_for(user)
        client.get(url)  # warm the per-user caches a request would build anyway
        small, small_rows = _count(client, f"{url}?page_size=2")
        large, large_rows = _count(client, f"{url}?page_size=20")
        assert large_rows == 20 and small_rows == 2
        assert small == large, f"{url}: {small} queries for 2 rows, {large} for 20"
        counts.append(large)
    assert tuple(counts) == LISTS[url.replace(str(many_rows["risk"]), "{risk}")], f"{url}: {tuple(counts)} queries"


def test_status_sources_list_is_pinned(many_rows, admin):
    client = client_for(admin)
    for _ in range(3):
        StatusSourceFactory()
    small, _ = _count(client, "/api/v1/status-sources/?page_size=1")
    large, rows = _count(client, "/api/v1/status-sources/?page_size=4")
    assert rows == 4 and small == large == 3


def test_register_csv_reads_the_register_in_a_fixed_number_of_queries(many_rows, lead_a):
    client = client_for(lead_a)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/register.csv")
        body = b"".join(response.streaming_content).decode()
    assert body.count("\n") == ROWS + 1
    assert len(queries) <= 4, [query["sql"][:120] for query in queries]
