"""pytest-xdist gives the same results.json verdicts; python -m smartcheck.merge combines shards."""
import subprocess
import sys

import jsonschema

from smartcheck import evidence
from tests.evidence.helpers import keep, load_results, schema, verdict_table
from tests.support.suite_run import REPO, run_suite

REFERENCE = {"reference": {"embedded": "reference", "profiles": ["ipa"], "personas": ["patient", "provider", "system"],
                           "expect": {"resources": {"Patient": "read-only", "Observation": ["read", "search-type"]}}}}


def test_xdist_gives_identical_verdicts_on_the_reference_target(pytester):
    serial = run_suite(pytester, REFERENCE)
    serial_doc = load_results(keep(serial.reports, pytester.path / "serial"))
    parallel = run_suite(pytester, REFERENCE, "-n", "2")
    assert "2 workers" in parallel.output or "gw1" in parallel.output, parallel.output
    parallel_doc = load_results(parallel.reports)
    assert parallel.ret == serial.ret == 0
    assert verdict_table(parallel_doc) == verdict_table(serial_doc)
    assert [(e["target"], e["persona"], e["counts"]) for e in parallel_doc["endpoints"]] == \
           [(e["target"], e["persona"], e["counts"]) for e in serial_doc["endpoints"]]
    # workers wrote the exchanges, the controller the manifest
    assert evidence.verify_manifest(parallel.reports / "evidence") == []
    for endpoint in parallel_doc["endpoints"]:
        for entry in endpoint["results"]:
            for path in entry["evidence"]:
                assert (parallel.reports / path).is_file(), path


def test_merge_shards_into_one_results_and_report(pytester):
    shard1 = keep(run_suite(pytester, REFERENCE, "--persona=patient").reports, pytester.path / "shard1")
    shard2 = keep(run_suite(pytester, REFERENCE, "--persona=system,provider").reports, pytester.path / "shard2")
    out = pytester.path / "merged"
    proc = subprocess.run([sys.executable, "-m", "smartcheck.merge", str(out), str(shard1 / "results.json"),
                           str(shard2 / "results.json")], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    merged = load_results(out)
    jsonschema.Draft202012Validator(schema("results.schema.json")).validate(merged)
    assert merged["run"]["mode"] == "merged" and len(merged["run"]["merged_from"]) == 2
    assert [(e["target"], e["persona"]) for e in merged["endpoints"]] == [
        ("reference", "patient"), ("reference", "provider"), ("reference", "system")]
    assert verdict_table(merged) == {**verdict_table(load_results(shard1)), **verdict_table(load_results(shard2))}
    html = (out / "report.html").read_text()
    assert "reference / system" in html and "href='evidence/reference/patient/smart_config.json'" in html
    assert (out / "evidence/reference/system/smart_config.json").is_file()
    assert evidence.verify_manifest(out / "evidence") == []
    bad = subprocess.run([sys.executable, "-m", "smartcheck.merge", str(out), str(pytester.path / "nope.json")],
                         capture_output=True, text=True, cwd=REPO, timeout=60)
    assert bad.returncode == 2
