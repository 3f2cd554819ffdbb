"""The real-world corpus (``shared/realworld``) as loopback sites, byte for byte.

Every ``<vendor>/smart-configuration*.json`` becomes one site, paired with that vendor's
``metadata*.json`` (explicit pairs where a vendor has several).  Statements no discovery
document is paired with become "metadata-only" sites whose discovery answers 404 (true of
oracle-health-open; for the others it keeps the statement's CS-* verdicts in the run).
Bodies are served exactly as stored; the media type is the recorded one when a
``<stem>.headers.txt`` capture exists.  CORS was not captured, so every answer allows ``*``
(no WK-CORS verdict here is a real-world claim).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .servers import LoopbackServer, Response
from .suite_run import SHARED

REALWORLD = SHARED / "realworld"

# vendors with several statements: which one each discovery document goes with
PAIRS = {
    # both Lantern captures of the same era (authorization.cerner.com tenant, DSTU2 Conformance)
    ("cerner-oracle", "smart-configuration-authorization-tenant.json"): "metadata-dstu2.json",
    # both from the fhir.cerner.com docs source (tenant ec2458f2, R4 secured endpoint)
    ("cerner-oracle", "smart-configuration-provider.json"): "metadata-ehr-secured.json",
}
DEFAULT_MEDIA = {"smart_config": "application/json", "capability_statement": "application/fhir+json"}


@dataclass(frozen=True)
class RealSite:
    name: str
    vendor: str
    smart_config: Path | None
    capability_statement: Path | None

    @property
    def metadata_only(self) -> bool:
        return self.smart_config is None


def _site_name(vendor: str, path: Path, siblings: list[Path], prefix: str) -> str:
    if len(siblings) == 1 and prefix == "smart-configuration":
        return vendor
    suffix = path.stem[len(prefix):].lstrip("-")
    return f"{vendor}-{suffix}" if prefix == "smart-configuration" else f"{vendor}-{path.stem}"


def corpus_sites(root: Path = REALWORLD) -> list[RealSite]:
    sites: list[RealSite] = []
    paired: set[Path] = set()
    for vendor_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        vendor = vendor_dir.name
        configs = sorted(vendor_dir.glob("smart-configuration*.json"))
        statements = sorted(vendor_dir.glob("metadata*.json"))
        for config in configs:
            chosen = PAIRS.get((vendor, config.name))
            if chosen is None and len(statements) > 1:
                raise AssertionError(f"{vendor}: several statements {[s.name for s in statements]}; add {config.name} to PAIRS")
            statement = vendor_dir / chosen if chosen else (statements[0] if statements else None)
            if statement is not None:
                paired.add(statement)
            sites.append(RealSite(_site_name(vendor, config, configs, "smart-configuration"), vendor, config, statement))
        for statement in statements:
            if statement not in paired:
                sites.append(RealSite(_site_name(vendor, statement, statements, "metadata"), vendor, None, statement))
    return sites


def recorded_content_type(document: Path) -> str | None:
    """The Content-Type of a ``<stem>.headers.txt`` capture beside ``document``, if any."""
    headers = document.with_name(document.stem + ".headers.txt")
    if not headers.is_file():
        return None
    for line in headers.read_text(encoding="utf-8").splitlines()[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-type":
            return value.strip()
    return None


def serve_corpus(server: LoopbackServer, sites: list[RealSite]) -> dict[str, str]:
    """Route every site on ``server``; returns site name -> base URL."""
    bases = {}
    for site in sites:
        prefix = f"/{site.name}/fhir"
        bases[site.name] = server.url(prefix)
        for path, kind, route in ((site.smart_config, "smart_config", "/.well-known/smart-configuration"),
                                  (site.capability_statement, "capability_statement", "/metadata")):
            cors = [("Access-Control-Allow-Origin", "*")]
            if path is None:
                server.routes[prefix + route] = Response(404, [("Content-Type", "text/plain"), *cors], "Not Found")
                continue
            media = recorded_content_type(path) or DEFAULT_MEDIA[kind]
            server.routes[prefix + route] = Response(200, [("Content-Type", media), *cors], path.read_bytes())
    return bases
