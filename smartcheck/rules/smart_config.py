"""Content rules for ``.well-known/smart-configuration`` (research §1–§4.1).

Each rule is a pure ``rule(ctx) -> Finding`` keyed by its catalogue ID in ``RULES``. Static
applicability (SMART version, persona, profile, "X in caps") is decided by the runner. These
rules decide only content-based applicability, such as whether ``scopes_supported`` is present.
Version-dependent facts (capability codes, capability sets, field types) are data: module
constants here and the JSON Schemas in ``<repo>/schemas``.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urljoin, urlsplit

from jsonschema import Draft202012Validator

from smartcheck.jsonvalues import MAX_CHARS, MAX_ITEMS, clip, json_type, show
from smartcheck.findings import CheckContext, Finding, Rule, failed, not_applicable, passed
from smartcheck.rules import scopes as sc

SMART_VERSIONS = ("1.0", "2.0", "2.1", "2.2")
DEFAULT_VERSION = "2.2"
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
MAX_SCHEMA_LINES = 12

# --- version data (research §1.5, §2.1) -------------------------------------------------

_CAPS_1_0 = frozenset({
    "launch-ehr", "launch-standalone", "client-public", "client-confidential-symmetric",
    "sso-openid-connect", "context-banner", "context-style", "context-ehr-patient",
    "context-ehr-encounter", "context-standalone-patient", "context-standalone-encounter",
    "permission-offline", "permission-patient", "permission-user",
})
_CAPS_2_0 = _CAPS_1_0 | {
    "authorize-post", "client-confidential-asymmetric", "permission-online",
    "permission-v1", "permission-v2",
}
_CAPS_2_1 = _CAPS_2_0 | {"smart-app-state"}
CAPABILITIES_BY_VERSION: dict[str, frozenset[str]] = {
    "1.0": _CAPS_1_0, "2.0": _CAPS_2_0, "2.1": _CAPS_2_1, "2.2": _CAPS_2_1,
}

# SMART 1.0 spells the field without "_supported" in its table (its sample uses the suffix).
AUTH_METHODS_FIELDS: dict[str, tuple[str, ...]] = {
    "1.0": ("token_endpoint_auth_methods_supported", "token_endpoint_auth_methods"),
    "2.0": ("token_endpoint_auth_methods_supported",),
    "2.1": ("token_endpoint_auth_methods_supported",),
    "2.2": ("token_endpoint_auth_methods_supported",),
}
ASYMMETRIC_ALGS = ("RS384", "ES384")


@dataclass(frozen=True)
class CapabilitySet:
    """A named capability set (research §2.2): all of ``required`` plus one of ``one_of``."""

    name: str
    required: tuple[str, ...]
    one_of: tuple[str, ...] = ("client-public", "client-confidential-symmetric")
    may: tuple[str, ...] = ()  # allowed extras; they never substitute for ``one_of``


def _sets(may: tuple[str, ...]) -> dict[str, CapabilitySet]:
    defs = {
        "Patient Access for Standalone Apps":
            ("launch-standalone", "context-standalone-patient", "permission-patient"),
        "Patient Access for EHR Launch":
            ("launch-ehr", "context-ehr-patient", "permission-patient"),
        "Clinician Access for Standalone":
            ("launch-standalone", "permission-user", "permission-patient"),
        "Clinician Access for EHR Launch":
            ("launch-ehr", "context-ehr-patient", "context-ehr-encounter",
             "permission-user", "permission-patient"),
    }
    return {name: CapabilitySet(name, req, may=may) for name, req in defs.items()}


_SETS_1X = _sets(())
_SETS_2X = _sets(("client-confidential-asymmetric",))
CAPABILITY_SETS: dict[str, dict[str, CapabilitySet]] = {
    "1.0": _SETS_1X, "2.0": _SETS_2X, "2.1": _SETS_2X, "2.2": _SETS_2X,
}
PERSONA_SETS: dict[str, tuple[str, ...]] = {
    "patient": ("Patient Access for Standalone Apps", "Patient Access for EHR Launch"),
    "provider": ("Clinician Access for Standalone", "Clinician Access for EHR Launch"),
}

# --- small helpers ---------------------------------------------------------------------


def normalize_version(version: Any) -> str:
    """Map ``"2.2"``, ``"2.2.0"`` or ``"1"`` to a key of SMART_VERSIONS. Anything unknown maps to 2.2."""
    if isinstance(version, str):
        m = re.match(r"\s*v?(\d+)(?:\.(\d+))?", version)
        if m:
            key = f"{m.group(1)}.{m.group(2) or '0'}"
            if key in SMART_VERSIONS:
                return key
    return DEFAULT_VERSION


def _quoted(items: Any) -> str:
    return ", ".join(json.dumps(i, ensure_ascii=False) for i in items)


def _guard(fn: Callable[[CheckContext], Finding]) -> Rule:
    """Wrap a rule so it judges a non-object document as a clean failure.

    ``rule.__wrapped__`` is the bare function; the unit tests call it so that bugs raise.
    """
    @functools.wraps(fn)
    def rule(ctx: CheckContext) -> Finding:
        cfg = getattr(ctx, "smart_config", None)
        if not isinstance(cfg, dict):
            return failed(f"the discovery document is {json_type(cfg)}, expected a JSON object")
        return fn(ctx)  # an exception here is a defect: the runner reports it as an `error` verdict
    return rule


def _absence(cfg: dict, key: str, kind: str, non_empty: bool = False) -> str | None:
    """Describe why ``key`` has no usable value of ``kind`` ("url", "array", "object"), or None if it has one."""
    if key not in cfg:
        return f"{key} is absent"
    v = cfg[key]
    if v is None:
        return f"{key} is null"
    if kind == "url":
        if not isinstance(v, str):
            return f"{key} is {show(v)} ({json_type(v)}), expected a URL string"
        if not v.strip():
            return f"{key} is {show(v)}, expected a non-empty URL"
    elif kind == "array":
        if not isinstance(v, list):
            return f"{key} is {show(v)} ({json_type(v)}), expected an array"
        if non_empty and not v:
            return f"{key} is [], expected at least one entry"
    elif kind == "object" and not isinstance(v, dict):
        return f"{key} is {show(v)} ({json_type(v)}), expected an object"
    return None


def _presence_rule(key: str, kind: str, non_empty: bool = False) -> Rule:
    def check(ctx: CheckContext) -> Finding:
        problem = _absence(ctx.smart_config, key, kind, non_empty)
        return failed(problem) if problem else passed(f"{key} is present")
    check.__name__ = f"present_{key}"
    check.__doc__ = f"``{key}`` is present ({kind})."
    return _guard(check)


def _case_hint(values: list, wanted: tuple[str, ...]) -> str:
    """A note when a wanted code is listed with different case (codes are case-sensitive)."""
    near = [v for v in values if isinstance(v, str) and v not in wanted
            and v.lower() in {w.lower() for w in wanted}]
    return f" ({_quoted(near)} differs in case; codes are case-sensitive)" if near else ""


def _includes(cfg: dict, key: str, wanted: tuple[str, ...], fields: tuple[str, ...] = ()) -> Finding:
    """``key`` (or any of ``fields``) is an array that lists at least one of ``wanted``."""
    names = fields or (key,)
    present = [n for n in names if n in cfg]
    want = " or ".join(json.dumps(w) for w in wanted)
    if not present:
        return failed(f"{key} is absent, so it cannot be confirmed to include {want}")
    lists = []
    for n in present:
        v = cfg[n]
        if not isinstance(v, list):
            return failed(f"{n} is {show(v)} ({json_type(v)}), expected an array of strings including {want}")
        lists.append(v)
    for n, v in zip(present, lists):
        hit = next((w for w in wanted if w in v), None)
        if hit is not None:
            return passed(f"{n} includes {json.dumps(hit)}")
    shown = "; ".join(f"{n} is {show(v)}" for n, v in zip(present, lists))
    return failed(f"{shown}: {want} is not listed{_case_hint(sum(lists, []), wanted)}")


def _includes_rule(key: str, wanted: tuple[str, ...]) -> Rule:
    def check(ctx: CheckContext) -> Finding:
        return _includes(ctx.smart_config, key, wanted)
    check.__name__ = f"includes_{key}"
    check.__doc__ = f"``{key}`` includes one of {wanted}."
    return _guard(check)


def _capability_rule(code: str) -> Rule:
    def check(ctx: CheckContext) -> Finding:
        return _includes(ctx.smart_config, "capabilities", (code,))
    check.__name__ = f"capability_{code}"
    check.__doc__ = f"``{code}`` is in capabilities."
    return _guard(check)


def _string_list(cfg: dict, key: str) -> tuple[list | None, Finding | None]:
    """(list, None) if ``key`` is an array; (None, not_applicable) if absent; (None, failed) if the wrong type."""
    if key not in cfg:
        return None, not_applicable(f"{key} is absent")
    v = cfg[key]
    if not isinstance(v, list):
        return None, failed(f"{key} is {show(v)} ({json_type(v)}), expected an array of strings")
    return v, None


# --- WK-*: schema and endpoint URLs ------------------------------------------------------

def load_schema(version: Any) -> dict:
    """The JSON Schema for ``version`` (normalised; an unknown version loads 2.2). Cached: do not mutate."""
    return _load_schema(normalize_version(version))


@functools.lru_cache(maxsize=None)
def _load_schema(version: str) -> dict:
    path = SCHEMA_DIR / f"smart-configuration-{version}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def _validator(version: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(version))


def _json_path(parts: Any) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(p)):
            out += f".{p}" if out else str(p)
        else:
            out += f"[{json.dumps(str(p))}]"
    return out or "(document)"


def schema_errors(document: Any, version: str = DEFAULT_VERSION) -> list[str]:
    """Every schema violation as ``path: message``, sorted by path."""
    lines = []
    for err in _validator(normalize_version(version)).iter_errors(document):
        path = _json_path(err.absolute_path)
        if err.validator == "type":
            expected = err.validator_value
            exp = " or ".join(f"'{t}'" for t in expected) if isinstance(expected, list) else f"'{expected}'"
            msg = f"{show(err.instance)} is not of type {exp}"
        elif err.validator == "required":
            missing = [r for r in err.validator_value if isinstance(err.instance, dict) and r not in err.instance]
            msg = f"required property {_quoted(missing)} is missing"
        else:
            msg = clip(err.message, MAX_CHARS)
        key = [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in err.absolute_path]
        lines.append((key, f"{path}: {msg}"))
    lines.sort(key=lambda t: t[0])
    return [line for _, line in lines]


@_guard
def wk_schema(ctx: CheckContext) -> Finding:
    """Present SMART fields have their defined JSON types (§1.2)."""
    version = normalize_version(ctx.smart_version)
    errors = schema_errors(ctx.smart_config, version)
    if not errors:
        return passed(f"all SMART {version} fields present have their defined types")
    shown = errors[:MAX_SCHEMA_LINES]
    more = f"\n… ({len(errors) - len(shown)} more)" if len(errors) > len(shown) else ""
    return failed(f"{len(errors)} schema error(s) against the SMART {version} field types:\n" + "\n".join(shown) + more)


def endpoint_urls(cfg: Any) -> Iterator[tuple[str, str]]:
    """(field path, value) for every endpoint URL that is a string. Non-strings are WK-SCHEMA's to judge."""
    if not isinstance(cfg, dict):
        return
    for key, value in cfg.items():
        is_url_field = key in ("issuer", "jwks_uri", "user_access_brand_bundle") or (
            isinstance(key, str) and key.endswith("_endpoint"))
        if is_url_field and isinstance(value, str):
            yield key, value
    assoc = cfg.get("associated_endpoints")
    if isinstance(assoc, list):
        for i, item in enumerate(assoc):
            if isinstance(item, dict) and isinstance(item.get("url"), str):
                yield f"associated_endpoints[{i}].url", item["url"]


