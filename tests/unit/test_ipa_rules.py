"""IPA-* CapabilityStatement rules, driven by the ipa_data expectations."""
from __future__ import annotations

import copy

import pytest

from smartcheck.findings import CheckContext, Finding
from smartcheck.rules.ipa import RULES, instantiates_level
from smartcheck.rules.ipa_data import (
    DOCREF_OPERATION,
    IPA_EXAMPLE_CS,
    IPA_EXPECTATIONS,
    IPA_RESOURCES,
    IPA_SERVER_CS,
)


def ipa_cs() -> dict:
    """A statement that meets every expectation in ipa_data."""
    entries = []
    for rtype, exp in IPA_EXPECTATIONS.items():
        entry = {
            "type": rtype,
            "profile": exp.profile + "|1.0.0",
            "supportedProfile": list(exp.supported_profiles),
            "interaction": [{"code": c} for c in exp.interactions],
            "searchParam": [{"name": p, "type": "token"} for p in exp.search_params],
        }
        if exp.operations:
            entry["operation"] = [{"name": "docref", "definition": DOCREF_OPERATION}]
        entries.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "fhirVersion": "4.0.1",
        "format": ["json", "xml"],
        "instantiates": [IPA_SERVER_CS],
        "rest": [{"mode": "server", "resource": entries}],
    }


def entry(cs: dict, rtype: str) -> dict:
    return next(e for e in cs["rest"][0]["resource"] if e["type"] == rtype)


def drop(cs: dict, *types: str) -> dict:
    cs["rest"][0]["resource"] = [e for e in cs["rest"][0]["resource"] if e["type"] not in types]
    return cs


def run(rid: str, cs, item=None) -> Finding:
    return RULES[rid](CheckContext(capability_statement=cs, item=item, profiles=frozenset({"ipa"})))


def test_ipa_resources_order_and_content():
    assert IPA_RESOURCES[0] == "Patient"
    assert set(IPA_RESOURCES) == {
        "Patient", "AllergyIntolerance", "Condition", "DocumentReference", "Immunization", "Medication",
        "MedicationRequest", "MedicationStatement", "Observation", "Practitioner", "PractitionerRole",
    }
    assert IPA_EXPECTATIONS["Observation"].search_params == ()
    for rtype in ("Medication", "Practitioner", "PractitionerRole"):
        assert IPA_EXPECTATIONS[rtype].interactions == ("read",) and IPA_EXPECTATIONS[rtype].search_params == ()


@pytest.mark.parametrize("item", IPA_RESOURCES)
def test_conformant_statement_has_no_failure(item):
    cs = ipa_cs()
    for rid in RULES:
        finding = run(rid, cs, item)
        assert finding.outcome != "fail", (rid, item, finding.message)


# ---------------------------------------------------------------- IPA-INSTANTIATES

@pytest.mark.parametrize("urls", [[IPA_SERVER_CS], [IPA_SERVER_CS + "|1.1.0"], ["http://other", IPA_EXAMPLE_CS, IPA_SERVER_CS]])
def test_instantiates_passes(urls):
    cs = dict(ipa_cs(), instantiates=urls)
    assert run("IPA-INSTANTIATES", cs).outcome == "pass"
    assert instantiates_level(CheckContext(capability_statement=cs)) == "SHALL"


def test_instantiates_only_example_form_is_a_downgradable_failure():
    cs = dict(ipa_cs(), instantiates=[IPA_EXAMPLE_CS + "|1.0.0"])
    finding = run("IPA-INSTANTIATES", cs)
    assert finding.outcome == "fail"
    assert finding.message.startswith("only the non-normative .../ipa form")
    assert instantiates_level(CheckContext(capability_statement=cs)) == "SHOULD"


@pytest.mark.parametrize("value, shown", [
    (["http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server"], '["http://hl7.org/fhir/us/core/CapabilityStatement/us-core-server"]'),
    (IPA_SERVER_CS, "string"),
    (None, "absent"),
])
def test_instantiates_fails(value, shown):
    cs = ipa_cs()
    if value is None:
        del cs["instantiates"]
    else:
        cs["instantiates"] = value
    finding = run("IPA-INSTANTIATES", cs)
    assert finding.outcome == "fail" and finding.message.endswith(f"found {shown}")
    assert instantiates_level(CheckContext(capability_statement=cs)) == "SHALL"


# ---------------------------------------------------------------- IPA-PATIENT

def test_patient_passes():
    assert run("IPA-PATIENT", ipa_cs()).outcome == "pass"


def test_patient_fails_on_missing_search_and_param():
    cs = ipa_cs()
    entry(cs, "Patient")["interaction"] = [{"code": "read"}]
    entry(cs, "Patient")["searchParam"] = [{"name": "_id"}]
    finding = run("IPA-PATIENT", cs)
    assert finding.outcome == "fail"
    assert finding.message == (
        'rest[mode=server].resource[type=Patient]: interaction missing ["search-type"] (found ["read"]); '
        'searchParam missing ["identifier"] (found ["_id"])'
    )


