"""CS-* rules and the CapabilityStatement accessors: pass, fail, and junk that must not raise."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from smartcheck.findings import CheckContext, Finding
from smartcheck.rules.capability_statement import (
    OAUTH_URIS_URL,
    RULES,
    declared_profiles,
    interaction_codes,
    oauth_uris,
    resources,
    server_rest,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "realworld"
BASE = "https://ehr.example.org/fhir/r4"


def make_cs(**overrides) -> dict:
    cs = {
        "resourceType": "CapabilityStatement",
        "fhirVersion": "4.0.1",
        "format": ["json", "xml"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "service": [{"coding": [{"system": "http://hl7.org/fhir/restful-security-service", "code": "SMART-on-FHIR"}]}],
                    "extension": [
                        {
                            "url": OAUTH_URIS_URL,
                            "extension": [
                                {"url": "authorize", "valueUri": "https://auth.example.org/authorize"},
                                {"url": "token", "valueUri": "https://auth.example.org/token"},
                            ],
                        }
                    ],
                },
                "resource": [{"type": "Patient", "interaction": [{"code": "read"}]}],
            }
        ],
    }
    cs.update(overrides)
    return cs


def run(rid: str, cs, smart_config=None, base_url: str = BASE) -> Finding:
    return RULES[rid](CheckContext(capability_statement=cs, smart_config=smart_config, base_url=base_url))


def security(cs: dict) -> dict:
    return cs["rest"][0]["security"]


# ---------------------------------------------------------------- CS-FHIR-VERSION

@pytest.mark.parametrize("version", ["4.0.1", "4.0.0"])
def test_fhir_version_passes_for_r4(version):
    assert run("CS-FHIR-VERSION", make_cs(fhirVersion=version)).outcome == "pass"


@pytest.mark.parametrize("version, shown", [("3.0.1", '"3.0.1"'), ("1.0.2", '"1.0.2"'), (4.01, "4.01"), (None, "absent"), ("4.0.1-x", '"4.0.1-x"')])
def test_fhir_version_fails_otherwise(version, shown):
    cs = make_cs(fhirVersion=version)
    if version is None:
        del cs["fhirVersion"]
    finding = run("CS-FHIR-VERSION", cs)
    assert finding.outcome == "fail"
    assert finding.message == f"fhirVersion: expected 4.0.x, found {shown}"


# ---------------------------------------------------------------- CS-JSON-FORMAT

@pytest.mark.parametrize("fmt", [["xml", "json"], ["application/json"], ["application/fhir+json; charset=utf-8"], ["APPLICATION/FHIR+JSON"]])
def test_json_format_passes(fmt):
    assert run("CS-JSON-FORMAT", make_cs(format=fmt)).outcome == "pass"


def test_json_format_fails_without_json_and_names_dstu2_type():
    finding = run("CS-JSON-FORMAT", make_cs(format=["xml", "application/json+fhir"]))
    assert finding.outcome == "fail"
    assert '["xml","application/json+fhir"]' in finding.message
    assert "DSTU2" in finding.message


@pytest.mark.parametrize("fmt, shown", [("json", "string"), (None, "absent"), ({"json": True}, "object")])
def test_json_format_fails_on_wrong_type(fmt, shown):
    cs = make_cs(format=fmt)
    if fmt is None:
        del cs["format"]
    finding = run("CS-JSON-FORMAT", cs)
    assert finding.outcome == "fail"
    assert finding.message.startswith("format:") and shown in finding.message


# ---------------------------------------------------------------- CS-REST-SERVER

def test_rest_server_passes():
    assert run("CS-REST-SERVER", make_cs()).outcome == "pass"


def test_rest_server_fails_with_client_only():
    finding = run("CS-REST-SERVER", make_cs(rest=[{"mode": "client"}, 7]))
    assert finding.outcome == "fail"
    assert finding.message == 'rest[].mode: expected an entry with mode=server, found ["client","number"]'


@pytest.mark.parametrize("rest, shown", [(None, "absent"), ({"mode": "server"}, "object")])
def test_rest_server_fails_on_wrong_type(rest, shown):
    finding = run("CS-REST-SERVER", make_cs(rest=rest))
    assert finding.outcome == "fail"
    assert finding.message == f"rest: expected an array with a mode=server entry, found {shown}"


# ---------------------------------------------------------------- CS-OAUTH-URIS

def test_oauth_uris_passes():
    finding = run("CS-OAUTH-URIS", make_cs())
    assert finding.outcome == "pass"
    assert "authorize, token" in finding.message


def test_oauth_uris_fails_without_token():
    cs = make_cs()
    security(cs)["extension"][0]["extension"].pop()
    finding = run("CS-OAUTH-URIS", cs)
    assert finding.outcome == "fail"
    assert finding.message == "rest[mode=server].security.extension[oauth-uris]: token is absent"


def test_oauth_uris_fails_on_wrong_value_type():
    cs = make_cs()
    security(cs)["extension"][0]["extension"] = [
        {"url": "authorize", "valueUrl": "https://a"},
        {"url": "token", "valueUri": 5},
    ]
    finding = run("CS-OAUTH-URIS", cs)
    assert finding.outcome == "fail"
    assert "authorize carries valueUrl, expected valueUri" in finding.message
    assert "token.valueUri is 5, expected a URI" in finding.message


def test_oauth_uris_names_the_legacy_flat_form():
    cs = make_cs()
    security(cs)["extension"] = [
        {"url": OAUTH_URIS_URL + "#authorize", "valueUri": "https://a/authorize"},
        {"url": OAUTH_URIS_URL + "#token", "valueUri": "https://a/token"},
    ]
    finding = run("CS-OAUTH-URIS", cs)
    assert finding.outcome == "fail"
    assert "pre-SMART-1.0 flat form" in finding.message and '["authorize","token"]' in finding.message
    assert oauth_uris(cs) is None


def test_oauth_uris_names_a_near_miss_url():
    cs = make_cs()
    security(cs)["extension"][0]["url"] = "http://DSTU2/fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
    finding = run("CS-OAUTH-URIS", cs)
    assert finding.outcome == "fail"
    assert "is not exactly " + OAUTH_URIS_URL in finding.message


@pytest.mark.parametrize("sec, expected", [
    (None, "rest[mode=server].security is absent"),
    ([], "rest[mode=server].security is array, expected an object"),
    ({"extension": {"url": OAUTH_URIS_URL}}, "rest[mode=server].security.extension is object, expected an array"),
])
def test_oauth_uris_fails_on_missing_or_junk_security(sec, expected):
    cs = make_cs()
    if sec is None:
        del cs["rest"][0]["security"]
    else:
        cs["rest"][0]["security"] = sec
    finding = run("CS-OAUTH-URIS", cs)
    assert finding.outcome == "fail"
    assert finding.message.endswith(expected)


@pytest.mark.skipif(not SHARED.is_dir(), reason="shared real-world corpus not present")
def test_oauth_uris_fails_on_real_2014_document():
    cs = json.loads((SHARED / "smarthealthit-legacy-2014" / "metadata.json").read_text())
    finding = run("CS-OAUTH-URIS", cs)
    assert finding.outcome == "fail" and "flat form" in finding.message


# ---------------------------------------------------------------- CS-OAUTH-MATCH

WK = {
    "authorization_endpoint": "https://auth.example.org/authorize",
    "token_endpoint": "https://auth.example.org/token",
}


def test_oauth_match_passes_when_urls_agree():
    finding = run("CS-OAUTH-MATCH", make_cs(), dict(WK))
    assert finding.outcome == "pass"
    assert finding.message == "same URLs for authorize, token"


def test_oauth_match_not_applicable_without_discovery_document():
    for sc in (None, [], "x"):
        finding = run("CS-OAUTH-MATCH", make_cs(), sc)
        assert finding.outcome == "not_applicable"
        assert finding.message == "discovery document unavailable"


def test_oauth_match_not_applicable_without_extension():
    cs = make_cs()
    security(cs)["extension"] = []
    finding = run("CS-OAUTH-MATCH", cs, dict(WK))
    assert finding.outcome == "not_applicable"
    assert "oauth-uris extension is absent" in finding.message


def test_oauth_match_fails_on_different_url():
    sc = dict(WK, token_endpoint="https://auth.example.org/oauth2/token")
    finding = run("CS-OAUTH-MATCH", make_cs(), sc)
    assert finding.outcome == "fail"
    assert "token: metadata https://auth.example.org/token vs smart-configuration token_endpoint https://auth.example.org/oauth2/token" in finding.message


def test_oauth_match_one_sided_endpoints_are_info():
    cs = make_cs()
    security(cs)["extension"][0]["extension"].append({"url": "register", "valueUri": "https://auth.example.org/register"})
    sc = dict(WK, revocation_endpoint="https://auth.example.org/revoke")
    finding = run("CS-OAUTH-MATCH", cs, sc)
    assert finding.outcome == "pass"
    assert "INFO: register only in metadata; revocation_endpoint only in smart-configuration" in finding.message


def test_oauth_match_resolves_relative_urls_against_base():
    cs = make_cs()
    security(cs)["extension"][0]["extension"] = [
        {"url": "authorize", "valueUri": "auth/authorize"},
        {"url": "token", "valueUri": "/fhir/r4/auth/token"},
    ]
    sc = {"authorization_endpoint": BASE + "/auth/authorize", "token_endpoint": "https://EHR.example.org/fhir/r4/auth/token"}
    finding = run("CS-OAUTH-MATCH", cs, sc)
    assert finding.outcome == "pass", finding.message


def test_oauth_match_treats_non_string_discovery_value_as_absent():
    finding = run("CS-OAUTH-MATCH", make_cs(), {"authorization_endpoint": WK["authorization_endpoint"], "token_endpoint": 42})
    assert finding.outcome == "pass"
    assert "INFO: token only in metadata" in finding.message


# ---------------------------------------------------------------- CS-SECURITY-SERVICE

@pytest.mark.parametrize("system", [
    "http://hl7.org/fhir/restful-security-service",
    "http://terminology.hl7.org/CodeSystem/restful-security-service",
    "http://hl7.org/fhir/ValueSet/restful-security-service",
    None,
])
def test_security_service_passes_with_any_system(system):
    cs = make_cs()
    security(cs)["service"] = [{"coding": [{"code": "OAuth"}]}, {"coding": [{"system": system, "code": "SMART-on-FHIR"}]}]
    assert run("CS-SECURITY-SERVICE", cs).outcome == "pass"


def test_security_service_fails_with_oauth_only():
    cs = make_cs()
    security(cs)["service"] = [{"coding": [{"code": "OAuth"}]}]
    finding = run("CS-SECURITY-SERVICE", cs)
    assert finding.outcome == "fail"
    assert finding.message == 'rest[mode=server].security.service[].coding[].code: expected SMART-on-FHIR, found ["OAuth"]'


@pytest.mark.parametrize("service, shown", [({"coding": []}, "object"), (None, "absent")])
def test_security_service_fails_on_junk(service, shown):
    cs = make_cs()
    if service is None:
        del security(cs)["service"]
    else:
        security(cs)["service"] = service
    finding = run("CS-SECURITY-SERVICE", cs)
    assert finding.outcome == "fail" and finding.message.endswith(f"found {shown}")


# ---------------------------------------------------------------- accessors

def test_accessors_tolerate_junk():
    cs = make_cs(rest=[None, {"mode": "server", "resource": [None, 3, {"type": 5}, {"type": "Patient", "interaction": "read"},
                                                              {"type": "Patient", "interaction": [{"code": "update"}]}]}])
    assert server_rest(cs)["mode"] == "server"
    listed = resources(cs)
    assert list(listed) == ["Patient"]
    assert interaction_codes(listed["Patient"]) == []  # first entry wins; its interaction is junk
    assert resources({"rest": "x"}) == {} and server_rest([]) is None and resources(None) == {}


def test_declared_profiles_strip_versions_and_read_dstu2_references():
    assert declared_profiles({"profile": "http://p|1.0", "supportedProfile": ["http://s|2", 4, "http://p"]}) == ["http://p", "http://s"]
    assert declared_profiles({"profile": {"reference": "http://old"}}) == ["http://old"]
    assert declared_profiles({"supportedProfile": "http://single"}) == ["http://single"]


JUNK_VALUES = [None, 0, 1.5, True, "x", [], {}, [None], [1, "a"], {"a": None}]


def junk_documents():
    """A valid statement with every interesting path replaced, one at a time, by junk."""
    paths = [("fhirVersion",), ("format",), ("rest",), ("rest", 0), ("rest", 0, "mode"), ("rest", 0, "security"),
             ("rest", 0, "security", "extension"), ("rest", 0, "security", "extension", 0),
             ("rest", 0, "security", "extension", 0, "extension"), ("rest", 0, "security", "extension", 0, "extension", 0),
             ("rest", 0, "security", "service"), ("rest", 0, "security", "service", 0, "coding"),
             ("rest", 0, "resource"), ("rest", 0, "resource", 0), ("rest", 0, "resource", 0, "interaction")]
    for path in paths:
        for junk in JUNK_VALUES:
            cs = make_cs()
            node = cs
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = junk
            yield cs
    yield {"resourceType": "CapabilityStatement"}


@pytest.mark.parametrize("rid", sorted(RULES))
def test_no_rule_raises_on_junk(rid):
    for cs in junk_documents():
        for sc in (None, {}, dict(WK), {"token_endpoint": []}):
            for base in (BASE, "", "http://[::1"):
                finding = run(rid, copy.deepcopy(cs), sc, base)
                assert isinstance(finding, Finding) and finding.outcome in ("pass", "fail", "not_applicable")
                assert finding.message


def test_no_rule_raises_on_random_json():
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    json_value = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5)
        | st.sampled_from(["server", OAUTH_URIS_URL, "SMART-on-FHIR", "authorize", "token", "json"]),
        lambda children: st.lists(children, max_size=3) | st.dictionaries(
            st.sampled_from(["mode", "security", "extension", "url", "valueUri", "service", "coding", "code",
                             "resource", "type", "interaction", "rest", "format", "fhirVersion"]), children, max_size=4),
        max_leaves=20,
    )

    @hypothesis.settings(max_examples=150, deadline=None)
    @hypothesis.given(rest=json_value, fmt=json_value, sc=json_value)
    def check(rest, fmt, sc):
        cs = {"resourceType": "CapabilityStatement", "rest": rest, "format": fmt}
        for rule in RULES.values():
            assert isinstance(rule(CheckContext(capability_statement=cs, smart_config=sc)), Finding)

    check()
