"""One conformance run: the shared document store, the embedded server, the reports.

Registered as a plugin object by ``smartcheck.plugin`` so its report hooks only exist on
conformance runs.  Verdicts are gathered from test reports (``user_properties``), which
is also what pytest-xdist sends back from workers.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from . import evidence, results, waivers as waivers_mod
from .run_options import WORKER_TODAY, read_options
from .documents import DocumentStore
from .http import Limits
from .redaction import register_secret
from .reports import endpoints_file, html, terminal
from .runner import Checker, Endpoint, Verdict
from .targets import Target

REPLAY_PLACEHOLDER = "https://replay.invalid"  # base URL for an embedded target absent from a recording


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SuiteSession:
    def __init__(self, config: pytest.Config, targets_path: Path, reports_dir: Path, endpoints: list[Endpoint]):
        self.config = config
        self.targets_path = targets_path
        self.reports_dir = reports_dir
        self.endpoints = endpoints
        self.started_at = _now()
        self.evidence_dir = reports_dir / "evidence"
        self.results_path = reports_dir / "results.json"
        self.base_urls: dict[tuple[str, str], str] = {}   # (target, persona) -> base URL actually used
        self.is_worker = hasattr(config, "workerinput")
        self.options = read_options(config, self.evidence_dir)
        if self.options.recording is not None:
            self.store: DocumentStore = evidence.ReplayStore(self.options.recording)
        else:
            self.store = DocumentStore()
        self.strict = bool(config.getoption("strict", False))
        self.checker = Checker(self.store, self.access, strict=self.strict)
        self.results: list[dict] = []        # one row of properties per conformance test
        self.results_document: dict | None = None
        self._reference = None
        self._reference_dir: str | None = None
        self._lock = threading.Lock()
        for endpoint in endpoints:
            register_secret(endpoint.target.credential())
        if not self.is_worker:
            endpoints_file.clear_parts(reports_dir)
            evidence.clear(self.evidence_dir)
            self.results_path.unlink(missing_ok=True)

    @pytest.hookimpl(optionalhook=True)  # pytest-xdist: hand each worker the controller's date
    def pytest_configure_node(self, node) -> None:
        node.workerinput[WORKER_TODAY] = self.options.today.isoformat()

    # --- network access --------------------------------------------------------------
    def access(self, target: Target, persona: str) -> tuple[str, Limits]:
        """The base URL and limits for a target/persona (starting the embedded server if needed)."""
        embedded_base, ca = None, target.ca_bundle
        if self.options.recording is not None:   # offline: the recording's URLs, never the embedded server
            base = self.options.recording.base_url(target.name, persona) or target.persona_base_url(persona, REPLAY_PLACEHOLDER)
            self.base_urls.setdefault((target.name, persona), base)
            return base, Limits(timeout=target.timeout, max_body_bytes=target.max_body_bytes,
                                max_redirects=target.max_redirects, ca_bundle=None)
        if target.embedded:
            server = self._reference_server()
            embedded_base, ca = server.base_url, Path(server.ca_path)
        limits = Limits(timeout=target.timeout, max_body_bytes=target.max_body_bytes,
                        max_redirects=target.max_redirects, ca_bundle=ca)
        base = target.persona_base_url(persona, embedded_base)
        self.base_urls.setdefault((target.name, persona), base)
        return base, limits

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
    def annotate(self, verdict: Verdict) -> list[tuple[str, str]]:
        """Apply waivers to a verdict and name its evidence; extra JUnit properties to record."""
        extra: list[tuple[str, str]] = []
        paths = [f"evidence/{evidence.relative_path(verdict.target, verdict.persona, probe)}"
                 for probe in verdict.probes if self.store.peek(verdict.target, verdict.persona, probe) is not None]
        if paths:
            extra.append(("evidence", " ".join(paths)))
        if self.options.waivers and verdict.verdict in waivers_mod.WAIVABLE:
            active, expired = waivers_mod.find(self.options.waivers, verdict.target, verdict.persona, verdict.requirement,
                                               verdict.item, self.options.today)
            if active is not None:
                verdict.verdict = "waived"
                verdict.message = waivers_mod.waived_message(active, verdict.message)
                extra.append(("waiver", active.id))
            elif expired:
                verdict.message = f"{verdict.message} [{waivers_mod.expired_message(expired)}]"
                extra.append(("expired_waivers", ",".join(w.id for w in expired)))
        return extra

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call):
        outcome = yield
        report = outcome.get_result()
        from .plugin import VERDICT_KEY
        verdict = item.stash.get(VERDICT_KEY, None)
        if verdict is None or report.when != "call":   # verdicts are made in the test body
            return
        if verdict.verdict in ("fail", "warn", "error", "waived"):
            docs = [(p, self.store.peek(verdict.target, verdict.persona, p)) for p in verdict.probes]
            extras = getattr(report, "extras", [])
            extras.append({"name": "evidence", "format_type": "html", "extension": "html",
                           "content": html.evidence(verdict, [(p, d) for p, d in docs if d is not None],
                                                    link_prefix=self.evidence_link_prefix())})
            report.extras = extras

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if report.when != "call" or "requirement" not in props:   # recorded by Verification.verify
            return
        props["nodeid"] = report.nodeid
        self.results.append(props)

    # --- reports -------------------------------------------------------------------------
    def profiles(self) -> list[dict]:
        if self.is_worker:
            return []
        xdist_controller = self.config.pluginmanager.hasplugin("dsession")
        own = endpoints_file.entries(self.endpoints, self.store, self.access, fetch_missing=not xdist_controller)
        return endpoints_file.merged_entries(self.reports_dir, own)

    def evidence_link_prefix(self) -> str:
        """How report.html reaches evidence/ (a relative link, '/'-separated)."""
        htmlpath = getattr(self.config.option, "htmlpath", None)
        if not htmlpath:
            return "evidence/"
        rel = os.path.relpath(self.evidence_dir.resolve(), Path(htmlpath).resolve().parent)
        return Path(rel).as_posix().rstrip("/") + "/"

    def _write_evidence(self) -> None:
        evidence.write_store(self.evidence_dir, self.store, self.base_urls)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker:
            endpoints_file.write_part(self.reports_dir, self.config.workerinput["workerid"],
                                      endpoints_file.entries(self.endpoints, self.store, self.access))
            self._write_evidence()   # first writer wins when two workers fetched the same probe
            return
        self._profiles = self.profiles()
        endpoints_file.write(self.reports_dir / "endpoints.json", self._profiles)
        self._write_evidence()
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        evidence.write_manifest(self.evidence_dir)
        if self.options.record_dir is not None and not evidence.same_dir(self.options.record_dir, self.evidence_dir):
            self._copy_recording()
        self._write_results(session)

    def _copy_recording(self) -> None:
        """Copy evidence/ to --record DIR, replacing only the target/persona folders this run wrote."""
        self.options.record_dir.mkdir(parents=True, exist_ok=True)
        for target_dir in sorted(p for p in self.evidence_dir.iterdir() if p.is_dir()):
            for persona_dir in sorted(p for p in target_dir.iterdir() if p.is_dir()):
                dest = self.options.record_dir / target_dir.name / persona_dir.name
                if dest.exists():
                    shutil.rmtree(dest)
                shutil.copytree(persona_dir, dest)
        evidence.write_manifest(self.options.record_dir)

    def _write_results(self, session: pytest.Session) -> None:
        waiver_summary = waivers_mod.summarize(self.options.waivers, self.results, self.options.today)
        document = results.build(
            self.results, started_at=self.started_at, finished_at=_now(),
            command_line=["pytest", *map(str, self.config.invocation_params.args)],
            targets_file=self.targets_path, mode="replay" if self.options.recording is not None else "live",
            recording=str(self.options.replay_dir) if self.options.replay_dir is not None else None, strict=self.strict,
            waivers=waiver_summary)
        if self.options.baseline is not None:
            document["baseline"] = results.compare(self.options.baseline, document, str(self.options.baseline_path))
        self.results_document = document
        results.write(self.results_path, document)
        if self.options.fail_on == "regression" and session.exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            regressions = document["baseline"]["totals"]["regressions"]
            session.exitstatus = pytest.ExitCode.TESTS_FAILED if regressions else pytest.ExitCode.OK

    def pytest_terminal_summary(self, terminalreporter) -> None:
        terminal.summary(terminalreporter, self.results, self.reports_dir)
        if self.results_document is not None:
            terminal.evidence_summary(terminalreporter, self.results_document, self.options.fail_on)

    @pytest.hookimpl(optionalhook=True)  # pytest-html may be disabled with -p no:html
    def pytest_html_results_table_header(self, cells: list) -> None:
        html.table_header(cells)

    @pytest.hookimpl(optionalhook=True)  # pytest-html may be disabled with -p no:html
    def pytest_html_results_table_row(self, report, cells: list) -> None:
        html.table_row(report, cells)

    @pytest.hookimpl(optionalhook=True)  # pytest-html may be disabled with -p no:html
    def pytest_html_results_summary(self, prefix: list, summary: list, postfix: list, session) -> None:
        if self.results_document is not None:
            prefix.extend(html.run_sections(self.results_document))
        prefix.extend(html.summary_sections(self.results, getattr(self, "_profiles", []),
                                            link_prefix=self.evidence_link_prefix()))

    @pytest.hookimpl(optionalhook=True)  # pytest-html may be disabled with -p no:html
    def pytest_html_report_title(self, report) -> None:
        report.title = "SMART App Launch / IPA conformance report"
