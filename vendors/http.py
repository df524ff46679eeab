"""The only outbound HTTP client of the project.

Status sources are URLs that people type in, so every request is treated as hostile in both
directions:

- only http and https, only globally routable addresses (see `forbidden_reason`), unless the host
  (or host:port) is listed in OUTBOUND_ALLOWED_PRIVATE_HOSTS;
- the address is checked when a URL is saved (`validate_outbound_url`, run by the model's
  validation) and again at connect time by `GuardedBackend`, which resolves the name itself and
  connects only to an address it has checked, so redirects (at most three, each re-checked) and
  DNS rebinding are covered;
- connect and read timeouts plus a total deadline (a server trickling one byte a second is cut off);
- a cap on the *decoded* body, decompressing ourselves with a bounded output so that a gzip bomb
  never grows past the cap in memory;
- ETag / If-Modified-Since so that an unchanged source costs a 304.

`afetch` is the implementation (the sweep runs many at once on one event loop); `fetch` is its
blocking wrapper for one-off callers.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import certifi
import httpcore
import httpx
from django.conf import settings
from django.core.exceptions import ValidationError

MAX_REDIRECTS = 3
USER_AGENT = "ai-risk-register-checks/1.0 (+status monitoring)"


class OutboundError(Exception):
    """A request the checks could not complete; its message is shown as the source's last error."""


class ForbiddenAddress(OutboundError):
    pass


class ResponseTooLarge(OutboundError):
    pass


class FetchTimeout(OutboundError):
    pass


@dataclass
class FetchResult:
    url: str  # the final URL, after redirects
    status_code: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str = ""
    last_modified: str = ""
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status_code == 304


# --- address rules --------------------------------------------------------------------------

# `is_global` already refuses loopback, RFC 1918, link-local, unique-local and documentation ranges;
# these are listed as well because they are either global by the registry's definition (CGNAT is
# "shared" but some Python versions disagree, metadata services sit inside link-local or ULA) or
# because they tunnel to an IPv4 address that must itself be checked (mapped, translated, NAT64, 6to4,
# Teredo).
_FORBIDDEN_NETWORKS = [
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",  # CGNAT
        "100.100.100.200/32",  # Alibaba Cloud metadata
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, incl. 169.254.169.254 (AWS/GCP/Azure metadata)
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",
        "255.255.255.255/32",
        "::/128",
        "::1/128",
        "::/96",  # IPv4-compatible (deprecated)
        "::ffff:0:0/96",  # IPv4-mapped
        "::ffff:0:0:0/96",  # IPv4-translated (RFC 2765, SIIT); Python 3.11 calls these global
        "64:ff9b::/96",  # NAT64
        "64:ff9b:1::/48",  # local-use NAT64
        "2001::/32",  # Teredo
        "2002::/16",  # 6to4
        "fc00::/7",  # unique local, incl. fd00:ec2::254 (AWS metadata over IPv6)
        "fe80::/10",
        "ff00::/8",  # multicast
    )
]


