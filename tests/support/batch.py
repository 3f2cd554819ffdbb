"""Many sites, one server, one suite run: the batching behind the per-requirement tables.

Why not ``run_suite(pytester, ...)``: pytester is function-scoped, so every parametrized case
would start its own suite subprocess (seconds each).  The tables run the real suite ONCE per
module instead, from a module-scoped fixture, so this module does what ``run_suite`` does (copy
``suites/`` and the root conftest into a fresh directory, write a targets file, run
``python -m pytest suites`` in a subprocess exactly as a user would, read the JUnit XML back)
without pytester.  The result is the same ``SuiteRun`` object ``run_suite`` returns, so
``run.verdict(...)``, ``run.case(...)``, ``run.ret`` and ``run.output`` work unchanged.
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .servers import LoopbackServer, Request, Response
from .sites import FHIR_JSON, JSON, add_site, conformant_capability_statement, conformant_smart_config
from .suite_run import SuiteRun, prepare, read_junit, suite_args

WELL_KNOWN = "/.well-known/smart-configuration"
METADATA = "/metadata"

Mutator = Callable[[dict], Any]
Handler = Callable[[Request, Response], Response]


@dataclass(frozen=True)
class Serve:
    """Serve the conformant document (after ``mutate``) with this status and media type.

    ``handler(request, response)`` may answer a request differently (for example 401 when it
    carries Authorization, or 406 without an Accept header); it gets the default response.
    """

    mutate: Mutator | None = None
    status: int = 200
    content_type: str | None = None      # None: the document's usual media type
    handler: Handler | None = None


Spec = Mutator | Response | Serve | None


@dataclass(frozen=True)
class Site:
    """One base URL on the shared server plus the targets.yaml options it is judged with.

    ``target`` holds targets.yaml keys other than base_url/ca_bundle (smart_version, profiles,
    personas, expect, auth, ...).  Personas default to [patient].
    """

    name: str
    smart_config: Spec = None
    capability_statement: Spec = None
    cors: bool = True
    target: Mapping[str, Any] = field(default_factory=dict, hash=False)


def _route(base: str, spec: Serve, build: Callable[[str], dict], media, cors: bool):
    document = build(base)
    if spec.mutate is not None:
        replaced = spec.mutate(document)
        document = document if replaced is None else replaced
    headers = [("Content-Type", spec.content_type)] if spec.content_type else list(media)
    if cors:
        headers.append(("Access-Control-Allow-Origin", "*"))
    response = Response(spec.status, headers, document)
    if spec.handler is None:
        return response
    handler = spec.handler
    return lambda request: handler(request, response)


def serve_sites(server: LoopbackServer, sites: Iterable[Site]) -> dict[str, str]:
    """Route every site on ``server``; returns site name -> base URL.  Names must be unique."""
    bases: dict[str, str] = {}
    for site in sites:
        if site.name in bases:
            raise ValueError(f"duplicate site name {site.name!r}")
        plain = {key: (None if isinstance(spec, Serve) else spec)
                 for key, spec in (("smart_config", site.smart_config),
                                   ("capability_statement", site.capability_statement))}
        base = bases[site.name] = add_site(server, site.name, cors=site.cors, **plain)
        for path, spec, build, media in (
            (WELL_KNOWN, site.smart_config, conformant_smart_config, JSON),
            (METADATA, site.capability_statement, conformant_capability_statement, FHIR_JSON),
        ):
            if isinstance(spec, Serve):
                server.routes[f"/{site.name}/fhir{path}"] = _route(base, spec, build, media, site.cors)
    return bases


def targets_for(sites: Iterable[Site], bases: Mapping[str, str], ca_bundle: Path) -> dict:
    """The targets dict (targets.yaml ``targets:``) for ``sites`` served at ``bases``."""
    return {site.name: {"base_url": bases[site.name], "ca_bundle": str(ca_bundle), **site.target}
            for site in sites}


# --- running the suite -------------------------------------------------------------------

@dataclass
class _Output:
    text: str

    def str(self) -> str:  # the pytester LineMatcher method SuiteRun.output uses
        return self.text


@dataclass
class _Result:
    ret: int
    stdout: _Output
    stderr: _Output


class PendingRun:
    """A suite run started in the background; ``result()`` waits and parses the JUnit XML."""

    def __init__(self, process: subprocess.Popen, reports: Path, timeout: float):
        self._process = process
        self._reports = reports
        self._timeout = timeout
        self._run: SuiteRun | None = None

    def result(self) -> SuiteRun:
        if self._run is None:
            try:
                out, err = self._process.communicate(timeout=self._timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                out, err = self._process.communicate()
                err += f"\n[batch] suite run killed after {self._timeout:g} s"
            junit = self._reports / "junit.xml"
            self._run = SuiteRun(_Result(self._process.returncode, _Output(out), _Output(err)),
                                 self._reports, read_junit(junit) if junit.exists() else [])
        return self._run


def _clean_env(extra: Mapping[str, str] | None) -> dict[str, str]:
    """The parent's environment (as pytester's subprocess gets it) minus the outer pytest's
    own settings, plus ``extra`` (e.g. a bearer token a target names in auth.bearer_token_env)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST", "PYTEST_PLUGINS")
           and not k.startswith("PYTEST_XDIST")}
    env.update(extra or {})
    env.setdefault("PY_COLORS", "0")
    return env


def start_suite(directory: Path, targets: dict, *args: str, env: Mapping[str, str] | None = None,
                timeout: float = 300, targets_file: Path | None = None) -> PendingRun:
    """Start ``python -m pytest suites`` in ``directory`` (created if needed) against ``targets``.

    Like ``run_suite``: ``--target=all`` unless ``args`` name a target; reports go to
    ``directory/reports``.  ``env`` adds environment variables for the subprocess only.
    """
    targets_file, reports = prepare(directory, targets, targets_file)
    argv = [sys.executable, "-m", "pytest", *suite_args(targets_file, reports, (*args, f"--basetemp={directory / 'basetemp'}"))]
    process = subprocess.Popen(argv, cwd=directory, env=_clean_env(env), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return PendingRun(process, reports, timeout)


def run_suite_in(directory: Path, targets: dict, *args: str, **kwargs) -> SuiteRun:
    """``start_suite(...).result()``."""
    return start_suite(directory, targets, *args, **kwargs).result()
