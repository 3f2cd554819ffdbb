"""Small, composable edits of the conformant discovery documents, and request handlers.

Each helper returns a mutator ``f(document) -> None | replacement`` (the form ``add_site`` and
``batch.Serve`` take), so a defective site reads as one line in a case table:
``drop("token_endpoint")``, ``caps_without("permission-v1")``, ``cs_interactions("Observation", "read")``.
Handlers (``handler(request, default_response) -> Response``) change the answer per request.
"""
from __future__ import annotations

from typing import Any, Callable

from .servers import Request, Response

Mutator = Callable[[dict], Any]

OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
SMART_1_0_CAPABILITIES = (
    "launch-ehr", "launch-standalone", "client-public", "client-confidential-symmetric",
    "sso-openid-connect", "context-banner", "context-style", "context-ehr-patient",
    "context-ehr-encounter", "context-standalone-patient", "context-standalone-encounter",
    "permission-offline", "permission-patient", "permission-user",
)
V1_SCOPES = ["openid", "fhirUser", "launch", "launch/patient", "launch/encounter", "offline_access",
             "online_access", "patient/*.read", "user/*.read", "system/*.read", "patient/Patient.read"]


def chain(*mutators: Mutator) -> Mutator:
    def apply(doc: dict):
        for mutate in mutators:
            replaced = mutate(doc)
            if replaced is not None:
                doc = replaced
        return doc
    return apply


def drop(*keys: str) -> Mutator:
    def apply(doc: dict) -> None:
        for key in keys:
            doc.pop(key, None)
    return apply


def put(key: str, value: Any) -> Mutator:
    def apply(doc: dict) -> None:
        doc[key] = value
    return apply


def replace_with(value: Any) -> Mutator:
    """Serve ``value`` (any JSON value, or a str/bytes body) instead of the document."""
    return lambda doc: value


def _list_edit(key: str, remove: tuple[str, ...] = (), add: tuple[str, ...] = ()) -> Mutator:
    def apply(doc: dict) -> None:
        doc[key] = [v for v in doc.get(key, []) if v not in remove] + list(add)
    return apply


def caps_without(*codes: str) -> Mutator:
    return _list_edit("capabilities", remove=codes)


def caps_with(*codes: str) -> Mutator:
    return _list_edit("capabilities", add=codes)


def scopes_without(*scopes: str) -> Mutator:
    return _list_edit("scopes_supported", remove=scopes)


def scopes_with(*scopes: str) -> Mutator:
    return _list_edit("scopes_supported", add=scopes)


def scopes_where(keep: Callable[[str], bool]) -> Mutator:
    def apply(doc: dict) -> None:
        doc["scopes_supported"] = [s for s in doc.get("scopes_supported", []) if keep(s)]
    return apply


def smart_1_0(doc: dict) -> None:
    """Make the conformant 2.2 document a conformant SMART 1.0 one: 1.0 capability codes only
    and v1 scopes (1.0 knows no permission-v1/v2, asymmetric clients or v2 scope syntax)."""
    doc["capabilities"] = [c for c in doc["capabilities"] if c in SMART_1_0_CAPABILITIES]
    doc["scopes_supported"] = list(V1_SCOPES)


# --- CapabilityStatement ---------------------------------------------------------------------

def server_rest(cs: dict) -> dict:
    return next(r for r in cs["rest"] if r.get("mode") == "server")


def resource_entry(cs: dict, rtype: str) -> dict:
    return next(r for r in server_rest(cs)["resource"] if r["type"] == rtype)


def cs_resource(rtype: str, edit: Callable[[dict], Any]) -> Mutator:
    """Apply ``edit`` to the ``rest[mode=server].resource`` entry of ``rtype``."""
    def apply(cs: dict) -> None:
        edit(resource_entry(cs, rtype))
    return apply


def cs_interactions(rtype: str, *codes: str) -> Mutator:
    """Declare exactly these interactions for ``rtype``."""
    return cs_resource(rtype, lambda entry: entry.__setitem__("interaction", [{"code": c} for c in codes]))


def cs_add_interactions(rtype: str, *codes: str) -> Mutator:
    return cs_resource(rtype, lambda entry: entry["interaction"].extend({"code": c} for c in codes))


def cs_drop_search_param(rtype: str, name: str) -> Mutator:
    return cs_resource(rtype, lambda entry: entry.__setitem__(
        "searchParam", [p for p in entry.get("searchParam", []) if p.get("name") != name]))


def cs_drop_from_resource(rtype: str, *keys: str) -> Mutator:
    return cs_resource(rtype, lambda entry: [entry.pop(k, None) for k in keys])


def cs_only_resources(*types: str) -> Mutator:
    def apply(cs: dict) -> None:
        rest = server_rest(cs)
        rest["resource"] = [r for r in rest["resource"] if r["type"] in types]
    return apply


def cs_security(edit: Callable[[dict], Any]) -> Mutator:
    def apply(cs: dict) -> None:
        edit(server_rest(cs)["security"])
    return apply


def cs_without_oauth_uris(cs: dict) -> None:
    security = server_rest(cs)["security"]
    security["extension"] = [e for e in security.get("extension", []) if e.get("url") != OAUTH_URIS]


def cs_oauth_uri(name: str, value: str) -> Mutator:
    """Set the ``name`` sub-extension (authorize, token, ...) of oauth-uris to ``value``."""
    def apply(cs: dict) -> None:
        ext = next(e for e in server_rest(cs)["security"]["extension"] if e.get("url") == OAUTH_URIS)
        for sub in ext["extension"]:
            if sub["url"] == name:
                sub["valueUri"] = value
    return apply


def cs_rest_mode(mode: str) -> Mutator:
    def apply(cs: dict) -> None:
        server_rest(cs)["mode"] = mode
    return apply


# --- request handlers ----------------------------------------------------------------------

Handler = Callable[[Request, Response], Response]


def _unauthorized() -> Response:
    return Response(401, [("Content-Type", "application/json"), ("WWW-Authenticate", 'Bearer error="invalid_token"')],
                    {"error": "invalid_token"})


def require_token(token: str) -> Handler:
    """Answer requests without Authorization, and those with ``Bearer <token>``; 401 otherwise
    (so a pass proves the suite sent the configured credential)."""
    def handle(request: Request, response: Response) -> Response:
        sent = request.headers.get("Authorization")
        return response if sent is None or sent == f"Bearer {token}" else _unauthorized()
    return handle


def reject_authorization(request: Request, response: Response) -> Response:
    """The defect IPA forbids: the public document is refused to authenticated clients."""
    return _unauthorized() if "Authorization" in request.headers else response


def json_accept_only(request: Request, response: Response) -> Response:
    """406 unless the request sends exactly ``Accept: application/json``."""
    if request.headers.get("Accept") != "application/json":
        return Response(406, [("Content-Type", "text/plain")], "Not Acceptable")
    return response


def status_for_origin(status: int) -> Handler:
    """Answer requests carrying an Origin header with ``status`` (a CORS defect on one probe)."""
    def handle(request: Request, response: Response) -> Response:
        if "Origin" in request.headers:
            return Response(status, [("Content-Type", "text/plain"), ("Access-Control-Allow-Origin", "*")], "no")
        return response
    return handle
