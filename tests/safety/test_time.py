"""Time: every request ends by its target's timeout, and a run over bad targets ends in bounded time.

Why: a conformance run is pointed at servers we do not control.  A server that accepts and
never answers, drips a byte a second or sleeps must cost at most the target's timeout per
request, and the whole run at most the stated worst case (SECURITY.md, "Time"):

    worst case = P x timeout x N    (P = 8 distinct probes per target/persona, N = target/personas)

plus the suite's own start-up.  Hostile answers (401, 403, 404, 5xx, an HTML login page, a
dropped connection, a redirect loop, truncated JSON, a JSON array, a 20 MB body) give the
classified root cause on the owner test and a "depends on <owner>: <class>: ..." skip on
every dependent.
"""
from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from smartcheck import http
from smartcheck.documents import PROBES
from smartcheck.requirements import CATALOGUE
from tests.support.hostile import (
    CS_DEPENDENTS, METADATA, SC_DEPENDENTS, WELL_KNOWN, assert_dependents_skip, assert_no_errors,
    assert_root_cause, ca_bundle, cases_for, fetched_probes, plain, run_all, session_seconds, site_routes,
)
from tests.support.servers import LoopbackServer, Response
from tests.support.sites import FHIR_JSON, JSON, conformant_capability_statement, conformant_smart_config

TIMEOUT = 1.0           # the bound test's timeout (the issue names it)
FAST = 0.5              # elsewhere: short, to keep the project's test budget
SLACK = 0.75            # scheduling and teardown allowance per request, seconds


def probes_used() -> set[str]:
    """The distinct probes the catalogue makes a run send (P in the worst-case bound)."""
    return {p for req in CATALOGUE.values() for p in req.probes + req.needs_fetched + req.needs}


def worst_case(n_endpoints: int, timeout: float) -> float:
    return len(probes_used()) * timeout * n_endpoints


def test_every_probe_in_PROBES_is_used_and_the_bound_counts_them():
    assert probes_used() == set(PROBES)
    assert len(probes_used()) == 8
    assert worst_case(3, 1.0) == 24.0
    assert worst_case(1, http.Limits().timeout) == 80.0


# --- the client itself (unit level: one fetch, real sockets) ---------------------------------

@pytest.fixture(scope="module")
def slow_server():
    body = json.dumps({"padding": "x" * 64}).encode()
    routes = {
        "/hang": Response(hang=True),
        "/drip": Response(200, JSON, body, drip=1.0),
        "/sleep": Response(200, JSON, body, delay=5.0),
        "/slow-redirect": Response(302, redirect_to="/sleep", delay=0.3),
    }
    with LoopbackServer(routes, tls=False) as server:
        yield server


@pytest.mark.parametrize("path", ["/hang", "/drip", "/sleep", "/slow-redirect"])
def test_fetch_ends_by_the_deadline(slow_server, path):
    start = time.monotonic()
    exchange = http.fetch(slow_server.url(path), limits=http.Limits(timeout=FAST))
    took = time.monotonic() - start
    assert exchange.failure == http.TIMEOUT, exchange.summary()
    assert exchange.detail == f"no complete response within {FAST:g} s"
    assert exchange.body == b""
    assert took < FAST + SLACK, took


def test_a_hung_name_resolver_is_abandoned_at_the_deadline(monkeypatch):
    """DNS that never answers (unit level: getaddrinfo is replaced; nothing leaves the host)."""
    release = threading.Event()
    real = socket.getaddrinfo

    def stuck(host, *args, **kwargs):
        if host in ("resolver-hangs.invalid", b"resolver-hangs.invalid"):
            release.wait(30)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", stuck)
    try:
        start = time.monotonic()
        exchange = http.fetch("https://resolver-hangs.invalid/fhir/metadata", limits=http.Limits(timeout=TIMEOUT))
        took = time.monotonic() - start
    finally:
        release.set()
    assert exchange.failure == http.TIMEOUT, exchange.summary()
    assert took < TIMEOUT + SLACK, took


# --- the real suite: three runs at once (they mostly wait on the hostile servers) --------------

def _loop(name: str, path: str) -> Response:
    return Response(302, redirect_to=f"/{name}/fhir{path}")


HTML_LOGIN = ("<!DOCTYPE html><html><head><title>Sign in</title></head>"
              "<body><form action='/login' method='post'><input name='user'></form></body></html>")

