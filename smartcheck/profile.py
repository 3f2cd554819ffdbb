"""The endpoint profile: what a target offers, inferred from its two discovery documents.

Pure functions over parsed JSON (no I/O); the caller attaches the raw documents beside it in
``reports/endpoints.json`` (``schemas/endpoints.schema.json``).  Nothing here judges
conformance: it describes, so wrong JSON types simply read as absent.
"""
from __future__ import annotations

from typing import Any

from smartcheck.rules.capability_statement import (
    interaction_codes,
    resources,
    search_param_names,
    strings,
)
from smartcheck import http
from smartcheck.documents import WRONG_RESOURCE
from smartcheck.rules.resources import READ_INTERACTIONS, WRITE_INTERACTIONS

# the HTTP failure classes, then the document-level ones: a CapabilityStatement that is not one
# (e.g. a DSTU2 Conformance), and a document the run did not request (e.g. filtered out)
FAILURE_CLASSES = (*http.FAILURE_CLASSES, WRONG_RESOURCE, "not_fetched")

CAPABILITY_GROUPS: dict[str, tuple[str, ...]] = {
    "launch_modes": ("launch-ehr", "launch-standalone"),
    "client_types": ("client-public", "client-confidential-symmetric", "client-confidential-asymmetric"),
    "single_sign_on": ("sso-openid-connect",),
    "launch_context": (
        "context-banner", "context-style", "context-ehr-patient", "context-ehr-encounter",
        "context-standalone-patient", "context-standalone-encounter",
    ),
    "permissions": (
        "permission-offline", "permission-online", "permission-patient", "permission-user",
        "permission-v1", "permission-v2",
    ),
    "app_state": ("smart-app-state",),
    "authorization_protocol": ("authorize-post",),
}


