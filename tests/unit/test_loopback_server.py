"""The loopback test-server harness behaves as advertised, including every hostile behaviour.

Why: the suite's own HTTP tests rely on these servers; a harness that silently misbehaves (a
hang that blocks teardown, a bomb that is not a bomb) would make those tests lie.
"""

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.servers import LoopbackServer, Response, TestCA

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ca(tmp_path_factory):
    return TestCA(tmp_path_factory.mktemp("ca") / "ca.pem")


def client(ca, **kwargs):
    kwargs.setdefault("timeout", 5)
    return httpx.Client(verify=ca.client_context(), **kwargs)


def test_ca_pem_written(ca):
    assert ca.pem_path.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


def test_routes_json_404_and_log(ca):
    routes = {"/doc": Response(body={"a": 1}), "/raw": b"hi", "/fn": lambda req: Response(
        201, [("Content-Type", "text/plain")], f"{req.method} {req.query['x'][0]} {req.body!r}")}
    with LoopbackServer(routes, ca=ca) as srv, client(ca) as c:
        assert srv.base_url.startswith("https://127.0.0.1:")
        r = c.get(srv.url("/doc"), headers={"X-Probe": "1"})
        assert (r.status_code, r.headers["content-type"], r.json()) == (200, "application/json", {"a": 1})
        assert c.get(srv.url("/raw")).content == b"hi"
        r = c.post(srv.url("/fn?x=7"), content=b"body")
        assert (r.status_code, r.text) == (201, "POST 7 b'body'")
        assert c.get(srv.url("/nope")).status_code == 404
        method, path, headers = srv.request_log[0]
        assert (method, path, headers["x-probe"], headers["X-PROBE"]) == ("GET", "/doc", "1", "1")
        assert srv.requests[2].body == b"body"


def test_delay(ca):
    with LoopbackServer({"/slow": Response(body="ok", delay=0.3)}, ca=ca) as srv, client(ca) as c:
        start = time.monotonic()
        assert c.get(srv.url("/slow")).text == "ok"
        assert time.monotonic() - start >= 0.3


def test_hang_times_out_and_stop_is_prompt(ca):
    srv = LoopbackServer({"/hang": Response(hang=True)}, ca=ca)
    with client(ca, timeout=0.3) as c, pytest.raises(httpx.ReadTimeout):
        c.get(srv.url("/hang"))
    # a second client still hanging while we stop
    outcome = []

    def call():
        try:
            with client(ca, timeout=10) as c:
                outcome.append(c.get(srv.url("/hang")))
        except httpx.HTTPError as exc:
            outcome.append(exc)

    waiter = threading.Thread(target=call)
    waiter.start()
    time.sleep(0.2)
    start = time.monotonic()
    srv.stop()
    assert time.monotonic() - start < 2
    waiter.join(2)
    assert not waiter.is_alive() and isinstance(outcome[0], httpx.RemoteProtocolError)


def test_drip_sends_slowly_and_stops_promptly(ca):
    with LoopbackServer({"/drip": Response(body="abcdef", drip=0.05)}, ca=ca) as srv, \
            client(ca, timeout=1) as c:
        start = time.monotonic()
        assert c.get(srv.url("/drip")).text == "abcdef"
        assert time.monotonic() - start >= 0.25
    srv = LoopbackServer({"/drip": Response(body="x" * 100, drip=5)}, ca=ca)
    with client(ca, timeout=10) as c, c.stream("GET", srv.url("/drip")) as r:
        assert r.headers["content-length"] == "100"
        start = time.monotonic()
        srv.stop()
        assert time.monotonic() - start < 2
        with pytest.raises(httpx.HTTPError):
            r.read()


def test_drop(ca):
    with LoopbackServer({"/drop": Response(drop=True)}, ca=ca) as srv, client(ca) as c:
        with pytest.raises(httpx.RemoteProtocolError):
            c.get(srv.url("/drop"))


