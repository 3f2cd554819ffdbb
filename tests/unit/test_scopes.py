"""SMART scope grammar (research §2.3): classification tables and edge cases."""
from __future__ import annotations

import pytest

from smartcheck.rules.scopes import (
    SCOPE_KINDS,
    ResourceScope,
    classify_scope,
    explain_invalid,
    is_full_uri,
    is_resource_scope,
    is_v2_resource_scope,
    parse_resource_scope,
    scope_context,
)

CASES = [
    # v1 resource scopes: .read / .write / .*
    ("patient/Observation.read", "v1"),
    ("user/Appointment.write", "v1"),
    ("system/*.read", "v1"),
    ("patient/*.*", "v1"),  # "*" is not in cruds, so only v1 can parse it
    ("user/*.write", "v1"),
    # v2: non-empty, in-order subset of cruds, optional query
    ("patient/Observation.rs", "v2"),  # must not be misread (neither v1 nor invalid)
    ("patient/*.cruds", "v2"),
    ("system/Observation.c", "v2"),
    ("user/Patient.r", "v2"),
    ("user/Patient.s", "v2"),
    ("patient/Encounter.cud", "v2"),
    ("patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory", "v2"),
    ("patient/Observation.rs?category=a|b&code=c|d", "v2"),
    ("patient/Observation.rs?code:in=http://example.org/vs", "v2"),
    # invalid resource scopes
    ("patient/Observation.dus", "invalid"),  # out of order (spec's own example)
    ("patient/Observation.rr", "invalid"),
    ("patient/Observation.", "invalid"),
    ("patient/Observation.readwrite", "invalid"),
    ("patient/Observation.create", "invalid"),
    ("patient/Observation.READ", "invalid"),
    ("patient/Observation.RS", "invalid"),
    ("patient/observation.read", "invalid"),  # resource types are capitalised
    ("Patient/Observation.read", "invalid"),
    ("practitioner/Observation.read", "invalid"),
    ("patient/Observation.read?category=x", "invalid"),  # v1 has no query
    ("patient/Observation.rs?", "invalid"),
    ("patient/Observation.rs?category", "invalid"),
    ("patient/Observation.rs?category=", "invalid"),
    ("patient/Observation.rs?a=b&", "invalid"),
    ("patient/Observation.rs?a=b&&c=d", "invalid"),
    ("patient/Observation.rs ", "invalid"),
    ("patient/O.read", "invalid"),  # [A-Z][A-Za-z]+ needs two letters
    ("patient/Observation2.read", "invalid"),
    ("patient/**.read", "invalid"),
    # launch
    ("launch", "launch"),
    ("launch/patient", "launch"),
    ("launch/encounter", "launch"),
    ("launch/location", "launch"),
    ("launch/patient?role=https://example.org/role", "launch"),
    ("launch/Patient", "invalid"),
    ("launch/", "invalid"),
    ("launch?role=x", "invalid"),
    ("launch/patient?role=a&role=b", "invalid"),  # at most one role per scope
    ("launch/patient?foo=x", "invalid"),
    # identity and refresh (case-sensitive)
    ("openid", "identity"),
    ("fhirUser", "identity"),
    ("profile", "identity"),
    ("fhiruser", "invalid"),
    ("OpenID", "invalid"),
    ("offline_access", "refresh"),
    ("online_access", "refresh"),
    ("offline-access", "invalid"),
    # extension scopes
    ("__my_scope", "extension"),
    ("https://example.org/scopes/special", "extension"),
    ("http://smarthealthit.org/fhir/scopes/patient/*.read", "extension"),
    ("urn:example:scope", "extension"),
    ("__", "invalid"),
    ("launch:patient", "invalid"),  # not a full URI
    ("epic.scanning.dmsusername", "invalid"),
    ("email", "identity"),
    ("", "invalid"),
    ("   ", "invalid"),
    ("openid fhirUser", "invalid"),  # one entry, two scopes
]


@pytest.mark.parametrize("scope,kind", CASES)
def test_classify(scope, kind):
    assert classify_scope(scope) == kind


@pytest.mark.parametrize("value", [None, 7, 1.5, True, [], {}, ["openid"], {"openid": 1}, b"openid"])
def test_non_strings_are_invalid(value):
    assert classify_scope(value) == "invalid"
    assert parse_resource_scope(value) is None
    assert scope_context(value) is None
    assert explain_invalid(value) == "not a string"


def test_kinds_are_closed_set():
    for scope, _ in CASES:
        assert classify_scope(scope) in SCOPE_KINDS


def test_parse_v2_with_query():
    parsed = parse_resource_scope("system/Observation.rs?category=a|b&code=c")
    assert parsed == ResourceScope("system", "Observation", "v2", "rs", "category=a|b&code=c")


def test_parse_v1():
    assert parse_resource_scope("patient/*.*") == ResourceScope("patient", "*", "v1", "*", None)
    assert parse_resource_scope("user/Observation.write").version == "v1"


def test_helpers():
    assert is_resource_scope("patient/Observation.read")
    assert is_resource_scope("patient/Observation.rs")
    assert not is_resource_scope("launch/patient")
    assert is_v2_resource_scope("patient/Observation.rs")
    assert not is_v2_resource_scope("patient/Observation.read")
    assert scope_context("system/*.rs") == "system"
    assert scope_context("system/foo") is None


@pytest.mark.parametrize("value,expected", [
    ("https://example.org/x", True),
    ("http://a", True),
    ("urn:ietf:rfc:3986", True),
    ("urn:x", False),
    ("launch:patient", False),
    ("https://", False),
    ("permission-v2", False),
    ("https://exa mple.org", False),
    (None, False),
])
def test_is_full_uri(value, expected):
    assert is_full_uri(value) is expected


@pytest.mark.parametrize("scope,fragment", [
    ("fhiruser", '"fhirUser"'),
    ("offline-access", '"offline_access"'),
    ("Launch/Patient", '"launch/patient"'),
    ("patient/Observation.read?category=x", "query"),
    ("patient/Observation.dus", "in-order"),
    ("patient/Observation.rs?category", "query"),
    ("patient/Observation.create", "neither v1"),
    ("patient/observation.read", "uppercase"),
    ("a b", "whitespace"),
    ("", "empty"),
])
def test_explain_invalid(scope, fragment):
    assert fragment in explain_invalid(scope)


def test_explain_valid_is_empty():
    assert explain_invalid("patient/Observation.rs") == ""
    assert explain_invalid("epic.scanning.dmsusername") == ""
