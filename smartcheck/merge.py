"""Merge shard results into one results.json and one self-contained HTML report.

    python -m smartcheck.merge OUT_DIR shard1/results.json shard2/results.json ...

Shards are runs of the same suite over disjoint targets (or personas), e.g. one CI job per
target.  Endpoints are combined (when two shards report the same target/persona/requirement
/item, the first shard listed wins); waivers are combined by id and baseline comparisons by
target;
each shard's ``evidence/`` folder (beside its results.json) is copied to ``OUT_DIR/evidence``
(first wins) and a fresh ``MANIFEST.sha256`` is written.  Exit status: 0, or 2 on bad input.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

from . import evidence, results


def merge_documents(documents: list[dict], sources: list[str]) -> dict:
    rows: dict[tuple, tuple[str, str, dict]] = {}
    for document in documents:
        for endpoint in document.get("endpoints", []):
            for entry in endpoint.get("results", []):
                key = (endpoint["target"], endpoint["persona"], entry["requirement"], entry.get("item") or "")
                rows.setdefault(key, (endpoint["target"], endpoint["persona"], entry))
    merged_endpoints = results.group_entries(rows.values())
    runs = [d.get("run") or {} for d in documents]
    first = runs[0] if runs else {}
    waivers = merge_waivers([d.get("waivers") or {} for d in documents])
    baselines = [d["baseline"] for d in documents if d.get("baseline")]
    baseline = None
    if baselines:
        targets = _merge_baseline_targets(baselines)
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


def merge_waivers(summaries: list[dict]) -> dict[str, list[dict]]:
    """One waiver summary from the shards': a waiver is applied (or expired) if it was in any
    shard, with the counts added up, and unused only if no shard used it."""
    by_id: dict[str, tuple[str, dict]] = {}
    rank = {"applied": 0, "expired": 0, "unused": 1}
    for summary in summaries:
        for kind in ("applied", "expired", "unused"):
            for waiver in summary.get(kind, []):
                seen = by_id.get(waiver["id"])
                if seen is None or rank[kind] < rank[seen[0]]:
                    by_id[waiver["id"]] = (kind, dict(waiver))
                elif seen[0] == kind and kind != "unused":
                    for count in ("waived", "matched_failures"):
                        if count in waiver:
                            seen[1][count] = seen[1].get(count, 0) + waiver[count]
    out: dict[str, list[dict]] = {"applied": [], "expired": [], "unused": []}
    for wid in sorted(by_id):
        kind, waiver = by_id[wid]
        out[kind].append(waiver)
    return out


def _merge_baseline_targets(baselines: list[dict]) -> list[dict]:
    """Each target's comparison once, its lists joined when shards split it by persona."""
    merged: dict[str, dict] = {}
    for baseline in baselines:
        for target in baseline["targets"]:
            into = merged.setdefault(target["target"], {"target": target["target"], **{k: [] for k in target if k != "target"}})
            for key, values in target.items():
                if key != "target":
                    into.setdefault(key, []).extend(values)
    return [merged[t] for t in sorted(merged)]


def render_html(document: dict) -> str:
    """A self-contained HTML page from a results document (links into evidence/)."""
    from .reports.html import VERDICT_COLOURS, esc as _e, evidence_links, run_sections
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
            colour = VERDICT_COLOURS.get(entry.get("verdict"), "#000")
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
    evidence.clear(out_evidence)   # no stale exchanges from an earlier merge into the same folder
    out_evidence.mkdir(parents=True, exist_ok=True)
    for path in paths:
        source = Path(path).parent / "evidence"
        if source.is_dir() and not evidence.same_dir(source, out_evidence):
            for file in sorted(source.rglob("*.json")):
                dest = out_evidence / file.relative_to(source)
                if not dest.exists():
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(file, dest)
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