def test_gzip_bomb_is_small_on_the_wire(ca):
    with LoopbackServer({"/bomb": Response(gzip_bomb_mb=20)}, ca=ca) as srv, client(ca) as c:
        with c.stream("GET", srv.url("/bomb")) as r:
            assert r.headers["content-encoding"] == "gzip"
            wire = sum(len(chunk) for chunk in r.iter_raw())
        assert wire < 100_000
        with c.stream("GET", srv.url("/bomb")) as r:
            inflated = 0
            for chunk in r.iter_bytes():
                inflated += len(chunk)
                if inflated > 5 * 2**20:  # what a client limit would do: stop early
                    break
        assert inflated > 5 * 2**20


def test_redirect_loop_and_downgrade(ca):
    with LoopbackServer({"/plain": {"downgraded": True}}, tls=False) as http_srv:
        assert http_srv.base_url.startswith("http://127.0.0.1:")
        routes = {"/loop": Response(redirect_to="/loop"),
                  "/down": Response(status=301, redirect_to=http_srv.url("/plain"))}
        with LoopbackServer(routes, ca=ca) as srv, client(ca, follow_redirects=True) as c:
            with pytest.raises(httpx.TooManyRedirects):
                c.get(srv.url("/loop"))
            r = c.get(srv.url("/down"))
            assert r.url.scheme == "http" and r.json() == {"downgraded": True}
            assert r.history[0].status_code == 301


def test_size_mb(ca):
    routes = {"/big": Response(size_mb=2), "/big-chunked": Response(size_mb=1, chunked=True)}
    with LoopbackServer(routes, ca=ca) as srv, client(ca) as c:
        r = c.get(srv.url("/big"))
        assert r.headers["content-length"] == str(2 * 2**20) and len(r.content) == 2 * 2**20
        assert len(r.json()["padding"]) > 2 * 2**20 - 20
        r = c.get(srv.url("/big-chunked"))
        assert "content-length" not in r.headers and len(r.content) == 2**20


@pytest.mark.parametrize("mode, message", [
    ("wrong-host", "mismatch"),
    ("expired", "expired"),
    ("self-signed", "self-signed"),
    ("untrusted", "unable to get local issuer"),
])
def test_tls_failures(ca, mode, message):
    with LoopbackServer({"/": "ok"}, tls=mode, ca=ca) as srv, client(ca) as c:
        with pytest.raises(httpx.ConnectError, match=message):
            c.get(srv.url("/"))
        assert srv.request_log == []


def test_no_leaks_under_dev_mode():
    """Start/stop with hung, dripping and keep-alive connections under -X dev, where an unclosed
    socket would print a ResourceWarning."""
    code = textwrap.dedent("""
        import threading, time, httpx, tempfile, pathlib, ssl
        from tests.support.servers import LoopbackServer, Response, TestCA
        from smartcheck.reference import start_reference_server
        ca = TestCA()
        srv = LoopbackServer({"/ok": "ok", "/hang": Response(hang=True),
                              "/drip": Response(body="x" * 50, drip=1)}, ca=ca)
        with httpx.Client(verify=ca.client_context(), timeout=5) as c:
            c.get(srv.url("/ok"))
            def call(path):
                try:
                    httpx.get(srv.url(path), verify=ca.client_context(), timeout=5)
                except httpx.HTTPError:
                    pass
            threads = [threading.Thread(target=call, args=(p,)) for p in ("/hang", "/drip")]
            [t.start() for t in threads]
            time.sleep(0.3)
            start = time.monotonic()
            srv.stop()
            assert time.monotonic() - start < 2, time.monotonic() - start
            [t.join(3) for t in threads]
        with tempfile.TemporaryDirectory() as d:
            with start_reference_server(pathlib.Path(d)) as ref:
                ctx = ssl.create_default_context(cafile=str(ref.ca_path))
                with httpx.Client(verify=ctx) as c:
                    c.get(ref.base_url + "/metadata")
        import gc; gc.collect()
        print("clean")
    """)
    proc = subprocess.run([sys.executable, "-X", "dev", "-W", "error::ResourceWarning", "-c", code],
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""},
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and proc.stdout.strip() == "clean", proc.stderr
    assert "ResourceWarning" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
