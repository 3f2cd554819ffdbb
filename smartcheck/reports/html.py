"""HTML pieces for pytest-html: extra columns, per-target sections, failure evidence.

pytest-html owns the page; we add a summary section per target (its endpoint profile,
then the verdicts grouped by requirement) and, behind each failure or warning, the HTTP
exchange that proves it.  Everything is escaped and scrubbed of credentials.
"""
from __future__ import annotations

import json
from collections import defaultdict
from html import escape

from ..redaction import scrub
from ..requirements import CATALOGUE
from ..results import VERDICT_ORDER

BODY_EXCERPT = 2000
VERDICT_COLOURS = {"pass": "#2e7d32", "fail": "#c62828", "warn": "#ef6c00", "skip": "#616161", "error": "#6a1b9a",
            "waived": "#00838f"}


def esc(value) -> str:
    """Escaped, credential-free text for HTML."""
    return escape(scrub(str(value if value is not None else "")), quote=True)


def table_header(cells: list) -> None:
    cells.insert(1, '<th class="sortable" data-column-type="requirement">Requirement</th>')
    cells.insert(2, '<th class="sortable" data-column-type="level">Level</th>')
    cells.insert(3, '<th class="sortable" data-column-type="verdict">Verdict</th>')


def table_row(report, cells: list) -> None:
    props = dict(getattr(report, "user_properties", []))
    verdict = props.get("verdict", "")
    colour = VERDICT_COLOURS.get(verdict, "inherit")
    cells.insert(1, f'<td class="col-requirement">{esc(props.get("requirement", ""))}</td>')
    cells.insert(2, f'<td class="col-level">{esc(props.get("level", ""))}</td>')
    cells.insert(3, f'<td class="col-verdict" style="color:{colour};font-weight:bold">{esc(verdict)}</td>')


def _badge(verdict: str) -> str:
    colour = VERDICT_COLOURS.get(verdict, "#000")
    return f'<span style="color:#fff;background:{colour};padding:0 6px;border-radius:3px">{esc(verdict)}</span>'


def _profile_block(entry: dict) -> str:
    p = entry.get("profile", {})
    rows = [
        ("Base URL", entry.get("base_url", "")),
        ("Probe status", p.get("probe_status")),
        ("Audience", p.get("audience")),
        ("FHIR version", p.get("fhir_version")),
        ("Software", json.dumps(p.get("software")) if p.get("software") else ""),
    ]
    for key, value in (p.get("failures") or {}).items():
        if value:
            rows.append((f"Failure ({key})", value))
    caps = p.get("smart_capabilities") or {}
    for group, values in caps.items():
        rows.append((f"SMART {group.replace('_', ' ')}", ", ".join(map(str, values)) if isinstance(values, list) else json.dumps(values)))
    for name, flow in (p.get("flows") or {}).items():
        state = "available" if flow.get("available") else "missing " + ", ".join(flow.get("missing", []))
        rows.append((f"Flow: {name}", state))
    resources = p.get("resources") or {}
    readable = [r for r, v in resources.items() if v.get("readable")]
    writable = [r for r, v in resources.items() if v.get("writable")]
    rows.append(("Readable resources", f"{len(readable)}: " + ", ".join(readable)))
    rows.append(("Writable resources", f"{len(writable)}: " + ", ".join(writable)))
    body = "".join(f"<tr><th style='text-align:left;vertical-align:top'>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    raw = "".join(
        f"<details><summary>Raw {esc(kind)} ({esc(doc.get('url'))})</summary><pre>{esc(json.dumps(doc.get('body'), indent=1)[:200000])}</pre></details>"
        for kind, doc in (entry.get("documents") or {}).items()
    )
    return f"<table>{body}</table>{raw}"


def evidence_links(paths: str | list[str], link_prefix: str = "evidence/") -> str:
    """Relative links to exchange files (``paths`` as recorded: 'evidence/<t>/<p>/<probe>.json')."""
    items = paths.split() if isinstance(paths, str) else list(paths or [])
    links = []
    for path in items:
        rel = path[len("evidence/"):] if path.startswith("evidence/") else path
        probe = rel.rsplit("/", 1)[-1].removesuffix(".json")
        links.append(f"<a class='smartcheck-evidence-link' href='{esc(link_prefix + rel)}'>{esc(probe)}</a>")
    return " ".join(links)