def _doc(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _caps(sc: dict) -> list[str]:
    return strings(sc.get("capabilities"))


def probe_status(smart_ok: bool, cs_ok: bool) -> str:
    return "success" if smart_ok and cs_ok else "partial" if smart_ok or cs_ok else "failed"


def smart_capabilities(smart_config: Any) -> dict:
    """Capabilities grouped by what they describe; unknown codes (vendor or other-IG) in ``other``.
    ``authorization_protocol`` also carries the protocol fields a client negotiates with."""
    sc = _doc(smart_config)
    caps = _caps(sc)
    known = {c for codes in CAPABILITY_GROUPS.values() for c in codes}
    groups: dict[str, Any] = {name: [c for c in caps if c in codes] for name, codes in CAPABILITY_GROUPS.items()}
    groups["authorization_protocol"] = {
        "capabilities": groups["authorization_protocol"],
        "code_challenge_methods": strings(sc.get("code_challenge_methods_supported")),
        "grant_types": strings(sc.get("grant_types_supported")),
        "token_endpoint_auth_methods": strings(sc.get("token_endpoint_auth_methods_supported"))
        or strings(sc.get("token_endpoint_auth_methods")),  # SMART 1.0 list spelling
        "token_endpoint_auth_signing_algs": strings(sc.get("token_endpoint_auth_signing_alg_values_supported")),
    }
    groups["other"] = [c for c in caps if c not in known]
    return groups


def audience(smart_config: Any) -> tuple[str, dict]:
    """Who the endpoint serves: "patient" | "provider" | "both" | "unknown", with the evidence.

    Strong signs decide; weak signs are consulted only when there is no strong sign at all.
      patient strong:  ``context-standalone-patient`` (only the "Patient Access for Standalone
                       Apps" capability set requires it, §2.2)
      provider strong: ``launch-ehr``, ``context-ehr-encounter`` (an EHR session; encounter
                       context exists only in clinician workflows.  A patient-portal EHR launch
                       is possible but no patient-only server in the corpus advertises it)
      patient weak:    ``launch-standalone`` (clinicians launch standalone too), ``launch/patient``
                       and ``patient/`` scopes (clinician apps request them as well)
      provider weak:   ``permission-user``, ``user/`` scopes (Cerner's consumer persona advertises
                       both: the patient is the "user"), ``context-ehr-patient`` (shared with
                       the portal set), the ``launch`` scope
    ``permission-patient`` is in every capability set and says nothing.  Without strong signs,
    weak signs on one side only name that side; weak signs on both sides, or none, are "unknown".
    """
    sc = _doc(smart_config)
    caps = set(_caps(sc))
    scopes = strings(sc.get("scopes_supported"))

    def cap_signs(codes: tuple[str, ...]) -> list[str]:
        return [f"capability:{c}" for c in codes if c in caps]

    def prefix_sign(prefix: str) -> list[str]:
        n = sum(1 for s in scopes if s.startswith(prefix))
        return [f"scopes:{prefix}* ({n})"] if n else []

    evidence = {
        "patient": {
            "strong": cap_signs(("context-standalone-patient",)),
            "weak": cap_signs(("launch-standalone",))
            + (["scope:launch/patient"] if "launch/patient" in scopes else [])
            + prefix_sign("patient/"),
        },
        "provider": {
            "strong": cap_signs(("launch-ehr", "context-ehr-encounter")),
            "weak": cap_signs(("permission-user", "context-ehr-patient"))
            + (["scope:launch"] if "launch" in scopes else [])
            + prefix_sign("user/"),
        },
    }
    level = "strong" if evidence["patient"]["strong"] or evidence["provider"]["strong"] else "weak"
    pat, prov = bool(evidence["patient"][level]), bool(evidence["provider"][level])
    if level == "weak" and pat and prov:
        return "unknown", evidence
    return ("both" if pat and prov else "patient" if pat else "provider" if prov else "unknown"), evidence


FLOW_NAMES = ("standalone-pkce-public", "ehr-launch-confidential", "backend-services-asymmetric")


def _flow(needs: list[tuple[str, bool]], assumed: list[str]) -> dict:
    missing = [label for label, ok in needs if not ok]
    return {"available": not missing, "missing": missing, "assumed": assumed if not missing else []}


def flows(smart_config: Any) -> dict:
    """Whether three common flows are advertised, and what is missing for each.

    ``authorization_code`` is assumed (and listed under ``assumed``) when
    ``grant_types_supported`` is absent: SMART 1.0 has no such field and App Launch is the
    authorization-code grant.  Nothing else is assumed; ``client_credentials`` never is.
    """
    if not isinstance(smart_config, dict):
        return {n: {"available": False, "missing": ["smart-configuration document"], "assumed": []} for n in FLOW_NAMES}
    sc = smart_config
    caps = set(_caps(sc))
    grants_field = sc.get("grant_types_supported")
    grants = strings(grants_field)
    pkce = strings(sc.get("code_challenge_methods_supported"))
    methods = strings(sc.get("token_endpoint_auth_methods_supported")) or strings(sc.get("token_endpoint_auth_methods"))
    algs = strings(sc.get("token_endpoint_auth_signing_alg_values_supported"))

    def url(name: str) -> tuple[str, bool]:
        return name, isinstance(sc.get(name), str) and bool(sc.get(name))

    def cap(*codes: str) -> tuple[str, bool]:
        return "capability:" + "|".join(codes), any(c in caps for c in codes)

    auth_code_assumed = grants_field is None
    auth_code = ("grant_types_supported:authorization_code", auth_code_assumed or "authorization_code" in grants)
    assumed = ["grant_types_supported:authorization_code"] if auth_code_assumed else []
    return {
        "standalone-pkce-public": _flow([
            cap("launch-standalone"), cap("client-public"),
            ("code_challenge_methods_supported:S256", "S256" in pkce), auth_code,
            url("authorization_endpoint"), url("token_endpoint"),
        ], assumed),
        "ehr-launch-confidential": _flow([
            cap("launch-ehr"), cap("client-confidential-symmetric", "client-confidential-asymmetric"),
            auth_code, url("authorization_endpoint"), url("token_endpoint"),
        ], assumed),
        "backend-services-asymmetric": _flow([
            cap("client-confidential-asymmetric"),
            ("grant_types_supported:client_credentials", "client_credentials" in grants),
            ("token_endpoint_auth_methods_supported:private_key_jwt", "private_key_jwt" in methods),
            ("token_endpoint_auth_signing_alg_values_supported:RS384|ES384", "RS384" in algs or "ES384" in algs),
            url("token_endpoint"),
        ], []),
    }


def resource_summary(capability_statement: Any) -> dict:
    """Per resource type of the server ``rest``: read/write buckets, interactions, search params."""
    out = {}
    for rtype, entry in resources(capability_statement).items():
        codes = interaction_codes(entry)
        out[rtype] = {
            "readable": any(c in READ_INTERACTIONS for c in codes),
            "writable": any(c in WRITE_INTERACTIONS for c in codes),
            "interactions": codes,
            "search_params": search_param_names(entry),
        }
    return out


def _software(cs: dict) -> dict | None:
    sw = cs.get("software")
    if not isinstance(sw, dict):
        return None
    return {k: sw.get(k) if isinstance(sw.get(k), str) else None for k in ("name", "version")}


def build_profile(
    smart_config: Any, capability_statement: Any, smart_failure: str | None, cs_failure: str | None
) -> dict:
    """The JSON-serialisable profile of one target+persona.  A document counts as retrieved
    when it is present and has no failure class; failure classes are passed through."""
    smart_ok = smart_config is not None and smart_failure is None
    cs_ok = capability_statement is not None and cs_failure is None
    cs = _doc(capability_statement) if cs_ok else {}
    sc = smart_config if smart_ok else None
    who, evidence = audience(sc)
    version = cs.get("fhirVersion")
    return {
        "probe_status": probe_status(smart_ok, cs_ok),
        "failures": {"smart_configuration": smart_failure, "capability_statement": cs_failure},
        "audience": who,
        "audience_evidence": evidence,
        "smart_capabilities": smart_capabilities(sc),
        "flows": flows(sc),
        "resources": resource_summary(cs),
        "fhir_version": version if isinstance(version, str) else None,
        "software": _software(cs),
    }