def _split(url: str):
    try:
        return urlsplit(url)
    except ValueError:
        return None


def is_absolute_url(url: str) -> bool:
    parts = _split(url)
    return bool(parts and parts.scheme and parts.netloc)


def _resolve(base_url: Any, url: str) -> str | None:
    base = str(base_url or "")
    base = base if base.endswith("/") else base + "/"
    try:
        return urljoin(base, url)
    except ValueError:
        return None


def _report(bad: list[str], total: int, what: str) -> Finding:
    shown = bad[:MAX_SCHEMA_LINES]
    more = f"; … ({len(bad) - len(shown)} more)" if len(bad) > len(shown) else ""
    return failed(f"{len(bad)} of {total} endpoint URL(s) {what}: " + "; ".join(shown) + more)


@_guard
def wk_absolute(ctx: CheckContext) -> Finding:
    """Every endpoint URL is absolute (scheme and host). SHALL since 2.1 (§1.1 WK-06)."""
    urls = list(endpoint_urls(ctx.smart_config))
    if not urls:
        return not_applicable("no endpoint URL fields with string values are present")
    bad = [f"{k} is {show(v)}" for k, v in urls if not is_absolute_url(v)]
    if bad:
        return _report(bad, len(urls), "are not absolute (expected scheme://host/…)")
    return passed(f"all {len(urls)} endpoint URL(s) are absolute")


