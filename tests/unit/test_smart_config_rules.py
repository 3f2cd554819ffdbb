"""Discovery-document rules: a pass and a fail per rule, real-world documents, and hostile inputs."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from smartcheck.findings import CheckContext, Finding
from smartcheck.jsonvalues import show
from smartcheck.rules.discovery_base import CAPABILITIES_BY_VERSION, SMART_VERSIONS, normalize_version
from smartcheck.rules.discovery_urls import endpoint_urls, load_schema, schema_errors
from smartcheck.rules.smart_config import RULES

SHARED = Path(__file__).resolve().parents[3] / "shared"
REALWORLD = SHARED / "realworld"
CATALOGUE = SHARED / "spec" / "CATALOGUE.md"
OUTCOMES = {"pass", "fail", "not_applicable"}
GUARD_TEXT = "rule could not evaluate"

EXPECTED_IDS = """WK-SCHEMA WK-ABSOLUTE WK-HTTPS F-TOKEN F-CAPS F-GRANTS F-PKCE F-AUTHZ F-ISSUER F-JWKS
F-ISSUER-OMITTED F-REC-SCOPES F-REC-RESPONSE-TYPES F-REC-MANAGEMENT F-REC-INTROSPECTION
F-REC-REVOCATION F-REC-BRANDS PKCE-S256 PKCE-NO-PLAIN CAP-KNOWN CAP-SET-PATIENT CAP-SET-PROVIDER
CAP-V1 GRANT-AUTHCODE ASYM-METHOD ASYM-ALG SCOPE-GRAMMAR SCOPE-V2 SCOPE-V2-ADVERTISED SCOPE-OFFLINE
SCOPE-OPENID IPA-CAP-LAUNCH-STANDALONE IPA-CAP-CONTEXT-STANDALONE-PATIENT IPA-CAP-PERMISSION-PATIENT
IPA-CAP-PERMISSION-OFFLINE IPA-CAP-SSO-OPENID-CONNECT IPA-CAP-CLIENT-PUBLIC
IPA-CAP-CLIENT-CONFIDENTIAL-ASYMMETRIC BS-CAP BS-GRANT BS-METHOD BS-ALG BS-SCOPES""".split()

GOOD = {
    "issuer": "https://auth.example.org",
    "jwks_uri": "https://auth.example.org/jwks",
    "authorization_endpoint": "https://auth.example.org/authorize",
    "token_endpoint": "https://auth.example.org/token",
    "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
    "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
    "grant_types_supported": ["authorization_code", "client_credentials"],
    "registration_endpoint": "https://auth.example.org/register",
    "scopes_supported": ["openid", "fhirUser", "launch/patient", "offline_access", "patient/*.rs",
                         "patient/Observation.read", "system/Observation.rs"],
    "response_types_supported": ["code"],
    "management_endpoint": "https://auth.example.org/manage",
    "introspection_endpoint": "https://auth.example.org/introspect",
    "revocation_endpoint": "https://auth.example.org/revoke",
    "capabilities": ["launch-standalone", "launch-ehr", "client-public", "client-confidential-symmetric",
                     "client-confidential-asymmetric", "sso-openid-connect", "context-standalone-patient",
                     "context-ehr-patient", "context-ehr-encounter", "permission-patient", "permission-user",
                     "permission-offline", "permission-v1", "permission-v2", "authorize-post"],
    "code_challenge_methods_supported": ["S256"],
    "associated_endpoints": [{"url": "https://state.example.org/fhir", "capabilities": ["smart-app-state"]}],
    "user_access_brand_bundle": "https://example.org/brands.json",
    "user_access_brand_identifier": {"system": "urn:ietf:rfc:3986", "value": "https://example.org"},
}


def doc(**changes) -> dict:
    """GOOD with fields replaced; a value of ... deletes the field."""
    d = copy.deepcopy(GOOD)
    for k, v in changes.items():
        if v is ...:
            d.pop(k, None)
        else:
            d[k] = v
    return d


def without_cap(code: str) -> dict:
    return doc(capabilities=[c for c in GOOD["capabilities"] if c != code])


def run(rule_id: str, cfg, **ctx) -> Finding:
    """Call the bare rule so that a bug raises here instead of being absorbed by the guard."""
    finding = RULES[rule_id].__wrapped__(CheckContext(smart_config=cfg, **ctx))
    assert isinstance(finding, Finding)
    assert finding.outcome in OUTCOMES
    assert isinstance(finding.message, str) and finding.message
    return finding


def test_rule_ids_are_exactly_the_brief():
    assert sorted(RULES) == sorted(EXPECTED_IDS)
    assert len(EXPECTED_IDS) == len(set(EXPECTED_IDS))


@pytest.mark.skipif(not CATALOGUE.exists(), reason=f"{CATALOGUE} not present")
def test_rule_ids_exist_in_catalogue():
    ids = set(re.findall(r"^\| ([A-Z0-9-]+) \|", CATALOGUE.read_text(encoding="utf-8"), re.MULTILINE))
    assert set(RULES) <= ids, set(RULES) - ids


# (rule id, document, context kwargs, outcome, fragment expected in the message)
CASES = [
    # WK-SCHEMA
    ("WK-SCHEMA", GOOD, {}, "pass", ""),
    ("WK-SCHEMA", {}, {}, "pass", ""),
    ("WK-SCHEMA", doc(capabilities=["launch-ehr", "client-public", "sso-openid-connect", 7]), {}, "fail",
     "capabilities[3]: 7 is not of type 'string'"),
    ("WK-SCHEMA", doc(token_endpoint=None), {}, "fail", "token_endpoint: null is not of type 'string'"),
    ("WK-SCHEMA", doc(scopes_supported="openid"), {}, "fail", "scopes_supported: \"openid\" is not of type 'array'"),
    ("WK-SCHEMA", doc(user_access_brand_identifier={"system": "x"}), {}, "fail",
     'user_access_brand_identifier: required property "value" is missing'),
    ("WK-SCHEMA", doc(user_access_brand_identifier={"value": 3}), {}, "fail",
     "user_access_brand_identifier.value: 3 is not of type 'string'"),
    ("WK-SCHEMA", doc(associated_endpoints=[{"url": 5, "capabilities": "x"}]), {}, "fail",
     "associated_endpoints[0].capabilities: \"x\" is not of type 'array'"),
    ("WK-SCHEMA", doc(associated_endpoints=[{"capabilities": []}]), {}, "fail",
     'associated_endpoints[0]: required property "url" is missing'),
    # version data: a field is typed only in versions that define it
    ("WK-SCHEMA", doc(associated_endpoints=5), {"smart_version": "2.1"}, "pass", ""),
    ("WK-SCHEMA", doc(associated_endpoints=5), {"smart_version": "9.9"}, "fail", "associated_endpoints"),
    ("WK-SCHEMA", doc(smart_app_state_endpoint=5), {"smart_version": "2.0"}, "pass", ""),
    ("WK-SCHEMA", doc(smart_app_state_endpoint=5), {"smart_version": "2.1"}, "fail", "smart_app_state_endpoint"),
    ("WK-SCHEMA", {"token_endpoint_auth_methods": "x"}, {"smart_version": "1.0"}, "fail",
     "token_endpoint_auth_methods"),
    ("WK-SCHEMA", {"token_endpoint_auth_methods": "x"}, {"smart_version": "2.2"}, "pass", ""),
    ("WK-SCHEMA", {"issuer": 1}, {"smart_version": "1.0"}, "pass", ""),
    # WK-ABSOLUTE
    ("WK-ABSOLUTE", GOOD, {}, "pass", ""),
    ("WK-ABSOLUTE", doc(token_endpoint="/auth/token"), {}, "fail", 'token_endpoint is "/auth/token"'),
    ("WK-ABSOLUTE", doc(jwks_uri="https:///jwks"), {}, "fail", "jwks_uri"),
    ("WK-ABSOLUTE", doc(associated_endpoints=[{"url": "fhir2", "capabilities": []}]), {}, "fail",
     "associated_endpoints[0].url"),
    ("WK-ABSOLUTE", {}, {}, "not_applicable", ""),
    # WK-HTTPS
    ("WK-HTTPS", GOOD, {}, "pass", ""),
    ("WK-HTTPS", doc(token_endpoint="http://auth.example.org/token"), {}, "fail",
     'token_endpoint is "http://auth.example.org/token": scheme "http", expected https'),
    ("WK-HTTPS", doc(token_endpoint="token"), {"base_url": "https://ehr.example.org/fhir"}, "pass", ""),
    ("WK-HTTPS", doc(token_endpoint="token"), {"base_url": "http://ehr.example.org/fhir"}, "fail",
     '(resolves to "http://ehr.example.org/fhir/token")'),
    ("WK-HTTPS", doc(userinfo_endpoint="http://x.example.org/userinfo"), {}, "fail", "userinfo_endpoint"),
    ("WK-HTTPS", doc(user_access_brand_bundle="ftp://x.example.org/b"), {}, "fail", "user_access_brand_bundle"),
    ("WK-HTTPS", doc(associated_endpoints=[{"url": "http://s.example.org", "capabilities": []}, 3]), {}, "fail",
     "associated_endpoints[0].url"),
    ("WK-HTTPS", doc(token_endpoint=7, issuer=None, associated_endpoints="x"), {}, "pass", ""),  # types: WK-SCHEMA
    ("WK-HTTPS", {}, {}, "not_applicable", ""),
    # F-* presence
    ("F-TOKEN", GOOD, {}, "pass", ""),
    ("F-TOKEN", {}, {}, "fail", "token_endpoint is absent"),
    ("F-TOKEN", doc(token_endpoint=None), {}, "fail", "token_endpoint is null"),
    ("F-TOKEN", doc(token_endpoint=""), {}, "fail", 'token_endpoint is ""'),
    ("F-TOKEN", doc(token_endpoint=["https://x"]), {}, "fail", "(array), expected a URL string"),
    ("F-CAPS", GOOD, {}, "pass", ""),
    ("F-CAPS", {}, {}, "fail", "capabilities is absent"),
    ("F-CAPS", doc(capabilities=[]), {}, "fail", "capabilities is []"),
    ("F-CAPS", doc(capabilities="launch-ehr"), {}, "fail", '"launch-ehr" (string), expected an array'),
    ("F-CAPS", doc(capabilities=["launch-ehr", None, {"a": 1}]), {}, "fail",
     'capabilities[1] is null (null); capabilities[2] is {"a":1} (object)'),
    ("F-GRANTS", GOOD, {}, "pass", ""),
    ("F-GRANTS", doc(grant_types_supported=[]), {}, "fail", "grant_types_supported is []"),
    ("F-GRANTS", doc(grant_types_supported="authorization_code"), {}, "fail", "expected an array"),
    ("F-PKCE", GOOD, {}, "pass", ""),
    ("F-PKCE", doc(code_challenge_methods_supported=...), {}, "fail", "code_challenge_methods_supported is absent"),
    ("F-PKCE", doc(code_challenge_methods_supported={"S256": True}), {}, "fail", "(object)"),
    ("F-AUTHZ", GOOD, {}, "pass", ""),
    ("F-AUTHZ", doc(authorization_endpoint=...), {}, "fail", "authorization_endpoint is absent"),
    ("F-ISSUER", GOOD, {}, "pass", ""),
    ("F-ISSUER", doc(issuer=...), {}, "fail", "issuer is absent"),
    ("F-JWKS", GOOD, {}, "pass", ""),
    ("F-JWKS", doc(jwks_uri=42), {}, "fail", "jwks_uri is 42 (number)"),
    ("F-ISSUER-OMITTED", doc(issuer=...), {}, "pass", ""),
    ("F-ISSUER-OMITTED", GOOD, {}, "fail", 'issuer is "https://auth.example.org"'),
    ("F-REC-SCOPES", GOOD, {}, "pass", ""),
    ("F-REC-SCOPES", doc(scopes_supported=...), {}, "fail", "scopes_supported is absent"),
    ("F-REC-RESPONSE-TYPES", GOOD, {}, "pass", ""),
    ("F-REC-RESPONSE-TYPES", doc(response_types_supported="code"), {}, "fail", "response_types_supported"),
    ("F-REC-MANAGEMENT", GOOD, {}, "pass", ""),
    ("F-REC-MANAGEMENT", doc(management_endpoint=...), {}, "fail", "management_endpoint is absent"),
    ("F-REC-INTROSPECTION", GOOD, {}, "pass", ""),
    ("F-REC-INTROSPECTION", doc(introspection_endpoint=...), {}, "fail", "introspection_endpoint is absent"),
    ("F-REC-REVOCATION", GOOD, {}, "pass", ""),
    ("F-REC-REVOCATION", doc(revocation_endpoint=...), {}, "fail", "revocation_endpoint is absent"),
    ("F-REC-BRANDS", GOOD, {}, "pass", ""),
    ("F-REC-BRANDS", doc(user_access_brand_identifier=...), {}, "fail", "user_access_brand_identifier is absent"),
    ("F-REC-BRANDS", doc(user_access_brand_identifier="acme"), {}, "fail", "expected an object"),
    # PKCE
    ("PKCE-S256", GOOD, {}, "pass", ""),
    ("PKCE-S256", doc(code_challenge_methods_supported=["s256"]), {}, "fail", "case-sensitive"),
    ("PKCE-S256", doc(code_challenge_methods_supported=["plain"]), {}, "fail", '"S256" is not listed'),
    ("PKCE-S256", doc(code_challenge_methods_supported=...), {}, "fail", "code_challenge_methods_supported is absent"),
    ("PKCE-S256", doc(code_challenge_methods_supported="S256"), {}, "fail", "(string)"),
    ("PKCE-NO-PLAIN", GOOD, {}, "pass", ""),
    ("PKCE-NO-PLAIN", doc(code_challenge_methods_supported=["S256", "plain"]), {}, "fail",
     'code_challenge_methods_supported is ["S256","plain"]: "plain" SHALL NOT be listed'),
    ("PKCE-NO-PLAIN", doc(code_challenge_methods_supported=...), {}, "not_applicable", "absent (F-PKCE reports it)"),
    ("PKCE-NO-PLAIN", doc(code_challenge_methods_supported=None), {}, "not_applicable", "is a JSON null, not an array"),
    # CAP-KNOWN (data per version)
    ("CAP-KNOWN", GOOD, {}, "pass", ""),
    ("CAP-KNOWN", doc(capabilities=["permission-v2"]), {"smart_version": "1.0"}, "fail",
     "neither defined by SMART 1.0"),
    ("CAP-KNOWN", doc(capabilities=["permission-v2"]), {"smart_version": "2.0"}, "pass", ""),
    ("CAP-KNOWN", doc(capabilities=["smart-app-state"]), {"smart_version": "2.0"}, "fail", '"smart-app-state"'),
    ("CAP-KNOWN", doc(capabilities=["smart-app-state"]), {"smart_version": "2.1"}, "pass", ""),
    ("CAP-KNOWN", doc(capabilities=["https://example.org/cap/x", "urn:example:cap"]), {}, "pass", ""),
    ("CAP-KNOWN", doc(capabilities=["Launch-EHR"]), {}, "fail", 'did you mean "launch-ehr"'),
    ("CAP-KNOWN", doc(capabilities=["health-cards", 7]), {}, "fail", 'capabilities[1] is 7 (number)'),
    ("CAP-KNOWN", doc(capabilities=...), {}, "not_applicable", "capabilities is absent"),
    ("CAP-KNOWN", doc(capabilities={"launch-ehr": True}), {}, "fail", "expected an array"),
    # capability sets
    ("CAP-SET-PATIENT", doc(capabilities=["launch-ehr", "client-public", "context-ehr-patient",
                                          "permission-patient"]), {}, "pass", "Patient Access for EHR Launch"),
    ("CAP-SET-PATIENT", doc(capabilities=["launch-standalone", "client-confidential-symmetric",
                                          "context-standalone-patient", "permission-patient"]),
     {"smart_version": "1.0"}, "pass", "Patient Access for Standalone Apps"),
    # asymmetric is a MAY extra, never a substitute for public/symmetric
    ("CAP-SET-PATIENT", doc(capabilities=["launch-standalone", "client-confidential-asymmetric",
                                          "context-standalone-patient", "permission-patient"]), {}, "fail",
     '"client-public or client-confidential-symmetric"'),
    ("CAP-SET-PATIENT", doc(capabilities=...), {}, "fail", "capabilities is absent"),
    ("CAP-SET-PROVIDER", GOOD, {}, "pass", "Clinician Access for Standalone"),
    ("CAP-SET-PROVIDER", without_cap("permission-user"), {}, "fail", '"permission-user"'),
    ("CAP-V1", GOOD, {}, "pass", ""),
    ("CAP-V1", without_cap("permission-v1"), {}, "fail", '"permission-v1" is not listed'),
    ("GRANT-AUTHCODE", GOOD, {}, "pass", ""),
    ("GRANT-AUTHCODE", doc(grant_types_supported=["client_credentials"]), {}, "fail",
     'grant_types_supported is ["client_credentials"]: "authorization_code" is not listed'),
    ("GRANT-AUTHCODE", doc(grant_types_supported=...), {}, "fail", "absent"),
    # asymmetric discovery (ASYM-01)
    ("ASYM-METHOD", GOOD, {}, "pass", ""),
    ("ASYM-METHOD", doc(token_endpoint_auth_methods_supported=["client_secret_basic"]), {}, "fail",
     '"private_key_jwt" is not listed'),
    ("ASYM-METHOD", doc(token_endpoint_auth_methods_supported=..., token_endpoint_auth_methods=["private_key_jwt"]),
     {"smart_version": "1.0"}, "pass", "token_endpoint_auth_methods includes"),
    ("ASYM-METHOD", doc(token_endpoint_auth_methods_supported=..., token_endpoint_auth_methods=["private_key_jwt"]),
     {"smart_version": "2.2"}, "fail", "SMART 1.0 name"),
    ("ASYM-ALG", GOOD, {}, "pass", ""),
    ("ASYM-ALG", doc(token_endpoint_auth_signing_alg_values_supported=["RS256"]), {}, "fail",
     '"RS384" or "ES384" is not listed'),
    # scopes
    ("SCOPE-GRAMMAR", GOOD, {}, "pass", ""),
    ("SCOPE-GRAMMAR", doc(scopes_supported=["openid", "fhiruser", "patient/Observation.dus", 3]), {}, "fail",
     '3 of 4 entries'),
    ("SCOPE-GRAMMAR", doc(scopes_supported=["fhiruser"]), {}, "fail", 'did you mean "fhirUser"'),
    ("SCOPE-GRAMMAR", doc(scopes_supported="openid fhirUser"), {}, "fail", "expected an array"),
    ("SCOPE-GRAMMAR", doc(scopes_supported=...), {}, "not_applicable", "scopes_supported is absent"),
    ("SCOPE-V2", GOOD, {}, "pass", '"patient/*.rs"'),
    ("SCOPE-V2", doc(scopes_supported=["openid", "patient/*.read", "user/*.*"]), {}, "fail", "all v1 syntax"),
    ("SCOPE-V2", doc(scopes_supported=["openid", "launch"]), {}, "not_applicable", "no resource scopes"),
    ("SCOPE-V2", doc(scopes_supported=...), {}, "not_applicable", "absent"),
    ("SCOPE-V2-ADVERTISED", GOOD, {}, "pass", ""),
    ("SCOPE-V2-ADVERTISED", without_cap("permission-v2"), {}, "fail", 'capabilities lacks "permission-v2"'),
    ("SCOPE-V2-ADVERTISED", doc(scopes_supported=["patient/*.read"], capabilities=[]), {}, "not_applicable",
     "no v2-syntax"),
    ("SCOPE-V2-ADVERTISED", doc(scopes_supported=...), {}, "not_applicable", "absent"),
    ("SCOPE-OFFLINE", GOOD, {}, "pass", ""),
    ("SCOPE-OFFLINE", doc(scopes_supported=["openid", "offline-access"]), {}, "fail", '"offline_access" not listed'),
    ("SCOPE-OFFLINE", doc(scopes_supported=...), {}, "not_applicable", "absent"),
    ("SCOPE-OPENID", GOOD, {}, "pass", ""),
    ("SCOPE-OPENID", doc(scopes_supported=["openid", "fhiruser"]), {}, "fail", '"fhirUser" not listed'),
    ("SCOPE-OPENID", doc(scopes_supported=["fhirUser"]), {}, "fail", '"openid" not listed'),
    ("SCOPE-OPENID", doc(scopes_supported=...), {}, "not_applicable", "absent"),
    # backend services
    ("BS-CAP", GOOD, {"persona": "system"}, "pass", ""),
    ("BS-CAP", without_cap("client-confidential-asymmetric"), {"persona": "system"}, "fail",
     '"client-confidential-asymmetric" is not listed'),
    ("BS-GRANT", GOOD, {"persona": "system"}, "pass", ""),
    ("BS-GRANT", doc(grant_types_supported=["authorization_code"]), {"persona": "system"}, "fail",
     '"client_credentials" is not listed'),
    ("BS-METHOD", GOOD, {"persona": "system"}, "pass", ""),
    ("BS-METHOD", doc(token_endpoint_auth_methods_supported=...), {"persona": "system"}, "fail", "absent"),
    ("BS-ALG", doc(token_endpoint_auth_signing_alg_values_supported=["ES384"]), {"persona": "system"}, "pass", ""),
    ("BS-ALG", doc(token_endpoint_auth_signing_alg_values_supported=["rs384"]), {"persona": "system"}, "fail",
     "case-sensitive"),
    ("BS-SCOPES", GOOD, {"persona": "system"}, "pass", '"system/Observation.rs"'),
    ("BS-SCOPES", doc(scopes_supported=["system/Observation.dus", "patient/*.rs"]), {"persona": "system"}, "fail",
     "start with system/ but are not valid"),
    ("BS-SCOPES", doc(scopes_supported=...), {"persona": "system"}, "fail", "scopes_supported is absent"),
    ("BS-SCOPES", doc(scopes_supported={"system/*.rs": 1}), {"persona": "system"}, "fail", "expected an array"),
]
CASES += [(rid, GOOD, {}, "pass", "") for rid in RULES if rid.startswith("IPA-CAP-")]
CASES += [(rid, without_cap(rid[len("IPA-CAP-"):].lower()), {}, "fail", "is not listed")
          for rid in RULES if rid.startswith("IPA-CAP-")]


@pytest.mark.parametrize("rule_id,cfg,ctx,outcome,fragment", CASES,
                         ids=[f"{c[0]}-{c[3]}-{i}" for i, c in enumerate(CASES)])
def test_rule_case(rule_id, cfg, ctx, outcome, fragment):
    finding = run(rule_id, cfg, **ctx)
    assert finding.outcome == outcome, finding.message
    assert fragment in finding.message
    assert RULES[rule_id](CheckContext(smart_config=cfg, **ctx)) == finding  # the guard changes nothing


def test_every_rule_has_a_pass_and_a_fail_case():
    for rid in RULES:
        outcomes = {c[3] for c in CASES if c[0] == rid}
        assert {"pass", "fail"} <= outcomes, rid


def test_message_lists_are_truncated():
    caps = [f"x-unknown-{i}" for i in range(40)]
    finding = run("CAP-KNOWN", doc(capabilities=caps))
    assert "… (35 more)" in finding.message
    finding = run("IPA-CAP-CLIENT-PUBLIC", doc(capabilities=caps))
    assert "… (35 more)" in finding.message and len(finding.message) < 400


def test_schema_errors_are_all_reported_with_paths_and_capped():
    cfg = {"capabilities": list(range(30)), "token_endpoint": 1}
    errors = schema_errors(cfg, "2.2")
    assert len(errors) == 31
    assert errors[:3] == ["capabilities[0]: 0 is not of type 'string'",
                          "capabilities[1]: 1 is not of type 'string'",
                          "capabilities[2]: 2 is not of type 'string'"]
    assert errors[10] == "capabilities[10]: 10 is not of type 'string'"  # numeric, not lexical, order
    finding = run("WK-SCHEMA", cfg)
    assert finding.outcome == "fail" and "… (19 more)" in finding.message


def test_schemas_are_valid_and_require_nothing():
    for version in SMART_VERSIONS:
        schema = load_schema(version)
        Draft202012Validator.check_schema(schema)
        assert "required" not in schema and schema.get("additionalProperties", True) is not False
        assert Draft202012Validator(schema).is_valid(GOOD)
    assert "associated_endpoints" in load_schema("2.2")["properties"]
    assert "associated_endpoints" not in load_schema("2.1")["properties"]
    assert "smart_app_state_endpoint" in load_schema("2.1")["properties"]
    assert "token_endpoint_auth_methods" in load_schema("1.0")["properties"]
    assert "issuer" not in load_schema("1.0")["properties"]
    assert load_schema("unknown") is load_schema("2.2")


@pytest.mark.parametrize("value,expected", [
    ("2.2", "2.2"), ("2.2.0", "2.2"), ("1.0.0", "1.0"), ("1", "1.0"), ("2.1", "2.1"),
    ("3.0", "2.2"), ("", "2.2"), (None, "2.2"), (2.0, "2.2"),
])
def test_normalize_version(value, expected):
    assert normalize_version(value) == expected


def test_capability_data_grows_by_version():
    assert CAPABILITIES_BY_VERSION["1.0"] < CAPABILITIES_BY_VERSION["2.0"] < CAPABILITIES_BY_VERSION["2.1"]
    assert CAPABILITIES_BY_VERSION["2.1"] == CAPABILITIES_BY_VERSION["2.2"]
    assert len(CAPABILITIES_BY_VERSION["2.2"]) == 20


def test_endpoint_urls_cover_the_catalogue_set():
    cfg = doc(userinfo_endpoint="https://u", associated_endpoints=[{"url": "https://a"}, {"url": 3}, "x"],
              token_endpoint=5)
    keys = [k for k, _ in endpoint_urls(cfg)]
    assert "token_endpoint" not in keys  # non-string: WK-SCHEMA's business
    for k in ("issuer", "jwks_uri", "authorization_endpoint", "registration_endpoint", "management_endpoint",
              "introspection_endpoint", "revocation_endpoint", "user_access_brand_bundle", "userinfo_endpoint",
              "associated_endpoints[0].url"):
        assert k in keys
    assert "associated_endpoints[1].url" not in keys


def test_show_is_compact_and_bounded():
    assert show(["S256", "plain"]) == '["S256","plain"]'
    assert show(list(range(8))) == "[0,1,2,3,4,… (3 more)]"
    assert len(show("x" * 10_000)) <= 240


@pytest.mark.parametrize("bad", [None, [], "x", 3])
def test_guard_rejects_non_object_documents(bad):
    for rid, rule in RULES.items():
        finding = rule(CheckContext(smart_config=bad))
        assert finding.outcome == "fail" and "expected a JSON object" in finding.message, rid


# --- hostile inputs --------------------------------------------------------------------------

ALL_FIELDS = sorted(set().union(*(load_schema(v)["properties"] for v in SMART_VERSIONS))
                    | {"userinfo_endpoint", "x_endpoint", "associated_endpoints"})
HOSTILE = [None, 0, -1, 2.5, float("nan"), True, False, "", " ", "S256", "http://x", "/rel", "https://[::1",
           {}, {"url": 1}, {"value": None}, [], [None], [1, 2.5, True, "s", None, {}, [], {"url": None}],
           [{"url": "http://[bad", "capabilities": 3}, {"url": "", "capabilities": [1]}], ["plain", "S256"] * 20]


@pytest.mark.parametrize("value", HOSTILE, ids=[repr(v)[:30] for v in HOSTILE])
def test_rules_never_raise_on_hostile_values(value):
    docs = [{f: value for f in ALL_FIELDS}] + [doc(**{f: value}) for f in ALL_FIELDS]
    for cfg in docs:
        for version in (*SMART_VERSIONS, "bogus"):
            for rid in RULES:
                finding = run(rid, cfg, smart_version=version, base_url="https://ehr.example.org/fhir")
                assert GUARD_TEXT not in finding.message


def test_rules_never_raise_with_odd_context():
    for rid in RULES:
        for base in ("", "not a url", "http://[::1", "https://h/p/"):
            run(rid, doc(token_endpoint="rel/token"), base_url=base, persona="nobody", smart_version="")


# --- real-world documents ----------------------------------------------------------------------

REALWORLD_FILES = sorted(REALWORLD.glob("*/smart-configuration*.json")) if REALWORLD.is_dir() else []


def load(name: str) -> dict:
    path = REALWORLD / name
    if not path.exists():
        pytest.skip(f"{path} not present")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.skipif(not REALWORLD_FILES, reason=f"no real-world documents under {REALWORLD}")
@pytest.mark.parametrize("path", REALWORLD_FILES, ids=[f"{p.parent.name}/{p.name}" for p in REALWORLD_FILES])
def test_every_rule_on_realworld_documents(path):
    cfg = json.loads(path.read_text(encoding="utf-8"))
    for version in SMART_VERSIONS:
        for persona in ("patient", "provider", "system"):
            for rid in RULES:
                finding = run(rid, cfg, smart_version=version, persona=persona)
                assert GUARD_TEXT not in finding.message, (rid, finding.message)


# Each verdict follows from the quoted spec text and the document's own fields.
REALWORLD_VERDICTS = [
    # code_challenge_methods_supported is ["S256"]: "The S256 method SHALL be included" (§1.2), plain absent
    ("epic-sandbox/smart-configuration.json", "PKCE-S256", "2.2", "pass", ""),
    ("epic-sandbox/smart-configuration.json", "PKCE-NO-PLAIN", "2.2", "pass", ""),
    # all 17 capabilities are 2.x codes (§2.1); permission-v1/v2, authorize-post, asymmetric are not 1.0 codes
    ("epic-sandbox/smart-configuration.json", "CAP-KNOWN", "2.2", "pass", ""),
    ("epic-sandbox/smart-configuration.json", "CAP-KNOWN", "1.0", "fail", '"permission-v1"'),
    # sso-openid-connect advertised; scopes list openid and fhirUser (OIDC-01)
    ("epic-sandbox/smart-configuration.json", "SCOPE-OPENID", "2.2", "pass", ""),
    # "epic.scanning.dmsusername" is no SMART scope, no full URI, no "__" prefix (§2.3 extension rule)
    ("epic-sandbox/smart-configuration.json", "SCOPE-GRAMMAR", "2.2", "fail", '"epic.scanning.dmsusername"'),
    # no resource scope listed at all: nothing to judge v2 syntax on
    ("epic-sandbox/smart-configuration.json", "SCOPE-V2", "2.2", "not_applicable", ""),
    # lists patient/Patient.rs (v2) and advertises permission-v2
    ("cms-bluebutton-live/smart-configuration.json", "SCOPE-V2", "2.2", "pass", "v2-syntax"),
    ("cms-bluebutton-live/smart-configuration.json", "SCOPE-V2-ADVERTISED", "2.2", "pass", ""),
    # no issuer while sso-openid-connect is absent from capabilities ("otherwise, omitted")
    ("cms-bluebutton-live/smart-configuration.json", "F-ISSUER-OMITTED", "2.2", "pass", ""),
    # launch-standalone + client-confidential-symmetric + context-standalone-patient + permission-patient
    ("cms-bluebutton-live/smart-configuration.json", "CAP-SET-PATIENT", "2.2", "pass", "Standalone Apps"),
    # the OpenAPI example lists patient/Patient.r etc. (v2 syntax) but its capabilities lack permission-v2
    ("cms-bluebutton/smart-configuration-v2.json", "SCOPE-V2-ADVERTISED", "2.2", "fail", "permission-v2"),
    # literal {} : the REQUIRED token_endpoint and capabilities are missing (§1.2)
    ("smilecdr-jhp-provider-directory/smart-configuration.json", "F-TOKEN", "2.2", "fail", "absent"),
    ("smilecdr-jhp-provider-directory/smart-configuration.json", "F-CAPS", "2.2", "fail", "absent"),
    ("smilecdr-jhp-provider-directory/smart-configuration.json", "WK-SCHEMA", "2.2", "pass", ""),
    # only authorization_endpoint and token_endpoint: no capabilities, no PKCE list (2.x REQUIRED)
    ("devoted-health/smart-configuration.json", "F-CAPS", "2.2", "fail", "capabilities is absent"),
    ("devoted-health/smart-configuration.json", "PKCE-S256", "2.0", "fail", "absent"),
    ("devoted-health/smart-configuration.json", "F-TOKEN", "2.2", "pass", ""),
    ("devoted-health/smart-configuration.json", "WK-HTTPS", "2.2", "pass", ""),
    # scopes "fhiruser", "offline-access": case and spelling differ from fhirUser / offline_access (§2.3)
    ("cerner-soarian/smart-configuration-patient.json", "SCOPE-GRAMMAR", "2.2", "fail", '"fhiruser"'),
    # every endpoint is http://127.0.0.1:18080/...
    ("smart-launcher-v2-local/smart-configuration.json", "WK-HTTPS", "2.2", "fail", 'scheme "http"'),
    ("smart-launcher-v2-local/smart-configuration.json", "WK-ABSOLUTE", "2.2", "pass", ""),
    # capabilities lists "context-passthrough-banner": not a SMART code, not a full URI
    ("eclinicalworks/smart-configuration.json", "CAP-KNOWN", "2.2", "fail", '"context-passthrough-banner"'),
    # "patient/Condition.read?category=...": v1 grammar has no query suffix
    ("eclinicalworks/smart-configuration.json", "SCOPE-GRAMMAR", "2.2", "fail", "cannot take a query"),
    # backend discovery complete: asymmetric cap, client_credentials, private_key_jwt, RS384/ES384, system/ scopes
    ("inferno-reference-server/smart-configuration.json", "BS-CAP", "2.2", "pass", ""),
    ("inferno-reference-server/smart-configuration.json", "BS-GRANT", "2.2", "pass", ""),
    ("inferno-reference-server/smart-configuration.json", "BS-METHOD", "2.2", "pass", ""),
    ("inferno-reference-server/smart-configuration.json", "BS-ALG", "2.2", "pass", ""),
    ("inferno-reference-server/smart-configuration.json", "BS-SCOPES", "2.2", "pass", ""),
    # token_endpoint_auth_signing_alg_values_supported is absent though client-confidential-asymmetric is listed
    ("athenahealth/smart-configuration.json", "ASYM-ALG", "2.2", "fail", "absent"),
    # "system/*.read" is a valid v1 system scope; capabilities lack client-confidential-asymmetric
    ("tsys-fhirsandbox/smart-configuration.json", "BS-SCOPES", "2.2", "pass", ""),
    ("tsys-fhirsandbox/smart-configuration.json", "BS-CAP", "2.2", "fail", ""),
]


@pytest.mark.parametrize("name,rule_id,version,outcome,fragment", REALWORLD_VERDICTS,
                         ids=[f"{v[0].split('/')[0]}-{v[1]}-{v[2]}" for v in REALWORLD_VERDICTS])
def test_realworld_verdicts(name, rule_id, version, outcome, fragment):
    finding = run(rule_id, load(name), smart_version=version)
    assert finding.outcome == outcome, finding.message
    assert fragment in finding.message