def test_patient_fails_when_not_listed():
    finding = run("IPA-PATIENT", drop(ipa_cs(), "Patient"))
    assert finding.outcome == "fail" and finding.message == "Patient is not listed in rest[mode=server].resource"


def test_patient_fails_when_resource_is_junk():
    cs = ipa_cs()
    cs["rest"][0]["resource"] = {"type": "Patient"}
    finding = run("IPA-PATIENT", cs)
    assert finding.outcome == "fail" and "rest[mode=server].resource is object, expected an array" in finding.message


# ---------------------------------------------------------------- IPA-ANOTHER-RESOURCE

def test_another_resource_passes_with_medication_only():
    cs = drop(ipa_cs(), *[t for t in IPA_RESOURCES if t not in ("Patient", "Medication")])
    assert run("IPA-ANOTHER-RESOURCE", cs).outcome == "pass"


def test_another_resource_fails_with_patient_only():
    cs = drop(ipa_cs(), *IPA_RESOURCES[1:])
    cs["rest"][0]["resource"].append({"type": "Coverage"})
    finding = run("IPA-ANOTHER-RESOURCE", cs)
    assert finding.outcome == "fail" and finding.message.endswith('found types ["Patient","Coverage"]')


# ---------------------------------------------------------------- IPA-INTERACTIONS

def test_interactions_pass_for_read_only_resource():
    assert run("IPA-INTERACTIONS", ipa_cs(), "Practitioner").outcome == "pass"


def test_interactions_fail_without_search_type():
    cs = ipa_cs()
    entry(cs, "Condition")["interaction"] = [{"code": "read"}, {"code": "vread"}]
    finding = run("IPA-INTERACTIONS", cs, "Condition")
    assert finding.outcome == "fail"
    assert finding.message == (
        'rest[mode=server].resource[type=Condition].interaction: expected ["read","search-type"], '
        'missing ["search-type"] (found ["read","vread"])'
    )


def test_interactions_fail_when_interaction_absent():
    cs = ipa_cs()
    del entry(cs, "Medication")["interaction"]
    finding = run("IPA-INTERACTIONS", cs, "Medication")
    assert finding.outcome == "fail" and finding.message.endswith("(found []) (interaction is absent)")


@pytest.mark.parametrize("rid", ["IPA-INTERACTIONS", "IPA-SEARCH-PARAMS"])
def test_per_item_rules_leave_patient_to_ipa_patient(rid):
    finding = run(rid, ipa_cs(), "Patient")
    assert finding.outcome == "not_applicable" and finding.message == "IPA-PATIENT covers Patient"


@pytest.mark.parametrize("rid", ["IPA-INTERACTIONS", "IPA-SEARCH-PARAMS", "IPA-PROFILES"])
def test_per_item_rules_not_applicable_when_unlisted_or_unknown(rid):
    finding = run(rid, drop(ipa_cs(), "Immunization"), "Immunization")
    assert finding.outcome == "not_applicable" and "Immunization is not listed" in finding.message
    assert run(rid, ipa_cs(), "Coverage").outcome == "not_applicable"
    assert run(rid, ipa_cs(), None).outcome == "not_applicable"


# ---------------------------------------------------------------- IPA-SEARCH-PARAMS

def test_search_params_pass():
    assert run("IPA-SEARCH-PARAMS", ipa_cs(), "DocumentReference").outcome == "pass"


def test_search_params_fail_on_docref_without_id():
    cs = ipa_cs()
    entry(cs, "DocumentReference")["searchParam"] = [{"name": "patient"}, {"name": 3}, "junk"]
    finding = run("IPA-SEARCH-PARAMS", cs, "DocumentReference")
    assert finding.outcome == "fail"
    assert 'missing ["_id"] (found ["patient"])' in finding.message


def test_search_params_observation_has_no_shall_single_parameter():
    finding = run("IPA-SEARCH-PARAMS", ipa_cs(), "Observation")
    assert finding.outcome == "not_applicable" and "patient alone is MAY" in finding.message


# ---------------------------------------------------------------- IPA-DOCREF

@pytest.mark.parametrize("op", [
    {"name": "docref"}, {"name": "$docref", "definition": "http://elsewhere"}, {"name": "fetch", "definition": DOCREF_OPERATION + "|1.1.0"},
])
def test_docref_passes(op):
    cs = ipa_cs()
    entry(cs, "DocumentReference")["operation"] = [op]
    assert run("IPA-DOCREF", cs).outcome == "pass"