def forbidden_reason(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why the checks may not connect to `address`, or "" when they may."""
    for network in _FORBIDDEN_NETWORKS:
        if address.version == network.version and address in network:
            return f"{address} is in the reserved range {network}"
    if address.is_multicast:
        return f"{address} is a multicast address"
    if not address.is_global:
        return f"{address} is not a globally routable address"
    return ""


def _numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address of an integer, octal or hex spelling such as 2130706433, 0177.0.0.1 or 0x7f.1.

    Browsers and libc accept these; the checks refuse them even when they spell a public address,
    because nothing legitimate needs them and they exist to slip past filters.
    """
    if not host or not all(ch in "0123456789abcdefxABCDEFX." for ch in host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def _allowed_private(host: str, port: int, allowed: Iterable[str] | None = None) -> bool:
    """Whether the allow-list (OUTBOUND_ALLOWED_PRIVATE_HOSTS unless the caller names its own, as the
    alert channels do) lists the host as written in the URL (not what it resolves to: a listed
    127.0.0.1 does not let another name point there)."""
    host = host.lower().strip("[]")
    for entry in settings.OUTBOUND_ALLOWED_PRIVATE_HOSTS if allowed is None else allowed:
        entry = entry.strip().lower()
        if entry.startswith("["):
            entry_host, _, rest = entry[1:].partition("]")
            entry_port = rest[1:] if rest.startswith(":") else ""
        elif entry.count(":") == 1:
            entry_host, entry_port = entry.split(":")
        else:
            entry_host, entry_port = entry, ""
        if entry_host and entry_host == host and (not entry_port or entry_port == str(port)):
            return True
    return False


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses a name resolves to. The network edge: tests replace it to simulate rebinding."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_host(host: str, port: int, *, resolve: bool = True, allowed_private_hosts: Iterable[str] | None = None) -> list[str]:
    """The addresses of `host` the checks may connect to; raises ForbiddenAddress otherwise.

    With `resolve=False` a name is accepted without looking it up (used at save time when the
    name does not resolve from here; the connect-time check still applies). `allowed_private_hosts`
    replaces OUTBOUND_ALLOWED_PRIVATE_HOSTS for callers with an allow-list of their own.
    """
    host = host.strip("[]")
    if _allowed_private(host, port, allowed_private_hosts):
        return resolve_host(host, port) if resolve else [host]
    try:
        literal = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        literal = None
    if literal is not None:
        reason = forbidden_reason(literal)
        if reason:
            raise ForbiddenAddress(f"Refused to connect to {host}: {reason}.")
        return [str(literal)]
    numeric = _numeric_ipv4(host)
    if numeric is not None:
        raise ForbiddenAddress(f"Refused {host!r}: a numeric spelling of {numeric}; write addresses in dotted form.")
    if not resolve:
        return [host]
    try:
        addresses = resolve_host(host, port)
    except (OSError, UnicodeError) as exc:
        raise OutboundError(f"Could not resolve {host}: {exc}") from None
    if not addresses:
        raise OutboundError(f"Could not resolve {host}.")
    for address in addresses:
        reason = forbidden_reason(ipaddress.ip_address(address.split("%", 1)[0]))
        if reason:
            raise ForbiddenAddress(f"Refused to connect to {host}: it resolves to {address}, {reason}.")
    return addresses


def _split_url(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(f"Not a valid URL: {exc}.") from None
    scheme = (parts.scheme or "").lower()
    if scheme not in ("http", "https"):
        raise ValidationError("Only http and https URLs can be checked.")
    if not parts.hostname:
        raise ValidationError("The URL has no host.")
    if parts.username or parts.password:
        raise ValidationError("Credentials in the URL are not allowed; name an environment variable in the config.")
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80)


def validate_outbound_url(url: str, *, allowed_private_hosts: Iterable[str] | None = None) -> None:
    """Refuse a URL the checks may not fetch (raises django's ValidationError).

    Run by StatusSource's validation, so `full_clean()`, the admin and the API refuse it at save
    (and by a Subscription's, for a Slack or webhook target, with the channels' own allow-list).
    A name that resolves is refused if any of its addresses is forbidden; a name that does not
    resolve from here is accepted and checked again at connect time.
    """
    scheme, host, port = _split_url(url)
    try:
        check_host(host, port, allowed_private_hosts=allowed_private_hosts)
    except ForbiddenAddress as exc:
        raise ValidationError(str(exc), code="forbidden_address") from None
    except OutboundError:
        pass


def url_host_listed(url: str, allowed_private_hosts: Iterable[str]) -> bool:
    """Whether the URL's host (or host:port) is on the allow-list, as written in the URL."""
    _, host, port = _split_url(url)
    return _allowed_private(host, port, allowed_private_hosts)


# --- connect-time guard ---------------------------------------------------------------------


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the name itself and connects only to an address that passed `check_host`.

    httpcore still uses the URL's host name for SNI and certificate checks, so TLS is unaffected.
    """

    def __init__(self, allowed_private_hosts: Iterable[str] | None = None):
        self._inner = httpcore.AnyIOBackend()
        self._allowed = None if allowed_private_hosts is None else tuple(allowed_private_hosts)

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            ipaddress.ip_address(host.strip("[]"))
            is_literal = True
        except ValueError:
            is_literal = False
        check = functools.partial(check_host, host, port, allowed_private_hosts=self._allowed)
        if is_literal or _numeric_ipv4(host) is not None:
            addresses = check()
        else:
            loop = asyncio.get_running_loop()
            addresses = await loop.run_in_executor(None, check)
        error = None
        for address in addresses:  # every one of them passed the check
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
        raise error

    async def connect_unix_socket(self, *args, **kwargs):  # pragma: no cover - never used for sources
        raise ForbiddenAddress("Unix sockets are not allowed.")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


_SSL_CONTEXT = None


def _ssl_context() -> ssl.SSLContext:
    global _SSL_CONTEXT
    if _SSL_CONTEXT is None:
        _SSL_CONTEXT = ssl.create_default_context(cafile=certifi.where())
    return _SSL_CONTEXT


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport on a pool whose every connection goes through GuardedBackend.

    No keep-alive: a source is checked once per interval (minutes), long after a kept connection
    would have expired, and sources rarely share a host; an idle pool also costs httpcore CPU on
    every request (it scans its idle connections), which bench/sweep.py measured.
    """

    def __init__(self, *, max_connections: int = 100, allowed_private_hosts: Iterable[str] | None = None):
        # Not super().__init__(): it would build an SSL context and a pool only to be replaced.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=0,
            network_backend=GuardedBackend(allowed_private_hosts),
        )


def new_client(*, max_connections: int = 100, allowed_private_hosts: Iterable[str] | None = None) -> httpx.AsyncClient:
    """An AsyncClient whose every connection goes through the guard. Redirects are ours to follow."""
    return httpx.AsyncClient(
        transport=GuardedTransport(max_connections=max_connections, allowed_private_hosts=allowed_private_hosts),
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(
            connect=settings.OUTBOUND_CONNECT_TIMEOUT,
            read=settings.OUTBOUND_READ_TIMEOUT,
            write=settings.OUTBOUND_READ_TIMEOUT,
            pool=settings.OUTBOUND_TOTAL_TIMEOUT,
        ),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
    )


# --- reading bodies -------------------------------------------------------------------------


class _BoundedDecoder:
    """Decodes gzip/deflate with a bounded output, so a small bomb cannot inflate past the cap."""

    def __init__(self, encoding: str, limit: int):
        encoding = (encoding or "identity").strip().lower()
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj()
        else:
            raise OutboundError(f"Unsupported content encoding {encoding!r}.")
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise ResponseTooLarge(f"The response is larger than {self.limit} bytes once decoded.")
        self.parts.append(data)

    def feed(self, chunk: bytes) -> None:
        if self._zlib is None:
            self._add(chunk)
            return
        data = chunk
        while data:
            try:
                out = self._zlib.decompress(data, self.limit - self.size + 1)
            except zlib.error as exc:
                raise OutboundError(f"The compressed response is corrupt: {exc}.") from None
            self._add(out)
            data = self._zlib.unconsumed_tail
            if not out and data:
                break

    def body(self) -> bytes:
        return b"".join(self.parts)


async def _one_request(client, url, headers, limit) -> tuple[httpx.Response, bytes]:
    request = client.build_request("GET", url, headers=headers)
    response = await client.send(request, stream=True)
    try:
        if response.status_code in (301, 302, 303, 307, 308) or response.status_code == 304:
            return response, b""
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise ResponseTooLarge(f"The response is larger than {limit} bytes (it declares {declared}).")
        decoder = _BoundedDecoder(response.headers.get("content-encoding", ""), limit)
        async for chunk in response.aiter_raw():
            decoder.feed(chunk)
        return response, decoder.body()
    finally:
        await response.aclose()


async def afetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    headers: dict[str, str] | None = None,
    client: httpx.AsyncClient | None = None,
    max_bytes: int | None = None,
) -> FetchResult:
    """GET `url` under every rule of this module. Raises OutboundError (or a subclass)."""
    limit = max_bytes or settings.OUTBOUND_MAX_BYTES
    own_client = client is None
    if own_client:
        client = new_client(max_connections=4)
    started = time.monotonic()
    try:
        async with asyncio.timeout(settings.OUTBOUND_TOTAL_TIMEOUT):
            return await _follow(client, url, etag, last_modified, dict(headers or {}), limit, started)
    except TimeoutError:
        raise FetchTimeout(f"No complete answer within {settings.OUTBOUND_TOTAL_TIMEOUT:g} s.") from None
    except httpx.TimeoutException as exc:
        raise FetchTimeout(f"Timed out ({type(exc).__name__}).") from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise OutboundError(f"{type(exc).__name__}: {exc}") from None
    finally:
        if own_client:
            await client.aclose()


