"""--baseline compares with an earlier results.json; --fail-on regression fails only on regressions."""
from tests.evidence.helpers import keep, load_results
from tests.support.servers import LoopbackServer, Response
from tests.support.sites import add_site
from tests.support.suite_run import run_suite

WK = "/site/fhir/.well-known/smart-configuration"


def test_planted_regression_is_reported_and_drives_the_exit_status(pytester):
    with LoopbackServer() as server:
        ca = server.ca.write_pem(pytester.path / "ca.pem")
        base = add_site(server, "site")
        good_route = server.routes[WK]
        targets = {"site": {"base_url": base, "ca_bundle": str(ca)}}

        first = run_suite(pytester, targets)                       # run 1: conformant
        assert first.ret == 0, first.output
        baseline = keep(first.reports, pytester.path / "run1") / "results.json"

        # run 2: the discovery document is now served as text/plain (a WK-CTYPE defect)
        server.routes[WK] = Response(200, [("Content-Type", "text/plain"), ("Access-Control-Allow-Origin", "*")],
                                     good_route.body)
        second = run_suite(pytester, targets, f"--baseline={baseline}")
        assert second.ret == 1
        assert "REGRESSION WK-CTYPE site/patient: pass -> fail" in second.output
        comparison = load_results(second.reports)["baseline"]
        assert comparison["totals"]["regressions"] == 1
        [site] = comparison["targets"]
        assert [(c["requirement"], c["was"], c["now"]) for c in site["regressions"]] == [("WK-CTYPE", "pass", "fail")]
        assert "Compared with baseline" in (second.reports / "report.html").read_text()
        with_defect = keep(second.reports, pytester.path / "run2") / "results.json"

        gated = run_suite(pytester, targets, f"--baseline={baseline}", "--fail-on=regression")
        assert gated.ret == 1, gated.output

        # the same known defect against a baseline that already had it: no regression, exit 0
        known = run_suite(pytester, targets, f"--baseline={with_defect}", "--fail-on=regression")
        assert known.verdict("WK-CTYPE", "site") == "fail"
        assert known.ret == 0, known.output
        assert load_results(known.reports)["baseline"]["totals"]["regressions"] == 0

        # fixed again: a fix, and no --fail-on needed for exit 0
        server.routes[WK] = good_route
        fixed = run_suite(pytester, targets, f"--baseline={with_defect}")
        assert fixed.ret == 0
        assert "FIXED WK-CTYPE site/patient: fail -> pass" in fixed.output


def test_new_and_removed_requirements(pytester):
    with LoopbackServer() as server:
        ca = server.ca.write_pem(pytester.path / "ca.pem")
        base = add_site(server, "site")
        first = run_suite(pytester, {"site": {"base_url": base, "ca_bundle": str(ca), "personas": ["patient"]}})
        baseline = keep(first.reports, pytester.path / "run1") / "results.json"
        second = run_suite(pytester, {"site": {"base_url": base, "ca_bundle": str(ca), "personas": ["system"]}},
                           f"--baseline={baseline}")
    comparison = load_results(second.reports)["baseline"]
    [site] = comparison["targets"]
    assert {c["requirement"] for c in site["new"]} >= {"BS-CAP", "BS-GRANT"}
    assert {c["requirement"] for c in site["removed"]} >= {"CAP-SET-PATIENT"}
    assert "NEW BS-CAP site/system" in second.output and "REMOVED CAP-SET-PATIENT site/patient" in second.output


def test_fail_on_regression_needs_a_baseline(pytester):
    run = run_suite(pytester, {"reference": {"embedded": "reference"}}, "--fail-on=regression")
    assert run.ret == 4 and "--fail-on regression needs --baseline" in run.output
