"""SMART scope grammar (research §2.3) as pure functions.

Why hand-written: SCOPE-GRAMMAR, SCOPE-V2*, and BS-SCOPES must never confuse the v1
and v2 resource grammars. ``.rs`` is v2, ``.read`` is v1, and ``.dus`` is neither. The whole
string must match (no prefix matches), and case matters (``fhiruser`` is not ``fhirUser``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

V1 = "v1"
V2 = "v2"
LAUNCH = "launch"
IDENTITY = "identity"
REFRESH = "refresh"
EXTENSION = "extension"
INVALID = "invalid"
SCOPE_KINDS = (V1, V2, LAUNCH, IDENTITY, REFRESH, EXTENSION, INVALID)
RESOURCE_KINDS = frozenset({V1, V2})

CONTEXTS = ("patient", "user", "system")
V1_PERMISSIONS = frozenset({"read", "write", "*"})
# SMART's identity scopes plus the OpenID Connect Core 1.0 §5.4 standard claim scopes,
# which SMART servers that are also OIDC providers legitimately list.
IDENTITY_SCOPES = frozenset({"openid", "fhirUser", "profile", "email", "address", "phone"})
REFRESH_SCOPES = frozenset({"offline_access", "online_access"})

# context "/" resource "." permissions [ "?" query ]; permissions are checked separately.
_RESOURCE_SHAPE = re.compile(
    r"(?P<context>patient|user|system)/(?P<resource>\*|[A-Z][A-Za-z]+)"
    r"\.(?P<perms>[^?]*)(?:\?(?P<query>.*))?",
    re.DOTALL,
)
_V2_PERMS = re.compile(r"c?r?u?d?s?")  # in-order subset of "cruds" (non-emptiness checked apart)
_QUERY = re.compile(r"[^=&?\s]+=[^&\s]+(?:&[^=&?\s]+=[^&\s]+)*")
_LAUNCH = re.compile(r"launch(?:/[a-z]+(?:\?role=[^&\s]+)?)?")
_HIER_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^/?#\s]+\S*")
_URN = re.compile(r"urn:[A-Za-z0-9][A-Za-z0-9\-]{0,31}:\S+", re.IGNORECASE)


@dataclass(frozen=True)
class ResourceScope:
    """A parsed SMART resource scope such as ``patient/Observation.rs?category=x``."""

    context: str  # patient | user | system
    resource: str  # "*" or a FHIR type name
    version: str  # "v1" | "v2"
    permissions: str  # "read" / "write" / "*" (v1) or a subset of "cruds" (v2)
    query: str | None = None  # v2 only, without the leading "?"


def is_full_uri(s: Any) -> bool:
    """True for a full URI: ``scheme://authority...`` or ``urn:nid:nss``.

    Used for extension scopes and extension capabilities. ``launch:patient``-like strings
    do not count.
    """
    if not isinstance(s, str):
        return False
    return bool(_HIER_URI.fullmatch(s) or _URN.fullmatch(s))


def parse_resource_scope(s: Any) -> ResourceScope | None:
    """Parse a v1 or v2 resource scope. Returns None if ``s`` is neither."""
    if not isinstance(s, str) or not s or any(ch.isspace() for ch in s):
        return None
    m = _RESOURCE_SHAPE.fullmatch(s)
    if not m:
        return None
    context, resource, perms, query = m.group("context", "resource", "perms", "query")
    if perms in V1_PERMISSIONS:
        if query is not None:  # v1 grammar has no query suffix
            return None
        return ResourceScope(context, resource, V1, perms)
    if perms and _V2_PERMS.fullmatch(perms):
        if query is not None and not _QUERY.fullmatch(query):
            return None
        return ResourceScope(context, resource, V2, perms, query)
    return None


def classify_scope(s: Any) -> str:
    """Return one of SCOPE_KINDS for a ``scopes_supported`` entry (non-strings are invalid)."""
    if not isinstance(s, str) or not s or any(ch.isspace() for ch in s):
        return INVALID
    parsed = parse_resource_scope(s)
    if parsed is not None:
        return parsed.version
    if _LAUNCH.fullmatch(s):
        return LAUNCH
    if s in IDENTITY_SCOPES:
        return IDENTITY
    if s in REFRESH_SCOPES:
        return REFRESH
    if (s.startswith("__") and len(s) > 2) or is_full_uri(s):
        return EXTENSION
    return INVALID


def is_resource_scope(s: Any) -> bool:
    return classify_scope(s) in RESOURCE_KINDS


def is_v2_resource_scope(s: Any) -> bool:
    return classify_scope(s) == V2


def scope_context(s: Any) -> str | None:
    """``patient`` / ``user`` / ``system`` for a valid resource scope, else None."""
    parsed = parse_resource_scope(s)
    return parsed.context if parsed else None


_FIXED_NAMES = sorted(IDENTITY_SCOPES | REFRESH_SCOPES | {"launch", "launch/patient", "launch/encounter"})


def explain_invalid(s: Any) -> str:
    """A short reason an entry is invalid ("" if it is valid or no specific hint applies)."""
    if not isinstance(s, str):
        return "not a string"
    if classify_scope(s) != INVALID:
        return ""
    if not s:
        return "empty string"
    if any(ch.isspace() for ch in s):
        return "contains whitespace"
    folded = s.lower().replace("-", "_")
    for name in _FIXED_NAMES:
        if folded == name.lower():
            return f'did you mean "{name}"?'
    m = _RESOURCE_SHAPE.fullmatch(s)
    if m is None:
        m2 = re.fullmatch(r"(patient|user|system)/([a-z][A-Za-z]*)\.\S+", s)
        if m2:
            return "resource type must start with an uppercase letter"
        return ""
    perms, query = m.group("perms", "query")
    if perms in V1_PERMISSIONS and query is not None:
        return "a v1 scope cannot take a query; only v2 scopes can"
    if perms and _V2_PERMS.fullmatch(perms):
        return "malformed query; expected ?param=value(&param=value)*"
    if perms and set(perms) <= set("cruds"):
        return "v2 permissions must be an in-order subset of cruds"
    return "permissions are neither v1 (read, write, *) nor v2 (subset of cruds)"
