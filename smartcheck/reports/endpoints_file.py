"""``reports/endpoints.json``: what each endpoint offers, for directories and dashboards.

The format is versioned (``format_version``) and described by
``schemas/endpoints.schema.json``; keys are only ever added.  Under pytest-xdist each
worker writes a part and the controller merges them, so the file is the same either way.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..documents import DocumentStore
from ..profile import build_profile
from ..redaction import scrub
from ..results import dumps

FORMAT_VERSION = "1"
_PARTS = ".parts"


def _document_entry(doc, url: str) -> dict[str, Any]:
    if doc is None:
        return {"url": url, "status": None, "failure": "not_fetched", "body": None}
    return {"url": doc.exchange.url, "status": doc.exchange.status,
            "failure": doc.failure, "detail": doc.detail or None,
            "body": doc.body if doc.body is not None else None}


def entries(endpoints, store: DocumentStore, access, fetch_missing: bool = True) -> list[dict]:
    """One entry per target/persona, from the documents the run fetched (fetching any it did not)."""
    out = []
    for endpoint in endpoints:
        name, persona = endpoint.target.name, endpoint.persona
        docs = {}
        for kind in ("smart_config", "capability_statement"):
            doc = store.peek(name, persona, kind)
            if doc is None and fetch_missing:
                base_url, limits = access(endpoint.target, persona)
                doc = store.get((name, persona), kind, base_url, limits)
            docs[kind] = doc
        if not any(docs.values()):
            continue
        base_url, _ = access(endpoint.target, persona) if fetch_missing else (endpoint.target.base_url or "", None)
        sc, cs = docs["smart_config"], docs["capability_statement"]
        profile = build_profile(
            sc.body if sc is not None and sc.usable else None,
            cs.body if cs is not None and cs.usable else None,
            sc.failure if sc is not None else "not_fetched",
            cs.failure if cs is not None else "not_fetched",
        )
        out.append({
            "target": name, "persona": persona, "base_url": base_url,
            "description": endpoint.target.description,
            "smart_version": endpoint.target.smart_version,
            "profile": profile,
            "documents": {
                "smart_configuration": _document_entry(sc, base_url.rstrip("/") + "/.well-known/smart-configuration"),
                "capability_statement": _document_entry(cs, base_url.rstrip("/") + "/metadata"),
            },
        })
    return out


def clear_parts(reports_dir: Path) -> None:
    parts = reports_dir / _PARTS
    if parts.is_dir():
        for part in parts.glob("endpoints-*.json"):
            part.unlink(missing_ok=True)


def write_part(reports_dir: Path, worker: str, items: list[dict]) -> None:
    parts = reports_dir / _PARTS
    parts.mkdir(parents=True, exist_ok=True)
    (parts / f"endpoints-{worker}.json").write_text(scrub(json.dumps(items)), encoding="utf-8")


def merged_entries(reports_dir: Path, own: list[dict]) -> list[dict]:
    """Own entries plus workers' parts, one per target/persona, in a stable order."""
    seen: dict[tuple[str, str], dict] = {}
    parts = sorted((reports_dir / _PARTS).glob("endpoints-*.json")) if (reports_dir / _PARTS).is_dir() else []
    for source in [own] + [json.loads(p.read_text(encoding="utf-8")) for p in parts]:
        for entry in source:
            seen.setdefault((entry["target"], entry["persona"]), entry)
    return [seen[k] for k in sorted(seen)]


def write(path: Path, items: list[dict]) -> None:
    document = {
        "format_version": FORMAT_VERSION,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "endpoints": items,
    }
    path.write_text(dumps(document), encoding="utf-8")
