"""Edge cases of baselines, waivers, merging and evidence, at the level of the pure functions."""
from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from smartcheck import evidence, merge, results, waivers
from smartcheck.http import Exchange
from smartcheck.redaction import REDACTED


def doc(*rows: tuple[str, str, str, str]) -> dict:
    """A results document from (target, persona, requirement, verdict) rows."""
    built = [{"target": t, "persona": p, "requirement": r, "verdict": v, "level": "SHALL"} for t, p, r, v in rows]
    return results.build(built, started_at="2026-11-22T00:00:00+00:00", finished_at="2026-11-22T00:00:01+00:00",
                         command_line=["pytest"], targets_file=None)


def test_an_expired_waiver_failing_again_is_a_regression():
    comparison = results.compare(doc(("a", "patient", "PKCE-S256", "waived")), doc(("a", "patient", "PKCE-S256", "fail")))
    assert comparison["totals"]["regressions"] == 1


def test_a_shard_does_not_remove_the_targets_it_did_not_run():
    baseline = doc(("a", "patient", "PKCE-S256", "pass"), ("b", "patient", "PKCE-S256", "pass"))
    comparison = results.compare(baseline, doc(("a", "patient", "PKCE-S256", "pass")))
    assert comparison["totals"]["removed"] == 0
    assert [t["target"] for t in comparison["targets"]] == ["a"]


def test_a_malformed_baseline_is_refused_naming_the_fault(tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"format_version": "1", "endpoints": [{"results": [{"verdict": "pass"}]}]}))
    with pytest.raises(ValueError, match="results.json: "):
        results.load(path)


def test_merged_waivers_are_combined_by_id():
    applied = {"id": "W1", "target": "a", "requirement": "PKCE-S256", "justification": "j", "expires": "2027-01-01", "waived": 1}
    unused = {k: v for k, v in applied.items() if k != "waived"}
    combined = merge.merge_waivers([{"applied": [applied], "unused": []}, {"applied": [], "unused": [unused]},
                                    {"applied": [dict(applied)], "unused": []}])
    assert [w["id"] for w in combined["applied"]] == ["W1"] and combined["applied"][0]["waived"] == 2
    assert combined["unused"] == []


@pytest.mark.parametrize("text, fault", [
    ("- {target: a, requirement: PKCE-S256, justification: known gap in the vendor release, expires: 2027-02-30}\n", "not a valid date"),
    ("- {target: a, requirement: NOPE, justification: known gap in the vendor release, expires: '2027-02-01'}\n", "not a catalogue requirement ID"),
])
def test_bad_waiver_files_are_clear_errors(tmp_path, text, fault):
    path = tmp_path / "waivers.yaml"
    path.write_text(text)
    with pytest.raises(waivers.WaiversError, match=fault):
        waivers.load_waivers(path)


def test_a_bad_today_override_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(waivers.TODAY_ENV, "2026-13-01")
    with pytest.raises(waivers.WaiversError, match="SMARTCHECK_TODAY='2026-13-01' is not a date"):
        waivers.today()
    monkeypatch.setenv(waivers.TODAY_ENV, "2026-11-23")
    assert waivers.today() == dt.date(2026, 11, 23)


def test_merge_replaces_stale_evidence_and_always_writes_a_manifest(tmp_path):
    shard = tmp_path / "shard"
    shard.mkdir()
    (shard / "results.json").write_text(results.dumps(doc(("a", "patient", "PKCE-S256", "pass"))))
    out = tmp_path / "merged"
    stale = out / "evidence" / "old" / "patient" / "smart_config.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    merge.merge(out, [shard / "results.json"])
    assert not stale.exists()
    assert (out / "evidence" / evidence.MANIFEST).is_file()


def test_binary_bodies_are_scrubbed_before_base64():
    body = '{"access_token":"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln", "x":"\xe9"}'.encode("latin-1")
    exchange = Exchange("GET", "https://127.0.0.1/x", [], status=200, body=body)
    data = evidence.exchange_to_dict(exchange, target="t", persona="patient", probe="smart_config", base_url="https://127.0.0.1")
    assert data["response"]["body_encoding"] == "base64"
    decoded = base64.b64decode(data["response"]["body"]).decode("latin-1")
    assert "eyJ" not in decoded and REDACTED in decoded
