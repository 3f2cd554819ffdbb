"""Every catalogue requirement: a conformant case where it passes and a defective case where it
fails (SHALL) or warns (SHOULD), asserting the exact verdict, through the real suite against
real HTTPS sites on 127.0.0.1.

The table below is the whole test: one row per (requirement, site, persona, item) with the
verdict the suite must give and a piece of the message it must say (the offending field for
fail/warn, the reason for skip).  All sites live on one loopback server and the suite runs ONCE
over all of them (module-scoped; see tests/support/batch.py for why that is not pytester).
"""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from smartcheck.requirements import CATALOGUE
from tests.support.batch import (
    Serve, Site, serve_sites, start_suite, targets_for,
)
from tests.support.mutations import (
    status_for_origin,
    caps_with, caps_without, chain, cs_add_interactions, cs_drop_from_resource, cs_drop_search_param,
    cs_interactions, cs_oauth_uri, cs_only_resources, cs_rest_mode, cs_security, cs_without_oauth_uris,
    drop, json_accept_only, put, reject_authorization, replace_with, require_token, scopes_where,
    scopes_with, scopes_without, smart_1_0,
)
from tests.support.servers import LoopbackServer, Response

TOKEN_ENV = "SMARTCHECK_REQUIREMENTS_TOKEN"
TOKEN = "loopback-bearer-7f3a9c2e51d8"
UNSET_ENV = "SMARTCHECK_REQUIREMENTS_TOKEN_NEVER_SET"
ALL_PERSONAS = ["patient", "provider", "system"]
IPA = {"profiles": ["ipa"]}
AUTH = {"auth": {"bearer_token_env": TOKEN_ENV}}
IPA_SERVER_CS = "http://hl7.org/fhir/uv/ipa/CapabilityStatement/ipa-server"
IPA_EXAMPLE_CS = "http://hl7.org/fhir/uv/ipa/CapabilityStatement/ipa"
V1_ONLY_SCOPES = ["openid", "fhirUser", "launch", "launch/patient", "offline_access",
                  "patient/*.read", "user/*.read", "system/*.read"]
JSON_HEADERS = [("Content-Type", "application/json"), ("Access-Control-Allow-Origin", "*")]

# --- conformant sites: one per configuration the cases need -----------------------------------
# "ok" answers authenticated requests only with the configured token (so WK-AUTHED/CS-AUTHED
# passing proves the credential was sent) and carries expectations that hold.
OK = Site("ok", Serve(handler=require_token(TOKEN)), Serve(handler=require_token(TOKEN)), target={
    "smart_version": "2.2", "personas": ALL_PERSONAS, **IPA, **AUTH,
    "expect": {"resources": {"Patient": "readable", "Observation": "read-only",
                             "Condition": ["read", "search-type"]}}})
OK_20 = Site("ok-20", target={"smart_version": "2.0"})
OK_10 = Site("ok-10", smart_1_0, target={"smart_version": "1.0"})
CONFORMANT = (OK, OK_20, OK_10)

# --- sites shared by several cases ---------------------------------------------------------
AUTHED_401 = Site("authed-401", Serve(handler=reject_authorization), Serve(handler=reject_authorization),
                  target={**IPA, **AUTH})
SECRET_ONLY = Site("auth-methods-secret-only", put("token_endpoint_auth_methods_supported", ["client_secret_basic"]),
                   target={"personas": ["patient", "system"]})
RS256_ONLY = Site("signing-alg-rs256-only", put("token_endpoint_auth_signing_alg_values_supported", ["RS256"]),
                  target={"personas": ["patient", "system"]})
NO_SSO = Site("no-sso", chain(caps_without("sso-openid-connect"), drop("issuer")))
NO_LAUNCH = Site("no-launch-caps", caps_without("launch-ehr", "launch-standalone"))
OAUTH_URIS_ABSENT_22 = Site("oauth-uris-absent-22", capability_statement=cs_without_oauth_uris)
CS_CONFORMANCE = Site("cs-dstu2-conformance", capability_statement=put("resourceType", "Conformance"))
# exactly one SHOULD finding (F-REC-MANAGEMENT): the exit-code runs use it alone
SHOULD_ONLY = Site("should-only", drop("management_endpoint"), target={**IPA})
RES = Site("res", capability_statement=chain(cs_add_interactions("Observation", "create"),
                                             cs_add_interactions("MedicationRequest", "update")),
           target={"expect": {"resources": {"Patient": "writable", "MedicationRequest": "writable",
                                            "Basic": "readable", "Observation": "read-only",
                                            "Condition": ["read", "create"]}}})


