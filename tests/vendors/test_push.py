"""Pushed updates (vendors/push.py, riskregister/core/hooks.py) and hot sources (vendors/checks.py).

A status page on loopback serves its summary and POSTs its webhook to the register; a push only
makes its source due, the sweep does the check.
"""

import datetime as dt
import json
import threading

import httpx
import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from werkzeug import Response

from tests.factories import AIModelFactory, OfferingFactory, VendorFactory
from tests.vendors import payloads
from tests.vendors.helpers import ChangingAnswer, make_source
from vendors import checks, push, services
from vendors.models import PushOutcome, StatusChange, StatusSource

pytestmark = pytest.mark.django_db


@pytest.fixture
def offering():
    return OfferingFactory(model=AIModelFactory(provider=VendorFactory(slug="anthropic")), status="operational")


@pytest.fixture
def page(httpserver):
    return ChangingAnswer(httpserver, "/api/v2/summary.json", payloads.statuspage_summary())


@pytest.fixture
def source(page, offering):
    """A calm source, checked once, with its next check far away; and its push URL's path."""
    source = make_source("statuspage", page.url, vendor=offering.distributor,
                         config={"components": {"Claude API": [offering.id]}}, interval=300)
    services.sweep()
    last_check_long_ago(source)
    source.refresh_from_db()
    assert source.next_check_at > timezone.now() + dt.timedelta(seconds=200)
    source.push_path = push.push_url_rotate(source=source).removeprefix("http://127.0.0.1:8000")
    return source


def last_check_long_ago(source):
    """Past the push rate limit of the check just made (CHECKS_PUSH_MIN_INTERVAL)."""
    StatusSource.objects.filter(id=source.id).update(push_not_before=timezone.now() - dt.timedelta(seconds=1))


def component_update(status="major_outage") -> dict:
    """The body Statuspage POSTs on a component change (FORMATS.md, "Pushed updates")."""
    return {
        "meta": {"unsubscribe": "https://status.example.com/unsubscribe", "documentation": "https://help",
                 "generated_at": "2026-12-01T10:00:00Z"},
        "page": {"id": "pg1", "status_indicator": "major", "status_description": "Partial System Outage"},
        "component_update": {"id": "cu1", "component_id": "c2", "old_status": "operational", "new_status": status,
                             "created_at": "2026-12-01T10:00:00Z"},
        "component": {"id": "c2", "name": "Claude API", "status": status, "created_at": "2025-01-01T00:00:00Z"},
    }


def post(client, path, body, **extra):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", **extra)


def due_now(source) -> bool:
    source.refresh_from_db()
    return source.next_check_at <= timezone.now()


@pytest.mark.django_db(transaction=True)
def test_a_status_page_pushing_its_webhook_gets_its_source_checked(httpserver, offering, live_server):
    page = ChangingAnswer(httpserver, "/api/v2/summary.json", payloads.statuspage_summary())
    source = make_source("statuspage", page.url, vendor=offering.distributor,
                         config={"components": {"Claude API": [offering.id]}}, interval=300)
    services.sweep()
    last_check_long_ago(source)
    url = push.push_url_rotate(source=source).replace("http://127.0.0.1:8000", live_server.url)
    # The status page flips a component and POSTs its webhook, as Statuspage does.
    page.body = payloads.statuspage_summary({"Claude API": "major_outage"})
    answers = []
    sender = threading.Thread(target=lambda: answers.append(httpx.post(url, json=component_update(), timeout=10)))
    sender.start()
    sender.join()
    assert answers[0].status_code == 202
    assert due_now(source) and source.push_count == 1 and source.last_push_outcome == PushOutcome.SCHEDULED
    result = services.sweep()
    assert result.checked == 1 and result.changed == 1
    offering.refresh_from_db()
    assert offering.status == "major_outage"
    assert len(page.requests) == 2  # the first check, and the one the push asked for


def test_the_url_answers_with_and_without_the_trailing_slash(source):
    assert post(Client(), source.push_path, component_update()).status_code == 202
    assert post(Client(), source.push_path.rstrip("/"), component_update()).status_code == 202


def test_a_push_needs_no_session_and_no_csrf_token(source):
    client = Client(enforce_csrf_checks=True)
    response = post(client, source.push_path, component_update())
    assert response.status_code == 202 and "sessionid" not in response.cookies and "csrftoken" not in response.cookies