@_guard
def wk_https(ctx: CheckContext) -> Finding:
    """Every endpoint URL uses https after resolving relative URLs against the base URL (RFC 6749 §3.1/§3.2)."""
    urls = list(endpoint_urls(ctx.smart_config))
    if not urls:
        return not_applicable("no endpoint URL fields with string values are present")
    bad = []
    for key, value in urls:
        resolved = _resolve(ctx.base_url, value)
        parts = _split(resolved) if resolved is not None else None
        if parts is None:
            bad.append(f"{key} is {show(value)}, which cannot be parsed as a URL")
        elif parts.scheme != "https":
            via = f" (resolves to {show(resolved)})" if resolved != value else ""
            got = f'"{parts.scheme}"' if parts.scheme else "none"
            bad.append(f"{key} is {show(value)}{via}: scheme {got}, expected https")
        elif not parts.netloc:
            bad.append(f"{key} is {show(value)}: https URL without a host")
    if bad:
        return _report(bad, len(urls), "do not use https")
    return passed(f"all {len(urls)} endpoint URL(s) use https")


# --- F-*: required, conditional and recommended fields -----------------------------------

@_guard
def f_caps(ctx: CheckContext) -> Finding:
    """``capabilities`` is a non-empty array of strings (§1.2)."""
    problem = _absence(ctx.smart_config, "capabilities", "array", non_empty=True)
    if problem:
        return failed(problem)
    caps = ctx.smart_config["capabilities"]
    bad = [f"capabilities[{i}] is {show(c)} ({json_type(c)})" for i, c in enumerate(caps) if not isinstance(c, str)]
    if bad:
        more = f"; … ({len(bad) - MAX_ITEMS} more)" if len(bad) > MAX_ITEMS else ""
        return failed("expected an array of strings: " + "; ".join(bad[:MAX_ITEMS]) + more)
    return passed(f"capabilities lists {len(caps)} string(s)")