@dataclass(frozen=True)
class Case:
    requirement: str
    verdict: str                 # pass | fail | warn | skip
    site: Site
    needle: str = ""             # must be in the message: the offending field / the skip reason
    persona: str = "patient"
    item: str | None = None
    level: str | None = None     # asserted when given (level-dependent requirements)

    def __post_init__(self):
        assert self.requirement in CATALOGUE, self.requirement
        assert self.verdict in ("pass", "fail", "warn", "skip")
        assert self.needle or self.verdict == "pass", f"{self.requirement}: a {self.verdict} case must name what it expects in the message"

    @property
    def id(self) -> str:
        item = f"[{self.item}]" if self.item else ""
        persona = "" if self.persona == "patient" else f"/{self.persona}"
        return f"{self.requirement}{item}-{self.verdict}-{self.site.name}{persona}"


def ok(requirement: str, site: Site = OK, **kw) -> Case:
    return Case(requirement, "pass", site, **kw)


def bad(requirement: str, verdict: str, needle: str, site: Site | None = None, *,
        sc=None, cs=None, cors: bool = True, target: dict | None = None, **kw) -> Case:
    """A defect case; without ``site`` it gets its own site named after the requirement."""
    if site is None:
        site = Site(f"{requirement.lower()}-{verdict}", sc, cs, cors, target or {})
    return Case(requirement, verdict, site, needle, **kw)


def skip(requirement: str, site: Site, reason: str, **kw) -> Case:
    return Case(requirement, "skip", site, reason, **kw)


STATUS_203 = Site("wk-200-203", Serve(status=203))
CAPS_STRING = Site("caps-string", put("capabilities", "launch-standalone client-public"))

