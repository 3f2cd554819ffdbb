"""One conformance run: the shared document store, the embedded server, the reports.

Registered as a plugin object by ``smartcheck.plugin`` so its report hooks only exist on
conformance runs.  Verdicts are gathered from test reports (``user_properties``), which
is also what pytest-xdist sends back from workers.
"""
from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

import pytest

from .documents import DocumentStore
from .http import Limits
from .redaction import register_secret
from .reports import endpoints_file, html, terminal
from .runner import Checker, Endpoint
from .targets import Target


class SuiteSession:
    def __init__(self, config: pytest.Config, targets_path: Path, reports_dir: Path, endpoints: list[Endpoint]):
        self.config = config
        self.targets_path = targets_path
        self.reports_dir = reports_dir
        self.endpoints = endpoints
        self.store = DocumentStore()
        self.checker = Checker(self.store, self.access, strict=bool(config.getoption("strict", False)))
        self.results: list[dict] = []        # one row of properties per conformance test
        self._reference = None
        self._reference_dir: str | None = None
        self._lock = threading.Lock()
        self.is_worker = hasattr(config, "workerinput")
        for endpoint in endpoints:
            register_secret(endpoint.target.credential())
        if not self.is_worker:
            endpoints_file.clear_parts(reports_dir)

    # --- network access --------------------------------------------------------------
    def access(self, target: Target, persona: str) -> tuple[str, Limits]:
        """The base URL and limits for a target/persona (starting the embedded server if needed)."""
        embedded_base, ca = None, target.ca_bundle
        if target.embedded:
            server = self._reference_server()
            embedded_base, ca = server.base_url, Path(server.ca_path)
        limits = Limits(timeout=target.timeout, max_body_bytes=target.max_body_bytes,
                        max_redirects=target.max_redirects, ca_bundle=ca)
        return target.persona_base_url(persona, embedded_base), limits

    def _reference_server(self):
        with self._lock:
            if self._reference is None:
                from .reference import start_reference_server
                self._reference_dir = tempfile.mkdtemp(prefix="smartcheck-reference-")
                self._reference = start_reference_server(Path(self._reference_dir))
            return self._reference

    def close(self) -> None:
        with self._lock:
            if self._reference is not None:
                self._reference.stop()
                self._reference = None
            if self._reference_dir:
                shutil.rmtree(self._reference_dir, ignore_errors=True)
                self._reference_dir = None

    # --- gathering verdicts ------------------------------------------------------------
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call):
        outcome = yield
        report = outcome.get_result()
        from .plugin import VERDICT_KEY
        verdict = item.stash.get(VERDICT_KEY, None)
        if verdict is None or report.when != "call" and not (report.when == "setup" and report.skipped):
            return
        if verdict.verdict in ("fail", "warn", "error"):
            docs = [(p, self.store.peek(verdict.target, verdict.persona, p)) for p in verdict.probes]
            extras = getattr(report, "extras", [])
            extras.append({"name": "evidence", "format_type": "html", "extension": "html",
                           "content": html.evidence(verdict, [(p, d) for p, d in docs if d is not None])})
            report.extras = extras

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if "requirement" not in props or report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
            return
        if report.when == "setup" and report.outcome != "passed":
            props.setdefault("verdict", "error" if report.failed else "skip")
        props["nodeid"] = report.nodeid
        if report.when == "call" and report.skipped and "message" not in props:
            props["message"] = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else ""
        self.results.append(props)

    # --- reports -------------------------------------------------------------------------
    def profiles(self) -> list[dict]:
        if self.is_worker:
            return []
        xdist_controller = self.config.pluginmanager.hasplugin("dsession")
        own = endpoints_file.entries(self.endpoints, self.store, self.access, fetch_missing=not xdist_controller)
        return endpoints_file.merged_entries(self.reports_dir, own)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker:
            endpoints_file.write_part(self.reports_dir, self.config.workerinput["workerid"],
                                      endpoints_file.entries(self.endpoints, self.store, self.access))
            return
        self._profiles = self.profiles()
        endpoints_file.write(self.reports_dir / "endpoints.json", self._profiles)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        terminal.summary(terminalreporter, self.results, self.reports_dir)

    def pytest_html_results_table_header(self, cells: list) -> None:
        html.table_header(cells)

    def pytest_html_results_table_row(self, report, cells: list) -> None:
        html.table_row(report, cells)

    def pytest_html_results_summary(self, prefix: list, summary: list, postfix: list, session) -> None:
        prefix.extend(html.summary_sections(self.results, getattr(self, "_profiles", [])))

    def pytest_html_report_title(self, report) -> None:
        report.title = "SMART App Launch / IPA conformance report"
