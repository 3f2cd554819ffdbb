"""Evidence files: every HTTP exchange a run made, on disk, and replaying them.

Layout (see docs/evidence.md)::

    <dir>/<target>/<persona>/<probe>.json     one exchange (format EXCHANGE_FORMAT_VERSION)
    <dir>/MANIFEST.sha256                     sha256sum-format digests of every file above

Every text field passes through :func:`smartcheck.redaction.scrub` before it is written
(header values are already redacted in :class:`~smartcheck.http.Exchange`).  Bodies are
stored as text when they are UTF-8 and as base64 otherwise.

An evidence directory is also a *recording*: :class:`Recording` turns it back into
exchanges, and :class:`ReplayStore` is a :class:`~smartcheck.documents.DocumentStore`
whose fetcher answers from the recording instead of the network.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from .documents import DocumentStore
from .http import CONNECT_ERROR, Exchange, Hop, Limits
from .redaction import scrub

EXCHANGE_FORMAT_VERSION = "1"
MANIFEST = "MANIFEST.sha256"
NOT_RECORDED = "not in the recording"
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def safe_name(value: str) -> str:
    """A path component for a target, persona or probe name (never '..' or a separator)."""
    name = _SAFE.sub("_", value or "_")
    return "_" if name in (".", "..") else name


def relative_path(target: str, persona: str, probe: str) -> str:
    """The exchange file's path inside an evidence directory (always with '/')."""
    return f"{safe_name(target)}/{safe_name(persona)}/{safe_name(probe)}.json"


def _s(value: Any) -> Any:
    return scrub(value) if isinstance(value, str) else value


def exchange_to_dict(exchange: Exchange, *, target: str, persona: str, probe: str, base_url: str,
                     note: str | None = None) -> dict[str, Any]:
    """The JSON form of one exchange, every text scrubbed."""
    try:
        body, encoding = exchange.body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:  # scrubbed byte for byte (latin-1 maps each byte to one character)
        scrubbed = scrub(exchange.body.decode("latin-1")).encode("latin-1", "replace")
        body, encoding = base64.b64encode(scrubbed).decode("ascii"), "base64"
    data: dict[str, Any] = {
        "format_version": EXCHANGE_FORMAT_VERSION,
        "target": target,
        "persona": persona,
        "probe": probe,
        "base_url": _s(base_url),
        "request": {
            "method": exchange.method,
            "url": _s(exchange.url),
            "headers": [[_s(k), _s(v)] for k, v in exchange.request_headers],
        },
        "response": {
            "final_url": _s(exchange.final_url),
            "status": exchange.status,
            "headers": [[_s(k), _s(v)] for k, v in exchange.response_headers],
            "body_encoding": encoding,
            "body": _s(body) if encoding == "utf-8" else body,
            "body_bytes": len(exchange.body),
        },
        "failure": {"class": exchange.failure, "detail": _s(exchange.detail)} if exchange.failure else None,
        "redirects": [{"status": h.status, "url": _s(h.url), "location": _s(h.location),
                       "followed": h.followed, "note": _s(h.note)} for h in exchange.hops],
        "timing": {"started_at": exchange.started_at, "elapsed_seconds": exchange.elapsed},
        "tls": {"version": exchange.tls.get("version"), "cipher": exchange.tls.get("cipher")} if exchange.tls else None,
    }
    if note:
        data["note"] = note
    return data


def exchange_from_dict(data: dict[str, Any]) -> Exchange:
    """Rebuild the Exchange an evidence file describes."""
    request, response = data.get("request") or {}, data.get("response") or {}
    body = response.get("body") or ""
    raw = base64.b64decode(body) if response.get("body_encoding") == "base64" else body.encode("utf-8")
    failure = data.get("failure") or {}
    timing = data.get("timing") or {}
    return Exchange(
        method=request.get("method", "GET"),
        url=request.get("url", ""),
        request_headers=[(k, v) for k, v in request.get("headers", [])],
        final_url=response.get("final_url", ""),
        status=response.get("status"),
        response_headers=[(k, v) for k, v in response.get("headers", [])],
        body=raw,
        failure=failure.get("class"),
        detail=failure.get("detail", ""),
        hops=[Hop(h["status"], h["url"], h.get("location"), h.get("followed", True), h.get("note", ""))
              for h in data.get("redirects", [])],
        elapsed=timing.get("elapsed_seconds", 0.0),
        started_at=timing.get("started_at", ""),
        tls=dict(data["tls"]) if data.get("tls") else None,
    )


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_exchange(directory: Path, data: dict[str, Any]) -> Path | None:
    """Write one exchange file; the first writer wins (xdist workers may share an endpoint)."""
    path = directory / relative_path(data["target"], data["persona"], data["probe"])
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(dumps(data))
    except FileExistsError:
        return None
    return path