CASES: list[Case] = [
    # --- discovery transport ---------------------------------------------------------------
    ok("WK-200"),
    bad("WK-200", "fail", "http_error: HTTP 404", sc=Response(404, [("Content-Type", "text/plain")], "not here")),
    # another 2xx is not 200: WK-200 fails and owns the root cause for every dependent
    bad("WK-200", "fail", "http_error: HTTP 203, expected 200", STATUS_203),
    skip("F-TOKEN", STATUS_203, "depends on WK-200: http_error: HTTP 203, expected 200"),
    skip("WK-JSON", STATUS_203, "depends on WK-200: http_error: HTTP 203, expected 200"),
    ok("WK-JSON"),
    bad("WK-JSON", "fail", "not_json", sc=Serve(replace_with("<!doctype html><html>sign in</html>"))),
    ok("WK-CTYPE"),
    bad("WK-CTYPE", "fail", "Content-Type is 'text/plain'", sc=Serve(content_type="text/plain")),
    ok("WK-ACCEPT"),
    bad("WK-ACCEPT", "fail", "with no Accept header: http_error: HTTP 406", sc=Serve(handler=json_accept_only)),
    skip("WK-ACCEPT", OK_10, "not applicable: WK-ACCEPT applies at SMART App Launch 2.0, 2.1, 2.2; the target declares 1.0"),
    ok("WK-AUTHED"),
    bad("WK-AUTHED", "fail", "with a bearer credential: auth_required: HTTP 401 to a request carrying the configured credential", AUTHED_401),
    skip("WK-AUTHED", SHOULD_ONLY, "needs a credential: WK-AUTHED is checked with a bearer token; set auth.bearer_token_env"),
    skip("WK-AUTHED", Site("ipa-token-env-unset", target={**IPA, "auth": {"bearer_token_env": UNSET_ENV}}),
         f"needs a credential: environment variable {UNSET_ENV} is not set"),
    skip("WK-AUTHED", OK_20, "not applicable: WK-AUTHED applies to targets with profile ipa"),
    ok("WK-SCHEMA"),
    bad("WK-SCHEMA", "fail", "scopes_supported: \"openid fhirUser\" is not of type 'array'",
        sc=put("scopes_supported", "openid fhirUser")),
    ok("WK-ABSOLUTE"),
    bad("WK-ABSOLUTE", "fail", 'management_endpoint is "/oauth/manage"', sc=put("management_endpoint", "/oauth/manage")),
    skip("WK-ABSOLUTE", OK_20, "not applicable: WK-ABSOLUTE applies at SMART App Launch 2.1, 2.2; the target declares 2.0"),
    ok("WK-HTTPS"),
    bad("WK-HTTPS", "fail", 'revocation_endpoint is "http://127.0.0.1/oauth/revoke"',
        sc=put("revocation_endpoint", "http://127.0.0.1/oauth/revoke")),
    ok("WK-CORS", level="SHALL"),
    ok("WK-CORS", OK_20, level="SHOULD"),
    # SMART 2.0 has no CORS SHALL: a missing header is a warning there ...
    bad("WK-CORS", "warn", "no Access-Control-Allow-Origin header", Site("cors-missing-20", cors=False, target={"smart_version": "2.0"}), level="SHOULD"),
    # ... and a failure at 2.1+ for a server that supports public (browser) clients
    bad("WK-CORS", "fail", "no Access-Control-Allow-Origin header", Site("cors-missing-22", cors=False), level="SHALL"),
    # both documents are judged: /metadata refusing Origin-bearing requests is a failure, not half a pass
    bad("WK-CORS", "fail", "metadata: a request with an Origin header answered HTTP 500",
        Site("cors-metadata-500", capability_statement=Serve(handler=status_for_origin(500))), level="SHALL"),
    skip("WK-CORS", Site("cors-no-metadata", capability_statement=Response(404, [("Content-Type", "text/plain")], "no")),
         "depends on CS-200: http_error: HTTP 404"),
    # a capabilities value that is not an array says nothing about what applies
    skip("F-AUTHZ", CAPS_STRING, "depends on F-CAPS: capabilities is a JSON string, not an array"),
    skip("WK-CORS", CAPS_STRING, "depends on F-CAPS: capabilities is a JSON string, not an array"),
    # --- required, conditional, recommended fields ------------------------------------------
    ok("F-TOKEN"),
    bad("F-TOKEN", "fail", "token_endpoint is absent", sc=drop("token_endpoint")),
    ok("F-CAPS"),
    bad("F-CAPS", "fail", "capabilities is []", sc=put("capabilities", [])),
    ok("F-GRANTS"),
    bad("F-GRANTS", "fail", "grant_types_supported is absent", sc=drop("grant_types_supported")),
    skip("F-GRANTS", OK_10, "not applicable: F-GRANTS applies at SMART App Launch 2.0, 2.1, 2.2; the target declares 1.0"),
    ok("F-PKCE"),
    bad("F-PKCE", "fail", "code_challenge_methods_supported is absent", sc=drop("code_challenge_methods_supported")),
    ok("F-AUTHZ"),
    bad("F-AUTHZ", "fail", "authorization_endpoint is absent", sc=drop("authorization_endpoint")),
    skip("F-AUTHZ", NO_LAUNCH, "not applicable: capabilities list none of launch-ehr, launch-standalone"),
    ok("F-ISSUER"),
    bad("F-ISSUER", "fail", "issuer is absent", sc=drop("issuer")),
    skip("F-ISSUER", NO_SSO, "not applicable: capabilities list none of sso-openid-connect"),
    ok("F-JWKS"),
    bad("F-JWKS", "fail", "jwks_uri is absent", sc=drop("jwks_uri")),
    ok("F-ISSUER-OMITTED", NO_SSO),
    bad("F-ISSUER-OMITTED", "warn", "issuer is", sc=caps_without("sso-openid-connect")),
    skip("F-ISSUER-OMITTED", OK, "not applicable: capabilities list sso-openid-connect"),
    ok("F-REC-SCOPES"),
    bad("F-REC-SCOPES", "warn", "scopes_supported is absent", sc=drop("scopes_supported")),
    ok("F-REC-RESPONSE-TYPES"),
    bad("F-REC-RESPONSE-TYPES", "warn", "response_types_supported is absent", sc=drop("response_types_supported")),
    ok("F-REC-MANAGEMENT"),
    bad("F-REC-MANAGEMENT", "warn", "management_endpoint is absent", SHOULD_ONLY),
    ok("F-REC-INTROSPECTION"),
    bad("F-REC-INTROSPECTION", "warn", "introspection_endpoint is absent", sc=drop("introspection_endpoint")),
    ok("F-REC-REVOCATION"),
    bad("F-REC-REVOCATION", "warn", "revocation_endpoint is absent", sc=drop("revocation_endpoint")),
    ok("F-REC-BRANDS"),
    bad("F-REC-BRANDS", "warn", "user_access_brand_bundle is absent", sc=drop("user_access_brand_bundle")),
    skip("F-REC-BRANDS", OK_20, "not applicable: F-REC-BRANDS applies at SMART App Launch 2.2; the target declares 2.0"),
    # --- PKCE -----------------------------------------------------------------------------
    ok("PKCE-S256"),
    bad("PKCE-S256", "fail", 'code_challenge_methods_supported is ["s256"]: "S256" is not listed',
        sc=put("code_challenge_methods_supported", ["s256"])),
    ok("PKCE-NO-PLAIN"),
    skip("PKCE-NO-PLAIN", Site("pkce-absent", drop("code_challenge_methods_supported")),
         "not applicable: code_challenge_methods_supported is absent (F-PKCE reports it)"),
    bad("PKCE-NO-PLAIN", "fail", 'code_challenge_methods_supported is ["S256","plain"]: "plain" SHALL NOT be listed',
        sc=put("code_challenge_methods_supported", ["S256", "plain"])),
    # --- capabilities, grants, scopes ---------------------------------------------------------
    ok("CAP-KNOWN"),
    ok("CAP-KNOWN", OK_10),
    bad("CAP-KNOWN", "warn", '"launch-EHR" (did you mean "launch-ehr"?)', sc=caps_with("launch-EHR")),
    ok("CAP-SET-PATIENT"),
    bad("CAP-SET-PATIENT", "warn", "permission-patient", sc=caps_without("permission-patient")),
    skip("CAP-SET-PATIENT", OK, "not applicable: CAP-SET-PATIENT applies to persona patient, not provider", persona="provider"),
    ok("CAP-SET-PROVIDER", persona="provider"),
    bad("CAP-SET-PROVIDER", "warn", "permission-user", sc=caps_without("permission-user"), target={"personas": ["provider"]}, persona="provider"),
    ok("CAP-V1"),
    bad("CAP-V1", "warn", '"permission-v1" is not listed', sc=caps_without("permission-v1")),
    ok("GRANT-AUTHCODE"),
    bad("GRANT-AUTHCODE", "fail", 'grant_types_supported is ["client_credentials"]: "authorization_code" is not listed',
        sc=put("grant_types_supported", ["client_credentials"])),
    ok("ASYM-METHOD"),
    bad("ASYM-METHOD", "warn", 'token_endpoint_auth_methods_supported is ["client_secret_basic"]: "private_key_jwt" is not listed', SECRET_ONLY),
    ok("ASYM-ALG"),
    bad("ASYM-ALG", "warn", 'token_endpoint_auth_signing_alg_values_supported is ["RS256"]', RS256_ONLY),
    ok("SCOPE-GRAMMAR"),
    bad("SCOPE-GRAMMAR", "warn", "patient/Observation.dus", sc=scopes_with("patient/Observation.dus")),
    ok("SCOPE-V2"),
    bad("SCOPE-V2", "warn", "scopes_supported lists 3 resource scope(s), all v1 syntax", sc=put("scopes_supported", V1_ONLY_SCOPES)),
    ok("SCOPE-V2-ADVERTISED"),
    bad("SCOPE-V2-ADVERTISED", "warn", 'capabilities lacks "permission-v2"', sc=caps_without("permission-v2")),
    ok("SCOPE-OFFLINE"),
    bad("SCOPE-OFFLINE", "warn", '"offline_access" not listed', sc=scopes_without("offline_access")),
    ok("SCOPE-OPENID"),
    bad("SCOPE-OPENID", "warn", '"fhirUser" not listed', sc=scopes_without("fhirUser")),
    # --- IPA SMART obligations ------------------------------------------------------------------
    *(c for code in ("launch-standalone", "context-standalone-patient", "permission-patient", "permission-offline",
                     "sso-openid-connect", "client-public", "client-confidential-asymmetric")
      for c in (ok(f"IPA-CAP-{code.upper()}"),
                bad(f"IPA-CAP-{code.upper()}", "fail", f'"{code}" is not listed', sc=caps_without(code), target=IPA))),
    skip("IPA-CAP-CLIENT-PUBLIC", OK_20, "not applicable: IPA-CAP-CLIENT-PUBLIC applies to targets with profile ipa"),
    # --- backend services (persona system) ------------------------------------------------------
    ok("BS-CAP", persona="system"),
    bad("BS-CAP", "fail", '"client-confidential-asymmetric" is not listed', sc=caps_without("client-confidential-asymmetric"),
        target={"personas": ["system"]}, persona="system"),
    skip("BS-CAP", OK, "not applicable: BS-CAP applies to persona system, not patient"),
    ok("BS-GRANT", persona="system"),
    bad("BS-GRANT", "fail", 'grant_types_supported is ["authorization_code"]: "client_credentials" is not listed',
        sc=put("grant_types_supported", ["authorization_code"]), target={"personas": ["system"]}, persona="system"),
    skip("BS-GRANT", OK, "not applicable: BS-GRANT applies to persona system, not provider", persona="provider"),
    ok("BS-METHOD", persona="system"),
    bad("BS-METHOD", "fail", '"private_key_jwt" is not listed', SECRET_ONLY, persona="system"),
    ok("BS-ALG", persona="system"),
    bad("BS-ALG", "fail", 'token_endpoint_auth_signing_alg_values_supported is ["RS256"]', RS256_ONLY, persona="system"),
    ok("BS-SCOPES", persona="system"),
    bad("BS-SCOPES", "warn", "no system/ resource scope is listed", sc=scopes_where(lambda s: not s.startswith("system/")),
        target={"personas": ["system"]}, persona="system"),
    # --- CapabilityStatement ----------------------------------------------------------------------
    ok("CS-200"),
    bad("CS-200", "fail", "resourceType is 'Conformance' (a DSTU2/pre-R4 Conformance resource)", CS_CONFORMANCE),
    bad("CS-200", "fail", "http_error: HTTP 500", cs=Response(500, [("Content-Type", "text/plain")], "boom")),
    skip("CS-FHIR-VERSION", CS_CONFORMANCE, "depends on CS-200: wrong_resource: resourceType is 'Conformance'"),
    ok("CS-CTYPE"),
    bad("CS-CTYPE", "warn", "Content-Type is 'text/html'", cs=Serve(content_type="text/html")),
    ok("CS-AUTHED"),
    bad("CS-AUTHED", "fail", "GET /metadata with a bearer credential: auth_required: HTTP 401", AUTHED_401),
    skip("CS-AUTHED", SHOULD_ONLY, "needs a credential: CS-AUTHED is checked with a bearer token"),
    ok("CS-FHIR-VERSION"),
    bad("CS-FHIR-VERSION", "fail", 'fhirVersion: expected 4.0.x, found "3.0.2"', cs=put("fhirVersion", "3.0.2")),
    ok("CS-JSON-FORMAT", level="SHALL"),
    # IPA requires JSON; FHIR core only says SHOULD
    bad("CS-JSON-FORMAT", "fail", "format: expected json", Site("cs-json-format-ipa", capability_statement=put("format", ["xml", "application/fhir+xml"]), target=IPA), level="SHALL"),
    bad("CS-JSON-FORMAT", "warn", "format: expected json", Site("cs-json-format-core", capability_statement=put("format", ["xml", "application/fhir+xml"])), level="SHOULD"),
    ok("CS-REST-SERVER"),
    bad("CS-REST-SERVER", "fail", 'rest[].mode: expected an entry with mode=server, found ["client"]', cs=cs_rest_mode("client")),
    ok("CS-OAUTH-URIS"),
    ok("CS-OAUTH-URIS", OK_10, level="SHALL"),
    # SMART 1.0 requires the extension; 2.x deprecates it, so its absence is INFO only
    bad("CS-OAUTH-URIS", "fail", "oauth-uris extension", Site("oauth-uris-absent-10", smart_1_0, cs_without_oauth_uris, target={"smart_version": "1.0"}), level="SHALL"),
    Case("CS-OAUTH-URIS", "pass", OAUTH_URIS_ABSENT_22, "INFO (not a failure at this version): oauth-uris extension", level="INFO"),
    ok("CS-OAUTH-MATCH"),
    ok("CS-OAUTH-MATCH", OK_10, level="SHALL"),
    bad("CS-OAUTH-MATCH", "warn", "token: metadata https://elsewhere.example/token", Site("oauth-match-22", capability_statement=cs_oauth_uri("token", "https://elsewhere.example/token")), level="SHOULD"),
    bad("CS-OAUTH-MATCH", "fail", "token: metadata https://elsewhere.example/token", Site("oauth-match-10", smart_1_0, cs_oauth_uri("token", "https://elsewhere.example/token"), target={"smart_version": "1.0"}), level="SHALL"),
    skip("CS-OAUTH-MATCH", OAUTH_URIS_ABSENT_22, "not applicable: the oauth-uris extension is absent"),
    ok("CS-SECURITY-SERVICE"),
    bad("CS-SECURITY-SERVICE", "warn", "rest[mode=server].security.service", cs=cs_security(lambda sec: sec.pop("service"))),
    # --- IPA server CapabilityStatement ------------------------------------------------------------
    ok("IPA-INSTANTIATES", level="SHALL"),
    # only the IG example's ".../ipa" form: a warning; nothing at all: a failure
    bad("IPA-INSTANTIATES", "warn", f"only the non-normative .../ipa form ({IPA_EXAMPLE_CS}", Site("ipa-instantiates-example-form", capability_statement=put("instantiates", [IPA_EXAMPLE_CS]), target=IPA), level="SHOULD"),
    bad("IPA-INSTANTIATES", "fail", f"instantiates: expected an array including {IPA_SERVER_CS}, found absent", Site("ipa-instantiates-absent", capability_statement=drop("instantiates"), target=IPA), level="SHALL"),
    skip("IPA-INSTANTIATES", OK_20, "not applicable: IPA-INSTANTIATES applies to targets with profile ipa"),
    ok("IPA-PATIENT"),
    bad("IPA-PATIENT", "fail", 'searchParam missing ["identifier"]', cs=cs_drop_search_param("Patient", "identifier"), target=IPA),
    ok("IPA-ANOTHER-RESOURCE"),
    bad("IPA-ANOTHER-RESOURCE", "fail", 'found types ["Patient"]', cs=cs_only_resources("Patient"), target=IPA),
    ok("IPA-INTERACTIONS", item="Observation"),
    bad("IPA-INTERACTIONS", "fail", 'resource[type=Observation].interaction: expected ["read","search-type"], missing ["search-type"]',
        cs=cs_interactions("Observation", "read"), target=IPA, item="Observation"),
    skip("IPA-INTERACTIONS", OK, "not applicable: IPA-PATIENT covers Patient", item="Patient"),
    ok("IPA-SEARCH-PARAMS", item="Condition"),
    bad("IPA-SEARCH-PARAMS", "fail", 'resource[type=Condition].searchParam: expected ["patient"], missing ["patient"]',
        cs=cs_drop_search_param("Condition", "patient"), target=IPA, item="Condition"),
    skip("IPA-SEARCH-PARAMS", OK, "not applicable: IPA has no SHALL single search parameter for Observation", item="Observation"),
    skip("IPA-SEARCH-PARAMS", Site("ipa-patient-only", capability_statement=cs_only_resources("Patient"), target=IPA),
         "not applicable: Condition is not listed in rest[mode=server].resource", item="Condition"),
    ok("IPA-DOCREF"),
    bad("IPA-DOCREF", "fail", "resource[type=DocumentReference].operation: expected name docref",
        cs=cs_drop_from_resource("DocumentReference", "operation"), target=IPA),
    ok("IPA-PROFILES", item="Medication"),
    bad("IPA-PROFILES", "fail", "resource[type=Medication].profile/supportedProfile: expected http://hl7.org/fhir/uv/ipa/StructureDefinition/ipa-medication",
        cs=cs_drop_from_resource("Medication", "profile", "supportedProfile"), target=IPA, item="Medication"),
    ok("IPA-XML"),
    bad("IPA-XML", "warn", "format: expected xml", cs=put("format", ["json", "application/fhir+json"]), target=IPA),
    # --- operator expectations (items: "Type" or "Type:interaction") ---------------------------------
    ok("RES-READABLE", item="Patient"),
    bad("RES-READABLE", "fail", "Basic is not listed in rest[mode=server].resource", RES, item="Basic"),
    skip("RES-READABLE", OK_20, "not applicable: targets.yaml names no expect.resources entry that RES-READABLE checks for ok-20"),
    ok("RES-WRITABLE", RES, item="MedicationRequest"),
    bad("RES-WRITABLE", "fail", "resource[type=Patient].interaction: expected one of", RES, item="Patient"),
    ok("RES-INTERACTION", item="Condition:search-type"),
    bad("RES-INTERACTION", "fail", "resource[type=Condition].interaction: expected create", RES, item="Condition:create"),
    ok("RES-NOT-WRITABLE", item="Observation"),
    bad("RES-NOT-WRITABLE", "fail", 'expected no write interaction, found ["create"]', RES, item="Observation"),
]