@_guard
def f_issuer_omitted(ctx: CheckContext) -> Finding:
    """``issuer`` is omitted when ``sso-openid-connect`` is not supported (§1.2 "otherwise, omitted")."""
    cfg = ctx.smart_config
    if "issuer" in cfg:
        return failed(f'issuer is {show(cfg["issuer"])}: expected it omitted when capabilities lacks "sso-openid-connect"')
    return passed("issuer is omitted")


@_guard
def f_rec_brands(ctx: CheckContext) -> Finding:
    """``user_access_brand_bundle`` and ``user_access_brand_identifier`` are present (BRAND-01)."""
    cfg = ctx.smart_config
    problems = [p for p in (_absence(cfg, "user_access_brand_bundle", "url"),
                            _absence(cfg, "user_access_brand_identifier", "object")) if p]
    if problems:
        return failed("; ".join(problems))
    return passed("user_access_brand_bundle and user_access_brand_identifier are present")


# --- PKCE ---------------------------------------------------------------------------------

_PKCE = "code_challenge_methods_supported"


@_guard
def pkce_s256(ctx: CheckContext) -> Finding:
    """``S256`` is listed (§1.3 PKCE-01)."""
    return _includes(ctx.smart_config, _PKCE, ("S256",))


@_guard
def pkce_no_plain(ctx: CheckContext) -> Finding:
    """``plain`` is not listed (§1.3 PKCE-01). A missing list cannot show the exclusion."""
    cfg = ctx.smart_config
    if _PKCE not in cfg:
        return failed(f'{_PKCE} is absent, so "plain" cannot be confirmed excluded')
    v = cfg[_PKCE]
    if not isinstance(v, list):
        return failed(f'{_PKCE} is {show(v)} ({json_type(v)}), expected an array of strings without "plain"')
    if "plain" in v:
        return failed(f'{_PKCE} is {show(v)}: "plain" SHALL NOT be listed')
    return passed(f'{_PKCE} does not list "plain"')


