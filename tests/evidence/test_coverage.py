"""Every catalogue ID has a suite test and a project test, and docs/coverage.md is current."""
import importlib.util
import re

from smartcheck.requirements import CATALOGUE
from tests.support.suite_run import REPO


def _coverage():
    spec = importlib.util.spec_from_file_location("smartcheck_coverage", REPO / "scripts" / "coverage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_id_has_a_suite_test_and_a_project_test_and_no_unknown_ids():
    assert _coverage().problems() == []


def test_coverage_md_is_current():
    coverage = _coverage()
    assert (REPO / "docs" / "coverage.md").read_text(encoding="utf-8") == coverage.render(), \
        "docs/coverage.md is stale: run python scripts/coverage.py"


def test_coverage_md_lists_every_id_with_level_and_citation():
    text = (REPO / "docs" / "coverage.md").read_text(encoding="utf-8")
    for rid, req in CATALOGUE.items():
        assert re.search(rf"^\| {re.escape(rid)} \| {req.level}", text, re.M), rid


def test_an_unknown_id_in_a_suite_is_reported(tmp_path):
    (tmp_path / "suites").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "suites" / "test_x.py").write_text('@pytest.mark.requirement("NO-SUCH-ID")\ndef test_x(conformance):\n    pass\n')
    problems = _coverage().problems(tmp_path)
    assert any("NO-SUCH-ID" in p and "not in the catalogue" in p for p in problems)
    assert any(p == "WK-200: no suite test" for p in problems)
    assert any(p == "WK-200: no project test under tests/" for p in problems)
