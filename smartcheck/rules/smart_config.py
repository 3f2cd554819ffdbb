"""Content rules for ``.well-known/smart-configuration`` (research §1–§4.1): fields, PKCE,
capabilities, and the registry of every discovery content rule (URL and scope rules live in
``discovery_urls`` and ``discovery_scopes``; shared version data in ``discovery_base``).

Each rule is a pure ``rule(ctx) -> Finding`` keyed by its catalogue ID in ``RULES``. Static
applicability (SMART version, persona, profile, "X in caps") is decided by the runner. These
rules decide only content-based applicability, such as whether ``scopes_supported`` is present.
Version-dependent facts (capability codes, capability sets, field types) are data: module
constants in ``discovery_base`` and the JSON Schemas in ``<repo>/schemas``.
"""
from __future__ import annotations

import json

from smartcheck.jsonvalues import MAX_ITEMS, json_type, show
from smartcheck.findings import CheckContext, Finding, Rule, failed, not_applicable, passed
from smartcheck.rules import scopes as sc
from smartcheck.rules.discovery_base import (
    ASYMMETRIC_ALGS, AUTH_METHODS_FIELDS, CAPABILITIES_BY_VERSION, CAPABILITY_SETS, PERSONA_SETS, absence,
    capability_rule, guard, includes, includes_rule, normalize_version, presence_rule, quoted, string_list,
)
from smartcheck.rules.discovery_urls import wk_absolute, wk_https, wk_schema
from smartcheck.rules.discovery_scopes import (
    SCOPES_FIELD, bs_scopes, scope_grammar, scope_v2, scope_v2_advertised, scopes_listed_rule,
)

# --- F-*: required, conditional and recommended fields -----------------------------------

@guard
def f_caps(ctx: CheckContext) -> Finding:
    """``capabilities`` is a non-empty array of strings (§1.2)."""
    problem = absence(ctx.smart_config, "capabilities", "array", non_empty=True)
    if problem:
        return failed(problem)
    caps = ctx.smart_config["capabilities"]
    bad = [f"capabilities[{i}] is {show(c)} ({json_type(c)})" for i, c in enumerate(caps) if not isinstance(c, str)]
    if bad:
        more = f"; … ({len(bad) - MAX_ITEMS} more)" if len(bad) > MAX_ITEMS else ""
        return failed("expected an array of strings: " + "; ".join(bad[:MAX_ITEMS]) + more)
    return passed(f"capabilities lists {len(caps)} string(s)")


@guard
def f_issuer_omitted(ctx: CheckContext) -> Finding:
    """``issuer`` is omitted when ``sso-openid-connect`` is not supported (§1.2 "otherwise, omitted")."""
    cfg = ctx.smart_config
    if "issuer" in cfg:
        return failed(f'issuer is {show(cfg["issuer"])}: expected it omitted when capabilities lacks "sso-openid-connect"')
    return passed("issuer is omitted")


@guard
def f_rec_brands(ctx: CheckContext) -> Finding:
    """``user_access_brand_bundle`` and ``user_access_brand_identifier`` are present (BRAND-01)."""
    cfg = ctx.smart_config
    problems = [p for p in (absence(cfg, "user_access_brand_bundle", "url"),
                            absence(cfg, "user_access_brand_identifier", "object")) if p]
    if problems:
        return failed("; ".join(problems))
    return passed("user_access_brand_bundle and user_access_brand_identifier are present")


# --- PKCE ---------------------------------------------------------------------------------

_PKCE = "code_challenge_methods_supported"


@guard
def pkce_s256(ctx: CheckContext) -> Finding:
    """``S256`` is listed (§1.3 PKCE-01)."""
    return includes(ctx.smart_config, _PKCE, ("S256",))


@guard
def pkce_no_plain(ctx: CheckContext) -> Finding:
    """``plain`` is not listed (§1.3 PKCE-01).  Without a list there is nothing to exclude it
    from: F-PKCE (absent) or WK-SCHEMA (wrong type) reports that once."""
    cfg = ctx.smart_config
    if _PKCE not in cfg:
        return not_applicable(f"{_PKCE} is absent (F-PKCE reports it), so it lists no plain method")
    v = cfg[_PKCE]
    if not isinstance(v, list):
        return not_applicable(f"{_PKCE} is a JSON {json_type(v)}, not an array (WK-SCHEMA and F-PKCE report it)")
    if "plain" in v:
        return failed(f'{_PKCE} is {show(v)}: "plain" SHALL NOT be listed')
    return passed(f'{_PKCE} does not list "plain"')


# --- capabilities --------------------------------------------------------------------------

