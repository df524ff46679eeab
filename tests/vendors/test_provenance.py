"""Every lifecycle fact says where it came from, when, and how sure it is; a route with no date is
safe for the promised notice; a model shows the worst case of its routes."""

import datetime as dt

import pytest
from django.urls import reverse

from tests.api.conftest import client_for
from tests.factories import AIModelFactory, DistributorFactory, OfferingFactory, StatusSourceFactory, UserFactory, VendorFactory
from vendors.models import LifecycleFact, StatusChange
from vendors.selectors import current_facts, model_worst_case
from vendors.recording import status_change_record

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def route(db):
    provider = VendorFactory(slug="anthropic", name="Anthropic", provides_models=True, minimum_notice_days=60)
    bedrock = DistributorFactory(slug="amazon", name="Amazon Web Services")
    model = AIModelFactory(provider=provider, slug="claude-x", name="Claude X")
    return OfferingFactory(model=model, distributor=bedrock, distributor_model_id="anthropic.claude-x-v1:0")


def test_a_person_recording_a_date_is_its_source(route):
    rita = UserFactory(username="rita")
    change = status_change_record(kind=StatusChange.Kind.DEPRECATION, title="Bedrock retires Claude X", severity="minor",
                                  offering=route, current_value="2027-04-30", recorded_by=rita,
                                  details={"field": "retirement_date", "certainty": "tentative"})
    route.refresh_from_db()
    assert route.retirement_date == dt.date(2027, 4, 30)
    fact = current_facts(route)["retirement_date"]
    assert (fact.value, fact.source_kind, fact.recorded_by, fact.certainty, fact.change) == (
        "2027-04-30", "person", rita, "tentative", change)
    assert fact.retrieved_at == change.observed_at
    assert fact.source_label == "rita"


def test_a_status_source_lifecycle_change_is_its_source_and_an_unknown_certainty_is_exact(route):
    source = StatusSourceFactory(name="Anthropic models")
    status_change_record(kind=StatusChange.Kind.LIFECYCLE, title="deprecated", severity="minor", model=route.model,
                         current_value="deprecated", source=source, details={"certainty": "surely"}, dedupe_key="k1")
    fact = current_facts(route.model)["lifecycle"]
    assert (fact.value, fact.source_kind, fact.status_source, fact.certainty) == ("deprecated", "status_source", source, "exact")


def test_a_vanished_signal_is_no_dated_fact(route):
    status_change_record(kind=StatusChange.Kind.DEPRECATION, title="gone", severity="minor", offering=route,
                         current_value="removed", details={"vanished": True}, dedupe_key="k2")
    assert not LifecycleFact.objects.exists()


def test_safe_until_is_the_announced_date_else_today_plus_the_notice(route):
    assert route.safe_until(TODAY) == TODAY + dt.timedelta(days=60)  # the provider's notice; Bedrock names none
    route.distributor.minimum_notice_days = 180
    route.distributor.save(update_fields=["minimum_notice_days"])
    route.refresh_from_db()
    assert route.safe_until(TODAY) == TODAY + dt.timedelta(days=180)  # the route's distributor's notice first
    route.retirement_date = dt.date(2027, 1, 15)
    assert route.safe_until(TODAY) == dt.date(2027, 1, 15)
    route.retirement_date = None
    route.distributor.minimum_notice_days = None
    route.model.provider.minimum_notice_days = None
    assert route.safe_until(TODAY) is None


def test_the_model_shows_the_worst_case_of_its_routes(route):
    model = route.model
    direct = OfferingFactory(model=model, distributor=model.provider, distributor_model_id="claude-x",
                             retirement_date=dt.date(2027, 2, 1), lifecycle="deprecated")
    route.retirement_date = dt.date(2027, 6, 1)
    route.save(update_fields=["retirement_date"])
    worst = model_worst_case(model)
    assert (worst.lifecycle, worst.retirement_date, worst.retirement_route) == ("deprecated", dt.date(2027, 2, 1), direct)
    model.retirement_date = dt.date(2027, 1, 1)
    assert model_worst_case(model).retirement_date == dt.date(2027, 1, 1)
    assert model_worst_case(model).retirement_route is None  # the model's own date


def test_api_shows_each_dated_fact_with_source_time_and_certainty(route):
    source = StatusSourceFactory(name="AWS Bedrock lifecycle")
    status_change_record(kind=StatusChange.Kind.DEPRECATION, title="legacy", severity="minor", offering=route,
                         current_value="2027-03-01", source=source, details={"certainty": "earliest"}, dedupe_key="k3")
    viewer = UserFactory(username="viewer")
    offering = client_for(viewer).get(reverse("api:offering-detail", kwargs={"pk": route.pk})).json()
    [fact] = offering["lifecycle_facts"]
    assert fact["field"] == "deprecation_date" and fact["value"] == "2027-03-01"
    assert fact["source"] == "AWS Bedrock lifecycle" and fact["certainty"] == "earliest" and fact["retrieved_at"]
    assert offering["safe_until"] is not None
    model = client_for(viewer).get(reverse("api:aimodel-detail", kwargs={"pk": route.model_id})).json()
    assert model["worst_case"]["deprecation_date"] == "2027-03-01"
    assert model["worst_case"]["deprecation_offering"] == route.pk
