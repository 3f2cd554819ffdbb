"""Scrub credentials from anything the suite writes or prints.

Known secret values (the credentials a run loaded from the environment) are replaced
wherever they appear, also in their JSON-escaped and URL-encoded spellings; sensitive
headers are replaced whatever their value; JWT-shaped strings and token-bearing JSON
members are masked in text.

The HTTP client (:mod:`smartcheck.http`) applies :func:`scrub_bytes` to every response
body and :func:`scrub` to every server-supplied string (header names and values, redirect
locations, failure details) as it records them, so a server that echoes a credential
back cannot make any later message, report or evidence file carry it.
"""
from __future__ import annotations

import json
import re
import threading
from urllib.parse import quote

REDACTED = "[REDACTED]"
MIN_SECRET_LENGTH = 4   # shorter values are not registered (replacing them would garble reports)
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_TOKEN_MEMBER = re.compile(
    r'("(?:access_token|refresh_token|id_token|client_secret|client_assertion|password)"\s*:\s*")[^"]*(")'
)
_FORM_TOKEN = re.compile(r"((?:^|&)(?:client_secret|client_assertion|refresh_token|code_verifier|password)=)[^&\s]*")

_lock = threading.Lock()
_secrets: set[str] = set()
_ordered: tuple[str, ...] = ()          # _secrets, longest first
_ordered_bytes: tuple[bytes, ...] = ()


def _spellings(value: str) -> set[str]:
    """The ways a secret may appear in text a server sends back or we write."""
    escaped = json.dumps(value)[1:-1]
    out = {value, value.strip(), escaped, escaped.replace("/", "\\/"), quote(value, safe=""), quote(value, safe="/")}
    return {s for s in out if len(s) >= MIN_SECRET_LENGTH}


def register_secret(value: str | None) -> None:
    """Remember a secret so that every later scrub removes it."""
    global _ordered, _ordered_bytes
    if value and len(value.strip()) >= MIN_SECRET_LENGTH:
        with _lock:
            _secrets.update(_spellings(value))
            _ordered = tuple(sorted(_secrets, key=len, reverse=True))
            _ordered_bytes = tuple(s.encode("utf-8", "surrogatepass") for s in _ordered)


def scrub(text: str) -> str:
    """Remove known secrets, JWTs and token members from free text."""
    if not text:
        return text
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _JWT.sub(REDACTED, text)
    text = _TOKEN_MEMBER.sub(rf"\1{REDACTED}\2", text)
    return _FORM_TOKEN.sub(rf"\1{REDACTED}", text)


def scrub_bytes(data: bytes) -> bytes:
    """Replace known secret values in raw bytes (a response body), leaving everything else as is.

    Only registered secrets are replaced (no pattern masking), so a JSON body stays JSON."""
    if not data:
        return data
    for secret in _ordered_bytes:
        if secret in data:
            data = data.replace(secret, REDACTED.encode())
    return data


def scrub_headers(headers) -> list[tuple[str, str]]:
    """Header pairs with sensitive values replaced (names are kept, scrubbed: they are evidence)."""
    out = []
    for name, value in headers:
        out.append((scrub(name), REDACTED if name.lower() in SENSITIVE_HEADERS else scrub(value)))
    return out
