"""The requirement catalogue as data: ID, level, applicability and citation.

IDs and levels come from ``shared/spec/CATALOGUE.md`` (a public contract).  Only the
requirements this suite implements are listed; the runner reads applicability from here
so that no test carries version or persona ``if`` chains.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

Level = Literal["SHALL", "SHOULD", "INFO"]
Document = Literal["smart_config", "capability_statement"]

SMART_VERSIONS = ("1.0", "2.0", "2.1", "2.2")
PERSONAS = ("patient", "provider", "system")
ALL_VERSIONS = frozenset(SMART_VERSIONS)
V2_PLUS = frozenset({"2.0", "2.1", "2.2"})
V21_PLUS = frozenset({"2.1", "2.2"})

CATALOGUE_VERSION = "2026-11"  # the CATALOGUE.md revision these IDs were taken from

_SAL_BASE = {
    "1.0": "http://hl7.org/fhir/smart-app-launch/1.0.0/",
    "2.0": "http://hl7.org/fhir/smart-app-launch/STU2/",
    "2.1": "http://hl7.org/fhir/smart-app-launch/STU2.1/",
    "2.2": "http://hl7.org/fhir/smart-app-launch/STU2.2/",
}
_SAL_1_0_PAGES = {  # SMART 1.0 used folder pages
    "conformance.html": "conformance/index.html",
    "scopes-and-launch-context.html": "scopes-and-launch-context/index.html",
    "app-launch.html": "index.html",
}
_SPEC_BASE = {
    "IPA": "http://hl7.org/fhir/uv/ipa/STU1.1/",
    "FHIR R4": "http://hl7.org/fhir/R4/",
    "RFC 6749": "https://www.rfc-editor.org/rfc/",
}


@dataclass(frozen=True)
class Citation:
    spec: str   # "SAL" (SMART App Launch, versioned by target), "IPA", "FHIR R4", "RFC 6749"
    page: str   # page and anchor, e.g. "conformance.html#metadata"
    since: str | None = None  # first SMART version with this text: older targets cite that version

    def _version(self, smart_version: str) -> str:
        if self.since and SMART_VERSIONS.index(smart_version) < SMART_VERSIONS.index(self.since):
            return self.since
        return smart_version

    def label(self, smart_version: str) -> str:
        name = f"SMART App Launch {self._version(smart_version)}" if self.spec == "SAL" else self.spec
        return f"{name}, {self.page}"

    def url(self, smart_version: str) -> str:
        if self.spec == "SAL":
            smart_version = self._version(smart_version)
            page = self.page
            if smart_version == "1.0":
                name, _, anchor = page.partition("#")
                page = _SAL_1_0_PAGES.get(name, name) + (f"#{anchor}" if anchor else "")
            return _SAL_BASE.get(smart_version, _SAL_BASE["2.2"]) + page
        return _SPEC_BASE[self.spec] + self.page


@dataclass(frozen=True)
class Requirement:
    id: str
    level: Level
    text: str
    cite: Citation
    versions: frozenset[str] = ALL_VERSIONS
    personas: frozenset[str] = frozenset(PERSONAS)
    profile: str | None = None          # e.g. "ipa": only for targets with that profile
    caps_any: tuple[str, ...] = ()      # applies when any of these is in `capabilities`...
    caps_gate_versions: frozenset[str] = ALL_VERSIONS  # ...at these SMART versions (always at others)
    caps_none: tuple[str, ...] = ()     # applies only when none of these is in `capabilities`
    caps_level: bool = False            # its level depends on `capabilities`
    needs: tuple[Document, ...] = ()    # documents that must have been retrieved and parsed
    needs_fetched: tuple[Document, ...] = ()  # documents that must have been retrieved (WK-200 passed)
    probes: tuple[str, ...] = ()        # requests its transport rule judges (smartcheck.documents.PROBES)
    needs_credential: bool = False
    items: str | None = None            # "ipa_resources" | "expectations": one test per item
    level_rule: Callable[["LevelFacts"], Level] | None = field(default=None, compare=False)
    should_cite: Citation | None = None  # where a level_rule grades it SHOULD, the text that says so
    applies: str = "always"             # the catalogue's "Applies" column, for reports


@dataclass(frozen=True)
class LevelFacts:
    """What a level rule may consult."""

    smart_version: str
    profiles: frozenset[str]
    capabilities: tuple[str, ...]
    downgrade: bool = False   # the rule reported a finding the catalogue grades one level lower


def _cors_level(f: LevelFacts) -> Level:
    return "SHALL" if f.smart_version in V21_PLUS and "client-public" in f.capabilities else "SHOULD"


def _json_format_level(f: LevelFacts) -> Level:
    return "SHALL" if "ipa" in f.profiles else "SHOULD"


def _oauth_uris_level(f: LevelFacts) -> Level:
    return "SHALL" if f.smart_version == "1.0" else "INFO"


def _oauth_match_level(f: LevelFacts) -> Level:
    return "SHALL" if f.smart_version == "1.0" else "SHOULD"


def _instantiates_level(f: LevelFacts) -> Level:
    return "SHOULD" if f.downgrade else "SHALL"


def _sal(page: str) -> Citation:
    return Citation("SAL", page)


_META = "conformance.html#metadata"
_WK = "conformance.html#using-well-known"
_CAPS = "conformance.html#capabilities"
_SETS = "conformance.html#capability-sets"
_PKCE = "app-launch.html#considerations-for-pkce-support"
_CORS = "app-launch.html#considerations-for-cross-origin-resource-sharing-cors-support"
_SCOPES = "scopes-and-launch-context.html"
_ASYM = "client-confidential-asymmetric.html#discovery-requirements"
_BS = "backend-services.html"   # both pages are new in SMART 2.0 (since="2.0" below)
_IPA_ACCESS = Citation("IPA", "access.html#smart-on-fhir-obligations-and-capabilities")
_IPA_CONF = Citation("IPA", "conformance.html#declaring-conformance")
_IPA_CS = Citation("IPA", "CapabilityStatement-ipa-server.html")
_CS_INTERACTION = Citation("FHIR R4", "capabilitystatement-definitions.html#CapabilityStatement.rest.resource.interaction")

SC: tuple[Document, ...] = ("smart_config",)
CS: tuple[Document, ...] = ("capability_statement",)
IPA_CAPS = (
    "launch-standalone", "context-standalone-patient", "permission-patient", "permission-offline",
    "sso-openid-connect", "client-public", "client-confidential-asymmetric",
)

_R = Requirement
REQUIREMENTS: tuple[Requirement, ...] = (
    # --- discovery document transport -------------------------------------------------
    _R("WK-200", "SHALL", "An unauthenticated GET of {base}/.well-known/smart-configuration answers HTTP 200 (after recorded redirects)", _sal(_WK), probes=("smart_config",)),
    _R("WK-JSON", "SHALL", "The discovery body is a JSON object", _sal(_WK), needs_fetched=SC, probes=("smart_config",)),
    _R("WK-CTYPE", "SHALL", "The discovery Content-Type is application/json", _sal(_WK), needs_fetched=SC, probes=("smart_config",)),
    _R("WK-ACCEPT", "SHALL", "The discovery document is returned as JSON whatever the Accept header (none, application/fhir+json)", _sal(_WK), versions=V2_PLUS, needs=SC, probes=("smart_config_no_accept", "smart_config_fhir_accept"), applies="SAL >= 2.0"),
    _R("WK-AUTHED", "SHALL", "The discovery document is also served to an authenticated request", _IPA_ACCESS, profile="ipa", needs_credential=True, needs=SC, probes=("smart_config_authed",), applies="profile ipa, and the target has a credential"),
    _R("WK-SCHEMA", "SHALL", "Every SMART-defined field present has its defined JSON type", _sal(_META), needs=SC),
    _R("WK-ABSOLUTE", "SHALL", "Every endpoint URL in the discovery document is absolute", _sal(_WK), versions=V21_PLUS, needs=SC, applies="SAL >= 2.1"),
    _R("WK-HTTPS", "SHALL", "Every endpoint URL in the discovery document uses https", Citation("RFC 6749", "rfc6749#section-3.1"), needs=SC),
    _R("WK-CORS", "SHALL", "A GET with an Origin header gets Access-Control-Allow-Origin (that origin or *) on the discovery document and /metadata", Citation("SAL", _CORS, since="2.1"), needs=SC, needs_fetched=CS, caps_level=True, probes=("smart_config_cors", "capability_statement_cors"), level_rule=_cors_level, applies="SHALL at SAL >= 2.1 with client-public, SHOULD otherwise"),
    # --- required, conditional and recommended fields ----------------------------------
    _R("F-TOKEN", "SHALL", "token_endpoint is present", _sal(_META), needs=SC),
    _R("F-CAPS", "SHALL", "capabilities is present and is a non-empty array of strings", _sal(_META), needs=SC),
    _R("F-GRANTS", "SHALL", "grant_types_supported is present and non-empty", _sal(_META), versions=V2_PLUS, needs=SC, applies="SAL >= 2.0"),
    _R("F-PKCE", "SHALL", "code_challenge_methods_supported is present and non-empty", _sal(_META), versions=V2_PLUS, needs=SC, applies="SAL >= 2.0"),
    _R("F-AUTHZ", "SHALL", "authorization_endpoint is present", _sal(_META), caps_any=("launch-ehr", "launch-standalone"), caps_gate_versions=frozenset({"2.2"}), needs=SC, applies="SAL 1.0-2.1 always; SAL 2.2 with launch-ehr or launch-standalone"),
    _R("F-ISSUER", "SHALL", "issuer is present", _sal(_META), versions=V2_PLUS, caps_any=("sso-openid-connect",), needs=SC, applies="SAL >= 2.0 and sso-openid-connect"),
    _R("F-JWKS", "SHALL", "jwks_uri is present", _sal(_META), versions=V2_PLUS, caps_any=("sso-openid-connect",), needs=SC, applies="SAL >= 2.0 and sso-openid-connect"),
    _R("F-ISSUER-OMITTED", "SHOULD", "issuer is omitted when sso-openid-connect is not advertised", _sal(_META), versions=V2_PLUS, caps_none=("sso-openid-connect",), needs=SC, applies="SAL >= 2.0 and sso-openid-connect not in caps"),
    _R("F-REC-SCOPES", "SHOULD", "scopes_supported is present", _sal(_META), needs=SC),
    _R("F-REC-RESPONSE-TYPES", "SHOULD", "response_types_supported is present", _sal(_META), needs=SC),
    _R("F-REC-MANAGEMENT", "SHOULD", "management_endpoint is present", _sal(_META), needs=SC),
    _R("F-REC-INTROSPECTION", "SHOULD", "introspection_endpoint is present", _sal(_META), needs=SC),
    _R("F-REC-REVOCATION", "SHOULD", "revocation_endpoint is present", _sal(_META), needs=SC),
    _R("F-REC-BRANDS", "SHOULD", "user_access_brand_bundle and user_access_brand_identifier are present", _sal("brands.html"), versions=frozenset({"2.2"}), needs=SC, applies="SAL 2.2"),
    # --- PKCE ---------------------------------------------------------------------------
    _R("PKCE-S256", "SHALL", "code_challenge_methods_supported includes S256", _sal(_PKCE), versions=V2_PLUS, needs=SC, applies="SAL >= 2.0"),
    _R("PKCE-NO-PLAIN", "SHALL", "code_challenge_methods_supported does not include plain", _sal(_PKCE), versions=V2_PLUS, needs=SC, applies="SAL >= 2.0"),
    # --- capabilities, grants and scopes ------------------------------------------------
    _R("CAP-KNOWN", "SHOULD", "Each capability is a code SMART defines for the version, or a full URI", _sal(_CAPS), needs=SC),
    _R("CAP-SET-PATIENT", "SHOULD", "capabilities hold a Patient Access capability set", _sal(_SETS), personas=frozenset({"patient"}), needs=SC, applies="persona patient"),
    _R("CAP-SET-PROVIDER", "SHOULD", "capabilities hold a Clinician Access capability set", _sal(_SETS), personas=frozenset({"provider"}), needs=SC, applies="persona provider"),
    _R("CAP-V1", "SHOULD", "permission-v1 is advertised", _sal(_SCOPES + "#scopes-for-requesting-fhir-resources"), versions=V2_PLUS, needs=SC, applies="SAL >= 2.0"),
    _R("GRANT-AUTHCODE", "SHALL", "grant_types_supported includes authorization_code", _sal(_META), versions=V2_PLUS, caps_any=("launch-ehr", "launch-standalone"), needs=SC, applies="SAL >= 2.0, and launch-ehr or launch-standalone"),
    _R("ASYM-METHOD", "SHOULD", "token_endpoint_auth_methods_supported includes private_key_jwt", Citation("SAL", _ASYM, since="2.0"), caps_any=("client-confidential-asymmetric",), needs=SC, applies="client-confidential-asymmetric in caps"),
    _R("ASYM-ALG", "SHOULD", "token_endpoint_auth_signing_alg_values_supported includes RS384 or ES384", Citation("SAL", _ASYM, since="2.0"), caps_any=("client-confidential-asymmetric",), needs=SC, applies="client-confidential-asymmetric in caps"),
    _R("SCOPE-GRAMMAR", "SHOULD", "Every listed scope is a valid SMART, launch, identity, refresh or extension scope", _sal(_SCOPES), needs=SC, applies="scopes_supported present"),
    _R("SCOPE-V2", "SHOULD", "At least one listed resource scope uses v2 syntax", _sal(_SCOPES), caps_any=("permission-v2",), needs=SC, applies="permission-v2 in caps and resource scopes listed"),
    _R("SCOPE-V2-ADVERTISED", "SHOULD", "permission-v2 is advertised when v2 scopes are listed", _sal(_SCOPES), needs=SC, applies="v2-syntax resource scopes listed"),
    _R("SCOPE-OFFLINE", "SHOULD", "offline_access is listed", _sal(_SCOPES), caps_any=("permission-offline",), needs=SC, applies="permission-offline in caps and scopes_supported present"),
    _R("SCOPE-OPENID", "SHOULD", "openid and fhirUser are listed", _sal(_SCOPES), caps_any=("sso-openid-connect",), needs=SC, applies="sso-openid-connect in caps and scopes_supported present"),
    # --- IPA SMART obligations ------------------------------------------------------------
    *(
        _R(f"IPA-CAP-{cap.upper()}", "SHALL", f"{cap} is in capabilities", _IPA_ACCESS, profile="ipa", needs=SC, applies="profile ipa")
        for cap in IPA_CAPS
    ),
    # --- backend services -----------------------------------------------------------------
    _R("BS-CAP", "SHALL", "client-confidential-asymmetric is in capabilities", Citation("SAL", _BS, since="2.0"), personas=frozenset({"system"}), needs=SC, applies="persona system"),
    _R("BS-GRANT", "SHALL", "grant_types_supported includes client_credentials", Citation("SAL", _BS, since="2.0"), personas=frozenset({"system"}), needs=SC, applies="persona system"),
    _R("BS-METHOD", "SHALL", "token_endpoint_auth_methods_supported includes private_key_jwt", Citation("SAL", _ASYM, since="2.0"), personas=frozenset({"system"}), needs=SC, applies="persona system"),
    _R("BS-ALG", "SHALL", "token_endpoint_auth_signing_alg_values_supported includes RS384 or ES384", Citation("SAL", _ASYM, since="2.0"), personas=frozenset({"system"}), needs=SC, applies="persona system"),
    _R("BS-SCOPES", "SHOULD", "scopes_supported lists at least one system/ scope", Citation("SAL", _BS + "#scopes", since="2.0"), personas=frozenset({"system"}), needs=SC, applies="persona system"),
    # --- CapabilityStatement --------------------------------------------------------------
    _R("CS-200", "SHALL", "An unauthenticated GET of {base}/metadata answers 200 with a JSON CapabilityStatement", Citation("FHIR R4", "http.html#capabilities"), probes=("capability_statement",)),
    _R("CS-CTYPE", "SHOULD", "The CapabilityStatement Content-Type is application/fhir+json (or application/json)", Citation("FHIR R4", "http.html#mime-type"), needs=CS, probes=("capability_statement",)),
    _R("CS-AUTHED", "SHALL", "/metadata is also served to an authenticated request", _IPA_CONF, profile="ipa", needs_credential=True, needs=CS, probes=("capability_statement_authed",), applies="profile ipa, and the target has a credential"),
    _R("CS-FHIR-VERSION", "SHALL", "fhirVersion is 4.0.x", Citation("FHIR R4", "capabilitystatement-definitions.html#CapabilityStatement.fhirVersion"), needs=CS),
    _R("CS-JSON-FORMAT", "SHALL", "format includes a JSON format", _IPA_CS, needs=CS, level_rule=_json_format_level,
       should_cite=Citation("FHIR R4", "http.html#mime-type"), applies="SHALL with profile ipa, SHOULD otherwise"),
    _R("CS-REST-SERVER", "SHALL", "A rest entry with mode server exists", Citation("FHIR R4", "capabilitystatement-definitions.html#CapabilityStatement.rest.mode"), needs=CS),
    _R("CS-OAUTH-URIS", "SHALL", "rest.security carries the oauth-uris extension with authorize and token", _sal(_META), needs=CS, level_rule=_oauth_uris_level, applies="SHALL at SAL 1.0, INFO for 2.x"),
    _R("CS-OAUTH-MATCH", "SHOULD", "Endpoints present in both the oauth-uris extension and the discovery document match", _sal(_META), needs=CS + SC, level_rule=_oauth_match_level, applies="oauth-uris extension present (SHALL at SAL 1.0)"),
    _R("CS-SECURITY-SERVICE", "SHOULD", "rest.security.service carries the SMART-on-FHIR code", _sal(_META), needs=CS),
    # --- IPA server CapabilityStatement ---------------------------------------------------
    _R("IPA-INSTANTIATES", "SHALL", "instantiates includes the IPA server CapabilityStatement URL", _IPA_CONF, profile="ipa", needs=CS, level_rule=_instantiates_level, applies="profile ipa"),
    _R("IPA-PATIENT", "SHALL", "Patient is listed with read, search-type, _id and identifier", _IPA_CS, profile="ipa", needs=CS, applies="profile ipa"),
    _R("IPA-ANOTHER-RESOURCE", "SHALL", "At least one IPA resource besides Patient is listed", _IPA_CS, profile="ipa", needs=CS, applies="profile ipa"),
    _R("IPA-INTERACTIONS", "SHALL", "The IPA resource declares its SHALL interactions", _IPA_CS, profile="ipa", needs=CS, items="ipa_resources", applies="profile ipa, per listed IPA resource"),
    _R("IPA-SEARCH-PARAMS", "SHALL", "The IPA resource declares its SHALL search parameters", _IPA_CS, profile="ipa", needs=CS, items="ipa_resources", applies="profile ipa, per listed IPA resource"),
    _R("IPA-DOCREF", "SHALL", "DocumentReference declares the docref operation", _IPA_CS, profile="ipa", needs=CS, applies="profile ipa, DocumentReference listed"),
    _R("IPA-PROFILES", "SHALL", "The IPA profile URL appears in profile or supportedProfile", _IPA_CONF, profile="ipa", needs=CS, items="ipa_resources", applies="profile ipa, per listed IPA resource"),
    _R("IPA-XML", "SHOULD", "format includes an XML format", _IPA_CS, profile="ipa", needs=CS, applies="profile ipa"),
    # --- operator expectations --------------------------------------------------------------
    _R("RES-READABLE", "SHALL", "The resource is listed with at least one read interaction", _CS_INTERACTION, needs=CS, items="expectations", applies="per resource expected readable"),
    _R("RES-WRITABLE", "SHALL", "The resource is listed with at least one write interaction", _CS_INTERACTION, needs=CS, items="expectations", applies="per resource expected writable"),
    _R("RES-INTERACTION", "SHALL", "The named interaction is declared for the resource", _CS_INTERACTION, needs=CS, items="expectations", applies="per interaction named"),
    _R("RES-NOT-WRITABLE", "SHALL", "No write interaction is declared for the resource", _CS_INTERACTION, needs=CS, items="expectations", applies="per resource expected read-only"),
)

CATALOGUE: dict[str, Requirement] = {r.id: r for r in REQUIREMENTS}
assert len(CATALOGUE) == len(REQUIREMENTS), "duplicate requirement ID"


def resolve_level(req: Requirement, facts: LevelFacts) -> Level:
    return req.level_rule(facts) if req.level_rule else req.level
