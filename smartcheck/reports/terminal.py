"""The terminal summary: verdict counts per endpoint and every SHOULD-level warning."""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from ..redaction import scrub

ORDER = ("pass", "fail", "warn", "skip", "error")


def summary(tr, results: list[dict], reports_dir: Path) -> None:
    if not results:
        return
    tr.section("conformance summary")
    counts: dict[str, Counter] = defaultdict(Counter)
    for row in results:
        counts[f"{row.get('target')}/{row.get('persona')}"][row.get("verdict", "error")] += 1
    for endpoint in sorted(counts):
        c = counts[endpoint]
        tr.write_line(f"{endpoint}: " + ", ".join(f"{c[v]} {v}" for v in ORDER if c[v]))
    warns = [r for r in results if r.get("verdict") == "warn"]
    if warns:
        tr.write_line("")
        tr.write_line(f"SHOULD-level findings ({len(warns)} warning(s); --strict makes them fail the run):", yellow=True)
        for row in sorted(warns, key=lambda r: (r.get("target", ""), r.get("persona", ""), r.get("requirement", ""))):
            item = f"[{row['item']}]" if row.get("item") else ""
            tr.write_line(scrub(f"  WARN {row.get('requirement')}{item} {row.get('target')}/{row.get('persona')}: {row.get('message', '')}"))
    written = [p for p in ("report.html", "junit.xml", "endpoints.json") if (reports_dir / p).exists() or p != "endpoints.json"]
    tr.write_line("")
    tr.write_line("reports: " + ", ".join(str(reports_dir / p) for p in written))
