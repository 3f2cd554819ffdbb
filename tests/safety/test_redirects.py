"""Redirects: loops and long chains stop at the limit, downgrades are refused, hops are recorded,
and credentials (and cookies) never reach another origin than the one configured.

Why: redirects are how a server (or whoever controls it) sends our requests somewhere else.
The client follows them by hand: at most ``max_redirects`` hops (default 5), never from https
to http, each hop recorded with a note when it changes origin (scheme://host:port), and the
Authorization header only to the configured origin (SECURITY.md, "Redirects").
"""
from __future__ import annotations

import pytest

from smartcheck import http
from smartcheck.http import Limits
from smartcheck.targets import DEFAULT_MAX_REDIRECTS
from tests.support.hostile import (
    METADATA, SC_DEPENDENTS, WELL_KNOWN, assert_dependents_skip, assert_no_errors, assert_root_cause, ca_bundle,
    evidence, run_all, site_routes,
)
from tests.support.servers import LoopbackServer, Response
from tests.support.sites import FHIR_JSON, JSON, conformant_capability_statement, conformant_smart_config

TOKEN_ENV = "SMARTCHECK_REDIRECT_TOKEN"
TOKEN = "redirect-test-token-4f1c9a"


def _chain(server, name: str, redirects: int, final: str) -> Response:
    """The discovery route's answer for a chain of ``redirects`` redirects ending at ``final``:
    discovery -> /name/hop/1 -> ... -> /name/hop/<redirects-1> -> final (every URL new)."""
    for i in range(1, redirects - 1):
        server.routes[f"/{name}/hop/{i}"] = Response(302, redirect_to=f"/{name}/hop/{i + 1}")
    if redirects > 1:
        server.routes[f"/{name}/hop/{redirects - 1}"] = Response(302, redirect_to=final)
    return Response(302, redirect_to=f"/{name}/hop/1" if redirects > 1 else final)


@pytest.fixture(scope="module")
def redirects(tmp_path_factory):
    directory = tmp_path_factory.mktemp("redirects")
    with LoopbackServer() as a, LoopbackServer(ca=a.ca) as b, LoopbackServer(tls=False) as plain_http:
        ca = ca_bundle(directory, a)
        targets = {}

        def target(name, **extra):
            targets[name] = {"base_url": a.url(f"/{name}/fhir"), "ca_bundle": ca, **extra}

        # a redirect to itself, and a chain longer than the limit (each URL new)
        site_routes(a, "loop", Response(302, redirect_to=f"/loop/fhir{WELL_KNOWN}"), None)
        target("loop")
        site_routes(a, "long", _chain(a, "long", 12, "/nowhere"), None)
        target("long")
        # three hops to the real document: fine by default, over a per-target limit of 2
        good = site_routes(a, "good")
        site_routes(a, "three", _chain(a, "three", 3, f"/good/fhir{WELL_KNOWN}"), None)
        target("three")
        targets["three-limit-2"] = {**targets["three"], "max_redirects": 2}
        # https -> http downgrade (the plain-http server would answer, if it were ever asked)
        plain_http.routes[f"/fhir{WELL_KNOWN}"] = Response(200, JSON, conformant_smart_config(good))
        site_routes(a, "downgrade", Response(302, redirect_to=plain_http.url(f"/fhir{WELL_KNOWN}")), None)
        target("downgrade")
        # to another origin (same address, another port): followed and recorded in the hop
        other = site_routes(b, "other")
        site_routes(a, "cross", Response(301, redirect_to=f"{other}{WELL_KNOWN}"), None)
        target("cross")
        # a cookie set on the way to another origin is not carried there
        site_routes(a, "cookie", Response(302, [("Set-Cookie", "session=from-a; Path=/")],
                                          redirect_to=f"{other}{WELL_KNOWN}"), None)
        target("cookie")
        # the authenticated probes are redirected to the other origin: no Authorization there
        base = a.url("/authed/fhir")
        sc, cs = conformant_smart_config(base), conformant_capability_statement(base)

        def authed(doc, media, path):
            def route(request):
                if "authorization" in request.headers:
                    return Response(307, redirect_to=b.url(f"/landing{path}"))
                return Response(200, media + [("Access-Control-Allow-Origin", "*")], doc)
            return route

        site_routes(a, "authed", authed(sc, JSON, WELL_KNOWN), authed(cs, FHIR_JSON, METADATA))
        b.routes[f"/landing{WELL_KNOWN}"] = Response(200, JSON, sc)
        b.routes[f"/landing{METADATA}"] = Response(200, FHIR_JSON, cs)
        target("authed", profiles=["ipa"], auth={"bearer_token_env": TOKEN_ENV})

        runs = run_all(directory, {"run": (targets, (), {TOKEN_ENV: TOKEN})})
        yield {"run": runs["run"], "a": list(a.request_log), "b": list(b.request_log),
               "http": list(plain_http.request_log), "other": other, "b_origin": b.base_url}