async def _follow(client, url, etag, last_modified, headers, limit, started) -> FetchResult:
    origin = urlsplit(url)[:2]
    conditional = {}
    if etag:
        conditional["If-None-Match"] = etag
    if last_modified:
        conditional["If-Modified-Since"] = last_modified
    for hop in range(MAX_REDIRECTS + 1):
        try:
            _, host, port = _split_url(url)
        except ValidationError as exc:
            raise ForbiddenAddress(f"Refused {url}: {exc.messages[0]}") from None
        # Literal and numeric spellings are refused before httpx parses them its own way; names
        # are resolved and checked by GuardedBackend when the connection is made.
        check_host(host, port, resolve=False)
        if urlsplit(url)[:2] != origin:
            # Credentials named in a source's config are meant for its own host only.
            headers = {}
            conditional = {}
        response, body = await _one_request(client, url, {**headers, **conditional}, limit)
        if response.status_code in (301, 302, 303, 307, 308):
            location = response.headers.get("location")
            if not location:
                raise OutboundError(f"HTTP {response.status_code} without a Location header.")
            if hop == MAX_REDIRECTS:
                raise OutboundError(f"More than {MAX_REDIRECTS} redirects.")
            url = urljoin(url, location)
            continue
        return FetchResult(
            url=url,
            status_code=response.status_code,
            body=body,
            headers={key.lower(): value for key, value in response.headers.items()},
            etag=response.headers.get("etag", ""),
            last_modified=response.headers.get("last-modified", ""),
            elapsed=time.monotonic() - started,
        )
    raise OutboundError("Unreachable")  # pragma: no cover


