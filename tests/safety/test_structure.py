"""Structure: malformed JSON and wrong JSON types give clean verdicts, never a crash.

Why: a server's JSON is hostile input.  Deep nesting, duplicate keys, NaN/Infinity, invalid
UTF-8 and unpaired surrogates are parse failures owned by WK-JSON / CS-200 (dependents skip
naming them); a byte-order mark is tolerated with a note.  Any JSON type in any field the
checks read (a number for a URL, an object for an array, null anywhere) is a finding, never
an exception: checked end to end on the real suite and, with generated shapes, on every rule
in smartcheck.rules.RULES and on smartcheck.profile.build_profile (SECURITY.md, "Structure").
"""
from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartcheck.documents import MAX_JSON_DEPTH, PROBES, interpret, parse_json_object
from smartcheck.findings import CheckContext, Finding
from smartcheck.http import FAILURE_CLASSES, Exchange
from smartcheck.profile import build_profile
from smartcheck.profile import FAILURE_CLASSES as PROFILE_FAILURES
from smartcheck.requirements import CATALOGUE
from smartcheck.rules import LEVEL_HINTS, RULES
from smartcheck.rules.ipa_data import IPA_RESOURCES
from smartcheck.rules.resources import expectation_items
from tests.support.servers import LoopbackServer
from tests.support.hostile import (
    CS_DEPENDENTS, SC_DEPENDENTS, assert_dependents_skip, assert_no_errors, assert_root_cause, ca_bundle,
    run_all, site_routes,
)
from tests.support.servers import Response
from tests.support.sites import FHIR_JSON, JSON, conformant_capability_statement, conformant_smart_config

# --- malformed JSON, end to end -------------------------------------------------------------

DEEP = b'{"a":' * (MAX_JSON_DEPTH + 10) + b"1" + b"}" * (MAX_JSON_DEPTH + 10)
VERY_DEEP = b'{"a":' + b"[" * 200_000 + b"]" * 200_000 + b"}"     # beyond the parser's recursion limit
MALFORMED = {   # name -> (body, fragment of the not_json detail)
    "deep": (DEEP, f"JSON nested deeper than {MAX_JSON_DEPTH} levels"),
    "very-deep": (VERY_DEEP, f"JSON nested deeper than {MAX_JSON_DEPTH} levels"),
    "duplicate-keys": (b'{"issuer": "https://a.example", "capabilities": [], "issuer": "https://b.example"}',
                       "duplicate key 'issuer'"),
    "nan": (b'{"resourceType": "CapabilityStatement", "capabilities": ["x"], "n": NaN}', "NaN is not valid JSON"),
    "infinity": (b'{"resourceType": "CapabilityStatement", "n": -Infinity}', "-Infinity is not valid JSON"),
    "huge-number": (b'{"resourceType": "CapabilityStatement", "n": 1e999}', "out of range"),
    "invalid-utf8": (b'{"resourceType": "CapabilityStatement", "issuer": "caf\xe9"}', "not valid UTF-8"),
    "lone-surrogate": (b'{"resourceType": "CapabilityStatement", "issuer": "\\ud800"}', "unpaired UTF-16 surrogate"),
    "empty": (b"", "empty body"),
    "json-string": (b'"https://example.org"', "body is a JSON string, not an object"),
}


def _malformed_targets(server, ca) -> dict:
    targets = {}
    for name, (body, _fragment) in MALFORMED.items():
        targets[name] = {"base_url": site_routes(server, name, Response(200, JSON, body),
                                                 Response(200, FHIR_JSON, body)), "ca_bundle": ca}
    base = server.url("/bom/fhir")
    bom = b"\xef\xbb\xbf"
    site_routes(server, "bom",
                Response(200, JSON, bom + json.dumps(conformant_smart_config(base)).encode()),
                Response(200, FHIR_JSON, bom + json.dumps(conformant_capability_statement(base)).encode()))
    targets["bom"] = {"base_url": base, "ca_bundle": ca}
    return targets


def test_malformed_json_is_a_clean_not_json_verdict_and_a_bom_is_tolerated(runs):
    run = runs["malformed"]
    assert_no_errors(run)
    for name, (_body, fragment) in MALFORMED.items():
        assert run.verdict("WK-200", name) == "pass"
        assert_root_cause(run, name, "WK-JSON", "not_json", fragment)
        assert_root_cause(run, name, "CS-200", "not_json", fragment)
        assert_dependents_skip(run, name, "WK-JSON", "not_json", SC_DEPENDENTS)
        assert_dependents_skip(run, name, "CS-200", "not_json", CS_DEPENDENTS)
    wk_json = run.case("WK-JSON", "bom")
    assert wk_json.verdict == "pass" and "byte-order mark" in wk_json.message, wk_json.message
    assert run.verdict("CS-200", "bom") == "pass"
    assert run.verdict("PKCE-S256", "bom") == "pass"


