"""Size: bodies over the cap and decompression bombs end as too_large, in bounded memory.

Why: a discovery URL may answer with gigabytes, or with a few kilobytes of gzip that inflate
to gigabytes.  The cap (default 5 MB, per-target ``max_body_bytes``) applies after our own
bounded gzip inflation, so memory never grows with what the server sends (SECURITY.md, "Size").
"""
from __future__ import annotations

import json
import subprocess
import sys

from smartcheck import http
from smartcheck.targets import DEFAULT_MAX_BODY
from tests.support.hostile import (
    CS_DEPENDENTS, SC_DEPENDENTS, assert_dependents_skip, assert_no_errors, assert_root_cause, ca_bundle,
    site_routes,
)
from tests.support.servers import MB, LoopbackServer, Response
from tests.support.suite_run import REPO, run_suite


def test_bodies_over_the_cap_and_gzip_bombs_are_too_large(pytester):
    with LoopbackServer() as server:
        ca = ca_bundle(pytester, server)
        declared = Response(200, size_mb=6)                 # Content-Length says 6 MB: refused unread
        chunked = Response(200, size_mb=6, chunked=True)    # no length: cut off while reading
        bomb = Response(200, gzip_bomb_mb=50)               # ~50 KB on the wire, 50 MB inflated
        medium = Response(200, size_mb=0.2)                 # 200 KB: fine by default, too much for a 100 KB cap
        targets = {
            "declared-6mb": {"base_url": site_routes(server, "declared", declared, declared)},
            "chunked-6mb": {"base_url": site_routes(server, "chunked", chunked, chunked)},
            "gzip-bomb": {"base_url": site_routes(server, "bomb", bomb, bomb)},
            "cap-default": {"base_url": site_routes(server, "medium", medium, medium)},
            "cap-100k": {"base_url": server.url("/medium/fhir"), "max_body_bytes": 100_000},
        }
        for spec in targets.values():
            spec["ca_bundle"] = ca
        run = run_suite(pytester, targets)
    assert_no_errors(run)
    cap = DEFAULT_MAX_BODY
    assert cap == http.Limits().max_body_bytes == 5 * MB
    assert_root_cause(run, "declared-6mb", "WK-200", "too_large", f"Content-Length {6 * MB} exceeds the {cap}-byte cap")
    assert_root_cause(run, "chunked-6mb", "WK-200", "too_large", f"body exceeds the {cap}-byte cap (after decompression)")
    assert_root_cause(run, "gzip-bomb", "WK-200", "too_large", f"body exceeds the {cap}-byte cap (after decompression)")
    assert_root_cause(run, "gzip-bomb", "CS-200", "too_large", "after decompression")
    assert_root_cause(run, "cap-100k", "WK-200", "too_large", "exceeds the 100000-byte cap")
    assert_root_cause(run, "cap-100k", "CS-200", "too_large", "exceeds the 100000-byte cap")
    for name in ("declared-6mb", "chunked-6mb", "gzip-bomb", "cap-100k"):
        assert_dependents_skip(run, name, "WK-200", "too_large", ("WK-JSON", *SC_DEPENDENTS))
        assert_dependents_skip(run, name, "CS-200", "too_large", CS_DEPENDENTS)
    # the same 200 KB document is accepted under the default cap: max_body_bytes is per target
    assert run.verdict("WK-200", "cap-default") == "pass"
    assert run.verdict("WK-JSON", "cap-default") == "pass"


MEASURE = REPO / "scripts" / "measure_fetch_memory.py"



def test_peak_memory_does_not_grow_with_the_bomb_size(tmp_path):
    """A 50 MB and a 500 MB gzip bomb, each fetched in a fresh process: the peak resident size
    (VmHWM, reset just before the fetch) grows by about twice the cap for both, and Python
    allocations (tracemalloc) peak at about twice the cap (the pieces plus their join)."""
    script = MEASURE
    routes = {"/warm": Response(200, body={"ok": True}),
              "/bomb50": Response(200, gzip_bomb_mb=50), "/bomb500": Response(200, gzip_bomb_mb=500)}
    with LoopbackServer(routes, tls=False) as server:
        procs = {size: subprocess.Popen([sys.executable, str(script), server.url("/warm"), server.url(f"/bomb{size}")],
                                        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for size in (50, 500)}
        results = {}
        for size, proc in procs.items():
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            results[size] = json.loads(out.strip().splitlines()[-1])
    cap_kb = DEFAULT_MAX_BODY // 1024
    for size, result in results.items():
        assert result["failure"] == "too_large", result
        assert "after decompression" in result["detail"]
        assert result["traced_peak_bytes"] < 3 * DEFAULT_MAX_BODY, (size, result)
        if result["peak_reset"]:
            assert result["rss_growth_kb"] < 4 * cap_kb, (size, result)      # 20 MB, whatever the bomb
    # ten times the bomb, not more memory: the difference is noise, far below the 450 MB extra inflation
    assert abs(results[500]["rss_growth_kb"] - results[50]["rss_growth_kb"]) < 2 * cap_kb, results
    assert abs(results[500]["traced_peak_bytes"] - results[50]["traced_peak_bytes"]) < 1 * MB, results
    print("memory:", json.dumps(results))