def test_docref_accepts_rest_level_declaration_with_note():
    cs = ipa_cs()
    del entry(cs, "DocumentReference")["operation"]
    cs["rest"][0]["operation"] = [{"name": "docref", "definition": "https://www.hl7.org/fhir/us/core/OperationDefinition-docref.html"}]
    finding = run("IPA-DOCREF", cs)
    assert finding.outcome == "pass" and "not on DocumentReference" in finding.message


def test_docref_fails_with_another_igs_operation():
    cs = ipa_cs()
    entry(cs, "DocumentReference")["operation"] = [
        {"name": "USCoreFetchDocumentReferences", "definition": "http://hl7.org/fhir/us/core/OperationDefinition/docref"}
    ]
    finding = run("IPA-DOCREF", cs)
    assert finding.outcome == "fail"
    assert "USCoreFetchDocumentReferences" in finding.message and "another IG's docref" in finding.message


def test_docref_fails_when_absent_and_not_applicable_when_unlisted():
    cs = ipa_cs()
    entry(cs, "DocumentReference")["operation"] = "docref"
    assert run("IPA-DOCREF", cs).outcome == "fail"
    finding = run("IPA-DOCREF", drop(ipa_cs(), "DocumentReference"))
    assert finding.outcome == "not_applicable" and "DocumentReference is not listed" in finding.message


# ---------------------------------------------------------------- IPA-PROFILES

def test_profiles_pass_from_supported_profile_with_version():
    cs = ipa_cs()
    e = entry(cs, "Immunization")
    e["profile"] = "http://hl7.org/fhir/StructureDefinition/Immunization"
    e["supportedProfile"] = [IPA_EXPECTATIONS["Immunization"].profile + "|1.1.0"]
    assert run("IPA-PROFILES", cs, "Immunization").outcome == "pass"


def test_profiles_report_missing_additional_profile_as_info():
    cs = ipa_cs()
    entry(cs, "Condition")["supportedProfile"] = []
    finding = run("IPA-PROFILES", cs, "Condition")
    assert finding.outcome == "pass" and "INFO" in finding.message and "ipa-problem-list-item" in finding.message


def test_profiles_fail_with_other_profile():
    cs = ipa_cs()
    e = entry(cs, "Patient")
    e["profile"] = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient|6.1.0"
    del e["supportedProfile"]
    finding = run("IPA-PROFILES", cs, "Patient")
    assert finding.outcome == "fail"
    assert finding.message == (
        "rest[mode=server].resource[type=Patient].profile/supportedProfile: expected "
        "http://hl7.org/fhir/uv/ipa/StructureDefinition/ipa-patient, "
        'found ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"]'
    )


def test_profiles_tolerate_dstu2_reference_objects():
    cs = ipa_cs()
    entry(cs, "Patient")["profile"] = {"reference": "StructureDefinition"}
    entry(cs, "Patient")["supportedProfile"] = None
    assert run("IPA-PROFILES", cs, "Patient").outcome == "fail"


# ---------------------------------------------------------------- IPA-XML

@pytest.mark.parametrize("fmt", [["xml"], ["application/fhir+xml;charset=utf-8"], ["json", "application/xml"]])
def test_xml_passes(fmt):
    assert run("IPA-XML", dict(ipa_cs(), format=fmt)).outcome == "pass"


@pytest.mark.parametrize("fmt", [["json", "application/fhir+json"], "xml", None])
def test_xml_fails(fmt):
    finding = run("IPA-XML", dict(ipa_cs(), format=fmt))
    assert finding.outcome == "fail" and finding.message.startswith("format: expected")


# ---------------------------------------------------------------- junk

JUNK = [None, 0, "x", [], {}, [None, 1], {"type": "Patient"}]


def test_no_rule_raises_on_junk():
    paths = [("instantiates",), ("format",), ("rest",), ("rest", 0, "resource"), ("rest", 0, "operation"),
             ("rest", 0, "resource", 0), ("rest", 0, "resource", 0, "type"), ("rest", 0, "resource", 0, "profile"),
             ("rest", 0, "resource", 0, "supportedProfile"), ("rest", 0, "resource", 0, "interaction"),
             ("rest", 0, "resource", 0, "searchParam"), ("rest", 0, "resource", 3, "operation"),
             ("rest", 0, "resource", 3, "operation", 0)]
    for path in paths:
        for junk in JUNK:
            cs = ipa_cs()
            node = cs
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = junk
            for rid, rule in RULES.items():
                for item in IPA_RESOURCES + [None, "", 7]:
                    finding = rule(CheckContext(capability_statement=copy.deepcopy(cs), item=item))
                    assert isinstance(finding, Finding) and finding.message, (rid, path, junk, item)
            assert instantiates_level(CheckContext(capability_statement=cs)) in ("SHALL", "SHOULD")