# --- wrong JSON types, end to end -----------------------------------------------------------

def _replace_leaves(node, leaf, keep=("resourceType",)):
    """Every scalar (strings, numbers, booleans, null) replaced by ``leaf``; keys in ``keep`` kept."""
    if isinstance(node, dict):
        return {k: (v if k in keep else _replace_leaves(v, leaf, keep)) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace_leaves(v, leaf, keep) for v in node]
    return copy.deepcopy(leaf)


def _lists_to_objects(node):
    """Every array becomes an object (``{"0": ..., "1": ...}``)."""
    if isinstance(node, dict):
        return {k: _lists_to_objects(v) for k, v in node.items()}
    if isinstance(node, list):
        return {str(i): _lists_to_objects(v) for i, v in enumerate(node)}
    return node


def _objects_to_lists(node):
    """Every object below the top becomes an array of its values."""
    if isinstance(node, dict):
        return [_objects_to_lists(v) for v in node.values()]
    if isinstance(node, list):
        return [_objects_to_lists(v) for v in node]
    return node


WRONG_TYPES = {   # name -> transformation of a conformant document (top level stays an object)
    "fields-number": lambda d: {k: (v if k == "resourceType" else 42) for k, v in d.items()},     # a number for a URL
    "fields-object": lambda d: {k: (v if k == "resourceType" else {"url": "https://x.example"}) for k, v in d.items()},
    "fields-null": lambda d: {k: (v if k == "resourceType" else None) for k, v in d.items()},
    "fields-array": lambda d: {k: (v if k == "resourceType" else [None, 1, {}, [], True]) for k, v in d.items()},
    "leaves-null": lambda d: _replace_leaves(d, None),                                          # null anywhere
    "arrays-as-objects": _lists_to_objects,                                                     # an object for an array
    "objects-as-arrays": lambda d: {k: (v if k == "resourceType" else _objects_to_lists(v)) for k, v in d.items()},
}
# (every field x every JSON type, and every rule, is covered by the generated shapes below)


def _wrong_type_targets(server, ca) -> dict:
    targets = {}
    for name, change in WRONG_TYPES.items():
        base = server.url(f"/{name}/fhir")
        sc = change(conformant_smart_config(base))
        cs = change(conformant_capability_statement(base))
        site_routes(server, name, Response(200, JSON, sc), Response(200, FHIR_JSON, cs))
        targets[name] = {"base_url": base, "ca_bundle": ca, "profiles": ["ipa"],
                         "expect": {"resources": {"Patient": "read-only", "Observation": ["read", "search-type"],
                                                  "Condition": "writable"}}}
    targets["leaves-null"]["personas"] = ["patient", "provider", "system"]
    targets["fields-number"]["smart_version"] = "1.0"
    targets["fields-object"]["smart_version"] = "2.1"
    return targets


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("structure")
    with LoopbackServer() as server:
        ca = ca_bundle(directory, server)
        yield run_all(directory, {"malformed": (_malformed_targets(server, ca),),
                                  "wrong-types": (_wrong_type_targets(server, ca),)})


def test_wrong_json_types_in_every_field_give_verdicts_not_errors(runs):
    run = runs["wrong-types"]
    assert_no_errors(run)
    assert run.ret == 1
    for name in WRONG_TYPES:   # the documents parsed: their content is judged, not skipped
        assert run.verdict("WK-JSON", name, "patient") == "pass"
        assert run.verdict("CS-200", name, "patient") == "pass"
        if name != "objects-as-arrays":   # that one leaves capabilities a list of strings
            assert run.verdict("F-CAPS", name, "patient") == "fail"
        assert run.verdict("IPA-PATIENT", name, "patient") == "fail"
    assert run.verdict("BS-CAP", "leaves-null", "system") == "fail"


# --- every rule, generated shapes (unit level) -------------------------------------------------

SCALARS = st.none() | st.booleans() | st.integers(-2**63, 2**63) | st.floats(allow_nan=False, allow_infinity=False) \
    | st.text(max_size=12) | st.sampled_from(["https://x.example/a", "http://x", "S256", "plain", "launch-ehr",
                                              "client-confidential-asymmetric", "sso-openid-connect", "4.0.1",
                                              "Patient", "read", "search-type", "json", "SMART-on-FHIR"])
JSON_VALUES = st.recursive(SCALARS, lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.text(max_size=8), children, max_size=4), max_leaves=12)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


def _set(node, path, value):
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