def write_store(directory: Path, store: DocumentStore, base_urls: dict[tuple[str, str], str]) -> list[Path]:
    """Write every exchange in ``store`` under ``directory`` (first wins)."""
    written = []
    for (target, persona, probe), doc in sorted(store.items(), key=lambda kv: kv[0]):
        data = exchange_to_dict(doc.exchange, target=target, persona=persona, probe=probe,
                                base_url=base_urls.get((target, persona), ""),
                                note=getattr(doc.exchange, "recording_note", None))
        path = write_exchange(directory, data)
        if path is not None:
            written.append(path)
    return written


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(directory: Path) -> Path:
    """``MANIFEST.sha256`` in sha256sum format (``sha256sum -c MANIFEST.sha256`` checks it)."""
    lines = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST):
        lines.append(f"{sha256_file(path)}  {path.relative_to(directory).as_posix()}\n")
    manifest = directory / MANIFEST
    manifest.write_text("".join(lines), encoding="utf-8")
    return manifest


def verify_manifest(directory: Path) -> list[str]:
    """Problems with a directory's manifest (empty when every digest matches)."""
    manifest = directory / MANIFEST
    if not manifest.is_file():
        return [f"{manifest} is missing"]
    problems, listed = [], set()
    for line in manifest.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        listed.add(name)
        path = directory / name
        if not path.is_file():
            problems.append(f"{name}: listed but missing")
        elif sha256_file(path) != digest:
            problems.append(f"{name}: digest mismatch")
    for path in directory.rglob("*"):
        if path.is_file() and path.name != MANIFEST and path.relative_to(directory).as_posix() not in listed:
            problems.append(f"{path.relative_to(directory).as_posix()}: not in the manifest")
    return problems


def clear(directory: Path) -> None:
    """Remove earlier exchange files and the manifest (only files this module writes)."""
    if not directory.is_dir():
        return
    for path in directory.rglob("*.json"):
        path.unlink(missing_ok=True)
    (directory / MANIFEST).unlink(missing_ok=True)
    for sub in sorted((p for p in directory.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        try:
            sub.rmdir()
        except OSError:
            pass


# --- replay ------------------------------------------------------------------------------

class Recording:
    """An evidence directory read back: exchanges by (target, persona, probe)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise FileNotFoundError(f"recording directory {self.directory} does not exist")

    def _path(self, target: str, persona: str, probe: str) -> Path:
        return self.directory / relative_path(target, persona, probe)

    def load(self, target: str, persona: str, probe: str) -> dict[str, Any] | None:
        path = self._path(target, persona, probe)
        if not path.is_file():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def exchange(self, target: str, persona: str, probe: str, url: str, headers: dict[str, str]) -> Exchange:
        data = self.load(target, persona, probe)
        if data is None:
            from .redaction import scrub_headers
            return Exchange(method="GET", url=url, request_headers=scrub_headers(headers.items()),
                            failure=CONNECT_ERROR, detail=NOT_RECORDED)
        exchange = exchange_from_dict(data)
        if data.get("note"):
            exchange.recording_note = data["note"]  # carried into the replay's own evidence
        return exchange

    def base_url(self, target: str, persona: str) -> str | None:
        """The base URL the recording was made against (from any of its exchange files)."""
        folder = self.directory / safe_name(target) / safe_name(persona)
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                value = json.loads(path.read_text(encoding="utf-8")).get("base_url")
            except (OSError, ValueError):
                continue
            if value:
                return value
        return None


class ReplayStore(DocumentStore):
    """A DocumentStore whose requests are answered from a recording; the network is never used."""

    def __init__(self, recording: Recording):
        super().__init__()
        self.recording = recording

    def exchange(self, key: tuple[str, str], probe_name: str, url: str, headers: dict[str, str],
                 limits: Limits) -> Exchange:
        return self.recording.exchange(key[0], key[1], probe_name, url, headers)


def same_dir(a: Path, b: Path) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except OSError:
        return False