# --- capabilities --------------------------------------------------------------------------

@_guard
def cap_known(ctx: CheckContext) -> Finding:
    """Each capability is a code defined for this SMART version, or a full URI (§2.1)."""
    version = normalize_version(ctx.smart_version)
    caps, early = _string_list(ctx.smart_config, "capabilities")
    if early:
        return early
    if not caps:
        return not_applicable("capabilities is empty")
    known = CAPABILITIES_BY_VERSION[version]
    bad = []
    for i, c in enumerate(caps):
        if not isinstance(c, str):
            bad.append(f"capabilities[{i}] is {show(c)} ({json_type(c)})")
        elif c not in known and not sc.is_full_uri(c):
            near = next((k for k in sorted(known) if k.lower() == c.lower()), None)
            hint = f" (did you mean {json.dumps(near)}?)" if near else ""
            bad.append(json.dumps(c, ensure_ascii=False) + hint)
    if bad:
        more = f", … ({len(bad) - MAX_ITEMS} more)" if len(bad) > MAX_ITEMS else ""
        return failed(f"capabilities has {len(bad)} code(s) neither defined by SMART {version} nor full URIs: "
                      + ", ".join(bad[:MAX_ITEMS]) + more)
    return passed(f"all {len(caps)} capabilities are SMART {version} codes or full URIs")


def _set_rule(persona: str) -> Rule:
    def check(ctx: CheckContext) -> Finding:
        version = normalize_version(ctx.smart_version)
        caps, early = _string_list(ctx.smart_config, "capabilities")
        if caps is None:
            msg = early.message if early.outcome == "fail" else "capabilities is absent"
            return failed(f"{msg}, so no {persona} capability set is held")
        have = set(c for c in caps if isinstance(c, str))
        gaps = []
        for name in PERSONA_SETS[persona]:
            cs = CAPABILITY_SETS[version][name]
            missing = [c for c in cs.required if c not in have]
            if not have.intersection(cs.one_of):
                missing.append(" or ".join(cs.one_of))
            if not missing:
                return passed(f'capabilities hold the "{name}" set')
            gaps.append(f'"{name}" lacks {_quoted(missing)}')
        return failed(f"capabilities hold no {persona} capability set: " + "; ".join(gaps))
    check.__name__ = f"cap_set_{persona}"
    check.__doc__ = f"Capabilities hold one of the {persona} capability sets (§2.2)."
    return _guard(check)


@_guard
def grant_authcode(ctx: CheckContext) -> Finding:
    """``grant_types_supported`` includes ``authorization_code`` (§1.2, Inferno §5.1)."""
    return _includes(ctx.smart_config, "grant_types_supported", ("authorization_code",))


def _auth_methods_rule() -> Rule:
    def check(ctx: CheckContext) -> Finding:
        fields = AUTH_METHODS_FIELDS[normalize_version(ctx.smart_version)]
        cfg = ctx.smart_config
        result = _includes(cfg, fields[0], ("private_key_jwt",), fields)
        if (result.outcome == "fail" and fields[0] not in cfg and len(fields) == 1
                and "token_endpoint_auth_methods" in cfg):
            return failed(result.message + " (token_endpoint_auth_methods is present, but that is the SMART 1.0 name)")
        return result
    check.__name__ = "auth_methods_private_key_jwt"
    check.__doc__ = "token_endpoint_auth_methods_supported includes private_key_jwt (ASYM-01, BS-02)."
    return _guard(check)