@pytest.mark.parametrize("kind", ["wrong token", "unknown source", "revoked", "malformed uuid"])
def test_a_wrong_token_is_a_404_before_anything_else(source, admin, kind):
    token_path = source.push_path.rstrip("/").rsplit("/", 1)
    if kind == "wrong token":
        path = f"{token_path[0]}/{'x' * 43}/"
    elif kind == "unknown source":
        path = source.push_path.replace(str(source.uuid), "00000000-0000-0000-0000-000000000000")
    elif kind == "revoked":
        push.push_url_revoke(source=source)
        path = source.push_path
    else:
        path = source.push_path.replace(str(source.uuid), "-" * 36)
    # Checked before the source's state, the method and the body: a disabled source, a GET, an
    # oversize body all answer 404 too, and a signed-in admin is no one special here.
    StatusSource.objects.filter(id=source.id).update(enabled=False)
    client = Client()
    client.force_login(admin)
    for response in (post(client, path, component_update()), client.get(path), post(client, path, b"x" * 10**6)):
        assert response.status_code == 404
    source.refresh_from_db()
    assert source.push_count == 0 and source.last_push_at is None


def test_a_disabled_source_is_410_so_the_page_unsubscribes(source):
    StatusSource.objects.filter(id=source.id).update(enabled=False)
    assert post(Client(), source.push_path, component_update()).status_code == 410
    source.refresh_from_db()
    assert source.push_count == 0


@pytest.mark.parametrize("body, status, field", [
    (b"not json", 400, "body"),
    (b"\xff\xfe\x00", 400, "body"),
    (b"[1, 2]", 400, "body"),
    (b'"a string"', 400, "body"),
    (b"", 400, "body"),
    (b"{" + b'"a": 1,' * 50_000 + b'"z": 0}', 413, "body"),
])
def test_a_bad_body_is_a_client_error_naming_it_and_causes_no_check(source, settings, body, status, field):
    response = post(Client(), source.push_path, body)
    assert response.status_code == status and response.json()["field"] == field
    assert not due_now(source) and source.push_count == 0


def test_any_json_object_is_accepted_whatever_its_shape(source):
    """incident.io and Better Stack bodies, an empty object: a push is a nudge, never the truth."""
    incident_io = {"event_type": "incident.updated", "incident": {"id": "01H", "status": "identified"}}
    better_stack = {"data": {"id": "1", "type": "status_update", "attributes": {"status": "downtime"}}}
    for body in (incident_io, better_stack, {}):
        assert post(Client(), source.push_path, body).status_code == 202
    source.refresh_from_db()
    assert source.push_count == 3 and not StatusChange.objects.filter(source=source).exists()


def test_a_thousand_pushes_are_one_check_and_never_an_error(source, page):
    client = Client()
    statuses = {post(client, source.push_path, component_update()).status_code for _ in range(1000)}
    assert statuses == {202}
    source.refresh_from_db()
    assert source.push_count == 1000 and source.last_push_outcome == PushOutcome.COALESCED
    assert services.sweep().checked == 1
    assert services.sweep().checked == 0
    assert len(page.requests) == 2


@pytest.mark.django_db(transaction=True)
def test_pushes_during_a_check_are_exactly_one_more_check(httpserver, offering, settings):
    settings.CHECKS_PUSH_MIN_INTERVAL = 0  # no rate limit, so the extra check is due at once
    pushes = []

    def page_that_pushes_while_it_is_read(request):
        if len(pushes) < 3:  # the first check: three webhooks arrive while it runs
            pushes.extend(post(Client(), source.push_path, component_update()).status_code for _ in range(3))
        return Response(payloads.statuspage_summary(), content_type="application/json")

    httpserver.expect_request("/s").respond_with_handler(page_that_pushes_while_it_is_read)
    source = make_source("statuspage", httpserver.url_for("/s"), vendor=offering.distributor,
                         config={"components": {"Claude API": [offering.id]}}, interval=300)
    source.push_path = push.push_url_rotate(source=source).removeprefix("http://127.0.0.1:8000")
    assert services.sweep().checked == 1
    assert pushes == [202, 202, 202]
    source.refresh_from_db()
    assert source.last_push_outcome == PushOutcome.AFTER_CHECK and not source.push_pending
    assert source.check_claimed_at is None and due_now(source)
    assert services.sweep().checked == 1  # the one more check
    assert services.sweep().checked == 0
    source.refresh_from_db()
    assert source.next_check_at > timezone.now() + dt.timedelta(seconds=200)


def test_a_push_right_after_a_check_waits_for_the_rate_limit(source, settings):
    settings.CHECKS_PUSH_MIN_INTERVAL = 60
    StatusSource.objects.filter(id=source.id).update(next_check_at=None)
    services.sweep()
    assert post(Client(), source.push_path, component_update()).status_code == 202
    source.refresh_from_db()
    assert source.last_push_outcome == PushOutcome.DEFERRED
    assert source.next_check_at == source.push_not_before > timezone.now()
    assert source.push_not_before - source.last_checked_at <= dt.timedelta(seconds=60)


def test_a_dead_workers_claim_does_not_swallow_a_push(source):
    StatusSource.objects.filter(id=source.id).update(check_claimed_at=timezone.now() - dt.timedelta(hours=1))
    post(Client(), source.push_path, component_update())
    assert due_now(source) and source.last_push_outcome == PushOutcome.SCHEDULED