def fetch(
    url: str, *, etag: str | None = None, last_modified: str | None = None, headers: dict[str, str] | None = None
) -> FetchResult:
    """Blocking `afetch` for callers outside an event loop (and, in a thread, for callers inside one)."""
    return _run_blocking(afetch(url, etag=etag, last_modified=last_modified, headers=headers), name="outbound-fetch")


def _run_blocking(coroutine, *, name: str):
    """Run a coroutine to its end from synchronous code: here when no event loop runs, else in a
    thread of its own (a loop cannot be re-entered), its result or exception handed back."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = asyncio.run(coroutine)
        except BaseException as exc:  # handed back to the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, name=name)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


# --- posting (alert channels) -----------------------------------------------------------------

# What is kept of the answer to a POST: enough for an error message, never a large body.
POST_ANSWER_MAX_BYTES = 16 * 1024


async def apost(
    url: str,
    *,
    content: bytes,
    headers: dict[str, str] | None = None,
    allowed_private_hosts: Iterable[str] | None = None,
    max_bytes: int = POST_ANSWER_MAX_BYTES,
) -> FetchResult:
    """POST `content` to `url` under the same rules as `afetch` (scheme, address checked before and at
    connect time, timeouts and total deadline, capped answer), except that redirects are not
    followed: a POST's body is not replayed to wherever a 3xx points, the 3xx is the answer.

    Errors name the host only: the URL of a Slack or webhook target is a credential, and the
    message ends up in logs and on the delivery row. Raises OutboundError (or a subclass)."""
    try:
        _, host, port = _split_url(url)
    except ValidationError as exc:
        raise ForbiddenAddress(f"Refused the URL: {exc.messages[0]}") from None
    check_host(host, port, resolve=False, allowed_private_hosts=allowed_private_hosts)
    started = time.monotonic()
    async with new_client(max_connections=2, allowed_private_hosts=allowed_private_hosts) as client:
        try:
            async with asyncio.timeout(settings.OUTBOUND_TOTAL_TIMEOUT):
                request = client.build_request("POST", url, content=content, headers=dict(headers or {}))
                response = await client.send(request, stream=True)
                try:
                    decoder = _BoundedDecoder(response.headers.get("content-encoding", ""), max_bytes)
                    try:
                        async for chunk in response.aiter_raw():
                            decoder.feed(chunk)
                    except ResponseTooLarge:
                        pass  # the answer's status is what counts; its body is only kept for errors
                finally:
                    await response.aclose()
        except TimeoutError:
            raise FetchTimeout(f"No complete answer from {host} within {settings.OUTBOUND_TOTAL_TIMEOUT:g} s.") from None
        except httpx.TimeoutException as exc:
            raise FetchTimeout(f"{host} timed out ({type(exc).__name__}).") from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise OutboundError(f"{host}: {type(exc).__name__}") from None
    return FetchResult(
        url=url,
        status_code=response.status_code,
        body=decoder.body(),
        headers={key.lower(): value for key, value in response.headers.items()},
        elapsed=time.monotonic() - started,
    )


def post(url: str, *, content: bytes, headers: dict[str, str] | None = None,
         allowed_private_hosts: Iterable[str] | None = None) -> FetchResult:
    """Blocking `apost`, for the delivery of alerts (a worker's thread, no event loop)."""
    return _run_blocking(apost(url, content=content, headers=headers, allowed_private_hosts=allowed_private_hosts),
                         name="outbound-post")
