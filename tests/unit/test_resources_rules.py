"""RES-* rules over operator expectations, and their parametrization items."""
from __future__ import annotations

import pytest

from smartcheck.findings import CheckContext, Finding
from smartcheck.rules.resources import RULES, expectation_items


def cs_with(**types) -> dict:
    """types: resource type -> list of interaction codes, or None for an entry without ``interaction``."""
    entries = []
    for rtype, codes in types.items():
        entry = {"type": rtype}
        if codes is not None:
            entry["interaction"] = [{"code": c} for c in codes]
        entries.append(entry)
    return {"resourceType": "CapabilityStatement", "rest": [{"mode": "server", "resource": entries}]}


CS = cs_with(
    Patient=["read", "search-type"],
    Observation=["read", "create"],
    Binary=None,
    Device=["history-type"],
    Flag=["update"],
)


def run(rid: str, item, cs=CS) -> Finding:
    return RULES[rid](CheckContext(capability_statement=cs, item=item))


# ---------------------------------------------------------------- expectation_items

def test_expectation_items_mapping():
    items = expectation_items({
        "Patient": "readable",
        "Observation": "writable",
        "Device": "read-only",
        "Flag": ["read", "update", "read", 5],
    })
    assert items == [
        ("RES-READABLE", "Patient"),
        ("RES-WRITABLE", "Observation"),
        ("RES-READABLE", "Device"),
        ("RES-NOT-WRITABLE", "Device"),
        ("RES-INTERACTION", "Flag:read"),
        ("RES-INTERACTION", "Flag:update"),
    ]


@pytest.mark.parametrize("junk", [None, [], "Patient", 3, {"Patient": "sometimes", 5: "readable", "Flag": None}])
def test_expectation_items_ignore_junk(junk):
    assert expectation_items(junk) == []


# ---------------------------------------------------------------- RES-READABLE

@pytest.mark.parametrize("rtype", ["Patient", "Observation", "Device"])
def test_readable_passes(rtype):
    assert run("RES-READABLE", rtype).outcome == "pass"


def test_readable_fails_for_write_only_resource():
    finding = run("RES-READABLE", "Flag")
    assert finding.outcome == "fail"
    assert finding.message == (
        'rest[mode=server].resource[type=Flag].interaction: expected one of '
        '["read","vread","search-type","history-instance","history-type"], found ["update"]'
    )


def test_readable_fails_for_entry_without_interaction():
    finding = run("RES-READABLE", "Binary")
    assert finding.outcome == "fail" and finding.message.endswith("found [] (interaction is absent)")


def test_readable_names_junk_interaction_type():
    cs = {"rest": [{"mode": "server", "resource": [{"type": "Patient", "interaction": {"code": "read"}}]}]}
    finding = run("RES-READABLE", "Patient", cs)
    assert finding.outcome == "fail" and finding.message.endswith("found [] (interaction is object, expected an array)")


def test_readable_fails_when_not_listed():
    finding = run("RES-READABLE", "Encounter")
    assert finding.outcome == "fail" and finding.message == "Encounter is not listed in rest[mode=server].resource"


# ---------------------------------------------------------------- RES-WRITABLE

@pytest.mark.parametrize("rtype", ["Observation", "Flag"])
def test_writable_passes(rtype):
    assert run("RES-WRITABLE", rtype).outcome == "pass"


@pytest.mark.parametrize("rtype", ["Patient", "Binary", "Encounter"])
def test_writable_fails(rtype):
    assert run("RES-WRITABLE", rtype).outcome == "fail"


# ---------------------------------------------------------------- RES-INTERACTION

def test_interaction_passes():
    assert run("RES-INTERACTION", "Patient:search-type").outcome == "pass"


def test_interaction_fails_when_code_missing():
    finding = run("RES-INTERACTION", "Patient:update")
    assert finding.outcome == "fail"
    assert finding.message == 'rest[mode=server].resource[type=Patient].interaction: expected update, found ["read","search-type"]'


@pytest.mark.parametrize("item", ["Encounter:read", "Binary:read", "Patient", None, "Patient:"])
def test_interaction_fails_for_unlisted_or_malformed(item):
    assert run("RES-INTERACTION", item).outcome == "fail"


# ---------------------------------------------------------------- RES-NOT-WRITABLE

@pytest.mark.parametrize("rtype", ["Patient", "Binary", "Device", "Encounter"])
def test_not_writable_passes(rtype):
    assert run("RES-NOT-WRITABLE", rtype).outcome == "pass"


def test_not_writable_fails():
    finding = run("RES-NOT-WRITABLE", "Observation")
    assert finding.outcome == "fail"
    assert finding.message == 'rest[mode=server].resource[type=Observation].interaction: expected no write interaction, found ["create"]'


# ---------------------------------------------------------------- junk

@pytest.mark.parametrize("cs", [
    {"resourceType": "CapabilityStatement"},
    {"rest": None}, {"rest": [{"mode": "server", "resource": "Patient"}]},
    {"rest": [{"mode": "server", "resource": [{"type": "Patient", "interaction": {"code": "read"}}]}]},
    {"rest": [{"mode": "server", "resource": [{"type": "Patient", "interaction": [None, 3, {"code": 4}, {"code": "read"}]}]}]},
])
def test_no_rule_raises_on_junk(cs):
    for rule in RULES.values():
        for item in ("Patient", "Patient:read", None, 7, ""):
            finding = rule(CheckContext(capability_statement=cs, item=item))
            assert isinstance(finding, Finding) and finding.message