@guard
def cap_known(ctx: CheckContext) -> Finding:
    """Each capability is a code defined for this SMART version, or a full URI (§2.1)."""
    version = normalize_version(ctx.smart_version)
    caps, early = string_list(ctx.smart_config, "capabilities")
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
        caps, early = string_list(ctx.smart_config, "capabilities")
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
            gaps.append(f'"{name}" lacks {quoted(missing)}')
        return failed(f"capabilities hold no {persona} capability set: " + "; ".join(gaps))
    check.__name__ = f"cap_set_{persona}"
    check.__doc__ = f"Capabilities hold one of the {persona} capability sets (§2.2)."
    return guard(check)


@guard
def grant_authcode(ctx: CheckContext) -> Finding:
    """``grant_types_supported`` includes ``authorization_code`` (§1.2, Inferno §5.1)."""
    return includes(ctx.smart_config, "grant_types_supported", ("authorization_code",))


def _auth_methods_rule() -> Rule:
    def check(ctx: CheckContext) -> Finding:
        fields = AUTH_METHODS_FIELDS[normalize_version(ctx.smart_version)]
        cfg = ctx.smart_config
        result = includes(cfg, fields[0], ("private_key_jwt",), fields)
        if (result.outcome == "fail" and fields[0] not in cfg and len(fields) == 1
                and "token_endpoint_auth_methods" in cfg):
            return failed(result.message + " (token_endpoint_auth_methods is present, but that is the SMART 1.0 name)")
        return result
    check.__name__ = "auth_methods_private_key_jwt"
    check.__doc__ = "token_endpoint_auth_methods_supported includes private_key_jwt (ASYM-01, BS-02)."
    return guard(check)


# --- registry ------------------------------------------------------------------------------

RULES: dict[str, Rule] = {
    "WK-SCHEMA": wk_schema,
    "WK-ABSOLUTE": wk_absolute,
    "WK-HTTPS": wk_https,
    "F-TOKEN": presence_rule("token_endpoint", "url"),
    "F-CAPS": f_caps,
    "F-GRANTS": presence_rule("grant_types_supported", "array", non_empty=True),
    "F-PKCE": presence_rule(_PKCE, "array", non_empty=True),
    "F-AUTHZ": presence_rule("authorization_endpoint", "url"),
    "F-ISSUER": presence_rule("issuer", "url"),
    "F-JWKS": presence_rule("jwks_uri", "url"),
    "F-ISSUER-OMITTED": f_issuer_omitted,
    "F-REC-SCOPES": presence_rule(SCOPES_FIELD, "array"),
    "F-REC-RESPONSE-TYPES": presence_rule("response_types_supported", "array"),
    "F-REC-MANAGEMENT": presence_rule("management_endpoint", "url"),
    "F-REC-INTROSPECTION": presence_rule("introspection_endpoint", "url"),
    "F-REC-REVOCATION": presence_rule("revocation_endpoint", "url"),
    "F-REC-BRANDS": f_rec_brands,
    "PKCE-S256": pkce_s256,
    "PKCE-NO-PLAIN": pkce_no_plain,
    "CAP-KNOWN": cap_known,
    "CAP-SET-PATIENT": _set_rule("patient"),
    "CAP-SET-PROVIDER": _set_rule("provider"),
    "CAP-V1": capability_rule("permission-v1"),
    "GRANT-AUTHCODE": grant_authcode,
    "ASYM-METHOD": _auth_methods_rule(),
    "ASYM-ALG": includes_rule("token_endpoint_auth_signing_alg_values_supported", ASYMMETRIC_ALGS),
    "SCOPE-GRAMMAR": scope_grammar,
    "SCOPE-V2": scope_v2,
    "SCOPE-V2-ADVERTISED": scope_v2_advertised,
    "SCOPE-OFFLINE": scopes_listed_rule("SCOPE-OFFLINE", ("offline_access",)),
    "SCOPE-OPENID": scopes_listed_rule("SCOPE-OPENID", ("openid", "fhirUser")),
    "IPA-CAP-LAUNCH-STANDALONE": capability_rule("launch-standalone"),
    "IPA-CAP-CONTEXT-STANDALONE-PATIENT": capability_rule("context-standalone-patient"),
    "IPA-CAP-PERMISSION-PATIENT": capability_rule("permission-patient"),
    "IPA-CAP-PERMISSION-OFFLINE": capability_rule("permission-offline"),
    "IPA-CAP-SSO-OPENID-CONNECT": capability_rule("sso-openid-connect"),
    "IPA-CAP-CLIENT-PUBLIC": capability_rule("client-public"),
    "IPA-CAP-CLIENT-CONFIDENTIAL-ASYMMETRIC": capability_rule("client-confidential-asymmetric"),
    "BS-CAP": capability_rule("client-confidential-asymmetric"),
    "BS-GRANT": includes_rule("grant_types_supported", ("client_credentials",)),
    "BS-METHOD": _auth_methods_rule(),
    "BS-ALG": includes_rule("token_endpoint_auth_signing_alg_values_supported", ASYMMETRIC_ALGS),
    "BS-SCOPES": bs_scopes,
}