def summary_sections(results: list[dict], profiles: list[dict], link_prefix: str = "evidence/") -> list[str]:
    """One section per target/persona: its profile, then verdicts grouped by requirement."""
    by_endpoint: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in results:
        by_endpoint[(row.get("target", ""), row.get("persona", ""))].append(row)
    profile_of = {(p["target"], p["persona"]): p for p in profiles}
    order = sorted(set(by_endpoint) | set(profile_of))
    sections = []
    for target, persona in order:
        rows = by_endpoint.get((target, persona), [])
        counts = defaultdict(int)
        for row in rows:
            counts[row.get("verdict")] += 1
        head = ", ".join(f"{counts[v]} {v}" for v in VERDICT_ORDER if counts[v])
        grouped: dict[str, list[dict]] = defaultdict(list)
        for row in rows:
            grouped[row.get("requirement", "")].append(row)
        lines = []
        for rid in [r for r in CATALOGUE if r in grouped]:
            req = CATALOGUE[rid]
            for row in sorted(grouped[rid], key=lambda r: r.get("item", "")):
                item = f" [{esc(row['item'])}]" if row.get("item") else ""
                lines.append(
                    f"<tr><td>{_badge(row.get('verdict', ''))}</td><td><b>{esc(rid)}</b>{item}</td>"
                    f"<td>{esc(row.get('level', req.level))}</td><td>{esc(req.text)}</td>"
                    f"<td>{esc(row.get('message', ''))}</td>"
                    f"<td><a href='{esc(row.get('spec', ''))}'>spec</a></td>"
                    f"<td>{evidence_links(row.get('evidence', ''), link_prefix)}</td></tr>")
        profile = _profile_block(profile_of[(target, persona)]) if (target, persona) in profile_of else ""
        sections.append(
            f"<section class='smartcheck-endpoint'><h2>{esc(target)} / {esc(persona)}</h2><p>{esc(head)}</p>"
            f"<h3>Endpoint profile</h3>{profile}<h3>Verdicts by requirement</h3>"
            "<table class='smartcheck-verdicts'><tr><th>Verdict</th><th>Requirement</th><th>Level</th>"
            "<th>Requirement text</th><th>Finding</th><th>Citation</th><th>Evidence</th></tr>" + "".join(lines) + "</table></section>")
    return sections


def _exchange_html(probe: str, doc) -> str:
    ex = doc.exchange
    req_headers = "\n".join(f"{k}: {v}" for k, v in ex.request_headers)
    resp_headers = "\n".join(f"{k}: {v}" for k, v in ex.response_headers)
    hops = "".join(f"<li>{esc(h.status)} {esc(h.url)} &rarr; {esc(h.location)} {esc(h.note)}</li>" for h in ex.hops)
    body = ex.body[:BODY_EXCERPT].decode("utf-8", "replace")
    more = f"\n… ({len(ex.body) - BODY_EXCERPT} more bytes)" if len(ex.body) > BODY_EXCERPT else ""
    failure = f"<p><b>{esc(doc.failure)}</b>: {esc(doc.detail)}</p>" if doc.failure else ""
    return (f"<div><h4>{esc(probe)}: {esc(ex.method)} {esc(ex.url)}</h4>{failure}"
            f"<pre>{esc(req_headers)}</pre>"
            + (f"<p>Redirects:</p><ul>{hops}</ul>" if hops else "")
            + f"<p>Status: {esc(ex.status)} &middot; {esc(ex.elapsed)} s"
            + (f" &middot; TLS {esc(ex.tls.get('version'))} {esc(ex.tls.get('cipher'))}" if ex.tls else "")
            + f"</p><pre>{esc(resp_headers)}</pre><pre>{esc(body + more)}</pre></div>")


def evidence(verdict, docs: list, link_prefix: str | None = None) -> str:
    links = ""
    if link_prefix is not None and docs:
        from ..evidence import relative_path
        links = "<p>Evidence files: " + evidence_links(
            [relative_path(verdict.target, verdict.persona, p) for p, _ in docs], link_prefix) + "</p>"
    return (f"<div class='smartcheck-evidence'><p><b>{esc(verdict.requirement)}</b> [{esc(verdict.level)}] "
            f"{esc(verdict.message)}</p>" + links + "".join(_exchange_html(p, d) for p, d in docs) + "</div>")


def run_sections(document: dict) -> list[str]:
    """Baseline comparison and waivers, from the results.json document."""
    out = []
    baseline = document.get("baseline")
    if baseline:
        totals = baseline["totals"]
        rows = []
        for target in baseline["targets"]:
            for kind in ("regressions", "fixes", "changed", "new", "removed"):
                for c in target[kind]:
                    change = f"{c['was']} &rarr; {c['now']}" if "was" in c else esc(c.get("verdict", ""))
                    rows.append(f"<tr><td>{esc(kind)}</td><td>{esc(target['target'])}/{esc(c['persona'])}</td>"
                                f"<td>{esc(c['requirement'])}{' [' + esc(c['item']) + ']' if c.get('item') else ''}</td>"
                                f"<td>{change}</td></tr>")
        out.append("<section class='smartcheck-baseline'><h2>Compared with baseline</h2>"
                   f"<p>{esc(baseline.get('path', ''))}: " + ", ".join(f"{totals[k]} {esc(k)}" for k in totals) + "</p>"
                   "<table><tr><th>Change</th><th>Endpoint</th><th>Requirement</th><th>Verdict</th></tr>"
                   + "".join(rows) + "</table></section>")
    waivers = document.get("waivers") or {}
    if any(waivers.get(k) for k in ("applied", "expired", "unused")):
        rows = []
        for kind in ("applied", "expired", "unused"):
            for w in waivers.get(kind, []):
                rows.append(f"<tr><td>{esc(kind)}</td><td>{esc(w['id'])}</td><td>{esc(w['target'])}"
                            f"{'/' + esc(w['persona']) if w.get('persona') else ''}</td><td>{esc(w['requirement'])}"
                            f"{' [' + esc(w['item']) + ']' if w.get('item') else ''}</td><td>{esc(w['expires'])}</td>"
                            f"<td>{esc(w['justification'])}</td></tr>")
        out.append("<section class='smartcheck-waivers'><h2>Waivers</h2><table><tr><th>State</th><th>ID</th>"
                   "<th>Target</th><th>Requirement</th><th>Expires</th><th>Justification</th></tr>"
                   + "".join(rows) + "</table></section>")
    return out