# name -> (response for a path, owner of the discovery failure, class, fragment of the detail)
HOSTILE = {
    "status-401": (lambda n, p: Response(401, [("WWW-Authenticate", 'Bearer realm="fhir"')], "no"),
                   "WK-200", "auth_required", "HTTP 401"),
    "status-403": (lambda n, p: Response(403, [("Content-Type", "text/plain")], "forbidden"),
                   "WK-200", "auth_required", "HTTP 403"),
    "status-404": (lambda n, p: Response(404, [("Content-Type", "text/plain")], "not here"),
                   "WK-200", "http_error", "HTTP 404"),
    "status-500": (lambda n, p: Response(500, [("Content-Type", "text/plain")], "boom"),
                   "WK-200", "http_error", "HTTP 500"),
    "status-503": (lambda n, p: Response(503, [("Retry-After", "3600")], "later"),
                   "WK-200", "http_error", "HTTP 503"),
    "login-page": (lambda n, p: Response(200, [("Content-Type", "text/html")], HTML_LOGIN),
                   "WK-JSON", "not_json", "body is an HTML page"),
    "dropped": (lambda n, p: Response(drop=True), "WK-200", "connect_error", "connection dropped"),
    "redirect-loop": (_loop, "WK-200", "redirect_loop", "redirect loop"),
    "truncated-json": (lambda n, p: Response(200, JSON, '{"issuer": "https://x", "capabilities": ["launch-'),
                       "WK-JSON", "not_json", "invalid JSON"),
    "json-array": (lambda n, p: Response(200, JSON, '[{"resourceType": "CapabilityStatement"}]'),
                   "WK-JSON", "not_json", "body is a JSON array, not an object"),
    "body-20mb": (lambda n, p: Response(200, size_mb=20), "WK-200", "too_large",
                  f"exceeds the {http.Limits().max_body_bytes}-byte cap"),
}
TOKEN_ENV = "SMARTCHECK_SAFETY_TOKEN"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("time")
    doc = json.dumps({"issuer": "https://127.0.0.1"}).encode()
    with LoopbackServer() as server:
        ca = ca_bundle(directory, server)

        # 1. three servers that never answer in time, and one worst case (all 8 probes sent)
        slow = {}
        for name, response in (("hangs", Response(hang=True)), ("drips", Response(200, JSON, doc, drip=1.0)),
                               ("sleeps", Response(200, JSON, doc, delay=4.0))):
            slow[name] = {"base_url": site_routes(server, name, response, response), "ca_bundle": ca, "timeout": FAST}
        base = server.url("/worst/fhir")
        sc, cs = conformant_smart_config(base), conformant_capability_statement(base)

        def smart_config(request):
            if plain(request) and request.headers.get("accept") == "application/json":
                return Response(200, JSON, sc, delay=0.5 * FAST)
            return Response(hang=True)

        def capability_statement(request):
            if plain(request):
                return Response(200, FHIR_JSON, cs, delay=0.5 * FAST)
            return Response(hang=True)

        site_routes(server, "worst", smart_config, capability_statement)
        slow["worst"] = {"base_url": base, "ca_bundle": ca, "timeout": FAST, "profiles": ["ipa"],
                         "auth": {"bearer_token_env": TOKEN_ENV}}

        # 2. N=3 targets that accept and never answer, timeout=1 s
        hanging = {f"hang{i}": {"base_url": site_routes(server, f"hang{i}", Response(hang=True), Response(hang=True)),
                                "ca_bundle": ca, "timeout": TIMEOUT} for i in range(3)}

        # 3. the issue-2 hostile set, default limits
        hostile = {name: {"base_url": site_routes(server, name, make(name, WELL_KNOWN), make(name, METADATA)),
                          "ca_bundle": ca} for name, (make, *_rest) in HOSTILE.items()}

        results = run_all(directory, {"slow": (slow, (), {TOKEN_ENV: "worst-case-token-value"}),
                                      "hanging": (hanging,), "hostile": (hostile,)})
        results["worst_log"] = [entry for entry in server.request_log if entry[1].startswith("/worst/")]
    return results


