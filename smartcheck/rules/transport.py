"""Rules over the HTTP exchanges themselves: status, media type, Accept, CORS, auth.

They read ``ctx.exchanges`` (probe name -> ``smartcheck.documents.Document``), which the
runner fills with the probes the catalogue names for each requirement.
"""
from __future__ import annotations

from ..documents import CORS_ORIGIN
from ..findings import CheckContext, Finding, failed, passed

JSON_MEDIA = "application/json"
FHIR_JSON_MEDIA = ("application/fhir+json", "application/json")


def media_type(content_type: str | None) -> str | None:
    """The media type without parameters, lower-cased (``application/json; charset=utf-8`` -> ``application/json``)."""
    if content_type is None:
        return None
    return content_type.split(";", 1)[0].strip().lower()


def _redirect_note(doc) -> str:
    hops = doc.exchange.hops
    if not hops:
        return ""
    chain = ", ".join(f"{h.status} {h.url} -> {h.location}" + (f" [{h.note}]" if h.note else "") for h in hops)
    return f" after {len(hops)} redirect(s): {chain}"


def _status_200(doc, what: str) -> Finding:
    ex = doc.exchange
    if ex.failure:
        return failed(f"GET {ex.url}: {ex.summary()}{_redirect_note(doc)}")
    if ex.status != 200:
        return failed(f"GET {ex.url}: http_error: HTTP {ex.status}, expected 200{_redirect_note(doc)}")
    return passed(f"{what} answered HTTP 200{_redirect_note(doc)}")


def wk_200(ctx: CheckContext) -> Finding:
    return _status_200(ctx.exchanges["smart_config"], "the discovery document")


def wk_json(ctx: CheckContext) -> Finding:
    doc = ctx.exchanges["smart_config"]
    if doc.failure == "not_json":
        return failed(f"{doc.exchange.url}: not_json: {doc.detail}")
    notes = "; ".join(doc.notes)
    return passed("a JSON object" + (f" (note: {notes})" if notes else ""))


def wk_ctype(ctx: CheckContext) -> Finding:
    ctype = ctx.exchanges["smart_config"].exchange.header("content-type")
    if media_type(ctype) != JSON_MEDIA:
        return failed(f"Content-Type is {ctype!r}: expected application/json (parameters such as charset allowed)")
    return passed(f"Content-Type {ctype!r}")


def _json_object_answer(doc) -> str | None:
    """Why this probe did not get a 200 JSON object, or None if it did."""
    if doc.exchange.status != 200 or doc.exchange.failure:
        return doc.exchange.summary() if doc.exchange.failure else f"HTTP {doc.exchange.status}"
    if doc.failure:
        return doc.reason()
    return None


def wk_accept(ctx: CheckContext) -> Finding:
    problems = []
    for probe, label in (("smart_config_no_accept", "no Accept header"),
                         ("smart_config_fhir_accept", "Accept: application/fhir+json")):
        why = _json_object_answer(ctx.exchanges[probe])
        if why:
            problems.append(f"with {label}: {why}")
    if problems:
        return failed("the discovery document SHALL be JSON regardless of Accept, but " + "; ".join(problems))
    return passed("HTTP 200 and a JSON object with no Accept header and with Accept: application/fhir+json")


def wk_cors(ctx: CheckContext) -> Finding:
    """Both documents, requested with an Origin header, answer 200 with an allowing
    Access-Control-Allow-Origin.  (The runner skips this when either document could not be
    retrieved at all: that root cause is WK-200's or CS-200's.)"""
    problems = []
    for probe, label in (("smart_config_cors", ".well-known/smart-configuration"),
                         ("capability_statement_cors", "metadata")):
        ex = ctx.exchanges[probe].exchange
        if ex.failure and ex.status is None:
            problems.append(f"{label}: no answer to a request with an Origin header ({ex.summary()})")
            continue
        allow = ex.header("access-control-allow-origin")
        if allow is None:
            problems.append(f"{label}: no Access-Control-Allow-Origin header for Origin {CORS_ORIGIN} (HTTP {ex.status})")
        elif allow.strip() not in (CORS_ORIGIN, "*"):
            problems.append(f"{label}: Access-Control-Allow-Origin is {allow!r}, expected {CORS_ORIGIN!r} or '*'")
        elif ex.status != 200:
            problems.append(f"{label}: a request with an Origin header answered HTTP {ex.status}, expected 200")
    if problems:
        return failed("; ".join(problems))
    return passed(f"Access-Control-Allow-Origin allows {CORS_ORIGIN} on .well-known/smart-configuration and metadata")


def _authed(doc, what: str) -> Finding:
    why = _json_object_answer(doc)
    if why:
        return failed(f"{what} with a bearer credential: {why}; it SHALL be served to authenticated clients too")
    return passed(f"{what} is served to an authenticated request (HTTP 200, JSON)")


def wk_authed(ctx: CheckContext) -> Finding:
    return _authed(ctx.exchanges["smart_config_authed"], "GET .well-known/smart-configuration")


def cs_200(ctx: CheckContext) -> Finding:
    doc = ctx.exchanges["capability_statement"]
    status = _status_200(doc, "/metadata")
    if not status.ok:
        return status
    if doc.failure:
        return failed(f"GET {doc.exchange.url}: {doc.reason()}")
    return passed(f"HTTP 200 with a JSON CapabilityStatement{_redirect_note(doc)}")


def cs_ctype(ctx: CheckContext) -> Finding:
    ctype = ctx.exchanges["capability_statement"].exchange.header("content-type")
    if media_type(ctype) not in FHIR_JSON_MEDIA:
        return failed(f"Content-Type is {ctype!r}: expected application/fhir+json (or application/json)")
    return passed(f"Content-Type {ctype!r}")


def cs_authed(ctx: CheckContext) -> Finding:
    found = _authed(ctx.exchanges["capability_statement_authed"], "GET /metadata")
    if found.ok and (ctx.exchanges["capability_statement_authed"].body or {}).get("resourceType") != "CapabilityStatement":
        return failed("GET /metadata with a bearer credential did not return a CapabilityStatement")
    return found


RULES = {
    "WK-200": wk_200,
    "WK-JSON": wk_json,
    "WK-CTYPE": wk_ctype,
    "WK-ACCEPT": wk_accept,
    "WK-CORS": wk_cors,
    "WK-AUTHED": wk_authed,
    "CS-200": cs_200,
    "CS-CTYPE": cs_ctype,
    "CS-AUTHED": cs_authed,
}