def all_sites() -> list[Site]:
    sites: dict[str, Site] = {site.name: site for site in CONFORMANT}
    for case in CASES:
        known = sites.setdefault(case.site.name, case.site)
        assert known is case.site or known == case.site, f"two different sites named {case.site.name!r}"
    return list(sites.values())


@pytest.fixture(scope="module")
def suite_runs(tmp_path_factory):
    """One server, every site; the main run plus the two exit-code runs, started together."""
    root = tmp_path_factory.mktemp("requirements")
    sites = all_sites()
    with LoopbackServer() as server:
        ca = server.ca.write_pem(root / "ca.pem")
        targets = targets_for(sites, serve_sites(server, sites), ca)
        env = {TOKEN_ENV: TOKEN}
        pending = {
            "all": start_suite(root / "all", targets, env=env),
            "should-only": start_suite(root / "should-only", targets, f"--target={SHOULD_ONLY.name}", env=env),
            "should-only-strict": start_suite(root / "should-only-strict", targets, f"--target={SHOULD_ONLY.name}", "--strict", env=env),
        }
        runs = {name: p.result() for name, p in pending.items()}
    assert runs["all"].cases, runs["all"].output
    return runs


@pytest.fixture(scope="module")
def run(suite_runs):
    return suite_runs["all"]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_verdict(run, case: Case):
    found = run.case(case.requirement, case.site.name, case.persona, case.item)
    where = f"{case.requirement} on {case.site.name}/{case.persona}" + (f" [{case.item}]" if case.item else "")
    assert found.verdict == case.verdict, f"{where}: {found.verdict} ({found.message})"
    assert case.needle in found.message, f"{where}: message does not say {case.needle!r}: {found.message}"
    if case.level:
        assert found.properties.get("level") == case.level, f"{where}: level {found.properties.get('level')}"


