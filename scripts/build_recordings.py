#!/usr/bin/env python3
"""Build the shipped recordings (recordings/<target>/<persona>/<probe>.json) from published documents.

    python scripts/build_recordings.py [--realworld ../shared/realworld] [--out recordings]

Each public sandbox in targets.yaml gets a recording synthesized from the documents in the
real-world corpus (see that corpus's SOURCES.md for where each came from).  These are NOT
live captures: every exchange file carries a ``note`` saying so, ``timing`` and ``tls`` are
empty, and only the two probes a published document can answer are recorded:

* ``smart_config``  (GET {base}/.well-known/smart-configuration, Accept: application/json)
* ``capability_statement``  (GET {base}/metadata, Accept: application/fhir+json)

Status is 200.  Response headers are ``Content-Type: application/json`` for discovery and
``Content-Type: application/fhir+json`` for metadata, unless the corpus has a
``<name>.headers.txt`` beside the document (the SMART launcher's local run), whose status
line and headers are used as they are.  Every other probe (Accept variants, CORS,
authenticated) is absent, so replaying skips the requirements judged on them as "not
judged: the replayed recording has no ... exchange": the corpus says nothing about how those
requests are answered.

Replay offline with:  pytest --target=epic-sandbox --replay=recordings
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from smartcheck import evidence  # noqa: E402
from smartcheck.documents import PROBES  # noqa: E402
from smartcheck.http import Exchange  # noqa: E402
from smartcheck.targets import load_targets  # noqa: E402

NOTE = ("synthesized by scripts/build_recordings.py from the published document {source} "
        "(shared/realworld, see its SOURCES.md); not a live capture: status and headers are {headers}")

# target -> (corpus folder, discovery file, metadata file, personas to record or None for all).
# smart-launcher is left out on purpose: the corpus holds a local run of the launcher's software
# on http://127.0.0.1, whose http:// endpoints would read as findings against the public sandbox.
SOURCES = {
    "epic-sandbox": ("epic-sandbox", "smart-configuration.json", "metadata.json", None),
    "cms-bluebutton": ("cms-bluebutton", "smart-configuration-v2.json", "metadata-v2.json", None),
    "inferno-reference": ("inferno-reference-server", "smart-configuration.json", "metadata.json", None),
    "oracle-health": ("cerner-oracle", "smart-configuration-provider.json", "metadata-ehr-secured.json", ("provider",)),
}
DEFAULT_TYPES = {"smart_config": "application/json", "capability_statement": "application/fhir+json"}


def read_headers(path: Path) -> tuple[int, list[tuple[str, str]]]:
    """A raw HTTP/1.1 status line and header block."""
    lines = path.read_text(encoding="utf-8").splitlines()
    status = int(lines[0].split()[1])
    headers = []
    for line in lines[1:]:
        if not line.strip():
            break
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return status, headers


def exchange_for(document: Path, probe: str, base_url: str) -> tuple[Exchange, str]:
    spec = PROBES[probe]
    headers_file = document.with_name(document.stem + ".headers.txt")
    if headers_file.is_file():
        status, headers = read_headers(headers_file)
        described = f"from {headers_file.name} (captured)"
    else:
        status, headers = 200, [("Content-Type", DEFAULT_TYPES[probe])]
        described = f"assumed (HTTP 200, Content-Type {DEFAULT_TYPES[probe]})"
    url = base_url.rstrip("/") + spec.path
    exchange = Exchange(method="GET", url=url, request_headers=list(spec.headers), final_url=url,
                        status=status, response_headers=headers, body=document.read_bytes())
    return exchange, described


def build(realworld: Path, out: Path, targets_file: Path) -> list[Path]:
    targets = load_targets(targets_file).targets
    written = []
    for name, (folder, discovery, metadata, only) in SOURCES.items():
        target = targets[name]
        for persona in target.personas:
            if only and persona not in only:
                continue
            base = target.persona_base_url(persona)
            for probe, filename in (("smart_config", discovery), ("capability_statement", metadata)):
                document = realworld / folder / filename
                exchange, described = exchange_for(document, probe, base)
                data = evidence.exchange_to_dict(
                    exchange, target=name, persona=persona, probe=probe, base_url=base,
                    note=NOTE.format(source=f"{folder}/{filename}", headers=described))
                path = out / evidence.relative_path(name, persona, probe)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(evidence.dumps(data), encoding="utf-8")
                written.append(path)
    evidence.write_manifest(out)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realworld", type=Path, default=ROOT.parent / "shared" / "realworld")
    parser.add_argument("--out", type=Path, default=ROOT / "recordings")
    parser.add_argument("--targets-file", type=Path, default=ROOT / "targets.yaml")
    args = parser.parse_args(argv)
    written = build(args.realworld, args.out, args.targets_file)
    print(f"wrote {len(written)} exchange files and {args.out / evidence.MANIFEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