def test_hanging_dripping_and_sleeping_servers_time_out_on_every_request(runs):
    """A server that accepts and never answers, one that drips a byte a second, one that sleeps
    past the timeout: each request ends by the timeout; dependents skip and send nothing."""
    run = runs["slow"]
    assert run.ret == 1, run.output
    assert_no_errors(run)
    for name in ("hangs", "drips", "sleeps"):
        assert_root_cause(run, name, "WK-200", "timeout", f"no complete response within {FAST:g} s")
        assert_root_cause(run, name, "CS-200", "timeout", f"no complete response within {FAST:g} s")
        assert_dependents_skip(run, name, "WK-200", "timeout", ("WK-JSON", "WK-CTYPE", *SC_DEPENDENTS))
        assert_dependents_skip(run, name, "CS-200", "timeout", ("CS-CTYPE", *CS_DEPENDENTS))
        probes = fetched_probes(run, name)
        assert set(probes) == {"smart_config", "capability_statement"}   # dependents send nothing more
        for data in probes.values():
            assert data["failure"]["class"] == "timeout"
            assert data["timing"]["elapsed_seconds"] < FAST + SLACK, data["timing"]
    network = sum(data["timing"]["elapsed_seconds"] for name in SLOW_TARGETS
                  for data in fetched_probes(run, name).values())
    assert network <= worst_case(len(SLOW_TARGETS), FAST), network
    assert session_seconds(run) <= worst_case(len(SLOW_TARGETS), FAST) + OVERHEAD


SLOW_TARGETS = ("hangs", "drips", "sleeps", "worst")
OVERHEAD = 10.0      # the suite's own work in that run (400 tests and their reports), generously


def test_worst_case_target_sends_each_probe_once_within_P_x_timeout(runs):
    """One target that answers the two plain probes just inside the timeout and hangs every
    other probe (content negotiation, CORS, authenticated): all 8 probes are sent, once each,
    each ends by the timeout, and their total stays within 8 x timeout."""
    run = runs["slow"]
    assert_no_errors(run)
    probes = fetched_probes(run, "worst")
    assert set(probes) == set(PROBES)
    timed_out = {name for name, data in probes.items() if (data["failure"] or {}).get("class") == "timeout"}
    assert timed_out == set(PROBES) - {"smart_config", "capability_statement"}
    assert all(data["timing"]["elapsed_seconds"] < FAST + SLACK for data in probes.values())
    assert len(runs["worst_log"]) == len(PROBES)   # each probe sent once per target/persona, never retried
    network = sum(data["timing"]["elapsed_seconds"] for data in probes.values())
    assert network <= worst_case(1, FAST) + SLACK, network
    for requirement in ("WK-ACCEPT", "WK-AUTHED", "CS-AUTHED", "WK-CORS"):
        case = run.case(requirement, "worst")
        assert case.verdict == "fail" and "timeout" in case.message, (requirement, case.verdict, case.message)
    assert "no answer to a request with an Origin header (timeout: no complete response" in run.case("WK-CORS", "worst").message


def test_three_hanging_targets_finish_within_the_stated_worst_case(runs):
    """N=3 targets that accept and never answer, timeout=1: within 8 x 1 s x 3 = 24 s."""
    run = runs["hanging"]
    bound = worst_case(3, TIMEOUT)
    assert bound == 24.0
    assert run.ret == 1, run.output
    assert_no_errors(run)
    for name in ("hang0", "hang1", "hang2"):
        assert_root_cause(run, name, "WK-200", "timeout", "no complete response within 1 s")
        assert_root_cause(run, name, "CS-200", "timeout", "no complete response within 1 s")
        assert_dependents_skip(run, name, "WK-200", "timeout", SC_DEPENDENTS)
        for data in fetched_probes(run, name).values():
            assert data["timing"]["elapsed_seconds"] < TIMEOUT + SLACK, data["timing"]
    assert session_seconds(run) <= bound, run.output[-500:]


def test_hostile_answers_give_the_root_cause_on_the_owner_and_dependents_skip(runs):
    run = runs["hostile"]
    assert run.ret == 1, run.output
    assert_no_errors(run)
    for name, (_make, owner, failure, fragment) in HOSTILE.items():
        assert_root_cause(run, name, owner, failure, fragment)
        assert_dependents_skip(run, name, owner, failure, SC_DEPENDENTS)
        if owner == "WK-JSON":   # the document arrived: WK-200 judges the status, CS-200 owns its parse failure
            assert run.verdict("WK-200", name) == "pass"
        else:
            assert_dependents_skip(run, name, "WK-200", failure, ("WK-JSON", "WK-CTYPE"))
        assert_root_cause(run, name, "CS-200", failure, fragment)
        assert_dependents_skip(run, name, "CS-200", failure, ("CS-CTYPE", *CS_DEPENDENTS))
        for case in cases_for(run, name):   # nothing else went wrong: every other verdict is a reasoned skip
            if case.verdict == "skip":
                assert case.message.startswith(("depends on ", "not applicable", "needs a credential")), case.message
    # bounded: nothing here costs a timeout, so far below P x timeout x N with the default 10 s
    assert session_seconds(run) < min(30.0, worst_case(len(HOSTILE), http.Limits().timeout))
