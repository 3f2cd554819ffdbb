"""Scrub credentials from anything the suite writes or prints.

Known secret values (the credentials a run loaded from the environment) are replaced
wherever they appear; sensitive headers are replaced whatever their value; JWT-shaped
strings and token-bearing JSON members are masked in bodies.
"""
from __future__ import annotations

import re
import threading

REDACTED = "[REDACTED]"
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"})
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_TOKEN_MEMBER = re.compile(
    r'("(?:access_token|refresh_token|id_token|client_secret|client_assertion|password)"\s*:\s*")[^"]*(")'
)
_FORM_TOKEN = re.compile(r"((?:^|&)(?:client_secret|client_assertion|refresh_token|code_verifier|password)=)[^&\s]*")

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret so that every later scrub removes it."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def scrub(text: str) -> str:
    """Remove known secrets, JWTs and token members from free text."""
    if not text:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    text = _JWT.sub(REDACTED, text)
    text = _TOKEN_MEMBER.sub(rf"\1{REDACTED}\2", text)
    return _FORM_TOKEN.sub(rf"\1{REDACTED}", text)


def scrub_headers(headers) -> list[tuple[str, str]]:
    """Header pairs with sensitive values replaced (names are kept: they are evidence)."""
    out = []
    for name, value in headers:
        out.append((name, REDACTED if name.lower() in SENSITIVE_HEADERS else scrub(value)))
    return out
