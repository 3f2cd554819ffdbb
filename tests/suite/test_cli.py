"""Command-line behaviour of a conformance run: target selection, personas, ids, usage errors."""
from tests.support.suite_run import run_suite, write_targets

REF = {"embedded": "reference", "profiles": ["ipa"]}


def names(run):
    return {c.name for c in run.cases}


def test_default_target_runs_without_target_option(pytester):
    path = write_targets(pytester.path, {"ref": REF, "other": {"base_url": "https://127.0.0.1:9/fhir"}}, default="ref")
    run = run_suite(pytester, None, "--target=", targets_file=path)
    assert run.ret == 0, run.output
    assert {c.properties["target"] for c in run.cases} == {"ref"}
    assert "test_pkce_s256[ref/patient]" in names(run)


def test_targets_comma_separated_and_repeated_with_persona_filter(pytester):
    targets = {"a": {**REF, "personas": ["patient", "system"]}, "b": {**REF, "personas": ["provider", "system"]},
               "c": REF}
    run = run_suite(pytester, targets, "--target=a,b", "--persona=system")
    assert run.ret == 0, run.output
    assert {(c.properties["target"], c.properties["persona"]) for c in run.cases} == {("a", "system"), ("b", "system")}
    run2 = run_suite(pytester, targets, "--target=a", "--target=c", "--persona=patient")
    assert {c.properties["target"] for c in run2.cases} == {"a", "c"}


def test_per_item_ids_are_readable(pytester):
    run = run_suite(pytester, {"ref": {**REF, "expect": {"resources": {"Observation": ["read", "search-type"]}}}})
    assert "test_ipa_interactions[ref/patient/Condition]" in names(run)
    assert "test_res_interaction[ref/patient/Observation:search-type]" in names(run)


def test_unknown_target_is_a_usage_error_listing_known_names(pytester):
    run = run_suite(pytester, {"ref": REF, "epic": {"base_url": "https://127.0.0.1:9/fhir"}}, "--target=nope")
    assert run.ret == 4
    assert "unknown target 'nope'" in run.output and "known targets: ref, epic" in run.output
    assert run.cases == []


def test_invalid_targets_file_is_a_usage_error_naming_the_key_path(pytester):
    run = run_suite(pytester, {"epic": {"base_url": "https://x.example", "personas": ["patient", "doctor"]}})
    assert run.ret == 4
    assert "targets.epic.personas[1]: 'doctor' is not one of patient, provider, system" in run.output


def test_bad_persona_option_is_a_usage_error(pytester):
    run = run_suite(pytester, {"ref": REF}, "--persona=doctor")
    assert run.ret == 4 and "--persona: 'doctor' is not one of patient, provider, system" in run.output


def test_reports_dir_option_and_summary(pytester):
    run = run_suite(pytester, {"ref": REF}, "--persona=patient")
    assert (run.reports / "report.html").read_text().count("smartcheck-endpoint") >= 1
    assert "conformance summary" in run.output and "ref/patient:" in run.output
