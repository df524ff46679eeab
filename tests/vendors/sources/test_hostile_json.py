"""A status source answering JSON nested thousands deep fails its check with a clear error."""

import pytest

from tests.factories import OfferingFactory, VendorFactory
from tests.vendors.helpers import ChangingAnswer, check, make_source

pytestmark = pytest.mark.django_db


def test_deeply_nested_json_from_a_source_is_a_failed_check_not_a_crash(httpserver):
    vendor = VendorFactory(slug="acme", name="Acme AI")
    api = OfferingFactory(distributor=vendor)
    page = ChangingAnswer(httpserver, "/api/v2/summary.json", b"[" * 200_000)
    source = make_source("statuspage", page.url, vendor=vendor, config={"components": {"Acme API": [api.id]}})
    result, changes = check(source)
    assert not result.ok and changes == []
    assert "nested too deep" in result.error
    assert source.consecutive_failures == 1
