"""The sweep through a real Celery worker process (with beat) on the configured broker."""

from datetime import timedelta

import pytest
from celery.schedules import maybe_schedule
from django.conf import settings
from django.utils import timezone

from riskregister.celery import app as celery_app

from tests.factories import AIModelFactory, OfferingFactory, VendorFactory
from tests.vendors import payloads
from tests.vendors.helpers import ChangingAnswer, make_source
from vendors.models import Offering, StatusChange, StatusSource
from vendors.tasks import sweep_due_sources

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_beat_entry_sweeps_due_sources_every_5_seconds(httpserver):
    """The beat entry, read as beat reads it: due 5 s after its last run and not before, naming a
    task the worker knows, which checks a source that is due and leaves one that is not."""
    entry = settings.CELERY_BEAT_SCHEDULE["checks-sweep"]
    schedule = maybe_schedule(entry["schedule"], app=celery_app)
    now = schedule.now()
    assert schedule.is_due(now - timedelta(seconds=6)).is_due
    not_yet = schedule.is_due(now - timedelta(seconds=1))
    assert not not_yet.is_due and 3 <= not_yet.next <= 5

    offering = OfferingFactory(model=AIModelFactory(provider=VendorFactory(slug="anthropic")), status="operational")
    page = ChangingAnswer(httpserver, "/api/v2/summary.json", payloads.statuspage_summary({"Claude API": "major_outage"}))
    due = make_source("statuspage", page.url, vendor=offering.distributor,
                      config={"components": {"Claude API": [offering.id]}}, interval=30)
    later = make_source("statuspage", page.url, vendor=offering.distributor, config={"components": {}}, name="later")
    StatusSource.objects.filter(id=later.id).update(next_check_at=timezone.now() + timedelta(hours=1))

    result = celery_app.tasks[entry["task"]].run()

    assert result["checked"] == 1
    assert StatusSource.objects.get(id=due.id).last_success_at is not None
    assert StatusSource.objects.get(id=later.id).last_checked_at is None


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
