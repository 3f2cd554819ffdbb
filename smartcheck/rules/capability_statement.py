"""CapabilityStatement rules (CS-*) and the tolerant accessors other rule modules reuse.

The accessors never raise: anything of the wrong JSON type reads as absent, so a rule can
name the path and what it found instead of tracing back.  CS-200 and CS-CTYPE are transport
checks and live with the HTTP probes, not here.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from smartcheck.jsonvalues import json_type, show
from smartcheck.findings import CheckContext, Finding, Rule, failed, not_applicable, passed

OAUTH_URIS_URL = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
SMART_SERVICE_CODE = "SMART-on-FHIR"
JSON_FORMATS = frozenset({"json", "application/json", "application/fhir+json"})
XML_FORMATS = frozenset({"xml", "application/xml", "application/fhir+xml"})
# oauth-uris sub-extension -> smart-configuration field (SMART 1.0 conformance table)
OAUTH_ENDPOINTS = (
    ("authorize", "authorization_endpoint"),
    ("token", "token_endpoint"),
    ("register", "registration_endpoint"),
    ("manage", "management_endpoint"),
    ("introspect", "introspection_endpoint"),
    ("revoke", "revocation_endpoint"),
)
SERVER = "rest[mode=server]"
_R4 = re.compile(r"4\.0\.\d+")


# ---------------------------------------------------------------- tolerant accessors

def compact(value: Any, limit: int = 8, max_chars: int = 300) -> str:
    """Compact JSON for messages (see smartcheck.jsonvalues.show)."""
    return show(value, limit, max_chars)


def strings(value: Any) -> list[str]:
    """The string entries of an array, in order, without duplicates; not an array -> []."""
    if not isinstance(value, list):
        return []
    out: list[str] = []
    for item in value:
        if isinstance(item, str) and item not in out:
            out.append(item)
    return out


def dicts(value: Any) -> list[dict]:
    """The object entries of an array; not an array -> []."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def strip_version(url: str) -> str:
    """A canonical URL without its ``|version`` suffix."""
    return url.split("|", 1)[0]


def server_rest(cs: Any) -> dict | None:
    """The first ``rest`` entry whose ``mode`` is ``server`` (FHIR allows one per mode)."""
    if not isinstance(cs, dict):
        return None
    for rest in dicts(cs.get("rest")):
        if rest.get("mode") == "server":
            return rest
    return None


def resources(cs: Any) -> dict[str, dict]:
    """Resource type -> its ``rest[mode=server].resource`` entry (first wins; junk skipped)."""
    rest = server_rest(cs)
    out: dict[str, dict] = {}
    for entry in dicts(rest.get("resource") if rest else None):
        rtype = entry.get("type")
        if isinstance(rtype, str) and rtype and rtype not in out:
            out[rtype] = entry
    return out


def resources_state(cs: Any) -> str:
    """Why a resource may be missing, for "not listed" messages: '' when the list is sound."""
    rest = server_rest(cs)
    if rest is None:
        return "there is no rest entry with mode=server"
    listed = rest.get("resource")
    if listed is None:
        return f"{SERVER}.resource is absent"
    if not isinstance(listed, list):
        return f"{SERVER}.resource is {json_type(listed)}, expected an array"
    return ""


def not_listed(cs: Any, rtype: str) -> str:
    state = resources_state(cs)
    return f"{rtype} is not listed in {SERVER}.resource" + (f" ({state})" if state else "")


def array_note(entry: Any, key: str) -> str:
    """' (key is absent)' / ' (key is object, expected an array)' for messages; '' for an array."""
    value = entry.get(key) if isinstance(entry, dict) else None
    if isinstance(value, list):
        return ""
    return f" ({key} is {'absent' if value is None else json_type(value) + ', expected an array'})"


def interaction_codes(entry: Any) -> list[str]:
    """The ``interaction[].code`` strings of a resource entry; absent or junk -> []."""
    if not isinstance(entry, dict):
        return []
    return strings([i.get("code") for i in dicts(entry.get("interaction"))])


def search_param_names(entry: Any) -> list[str]:
    """The ``searchParam[].name`` strings of a resource entry."""
    if not isinstance(entry, dict):
        return []
    return strings([p.get("name") for p in dicts(entry.get("searchParam"))])


def declared_profiles(entry: Any) -> list[str]:
    """``profile`` and ``supportedProfile`` without ``|version``.  DSTU2/STU3 carry ``profile``
    as a Reference object; its ``reference`` is read so old documents do not crash anything."""
    if not isinstance(entry, dict):
        return []
    raw: list[Any] = [entry.get("profile")]
    if isinstance(raw[0], dict):
        raw = [raw[0].get("reference")]
    sp = entry.get("supportedProfile")
    raw += sp if isinstance(sp, list) else [sp]
    return strings([strip_version(u) for u in raw if isinstance(u, str)])


