"""The outbound guard (RELIABILITY.md 1-3): refused at save, refused at connect, capped."""

import gzip
import json

import pytest
from django.core.exceptions import ValidationError
from werkzeug import Response

from tests.factories import VendorFactory
from tests.vendors.netpeers import CountingListener, TricklingServer
from vendors import http
from vendors.models import StatusSource

FORBIDDEN_HOSTS = [
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",  # CGNAT
    "100.127.255.254",
    "169.254.169.254",  # cloud metadata
    "100.100.100.200",  # Alibaba metadata
    "0.0.0.0",
    "224.0.0.1",  # multicast
    "239.255.255.250",
    "255.255.255.255",
    "[::1]",
    "[::]",
    "[fd00:ec2::254]",  # AWS metadata over IPv6
    "[fe80::1]",
    "[fc00::1]",
    "[::ffff:127.0.0.1]",  # IPv4-mapped
    "[::ffff:7f00:1]",
    "[::ffff:8.8.8.8]",  # mapped forms are refused whatever they map to
    "[::ffff:0:7f00:1]",  # IPv4-translated (RFC 2765) 127.0.0.1, which Python 3.11 calls global
    "[::ffff:0:a9fe:a9fe]",  # IPv4-translated 169.254.169.254
    "[::127.0.0.1]",  # IPv4-compatible
    "[64:ff9b::7f00:1]",  # NAT64
    "[64:ff9b::a9fe:a9fe]",
    "[2002:7f00:1::1]",  # 6to4
    "[2002:a9fe:a9fe::]",
    "[ff02::1]",  # multicast
    "2130706433",  # integer spelling of 127.0.0.1
    "0177.0.0.1",  # octal
    "0x7f.0.0.1",  # hex
    "0x7f000001",
    "017700000001",
    "127.1",  # short form
    "0xa9fea9fe",  # 169.254.169.254
    "2852039166",
]


def source(url, **fields):
    return StatusSource(name="s", kind="statuspage", url=url, config={"components": {}}, interval=60, **fields)


@pytest.fixture
def no_private_hosts(settings):
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = []


@pytest.fixture
def listener():
    peer = CountingListener()
    yield peer
    peer.close()


@pytest.mark.django_db
@pytest.mark.parametrize("host", FORBIDDEN_HOSTS)
def test_forbidden_address_is_refused_when_saved(host, no_private_hosts):
    with pytest.raises(ValidationError) as error:
        source(f"http://{host}/api/v2/summary.json").full_clean()
    assert "url" in error.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://example.com/", "http://user:pw@example.com/"])
def test_other_schemes_and_credentials_in_urls_are_refused(url):
    with pytest.raises(ValidationError) as error:
        source(url).full_clean()
    assert "url" in error.value.message_dict


@pytest.mark.django_db
def test_name_resolving_to_private_address_is_refused_when_saved(monkeypatch, no_private_hosts):
    monkeypatch.setattr(http, "resolve_host", lambda host, port: ["93.184.216.34", "10.1.2.3"])
    with pytest.raises(ValidationError):
        source("https://status.example.com/api/v2/summary.json").full_clean()


@pytest.mark.django_db
def test_public_name_and_listed_private_host_are_accepted(monkeypatch, no_private_hosts, settings):
    monkeypatch.setattr(http, "resolve_host", lambda host, port: ["93.184.216.34"])
    source("https://status.example.com/api/v2/summary.json").full_clean()
    settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS = ["127.0.0.1:8025"]
    source("http://127.0.0.1:8025/x").full_clean()
    with pytest.raises(ValidationError):
        source("http://127.0.0.1:8026/x").full_clean()  # host:port entries allow that port only


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "2130706433", "0x7f.1", "0177.0.0.1", "[::ffff:127.0.0.1]", "[::ffff:0:7f00:1]", "localhost"]
)
def test_forbidden_address_is_refused_at_connect_and_the_listener_sees_nothing(host, listener, no_private_hosts):
    with pytest.raises(http.ForbiddenAddress):
        http.fetch(f"http://{host}:{listener.port}/")
    assert listener.connections == 0


@pytest.mark.django_db
def test_name_that_rebinds_to_an_ipv4_translated_address_is_refused_at_fetch(listener, monkeypatch):
    answers = iter([["93.184.216.34"], ["::ffff:0:7f00:1"]])
    monkeypatch.setattr(http, "resolve_host", lambda host, port: next(answers))
    url = f"http://translated.example.com:{listener.port}/api/v2/summary.json"
    source(url).full_clean()
    with pytest.raises(http.ForbiddenAddress, match="::ffff:0:0:0/96"):
        http.fetch(url)
    assert listener.connections == 0


@pytest.mark.django_db
def test_name_that_rebinds_to_loopback_after_save_is_refused_at_fetch(listener, monkeypatch):
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    monkeypatch.setattr(http, "resolve_host", lambda host, port: next(answers))
    url = f"http://rebind.example.com:{listener.port}/api/v2/summary.json"
    source(url).full_clean()  # public at save
    # 127.0.0.1 is an allowed host in these tests, but only when the URL names it, not via a name.
    with pytest.raises(http.ForbiddenAddress, match="resolves to 127.0.0.1"):
        http.fetch(url)
    assert listener.connections == 0


