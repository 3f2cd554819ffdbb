"""The reference target's discovery documents, as plain data built from its base URL.

Why: the embedded reference target is the suite's known-good baseline. These documents satisfy
every SHALL and SHOULD of the catalogue (`shared/spec/CATALOGUE.md`) for SMART App Launch 2.2,
personas patient, provider and system, and profile ipa, so any failure against it is a bug in
the suite. The OAuth URLs are derived in one place so that the smart-configuration and the
CapabilityStatement `oauth-uris` extension agree exactly (CS-OAUTH-MATCH).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from smartcheck import __version__

IPA = "http://hl7.org/fhir/uv/ipa"
IPA_SERVER_CS = f"{IPA}/CapabilityStatement/ipa-server"
SMART_IG = "http://hl7.org/fhir/smart-app-launch/ImplementationGuide/hl7.fhir.uv.smart-app-launch"
IPA_IG = f"{IPA}/ImplementationGuide/hl7.fhir.uv.ipa"
OAUTH_URIS_EXT = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
SECURITY_SERVICE_SYSTEM = "http://terminology.hl7.org/CodeSystem/restful-security-service"
SP = "http://hl7.org/fhir/SearchParameter"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

CAPABILITIES = [
    "launch-ehr", "launch-standalone", "authorize-post",
    "client-public", "client-confidential-symmetric", "client-confidential-asymmetric",
    "sso-openid-connect",
    "context-banner", "context-style",
    "context-ehr-patient", "context-ehr-encounter",
    "context-standalone-patient", "context-standalone-encounter",
    "permission-offline", "permission-patient", "permission-user",
    "permission-v1", "permission-v2",
]

# v2 syntax only; `permission-v1` still advertises that v1 requests are understood (CAP-V1).
SCOPES = [
    "openid", "fhirUser",
    "launch", "launch/patient", "launch/encounter",
    "offline_access", "online_access",
    "patient/*.rs", "user/*.rs", "system/*.rs",
    "patient/Patient.rs", "user/Patient.rs", "system/Patient.rs",
    f"patient/Observation.rs?category={OBS_CATEGORY}|vital-signs",
    f"patient/Observation.rs?category={OBS_CATEGORY}|laboratory",
]

BRAND_IDENTIFIER = {"system": "urn:ietf:rfc:3986",
                    "value": "urn:uuid:6f1d0c2e-6b7a-4c1e-9d3c-5a2f3b8e4d10"}


def origin_of(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def oauth_urls(base_url: str) -> dict[str, str]:
    """The OAuth endpoints, keyed by their smart-configuration field names."""
    oauth = f"{origin_of(base_url)}/oauth"
    return {
        "authorization_endpoint": f"{oauth}/authorize",
        "token_endpoint": f"{oauth}/token",
        "registration_endpoint": f"{oauth}/register",
        "management_endpoint": f"{oauth}/manage",
        "introspection_endpoint": f"{oauth}/introspect",
        "revocation_endpoint": f"{oauth}/revoke",
    }


# oauth-uris sub-extension name -> smart-configuration field (SMART 1.0 conformance table).
OAUTH_URIS_FIELDS = {
    "authorize": "authorization_endpoint",
    "token": "token_endpoint",
    "register": "registration_endpoint",
    "manage": "management_endpoint",
    "introspect": "introspection_endpoint",
    "revoke": "revocation_endpoint",
}


def smart_configuration(base_url: str) -> dict:
    """`{base}/.well-known/smart-configuration`: every field absolute https on one origin."""
    return {
        "issuer": base_url,
        "jwks_uri": f"{base_url}/.well-known/jwks.json",
        **oauth_urls(base_url),
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS384", "ES384"],
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "user_access_brand_bundle": f"{origin_of(base_url)}/brands/bundle.json",
        "user_access_brand_identifier": dict(BRAND_IDENTIFIER),
        "capabilities": list(CAPABILITIES),
    }


# -- CapabilityStatement ---------------------------------------------------------------------

READ_INTERACTIONS = ["read", "vread", "search-type", "history-instance"]


def _param(name: str, definition: str, type_: str) -> dict:
    return {"name": name, "definition": f"{SP}/{definition}", "type": type_}


ID = _param("_id", "Resource-id", "token")
PATIENT = _param("patient", "clinical-patient", "reference")

# type -> (supportedProfiles besides the IPA one, search params, extra resource keys).
IPA_RESOURCES = {
    "Patient": ([], [
        ID,
        _param("identifier", "Patient-identifier", "token"),
        _param("birthdate", "individual-birthdate", "date"),
        _param("family", "individual-family", "string"),
        _param("gender", "individual-gender", "token"),
        _param("given", "individual-given", "string"),
        _param("name", "Patient-name", "string"),
    ], {}),
    "AllergyIntolerance": ([], [ID, PATIENT], {}),
    "Condition": ([f"{IPA}/StructureDefinition/ipa-problem-list-item"], [ID, PATIENT], {}),
    "DocumentReference": ([], [ID, PATIENT], {
        "operation": [{"name": "docref", "definition": f"{IPA}/OperationDefinition/docref"}],
    }),
    "Immunization": ([], [ID, PATIENT], {}),
    "Medication": ([], [ID], {}),
    "MedicationRequest": ([], [
        ID, PATIENT,
        _param("category", "MedicationRequest-category", "token"),
        _param("code", "clinical-code", "token"),
    ], {"searchInclude": ["MedicationRequest:medication"]}),
    "MedicationStatement": ([], [ID, PATIENT],
                            {"searchInclude": ["MedicationStatement:medication"]}),
    "Observation": (["http://hl7.org/fhir/StructureDefinition/vitalsigns"], [
        ID, PATIENT,
        _param("category", "Observation-category", "token"),
        _param("code", "clinical-code", "token"),
        _param("date", "clinical-date", "date"),
    ], {}),
    "Practitioner": ([], [ID], {}),
    "PractitionerRole": ([], [ID], {}),
}


def ipa_profile(resource_type: str) -> str:
    return f"{IPA}/StructureDefinition/ipa-{resource_type.lower()}"


def _resource(type_: str, extra_profiles: list[str], params: list[dict], extra: dict) -> dict:
    """Read-only (no write interaction) resource entry carrying its IPA profile."""
    return {
        "type": type_,
        "profile": ipa_profile(type_),
        "supportedProfile": [ipa_profile(type_), *extra_profiles],
        "interaction": [{"code": code} for code in READ_INTERACTIONS],
        "versioning": "versioned",
        "readHistory": True,
        "updateCreate": False,
        "conditionalCreate": False,
        "conditionalUpdate": False,
        "conditionalDelete": "not-supported",
        "referencePolicy": ["resolves"],
        "searchParam": [dict(p) for p in params],
        **extra,
    }


def capability_statement(base_url: str) -> dict:
    """`{base}/metadata`: an IPA server CapabilityStatement with SMART security declared."""
    urls = oauth_urls(base_url)
    return {
        "resourceType": "CapabilityStatement",
        "id": "smartcheck-reference",
        "name": "SmartcheckReferenceServer",
        "title": "smartcheck embedded reference target",
        "status": "active",
        "date": "2025-01-01",
        "publisher": "smartcheck",
        "kind": "instance",
        "instantiates": [IPA_SERVER_CS],
        "software": {"name": "smartcheck reference", "version": __version__},
        "implementation": {"description": "smartcheck embedded reference target",
                           "url": base_url},
        "fhirVersion": "4.0.1",
        "format": ["json", "xml", "application/fhir+json", "application/fhir+xml"],
        "patchFormat": ["application/json-patch+json"],
        "implementationGuide": [SMART_IG, IPA_IG],
        "rest": [{
            "mode": "server",
            "documentation": "Read-only IPA server protected by SMART App Launch 2.2.",
            "security": {
                "cors": True,
                "service": [{
                    "coding": [{"system": SECURITY_SERVICE_SYSTEM, "code": "SMART-on-FHIR",
                                "display": "SMART-on-FHIR"}],
                    "text": "OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)",
                }],
                "extension": [{
                    "url": OAUTH_URIS_EXT,
                    "extension": [{"url": name, "valueUri": urls[field]}
                                  for name, field in OAUTH_URIS_FIELDS.items()],
                }],
                "description": "Unauthorized requests are rejected with 401, 403 or 404.",
            },
            "resource": [_resource(t, *spec) for t, spec in IPA_RESOURCES.items()],
        }],
    }