def format_tokens(cs: Any) -> list[str] | None:
    """``format`` entries lower-cased without media-type parameters; None if not an array."""
    fmt = cs.get("format") if isinstance(cs, dict) else None
    if not isinstance(fmt, list):
        return None
    return strings([f.split(";", 1)[0].strip().lower() for f in fmt if isinstance(f, str)])


def absolute(url: str, base: str) -> str:
    """Resolve a possibly relative URL against the FHIR base (treated as a directory)."""
    try:
        return urljoin(base if base.endswith("/") else base + "/", url)
    except (ValueError, TypeError, AttributeError):
        return url


def _same_url(a: str, b: str) -> bool:
    """Equal after lower-casing scheme and host (RFC 3986 §6.2.2.1); everything else exact."""
    def norm(u: str) -> str:
        try:
            p = urlsplit(u)
            return urlunsplit((p.scheme.lower(), p.netloc.lower(), p.path, p.query, p.fragment))
        except ValueError:
            return u
    return a == b or norm(a) == norm(b)


# ---------------------------------------------------------------- oauth-uris

def _security(cs: Any) -> tuple[dict | None, str]:
    rest = server_rest(cs)
    if rest is None:
        return None, "there is no rest entry with mode=server"
    sec = rest.get("security")
    if sec is None:
        return None, f"{SERVER}.security is absent"
    if not isinstance(sec, dict):
        return None, f"{SERVER}.security is {json_type(sec)}, expected an object"
    return sec, ""


def _oauth_extension(cs: Any) -> tuple[dict | None, str]:
    """The oauth-uris extension, or None and a diagnosis naming what was found instead."""
    sec, problem = _security(cs)
    if sec is None:
        return None, problem
    exts = sec.get("extension")
    if not isinstance(exts, list):
        state = "absent" if exts is None else f"{json_type(exts)}, expected an array"
        return None, f"{SERVER}.security.extension is {state}"
    for ext in dicts(exts):
        if ext.get("url") == OAUTH_URIS_URL:
            return ext, ""
    urls = strings([e.get("url") for e in dicts(exts)])
    legacy = [u for u in urls if u.startswith(OAUTH_URIS_URL + "#")]
    if legacy:
        return None, (
            f"{SERVER}.security.extension has only the pre-SMART-1.0 flat form "
            f"{compact([u.rsplit('#', 1)[1] for u in legacy])} (url {OAUTH_URIS_URL}#<name>); "
            "SMART 1.0 defines one complex extension with sub-extensions"
        )
    near = [u for u in urls if u.endswith("fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris")]
    if near:
        return None, f"{SERVER}.security.extension url {compact(near)} is not exactly {OAUTH_URIS_URL}"
    return None, f"{SERVER}.security.extension urls are {compact(urls)}"


def oauth_uris(cs: Any) -> dict[str, str] | None:
    """Sub-extension name -> valueUri of the oauth-uris extension; None if it is absent."""
    ext, _ = _oauth_extension(cs)
    if ext is None:
        return None
    found: dict[str, str] = {}
    for sub in dicts(ext.get("extension")):
        name, value = sub.get("url"), sub.get("valueUri")
        if isinstance(name, str) and isinstance(value, str) and value and name not in found:
            found[name] = value
    return found


def _sub_problem(ext: dict, name: str) -> str:
    """Why sub-extension ``name`` has no usable valueUri ('' when it has one)."""
    for sub in dicts(ext.get("extension")):
        if sub.get("url") != name:
            continue
        value = sub.get("valueUri")
        if isinstance(value, str) and value:
            return ""
        others = [k for k in sub if k.startswith("value") and k != "valueUri"]
        if others:
            return f"{name} carries {others[0]}, expected valueUri"
        return f"{name}.valueUri is {compact(value) if 'valueUri' in sub else 'absent'}, expected a URI"
    return f"{name} is absent"


# ---------------------------------------------------------------- rules

def fhir_version(ctx: CheckContext) -> Finding:
    """CS-FHIR-VERSION: the suite judges R4 servers, whose statements say 4.0.x."""
    value = ctx.capability_statement.get("fhirVersion") if isinstance(ctx.capability_statement, dict) else None
    if isinstance(value, str) and _R4.fullmatch(value.strip()):
        return passed(f"fhirVersion is {value}")
    found = "absent" if value is None else compact(value)
    return failed(f"fhirVersion: expected 4.0.x, found {found}")


def json_format(ctx: CheckContext) -> Finding:
    """CS-JSON-FORMAT: ``format`` names a JSON format (Inferno's three tokens; parameters ignored)."""
    cs = ctx.capability_statement
    tokens = format_tokens(cs)
    if tokens is None:
        raw = cs.get("format") if isinstance(cs, dict) else None
        found = "absent" if raw is None else f"{json_type(raw)} {compact(raw)}"
        return failed(f"format: expected an array including json, application/json or application/fhir+json; found {found}")
    hits = [t for t in tokens if t in JSON_FORMATS]
    if hits:
        return passed(f"format includes {compact(hits)}")
    hint = " (application/json+fhir is the DSTU2 media type)" if "application/json+fhir" in tokens else ""
    return failed(f"format: expected json, application/json or application/fhir+json; found {compact(tokens)}{hint}")


