"""Threaded HTTP(S) server bound to 127.0.0.1, shared by the reference target and the test harness.

Why a shared base: both need the same careful lifecycle. The TLS handshake runs in the
connection's worker thread (a client that stalls or rejects the certificate never blocks the
accept loop), clients that abort are handled quietly, `stop()` returns promptly even while
handlers hang or stream, and every socket is closed (runs clean under `-W error::ResourceWarning`).
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOOPBACK = "127.0.0.1"
MAX_BODY = 1024 * 1024  # request bodies above this are not read; the connection is closed instead


class HeaderDict(dict):
    """A plain dict of request headers whose keys fold case, because HTTP header names are
    case-insensitive. Keys are stored lower-case; repeated headers are joined with ", "."""

    def __init__(self, items=()):
        super().__init__()
        for name, value in items:
            key = name.lower()
            self[key] = f"{self[key]}, {value}" if key in self else value

    def __setitem__(self, key, value):
        super().__setitem__(key.lower(), value)

    def __getitem__(self, key):
        return super().__getitem__(key.lower())

    def __contains__(self, key):
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key, default=None):
        return super().get(key.lower(), default)


class LoopbackHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer on 127.0.0.1:0, optionally TLS (``ssl_context``), with tracked
    connections so that `stop()` can wake and join every handler within a bounded time."""

    daemon_threads = True
    block_on_close = False  # we join our own workers with a deadline in stop()
    handshake_timeout = 5.0

    def __init__(self, handler_class, ssl_context: ssl.SSLContext | None = None):
        self.ssl_context = ssl_context
        self.stopping = threading.Event()  # handlers that wait (hang, delay, drip) wait on this
        self.request_log: list[tuple[str, str, HeaderDict]] = []
        self._lock = threading.Lock()
        self._conns: dict[threading.Thread, socket.socket] = {}
        self._serve_thread: threading.Thread | None = None
        self._stopped = False
        super().__init__((LOOPBACK, 0), handler_class)

    # -- addresses ---------------------------------------------------------------------------
    def server_bind(self):
        """Bind without HTTPServer's reverse-DNS lookup (socket.getfqdn), which can be slow."""
        socketserver.TCPServer.server_bind(self)
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus delayed
        # ACKs stall each response ~40 ms.  Accepted sockets inherit the option on Linux.
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server_name, self.server_port = self.server_address[:2]

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def origin(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{LOOPBACK}:{self.port}"

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> "LoopbackHTTPServer":
        self._serve_thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"loopback-{self.port}", daemon=True)
        self._serve_thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop accepting, wake every handler (event + socket shutdown), join them, close all."""
        if self._stopped:
            return
        self._stopped = True
        deadline = time.monotonic() + timeout
        self.stopping.set()
        if self._serve_thread is not None:
            self.shutdown()
            self._serve_thread.join(max(0.0, deadline - time.monotonic()))
        self.server_close()
        with self._lock:
            conns = list(self._conns.items())
        for _thread, conn in conns:
            try:  # the raw socket call: SSLSocket.shutdown would race the handler's SSL object
                socket.socket.shutdown(conn, socket.SHUT_RDWR)
            except OSError:
                pass
        for thread, _conn in conns:
            thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()

    # -- per connection ----------------------------------------------------------------------
    def process_request(self, request, client_address):
        thread = threading.Thread(target=self.process_request_thread,
                                  args=(request, client_address), daemon=True)
        with self._lock:
            self._conns[thread] = request
        thread.start()

    def process_request_thread(self, request, client_address):
        conn = request
        try:
            if self.ssl_context is not None:
                conn = self.ssl_context.wrap_socket(request, server_side=True,
                                                    do_handshake_on_connect=False)
                with self._lock:
                    self._conns[threading.current_thread()] = conn
                conn.settimeout(self.handshake_timeout)
                conn.do_handshake()
            self.RequestHandlerClass(conn, client_address, self)
        except Exception:
            self.handle_error(conn, client_address)
        finally:
            with self._lock:
                self._conns.pop(threading.current_thread(), None)
            self.shutdown_request(conn)
            if conn is not request:
                request.close()  # detached by wrap_socket; closing is a no-op unless wrap failed

    def handle_error(self, request, client_address):
        """Clients that abort (handshake refused, reset, timeout) are expected here: stay quiet."""
        import sys
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class LoggingHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 handler base: logs (method, path, headers) to ``server.request_log`` and routes
    every method, known or not, to `dispatch()`, so subclasses decide what 405 means."""

    protocol_version = "HTTP/1.1"
    server_version = "smartcheck-loopback"
    sys_version = ""
    timeout = 10  # idle keep-alive connections end on their own; stop() wakes them sooner
    server: LoopbackHTTPServer

    def parse_request(self):
        ok = super().parse_request()
        if ok:
            self.request_headers = HeaderDict(self.headers.items())
            with self.server._lock:
                self.server.request_log.append((self.command, self.path, self.request_headers))
        return ok

    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)

    def dispatch(self) -> None:  # pragma: no cover - subclasses implement
        raise NotImplementedError

    def log_message(self, format, *args):
        """Silence the per-request stderr line; the request log is the record."""

    def read_body(self) -> bytes:
        """Read a Content-Length body so the keep-alive stream stays in sync; otherwise close."""
        length = self.headers.get("Content-Length") or "0"
        if self.headers.get("Transfer-Encoding") or not length.isdigit() or int(length) > MAX_BODY:
            self.close_connection = True
            return b""
        return self.rfile.read(int(length))

    def send_bytes(self, status: int, headers, body: bytes = b"") -> None:
        """Send a complete response with Content-Length (no body for HEAD)."""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