# --- scopes --------------------------------------------------------------------------------

_SCOPES = "scopes_supported"


@_guard
def scope_grammar(ctx: CheckContext) -> Finding:
    """Every listed scope is valid SMART syntax or an extension scope (§2.3)."""
    scopes, early = _string_list(ctx.smart_config, _SCOPES)
    if early:
        return early
    bad = []
    for s in scopes:
        if sc.classify_scope(s) == sc.INVALID:
            why = sc.explain_invalid(s)
            bad.append(show(s) + (f" ({why})" if why else ""))
    if bad:
        more = f", … ({len(bad) - MAX_ITEMS} more)" if len(bad) > MAX_ITEMS else ""
        return failed(f"{_SCOPES} has {len(bad)} of {len(scopes)} entries that are neither SMART scopes "
                      f"nor extension scopes (full URI or __ prefix): " + ", ".join(bad[:MAX_ITEMS]) + more)
    return passed(f"all {len(scopes)} scope(s) in {_SCOPES} are valid")


@_guard
def scope_v2(ctx: CheckContext) -> Finding:
    """With ``permission-v2``, at least one listed resource scope uses v2 syntax (§2.3)."""
    scopes, early = _string_list(ctx.smart_config, _SCOPES)
    if early:
        return early
    kinds = [(s, sc.classify_scope(s)) for s in scopes]
    resource = [s for s, k in kinds if k in sc.RESOURCE_KINDS]
    if not resource:
        return not_applicable(f"{_SCOPES} lists no resource scopes")
    v2 = [s for s, k in kinds if k == sc.V2]
    if v2:
        return passed(f"{_SCOPES} lists {len(v2)} v2-syntax resource scope(s), e.g. {show(v2[0])}")
    return failed(f"{_SCOPES} lists {len(resource)} resource scope(s), all v1 syntax "
                  f"(e.g. {show(resource[:3])}); expected at least one v2 scope such as patient/*.rs")


@_guard
def scope_v2_advertised(ctx: CheckContext) -> Finding:
    """Listing v2-syntax resource scopes implies advertising ``permission-v2`` (§2.3)."""
    scopes, early = _string_list(ctx.smart_config, _SCOPES)
    if early:
        return early
    v2 = [s for s in scopes if sc.classify_scope(s) == sc.V2]
    if not v2:
        return not_applicable(f"{_SCOPES} lists no v2-syntax resource scopes")
    if "permission-v2" in ctx.capabilities:
        return passed(f'{_SCOPES} lists v2 scopes and capabilities includes "permission-v2"')
    return failed(f'{_SCOPES} lists {len(v2)} v2-syntax scope(s) (e.g. {show(v2[:3])}) '
                  f'but capabilities lacks "permission-v2"')


def _scopes_listed_rule(rule_id: str, wanted: tuple[str, ...]) -> Rule:
    def check(ctx: CheckContext) -> Finding:
        scopes, early = _string_list(ctx.smart_config, _SCOPES)
        if early:
            return early
        missing = [w for w in wanted if w not in scopes]
        if missing:
            return failed(f"{_SCOPES} is {show(scopes)}: {_quoted(missing)} not listed"
                          f"{_case_hint(scopes, wanted)}")
        return passed(f"{_SCOPES} lists {_quoted(wanted)}")
    check.__name__ = rule_id.lower().replace("-", "_")
    check.__doc__ = f"{_SCOPES} lists {wanted}."
    return _guard(check)


