"""Fetch each document once per target and persona, parse it, and name its root cause.

A ``Document`` is an exchange plus what the suite could make of its body.  When it could
not be had, ``owner`` is the requirement whose test reports the root cause (WK-200,
WK-JSON or CS-200) and every dependent test is skipped naming it.
"""
from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import dataclass
from typing import Any, Callable

from .jsonvalues import json_type
from .http import HTTP_ERROR, NOT_JSON, Exchange, Limits, fetch
from .redaction import scrub

MAX_JSON_DEPTH = 64
WRONG_RESOURCE = "wrong_resource"  # /metadata answered JSON that is not a CapabilityStatement
CORS_ORIGIN = "https://smartcheck.invalid"


@dataclass(frozen=True)
class Probe:
    """One kind of request the suite makes against a base URL."""

    name: str
    path: str
    headers: tuple[tuple[str, str], ...]
    kind: str                 # "smart_config" | "capability_statement"
    authenticated: bool = False


PROBES: dict[str, Probe] = {p.name: p for p in (
    Probe("smart_config", "/.well-known/smart-configuration", (("Accept", "application/json"),), "smart_config"),
    Probe("smart_config_no_accept", "/.well-known/smart-configuration", (), "smart_config"),
    Probe("smart_config_fhir_accept", "/.well-known/smart-configuration", (("Accept", "application/fhir+json"),), "smart_config"),
    Probe("smart_config_cors", "/.well-known/smart-configuration", (("Accept", "application/json"), ("Origin", CORS_ORIGIN)), "smart_config"),
    Probe("smart_config_authed", "/.well-known/smart-configuration", (("Accept", "application/json"),), "smart_config", authenticated=True),
    Probe("capability_statement", "/metadata", (("Accept", "application/fhir+json"),), "capability_statement"),
    Probe("capability_statement_cors", "/metadata", (("Accept", "application/fhir+json"), ("Origin", CORS_ORIGIN)), "capability_statement"),
    Probe("capability_statement_authed", "/metadata", (("Accept", "application/fhir+json"),), "capability_statement", authenticated=True),
)}


@dataclass
class Document:
    probe: str
    exchange: Exchange
    body: Any = None               # the parsed JSON when it parsed
    failure: str | None = None     # failure class (http classes, not_json, wrong_resource)
    detail: str = ""
    owner: str | None = None       # requirement ID that reports the failure
    notes: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        return self.failure is None

    @property
    def retrieved(self) -> bool:
        """The request got HTTP 200 (its body may still be unusable: not_json, wrong_resource)."""
        return self.exchange.failure is None and self.exchange.status == 200

    def reason(self) -> str:
        return f"{self.failure}: {self.detail}"


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range")
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return deepest


def parse_json_object(body: bytes) -> tuple[Any, str | None, tuple[str, ...]]:
    """Strictly parse a JSON object: (value, failure detail or None, notes)."""
    notes: tuple[str, ...] = ()
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
        notes = ("body starts with a UTF-8 byte-order mark (RFC 8259 §8.1: senders MUST NOT add one; ignored)",)
    if not body.strip():
        return None, "empty body", notes
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"body is not valid UTF-8 (byte {exc.start})", notes
    stripped = text.lstrip()
    if stripped[:1] == "<":
        kind = "an HTML page" if stripped[:200].lower().startswith(("<!doctype html", "<html")) else "markup"
        return None, f"body is {kind}, not JSON: {stripped[:60]!r}", notes
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant,
                           parse_float=_finite_float)
    except _DuplicateKey as exc:
        return None, f"object has duplicate key {exc.args[0]!r}, so its meaning is ambiguous", notes
    except RecursionError:
        return None, f"JSON nested deeper than {MAX_JSON_DEPTH} levels", notes
    except ValueError as exc:
        return None, f"invalid JSON: {exc}", notes
    if _depth(value) > MAX_JSON_DEPTH:
        return None, f"JSON nested deeper than {MAX_JSON_DEPTH} levels", notes
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        return None, "a string holds an unpaired UTF-16 surrogate escape (not Unicode text)", notes
    if not isinstance(value, dict):
        return None, f"body is a JSON {json_type(value)}, not an object", notes
    return value, None, notes


def interpret(probe: Probe, exchange: Exchange) -> Document:
    """Turn an exchange into a document with a classified failure and an owner."""
    doc = Document(probe.name, exchange)
    is_cs = probe.kind == "capability_statement"
    if exchange.failure:
        doc.failure, doc.detail = exchange.failure, exchange.detail
        doc.owner = "CS-200" if is_cs else "WK-200"
        return doc
    if exchange.status != 200:  # another 2xx: WK-200/CS-200 ask for exactly 200
        doc.failure, doc.detail = HTTP_ERROR, f"HTTP {exchange.status}, expected 200"
        doc.owner = "CS-200" if is_cs else "WK-200"
        return doc
    value, problem, doc.notes = parse_json_object(exchange.body)
    if problem:
        doc.failure, doc.detail = NOT_JSON, scrub(problem)
        doc.owner = "CS-200" if is_cs else "WK-JSON"
        return doc
    if is_cs and value.get("resourceType") != "CapabilityStatement":
        found = value.get("resourceType")
        hint = " (a DSTU2/pre-R4 Conformance resource)" if found == "Conformance" else ""
        doc.failure, doc.detail, doc.owner = WRONG_RESOURCE, f"resourceType is {found!r}{hint}, not 'CapabilityStatement'", "CS-200"
        doc.body = value
        return doc
    doc.body = value
    return doc


class DocumentStore:
    """Per-run cache: each (target, persona, probe) is fetched at most once."""

    def __init__(self, fetcher: Callable[..., Exchange] = fetch):
        self._fetch = fetcher
        self._docs: dict[tuple[str, str, str], Document] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], probe_name: str, base_url: str, limits: Limits,
            credential: str | None = None) -> Document:
        cache_key = (*key, probe_name)
        with self._lock:
            if cache_key in self._docs:
                return self._docs[cache_key]
        probe = PROBES[probe_name]
        headers = dict(probe.headers)
        if probe.authenticated and credential:
            headers["Authorization"] = f"Bearer {credential}"
        url = base_url.rstrip("/") + probe.path
        doc = interpret(probe, self.exchange(key, probe_name, url, headers, limits))
        with self._lock:
            self._docs.setdefault(cache_key, doc)
            return self._docs[cache_key]

    def exchange(self, key: tuple[str, str], probe_name: str, url: str, headers: dict[str, str],
                 limits: Limits) -> Exchange:
        """Make one request (a replaying store answers from a recording instead)."""
        return self._fetch(url, headers=headers, limits=limits)

    def peek(self, target: str, persona: str, probe_name: str) -> Document | None:
        return self._docs.get((target, persona, probe_name))

    def items(self):
        return list(self._docs.items())

