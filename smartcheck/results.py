"""``reports/results.json``: every verdict of a run, with run metadata and evidence links.

Versioned (``format_version``), described by ``schemas/results.schema.json`` and documented
in docs/evidence.md.  Results are ordered by target, persona, requirement and item so two
runs of the same servers give the same bytes apart from the run's timestamps and command
line.  Also here: comparing with a baseline (an earlier results.json).
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from . import __version__
from .redaction import scrub
from .requirements import CATALOGUE_VERSION

FORMAT_VERSION = "1"
VERDICT_ORDER = ("pass", "fail", "warn", "skip", "error", "waived")
FAILING = frozenset({"fail", "error"})
PASSING = frozenset({"pass", "warn"})
# a waived failure whose waiver expired fails again: that is a regression, not just a change
REGRESSION_FROM = PASSING | {"waived"}
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "results.schema.json"


def sha256_of(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _key(row: dict) -> tuple[str, str, str, str]:
    return (row.get("target", ""), row.get("persona", ""), row.get("requirement", ""), row.get("item") or "")


def result_entry(row: dict) -> dict[str, Any]:
    """One verdict as results.json stores it (every text scrubbed)."""
    evidence = [e for e in (row.get("evidence") or "").split(" ") if e]
    return {
        "requirement": row.get("requirement", ""),
        "item": row.get("item") or None,
        "level": row.get("level", ""),
        "verdict": row.get("verdict", "error"),
        "message": scrub(row.get("message", "") or ""),
        "spec": row.get("spec", ""),
        "evidence": evidence,
        "waiver": row.get("waiver") or None,
        "test": row.get("nodeid", ""),
    }


def group(rows: list[dict]) -> list[dict[str, Any]]:
    """Rows grouped per target and persona, everything sorted."""
    return group_entries((row.get("target", ""), row.get("persona", ""), result_entry(row)) for row in rows)


def group_entries(items) -> list[dict[str, Any]]:
    """(target, persona, result entry) triples as results.json endpoints: sorted, with counts."""
    endpoints: dict[tuple[str, str], list[dict]] = {}
    for target, persona, entry in sorted(items, key=lambda t: (t[0], t[1], t[2]["requirement"], t[2].get("item") or "")):
        endpoints.setdefault((target, persona), []).append(entry)
    out = []
    for (target, persona), entries in sorted(endpoints.items()):
        counts = Counter(e["verdict"] for e in entries)
        out.append({"target": target, "persona": persona,
                    "counts": {v: counts[v] for v in VERDICT_ORDER if counts[v]},
                    "results": entries})
    return out


def build(rows: list[dict], *, started_at: str, finished_at: str, command_line: list[str],
          targets_file: Path | None, mode: str = "live", recording: str | None = None,
          strict: bool = False, waivers: dict | None = None, baseline: dict | None = None) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "run": {
            "suite_version": __version__,
            "catalogue_version": CATALOGUE_VERSION,
            "started_at": started_at,
            "finished_at": finished_at,
            "command_line": [scrub(a) for a in command_line],
            "mode": mode,
            "recording": recording,
            "strict": strict,
            "targets_file": {"name": targets_file.name if targets_file else None,
                             "sha256": sha256_of(targets_file) if targets_file else None},
        },
        "endpoints": group(rows),
        "waivers": waivers or {"applied": [], "expired": [], "unused": []},
        "baseline": baseline,
    }


def dumps(document: Any) -> str:
    """Indented JSON with every credential scrubbed: how report files are written."""
    return scrub(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def write(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(document), encoding="utf-8")


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def load(path: Path) -> dict[str, Any]:
    """An earlier results.json, checked against its schema (ValueError names the fault)."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(document, dict) or "endpoints" not in document:
        raise ValueError(f"{path}: not a smartcheck results.json (no 'endpoints')")
    if str(document.get("format_version")) != FORMAT_VERSION:
        raise ValueError(f"{path}: format_version {document.get('format_version')!r} is not {FORMAT_VERSION!r}")
    error = next(iter(sorted(_validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))), None)
    if error is not None:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path) or "(top level)"
        raise ValueError(f"{path}: {where}: {error.message}")
    return document


def verdicts(document: dict[str, Any]) -> dict[tuple[str, str, str, str], dict]:
    """(target, persona, requirement, item) -> result entry."""
    out = {}
    for endpoint in document.get("endpoints", []):
        for entry in endpoint.get("results", []):
            out[(endpoint["target"], endpoint["persona"], entry["requirement"], entry.get("item") or "")] = entry
    return out


def compare(baseline: dict[str, Any], current: dict[str, Any], baseline_path: str = "") -> dict[str, Any]:
    """Per target: regressions (pass/warn/waived -> fail/error), fixes (fail/error -> pass/warn),
    other verdict changes, and requirements new in or removed from this run."""
    after = verdicts(current)
    # only the targets this run checked: a nightly shard (one target) does not "remove" the others
    scope = {e["target"] for e in current.get("endpoints", [])}
    before = {k: v for k, v in verdicts(baseline).items() if k[0] in scope}
    targets: dict[str, dict[str, list]] = {}

    def bucket(target: str) -> dict[str, list]:
        return targets.setdefault(target, {"regressions": [], "fixes": [], "changed": [], "new": [], "removed": []})

    for key in sorted(set(before) | set(after)):
        bucket(key[0])
    for key in sorted(set(before) | set(after)):
        target, persona, requirement, item = key
        ref = {"persona": persona, "requirement": requirement, "item": item or None}
        if key not in before:
            bucket(target)["new"].append({**ref, "verdict": after[key]["verdict"]})
            continue
        if key not in after:
            bucket(target)["removed"].append({**ref, "verdict": before[key]["verdict"]})
            continue
        was, now = before[key]["verdict"], after[key]["verdict"]
        if was == now:
            continue
        change = {**ref, "was": was, "now": now, "message": after[key].get("message", "")}
        if was in REGRESSION_FROM and now in FAILING:
            bucket(target)["regressions"].append(change)
        elif was in FAILING and now in PASSING:
            bucket(target)["fixes"].append(change)
        else:
            bucket(target)["changed"].append(change)
    per_target = [{"target": t, **{k: v for k, v in b.items()}} for t, b in sorted(targets.items())]
    return {
        "path": baseline_path,
        "baseline_started_at": (baseline.get("run") or {}).get("started_at"),
        "totals": {k: sum(len(t[k]) for t in per_target) for k in ("regressions", "fixes", "changed", "new", "removed")},
        "targets": per_target,
    }
