"""Read-only: a full run sends GET requests to the discovery URLs and nothing else.

Why: the suite is pointed at production servers.  It must never create, change or delete
anything, so the only requests a server sees are GETs of {base}/.well-known/smart-configuration
and {base}/metadata (OPTIONS is allowed by the client but not used), each probe at most once
per target and persona (SECURITY.md, "Read-only").
"""
from __future__ import annotations

import pytest

from smartcheck import http
from smartcheck.documents import PROBES
from tests.support.hostile import METADATA, WELL_KNOWN, assert_no_errors, ca_bundle, run_all, site_routes
from tests.support.servers import LoopbackServer

TOKEN_ENV = "SMARTCHECK_READONLY_TOKEN"


def test_a_full_run_sends_only_gets_of_the_two_discovery_urls(tmp_path):
    with LoopbackServer() as server:
        ca = ca_bundle(tmp_path, server)
        base = site_routes(server, "full")
        other = site_routes(server, "system-only")
        targets = {"full": {"base_url": base, "ca_bundle": ca, "profiles": ["ipa"], "smart_version": "2.2",
                            "personas": {"patient": None, "provider": None, "system": {"base_url": other}},
                            "auth": {"bearer_token_env": TOKEN_ENV},
                            "expect": {"resources": {"Patient": "read-only", "Observation": ["read", "search-type"],
                                                     "Condition": "writable"}}}}
        run = run_all(tmp_path, {"run": (targets, (), {TOKEN_ENV: "read-only-token-value"})})["run"]
        log = list(server.request_log)
    assert_no_errors(run)
    assert run.verdict("WK-AUTHED", "full", "patient") == "pass"     # the authenticated probes ran too
    assert {method for method, _path, _headers in log} <= {"GET", "OPTIONS"}
    assert {method for method, _path, _headers in log} == {"GET"}
    allowed = {f"/{site}/fhir{path}" for site in ("full", "system-only") for path in (WELL_KNOWN, METADATA)}
    assert {path for _method, path, _headers in log} == allowed
    assert len(log) == len(PROBES) * 3        # every probe once per persona: no retries, no extra requests
    assert all(not server_request.body for server_request in server.requests)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "post", "CONNECT", "TRACE"])
def test_the_client_refuses_any_method_that_is_not_read_only(method):
    with LoopbackServer(tls=False) as server:
        with pytest.raises(ValueError, match="read-only"):
            http.fetch(server.url("/anything"), method=method)
        assert server.request_log == []     # refused before any connection
    assert http.READ_ONLY_METHODS == {"GET", "HEAD", "OPTIONS"}