def test_citation_follows_the_graded_level(run):
    """CS-JSON-FORMAT is SHALL by IPA's CapabilityStatement but only SHOULD by FHIR core: each
    verdict cites the text that grades it."""
    ipa = run.case("CS-JSON-FORMAT", "cs-json-format-ipa")
    core = run.case("CS-JSON-FORMAT", "cs-json-format-core")
    assert ipa.properties["spec"] == "http://hl7.org/fhir/uv/ipa/STU1.1/CapabilityStatement-ipa-server.html"
    assert core.properties["spec"] == "http://hl7.org/fhir/R4/http.html#mime-type"
    assert core.message.endswith("(FHIR R4, http.html#mime-type)")


def test_every_requirement_has_a_passing_and_a_failing_case():
    """A catalogue ID added without a row here fails this test."""
    passing = {c.requirement for c in CASES if c.verdict == "pass"}
    failing = {c.requirement for c in CASES if c.verdict in ("fail", "warn")}
    assert set(CATALOGUE) - passing == set(), "no conformant case"
    assert set(CATALOGUE) - failing == set(), "no defective case"


def test_conformant_sites_have_no_findings(run):
    for site in CONFORMANT:
        findings = [f"{c.properties.get('requirement')}/{c.properties.get('persona')}: {c.verdict} {c.message}"
                    for c in run.cases if c.properties.get("target") == site.name and c.verdict not in ("pass", "skip")]
        assert not findings, f"{site.name}: {findings}"


def test_every_testcase_has_a_verdict_and_none_is_an_error(run):
    assert len(run.cases) >= 100 * len(all_sites())
    assert [c.name for c in run.cases if c.verdict not in ("pass", "fail", "warn", "skip")] == []


def test_exit_codes(suite_runs):
    # SHALL failures fail the run
    assert suite_runs["all"].ret == 1
    # a run whose only finding is a SHOULD warning passes, and fails under --strict
    lenient, strict = suite_runs["should-only"], suite_runs["should-only-strict"]
    verdicts = [c.verdict for c in lenient.cases]
    assert verdicts.count("warn") == 1 and set(verdicts) == {"pass", "skip", "warn"}, lenient.output
    assert lenient.ret == 0, lenient.output
    assert strict.ret == 1, strict.output
    assert strict.verdict("F-REC-MANAGEMENT", SHOULD_ONLY.name) == "fail"
