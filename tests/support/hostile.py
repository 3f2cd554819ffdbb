"""Helpers for the hostile-server safety tests (tests/safety): targets, root causes, evidence.

Why: every safety guarantee is checked on the real suite run (run_suite) against a real
loopback server; these helpers keep the assertions about root causes, dependent skips and
report files in one place so that each test reads as the guarantee it checks.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable

from smartcheck.documents import PROBES

from .batch import start_suite
from .servers import LoopbackServer, Request, Response
from .sites import FHIR_JSON, JSON, conformant_capability_statement, conformant_smart_config
from .suite_run import SuiteRun

WELL_KNOWN = "/.well-known/smart-configuration"
METADATA = "/metadata"

# Requirements that depend on the discovery document / the CapabilityStatement having been
# retrieved and parsed (a sample across rule modules; all use needs=("smart_config",) or CS).
SC_DEPENDENTS = ("PKCE-S256", "F-TOKEN", "F-CAPS", "WK-SCHEMA", "WK-HTTPS", "CAP-KNOWN")
CS_DEPENDENTS = ("CS-FHIR-VERSION", "CS-REST-SERVER", "CS-SECURITY-SERVICE")


def ca_bundle(where, server: LoopbackServer) -> str:
    """Write the server's CA certificate into a directory (or pytester's); return its path."""
    path = Path(getattr(where, "path", where)) / "ca.pem"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        server.ca.write_pem(path)
    return str(path)


def run_all(directory: Path, runs: dict[str, tuple]) -> dict[str, SuiteRun]:
    """Run the real suite (``python -m pytest suites`` in a subprocess, as run_suite does) once
    per entry, all at the same time, and wait for every one.  Entry: name -> (targets, args,
    env) with args and env optional; targets is a dict, the raw text of a targets file, or a
    Path to use as the targets file.  Each run gets its own directory under ``directory``.

    Why in parallel: most of these runs wait on hostile servers (timeouts), not on the CPU."""
    pending = {}
    for name, spec in runs.items():
        targets = spec[0]
        args = spec[1] if len(spec) > 1 else ()
        env = spec[2] if len(spec) > 2 else None
        where = Path(directory) / name
        targets_file = None
        if isinstance(targets, (str, bytes)):   # the raw text of a targets file
            where.mkdir(parents=True, exist_ok=True)
            targets_file = where / "targets.yaml"
            targets_file.write_bytes(targets.encode() if isinstance(targets, str) else targets)
            targets = {}
        elif isinstance(targets, Path):          # a file (or device) to pass as is
            targets_file, targets = targets, {}
        pending[name] = start_suite(where, targets, *args, env=env, targets_file=targets_file)
    return {name: run.result() for name, run in pending.items()}


def site_routes(server: LoopbackServer, name: str, smart_config: Any = None, capability_statement: Any = None) -> str:
    """Route /<name>/fhir/{.well-known/smart-configuration,metadata}; a value of None serves the
    conformant document.  Values may be Responses or callables (request -> Response)."""
    base = server.url(f"/{name}/fhir")
    cors = [("Access-Control-Allow-Origin", "*")]
    server.routes[f"/{name}/fhir{WELL_KNOWN}"] = (
        smart_config if smart_config is not None else Response(200, JSON + cors, conformant_smart_config(base)))
    server.routes[f"/{name}/fhir{METADATA}"] = (
        capability_statement if capability_statement is not None
        else Response(200, FHIR_JSON + cors, conformant_capability_statement(base)))
    return base


def cases_for(run: SuiteRun, target: str):
    return [c for c in run.cases if c.properties.get("target") == target]


def assert_root_cause(run: SuiteRun, target: str, owner: str, failure: str, fragment: str = "") -> None:
    """The owner test fails naming ``failure: ...`` (and ``fragment``)."""
    case = run.case(owner, target)
    assert case.verdict == "fail", (target, owner, case.verdict, case.message)
    assert f"{failure}: " in case.message, (target, owner, case.message)
    assert fragment in case.message, (target, owner, fragment, case.message)


def assert_dependents_skip(run: SuiteRun, target: str, owner: str, failure: str,
                           requirements: Iterable[str]) -> None:
    """Each named dependent is skipped with ``depends on <owner>: <failure>: ...``."""
    for requirement in requirements:
        for case in run.select(requirement, target):
            assert case.verdict == "skip", (target, requirement, case.verdict, case.message)
            assert case.message.startswith(f"depends on {owner}: {failure}: "), (target, requirement, case.message)


def assert_no_errors(run: SuiteRun) -> None:
    """No verdict is an internal error and no pytest test errored (a check never raised)."""
    bad = [(c.name, c.verdict, c.message or c.text[:300]) for c in run.cases
           if c.verdict == "error" or c.outcome == "error"]
    assert not bad, bad
    assert run.cases, run.output
    assert all(c.verdict in ("pass", "fail", "warn", "skip") for c in run.cases), \
        {c.name: c.verdict for c in run.cases if c.verdict not in ("pass", "fail", "warn", "skip")}


def evidence(run: SuiteRun, target: str, persona: str, probe: str) -> dict | None:
    """The exchange file the run wrote for one probe, if any."""
    path = run.reports / "evidence" / target / persona / f"{probe}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def fetched_probes(run: SuiteRun, target: str, persona: str = "patient") -> dict[str, dict]:
    return {name: data for name in PROBES if (data := evidence(run, target, persona, name)) is not None}


def session_seconds(run: SuiteRun) -> float:
    """pytest's own session duration from the final line (``... in 6.12s``)."""
    found = re.findall(r" in (\d+(?:\.\d+)?)s", run.output)
    assert found, run.output[-2000:]
    return float(found[-1])


def files_under(directory: Path) -> list[Path]:
    return sorted(p for p in Path(directory).rglob("*") if p.is_file())


def plain(request: Request) -> bool:
    """A probe without Origin or Authorization (the unauthenticated, non-CORS request)."""
    return "origin" not in request.headers and "authorization" not in request.headers
