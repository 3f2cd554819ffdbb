"""TLS: verification is always on; ``ca_bundle`` adds trust for one target only.

Why: a conformance verdict about a server we could not authenticate would be about whoever
answered.  There is no switch to turn verification off: a self-signed, expired, wrong-host or
untrusted-CA certificate is a tls_error naming the reason, on the owner test (SECURITY.md, "TLS").
"""
from __future__ import annotations

import pytest

from tests.support.servers import LoopbackServer
from tests.support.hostile import (
    CS_DEPENDENTS, SC_DEPENDENTS, assert_dependents_skip, assert_no_errors, assert_root_cause, ca_bundle,
    run_all, site_routes,
)

BAD = {   # tls mode -> the reason the certificate was refused
    "self-signed": "self-signed certificate",
    "expired": "certificate has expired",
    "wrong-host": "IP address mismatch",       # the certificate names not-127.example, we asked for 127.0.0.1
    "untrusted": "unable to get local issuer certificate",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tls")
    servers = {mode: LoopbackServer(tls=mode) for mode in (*BAD, "valid")}
    try:
        ca = ca_bundle(directory, servers["valid"])   # the shared test CA: the one that signs "valid" and "expired"
        targets = {mode: {"base_url": site_routes(servers[mode], mode), "ca_bundle": ca} for mode in BAD}
        valid = site_routes(servers["valid"], "valid")
        targets["valid-no-bundle"] = {"base_url": valid}
        targets["valid-with-bundle"] = {"base_url": valid, "ca_bundle": ca}
        targets["valid-no-bundle-again"] = {"base_url": valid}   # after the bundle was used: still not trusted
        yield run_all(directory, {"run": (targets,)})["run"]
    finally:
        for server in servers.values():
            server.stop()


@pytest.mark.parametrize("mode", list(BAD))
def test_a_bad_certificate_is_a_tls_error_naming_the_reason(run, mode):
    assert_no_errors(run)
    assert_root_cause(run, mode, "WK-200", "tls_error", f"certificate verification failed: {BAD[mode]}")
    assert_root_cause(run, mode, "CS-200", "tls_error", BAD[mode])
    assert_dependents_skip(run, mode, "WK-200", "tls_error", ("WK-JSON", *SC_DEPENDENTS))
    assert_dependents_skip(run, mode, "CS-200", "tls_error", CS_DEPENDENTS)


def test_ca_bundle_adds_trust_for_its_own_target_only(run):
    assert run.verdict("WK-200", "valid-with-bundle") == "pass"
    assert run.verdict("CS-200", "valid-with-bundle") == "pass"
    for name in ("valid-no-bundle", "valid-no-bundle-again"):
        assert_root_cause(run, name, "WK-200", "tls_error", "unable to get local issuer certificate")
        assert_root_cause(run, name, "CS-200", "tls_error", "unable to get local issuer certificate")
