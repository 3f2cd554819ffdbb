"""The terminal summary: verdict counts per endpoint and every SHOULD-level warning."""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from ..redaction import scrub
from ..results import VERDICT_ORDER



def summary(tr, results: list[dict], reports_dir: Path) -> None:
    if not results:
        return
    tr.section("conformance summary")
    counts: dict[str, Counter] = defaultdict(Counter)
    for row in results:
        counts[f"{row.get('target')}/{row.get('persona')}"][row.get("verdict", "error")] += 1
    for endpoint in sorted(counts):
        c = counts[endpoint]
        tr.write_line(f"{endpoint}: " + ", ".join(f"{c[v]} {v}" for v in VERDICT_ORDER if c[v]))
    warns = [r for r in results if r.get("verdict") == "warn"]
    if warns:
        tr.write_line("")
        tr.write_line(f"SHOULD-level findings ({len(warns)} warning(s); --strict makes them fail the run):", yellow=True)
        for row in sorted(warns, key=lambda r: (r.get("target", ""), r.get("persona", ""), r.get("requirement", ""))):
            item = f"[{row['item']}]" if row.get("item") else ""
            tr.write_line(scrub(f"  WARN {row.get('requirement')}{item} {row.get('target')}/{row.get('persona')}: {row.get('message', '')}"))
    written = [p for p in ("report.html", "junit.xml", "endpoints.json", "results.json", "evidence") if (reports_dir / p).exists() or p in ("report.html", "junit.xml")]
    tr.write_line("")
    tr.write_line("reports: " + ", ".join(str(reports_dir / p) for p in written))


def evidence_summary(tr, document: dict, fail_on: str | None = None) -> None:
    """Waivers (applied, expired, unused) and the comparison with --baseline, from results.json."""
    w = document.get("waivers") or {}
    if any(w.get(k) for k in ("applied", "expired", "unused")):
        tr.write_line("")
        tr.write_line(f"waivers: {len(w.get('applied', []))} applied, {len(w.get('expired', []))} expired, "
                      f"{len(w.get('unused', []))} unused")
        for entry in w.get("expired", []):
            tr.write_line(scrub(f"  EXPIRED {entry['id']} {_waiver_scope(entry)} expired {entry['expires']} "
                                f"({entry['justification']}); {entry.get('matched_failures', 0)} failure(s) no longer waived"),
                          red=True)
        for entry in w.get("unused", []):
            tr.write_line(scrub(f"  UNUSED {entry['id']} {_waiver_scope(entry)} (expires {entry['expires']}): "
                                "matched no failure in this run"), yellow=True)
    baseline = document.get("baseline")
    if baseline:
        totals = baseline["totals"]
        tr.write_line("")
        tr.write_line(f"compared with baseline {baseline.get('path', '')}: " + ", ".join(
            f"{totals[k]} {k}" for k in ("regressions", "fixes", "changed", "new", "removed")),
            red=bool(totals["regressions"]), green=not totals["regressions"])
        for target in baseline["targets"]:
            counts = ", ".join(f"{len(target[k])} {k}" for k in ("regressions", "fixes", "changed", "new", "removed"))
            tr.write_line(f"  {target['target']}: {counts}")
            for kind, word in (("regressions", "REGRESSION"), ("fixes", "FIXED"), ("changed", "CHANGED")):
                for c in target[kind]:
                    item = f"[{c['item']}]" if c.get("item") else ""
                    tr.write_line(scrub(f"    {word} {c['requirement']}{item} {target['target']}/{c['persona']}: "
                                        f"{c['was']} -> {c['now']}"), red=kind == "regressions")
            for kind, word in (("new", "NEW"), ("removed", "REMOVED")):
                for c in target[kind]:
                    item = f"[{c['item']}]" if c.get("item") else ""
                    tr.write_line(f"    {word} {c['requirement']}{item} {target['target']}/{c['persona']} ({c['verdict']})")
        if fail_on == "regression":
            tr.write_line("--fail-on regression: the exit status reflects only the regressions above", bold=True)


def _waiver_scope(entry: dict) -> str:
    scope = f"{entry['target']}"
    if entry.get("persona"):
        scope += f"/{entry['persona']}"
    scope += f" {entry['requirement']}"
    if entry.get("item"):
        scope += f"[{entry['item']}]"
    return scope
