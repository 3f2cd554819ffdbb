"""The real suite over every real-world discovery document in shared/realworld, served byte for
byte from one loopback server, in one run (``--target=all``).

What must hold for messy real input: no verdict is ``error``, no testcase carries a Python
traceback, every requirement has a verdict for every site and persona.  Then a set of verdicts
on named documents, each defensible from the spec text quoted beside it.

Each vendor is judged as SMART 2.0 (no document declares a version; none uses a 2.1/2.2-only
field), personas patient, provider and system.  Profile ipa and a small expect.resources are on
so that every rule, not only the SMART ones, runs against real statements; the IPA/RES verdicts
are not claims about what these vendors promise.
"""
from __future__ import annotations

import json
import re

import pytest

from smartcheck.requirements import CATALOGUE
from tests.support.batch import start_suite
from tests.support.servers import LoopbackServer
from tests.support.realworld import REALWORLD, corpus_sites, serve_corpus

pytestmark = pytest.mark.skipif(not REALWORLD.is_dir(), reason=f"real-world corpus not found at {REALWORLD}")

PERSONAS = ["patient", "provider", "system"]
SMART_VERSION = {}  # vendor -> version, only where a document clearly says otherwise than 2.0
EXPECT = {"resources": {"Patient": "read-only", "Observation": ["read", "search-type"]}}
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|\.py:\d+: [A-Za-z]*(Error|Exception)|^E +", re.M)


def _sites():
    return corpus_sites() if REALWORLD.is_dir() else []


@pytest.fixture(scope="module")
def corpus():
    return _sites()


@pytest.fixture(scope="module")
def run(corpus, tmp_path_factory):
    root = tmp_path_factory.mktemp("realworld")
    with LoopbackServer() as server:
        ca = server.ca.write_pem(root / "ca.pem")
        bases = serve_corpus(server, corpus)
        targets = {site.name: {
            "base_url": bases[site.name], "ca_bundle": str(ca),
            "smart_version": SMART_VERSION.get(site.vendor, "2.0"), "profiles": ["ipa"], "expect": EXPECT,
            # a statement-only site has no discovery document, so every persona-specific rule
            # would be skipped on WK-200 alike: one persona is enough
            "personas": ["patient"] if site.metadata_only else PERSONAS,
        } for site in corpus}
        result = start_suite(root, targets).result()
    assert result.cases, result.output
    return result


def test_every_discovery_document_is_a_site(corpus):
    served = {site.smart_config for site in corpus if site.smart_config}
    assert served == set(REALWORLD.glob("*/smart-configuration*.json"))
    assert {site.capability_statement for site in corpus if site.capability_statement} == set(REALWORLD.glob("*/metadata*.json"))


def test_no_error_verdict_and_no_traceback(run):
    assert "INTERNALERROR" not in run.output
    assert [c.name for c in run.cases if c.verdict not in ("pass", "fail", "warn", "skip")] == []
    assert [c.name for c in run.cases if TRACEBACK.search(c.text)] == []


def test_every_requirement_has_a_verdict_for_every_site_and_persona(run, corpus):
    seen: dict[tuple[str, str], set[str]] = {}
    for case in run.cases:
        p = case.properties
        seen.setdefault((p["target"], p["persona"]), set()).add(p["requirement"])
    expected = {(site.name, persona) for site in corpus for persona in (["patient"] if site.metadata_only else PERSONAS)}
    assert set(seen) == expected
    assert {key: sorted(set(CATALOGUE) - ids) for key, ids in seen.items() if ids != set(CATALOGUE)} == {}


def _is_conformance(site) -> bool:
    return json.loads(site.capability_statement.read_bytes()).get("resourceType") == "Conformance"


def test_pre_r4_conformance_fails_cs_200_and_its_dependents_skip(run, corpus):
    dstu2 = [site for site in corpus if site.capability_statement and _is_conformance(site)]
    assert len(dstu2) >= 4  # allscripts, cerner-oracle, epic, meditech
    for site in dstu2:
        cs_200 = run.case("CS-200", site.name, "patient")
        # FHIR R4 http.html#capabilities: /metadata returns a CapabilityStatement; DSTU2's Conformance is not one
        assert cs_200.verdict == "fail" and "resourceType is 'Conformance'" in cs_200.message, (site.name, cs_200.message)
        skipped = run.case("CS-FHIR-VERSION", site.name, "patient")
        assert skipped.verdict == "skip" and skipped.message.startswith("depends on CS-200: wrong_resource"), skipped.message


