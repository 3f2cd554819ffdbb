"""The endpoint profile: synthetic cases, the required real-world inferences, and a sweep of
every real-world document through every rule and the endpoints.json schema."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from smartcheck.findings import CheckContext, Finding
from smartcheck.profile import FAILURE_CLASSES, audience, build_profile, flows, resource_summary, smart_capabilities
from smartcheck.rules import capability_statement, ipa, resources
from smartcheck.rules.ipa_data import IPA_RESOURCES
from smartcheck.rules.resources import expectation_items

SHARED = Path(__file__).resolve().parents[3] / "shared"
REALWORLD = SHARED / "realworld"
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "endpoints.schema.json"
needs_corpus = pytest.mark.skipif(not REALWORLD.is_dir(), reason=f"real-world corpus not found at {REALWORLD}")


def load(rel: str):
    return json.loads((REALWORLD / rel).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def report_with(profile: dict) -> dict:
    doc = {"url": "https://x/fhir/metadata", "status": 200, "failure": None, "body": {}}
    return {
        "format_version": "1",
        "generated_at": "2026-11-22T10:00:00Z",
        "endpoints": [{
            "target": "t", "persona": "patient", "base_url": "https://x/fhir", "profile": profile,
            "documents": {"smart_configuration": dict(doc), "capability_statement": dict(doc, status=None, body=None)},
        }],
    }


def assert_valid(validator, profile: dict) -> None:
    errors = sorted(validator.iter_errors(report_with(profile)), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    json.dumps(profile)  # serialisable


# ---------------------------------------------------------------- probe status and failures

@pytest.mark.parametrize("sc, cs, sf, cf, status", [
    ({}, {}, None, None, "success"),
    ({}, None, None, "timeout", "partial"),
    (None, {}, "auth_required", None, "partial"),
    (None, None, "dns_failure", "dns_failure", "failed"),
    ({"capabilities": ["launch-ehr"]}, None, "not_json", "tls_error", "failed"),  # a failed document is not used
])
def test_probe_status(sc, cs, sf, cf, status, validator):
    profile = build_profile(sc, cs, sf, cf)
    assert profile["probe_status"] == status
    assert profile["failures"] == {"smart_configuration": sf, "capability_statement": cf}
    if sf:
        assert profile["audience"] == "unknown" and not profile["flows"]["ehr-launch-confidential"]["available"]
    assert_valid(validator, profile)


def test_schema_failure_enum_matches_failure_classes():
    schema = json.loads(SCHEMA_PATH.read_text())
    assert schema["$defs"]["failure"]["enum"] == [None, *FAILURE_CLASSES]


def test_unknown_failure_class_is_kept_and_flagged_by_schema(validator):
    profile = build_profile(None, None, "teapot", None)
    assert profile["failures"]["smart_configuration"] == "teapot"
    assert list(validator.iter_errors(report_with(profile)))


# ---------------------------------------------------------------- audience (synthetic)

@pytest.mark.parametrize("caps, scopes, expected", [
    (["context-standalone-patient"], [], "patient"),
    (["launch-ehr"], [], "provider"),
    (["context-ehr-encounter", "context-standalone-patient"], [], "both"),
    (["launch-standalone", "permission-patient"], ["patient/*.rs"], "patient"),  # weak, one side
    (["launch-standalone", "permission-user"], ["user/*.rs"], "unknown"),  # weak on both sides
    (["permission-user"], ["user/Patient.read"], "provider"),
    (["context-standalone-patient", "permission-user"], ["user/*.read"], "patient"),  # strong beats weak
    (["permission-patient", "client-confidential-asymmetric"], ["system/*.rs"], "unknown"),
    ([], [], "unknown"),
])
def test_audience_rules(caps, scopes, expected):
    who, _ = audience({"capabilities": caps, "scopes_supported": scopes})
    assert who == expected


@pytest.mark.parametrize("junk", [None, [], "x", {"capabilities": "launch-ehr", "scopes_supported": {"user/": 1}}])
def test_audience_unknown_on_junk(junk):
    assert audience(junk)[0] == "unknown"


# ---------------------------------------------------------------- capabilities and flows (synthetic)

def test_capability_groups():
    groups = smart_capabilities({
        "capabilities": ["launch-ehr", "client-public", "sso-openid-connect", "context-banner", "permission-v2",
                         "authorize-post", "smart-app-state", "health-cards", 5, "launch-ehr"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": "authorization_code",
        "token_endpoint_auth_methods": ["client_secret_basic"],
    })
    assert groups["launch_modes"] == ["launch-ehr"]
    assert groups["client_types"] == ["client-public"]
    assert groups["single_sign_on"] == ["sso-openid-connect"]
    assert groups["launch_context"] == ["context-banner"]
    assert groups["permissions"] == ["permission-v2"]
    assert groups["app_state"] == ["smart-app-state"]
    assert groups["other"] == ["health-cards"]
    assert groups["authorization_protocol"] == {
        "capabilities": ["authorize-post"], "code_challenge_methods": ["S256"], "grant_types": [],
        "token_endpoint_auth_methods": ["client_secret_basic"], "token_endpoint_auth_signing_algs": [],
    }


FULL = {
    "capabilities": ["launch-standalone", "launch-ehr", "client-public", "client-confidential-asymmetric"],
    "code_challenge_methods_supported": ["S256"],
    "grant_types_supported": ["authorization_code", "client_credentials"],
    "token_endpoint_auth_methods_supported": ["private_key_jwt"],
    "token_endpoint_auth_signing_alg_values_supported": ["ES384"],
    "authorization_endpoint": "https://a/authorize",
    "token_endpoint": "https://a/token",
}


def test_all_flows_available():
    result = flows(FULL)
    assert all(f == {"available": True, "missing": [], "assumed": []} for f in result.values()), result


def test_flows_missing_items():
    sc = dict(FULL, capabilities=["launch-standalone"], grant_types_supported=["client_credentials"],
              token_endpoint_auth_signing_alg_values_supported=["RS256"])
    del sc["authorization_endpoint"]
    result = flows(sc)
    assert result["standalone-pkce-public"]["missing"] == [
        "capability:client-public", "grant_types_supported:authorization_code", "authorization_endpoint"]
    assert result["ehr-launch-confidential"]["missing"] == [
        "capability:launch-ehr", "capability:client-confidential-symmetric|client-confidential-asymmetric",
        "grant_types_supported:authorization_code", "authorization_endpoint"]
    assert result["backend-services-asymmetric"]["missing"] == [
        "capability:client-confidential-asymmetric", "token_endpoint_auth_signing_alg_values_supported:RS384|ES384"]


def test_flows_assume_authorization_code_only_when_field_absent():
    sc = {k: v for k, v in FULL.items() if k != "grant_types_supported"}
    result = flows(sc)
    assert result["standalone-pkce-public"] == {"available": True, "missing": [], "assumed": ["grant_types_supported:authorization_code"]}
    assert result["backend-services-asymmetric"]["missing"] == ["grant_types_supported:client_credentials"]


def test_flows_without_document():
    assert all(f["missing"] == ["smart-configuration document"] for f in flows(None).values())


def test_resource_summary():
    cs = {"rest": [{"mode": "client", "resource": [{"type": "Flag"}]}, {"mode": "server", "resource": [
        {"type": "Patient", "interaction": [{"code": "read"}, {"code": "update"}], "searchParam": [{"name": "_id"}]},
        {"type": "Binary"},
    ]}]}
    assert resource_summary(cs) == {
        "Patient": {"readable": True, "writable": True, "interactions": ["read", "update"], "search_params": ["_id"]},
        "Binary": {"readable": False, "writable": False, "interactions": [], "search_params": []},
    }


def test_fhir_version_and_software_tolerate_junk(validator):
    profile = build_profile(None, {"fhirVersion": 4, "software": {"name": "X", "version": 2}}, "timeout", None)
    assert profile["fhir_version"] is None and profile["software"] == {"name": "X", "version": None}
    assert_valid(validator, profile)
    assert build_profile(None, {"software": "X"}, None, None)["software"] is None


# ---------------------------------------------------------------- required real-world inferences

@needs_corpus
def test_epic_sandbox_serves_both(validator):
    profile = build_profile(load("epic-sandbox/smart-configuration.json"), load("epic-sandbox/metadata.json"), None, None)
    assert profile["audience"] == "both"
    assert profile["probe_status"] == "success"
    assert profile["flows"]["standalone-pkce-public"]["available"]
    assert profile["flows"]["ehr-launch-confidential"]["available"]
    # Epic lists no token_endpoint_auth_signing_alg_values_supported
    assert profile["flows"]["backend-services-asymmetric"]["missing"] == [
        "token_endpoint_auth_signing_alg_values_supported:RS384|ES384"]
    assert len(profile["resources"]) >= 50 and profile["resources"]["Patient"]["readable"]
    assert profile["software"] == {"name": "Epic", "version": "May 2026"}
    assert_valid(validator, profile)


@needs_corpus
def test_soarian_personas_differ_in_audience_and_ehr_flow():
    patient = build_profile(load("cerner-soarian/smart-configuration-patient.json"), None, None, "http_error")
    provider = build_profile(load("cerner-soarian/smart-configuration-provider.json"), None, None, "http_error")
    assert (patient["audience"], provider["audience"]) == ("patient", "provider")
    # the consumer persona lists user/ scopes and permission-user: weak signs, outweighed
    assert patient["audience_evidence"]["patient"]["strong"] == ["capability:context-standalone-patient"]
    assert patient["audience_evidence"]["provider"]["strong"] == []
    assert "capability:permission-user" in patient["audience_evidence"]["provider"]["weak"]
    assert provider["audience_evidence"]["patient"]["strong"] == []
    assert provider["audience_evidence"]["provider"]["strong"] == ["capability:launch-ehr", "capability:context-ehr-encounter"]

    differing = {name for name in patient["flows"] if patient["flows"][name] != provider["flows"][name]}
    assert differing == {"ehr-launch-confidential", "backend-services-asymmetric"}
    assert patient["flows"]["ehr-launch-confidential"] == {
        "available": False, "missing": ["capability:launch-ehr"], "assumed": []}
    assert provider["flows"]["ehr-launch-confidential"] == {
        "available": True, "missing": [], "assumed": ["grant_types_supported:authorization_code"]}
    # SMART v1 documents: no PKCE advertised on either persona
    for p in (patient, provider):
        assert not p["flows"]["standalone-pkce-public"]["available"]
        assert "code_challenge_methods_supported:S256" in p["flows"]["standalone-pkce-public"]["missing"]
    # the provider persona carries the asymmetric algorithms but not the capability or the grant
    assert provider["flows"]["backend-services-asymmetric"]["missing"] == [
        "capability:client-confidential-asymmetric", "grant_types_supported:client_credentials"]
    assert patient["smart_capabilities"]["launch_modes"] == ["launch-standalone"]
    assert provider["smart_capabilities"]["launch_modes"] == ["launch-ehr", "launch-standalone"]


@needs_corpus
@pytest.mark.parametrize("smart, meta", [
    ("cms-bluebutton-live/smart-configuration.json", "cms-bluebutton-live/metadata.json"),
    ("cms-bluebutton/smart-configuration-v2.json", "cms-bluebutton/metadata-v2.json"),
])
def test_blue_button_is_patient_only(smart, meta, validator):
    profile = build_profile(load(smart), load(meta), None, None)
    assert profile["audience"] == "patient"
    assert profile["audience_evidence"]["provider"] == {"strong": [], "weak": []}
    assert set(profile["resources"]) == {"Coverage", "ExplanationOfBenefit", "Patient"}
    assert not profile["flows"]["standalone-pkce-public"]["available"]  # confidential clients only
    assert profile["flows"]["standalone-pkce-public"]["missing"] == ["capability:client-public"]
    assert_valid(validator, profile)


# ---------------------------------------------------------------- sweep of the whole corpus

def corpus_pairs() -> list[tuple[str, str | None]]:
    """Every metadata*.json, paired with each smart-configuration*.json of its directory (or none)."""
    if not REALWORLD.is_dir():
        return []
    pairs = []
    for meta in sorted(REALWORLD.glob("*/metadata*.json")):
        smarts = sorted(meta.parent.glob("smart-configuration*.json")) or [None]
        pairs += [(str(meta.relative_to(REALWORLD)), str(s.relative_to(REALWORLD)) if s else None) for s in smarts]
    return pairs


ALL_RULES = {**capability_statement.RULES, **ipa.RULES, **resources.RULES}
PER_ITEM = {"IPA-INTERACTIONS", "IPA-SEARCH-PARAMS", "IPA-PROFILES"}


@needs_corpus
def test_corpus_is_found():
    assert len(list(REALWORLD.glob("*/metadata*.json"))) >= 20


@needs_corpus
@pytest.mark.parametrize("meta, smart", corpus_pairs())
def test_every_real_document_profiles_and_runs_every_rule(meta, smart, validator):
    cs = load(meta)
    sc = load(smart) if smart else None
    profile = build_profile(sc, cs, None if smart else "http_error", None)
    assert_valid(validator, profile)
    assert profile["probe_status"] == ("success" if smart else "partial")

    listed = list(profile["resources"])
    expect = {t: w for t, w in zip(listed[:3] + ["NoSuchType"], ["readable", "writable", "read-only", ["read", "update"]])}
    res_items = expectation_items(expect)
    assert res_items, expect
    for rid, rule in ALL_RULES.items():
        if rid in PER_ITEM:
            items = IPA_RESOURCES
        elif rid.startswith("RES-"):
            items = [item for r, item in res_items if r == rid] or [listed[0] if listed else "Patient"]
        else:
            items = [None]
        for item in items:
            ctx = CheckContext(capability_statement=cs, smart_config=sc, item=item, profiles=frozenset({"ipa"}),
                               expect_resources=expect, base_url="https://example.org/fhir")
            finding = rule(ctx)
            assert isinstance(finding, Finding), (rid, item)
            assert finding.outcome in ("pass", "fail", "not_applicable") and finding.message, (rid, item)
    assert ipa.instantiates_level(CheckContext(capability_statement=cs)) in ("SHALL", "SHOULD")


@needs_corpus
def test_dstu2_conformance_documents_are_judged_not_crashed():
    for rel in ("epic/metadata-dstu2.json", "allscripts/metadata-dstu2.json", "meditech/metadata-dstu2.json",
                "cerner-oracle/metadata-dstu2.json"):
        cs = load(rel)
        assert cs["resourceType"] == "Conformance"
        finding = capability_statement.RULES["CS-FHIR-VERSION"](CheckContext(capability_statement=cs))
        assert finding.outcome == "fail" and '"1.0.2"' in finding.message
        assert build_profile(None, cs, "http_error", None)["fhir_version"] == "1.0.2"


@needs_corpus
@pytest.mark.parametrize("smart", sorted(str(p.relative_to(REALWORLD)) for p in REALWORLD.glob("*/smart-configuration*.json"))
                         if REALWORLD.is_dir() else [])
def test_every_real_discovery_document_profiles(smart, validator):
    profile = build_profile(load(smart), None, None, "timeout")
    assert profile["probe_status"] == "partial"
    assert_valid(validator, profile)
