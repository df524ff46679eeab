"""The sweep: every kind of bad answer fails its own source only; due-ness, backoff, claims."""

import gzip
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from werkzeug import Response

from tests.factories import AIModelFactory, OfferingFactory, VendorFactory
from tests.vendors import payloads
from tests.vendors.helpers import ChangingAnswer, make_source
from tests.vendors.netpeers import TricklingServer
from vendors import checks, services
from vendors.models import StatusChange, StatusSource
from vendors.sources.statuspage import StatuspageKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def offering():
    return OfferingFactory(model=AIModelFactory(provider=VendorFactory(slug="anthropic")), status="operational")


def statuspage(url, offering, **fields):
    return make_source("statuspage", url, vendor=offering.distributor,
                       config={"components": {"Claude API": [offering.id]}}, **fields)


@pytest.fixture
def trickler():
    server = TricklingServer(head=b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", delay=0.05, trickle_head=False)
    yield server
    server.close()


def test_every_bad_answer_fails_its_source_and_the_others_go_on(httpserver, offering, trickler, settings):
    settings.OUTBOUND_TOTAL_TIMEOUT = 1.5
    settings.OUTBOUND_MAX_BYTES = 256 * 1024
    outage = payloads.statuspage_summary({"Claude API": "major_outage"})
    httpserver.expect_request("/good").respond_with_data(outage, content_type="application/json")
    httpserver.expect_request("/500").respond_with_data("oops", status=500)
    httpserver.expect_request("/garbage").respond_with_data("<html>teapot</html>", content_type="text/html")
    httpserver.expect_request("/huge").respond_with_data(b"[" + b"0," * 200_000 + b"0]")
    httpserver.expect_request("/bomb").respond_with_data(gzip.compress(b" " * (50 * 1024 * 1024)),
                                                         headers={"Content-Encoding": "gzip"})
    httpserver.expect_request("/xml").respond_with_data(payloads.BILLION_LAUGHS, content_type="application/rss+xml")
    httpserver.expect_request("/redirect").respond_with_data(
        "", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/iam/"})
    good = statuspage(httpserver.url_for("/good"), offering, name="good")
    bad = {
        "500": statuspage(httpserver.url_for("/500"), offering, name="500"),
        "garbage": statuspage(httpserver.url_for("/garbage"), offering, name="garbage"),
        "huge": statuspage(httpserver.url_for("/huge"), offering, name="huge"),
        "bomb": statuspage(httpserver.url_for("/bomb"), offering, name="bomb"),
        "xml": make_source("feed", httpserver.url_for("/xml"), vendor=offering.distributor, name="xml"),
        "redirect": statuspage(httpserver.url_for("/redirect"), offering, name="redirect"),
        "timeout": statuspage(f"http://127.0.0.1:{trickler.port}/", offering, name="timeout"),
        "refused": statuspage("http://127.0.0.1:9/", offering, name="refused"),
    }
    result = services.sweep()
    assert (result.checked, result.changed, result.failed) == (9, 1, 8)
    by_name = {r.source_name: r for r in result.results}
    assert by_name["good"].ok and by_name["good"].changes == 1
    expected = {
        "500": "HTTP 500", "garbage": "not JSON", "huge": "larger than", "bomb": "larger than",
        "xml": "hostile XML", "redirect": "169.254.169.254", "timeout": "No complete answer", "refused": "ConnectError",
    }
    for name, source in bad.items():
        source.refresh_from_db()
        assert expected[name] in source.last_error, (name, source.last_error)
        assert source.consecutive_failures == 1 and not source.is_healthy
        assert source.next_check_at > timezone.now() + timezone.timedelta(seconds=50)
    good.refresh_from_db()
    assert good.is_healthy and good.last_error == ""
    offering.refresh_from_db()
    assert offering.status == "major_outage"
    assert StatusChange.objects.count() == 1


def test_failing_source_backs_off_exponentially_up_to_the_cap_and_recovers(httpserver, offering, settings):
    settings.CHECKS_MAX_BACKOFF_SECONDS = 600
    answer = ChangingAnswer(httpserver, "/s", b"{}")
    answer.status = 503
    source = statuspage(answer.url, offering, interval=60)
    waits = []
    for _ in range(5):
        before = timezone.now()
        services.sweep(source_ids=[source.id], force=True)
        source.refresh_from_db()
        waits.append(round((source.next_check_at - before).total_seconds() / 60))
    assert waits == [1, 2, 4, 8, 10]
    assert source.consecutive_failures == 5 and "HTTP 503" in source.last_error
    answer.status = 200
    answer.body = payloads.statuspage_summary()
    services.sweep(source_ids=[source.id], force=True)
    source.refresh_from_db()
    assert source.consecutive_failures == 0 and source.last_error == "" and source.is_healthy


def test_only_due_enabled_sources_are_checked_and_a_claim_is_taken_once(httpserver, offering):
    answer = ChangingAnswer(httpserver, "/s", payloads.statuspage_summary())
    due = statuspage(answer.url, offering, name="due")
    statuspage(answer.url, offering, name="later", next_check_at=timezone.now() + timezone.timedelta(minutes=5))
    statuspage(answer.url, offering, name="off", enabled=False)
    claimed = checks.select_due_sources()
    assert [s.name for s in claimed] == ["due"]
    assert checks.select_due_sources() == []  # an overlapping sweep finds it claimed
    StatusSource.objects.filter(id=due.id).update(next_check_at=None)
    result = services.sweep()
    assert [r.source_name for r in result.results] == ["due"]
    due.refresh_from_db()
    assert 55 <= (due.next_check_at - due.last_checked_at).total_seconds() <= 60
    assert services.sweep().checked == 0


def test_unchanged_sources_cost_a_304_and_constant_queries(httpserver, offering, django_assert_num_queries):
    def conditional(request):
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(payloads.statuspage_summary(), headers={"ETag": '"v1"'}, content_type="application/json")

    httpserver.expect_request("/s").respond_with_handler(conditional)
    sources = [statuspage(httpserver.url_for("/s"), offering, name=f"s{i}") for i in range(10)]
    services.sweep()
    StatusSource.objects.update(next_check_at=None)
    # Whether anything is due, the claim (savepoint, select, update, release), then one update per
    # source in its own savepoint.
    with django_assert_num_queries(5 + 3 * len(sources)):
        result = services.sweep()
    assert all(r.ok and r.not_modified for r in result.results)


def test_an_adapter_bug_fails_that_source_and_rolls_its_changes_back(httpserver, offering, monkeypatch):
    answer = ChangingAnswer(httpserver, "/s", payloads.statuspage_summary({"Claude API": "major_outage"}))
    source = statuspage(answer.url, offering)
    original = StatuspageKind.record

    def record_then_crash(self, summary, context):
        original(self, summary, context)
        raise RuntimeError("adapter bug")

    monkeypatch.setattr(StatuspageKind, "record", record_then_crash)
    (result,) = services.sweep().results
    assert not result.ok and "RuntimeError: adapter bug" in result.error
    offering.refresh_from_db()
    assert offering.status == "operational" and not StatusChange.objects.exists()
    source.refresh_from_db()
    assert source.consecutive_failures == 1 and source.state == {}


def test_run_checks_prints_a_line_per_source_and_a_summary(httpserver, offering):
    answer = ChangingAnswer(httpserver, "/s", payloads.statuspage_summary({"Claude API": "partial_outage"}))
    good = statuspage(answer.url, offering, name="Anthropic status")
    broken = statuspage(httpserver.url_for("/missing"), offering, name="Broken")
    out = io.StringIO()
    call_command("run_checks", stdout=out)
    lines = out.getvalue().splitlines()
    assert f"{good.id:>5} Anthropic status: ok, 1 change" in lines
    assert any(line.startswith(f"{broken.id:>5} Broken: FAILED HTTP 500") for line in lines)
    assert lines[-1] == "checked 2, changed 1, failed 1"

    out = io.StringIO()
    call_command("run_checks", stdout=out)  # nothing is due any more
    assert out.getvalue().splitlines() == ["checked 0, changed 0, failed 0"]
    out = io.StringIO()
    call_command("run_checks", "--all", stdout=out)
    assert out.getvalue().splitlines()[-1] == "checked 2, changed 0, failed 1"
    out = io.StringIO()
    call_command("run_checks", "--source", str(good.id), stdout=out)
    assert out.getvalue().splitlines()[-1] == "checked 1, changed 0, failed 0"


def test_run_checks_refuses_an_unknown_source_id(offering):
    with pytest.raises(CommandError, match="No status source with id 424242"):
        call_command("run_checks", "--source", "424242")


def test_admin_lists_source_health(admin_client, httpserver, offering):
    answer = ChangingAnswer(httpserver, "/s", b"nope")
    source = statuspage(answer.url, offering, name="Flaky page")
    services.sweep()
    response = admin_client.get("/admin/vendors/statussource/")
    assert response.status_code == 200
    assert b"Flaky page" in response.content and b"not JSON" in response.content
    response = admin_client.get(f"/admin/vendors/statussource/{source.id}/change/")
    assert response.status_code == 200 and b"not JSON" in response.content


def test_a_sweep_takes_the_most_overdue_sources_up_to_its_limit(httpserver, offering, settings):
    settings.CHECKS_SWEEP_MAX_SOURCES = 2
    answer = ChangingAnswer(httpserver, "/s", payloads.statuspage_summary())
    now = timezone.now()
    recent = statuspage(answer.url, offering, name="recent", next_check_at=now - timezone.timedelta(minutes=1))
    never = statuspage(answer.url, offering, name="never")
    oldest = statuspage(answer.url, offering, name="oldest", next_check_at=now - timezone.timedelta(hours=1))
    assert [s.name for s in checks.select_due_sources()] == ["never", "oldest"]
    assert [s.name for s in checks.select_due_sources()] == ["recent"]
    assert {never.id, oldest.id, recent.id} == set(StatusSource.objects.values_list("id", flat=True))


def test_a_sweep_out_of_time_leaves_the_rest_due_for_the_next_one(offering, settings):
    settings.OUTBOUND_TOTAL_TIMEOUT = 1.0
    server = TricklingServer(head=b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", delay=0.05, trickle_head=False)
    try:
        sources = [statuspage(f"http://127.0.0.1:{server.port}/", offering, name=f"slow {i}") for i in range(4)]
        claimed = checks.select_due_sources()
        results = checks.run_checks(claimed, concurrency=2, max_seconds=0.5)
    finally:
        server.close()
    assert len(results) == 2 and all("No complete answer" in r.error for r in results)
    left = StatusSource.objects.filter(consecutive_failures=0)
    assert left.count() == 2 and all(s.next_check_at <= timezone.now() for s in left)
    assert {s.id for s in checks.select_due_sources()} == {s.id for s in left}
    assert len(sources) == 4
