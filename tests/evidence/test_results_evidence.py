"""results.json and the evidence files of a real suite run against loopback sites."""
import json
import re

import jsonschema

from smartcheck import evidence
from smartcheck.http import Exchange, Hop
from tests.evidence.helpers import load_results, schema
from tests.support.servers import LoopbackServer, Response
from tests.support.sites import JSON, add_site
from tests.support.suite_run import run_suite

SECRET = "s3cr3t-bearer-value-for-evidence"


def test_results_json_and_evidence_of_a_run(pytester, monkeypatch):
    monkeypatch.setenv("EVIDENCE_TOKEN", SECRET)
    with LoopbackServer() as server:
        ca = server.ca.write_pem(pytester.path / "ca.pem")
        good = add_site(server, "good", smart_config=lambda d: d.update({"note": f"echo {SECRET}"}))
        bad = add_site(server, "bad", smart_config=Response(200, [("Content-Type", "text/plain")], "not json at all"))
        run = run_suite(pytester, {
            "good": {"base_url": good, "ca_bundle": str(ca), "profiles": ["ipa"], "personas": ["patient", "system"],
                     "auth": {"bearer_token_env": "EVIDENCE_TOKEN"}},
            "bad": {"base_url": bad, "ca_bundle": str(ca)},
        })
    document = load_results(run.reports)
    jsonschema.Draft202012Validator(schema("results.schema.json")).validate(document)
    meta = document["run"]
    assert meta["suite_version"] and meta["catalogue_version"] and meta["mode"] == "live"
    assert re.fullmatch(r"[0-9a-f]{64}", meta["targets_file"]["sha256"])
    assert meta["started_at"] <= meta["finished_at"]
    # sorted by target, persona, requirement, item
    keys = [(e["target"], e["persona"]) for e in document["endpoints"]]
    assert keys == sorted(keys) == [("bad", "patient"), ("good", "patient"), ("good", "system")]
    for endpoint in document["endpoints"]:
        order = [(r["requirement"], r["item"] or "") for r in endpoint["results"]]
        assert order == sorted(order)
    # JUnit and results.json agree, one entry per test
    assert sum(len(e["results"]) for e in document["endpoints"]) == len(run.cases)
    by_key = {(e["target"], e["persona"], r["requirement"], r["item"]): r for e in document["endpoints"] for r in e["results"]}
    wk_json = by_key[("bad", "patient", "WK-JSON", None)]
    assert wk_json["verdict"] == "fail" and wk_json["level"] == "SHALL" and "not_json" in wk_json["message"]
    assert wk_json["evidence"] == ["evidence/bad/patient/smart_config.json"]
    assert by_key[("good", "patient", "IPA-INTERACTIONS", "Observation")]["evidence"] == ["evidence/good/patient/capability_statement.json"]
    # every referenced exchange exists, the manifest checks, and no secret was written anywhere
    evidence_dir = run.reports / "evidence"
    for entry in by_key.values():
        for path in entry["evidence"]:
            assert (run.reports / path).is_file(), path
    assert evidence.verify_manifest(evidence_dir) == []
    manifest = (evidence_dir / "MANIFEST.sha256").read_text()
    assert re.search(r"^[0-9a-f]{64}  good/system/smart_config_authed\.json$", manifest, re.M)
    authed = json.loads((evidence_dir / "good/system/smart_config_authed.json").read_text())
    assert ["Authorization", "[REDACTED]"] in authed["request"]["headers"]
    plain = json.loads((evidence_dir / "good/patient/smart_config.json").read_text())
    assert plain["request"]["method"] == "GET" and plain["request"]["url"].endswith("/.well-known/smart-configuration")
    assert plain["response"]["status"] == 200 and plain["response"]["body_encoding"] == "utf-8"
    assert "echo [REDACTED]" in plain["response"]["body"]
    assert plain["tls"]["version"].startswith("TLS") and plain["tls"]["cipher"]
    assert plain["timing"]["elapsed_seconds"] >= 0 and plain["timing"]["started_at"]
    for path in run.reports.rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(encoding="utf-8", errors="replace"), path
    # the HTML report links verdicts to their exchanges, relatively
    html = (run.reports / "report.html").read_text()
    assert "href='evidence/bad/patient/smart_config.json'" in html
    assert "results.json" in run.output


def test_exchange_round_trip_binary_body_and_redirects():
    exchange = Exchange(method="GET", url="https://a.example/x", request_headers=[("Accept", "application/json")],
                        final_url="https://b.example/x", status=200, response_headers=[("Content-Type", "image/png")],
                        body=b"\x89PNG\xff\x00", hops=[Hop(302, "https://a.example/x", "https://b.example/x", True, "to another host")],
                        elapsed=0.25, started_at="2026-01-01T00:00:00.000+00:00", tls={"version": "TLSv1.3", "cipher": "X"})
    data = evidence.exchange_to_dict(exchange, target="t", persona="patient", probe="smart_config", base_url="https://a.example")
    assert data["response"]["body_encoding"] == "base64"
    back = evidence.exchange_from_dict(json.loads(evidence.dumps(data)))
    assert back == exchange


def test_failure_class_is_recorded(pytester):
    with LoopbackServer() as server:
        ca = server.ca.write_pem(pytester.path / "ca.pem")
        base = add_site(server, "loop", smart_config=Response(302, JSON, {}, redirect_to=server.url("/loop/fhir/.well-known/smart-configuration")))
        run = run_suite(pytester, {"loop": {"base_url": base, "ca_bundle": str(ca)}})
    data = json.loads((run.reports / "evidence/loop/patient/smart_config.json").read_text())
    assert data["failure"]["class"] == "redirect_loop"
    assert data["redirects"] and data["redirects"][0]["status"] == 302
    assert run.verdict("WK-200", "loop") == "fail"
