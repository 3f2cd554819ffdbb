"""Loopback HTTP(S) servers for the project's own tests, with hostile behaviours on demand.

Why: the suite's HTTP client and its failure classification are tested against real sockets,
not mocks (DESIGN.md principle 6): slow, hung, dripping and dropping servers, redirect loops,
oversized bodies, gzip bombs, TLS failures (wrong host, expired, self-signed, untrusted CA) and
plain-HTTP downgrades. Everything binds 127.0.0.1 only and `stop()` returns within ~2 s.
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
import json
import pathlib
import ssl
import traceback
import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Mapping, Union
from urllib.parse import parse_qs, urlsplit

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from smartcheck.reference.https_server import HeaderDict, LoggingHandler, LoopbackHTTPServer

HOSTS = ("127.0.0.1", "localhost")
WRONG_HOST = "not-127.example"
MB = 1024 * 1024


# -- certificates ----------------------------------------------------------------------------

class TestCA(trustme.CA):
    """A trustme CA for a test session: issues server contexts (valid, expired, wrong host) and
    writes its PEM where a target's ``ca_bundle`` can point."""

    __test__ = False  # not a pytest test class

    def __init__(self, pem_path: pathlib.Path | str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.pem_path: pathlib.Path | None = None
        if pem_path is not None:
            self.write_pem(pem_path)

    def write_pem(self, path: pathlib.Path | str) -> pathlib.Path:
        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.cert_pem.write_to_path(str(path))
        self.pem_path = path
        return path

    def client_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts only this CA."""
        context = ssl.create_default_context()
        self.configure_trust(context)
        return context

    def server_context(self, *hosts: str, not_before: datetime.datetime | None = None,
                       not_after: datetime.datetime | None = None) -> ssl.SSLContext:
        leaf = self.issue_cert(*(hosts or HOSTS), not_before=not_before, not_after=not_after)
        return _server_context(leaf.configure_cert)

    def expired_server_context(self, *hosts: str) -> ssl.SSLContext:
        now = datetime.datetime.now(datetime.timezone.utc)
        return self.server_context(*hosts, not_before=now - datetime.timedelta(days=30),
                                   not_after=now - datetime.timedelta(days=1))


@functools.lru_cache(maxsize=None)
def shared_ca() -> TestCA:
    """One CA per process, used when a LoopbackServer is not given one."""
    return TestCA()


def _server_context(configure: Callable[[ssl.SSLContext], None]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    configure(context)
    return context


def untrusted_server_context(*hosts: str) -> ssl.SSLContext:
    """A certificate for the right host from a throwaway CA nobody trusts."""
    return TestCA().server_context(*hosts)


def self_signed_server_context(*hosts: str) -> ssl.SSLContext:
    """A genuinely self-signed leaf (issuer = subject), the classic misconfigured sandbox."""
    hosts = hosts or HOSTS
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([_san(h) for h in hosts]), critical=False)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())

    def configure(context: ssl.SSLContext) -> None:
        with trustme.Blob(pem).tempfile() as path:
            context.load_cert_chain(path)
    return _server_context(configure)


def _san(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


# -- routes ----------------------------------------------------------------------------------

@dataclass
class Request:
    """What a callable route receives."""
    method: str
    path: str  # as sent, query string included
    headers: HeaderDict
    body: bytes

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)


@dataclass
class Response:
    """A route's answer. Hostile options apply in this order: delay, hang, drop, then the body
    (redirect_to, gzip_bomb_mb, size_mb, drip or a plain body).

    body: dict/list are JSON-encoded (Content-Type application/json unless given), str is UTF-8.
    delay: seconds to wait before answering. hang: read the request, never answer until stop().
    drip: seconds between body bytes (Content-Length declared up front). drop: close the
    connection without a response. gzip_bomb_mb: chunked ``Content-Encoding: gzip`` stream that
    inflates to N MB of zeros, compressed on the fly. redirect_to: Location for a 3xx (status
    defaults to 302 unless a 3xx is given; may point at its own route for a loop). size_mb: N MB
    JSON body streamed in 64 KiB pieces. chunked: send size_mb / body with chunked framing
    instead of Content-Length.
    """
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | str | dict | list | None = b""
    delay: float = 0.0
    hang: bool = False
    drip: float | None = None
    drop: bool = False
    gzip_bomb_mb: int | None = None
    redirect_to: str | None = None
    size_mb: float | None = None
    chunked: bool = False

    def encoded(self) -> tuple[list[tuple[str, str]], bytes]:
        headers, body = list(self.headers), self.body
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            if not any(name.lower() == "content-type" for name, _ in headers):
                headers.append(("Content-Type", "application/json"))
        elif isinstance(body, str):
            body = body.encode()
        return headers, body or b""


Route = Union[Response, Callable[[Request], Response], dict, list, str, bytes]


def _gzip_zeros(megabytes: int) -> Iterator[bytes]:
    """Compress zeros one MB at a time so the server never holds the inflated size."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    block = bytes(MB)
    for _ in range(megabytes):
        out = compressor.compress(block)
        if out:
            yield out
    yield compressor.flush()


def _json_padding(total: int) -> Iterator[bytes]:
    """Exactly ``total`` bytes of valid JSON: {"padding":"aaaa..."}."""
    head, tail = b'{"padding":"', b'"}'
    yield head
    remaining = max(0, total - len(head) - len(tail))
    piece = b"a" * 65536
    while remaining > 0:
        yield piece[:remaining]
        remaining -= len(piece)
    yield tail


class _Handler(LoggingHandler):
    server: "_Server"

    def dispatch(self) -> None:
        request = Request(self.command, self.path, self.request_headers, self.read_body())
        with self.server._lock:
            self.server.requests.append(request)
        route = self.server.routes.get(self.path)
        if route is None:
            route = self.server.routes.get(urlsplit(self.path).path)
        if route is None:
            return self._send(Response(404, body={"error": "not found", "path": self.path}))
        if callable(route):
            try:
                route = route(request)
            except Exception:
                return self._send(Response(500, body=traceback.format_exc()))
        if not isinstance(route, Response):
            route = Response(body=route)
        self._send(route)

    def _send(self, r: Response) -> None:
        stopping = self.server.stopping
        if r.delay:
            stopping.wait(r.delay)
        if r.hang:  # "never answer": only stop() ends the wait
            stopping.wait()
        if r.hang or r.drop or stopping.is_set():
            self.close_connection = True
            return
        headers, body = r.encoded()
        status = r.status
        if r.redirect_to is not None:
            status = status if 300 <= status < 400 else 302
            headers.append(("Location", r.redirect_to))
        if r.gzip_bomb_mb:
            headers += [("Content-Encoding", "gzip"), ("Content-Type", "application/json")]
            self._stream(status, headers, _gzip_zeros(r.gzip_bomb_mb), None)
        elif r.size_mb:
            total = int(r.size_mb * MB)
            headers.append(("Content-Type", "application/json"))
            self._stream(status, headers, _json_padding(total), None if r.chunked else total)
        elif r.drip:
            self._stream(status, headers, (body[i:i + 1] for i in range(len(body))), len(body),
                         pause=r.drip)
        elif r.chunked:
            self._stream(status, headers, [body], None)
        else:
            self.send_bytes(status, headers, body)

    def _stream(self, status: int, headers, chunks: Iterable[bytes], length: int | None,
                pause: float = 0.0) -> None:
        """Send headers, then the chunks (chunked framing when length is None); give up as soon
        as the server is stopping. The connection is closed afterwards."""
        self.close_connection = True
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(length))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD":
            return
        for chunk in chunks:
            if self.server.stopping.is_set():
                return
            if chunk:
                self.wfile.write(chunk if length is not None
                                 else b"%x\r\n%s\r\n" % (len(chunk), chunk))
            if pause and self.server.stopping.wait(pause):
                return
        if length is None:
            self.wfile.write(b"0\r\n\r\n")


