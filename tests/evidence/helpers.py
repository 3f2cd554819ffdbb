"""Shared helpers for the evidence/record/baseline/waiver tests (loopback only)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.support.suite_run import REPO

TIMESTAMPS = ("started_at", "finished_at")
PER_INVOCATION = ("command_line", "mode", "recording")


def load_results(reports: Path) -> dict:
    return json.loads((reports / "results.json").read_text(encoding="utf-8"))


def comparable(document: dict) -> str:
    """results.json text without what legitimately differs between invocations."""
    document = json.loads(json.dumps(document))
    for key in TIMESTAMPS + PER_INVOCATION:
        document["run"].pop(key, None)
    return json.dumps(document, indent=2, sort_keys=False)


def verdict_table(document: dict) -> dict:
    return {(e["target"], e["persona"], r["requirement"], r["item"]): (r["level"], r["verdict"])
            for e in document["endpoints"] for r in e["results"]}


def keep(reports: Path, dest: Path) -> Path:
    """Copy a finished run's reports aside (the next run_suite rewrites reports/)."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(reports, dest)
    return dest


def schema(name: str) -> dict:
    return json.loads((REPO / "schemas" / name).read_text(encoding="utf-8"))