def test_push_url_api_shows_the_url_once_rotates_and_revokes(source, admin):
    api = APIClient()
    api.force_authenticate(admin)
    endpoint = f"/api/v1/status-sources/{source.id}/push-url/"
    first = api.post(endpoint).json()["url"]
    second = api.post(endpoint).json()["url"]
    assert first != second and second.startswith(f"http://127.0.0.1:8000/hooks/sources/{source.uuid}/")
    source.refresh_from_db()
    token = second.rstrip("/").rsplit("/", 1)[1]
    assert token not in json.dumps(api.get(f"/api/v1/status-sources/{source.id}/").json())
    assert source.push_token_hash == push.token_hash(token) and token not in source.push_token_hash
    assert api.get(f"/api/v1/status-sources/{source.id}/").json()["has_push_url"] is True
    path = lambda url: url.removeprefix("http://127.0.0.1:8000")  # noqa: E731
    assert post(Client(), path(first), {}).status_code == 404
    assert post(Client(), path(second), {}).status_code == 202
    assert api.delete(endpoint).status_code == 204
    assert post(Client(), path(second), {}).status_code == 404


# --- hot sources ----------------------------------------------------------------------------


def seconds_to_next_check(source) -> float:
    source.refresh_from_db()
    return (source.next_check_at - source.last_checked_at).total_seconds()


def test_a_hot_source_is_checked_every_hot_interval_until_calm(page, offering, settings):
    settings.CHECKS_HOT_INTERVAL = 30
    source = make_source("statuspage", page.url, vendor=offering.distributor,
                         config={"components": {"Claude API": [offering.id]}}, interval=600)
    services.sweep()
    assert seconds_to_next_check(source) == 600 and not source.troubled

    page.body = payloads.statuspage_summary({"Claude API": "major_outage"})
    services.sweep(source_ids=[source.id], force=True)
    assert seconds_to_next_check(source) == 30 and source.troubled

    # Still down, nothing new: hot because the component is not operational.
    services.sweep(source_ids=[source.id], force=True)
    assert seconds_to_next_check(source) == 30 and source.troubled

    # Recovered: the check that saw the change is still hot, the calm one after it is not.
    page.body = payloads.statuspage_summary()
    services.sweep(source_ids=[source.id], force=True)
    assert seconds_to_next_check(source) == 30 and not source.troubled
    services.sweep(source_ids=[source.id], force=True)
    assert seconds_to_next_check(source) == 600


def test_an_open_incident_on_an_unmapped_component_keeps_the_source_hot(page, offering, settings):
    settings.CHECKS_HOT_INTERVAL = 45
    page.body = payloads.statuspage_summary(
        {"claude.ai": "degraded"}, incidents=[payloads.statuspage_incident("i1", "claude.ai slow", components=["claude.ai"])])
    source = make_source("statuspage", page.url, vendor=offering.distributor,
                         config={"components": {"Claude API": [offering.id]}}, interval=600)
    services.sweep()
    services.sweep(source_ids=[source.id], force=True)
    assert seconds_to_next_check(source) == 45 and source.troubled
    # An unmapped component alone, without the incident, is not the register's trouble.
    page.body = payloads.statuspage_summary({"claude.ai": "degraded"})
    services.sweep(source_ids=[source.id], force=True)
    services.sweep(source_ids=[source.id], force=True)
    assert seconds_to_next_check(source) == 600


def test_a_failing_hot_source_backs_off_as_before(page, offering, settings):
    settings.CHECKS_HOT_INTERVAL = 30
    page.body = payloads.statuspage_summary({"Claude API": "major_outage"})
    source = make_source("statuspage", page.url, vendor=offering.distributor,
                         config={"components": {"Claude API": [offering.id]}}, interval=60)
    services.sweep()
    page.status = 500
    for failures in (1, 2, 3):
        services.sweep(source_ids=[source.id], force=True)
        assert seconds_to_next_check(source) == checks.backoff_seconds(interval=60, failures=failures)


def test_an_idle_sweep_tick_is_one_query(source, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert services.sweep().checked == 0


def test_admin_action_shows_the_push_url_once_and_revokes_it(source, admin):
    client = Client()
    client.force_login(admin)
    changelist = "/admin/vendors/statussource/"
    response = client.post(changelist, {"action": "rotate_push_url", "_selected_action": [source.id]}, follow=True)
    shown = [str(m) for m in response.context["messages"] if "/hooks/sources/" in str(m)]
    assert len(shown) == 1
    url = shown[0].split(": ", 1)[1]
    assert post(Client(), url.removeprefix("http://127.0.0.1:8000"), {}).status_code == 202
    assert url.rsplit("/", 2)[1] not in client.get(f"{changelist}{source.id}/change/").content.decode()
    client.post(changelist, {"action": "revoke_push_url", "_selected_action": [source.id]})
    assert post(Client(), url.removeprefix("http://127.0.0.1:8000"), {}).status_code == 404