class _Server(LoopbackHTTPServer):
    routes: Mapping[str, Route]
    requests: list[Request]


class LoopbackServer:
    """A started HTTP(S) server on 127.0.0.1:<free port> serving ``routes``.

    routes: path -> Response, callable(Request) -> Response, or a bare body (dict/list/str/bytes).
    A path with a query string matches exactly first, then the path alone. The mapping is kept
    by reference, so routes may be added after start (e.g. pointing at another server's URL).
    tls: True/"valid" (cert for 127.0.0.1 and localhost from ``ca``), False (plain HTTP),
    "wrong-host" (cert for not-127.example), "expired", "self-signed", "untrusted" (valid host,
    unknown CA), or a ready ssl.SSLContext. ca: defaults to the process-wide `shared_ca()`.
    """

    def __init__(self, routes: Mapping[str, Route] | None = None, *,
                 tls: bool | str | ssl.SSLContext = True, ca: TestCA | None = None):
        self.routes = routes if routes is not None else {}
        self.ca = ca if ca is not None else shared_ca()
        self._httpd = _Server(_Handler, ssl_context=self._context(tls))
        self._httpd.routes = self.routes
        self._httpd.requests = []
        self._httpd.start()

    def _context(self, tls) -> ssl.SSLContext | None:
        if isinstance(tls, ssl.SSLContext):
            return tls
        if tls is False:
            return None
        modes = {
            "valid": lambda: self.ca.server_context(),
            "wrong-host": lambda: self.ca.server_context(WRONG_HOST),
            "expired": lambda: self.ca.expired_server_context(),
            "self-signed": lambda: self_signed_server_context(),
            "untrusted": lambda: untrusted_server_context(),
        }
        mode = "valid" if tls is True else tls
        if mode not in modes:
            raise ValueError(f"unknown tls mode {tls!r}; expected one of {sorted(modes)}")
        return modes[mode]()

    @property
    def base_url(self) -> str:
        """``http(s)://127.0.0.1:PORT`` (no trailing slash)."""
        return self._httpd.origin

    @property
    def port(self) -> int:
        return self._httpd.port

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    @property
    def request_log(self) -> list[tuple[str, str, HeaderDict]]:
        """(method, path, headers) per request; header lookups are case-insensitive."""
        return self._httpd.request_log

    @property
    def requests(self) -> list[Request]:
        """Full requests, bodies included (e.g. to inspect a token request)."""
        return self._httpd.requests

    def client_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts ``ca`` (fails on the hostile tls modes)."""
        return self.ca.client_context()

    def stop(self) -> None:
        self._httpd.stop()

    def __enter__(self) -> "LoopbackServer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
