import datetime as dt
import json

import pytest
from werkzeug import Response

from tests.factories import AIModelFactory, DistributorFactory, OfferingFactory, VendorFactory
from tests.vendors import payloads
from tests.vendors.helpers import ChangingAnswer, check, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def openai():
    return VendorFactory(slug="openai", name="OpenAI")


@pytest.fixture
def gpt(openai):
    return OfferingFactory(model=AIModelFactory(provider=openai, slug="gpt-5-1", name="GPT-5.1"),
                           distributor_model_id="gpt-5.1", status="operational")


def test_model_gone_from_openai_list_is_major_and_its_return_a_recovery(httpserver, openai, gpt, monkeypatch):
    monkeypatch.setenv("SOURCE_SECRET_TEST_OPENAI_KEY", "sk-test-123")
    answer = ChangingAnswer(httpserver, "/v1/models", payloads.openai_models(["gpt-5.1", "gpt-5-mini"]))
    source = make_source("openai_models", answer.url, vendor=openai, config={"api_key_env": "SOURCE_SECRET_TEST_OPENAI_KEY"})
    assert check(source)[1] == []
    assert answer.requests[-1].headers["Authorization"] == "Bearer sk-test-123"
    assert "sk-test-123" not in json.dumps(source.config)

    answer.body = payloads.openai_models(["gpt-5-mini"])
    (gone,) = check(source)[1]
    assert (gone.offering, gone.kind, gone.current_value, gone.severity) == (gpt, "status", "unavailable", "major")
    gpt.refresh_from_db()
    assert gpt.status == "unavailable"
    assert check(source)[1] == []

    answer.body = payloads.openai_models(["gpt-5.1", "gpt-5-mini"])
    (back,) = check(source)[1]
    assert (back.current_value, back.severity) == ("operational", "info")


def test_missing_api_key_variable_fails_with_a_clear_error(httpserver, openai, gpt):
    answer = ChangingAnswer(httpserver, "/v1/models", payloads.openai_models(["gpt-5.1"]))
    source = make_source("openai_models", answer.url, vendor=openai, config={"api_key_env": "SOURCE_SECRET_NOT_SET_ANYWHERE"})
    result, _ = check(source)
    assert not result.ok and "SOURCE_SECRET_NOT_SET_ANYWHERE" in result.error
    assert answer.requests == []


def test_config_names_a_variable_not_a_key(httpserver, openai):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        make_source("openai_models", httpserver.url_for("/v1/models"), vendor=openai,
                    config={"api_key_env": "sk-live-abcdef"})


def test_anthropic_list_is_paginated_and_reports_lifecycle_and_dates(httpserver):
    anthropic = VendorFactory(slug="anthropic", name="Anthropic")
    fable = OfferingFactory(model=AIModelFactory(provider=anthropic, slug="claude-fable-5", name="Claude Fable 5"),
                            distributor_model_id="claude-fable-5")
    mythos = OfferingFactory(model=AIModelFactory(provider=anthropic, slug="claude-mythos-5", name="Claude Mythos 5"),
                             distributor_model_id="claude-mythos-5")
    pages = {
        None: [payloads.anthropic_model("claude-fable-5", "Claude Fable 5", lifecycle="active")],
        "claude-fable-5": [payloads.anthropic_model("claude-mythos-5", "Claude Mythos 5", lifecycle="active")],
    }
    seen_headers = []

    def answer(request):
        seen_headers.append(request.headers.get("anthropic-version"))
        after = request.args.get("after_id")
        return Response(payloads.anthropic_page(pages[after], has_more=after is None), content_type="application/json")

    httpserver.expect_request("/v1/models").respond_with_handler(answer)
    source = make_source("anthropic_models", httpserver.url_for("/v1/models"), vendor=anthropic)
    assert check(source)[1] == [] and len(seen_headers) == 2 and seen_headers[0] == "2023-06-01"

    pages["claude-fable-5"] = [payloads.anthropic_model(
        "claude-mythos-5", "Claude Mythos 5", lifecycle="deprecated", deprecated_at="2026-11-25T00:00:00Z",
        retires_at="2027-02-25T00:00:00Z")]
    changes = check(source)[1]
    assert [(c.kind, c.current_value, c.severity) for c in changes] == [
        ("lifecycle", "deprecated", "minor"), ("deprecation", "2026-11-25", "minor"), ("deprecation", "2027-02-25", "minor")]
    assert {c.model for c in changes} == {mythos.model}
    mythos.model.refresh_from_db()
    assert mythos.model.lifecycle == "deprecated" and mythos.model.retirement_date == dt.date(2027, 2, 25)

    pages["claude-fable-5"] = [payloads.anthropic_model("claude-mythos-5", "Claude Mythos 5", lifecycle="retired",
                                                        retires_at="2027-02-25T00:00:00Z")]
    (retired,) = check(source)[1]
    assert (retired.current_value, retired.severity) == ("retired", "critical")

    pages["claude-fable-5"] = []  # retired models are omitted by default
    (gone,) = check(source)[1]
    assert (gone.offering, gone.current_value, gone.severity) == (mythos, "unavailable", "major")
    fable.refresh_from_db()
    assert fable.status == "operational"


def test_unknown_lifecycle_value_is_tolerated(httpserver):
    anthropic = VendorFactory(slug="anthropic")
    OfferingFactory(model=AIModelFactory(provider=anthropic, slug="claude-fable-5"), distributor_model_id="claude-fable-5")
    answer = ChangingAnswer(httpserver, "/v1/models", payloads.anthropic_page(
        [payloads.anthropic_model("claude-fable-5", "Claude Fable 5", lifecycle="hibernating")]))
    source = make_source("anthropic_models", answer.url, vendor=anthropic)
    result, changes = check(source)
    assert result.ok and changes == []
    assert source.state["unrecognised_lifecycles"] == {"claude-fable-5": "hibernating"}


def test_reseller_list_changes_the_offering_not_the_model(httpserver):
    """A distributor's list speaks for its offering; the model's own lifecycle is its provider's."""
    reseller = DistributorFactory(slug="router")
    offering = OfferingFactory(model=AIModelFactory(slug="claude-fable-5"), distributor=reseller,
                               distributor_model_id="anthropic/claude-fable-5")
    answer = ChangingAnswer(httpserver, "/v1/models", payloads.anthropic_page(
        [payloads.anthropic_model("anthropic/claude-fable-5", "Claude Fable 5", lifecycle="deprecated")]))
    source = make_source("anthropic_models", answer.url, vendor=reseller)
    (change,) = check(source)[1]
    assert change.offering == offering and change.model is None
    offering.model.refresh_from_db()
    assert offering.model.lifecycle == "active"
