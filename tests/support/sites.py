"""Serve many FHIR 'sites' (a discovery document + a CapabilityStatement each) from one
loopback HTTPS server, so one suite run can cover many conformant and defective cases."""
from __future__ import annotations

import copy
from typing import Any, Callable

from smartcheck.reference import documents as reference_docs

from .servers import LoopbackServer, Response

JSON = [("Content-Type", "application/json")]
FHIR_JSON = [("Content-Type", "application/fhir+json")]


def conformant_smart_config(base_url: str) -> dict:
    return copy.deepcopy(reference_docs.smart_configuration(base_url))


def conformant_capability_statement(base_url: str) -> dict:
    return copy.deepcopy(reference_docs.capability_statement(base_url))


def add_site(server: LoopbackServer, name: str, *,
             smart_config: Callable[[dict], Any] | Response | None = None,
             capability_statement: Callable[[dict], Any] | Response | None = None,
             cors: bool = True) -> str:
    """Route /<name>/fhir/... on ``server``; returns the site's base URL.

    ``smart_config`` / ``capability_statement`` may be a Response (served as is) or a
    function that edits the conformant document in place (its return value, if not None,
    replaces the document).
    """
    base = server.url(f"/{name}/fhir")
    headers = [("Access-Control-Allow-Origin", "*")] if cors else []
    for path, build, media, mutate in (
        ("/.well-known/smart-configuration", conformant_smart_config, JSON, smart_config),
        ("/metadata", conformant_capability_statement, FHIR_JSON, capability_statement),
    ):
        if isinstance(mutate, Response):
            server.routes[f"/{name}/fhir{path}"] = mutate
            continue
        document = build(base)
        if mutate is not None:
            replaced = mutate(document)
            document = document if replaced is None else replaced
        server.routes[f"/{name}/fhir{path}"] = Response(200, media + headers, document)
    return base

