"""--record writes a recording; --replay runs the suite offline from one, with the same verdicts."""
import json
import shutil

from tests.evidence.helpers import comparable, keep, load_results
from tests.support.servers import LoopbackServer, Request, Response
from tests.support.sites import JSON, add_site
from tests.support.suite_run import REPO, run_suite


def _accept_picky(request: Request) -> Response:
    """A discovery document served only to Accept: application/json (a WK-ACCEPT defect)."""
    if request.headers.get("accept") != "application/json":
        return Response(406, [("Content-Type", "text/plain")], "not acceptable")
    return Response(200, JSON, {"token_endpoint": "https://x.example/token", "capabilities": ["launch-standalone"]})


def test_record_then_replay_offline_gives_identical_results(pytester):
    server = LoopbackServer()
    try:
        ca = server.ca.write_pem(pytester.path / "ca.pem")
        good = add_site(server, "good")
        picky = add_site(server, "picky")
        server.routes["/picky/fhir/.well-known/smart-configuration"] = _accept_picky
        targets = {"good": {"base_url": good, "ca_bundle": str(ca), "profiles": ["ipa"], "personas": ["patient", "provider"]},
                   "picky": {"base_url": picky, "ca_bundle": str(ca)}}
        recording = pytester.path / "recording"
        live = run_suite(pytester, targets, f"--record={recording}")
        requests_made = len(server.requests)
    finally:
        server.stop()   # from here on nothing answers: the replay must not need the network
    assert requests_made > 0
    assert live.verdict("WK-ACCEPT", "picky") == "fail"
    live_reports = keep(live.reports, pytester.path / "live-reports")
    assert (recording / "MANIFEST.sha256").is_file() and (recording / "good/provider/capability_statement.json").is_file()

    replay = run_suite(pytester, targets, f"--replay={recording}")
    assert replay.ret == live.ret
    assert comparable(load_results(replay.reports)) == comparable(load_results(live_reports))
    assert load_results(replay.reports)["run"]["mode"] == "replay"
    assert [(c.name, c.verdict, c.message) for c in replay.cases] == [(c.name, c.verdict, c.message) for c in live.cases]
    assert replay.verdict("WK-ACCEPT", "picky") == "fail"
    assert "connect_error" not in json.dumps(load_results(replay.reports))
    # the replay's own evidence is again a recording of the same exchanges
    for path in sorted(recording.rglob("*.json")):
        rel = path.relative_to(recording)
        assert json.loads((replay.reports / "evidence" / rel).read_text()) == json.loads(path.read_text()), rel


def test_replay_of_the_embedded_reference_does_not_start_it(pytester):
    targets = {"reference": {"embedded": "reference", "profiles": ["ipa"], "personas": ["patient"]}}
    live = run_suite(pytester, targets)
    recording = shutil.copytree(live.reports / "evidence", pytester.path / "rec")
    live_doc = load_results(live.reports)
    replay = run_suite(pytester, targets, f"--replay={recording}")
    assert comparable(load_results(replay.reports)) == comparable(live_doc)
    assert replay.ret == 0


def test_probe_missing_from_the_recording_is_not_judged(pytester):
    with LoopbackServer() as server:
        ca = server.ca.write_pem(pytester.path / "ca.pem")
        base = add_site(server, "site")
        targets = {"site": {"base_url": base, "ca_bundle": str(ca)}}
        recording = pytester.path / "recording"
        run_suite(pytester, targets, f"--record={recording}")
    (recording / "site/patient/capability_statement.json").unlink()
    replay = run_suite(pytester, targets, f"--replay={recording}")
    cs = replay.case("CS-200", "site")
    assert cs.verdict == "skip" and cs.message == "not judged: the replayed recording has no capability_statement exchange"
    assert replay.case("CS-CTYPE", "site").verdict == "skip"
    assert replay.verdict("WK-200", "site") == "pass"
    assert replay.ret == 0


def test_shipped_recordings_replay_offline_with_real_findings(pytester):
    run = run_suite(pytester, None, "--target=epic-sandbox,oracle-health", "--persona=provider",
                    f"--replay={REPO / 'recordings'}", targets_file=REPO / "targets.yaml")
    document = load_results(run.reports)
    assert document["run"]["mode"] == "replay"
    assert run.verdict("WK-200", "epic-sandbox", "provider") == "pass"
    assert run.verdict("CS-200", "epic-sandbox", "provider") == "pass"
    assert run.verdict("PKCE-S256", "epic-sandbox", "provider") == "pass"
    # Epic's published document lists no token_endpoint_auth_signing_alg_values_supported while
    # advertising client-confidential-asymmetric (ASYM-ALG is SHOULD: a warning)
    assert run.verdict("ASYM-ALG", "epic-sandbox", "provider") == "warn"
    # Oracle's published provider discovery document has no code_challenge_methods_supported
    assert run.verdict("F-PKCE", "oracle-health", "provider") == "fail"
    # probes a published document cannot answer are reported as such, not invented
    accept = run.case("WK-ACCEPT", "epic-sandbox", "provider")
    assert accept.verdict == "skip" and "recording has no smart_config_no_accept" in accept.message
    note = json.loads((run.reports / "evidence/epic-sandbox/provider/smart_config.json").read_text())["note"]
    assert "not a live capture" in note
