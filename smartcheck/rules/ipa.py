"""IPA server CapabilityStatement rules (IPA-* about ``/metadata``), driven by ``ipa_data``.

Per-item rules (IPA-INTERACTIONS, IPA-SEARCH-PARAMS, IPA-PROFILES) take the IPA resource type
from ``ctx.item`` and are not applicable when the server does not list that type: IPA asks for
Patient plus at least one other resource, not for all of them.
"""
from __future__ import annotations

from typing import Literal

from smartcheck.findings import CheckContext, Finding, Rule, failed, not_applicable, passed
from smartcheck.rules.capability_statement import (
    SERVER,
    XML_FORMATS,
    array_note,
    compact,
    declared_profiles,
    dicts,
    format_tokens,
    interaction_codes,
    json_type,
    not_listed,
    resources,
    search_param_names,
    server_rest,
    strings,
    strip_version,
)
from smartcheck.rules.ipa_data import (
    DOCREF_OPERATION,
    IPA_EXAMPLE_CS,
    IPA_EXPECTATIONS,
    IPA_RESOURCES,
    IPA_SERVER_CS,
    IpaResource,
)

def _instantiates(ctx: CheckContext) -> tuple[list[str] | None, object]:
    raw = ctx.capability_statement.get("instantiates") if isinstance(ctx.capability_statement, dict) else None
    if not isinstance(raw, list):
        return None, raw
    return [strip_version(u) for u in strings(raw)], raw


def instantiates_level(ctx: CheckContext) -> Literal["SHALL", "SHOULD"]:
    """Level the runner should give IPA-INSTANTIATES: the catalogue makes "only the IG
    example's ``.../ipa`` form" a warning, every other failure stays SHALL."""
    urls, _ = _instantiates(ctx)
    if urls and IPA_SERVER_CS not in urls and IPA_EXAMPLE_CS in urls:
        return "SHOULD"
    return "SHALL"


def instantiates(ctx: CheckContext) -> Finding:
    """IPA-INSTANTIATES: the normative bullet names ``ipa-server``; ``|version`` is allowed."""
    urls, raw = _instantiates(ctx)
    if urls is None:
        found = "absent" if raw is None else json_type(raw)
        return failed(f"instantiates: expected an array including {IPA_SERVER_CS}, found {found}")
    if IPA_SERVER_CS in urls:
        return passed(f"instantiates includes {IPA_SERVER_CS}")
    if IPA_EXAMPLE_CS in urls:
        return failed(
            f"only the non-normative .../ipa form ({IPA_EXAMPLE_CS}, from the IG's example) is in "
            f"instantiates; expected {IPA_SERVER_CS}"
        )
    return failed(f"instantiates: expected {IPA_SERVER_CS}, found {compact(strings(raw))}")


def _missing(expected: tuple[str, ...], found: list[str]) -> list[str]:
    return [e for e in expected if e not in found]


def patient(ctx: CheckContext) -> Finding:
    """IPA-PATIENT: Patient read and search by ``_id`` and ``identifier``."""
    cs = ctx.capability_statement
    entry = resources(cs).get("Patient")
    if entry is None:
        return failed(not_listed(cs, "Patient"))
    exp = IPA_EXPECTATIONS["Patient"]
    codes, params = interaction_codes(entry), search_param_names(entry)
    problems = []
    if miss := _missing(exp.interactions, codes):
        problems.append(f"interaction missing {compact(miss)} (found {compact(codes)}){array_note(entry, 'interaction')}")
    if miss := _missing(exp.search_params, params):
        problems.append(f"searchParam missing {compact(miss)} (found {compact(params)}){array_note(entry, 'searchParam')}")
    if problems:
        return failed(f"{SERVER}.resource[type=Patient]: " + "; ".join(problems))
    return passed("Patient declares read, search-type and search parameters _id, identifier")


def another_resource(ctx: CheckContext) -> Finding:
    """IPA-ANOTHER-RESOURCE: rest.documentation asks for one IPA resource besides Patient."""
    listed = resources(ctx.capability_statement)
    others = [t for t in IPA_RESOURCES if t != "Patient" and t in listed]
    if others:
        return passed(f"IPA resources besides Patient: {compact(others)}")
    return failed(
        f"{SERVER}.resource: expected at least one of {compact(IPA_RESOURCES[1:], limit=12)}, "
        f"found types {compact(list(listed))}"
    )


def _listed_item(ctx: CheckContext, skip_patient: bool) -> tuple[str, dict, IpaResource] | Finding:
    """The item's resource entry and expectations, or the not-applicable finding."""
    item = ctx.item
    if not isinstance(item, str) or item not in IPA_EXPECTATIONS:
        return not_applicable(f"{item!r} is not an IPA resource type")
    if skip_patient and item == "Patient":
        return not_applicable("IPA-PATIENT covers Patient")
    entry = resources(ctx.capability_statement).get(item)
    if entry is None:
        return not_applicable(not_listed(ctx.capability_statement, item))
    return item, entry, IPA_EXPECTATIONS[item]


