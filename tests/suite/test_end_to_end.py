"""The real suite, run as a user runs it, against the embedded reference and loopback sites."""
import json

from tests.support.servers import LoopbackServer, Response
from tests.support.sites import add_site
from tests.support.suite_run import run_suite


def test_reference_target_passes_every_applicable_shall(pytester):
    run = run_suite(pytester, {"reference": {"embedded": "reference", "profiles": ["ipa"],
                                             "personas": ["patient", "provider", "system"]}})
    assert run.ret == 0, run.output
    verdicts = {c.verdict for c in run.cases}
    assert verdicts <= {"pass", "skip"}, [c.name for c in run.cases if c.verdict not in ("pass", "skip")]
    assert run.select("PKCE-S256")[0].verdict == "pass"
    for name in ("junit.xml", "report.html", "endpoints.json"):
        assert (run.reports / name).is_file()
    credential_skips = [c for c in run.cases if c.properties.get("requirement") in ("WK-AUTHED", "CS-AUTHED")]
    assert credential_skips and all("needs a credential" in c.message for c in credential_skips)


def test_loopback_site_and_404_root_cause(pytester):
    with LoopbackServer() as server:
        ca = server.ca.write_pem(pytester.path / "ca.pem")
        good = add_site(server, "good")
        missing = add_site(server, "missing", smart_config=Response(404, [("Content-Type", "text/plain")], "nope"))
        run = run_suite(pytester, {
            "good": {"base_url": good, "ca_bundle": str(ca), "profiles": ["ipa"]},
            "missing": {"base_url": missing, "ca_bundle": str(ca)},
        })
    assert run.verdict("WK-200", "good") == "pass"
    assert run.verdict("PKCE-S256", "good") == "pass"
    assert run.verdict("WK-200", "missing") == "fail"
    assert "http_error: HTTP 404" in run.case("WK-200", "missing").message
    pkce = run.case("PKCE-S256", "missing")
    assert pkce.verdict == "skip" and pkce.message.startswith("depends on WK-200: http_error: HTTP 404")
    assert run.ret == 1


def test_endpoints_json_matches_its_schema(pytester):
    import jsonschema
    from tests.support.suite_run import REPO

    run = run_suite(pytester, {"reference": {"embedded": "reference", "profiles": ["ipa"], "personas": ["patient", "system"]}})
    document = json.loads((run.reports / "endpoints.json").read_text())
    schema = json.loads((REPO / "schemas" / "endpoints.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    assert [(e["target"], e["persona"]) for e in document["endpoints"]] == [("reference", "patient"), ("reference", "system")]
    entry = document["endpoints"][0]
    assert entry["profile"]["probe_status"] == "success"
    assert entry["documents"]["smart_configuration"]["body"]["capabilities"]
