"""--waivers: waived until expiry, then failing again; expired and unused waivers reported."""
import datetime as dt

import yaml

from tests.evidence.helpers import load_results
from tests.support.servers import LoopbackServer, Response
from tests.support.sites import add_site
from tests.support.suite_run import run_suite


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def test_waived_expired_and_unused(pytester):
    today = _utc_today()
    waivers = pytester.path / "waivers.yaml"
    waivers.write_text(yaml.safe_dump([
        {"target": "site", "requirement": "WK-CTYPE", "justification": "vendor ticket 42: CDN rewrites the type",
         "expires": (today + dt.timedelta(days=30)).isoformat()},
        {"target": "site", "requirement": "CS-CTYPE", "persona": "patient", "justification": "accepted last quarter",
         "expires": (today - dt.timedelta(days=1)).isoformat()},
        {"target": "site", "requirement": "PKCE-S256", "justification": "never needed",
         "expires": (today + dt.timedelta(days=30)).isoformat()},
        {"target": "site", "requirement": "WK-CORS", "justification": "expires today, still valid today",
         "expires": today.isoformat()},
    ]), encoding="utf-8")
    with LoopbackServer() as server:
        ca = server.ca.write_pem(pytester.path / "ca.pem")
        base = add_site(server, "site", cors=False)
        for path, media in (("/.well-known/smart-configuration", "text/plain"), ("/metadata", "text/html")):
            route = server.routes[f"/site/fhir{path}"]
            server.routes[f"/site/fhir{path}"] = Response(200, [("Content-Type", media)], route.body)
        run = run_suite(pytester, {"site": {"base_url": base, "ca_bundle": str(ca), "smart_version": "2.2"}},
                        f"--waivers={waivers}")
    ctype = run.case("WK-CTYPE", "site")
    assert ctype.verdict == "waived" and ctype.outcome == "passed"
    assert "waived (W1): vendor ticket 42" in ctype.message and "expires" in ctype.message
    cs = run.case("CS-CTYPE", "site")          # SHOULD: a warning again once its waiver expired
    assert cs.verdict == "warn" and "waiver W2 expired on" in cs.message
    assert run.verdict("WK-CORS", "site") == "waived"
    assert run.verdict("PKCE-S256", "site") == "pass"
    document = load_results(run.reports)
    w = document["waivers"]
    assert [x["id"] for x in w["applied"]] == ["W1", "W4"]
    assert [x["id"] for x in w["expired"]] == ["W2"] and w["expired"][0]["matched_failures"] == 1
    assert [x["id"] for x in w["unused"]] == ["W3"]
    assert "UNUSED W3 site PKCE-S256" in run.output and "EXPIRED W2 site/patient CS-CTYPE" in run.output
    entry = next(r for e in document["endpoints"] for r in e["results"] if r["requirement"] == "WK-CTYPE")
    assert entry["verdict"] == "waived" and entry["waiver"] == "W1"
    assert run.ret == 0, run.output


def test_expired_waiver_lets_the_failure_fail_the_run(pytester):
    waivers = pytester.path / "waivers.yaml"
    waivers.write_text(yaml.safe_dump([{"target": "site", "requirement": "WK-JSON", "justification": "old",
                                        "expires": (_utc_today() - dt.timedelta(days=1)).isoformat()}]))
    with LoopbackServer() as server:
        ca = server.ca.write_pem(pytester.path / "ca.pem")
        base = add_site(server, "site", smart_config=Response(200, [("Content-Type", "application/json")], "[1, 2]"))
        run = run_suite(pytester, {"site": {"base_url": base, "ca_bundle": str(ca)}}, f"--waivers={waivers}")
    case = run.case("WK-JSON", "site")
    assert case.verdict == "fail" and case.outcome == "failed" and "expired" in case.message
    assert run.ret == 1


def test_invalid_waivers_file_is_a_usage_error(pytester):
    waivers = pytester.path / "waivers.yaml"
    waivers.write_text(yaml.safe_dump([{"target": "reference", "requirement": "NOT-AN-ID", "justification": "x y z",
                                        "expires": "2030-01-01"}]))
    run = run_suite(pytester, {"reference": {"embedded": "reference"}}, f"--waivers={waivers}")
    assert run.ret == 4 and "not a catalogue requirement ID" in run.output
    waivers.write_text(yaml.safe_dump([{"target": "reference", "requirement": "WK-200", "expires": "2030-01-01"}]))
    run = run_suite(pytester, {"reference": {"embedded": "reference"}}, f"--waivers={waivers}")
    assert run.ret == 4 and "justification" in run.output