@st.composite
def mutated(draw, base_document):
    """A conformant document with a few values (anywhere) replaced by arbitrary JSON or removed."""
    doc = copy.deepcopy(base_document)
    for _ in range(draw(st.integers(0, 6))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        if draw(st.booleans()) and isinstance(path[-1], str):
            parent = doc
            for part in path[:-1]:
                parent = parent[part]
            del parent[path[-1]]
        else:
            _set(doc, path, draw(JSON_VALUES))
    return doc


BASE = "https://fhir.example/r4"
SMART_CONFIGS = mutated(conformant_smart_config(BASE)) | st.dictionaries(
    st.sampled_from(sorted(conformant_smart_config(BASE)) + ["x"]), JSON_VALUES, max_size=8)
CAPABILITY_STATEMENTS = mutated(conformant_capability_statement(BASE)) | st.dictionaries(
    st.sampled_from(sorted(conformant_capability_statement(BASE)) + ["x"]), JSON_VALUES, max_size=8)
EXPECT = st.dictionaries(st.sampled_from(["Patient", "Observation", "Condition", "Encounter"]),
                         st.sampled_from(["readable", "writable", "read-only"])
                         | st.lists(st.sampled_from(["read", "vread", "update", "create", "search-type"]),
                                    min_size=1, max_size=3, unique=True), max_size=3)
HEADERS = st.lists(st.tuples(st.sampled_from(["Content-Type", "Access-Control-Allow-Origin", "Location", "X-Other"]),
                             st.sampled_from(["application/json", "application/fhir+json; charset=utf-8", "*",
                                              "text/html", "", "https://smartcheck.invalid", "null"])), max_size=3)


@st.composite
def documents(draw, sc, cs):
    """A Document per probe, as interpret() makes them: served (any status, headers, a body that
    may or may not parse) or failed with any failure class."""
    docs = {}
    for name, probe in PROBES.items():
        failure = draw(st.sampled_from((None,) * 4 + FAILURE_CLASSES))
        body_value = cs if probe.kind == "capability_statement" else sc
        body = draw(st.sampled_from([json.dumps(body_value).encode(), b"", b"<html>", b"[1]", b'{"resourceType": 1}']))
        exchange = Exchange("GET", BASE + probe.path, [], status=draw(st.sampled_from([200, 200, 200, 401, 404, 500])),
                            response_headers=draw(HEADERS), body=body)
        if failure:
            exchange.failure, exchange.detail, exchange.body = failure, "generated", b""
        docs[name] = interpret(probe, exchange)
    return docs


def _items(requirement, expect):
    kind = CATALOGUE[requirement].items
    if kind == "ipa_resources":
        return list(IPA_RESOURCES) + ["NotAResource"]
    if kind == "expectations":
        return [item for rid, item in expectation_items(expect) if rid == requirement] + [None, "Patient:bogus"]
    return [None]


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), sc=SMART_CONFIGS, cs=CAPABILITY_STATEMENTS, expect=EXPECT,
       version=st.sampled_from(["1.0", "2.0", "2.1", "2.2"]), persona=st.sampled_from(["patient", "provider", "system"]))
def test_no_rule_raises_on_any_document_shape(data, sc, cs, expect, version, persona):
    exchanges = data.draw(documents(sc, cs))
    for requirement, rule in RULES.items():
        for item in _items(requirement, expect):
            ctx = CheckContext(target="fuzz", persona=persona, smart_version=version, profiles=frozenset({"ipa"}),
                               base_url=BASE, smart_config=sc, capability_statement=cs, expect_resources=expect,
                               item=item, exchanges=exchanges)
            finding = rule(ctx)
            assert isinstance(finding, Finding) and finding.outcome in ("pass", "fail", "not_applicable"), requirement
            assert isinstance(finding.message, str)
            if requirement in LEVEL_HINTS:
                LEVEL_HINTS[requirement](ctx)


@settings(max_examples=150, deadline=None, database=None)
@given(sc=JSON_VALUES | SMART_CONFIGS, cs=JSON_VALUES | CAPABILITY_STATEMENTS,
       sc_failure=st.sampled_from((None,) + PROFILE_FAILURES), cs_failure=st.sampled_from((None,) + PROFILE_FAILURES))
def test_build_profile_never_raises_and_stays_json(sc, cs, sc_failure, cs_failure):
    profile = build_profile(sc, cs, sc_failure, cs_failure)
    assert isinstance(profile, dict)
    json.dumps(profile)   # it goes into endpoints.json as is


@settings(max_examples=200, deadline=None, database=None)
@given(body=st.binary(max_size=64) | JSON_VALUES.map(lambda v: json.dumps(v).encode()))
def test_parse_json_object_never_raises(body):
    value, problem, notes = parse_json_object(body)
    assert (value is None) != (problem is None)
    assert value is None or isinstance(value, dict)


def test_wk_cors_with_no_judged_probe_is_not_a_pass():
    def timed_out(name):
        exchange = Exchange("GET", BASE + PROBES[name].path, [], failure="timeout", detail="no complete response within 1 s")
        return interpret(PROBES[name], exchange)

    ctx = CheckContext(smart_config={}, exchanges={"smart_config_cors": timed_out("smart_config_cors"),
                                                   "capability_statement_cors": timed_out("capability_statement_cors")})
    finding = RULES["WK-CORS"](ctx)
    assert finding.outcome == "fail" and "timeout" in finding.message
