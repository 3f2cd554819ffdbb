"""SECURITY.md states the numbers the code enforces (and the tests check).

Why: a security page that drifts from the code is worse than none.  This reads the Limits
table (every row names the constant it documents) and the other numbers and lists in the
prose, and compares them with smartcheck's constants and the targets schema.
"""
from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from smartcheck import http
from smartcheck.documents import PROBES
from smartcheck.redaction import SENSITIVE_HEADERS
from smartcheck.targets import DEFAULT_MAX_BODY, DEFAULT_MAX_REDIRECTS, DEFAULT_TIMEOUT

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "SECURITY.md").read_text(encoding="utf-8")
REQUIRED = ("DEFAULT_TIMEOUT", "DEFAULT_MAX_BODY", "DEFAULT_MAX_REDIRECTS", "MAX_FILE_BYTES", "MAX_ALIASES",
            "MAX_JSON_DEPTH")


def limits_table() -> dict[str, float]:
    """Constant reference -> the first number of its Value cell, from the '## Limits' table."""
    section = DOC.split("## Limits", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[2].startswith("`"):
            continue
        number = re.match(r"(\d+(?:\.\d+)?)", cells[1])
        assert number, f"no number at the start of the value cell: {line}"
        rows[cells[2].strip("`")] = float(number.group(1))
    return rows


def actual(reference: str) -> float:
    if reference.startswith("schemas/"):
        path, _, pointer = reference.partition("#")
        schema = json.loads((REPO / path).read_text(encoding="utf-8"))
        key, field = pointer.split(".")
        return schema["$defs"]["target"]["properties"][key][field]
    module, _, name = reference.rpartition(".")
    value = getattr(importlib.import_module(module), name)
    return len(value) if isinstance(value, (dict, list, tuple, set, frozenset)) else value


def test_the_limits_table_names_every_required_constant():
    names = {ref.rpartition(".")[2] for ref in limits_table()}
    assert set(REQUIRED) <= names, set(REQUIRED) - names


@pytest.mark.parametrize("reference", sorted(limits_table()))
def test_each_documented_limit_is_the_enforced_one(reference):
    assert limits_table()[reference] == actual(reference), reference


def test_the_client_defaults_are_the_documented_defaults():
    limits = http.Limits()
    assert (limits.timeout, limits.max_body_bytes, limits.max_redirects) == \
        (DEFAULT_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_MAX_REDIRECTS)


def test_the_worst_case_bound_uses_the_number_of_probes():
    p = len(PROBES)
    assert f"**P = {p}**" in DOC
    assert f"**{p} × timeout × N**" in DOC
    assert f"that is {p * DEFAULT_TIMEOUT:g} s per target and persona" in DOC
    assert f"{p} × {DEFAULT_TIMEOUT:g} s × 9 = {p * DEFAULT_TIMEOUT * 9:g} s" in DOC
    assert f"within {p} × 1 s × 3 = {p * 3} s" in DOC       # the tested case (test_time.py)
    assert f"{DEFAULT_MAX_BODY} bytes" in DOC and f"hops are followed ({DEFAULT_MAX_REDIRECTS} by default)" in DOC
    assert sum(1 for probe in PROBES.values() if not probe.authenticated) == 6


def test_the_redacted_headers_and_read_only_methods_are_the_enforced_ones():
    line = next(line for line in DOC.splitlines() if "always recorded as" in line or "recorded as `[REDACTED]`" in line)
    paragraph = DOC[DOC.index(line):].split("\n\n", 1)[0]
    documented = {h.lower() for h in re.findall(r"`([A-Za-z-]+)`", paragraph)}
    assert documented == set(SENSITIVE_HEADERS), documented
    sentence = re.search(r"sends only read-only methods: ([^.]*)\.", DOC.replace("\n", " "))
    assert sentence, "the Read-only section lists the methods"
    assert set(re.findall(r"`([A-Z]+)`", sentence.group(1))) == set(http.READ_ONLY_METHODS)


def test_every_safety_test_file_named_exists():
    for name in set(re.findall(r"tests/safety/(test_\w+\.py)", DOC)):
        assert (REPO / "tests" / "safety" / name).is_file(), name
