"""The embedded reference target serves its three documents correctly over TLS.

Why: the reference target is the suite's known-good baseline; if it drifts, every suite run
against it becomes meaningless.
"""

import re
import ssl
from urllib.parse import urlsplit

import httpx
import pytest

from smartcheck.reference import start_reference_server
from smartcheck.reference.documents import OAUTH_URIS_EXT, OAUTH_URIS_FIELDS, ipa_profile

PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with start_reference_server(tmp_path_factory.mktemp("ref")) as srv:
        yield srv


@pytest.fixture(scope="module")
def client(server):
    context = ssl.create_default_context(cafile=str(server.ca_path))
    with httpx.Client(verify=context, timeout=5) as c:
        yield c


def test_base_url_and_ca(server):
    assert server.base_url.startswith("https://127.0.0.1:")
    assert server.base_url.endswith("/fhir")
    assert server.ca_path.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


@pytest.mark.parametrize("accept", [None, "application/json", "application/fhir+json", "text/html"])
def test_smart_configuration_is_json_whatever_the_accept(server, client, accept):
    headers = {"Accept": accept} if accept else {}
    r = client.get(f"{server.base_url}/.well-known/smart-configuration", headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json()["token_endpoint"].startswith("https://127.0.0.1:")


def test_metadata_content_type_and_shape(server, client):
    r = client.get(f"{server.base_url}/metadata", headers={"Accept": "application/fhir+json"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/fhir+json"
    cs = r.json()
    assert cs["resourceType"] == "CapabilityStatement"
    assert cs["fhirVersion"] == "4.0.1"
    resources = {res["type"]: res for res in cs["rest"][0]["resource"]}
    assert len(resources) == 11
    for type_, res in resources.items():
        assert ipa_profile(type_) == res["profile"]
        codes = {i["code"] for i in res["interaction"]}
        assert "read" in codes and not codes & {"create", "update", "patch", "delete"}
    assert {"_id", "identifier"} <= {p["name"] for p in resources["Patient"]["searchParam"]}
    assert resources["DocumentReference"]["operation"][0]["name"] == "docref"


def test_jwks_is_public_only(server, client):
    r = client.get(f"{server.base_url}/.well-known/jwks.json")
    assert r.status_code == 200
    keys = r.json()["keys"]
    assert sorted((k["kty"], k["alg"]) for k in keys) == [("EC", "ES384"), ("RSA", "RS384")]
    assert next(k for k in keys if k["kty"] == "EC")["crv"] == "P-384"
    for key in keys:
        assert not PRIVATE_JWK_MEMBERS & key.keys(), key


@pytest.mark.parametrize("path", ["/.well-known/smart-configuration", "/metadata"])
def test_cors_echoes_origin(server, client, path):
    r = client.get(server.base_url + path, headers={"Origin": "https://app.example"})
    assert r.headers["access-control-allow-origin"] == "https://app.example"
    assert client.get(server.base_url + path).headers["access-control-allow-origin"] == "*"


def test_cors_preflight(server, client):
    r = client.options(f"{server.base_url}/metadata", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "https://app.example"
    assert "GET" in r.headers["access-control-allow-methods"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_405(server, client, method):
    r = client.request(method, f"{server.base_url}/metadata", json={})
    assert r.status_code == 405
    assert r.headers["access-control-allow-origin"] == "*"


def test_unknown_path_is_404_operation_outcome(server, client):
    r = client.get(f"{server.base_url}/Patient/123")
    assert r.status_code == 404
    assert r.json()["resourceType"] == "OperationOutcome"


def test_authenticated_requests_are_served_and_logged(server, client):
    r = client.get(f"{server.base_url}/metadata", headers={"Authorization": "Bearer abc"})
    assert r.status_code == 200
    method, path, headers = server.request_log[-1]
    assert (method, path) == ("GET", "/fhir/metadata")
    assert headers["Authorization"] == "Bearer abc"


def test_oauth_uris_match_smart_configuration(server, client):
    wk = client.get(f"{server.base_url}/.well-known/smart-configuration").json()
    cs = client.get(f"{server.base_url}/metadata").json()
    security = cs["rest"][0]["security"]
    ext = next(e for e in security["extension"] if e["url"] == OAUTH_URIS_EXT)
    uris = {sub["url"]: sub["valueUri"] for sub in ext["extension"]}
    assert set(uris) == set(OAUTH_URIS_FIELDS)
    for name, value in uris.items():
        assert wk[OAUTH_URIS_FIELDS[name]] == value
    assert security["service"][0]["coding"][0]["code"] == "SMART-on-FHIR"


def test_two_servers_in_one_process(tmp_path):
    with start_reference_server(tmp_path) as a, start_reference_server(tmp_path) as b:
        assert a.base_url != b.base_url and a.ca_path != b.ca_path
        for srv in (a, b):
            context = ssl.create_default_context(cafile=str(srv.ca_path))
            with httpx.Client(verify=context, timeout=5) as c:
                assert c.get(f"{srv.base_url}/metadata").status_code == 200
    assert not a.ca_path.exists()


URL_FIELDS = ("issuer", "jwks_uri", "user_access_brand_bundle")
V2_SCOPE = r"(patient|user|system)/(\*|[A-Z][A-Za-z]+)\.(?=[cruds])c?r?u?d?s?(\?[^=&\s]+=[^&\s]*(&[^=&\s]+=[^&\s]*)*)?"
OTHER_SCOPE = r"launch(/[a-z]+)?|openid|fhirUser|offline_access|online_access"
IPA_CAPS = {"launch-standalone", "context-standalone-patient", "permission-patient",
            "permission-offline", "sso-openid-connect", "client-public",
            "client-confidential-asymmetric"}


def test_smart_configuration_meets_catalogue(server):
    """Spot-checks the catalogue's SHALL/SHOULD items for all personas and profile ipa."""
    wk = server.smart_configuration
    origin = urlsplit(server.base_url)[:2]
    for name, value in wk.items():
        if name in URL_FIELDS or name.endswith("_endpoint"):
            assert urlsplit(value)[:2] == origin, name
    caps = set(wk["capabilities"])
    assert IPA_CAPS <= caps and {"permission-v1", "permission-v2", "permission-user"} <= caps
    assert {"launch-ehr", "context-ehr-patient", "context-ehr-encounter"} <= caps
    assert wk["code_challenge_methods_supported"] == ["S256"]
    assert {"authorization_code", "client_credentials"} <= set(wk["grant_types_supported"])
    assert "private_key_jwt" in wk["token_endpoint_auth_methods_supported"]
    assert {"RS384", "ES384"} <= set(wk["token_endpoint_auth_signing_alg_values_supported"])
    for scope in wk["scopes_supported"]:
        assert re.fullmatch(V2_SCOPE, scope) or re.fullmatch(OTHER_SCOPE, scope), scope
    assert {"openid", "fhirUser", "offline_access"} <= set(wk["scopes_supported"])
    assert any(s.startswith("system/") for s in wk["scopes_supported"])
    assert wk["user_access_brand_identifier"]["value"]
    for field in ("response_types_supported", "management_endpoint", "introspection_endpoint",
                  "revocation_endpoint", "user_access_brand_bundle"):
        assert wk[field], field
