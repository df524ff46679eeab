import datetime as dt

import pytest

from tests.factories import AIModelFactory, DistributorFactory, OfferingFactory, VendorFactory
from tests.vendors import payloads
from tests.vendors.helpers import ChangingAnswer, check, make_source

pytestmark = pytest.mark.django_db


def test_deprecation_dates_set_moved_and_vanished_entries(httpserver):
    anthropic = VendorFactory(slug="anthropic")
    fable = AIModelFactory(provider=anthropic, slug="claude-fable-5", aliases=["claude-fable-5-20260101"])
    bedrock = OfferingFactory(model=fable, distributor=DistributorFactory(slug="amazon"),
                              distributor_model_id="anthropic.claude-fable-5-v1:0")
    catalog = ChangingAnswer(httpserver, "/model_prices_and_context_window.json", payloads.litellm_catalog({
        "claude-fable-5-20260101": {"litellm_provider": "anthropic"},
        "bedrock/anthropic.claude-fable-5-v1:0": {"litellm_provider": "bedrock"},
        "some-other-model": {"litellm_provider": "openai", "deprecation_date": "2026-12-01"},
    }))
    source = make_source("catalog", catalog.url)
    assert check(source)[1] == []

    catalog.body = payloads.litellm_catalog({
        "claude-fable-5-20260101": {"litellm_provider": "anthropic", "deprecation_date": "2027-04-01"},
        "bedrock/anthropic.claude-fable-5-v1:0": {"litellm_provider": "bedrock", "deprecation_date": "2027-05-01"},
        "some-other-model": {"litellm_provider": "openai", "deprecation_date": "2026-12-01"},
    })
    changes = check(source)[1]
    assert {(c.model, c.offering, c.current_value, c.severity) for c in changes} == {
        (fable, None, "2027-04-01", "minor"), (None, bedrock, "2027-05-01", "minor")}
    fable.refresh_from_db()
    assert fable.deprecation_date == dt.date(2027, 4, 1)

    catalog.body = payloads.litellm_catalog({
        "claude-fable-5-20260101": {"litellm_provider": "anthropic", "deprecation_date": "2027-03-01"},
        "some-other-model": {"litellm_provider": "openai"},
    })
    changes = check(source)[1]
    moved = next(c for c in changes if c.model == fable)
    assert (moved.previous_value, moved.current_value) == ("2027-04-01", "2027-03-01")
    vanished = next(c for c in changes if c.offering == bedrock)
    assert vanished.current_value == "removed" and vanished.details["vanished"] is True
    bedrock.refresh_from_db()
    assert bedrock.deprecation_date == dt.date(2027, 5, 1)  # a vanished entry is a signal, not a date
    assert check(source)[1] == []


def test_catalog_that_is_not_an_object_fails(httpserver):
    catalog = ChangingAnswer(httpserver, "/c.json", b"[1, 2, 3]")
    result, _ = check(make_source("catalog", catalog.url))
    assert not result.ok and "Not a model catalog" in result.error
