"""The sweep through a real Celery worker process (with beat) on the configured broker."""

import pytest
from django.conf import settings

from tests.factories import AIModelFactory, OfferingFactory, VendorFactory
from tests.vendors import payloads
from tests.vendors.helpers import ChangingAnswer, make_source
from vendors.models import Offering, StatusChange, StatusSource
from vendors.tasks import sweep_due_sources

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_beat_sweeps_every_5_seconds():
    # A due source (a push, a hot source) waits a few seconds at most for its check.
    entry = settings.CELERY_BEAT_SCHEDULE["checks-sweep"]
    assert entry == {"task": "vendors.tasks.sweep_due_sources", "schedule": 5.0}


def test_worker_and_beat_record_each_change_once_and_survive_a_bad_source(httpserver, live_worker):
    offering = OfferingFactory(model=AIModelFactory(provider=VendorFactory(slug="anthropic")), status="operational")
    page = ChangingAnswer(httpserver, "/api/v2/summary.json", payloads.statuspage_summary(
        {"Claude API": "major_outage"},
        incidents=[payloads.statuspage_incident("inc42", "Claude API down", components=["Claude API"])]))
    source = make_source("statuspage", page.url, vendor=offering.distributor,
                         config={"components": {"Claude API": [offering.id]}}, interval=30)
    httpserver.expect_request("/garbage").respond_with_data("<<<", content_type="application/json")
    broken = make_source("statuspage", httpserver.url_for("/garbage"), vendor=offering.distributor,
                         config={"components": {}}, name="broken")

    sweep_due_sources.delay()
    live_worker.wait_for(lambda: StatusChange.objects.filter(source=source).count() == 2, what="the outage to be recorded")
    assert Offering.objects.get(id=offering.id).status == "major_outage"
    live_worker.wait_for(lambda: StatusSource.objects.get(id=broken.id).consecutive_failures >= 1, what="the bad source")
    assert "not JSON" in StatusSource.objects.get(id=broken.id).last_error

    # Recovery, picked up by beat's own 30-second sweep once the source is due again.
    page.body = payloads.statuspage_summary()
    live_worker.wait_for(
        lambda: Offering.objects.get(id=offering.id).status == "operational", timeout=120, what="beat's sweep"
    )
    live_worker.wait_for(lambda: StatusChange.objects.filter(source=source).count() == 4, what="the recovery")
    kinds = sorted(StatusChange.objects.filter(source=source).values_list("kind", "current_value"))
    assert kinds == [("incident", "investigating"), ("incident", "resolved"), ("status", "major_outage"),
                     ("status", "operational")]
    assert "sweep_due_sources" in live_worker.log()
