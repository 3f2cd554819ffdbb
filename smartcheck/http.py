"""The one HTTP client: limits, redirects, failure classes, evidence.

Every request goes through :func:`fetch`, which never raises for anything a server can
do.  It enforces one wall-clock deadline per fetch (redirects included) by running the
request on an event loop under ``asyncio.wait_for``, so a server that trickles one byte a
second is cut off just like one that never answers.  Bodies are capped after
decompression (we inflate gzip ourselves, bounded per chunk), redirects are followed by
hand so each hop is recorded and an https->http downgrade is refused, and credentials
never travel to a host other than the one they were configured for (no cookie jar either).
Only read-only methods are ever sent.  Everything a server sends back is scrubbed of
registered secrets as it is recorded (:mod:`smartcheck.redaction`).

Host names are resolved on a daemon thread, so a resolver that hangs is abandoned at the
deadline instead of holding the fetch (or interpreter exit) until its own timeout.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from . import __version__
from .redaction import scrub, scrub_bytes, scrub_headers

USER_AGENT = f"smartcheck/{__version__} (conformance suite)"
READ_CHUNK = 64 * 1024

# failure classes, in the words the reports use
TIMEOUT = "timeout"
DNS_FAILURE = "dns_failure"
CONNECT_ERROR = "connect_error"
TLS_ERROR = "tls_error"
TOO_LARGE = "too_large"
REDIRECT_LOOP = "redirect_loop"
AUTH_REQUIRED = "auth_required"
HTTP_ERROR = "http_error"
NOT_JSON = "not_json"
FAILURE_CLASSES = (TIMEOUT, DNS_FAILURE, CONNECT_ERROR, TLS_ERROR, TOO_LARGE, REDIRECT_LOOP, AUTH_REQUIRED, HTTP_ERROR, NOT_JSON)

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Limits:
    """Per-target limits (from targets.yaml)."""

    timeout: float = 10.0
    max_body_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    ca_bundle: Path | None = None


@dataclass
class Hop:
    """One redirect answer that was (or was not) followed."""

    status: int
    url: str
    location: str | None
    followed: bool = True
    note: str = ""


@dataclass
class Exchange:
    """One request and what came back, as evidence.  Header values are already redacted."""

    method: str
    url: str
    request_headers: list[tuple[str, str]]
    final_url: str = ""
    status: int | None = None
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    failure: str | None = None          # one of FAILURE_CLASSES, or None
    detail: str = ""                    # one-line explanation of the failure
    hops: list[Hop] = field(default_factory=list)
    elapsed: float = 0.0
    started_at: str = ""
    tls: dict[str, Any] | None = None
    credential_sent: bool = False       # the last request carried the configured credential

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.response_headers:
            if key.lower() == name:
                return value
        return None

    @property
    def ok(self) -> bool:
        return self.failure is None

    def summary(self) -> str:
        """Root cause in one line, e.g. ``timeout: no complete response within 10 s``."""
        return f"{self.failure}: {self.detail}" if self.failure else f"HTTP {self.status}"


def fetch(url: str, *, headers: dict[str, str] | None = None, method: str = "GET",
          limits: Limits = Limits(), credential_host: str | None = None) -> Exchange:
    """Fetch ``url`` within ``limits.timeout`` seconds in all; never raises for server behaviour.

    ``headers`` may carry an ``Authorization`` value: it is sent only to ``credential_host``
    (default: the host of ``url``) and dropped on any redirect elsewhere.
    """
    method = method.upper()
    if method not in READ_ONLY_METHODS:
        raise ValueError(f"smartcheck only sends read-only requests ({', '.join(sorted(READ_ONLY_METHODS))}), not {method}")
    request_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate", **(headers or {})}
    exchange = Exchange(method=method, url=url, request_headers=scrub_headers(request_headers.items()),
                        started_at=datetime.now(timezone.utc).isoformat(timespec="milliseconds"))
    start = time.monotonic()
    bad = [name for name, value in request_headers.items() if not _header_safe(name, value)]
    if bad:  # never echo the value: it may be a credential
        _fail(exchange, CONNECT_ERROR, f"request not sent: header {bad[0]} holds a control character or non-ASCII text")
    else:
        try:
            asyncio.run(_fetch_with_deadline(exchange, request_headers, limits, credential_host or _host(url)))
        except Exception as exc:  # a client-side fault must still be a classified verdict
            _fail(exchange, CONNECT_ERROR, f"request could not be made: {type(exc).__name__}: {exc}")
    exchange.elapsed = round(time.monotonic() - start, 4)
    return exchange


def _header_safe(name: str, value: str) -> bool:
    text = f"{name}{value}"
    return text.isascii() and all(32 <= ord(c) < 127 or c == "\t" for c in text)


class _DaemonExecutor(concurrent.futures.ThreadPoolExecutor):
    """The event loop's default executor (used for getaddrinfo): one daemon thread per call,
    never waited for, so a hung resolver cannot outlive the deadline of the fetch."""

    def submit(self, fn, /, *args, **kwargs):
        future: concurrent.futures.Future = concurrent.futures.Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)

        threading.Thread(target=run, name="smartcheck-resolver", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        return None


async def _fetch_with_deadline(exchange: Exchange, headers: dict, limits: Limits, credential_host: str) -> None:
    asyncio.get_running_loop().set_default_executor(_DaemonExecutor(max_workers=1))
    try:
        await asyncio.wait_for(_follow(exchange, headers, limits, credential_host), timeout=limits.timeout)
    except (asyncio.TimeoutError, httpx.TimeoutException):
        _fail(exchange, TIMEOUT, f"no complete response within {limits.timeout:g} s")
        exchange.body = b""
    except httpx.HTTPError as exc:
        _fail(exchange, *_classify(exc))


def _ssl_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """A verifying context: the system trust store, plus ``ca_bundle`` for this target only."""
    key = None
    if ca_bundle:
        stat = Path(ca_bundle).stat()
        key = (str(ca_bundle), stat.st_mtime_ns, stat.st_size)
    return _cached_context(key)


@functools.lru_cache(maxsize=32)
def _cached_context(key: tuple[str, int, int] | None) -> ssl.SSLContext:
    # One context per distinct bundle (reading the system store costs ~20 ms a request).  A
    # context with an extra CA is only ever used for the targets that name that bundle.
    ctx = ssl.create_default_context()   # CERT_REQUIRED and check_hostname: verification is always on
    if key is not None:
        ctx.load_verify_locations(cafile=key[0])
    return ctx


async def _follow(exchange: Exchange, headers: dict, limits: Limits, credential_host: str) -> None:
    url = exchange.url
    visited = {url}
    method = exchange.method
    timeout = httpx.Timeout(limits.timeout)
    async with httpx.AsyncClient(verify=_ssl_context(limits.ca_bundle), timeout=timeout,
                                 follow_redirects=False, trust_env=False) as client:
        for name in [h for h in client.headers if h.lower() == "accept"]:
            del client.headers[name]  # only send Accept when the probe asks for one
        while True:
            send_headers = dict(headers)
            if _host(url) != credential_host:
                send_headers = {k: v for k, v in send_headers.items() if k.lower() not in ("authorization", "cookie")}
            exchange.credential_sent = any(k.lower() == "authorization" for k in send_headers)
            client.cookies.clear()  # no state between hops: a cookie set by one host never reaches another
            request = client.build_request(method, url, headers=send_headers)
            response = await client.send(request, stream=True)
            try:
                exchange.final_url = scrub(url)
                exchange.status = response.status_code
                exchange.response_headers = scrub_headers(response.headers.multi_items())
                exchange.tls = _tls_facts(response)
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    try:
                        target = urljoin(url, location)
                        _host(target)   # a port that is not a number, or out of range
                    except ValueError:
                        return _fail(exchange, HTTP_ERROR, f"HTTP {response.status_code} with an unusable Location {location[:200]!r}")
                    hop = Hop(response.status_code, scrub(url), scrub(target))
                    exchange.hops.append(hop)
                    if urlsplit(url).scheme == "https" and urlsplit(target).scheme != "https":
                        hop.followed, hop.note = False, "https->http downgrade refused"
                        return _fail(exchange, HTTP_ERROR,
                                     f"HTTP {response.status_code} redirect to {target} not followed: https->http downgrade refused")
                    if urlsplit(target).scheme not in ("http", "https"):
                        hop.followed, hop.note = False, "not an http(s) URL"
                        return _fail(exchange, HTTP_ERROR, f"HTTP {response.status_code} redirect to {target[:200]} not followed: not an http(s) URL")
                    if target in visited:
                        hop.followed, hop.note = False, "loop"
                        return _fail(exchange, REDIRECT_LOOP, f"redirect loop: {url} -> {target} was already visited")
                    if len(exchange.hops) > limits.max_redirects:
                        hop.followed, hop.note = False, "limit"
                        return _fail(exchange, REDIRECT_LOOP, f"more than {limits.max_redirects} redirects (last to {target})")
                    if _host(target) != _host(url):
                        hop.note = f"to another host ({scrub(_host(target))})"
                    visited.add(target)
                    url = target
                    method = "GET" if response.status_code == 303 else method
                    continue
                await _read_body(exchange, response, limits.max_body_bytes)
            finally:
                await response.aclose()
            break
    if exchange.failure is None:
        _classify_status(exchange)


async def _read_body(exchange: Exchange, response: httpx.Response, cap: int) -> None:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap and not response.headers.get("content-encoding"):
        return _fail(exchange, TOO_LARGE, f"Content-Length {int(declared)} exceeds the {cap}-byte cap")
    decoder = _decoder(response.headers.get("content-encoding", ""))
    if decoder is None:
        return _fail(exchange, HTTP_ERROR, f"unsupported Content-Encoding {response.headers.get('content-encoding')!r}")
    chunks: list[bytes] = []
    size = 0

    def within_cap(pieces) -> bool:
        """Keep decoded pieces while the body stays within the cap."""
        nonlocal size
        for piece in pieces:
            size += len(piece)
            if size > cap:
                return False
            chunks.append(piece)
        return True

    try:
        async for raw in response.aiter_raw(READ_CHUNK):
            if not within_cap(decoder.feed(raw, cap - size + 1)):
                return _fail(exchange, TOO_LARGE, f"body exceeds the {cap}-byte cap (after decompression)")
        if not within_cap(decoder.flush(cap - size + 1)):
            return _fail(exchange, TOO_LARGE, f"body exceeds the {cap}-byte cap (after decompression)")
    except zlib.error as exc:
        return _fail(exchange, HTTP_ERROR, f"corrupt {response.headers.get('content-encoding')} body: {exc}")
    exchange.body = scrub_bytes(b"".join(chunks))


class _Identity:
    def feed(self, data: bytes, budget: int):
        yield data

    def flush(self, budget: int):
        return ()


_GZIP = 16 + zlib.MAX_WBITS


class _Inflate:
    """zlib inflation that never produces more than ``budget`` bytes per step (bomb-safe)."""

    def __init__(self, wbits: int):
        self._wbits = wbits
        self._z = zlib.decompressobj(wbits)
        self._members = 0      # gzip members started (a body may hold several, RFC 1952 §2.2)
        self._produced = False

    def feed(self, data: bytes, budget: int):
        while data:
            if self._z.eof:
                if self._wbits != _GZIP:
                    return                      # bytes after a complete deflate stream are ignored
                self._z = zlib.decompressobj(_GZIP)
                self._members += 1
            try:
                out = self._z.decompress(data, max(budget, 1))
            except zlib.error:
                if self._wbits == zlib.MAX_WBITS and not self._produced:
                    # "deflate" sent as raw DEFLATE without the zlib header, as many servers do
                    self._wbits = -zlib.MAX_WBITS
                    self._z = zlib.decompressobj(self._wbits)
                    continue
                if self._members:
                    return                      # trailing bytes after the last gzip member
                raise
            self._produced = True
            data = self._z.unconsumed_tail or (self._z.unused_data if self._z.eof else b"")
            if out:
                yield out
                budget -= len(out)
            if budget <= 0:
                return

    def flush(self, budget: int):
        return (self._z.flush(),)


def _decoder(encoding: str):
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return _Identity()
    if encoding in ("gzip", "x-gzip"):
        return _Inflate(_GZIP)
    if encoding == "deflate":
        return _Inflate(zlib.MAX_WBITS)
    return None


def _classify_status(exchange: Exchange) -> None:
    status = exchange.status or 0
    if 200 <= status < 300:
        return
    if status in (401, 403):
        challenge = exchange.header("www-authenticate")
        hint = f" (WWW-Authenticate: {challenge[:80]})" if challenge else ""
        kind = "a request carrying the configured credential" if exchange.credential_sent else "an unauthenticated request"
        _fail(exchange, AUTH_REQUIRED, f"HTTP {status} to {kind}{hint}")
    elif status in _REDIRECTS:
        _fail(exchange, HTTP_ERROR, f"HTTP {status} without a Location header")
    else:
        _fail(exchange, HTTP_ERROR, f"HTTP {status}")


def _classify(exc: BaseException) -> tuple[str, str]:
    """Map an httpx error to a failure class and a one-line reason."""
    chain = []
    cur: BaseException | None = exc
    while cur is not None and len(chain) < 10:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__
    for err in chain:
        if isinstance(err, ssl.SSLCertVerificationError):
            return TLS_ERROR, f"certificate verification failed: {err.verify_message or err.reason}"
        if isinstance(err, ssl.SSLError):
            return TLS_ERROR, f"TLS handshake failed: {err.reason or err}"
        if isinstance(err, socket.gaierror):
            return DNS_FAILURE, f"host name could not be resolved: {err.strerror or err}"
    if isinstance(exc, httpx.TimeoutException):
        return TIMEOUT, f"timed out: {type(exc).__name__}"
    if isinstance(exc, httpx.ConnectError):
        text = str(exc) or type(exc).__name__
        if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
            return DNS_FAILURE, f"host name could not be resolved: {text}"
        return CONNECT_ERROR, f"could not connect: {text}"
    if isinstance(exc, httpx.RemoteProtocolError) and "location header" in str(exc).lower():
        return HTTP_ERROR, f"redirect with an unusable Location: {exc}"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return CONNECT_ERROR, f"connection dropped: {exc or type(exc).__name__}"
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return CONNECT_ERROR, f"cannot request this URL: {exc}"
    return CONNECT_ERROR, f"{type(exc).__name__}: {exc}"


def _fail(exchange: Exchange, failure: str, detail: str) -> None:
    exchange.failure = failure
    exchange.detail = scrub(detail)
    exchange.body = exchange.body if failure not in (TOO_LARGE, TIMEOUT) else b""


def _tls_facts(response: httpx.Response) -> dict[str, Any] | None:
    stream = response.extensions.get("network_stream")
    ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
    if ssl_object is None:
        return None
    cipher = ssl_object.cipher()
    return {"version": ssl_object.version(), "cipher": cipher[0] if cipher else None}


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