@_guard
def bs_scopes(ctx: CheckContext) -> Finding:
    """``scopes_supported`` lists at least one valid ``system/`` resource scope (§3 BS-02, BS-09)."""
    cfg = ctx.smart_config
    if _SCOPES not in cfg:
        return failed(f"{_SCOPES} is absent, so no system/ scope is listed")
    scopes, early = _string_list(cfg, _SCOPES)
    if early:
        return early
    system = [s for s in scopes if sc.scope_context(s) == "system"]
    if system:
        return passed(f"{_SCOPES} lists {len(system)} system/ scope(s), e.g. {show(system[0])}")
    malformed = [s for s in scopes if isinstance(s, str) and s.startswith("system/")]
    note = f" ({len(malformed)} entr(ies) start with system/ but are not valid scopes: {show(malformed[:3])})" \
        if malformed else ""
    return failed(f"{_SCOPES} is {show(scopes)}: no system/ resource scope is listed{note}")


# --- registry ------------------------------------------------------------------------------

RULES: dict[str, Rule] = {
    "WK-SCHEMA": wk_schema,
    "WK-ABSOLUTE": wk_absolute,
    "WK-HTTPS": wk_https,
    "F-TOKEN": _presence_rule("token_endpoint", "url"),
    "F-CAPS": f_caps,
    "F-GRANTS": _presence_rule("grant_types_supported", "array", non_empty=True),
    "F-PKCE": _presence_rule(_PKCE, "array", non_empty=True),
    "F-AUTHZ": _presence_rule("authorization_endpoint", "url"),
    "F-ISSUER": _presence_rule("issuer", "url"),
    "F-JWKS": _presence_rule("jwks_uri", "url"),
    "F-ISSUER-OMITTED": f_issuer_omitted,
    "F-REC-SCOPES": _presence_rule(_SCOPES, "array"),
    "F-REC-RESPONSE-TYPES": _presence_rule("response_types_supported", "array"),
    "F-REC-MANAGEMENT": _presence_rule("management_endpoint", "url"),
    "F-REC-INTROSPECTION": _presence_rule("introspection_endpoint", "url"),
    "F-REC-REVOCATION": _presence_rule("revocation_endpoint", "url"),
    "F-REC-BRANDS": f_rec_brands,
    "PKCE-S256": pkce_s256,
    "PKCE-NO-PLAIN": pkce_no_plain,
    "CAP-KNOWN": cap_known,
    "CAP-SET-PATIENT": _set_rule("patient"),
    "CAP-SET-PROVIDER": _set_rule("provider"),
    "CAP-V1": _capability_rule("permission-v1"),
    "GRANT-AUTHCODE": grant_authcode,
    "ASYM-METHOD": _auth_methods_rule(),
    "ASYM-ALG": _includes_rule("token_endpoint_auth_signing_alg_values_supported", ASYMMETRIC_ALGS),
    "SCOPE-GRAMMAR": scope_grammar,
    "SCOPE-V2": scope_v2,
    "SCOPE-V2-ADVERTISED": scope_v2_advertised,
    "SCOPE-OFFLINE": _scopes_listed_rule("SCOPE-OFFLINE", ("offline_access",)),
    "SCOPE-OPENID": _scopes_listed_rule("SCOPE-OPENID", ("openid", "fhirUser")),
    "IPA-CAP-LAUNCH-STANDALONE": _capability_rule("launch-standalone"),
    "IPA-CAP-CONTEXT-STANDALONE-PATIENT": _capability_rule("context-standalone-patient"),
    "IPA-CAP-PERMISSION-PATIENT": _capability_rule("permission-patient"),
    "IPA-CAP-PERMISSION-OFFLINE": _capability_rule("permission-offline"),
    "IPA-CAP-SSO-OPENID-CONNECT": _capability_rule("sso-openid-connect"),
    "IPA-CAP-CLIENT-PUBLIC": _capability_rule("client-public"),
    "IPA-CAP-CLIENT-CONFIDENTIAL-ASYMMETRIC": _capability_rule("client-confidential-asymmetric"),
    "BS-CAP": _capability_rule("client-confidential-asymmetric"),
    "BS-GRANT": _includes_rule("grant_types_supported", ("client_credentials",)),
    "BS-METHOD": _auth_methods_rule(),
    "BS-ALG": _includes_rule("token_endpoint_auth_signing_alg_values_supported", ASYMMETRIC_ALGS),
    "BS-SCOPES": bs_scopes,
}
