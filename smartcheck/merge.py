"""Merge shard results into one results.json and one self-contained HTML report.

    python -m smartcheck.merge OUT_DIR shard1/results.json shard2/results.json ...

Shards are runs of the same suite over disjoint targets (or personas), e.g. one CI job per
target.  Endpoints are combined (when two shards report the same target/persona/requirement
/item, the first shard listed wins); waiver lists and baseline comparisons are concatenated;
each shard's ``evidence/`` folder (beside its results.json) is copied to ``OUT_DIR/evidence``
(first wins) and a fresh ``MANIFEST.sha256`` is written.  Exit status: 0, or 2 on bad input.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from . import evidence, results
from .redaction import scrub


def merge_documents(documents: list[dict], sources: list[str]) -> dict:
    rows: dict[tuple, dict] = {}
    for document in documents:
        for endpoint in document.get("endpoints", []):
            for entry in endpoint.get("results", []):
                key = (endpoint["target"], endpoint["persona"], entry["requirement"], entry.get("item") or "")
                rows.setdefault(key, {**entry, "target": endpoint["target"], "persona": endpoint["persona"]})
    endpoints: dict[tuple[str, str], list[dict]] = {}
    for key in sorted(rows):
        entry = dict(rows[key])
        target, persona = entry.pop("target"), entry.pop("persona")
        endpoints.setdefault((target, persona), []).append(entry)
    merged_endpoints = []
    for (target, persona), entries in sorted(endpoints.items()):
        counts: dict[str, int] = {}
        for entry in entries:
            counts[entry["verdict"]] = counts.get(entry["verdict"], 0) + 1
        merged_endpoints.append({"target": target, "persona": persona,
                                 "counts": {v: counts[v] for v in results.VERDICT_ORDER if counts.get(v)},
                                 "results": entries})
    runs = [d.get("run") or {} for d in documents]
    first = runs[0] if runs else {}
    waivers = {k: [w for d in documents for w in (d.get("waivers") or {}).get(k, [])] for k in ("applied", "expired", "unused")}
    baselines = [d["baseline"] for d in documents if d.get("baseline")]
    baseline = None
    if baselines:
        targets = sorted((t for b in baselines for t in b["targets"]), key=lambda t: t["target"])
        baseline = {"path": ", ".join(sorted({b.get("path", "") for b in baselines})),
                    "baseline_started_at": baselines[0].get("baseline_started_at"),
                    "totals": {k: sum(len(t[k]) for t in targets) for k in ("regressions", "fixes", "changed", "new", "removed")},
                    "targets": targets}
    return {
        "format_version": results.FORMAT_VERSION,
        "run": {
            "suite_version": first.get("suite_version", ""),
            "catalogue_version": first.get("catalogue_version", ""),
            "started_at": min((r.get("started_at", "") for r in runs), default=""),
            "finished_at": max((r.get("finished_at", "") for r in runs), default=""),
            "command_line": ["python", "-m", "smartcheck.merge", *sources],
            "mode": "merged",
            "recording": None,
            "strict": any(r.get("strict") for r in runs),
            "targets_file": first.get("targets_file") or {"name": None, "sha256": None},
            "merged_from": sources,
        },
        "endpoints": merged_endpoints,
        "waivers": waivers,
        "baseline": baseline,
    }


_COLOURS = {"pass": "#2e7d32", "fail": "#c62828", "warn": "#ef6c00", "skip": "#616161", "error": "#6a1b9a",
            "waived": "#00838f"}


def _e(value) -> str:
    return escape(scrub(str(value if value is not None else "")), quote=True)


def render_html(document: dict) -> str:
    """A self-contained HTML page from a results document (links into evidence/)."""
    from .reports.html import evidence_links, run_sections
    run = document.get("run", {})
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>SMART App Launch / IPA conformance (merged)</title>",
        "<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top;text-align:left}</style></head><body>",
        "<h1>SMART App Launch / IPA conformance report</h1>",
        f"<p>smartcheck {_e(run.get('suite_version'))}, catalogue {_e(run.get('catalogue_version'))}; "
        f"{_e(run.get('started_at'))} &ndash; {_e(run.get('finished_at'))}; mode {_e(run.get('mode'))}</p>",
    ]
    if run.get("merged_from"):
        parts.append("<p>Merged from: " + ", ".join(_e(s) for s in run["merged_from"]) + "</p>")
    parts.extend(run_sections(document))
    for endpoint in document.get("endpoints", []):
        counts = ", ".join(f"{n} {_e(v)}" for v, n in endpoint.get("counts", {}).items())
        parts.append(f"<section><h2>{_e(endpoint['target'])} / {_e(endpoint['persona'])}</h2><p>{counts}</p>"
                     "<table><tr><th>Verdict</th><th>Requirement</th><th>Level</th><th>Finding</th>"
                     "<th>Citation</th><th>Evidence</th></tr>")
        for entry in endpoint.get("results", []):
            colour = _COLOURS.get(entry.get("verdict"), "#000")
            item = f" [{_e(entry['item'])}]" if entry.get("item") else ""
            parts.append(
                f"<tr><td style='color:{colour};font-weight:bold'>{_e(entry.get('verdict'))}</td>"
                f"<td><b>{_e(entry.get('requirement'))}</b>{item}</td><td>{_e(entry.get('level'))}</td>"
                f"<td>{_e(entry.get('message'))}</td><td><a href='{_e(entry.get('spec'))}'>spec</a></td>"
                f"<td>{evidence_links(entry.get('evidence') or [], 'evidence/')}</td></tr>")
        parts.append("</table></section>")
    parts.append("</body></html>\n")
    return "".join(parts)


def merge(out_dir: Path, paths: list[Path]) -> dict:
    documents = [results.load(p) for p in paths]
    document = merge_documents(documents, [str(p) for p in paths])
    out_dir.mkdir(parents=True, exist_ok=True)
    out_evidence = out_dir / "evidence"
    for path in paths:
        source = Path(path).parent / "evidence"
        if source.is_dir() and not evidence.same_dir(source, out_evidence):
            for file in sorted(source.rglob("*.json")):
                dest = out_evidence / file.relative_to(source)
                if not dest.exists():
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(file, dest)
    if out_evidence.is_dir():
        evidence.write_manifest(out_evidence)
    results.write(out_dir / "results.json", document)
    (out_dir / "report.html").write_text(render_html(document), encoding="utf-8")
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m smartcheck.merge", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="where results.json, report.html and evidence/ are written")
    parser.add_argument("results", type=Path, nargs="+", help="shard results.json files")
    args = parser.parse_args(argv)
    try:
        document = merge(args.out_dir, args.results)
    except (OSError, ValueError, KeyError) as exc:
        print(f"smartcheck.merge: {exc}", file=sys.stderr)
        return 2
    total = sum(len(e["results"]) for e in document["endpoints"])
    print(f"merged {len(args.results)} shard(s): {len(document['endpoints'])} endpoint(s), {total} verdict(s) "
          f"-> {args.out_dir / 'results.json'}, {args.out_dir / 'report.html'} "
          f"({datetime.now(timezone.utc).isoformat(timespec='seconds')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
