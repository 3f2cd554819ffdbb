"""Run the real conformance suite through pytester and read its verdicts back.

The suites and the root conftest are copied into pytester's directory, a targets file
is written there, and pytest runs in a subprocess, exactly as a user would run it.  The
verdicts come from the JUnit XML the run wrote, so tests assert what a CI system sees.
"""
from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


@dataclass
class Case:
    """One testcase from the JUnit report."""

    name: str
    properties: dict[str, str]
    outcome: str          # passed | failed | skipped | error
    text: str

    @property
    def verdict(self) -> str:
        return self.properties.get("verdict", "")

    @property
    def message(self) -> str:
        return self.properties.get("message", "")


@dataclass
class SuiteRun:
    result: Any                       # pytester.RunResult
    reports: Path
    cases: list[Case] = field(default_factory=list)

    @property
    def ret(self) -> int:
        return int(self.result.ret)

    @property
    def output(self) -> str:
        return self.result.stdout.str() + "\n" + self.result.stderr.str()

    def select(self, requirement: str, target: str | None = None, persona: str | None = None,
               item: str | None = None) -> list[Case]:
        out = []
        for case in self.cases:
            p = case.properties
            if p.get("requirement") != requirement:
                continue
            if target is not None and p.get("target") != target:
                continue
            if persona is not None and p.get("persona") != persona:
                continue
            if item is not None and p.get("item") != item:
                continue
            out.append(case)
        return out

    def verdict(self, requirement: str, target: str | None = None, persona: str | None = None,
                item: str | None = None) -> str:
        """The single verdict for this requirement (and target/persona/item); fails loudly if ambiguous."""
        cases = self.select(requirement, target, persona, item)
        assert len(cases) == 1, f"expected one {requirement} case for {target}/{persona}/{item}, got {[c.name for c in cases]}"
        return cases[0].verdict

    def case(self, requirement: str, target: str | None = None, persona: str | None = None,
             item: str | None = None) -> Case:
        cases = self.select(requirement, target, persona, item)
        assert len(cases) == 1, f"expected one {requirement} case, got {[c.name for c in cases]}"
        return cases[0]


def read_junit(path: Path) -> list[Case]:
    cases = []
    for tc in ET.parse(path).getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") for p in tc.iter("property")}
        outcome, text = "passed", ""
        for tag in ("failure", "error", "skipped"):
            el = tc.find(tag)
            if el is not None:
                outcome = {"failure": "failed", "skipped": "skipped"}.get(tag, tag)
                text = (el.get("message") or "") + "\n" + (el.text or "")
        cases.append(Case(tc.get("name"), props, outcome, text))
    return cases


def write_targets(directory: Path, targets: dict, default: str | None = None) -> Path:
    data: dict[str, Any] = {"targets": targets}
    if default:
        data["default"] = default
    path = directory / "targets.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def prepare(directory: Path, targets: dict | None, targets_file: Path | None = None) -> tuple[Path, Path]:
    """Copy ``suites/`` and the root conftest into ``directory`` and write the targets file
    (unless one is given): what a user's checkout holds.  Returns (targets file, reports dir)."""
    directory.mkdir(parents=True, exist_ok=True)
    if not (directory / "suites").exists():
        shutil.copytree(REPO / "suites", directory / "suites", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(REPO / "conftest.py", directory / "conftest.py")
    if targets_file is None:
        targets_file = write_targets(directory, targets or {})
    return targets_file, directory / "reports"


def suite_args(targets_file: Path, reports: Path, args: tuple[str, ...]) -> list[str]:
    """The pytest arguments of a suite run: ``--target=all`` unless ``args`` name a target."""
    argv = ["suites", f"--targets-file={targets_file}", f"--reports-dir={reports}", "-p", "no:cacheprovider"]
    if not any(a.startswith("--target") and not a.startswith("--targets-file") for a in args):
        argv.append("--target=all")
    return [*argv, *args]


def run_suite(pytester, targets: dict | None, *args: str, timeout: float = 600,
              targets_file: Path | None = None) -> SuiteRun:
    """Run ``pytest suites`` in pytester's directory against ``targets`` (all of them by default)."""
    targets_file, reports = prepare(Path(pytester.path), targets, targets_file)
    result = pytester.runpytest_subprocess(*suite_args(targets_file, reports, args), timeout=timeout)
    junit = reports / "junit.xml"
    return SuiteRun(result, reports, read_junit(junit) if junit.exists() else [])