def rest_server(ctx: CheckContext) -> Finding:
    """CS-REST-SERVER: without a server ``rest`` entry nothing else in the statement applies."""
    cs = ctx.capability_statement
    if server_rest(cs) is not None:
        return passed("rest has a mode=server entry")
    rest = cs.get("rest") if isinstance(cs, dict) else None
    if not isinstance(rest, list):
        found = "absent" if rest is None else json_type(rest)
        return failed(f"rest: expected an array with a mode=server entry, found {found}")
    modes = [e.get("mode") if isinstance(e, dict) else json_type(e) for e in rest]
    return failed(f"rest[].mode: expected an entry with mode=server, found {compact(modes)}")


def oauth_uris_present(ctx: CheckContext) -> Finding:
    """CS-OAUTH-URIS: SMART 1.0 conveys authorize and token in this extension.

    The 2014 flat form (``oauth-uris#authorize`` with a direct valueUri) is recognised only to
    explain the failure: no published SMART version defines it, so a 1.0 client won't read it.
    """
    ext, problem = _oauth_extension(ctx.capability_statement)
    if ext is None:
        return failed(f"oauth-uris extension ({OAUTH_URIS_URL}) not found: {problem}")
    problems = [p for p in (_sub_problem(ext, "authorize"), _sub_problem(ext, "token")) if p]
    if problems:
        return failed(f"{SERVER}.security.extension[oauth-uris]: " + "; ".join(problems))
    names = list(oauth_uris(ctx.capability_statement) or {})
    return passed(f"oauth-uris declares {', '.join(names)}")


def oauth_match(ctx: CheckContext) -> Finding:
    """CS-OAUTH-MATCH: the same endpoint must not have two URLs; one-sided endpoints are INFO
    only (Inferno's one-sided failure is too strict: SMART 1.0 makes most of them SHOULD)."""
    if not isinstance(ctx.smart_config, dict):
        return not_applicable("discovery document unavailable")
    declared = oauth_uris(ctx.capability_statement)
    if declared is None:
        return not_applicable("the oauth-uris extension is absent")
    base = ctx.base_url if isinstance(ctx.base_url, str) else ""
    mismatches, matched, one_sided = [], [], []
    for sub, field_name in OAUTH_ENDPOINTS:
        cs_url = declared.get(sub)
        wk = ctx.smart_config.get(field_name)
        wk_url = wk if isinstance(wk, str) and wk else None
        if cs_url is None and wk_url is None:
            continue
        if cs_url is None or wk_url is None:
            side = f"{field_name} only in smart-configuration" if cs_url is None else f"{sub} only in metadata"
            one_sided.append(side)
            continue
        a, b = absolute(cs_url, base), absolute(wk_url, base)
        if _same_url(a, b):
            matched.append(sub)
        else:
            mismatches.append(f"{sub}: metadata {a} vs smart-configuration {field_name} {b}")
    info = f"; INFO: {'; '.join(one_sided)}" if one_sided else ""
    if mismatches:
        return failed("endpoint URLs differ: " + "; ".join(mismatches) + info)
    if not matched:
        return passed("no endpoint is declared on both sides" + info)
    return passed(f"same URLs for {', '.join(matched)}{info}")


def security_service(ctx: CheckContext) -> Finding:
    """CS-SECURITY-SERVICE: any coding system is accepted (vendors use three)."""
    sec, problem = _security(ctx.capability_statement)
    if sec is None:
        return failed(f"{SERVER}.security.service: expected a coding with code {SMART_SERVICE_CODE}; {problem}")
    service = sec.get("service")
    if not isinstance(service, list):
        found = "absent" if service is None else json_type(service)
        return failed(f"{SERVER}.security.service: expected an array with code {SMART_SERVICE_CODE}, found {found}")
    codes = strings([c.get("code") for s in dicts(service) for c in dicts(s.get("coding"))])
    if SMART_SERVICE_CODE in codes:
        return passed(f"{SERVER}.security.service has code {SMART_SERVICE_CODE}")
    return failed(f"{SERVER}.security.service[].coding[].code: expected {SMART_SERVICE_CODE}, found {compact(codes)}")


RULES: dict[str, Rule] = {
    "CS-FHIR-VERSION": fhir_version,
    "CS-JSON-FORMAT": json_format,
    "CS-REST-SERVER": rest_server,
    "CS-OAUTH-URIS": oauth_uris_present,
    "CS-OAUTH-MATCH": oauth_match,
    "CS-SECURITY-SERVICE": security_service,
}
