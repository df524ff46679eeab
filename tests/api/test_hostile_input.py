"""Input that used to end in a server error: each is a 400 in the API's error shape, naming the field."""

import datetime as dt

import pytest
from django.urls import get_resolver
from rest_framework.test import APIClient

from riskregister.api.parsers import MAX_JSON_DEPTH, json_depth_exceeds
from tests.api.conftest import client_for
from tests.api.world import world  # noqa: F401  (fixture)
from tests.factories import DependencyFactory, OfferingFactory

TOO_BIG = "99999999999999999999"  # beyond 64 bits


def _error(response):
    return response.json()["error"]


# --- nesting ---------------------------------------------------------------------------------


def test_deeply_nested_body_is_a_400_even_anonymously_on_the_token_endpoint(db):
    response = APIClient().generic("POST", "/api/v1/auth/token/", "[" * 5000, content_type="application/json")
    assert response.status_code == 400
    assert _error(response)["code"] == "parse_error"
    assert "nested deeper" in _error(response)["message"]


def test_deeply_nested_body_is_a_400_on_a_write_endpoint(lead_a, team_a):
    body = '{"team": "team-a", "system": "x", "fallbacks": ' + "[" * 5000 + "]" * 5000 + "}"
    response = client_for(lead_a).generic("POST", "/api/v1/dependencies/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper" in _error(response)["message"]


def test_brackets_inside_strings_do_not_count_as_nesting(lead_a, team_a):
    offering = OfferingFactory()
    body = {"team": "team-a", "system": "[" * 5000 + '\\"{', "offering": offering.id, "description": "]" * 100}
    response = client_for(lead_a).post("/api/v1/dependencies/", body, format="json")
    assert response.status_code == 400  # system is too long, a field error: the body itself was read
    assert "system" in _error(response)["fields"]


def test_depth_is_measured_at_the_limit():
    assert not json_depth_exceeds("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    assert json_depth_exceeds("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    assert not json_depth_exceeds('["' + "[" * 1000 + '"]')
    assert json_depth_exceeds('{"a": ' * (MAX_JSON_DEPTH + 1))


# --- a fallback without its offering ----------------------------------------------------------


def test_patch_of_a_fallback_without_an_offering_names_the_field(lead_a, team_a):
    dependency = DependencyFactory(team=team_a)
    response = client_for(lead_a).patch(
        f"/api/v1/dependencies/{dependency.id}/", {"fallbacks": [{"tested_on": "2026-01-05"}]}, format="json"
    )
    assert response.status_code == 400
    fallbacks = _error(response)["fields"]["fallbacks"]
    assert (fallbacks[0] if isinstance(fallbacks, list) else fallbacks["0"])["offering"]
    assert dependency.fallbacks.count() == 0


# --- integers beyond 64 bits in filters -------------------------------------------------------


def test_offering_filter_beyond_64_bits_is_a_400_naming_it(lead_a):
    response = client_for(lead_a).get(f"/api/v1/risks/?offering={TOO_BIG}")
    assert response.status_code == 400
    assert "offering" in _error(response)["fields"]


def _filtersets(kinds=None):
    """Every API list with a filterset, and the filters in it of the given kinds (integers by default)."""
    from django_filters import filters as filter_types
    from django_filters.rest_framework import DjangoFilterBackend

    kinds = kinds or (filter_types.NumberFilter, filter_types.ModelChoiceFilter, filter_types.ModelMultipleChoiceFilter)

    from riskregister.api.urls import router

    found = []
    for prefix, viewset, _basename in router.registry:
        view = viewset()
        view.action, view.request, view.kwargs, view.format_kwarg = "list", None, {}, None
        for backend in view.filter_backends:
            if not issubclass(backend, DjangoFilterBackend):
                continue
            filterset_class = backend().get_filterset_class(view, viewset.queryset)
            if filterset_class is None:
                continue
            for name, declared in filterset_class.base_filters.items():
                if isinstance(declared, kinds):
                    found.append((prefix, name))
    return found


def test_every_integer_filter_of_every_list_refuses_a_number_beyond_64_bits(world, admin):
    client = client_for(admin)
    filters = _filtersets()
    # The lists of the matrix are all here: risks, dependencies, offerings, changes, sources, ...
    assert {("risks", "offering"), ("dependencies", "provider"), ("status-changes", "offering"),
            ("status-sources", "vendor"), ("offerings", "provider")} <= set(filters)
    for prefix, name in filters:
        if "<" in prefix:
            continue  # nested lists take their parent from the path; they are covered below
        for value in (TOO_BIG, f"-{TOO_BIG}"):
            response = client.get(f"/api/v1/{prefix}/", {name: value})
            assert response.status_code == 400, (prefix, name, value, response.status_code)
            assert name in _error(response)["fields"], (prefix, name)


# --- date-times the database cannot hold ------------------------------------------------------


def test_every_date_time_filter_reads_its_value_in_utc_or_names_it(world, admin):
    """An offset of -21:07 is ISO 8601 and Python, but PostgreSQL refuses it: the filter moves it to UTC;
    an instant that leaves the calendar once in UTC is a 400 naming the filter."""
    from django_filters import filters as filter_types

    client = client_for(admin)
    filters = _filtersets((filter_types.DateTimeFilter,))
    assert {("alerts", "created_after"), ("status-changes", "observed_after")} <= set(filters)
    for prefix, name in filters:
        if "<" in prefix:
            continue
        for value in ("0245-03-27T02:28:09.315259-21:07", "9999-12-31T23:00:00+21:07", "2026-12-01T00:00:00-15:30"):
            response = client.get(f"/api/v1/{prefix}/", {name: value})
            assert response.status_code == 200, (prefix, name, value, response.status_code)
        response = client.get(f"/api/v1/{prefix}/", {name: "0001-01-01T00:00:00+21:07"})
        assert response.status_code == 400, (prefix, name, response.status_code)
        assert name in _error(response)["fields"], (prefix, name)


def test_a_date_time_filter_with_a_far_offset_compares_the_same_instant(world, admin):
    from riskregister.alerts.models import Alert

    alerts = list(Alert.objects.order_by("created_at"))
    assert alerts, "the world has alerts"
    first = alerts[0].created_at.astimezone(dt.timezone(-dt.timedelta(hours=21, minutes=7)))
    response = client_for(admin).get("/api/v1/alerts/", {"created_after": first.isoformat(), "page_size": 500})
    assert response.status_code == 200
    assert response.json()["count"] == len(alerts)
    later = (alerts[-1].created_at + dt.timedelta(seconds=1)).astimezone(dt.timezone(dt.timedelta(hours=21)))
    assert client_for(admin).get("/api/v1/alerts/", {"created_after": later.isoformat()}).json()["count"] == 0


def test_an_id_beyond_64_bits_in_a_path_is_a_404(world, admin):
    client = client_for(admin)
    patterns = [str(p.pattern) for p in get_resolver().url_patterns]
    assert any(p.startswith("api/") for p in patterns)
    for path in ("/api/v1/risks/{}/", "/api/v1/dependencies/{}/", "/api/v1/offerings/{}/",
                 "/api/v1/risks/{}/assessments/", "/api/v1/status-changes/{}/"):
        response = client.get(path.format(TOO_BIG))
        assert response.status_code == 404, (path, response.status_code)