# (site, persona, requirement, verdict, text the message must contain)
VERDICTS = [
    # "The S256 method SHALL be included in this list" -- code_challenge_methods_supported is ["S256"]
    ("epic-sandbox", "patient", "PKCE-S256", "pass", 'includes "S256"'),
    # "...and the plain method SHALL NOT be included" -- it is not
    ("epic-sandbox", "patient", "PKCE-NO-PLAIN", "pass", ""),
    # extension scopes are full URIs or start with "__"; "epic.scanning.dmsusername" is neither (SHOULD)
    ("epic-sandbox", "patient", "SCOPE-GRAMMAR", "warn", '"epic.scanning.dmsusername"'),
    # backend services: token_endpoint_auth_signing_alg_values_supported "(with values that include at least one of RS384, ES384)" -- field absent
    ("epic-sandbox", "system", "BS-ALG", "fail", "token_endpoint_auth_signing_alg_values_supported is absent"),
    # fhirVersion 4.0.1 is R4
    ("epic-sandbox", "patient", "CS-FHIR-VERSION", "pass", "fhirVersion is 4.0.1"),
    # the body `{}` is a JSON object ...
    ("smilecdr-jhp-provider-directory", "patient", "WK-JSON", "pass", ""),
    # ... but token_endpoint is REQUIRED
    ("smilecdr-jhp-provider-directory", "patient", "F-TOKEN", "fail", "token_endpoint is absent"),
    # capabilities is REQUIRED
    ("smilecdr-jhp-provider-directory", "patient", "F-CAPS", "fail", "capabilities is absent"),
    # only authorization_endpoint and token_endpoint: capabilities (REQUIRED) is missing
    ("devoted-health", "patient", "F-CAPS", "fail", "capabilities is absent"),
    ("devoted-health", "patient", "F-TOKEN", "pass", ""),
    # code_challenge_methods_supported is REQUIRED in 2.x and must include S256
    ("devoted-health", "patient", "PKCE-S256", "fail", "code_challenge_methods_supported is absent"),
    # launch-standalone + context-standalone-patient + permission-patient + client-confidential-symmetric
    # = "Patient Access for Standalone Apps"
    ("cms-bluebutton-live", "patient", "CAP-SET-PATIENT", "pass", '"Patient Access for Standalone Apps"'),
    # backend services require client-confidential-asymmetric; Blue Button advertises symmetric only
    ("cms-bluebutton-live", "system", "BS-CAP", "fail", '"client-confidential-asymmetric" is not listed'),
    # grant_types_supported is ["authorization_code"]: "client_credentials (when SMART Backend Services is supported)"
    ("cms-bluebutton-live", "system", "BS-GRANT", "fail", '"client_credentials" is not listed'),
    # lists .rs scopes and advertises permission-v2
    ("cms-bluebutton-live", "patient", "SCOPE-V2-ADVERTISED", "pass", ""),
    # the OpenAPI example lists v2 scopes (patient/Patient.r, .s, .rs) without permission-v2 (SHOULD)
    ("cms-bluebutton", "patient", "SCOPE-V2-ADVERTISED", "warn", 'capabilities lacks "permission-v2"'),
    # same vendor document: oauth-uris revoke .../v2/o/revoke/ vs revocation_endpoint .../v2/o/revoke_token/
    ("cms-bluebutton", "patient", "CS-OAUTH-MATCH", "warn", "revoke: metadata https://sandbox.bluebutton.cms.gov/v2/o/revoke/"),
    # RFC 6749 §3.1/3.2: authorization and token endpoints MUST use TLS; the local launcher serves http://
    ("smart-launcher-v2-local", "patient", "WK-HTTPS", "fail", 'token_endpoint is "http://127.0.0.1:18080/v/r4/auth/token"'),
    # recorded Content-Type "application/json; charset=utf-8": media-type parameters are allowed
    ("smart-launcher-v2-local", "patient", "WK-CTYPE", "pass", "application/json; charset=utf-8"),
    # "context-passthrough-banner" is neither a SMART 2.0 capability code nor a full URI (SHOULD)
    ("smart-launcher-v2-local", "patient", "CAP-KNOWN", "warn", '"context-passthrough-banner"'),
    # permission-v2 advertised, but every resource scope is v1 (patient/*.*, user/*.*) (SHOULD)
    ("smart-launcher-v2-local", "patient", "SCOPE-V2", "warn", "all v1 syntax"),
    # DSTU2 Conformance paired with this Lantern capture: not an R4 CapabilityStatement ...
    ("cerner-oracle-authorization-tenant", "patient", "CS-200", "fail", "resourceType is 'Conformance'"),
    # ... so statement content is not judged
    ("cerner-oracle-authorization-tenant", "patient", "CS-FHIR-VERSION", "skip", "depends on CS-200"),
    # jwks_uri: "Required if the server's capabilities include sso-openid-connect" -- advertised, absent
    ("cerner-oracle-authorization-tenant", "patient", "F-JWKS", "fail", "jwks_uri is absent"),
    # grant_types_supported is REQUIRED in 2.0
    ("cerner-oracle-authorization-tenant", "patient", "F-GRANTS", "fail", "grant_types_supported is absent"),
    # issuer: "Required if the server's capabilities include sso-openid-connect" -- advertised, absent
    ("cerner-soarian-patient", "patient", "F-ISSUER", "fail", "issuer is absent"),
    # "fhiruser" is not "fhirUser": scopes are case-sensitive (SHOULD list openid and fhirUser)
    ("cerner-soarian-patient", "patient", "SCOPE-OPENID", "warn", '"fhiruser" differs in case'),
    ("cerner-soarian-patient", "patient", "CAP-SET-PATIENT", "pass", '"Patient Access for Standalone Apps"'),
    # grant_types_supported REQUIRED in 2.0; this sandbox omits it
    ("tsys-fhirsandbox", "patient", "F-GRANTS", "fail", "grant_types_supported is absent"),
    # launch-ehr without context-ehr-patient / context-ehr-encounter: no Clinician Access set (SHOULD)
    ("tsys-fhirsandbox", "provider", "CAP-SET-PROVIDER", "warn", '"context-ehr-patient"'),
    # the ONC reference server advertises the full backend services surface
    ("inferno-reference-server", "system", "BS-CAP", "pass", ""),
    ("inferno-reference-server", "system", "BS-GRANT", "pass", ""),
    ("inferno-reference-server", "system", "BS-METHOD", "pass", ""),
    ("inferno-reference-server", "system", "BS-ALG", "pass", ""),
    ("inferno-reference-server", "system", "BS-SCOPES", "pass", "system/"),
    # response_types_supported is RECOMMENDED; absent here
    ("nextgen-enterprise", "patient", "F-REC-RESPONSE-TYPES", "warn", "response_types_supported is absent"),
    # "health-cards" is not a SMART code; other organisations' capabilities SHALL be full URIs (SHOULD here)
    ("athenahealth", "patient", "CAP-KNOWN", "warn", '"health-cards"'),
    # leading newline and 10-space indentation, as captured: still a JSON object
    ("advancedmd", "patient", "WK-JSON", "pass", ""),
    # an STU3 statement says fhirVersion 3.0.1
    ("epic-metadata-stu3", "patient", "CS-FHIR-VERSION", "fail", 'found "3.0.1"'),
    # 4.0.0 is an R4 version (4.0.x)
    ("smarthealthit-r4-smilecdr-metadata", "patient", "CS-FHIR-VERSION", "pass", "4.0.0"),
    # 2014 fixture: fhirVersion 0.0.82
    ("smarthealthit-legacy-2014-metadata", "patient", "CS-FHIR-VERSION", "fail", 'found "0.0.82"'),
    # only the pre-1.0 flat oauth-uris#authorize form; the extension is deprecated in 2.x, so INFO, not a failure
    ("smarthealthit-legacy-2014-metadata", "patient", "CS-OAUTH-URIS", "pass", "INFO (not a failure at this version)"),
    # open HAPI directory: no rest.security at all, so no SMART-on-FHIR service code (SHOULD)
    ("hapi-devoted-directory-metadata", "patient", "CS-SECURITY-SERVICE", "warn", "security is absent"),
    # the live Oracle Health open sandbox answers 404 at .well-known/smart-configuration (SOURCES.md)
    ("oracle-health-open-metadata", "patient", "WK-200", "fail", "http_error: HTTP 404"),
]


@pytest.mark.parametrize("site,persona,requirement,verdict,needle", VERDICTS,
                         ids=[f"{s}/{p}-{r}-{v}" for s, p, r, v, _ in VERDICTS])
def test_realworld_verdict(run, site, persona, requirement, verdict, needle):
    case = run.case(requirement, site, persona)
    assert case.verdict == verdict, f"{site}/{persona} {requirement}: {case.verdict} ({case.message})"
    assert needle in case.message, f"{site}/{persona} {requirement}: {case.message}"