def test_redirect_to_forbidden_address_is_refused(httpserver, listener):
    httpserver.expect_request("/moved").respond_with_data(
        "", status=302, headers={"Location": f"http://localhost:{listener.port}/latest/meta-data/"}
    )
    httpserver.expect_request("/metadata").respond_with_data(
        "", status=301, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    with pytest.raises(http.ForbiddenAddress):
        http.fetch(httpserver.url_for("/moved"))
    with pytest.raises(http.ForbiddenAddress):
        http.fetch(httpserver.url_for("/metadata"))
    assert listener.connections == 0


def test_at_most_three_redirects_are_followed(httpserver):
    for hop in range(3):
        httpserver.expect_request(f"/hop{hop}").respond_with_data("", status=302, headers={"Location": f"/hop{hop + 1}"})
    httpserver.expect_request("/hop3").respond_with_data("{}")
    assert http.fetch(httpserver.url_for("/hop0")).body == b"{}"
    httpserver.clear()
    for hop in range(5):
        httpserver.expect_request(f"/hop{hop}").respond_with_data("", status=302, headers={"Location": f"/hop{hop + 1}"})
    with pytest.raises(http.OutboundError, match="redirects"):
        http.fetch(httpserver.url_for("/hop0"))


def test_credentials_are_not_sent_to_another_host_on_redirect(httpserver):
    seen = []

    def record(request):
        seen.append(request.headers.get("x-api-key"))
        return Response("{}")

    httpserver.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/same").replace("127.0.0.1", "127.0.0.1")}
    )
    httpserver.expect_request("/same").respond_with_handler(record)
    http.fetch(httpserver.url_for("/start"), headers={"x-api-key": "secret"})
    assert seen == ["secret"]  # same origin keeps it
    httpserver.clear()
    httpserver.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/other").replace("127.0.0.1", "[::ffff:127.0.0.1]")}
    )
    with pytest.raises(http.ForbiddenAddress):
        http.fetch(httpserver.url_for("/start"), headers={"x-api-key": "secret"})


def test_body_over_the_cap_is_refused(httpserver, settings):
    settings.OUTBOUND_MAX_BYTES = 64 * 1024
    httpserver.expect_request("/huge").respond_with_data(b"x" * (settings.OUTBOUND_MAX_BYTES + 1))
    with pytest.raises(http.ResponseTooLarge):
        http.fetch(httpserver.url_for("/huge"))


def test_chunked_body_without_length_over_the_cap_is_refused(httpserver, settings):
    settings.OUTBOUND_MAX_BYTES = 64 * 1024

    def stream(request):
        return Response((b"y" * 8192 for _ in range(40)), direct_passthrough=True)

    httpserver.expect_request("/chunked").respond_with_handler(stream)
    with pytest.raises(http.ResponseTooLarge):
        http.fetch(httpserver.url_for("/chunked"))


def test_gzip_bomb_is_cut_off_at_the_cap_once_decoded(httpserver):
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # 64 MiB inflated, ~64 KiB on the wire
    assert len(bomb) < 200_000
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"},
                                                         content_type="application/json")
    with pytest.raises(http.ResponseTooLarge):
        http.fetch(httpserver.url_for("/bomb"))


def test_gzip_body_under_the_cap_is_decoded(httpserver):
    payload = json.dumps({"ok": True}).encode()
    httpserver.expect_request("/small").respond_with_data(gzip.compress(payload), headers={"Content-Encoding": "gzip"})
    assert http.fetch(httpserver.url_for("/small")).body == payload


@pytest.mark.parametrize("part", ["body", "headers"])
def test_trickling_server_is_cut_off_by_the_total_deadline(part, settings):
    settings.OUTBOUND_TOTAL_TIMEOUT = 1.0
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n"
    server = TricklingServer(head=head, delay=0.05, trickle_head=part == "headers")
    try:
        with pytest.raises(http.FetchTimeout):
            http.fetch(f"http://127.0.0.1:{server.port}/")
    finally:
        server.close()


def test_etag_and_last_modified_are_sent_and_304_is_not_modified(httpserver):
    def conditional(request):
        if request.headers.get("If-None-Match") == '"v1"' and request.headers.get("If-Modified-Since"):
            return Response(status=304)
        return Response("{}", headers={"ETag": '"v1"', "Last-Modified": "Fri, 27 Nov 2026 10:00:00 GMT"})

    httpserver.expect_request("/s").respond_with_handler(conditional)
    first = http.fetch(httpserver.url_for("/s"))
    assert first.etag == '"v1"' and not first.not_modified
    second = http.fetch(httpserver.url_for("/s"), etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified and second.body == b""


@pytest.mark.django_db
def test_source_url_validation_runs_through_the_admin_form(admin_client, no_private_hosts):
    vendor = VendorFactory()
    response = admin_client.post(
        "/admin/vendors/statussource/add/",
        {"name": "metadata", "kind": "statuspage", "url": "http://169.254.169.254/latest", "vendor": vendor.id,
         "interval": 60, "enabled": "on", "config": '{"components": {}}', "state": "{}"},
    )
    assert response.status_code == 200
    assert not StatusSource.objects.exists()
    assert b"169.254.169.254" in response.content


def test_blocking_fetch_works_from_inside_an_event_loop(httpserver):
    import asyncio

    httpserver.expect_request("/x").respond_with_data('{"ok": true}')

    async def caller():
        return http.fetch(httpserver.url_for("/x"))

    assert asyncio.run(caller()).body == b'{"ok": true}'


def test_unsupported_content_encoding_is_an_outbound_error(httpserver):
    httpserver.expect_request("/br").respond_with_data(b"\x00\x01", headers={"Content-Encoding": "br"})
    with pytest.raises(http.OutboundError, match="Unsupported content encoding"):
        http.fetch(httpserver.url_for("/br"))
