"""The pytest plugin: options, target parametrization, verdicts and report hooks.

Loaded by the root ``conftest.py``.  It only acts on conformance runs (``--target`` given,
or the collected paths are the ``suites/`` directory), so the project's own tests in
``tests/`` run with it loaded but inert.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from .redaction import scrub
from .requirements import CATALOGUE
from .runner import Checker, Endpoint, Verdict
from .rules.ipa_data import IPA_RESOURCES
from .rules.resources import expectation_items
from .session import SuiteSession
from .targets import TargetsError, load_targets, split_values

SESSION_KEY = pytest.StashKey["SuiteSession"]()
VERDICT_KEY = pytest.StashKey[Verdict]()


class ConformanceWarning(UserWarning):
    """A SHOULD-level requirement was not met (fails the run only with --strict)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smartcheck", "SMART / IPA conformance")
    group.addoption("--target", action="append", default=[], metavar="NAME",
                    help="target(s) from the targets file; repeatable or comma-separated; 'all' for every target "
                         "(default: the file's 'default')")
    group.addoption("--targets-file", default=None, metavar="PATH",
                    help="targets file (default: targets.yaml at the root)")
    group.addoption("--persona", action="append", default=[], metavar="NAME",
                    help="only these personas: patient, provider, system (repeatable or comma-separated)")
    group.addoption("--reports-dir", default=None, metavar="DIR", help="where reports are written (default: reports/)")
    group.addoption("--record", default=None, metavar="DIR",
                    help="also write this run's exchanges to DIR as a recording (reports/evidence always is one)")
    group.addoption("--replay", default=None, metavar="DIR",
                    help="run offline: answer every request from the recording in DIR (no network, no embedded server)")
    group.addoption("--baseline", default=None, metavar="RESULTS_JSON",
                    help="compare with an earlier results.json: regressions, fixes, new and removed requirements")
    group.addoption("--fail-on", default=None, choices=("regression",), dest="fail_on",
                    help="'regression': the exit status reflects only regressions against --baseline")
    group.addoption("--waivers", default=None, metavar="FILE",
                    help="YAML list of waived failures (schemas/waivers.schema.json); see docs/evidence.md")
    # --strict is pytest's own flag (it also turns on pytest's strict options); we read it
    # so that SHOULD-level findings fail the run too.


def _is_conformance_run(config: pytest.Config) -> bool:
    if config.getoption("target"):
        return True
    for arg in config.args:
        path = Path(str(arg).split("::", 1)[0])
        path = path if path.is_absolute() else Path(config.invocation_params.dir) / path
        if "suites" in path.resolve().parts:
            return True
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(id): the catalogue requirement a conformance test verifies")
    if not _is_conformance_run(config):
        return
    root = Path(config.rootpath)
    targets_path = Path(config.getoption("targets_file") or root / "targets.yaml")
    reports_dir = Path(config.getoption("reports_dir") or root / "reports")
    personas = split_values(config.getoption("persona"))
    bad = [p for p in personas if p not in ("patient", "provider", "system")]
    if bad:
        raise pytest.UsageError(f"--persona: {', '.join(map(repr, bad))} is not one of patient, provider, system")
    try:
        targets = load_targets(targets_path).select(config.getoption("target"))
    except TargetsError as exc:
        raise pytest.UsageError(str(exc)) from None
    endpoints = [Endpoint(t, p) for t in targets for p in t.personas if not personas or p in personas]
    if not endpoints:
        raise pytest.UsageError(f"no selected target has persona {', '.join(personas)}")
    reports_dir.mkdir(parents=True, exist_ok=True)
    if getattr(config.option, "xmlpath", None) is None:
        config.option.xmlpath = str(reports_dir / "junit.xml")
    if getattr(config.option, "htmlpath", None) is None:
        config.option.htmlpath = str(reports_dir / "report.html")
        config.option.self_contained_html = True
    session = SuiteSession(config, targets_path, reports_dir, endpoints)
    config.stash[SESSION_KEY] = session
    config.pluginmanager.register(session, "smartcheck-session")


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION_KEY, None)
    if session is not None:
        session.close()


def _items_for(requirement_id: str, endpoint: Endpoint) -> list[str | None]:
    kind = CATALOGUE[requirement_id].items
    if kind == "ipa_resources":
        return list(IPA_RESOURCES)
    if kind == "expectations":
        items = [item for rid, item in expectation_items(endpoint.target.expect_resources) if rid == requirement_id]
        return items or [None]  # one test that reports "nothing expected" rather than no test
    return [None]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "conformance" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("requirement")
    if marker is None or marker.args[0] not in CATALOGUE:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: conformance tests need @pytest.mark.requirement(<catalogue ID>)")
    session = metafunc.config.stash.get(SESSION_KEY, None)
    endpoints = session.endpoints if session else []
    params, ids = [], []
    for endpoint in endpoints:
        for item in _items_for(marker.args[0], endpoint):
            params.append((endpoint, item))
            ids.append(endpoint.id + (f"/{item}" if item else ""))
    metafunc.parametrize("conformance", params, ids=ids, indirect=True)


class Verification:
    """What a conformance test holds: one requirement for one endpoint (and item)."""

    def __init__(self, request: pytest.FixtureRequest, checker: Checker, endpoint: Endpoint, item: str | None,
                 session: SuiteSession | None = None):
        self._request = request
        self._checker = checker
        self._session = session
        self.endpoint = endpoint
        self.item = item

    def verify(self) -> Verdict:
        """Evaluate the test's requirement and turn the verdict into the pytest outcome."""
        requirement_id = self._request.node.get_closest_marker("requirement").args[0]
        verdict = self._checker.evaluate(requirement_id, self.endpoint, self.item)
        verdict.message = scrub(verdict.message)  # defence in depth: http already scrubs at the source
        node = self._request.node
        extra: list[tuple[str, str]] = []
        if self._session is not None:
            extra = self._session.annotate(verdict)
        node.stash[VERDICT_KEY] = verdict
        for name, value in (("requirement", verdict.requirement), ("level", verdict.level),
                            ("target", verdict.target), ("persona", verdict.persona),
                            ("verdict", verdict.verdict), ("spec", verdict.spec)):
            node.user_properties.append((name, value))
        if verdict.item:
            node.user_properties.append(("item", verdict.item))
        if verdict.message:
            node.user_properties.append(("message", verdict.message))
        node.user_properties.extend(extra)
        if verdict.verdict == "skip":
            pytest.skip(verdict.message)
        if verdict.verdict in ("fail", "error"):
            pytest.fail(f"{verdict.requirement} [{verdict.level}] {verdict.message}", pytrace=False)
        if verdict.verdict == "warn":
            # attributed to the suite test, so pytest's warnings summary points at it, not at us
            warnings.warn_explicit(
                ConformanceWarning(f"{verdict.requirement} [SHOULD] {verdict.target}/{verdict.persona}: {verdict.message}"),
                ConformanceWarning, filename=str(node.path), lineno=(node.location[1] or 0) + 1)
        return verdict


@pytest.fixture
def conformance(request: pytest.FixtureRequest) -> Verification:
    session: SuiteSession | None = request.config.stash.get(SESSION_KEY, None)
    if session is None:
        pytest.skip("not a conformance run")
    endpoint, item = request.param
    return Verification(request, session.checker, endpoint, item, session=session)