def test_a_redirect_loop_stops_at_once(redirects):
    run = redirects["run"]
    assert_no_errors(run)
    assert_root_cause(run, "loop", "WK-200", "redirect_loop", "was already visited")
    assert_dependents_skip(run, "loop", "WK-200", "redirect_loop", SC_DEPENDENTS)
    hops = evidence(run, "loop", "patient", "smart_config")["redirects"]
    assert [(h["followed"], h["note"]) for h in hops] == [(False, "loop")]


def test_a_long_chain_stops_at_the_limit(redirects):
    run = redirects["run"]
    assert DEFAULT_MAX_REDIRECTS == Limits().max_redirects == 5
    assert_root_cause(run, "long", "WK-200", "redirect_loop", f"more than {DEFAULT_MAX_REDIRECTS} redirects")
    hops = evidence(run, "long", "patient", "smart_config")["redirects"]
    assert len(hops) == DEFAULT_MAX_REDIRECTS + 1 and sum(h["followed"] for h in hops) == DEFAULT_MAX_REDIRECTS
    assert hops[-1]["note"] == "limit"
    requested = [path for _method, path, _headers in redirects["a"]
                 if path.startswith("/long/") and not path.endswith(METADATA)]
    assert len(requested) == DEFAULT_MAX_REDIRECTS + 1   # the original request and the 5 hops followed, no more


def test_hops_within_the_limit_are_followed_and_a_target_can_lower_the_limit(redirects):
    run = redirects["run"]
    wk = run.case("WK-200", "three")
    assert wk.verdict == "pass" and "after 3 redirect(s)" in wk.message, wk.message
    assert run.verdict("PKCE-S256", "three") == "pass"
    assert_root_cause(run, "three-limit-2", "WK-200", "redirect_loop", "more than 2 redirects")


def test_an_https_to_http_downgrade_is_refused_and_never_followed(redirects):
    run = redirects["run"]
    assert_root_cause(run, "downgrade", "WK-200", "http_error", "https->http downgrade refused")
    hop = evidence(run, "downgrade", "patient", "smart_config")["redirects"][0]
    assert hop["followed"] is False and hop["location"].startswith("http://127.0.0.1:")
    assert redirects["http"] == []   # the plain-http server was never contacted


def test_a_redirect_to_another_origin_is_followed_and_recorded_in_the_hop(redirects):
    run = redirects["run"]
    origin = redirects["b_origin"]
    wk = run.case("WK-200", "cross")
    assert wk.verdict == "pass", wk.message
    assert f"[to another host ({origin})]" in wk.message, wk.message
    data = evidence(run, "cross", "patient", "smart_config")
    assert data["redirects"] == [{"status": 301, "url": data["request"]["url"],
                                  "location": f"{redirects['other']}{WELL_KNOWN}", "followed": True,
                                  "note": f"to another host ({origin})"}]
    assert data["response"]["final_url"] == f"{redirects['other']}{WELL_KNOWN}"


def test_a_cookie_from_one_origin_is_not_sent_to_another(redirects):
    landed = [headers for _m, path, headers in redirects["b"] if path.startswith("/other/")]
    assert landed, "the redirect to the other origin was followed"
    assert all("cookie" not in headers for headers in landed)


def test_credentials_never_reach_another_origin(redirects):
    run = redirects["run"]
    sent = [headers.get("authorization") for _m, path, headers in redirects["a"] if path.startswith("/authed/")]
    assert f"Bearer {TOKEN}" in sent   # the configured origin did get the credential (the probe is real)
    landing = [(path, headers) for _m, path, headers in redirects["b"] if path.startswith("/landing")]
    assert {path for path, _ in landing} == {f"/landing{WELL_KNOWN}", f"/landing{METADATA}"}
    assert all("authorization" not in headers for _path, headers in landing), landing
    assert all("cookie" not in headers for _path, headers in landing)
    for requirement in ("WK-AUTHED", "CS-AUTHED"):   # followed without the credential, and judged
        assert run.verdict(requirement, "authed") == "pass"
    hop = evidence(run, "authed", "patient", "smart_config_authed")["redirects"][0]
    assert hop["note"] == f"to another host ({redirects['b_origin']})"


@pytest.mark.parametrize("location, fragment", [
    ("ftp://127.0.0.1/x", "not an http(s) URL"),
    ("file:///etc/passwd", "not an http(s) URL"),
    ("http://127.0.0.1:99999/x", "unusable Location"),
    ("http://127.0.0.1:abc/", "unusable Location"),
])
def test_a_redirect_to_an_unusable_or_non_http_location_is_refused(location, fragment):
    with LoopbackServer({"/r": Response(302, redirect_to=location)}, tls=False) as server:
        exchange = http.fetch(server.url("/r"), limits=Limits(timeout=2))
        assert [path for _m, path, _h in server.request_log] == ["/r"]
    assert exchange.failure == "http_error" and fragment in exchange.detail, exchange.summary()