def interactions(ctx: CheckContext) -> Finding:
    """IPA-INTERACTIONS: read everywhere, search-type where the IPA statement makes it SHALL."""
    got = _listed_item(ctx, skip_patient=True)
    if isinstance(got, Finding):
        return got
    item, entry, exp = got
    codes = interaction_codes(entry)
    if miss := _missing(exp.interactions, codes):
        return failed(
            f"{SERVER}.resource[type={item}].interaction: expected {compact(list(exp.interactions))}, "
            f"missing {compact(miss)} (found {compact(codes)}){array_note(entry, 'interaction')}"
        )
    return passed(f"{item} declares {', '.join(exp.interactions)}")


def search_params(ctx: CheckContext) -> Finding:
    """IPA-SEARCH-PARAMS: the single SHALL parameters (``patient``; ``_id`` on DocumentReference)."""
    got = _listed_item(ctx, skip_patient=True)
    if isinstance(got, Finding):
        return got
    item, entry, exp = got
    if not exp.search_params:
        why = " (patient alone is MAY; its SHALL searches are combinations)" if item == "Observation" else ""
        return not_applicable(f"IPA has no SHALL single search parameter for {item}{why}")
    params = search_param_names(entry)
    if miss := _missing(exp.search_params, params):
        return failed(
            f"{SERVER}.resource[type={item}].searchParam: expected {compact(list(exp.search_params))}, "
            f"missing {compact(miss)} (found {compact(params)}){array_note(entry, 'searchParam')}"
        )
    return passed(f"{item} declares search parameters {', '.join(exp.search_params)}")


def _is_docref(op: dict) -> bool:
    name, definition = op.get("name"), op.get("definition")
    return (isinstance(name, str) and name.lstrip("$") == "docref") or (
        isinstance(definition, str) and strip_version(definition) == DOCREF_OPERATION
    )


def docref(ctx: CheckContext) -> Finding:
    """IPA-DOCREF: ``$docref`` by name or IPA definition.  A system-level (``rest.operation``)
    declaration is accepted with a note: a client still finds it in the statement."""
    cs = ctx.capability_statement
    entry = resources(cs).get("DocumentReference")
    if entry is None:
        return not_applicable(not_listed(cs, "DocumentReference"))
    ops = dicts(entry.get("operation"))
    if any(_is_docref(op) for op in ops):
        return passed("DocumentReference declares the docref operation")
    rest = server_rest(cs) or {}
    if any(_is_docref(op) for op in dicts(rest.get("operation"))):
        return passed(f"docref is declared in {SERVER}.operation (not on DocumentReference)")
    found = [f"{op.get('name')} ({op.get('definition')})" for op in ops]
    hint = " (another IG's docref, under another name, does not count)" if "docref" in "".join(found).lower() else ""
    return failed(
        f"{SERVER}.resource[type=DocumentReference].operation: expected name docref or definition "
        f"{DOCREF_OPERATION}, found {compact(found)}{hint}"
    )


def profiles(ctx: CheckContext) -> Finding:
    """IPA-PROFILES: the resource's IPA profile in ``profile`` or ``supportedProfile``
    (version ignored).  Extra supported profiles (problem-list-item, vitalsigns) are INFO."""
    got = _listed_item(ctx, skip_patient=False)
    if isinstance(got, Finding):
        return got
    item, entry, exp = got
    declared = declared_profiles(entry)
    if exp.profile not in declared:
        return failed(
            f"{SERVER}.resource[type={item}].profile/supportedProfile: expected {exp.profile}, "
            f"found {compact(declared)}"
        )
    extra = [p for p in exp.supported_profiles if p not in declared]
    info = f"; INFO: IPA also lists supportedProfile {compact(extra)}, not declared" if extra else ""
    return passed(f"{item} declares {exp.profile}{info}")


def xml_format(ctx: CheckContext) -> Finding:
    """IPA-XML: IPA servers SHOULD also support XML."""
    tokens = format_tokens(ctx.capability_statement)
    if tokens is None:
        raw = ctx.capability_statement.get("format") if isinstance(ctx.capability_statement, dict) else None
        return failed(f"format: expected an array including an XML format, found {'absent' if raw is None else json_type(raw)}")
    hits = [t for t in tokens if t in XML_FORMATS]
    if hits:
        return passed(f"format includes {compact(hits)}")
    return failed(f"format: expected xml, application/xml or application/fhir+xml; found {compact(tokens)}")


RULES: dict[str, Rule] = {
    "IPA-INSTANTIATES": instantiates,
    "IPA-PATIENT": patient,
    "IPA-ANOTHER-RESOURCE": another_resource,
    "IPA-INTERACTIONS": interactions,
    "IPA-SEARCH-PARAMS": search_params,
    "IPA-DOCREF": docref,
    "IPA-PROFILES": profiles,
    "IPA-XML": xml_format,
}
