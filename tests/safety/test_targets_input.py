"""targets.yaml as input: hostile or broken files are a quick usage error, never a hang.

Why: the targets file is read before anything else and may come from anywhere (a pull
request, a shared config repo).  YAML alias bombs, deep nesting, huge files, endless devices,
unknown keys and wrong types each end in one line naming the file and the key path (or line
and column), with pytest's usage-error exit code 4, in well under a second of work
(SECURITY.md, "targets.yaml").
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from smartcheck.targets import (
    MAX_ALIASES, MAX_FILE_BYTES, MAX_LIST_ITEMS, MAX_NODES, MAX_YAML_DEPTH, TargetsError, load_targets,
)
from tests.support.hostile import run_all

GOOD_TARGET = "  t:\n    base_url: https://127.0.0.1:9/fhir\n"


def _billion_laughs(levels: int, width: int) -> str:
    """Few aliases (levels x width <= MAX_ALIASES), exponentially many values once expanded."""
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * width) + "]")
    return "\n".join(lines) + f"\ntargets:\n  t:\n    base_url: https://127.0.0.1:9/fhir\n    profiles: *lol{levels - 1}\n"


def _many_aliases(count: int) -> str:
    return "x: &x ipa\ntargets:\n" + GOOD_TARGET + "aliases: {" + ", ".join(f"a{i}: *x" for i in range(count)) + "}\n"


CASES = {   # name -> (file text, what the one-line error must contain)
    "alias-bomb": (_billion_laughs(10, 9), [f"more than {MAX_NODES} values once YAML aliases are expanded"]),
    "alias-count": (_many_aliases(MAX_ALIASES + 1), [f"more than {MAX_ALIASES} YAML aliases"]),
    "recursive-alias": ("targets: &t\n  t:\n    base_url: https://127.0.0.1:9/fhir\n    expect: *t\n",
                        ["nested deeper than", "once YAML aliases are expanded"]),
    "huge-file": ("targets:\n" + GOOD_TARGET + "#" + "x" * MAX_FILE_BYTES + "\n",
                  [f"larger than the {MAX_FILE_BYTES}-byte limit"]),
    "deep-nesting": ("targets: " + "[" * 5000 + "]" * 5000 + "\n", [f"nested deeper than {MAX_YAML_DEPTH} levels",
                                                                   "line 1, column"]),
    "long-list": ("targets:\n" + GOOD_TARGET + "    profiles: [" + ", ".join(["ipa"] * 5000) + "]\n",
                  [f"a list of more than {MAX_LIST_ITEMS} items", "line 4, column"]),
    "unknown-top-key": ("targets:\n" + GOOD_TARGET + "tragets: {}\n", ["(top level): unknown key(s)", "'tragets'"]),
    "unknown-target-key": ("targets:\n" + GOOD_TARGET + "    timeuot: 5\n", ["targets.t: unknown key(s)", "'timeuot'"]),
    "unknown-nested-key": ("targets:\n" + GOOD_TARGET + "    auth: {bearer_env: X}\n",
                           ["targets.t.auth: unknown key(s)", "'bearer_env'"]),
    "timeout-string": ("targets:\n" + GOOD_TARGET + "    timeout: fast\n",
                       ["targets.t.timeout: 'fast' is not of type 'number'"]),
    "timeout-too-big": ("targets:\n" + GOOD_TARGET + "    timeout: 100000\n", ["targets.t.timeout: 100000 is greater than"]),
    "base-url-number": ("targets:\n  t:\n    base_url: 42\n", ["targets.t.base_url: 42 is not of type 'string'"]),
    "max-body-float": ("targets:\n" + GOOD_TARGET + "    max_body_bytes: 1.5\n",
                       ["targets.t.max_body_bytes: 1.5 is not of type 'integer'"]),
    "redirects-negative": ("targets:\n" + GOOD_TARGET + "    max_redirects: -1\n",
                           ["targets.t.max_redirects: -1 is less than the minimum of 0"]),
    "personas-string": ("targets:\n" + GOOD_TARGET + "    personas: patient\n", ["targets.t.personas: "]),
    "profiles-object": ("targets:\n" + GOOD_TARGET + "    profiles: {ipa: true}\n",
                        ["targets.t.profiles: {'ipa': True} is not of type 'array'"]),
    "expect-number": ("targets:\n" + GOOD_TARGET + "    expect: {resources: {Patient: 7}}\n",
                      ["targets.t.expect.resources.Patient: 7 is not one of"]),
    "targets-list": ("targets: [a, b]\n", ["targets: ['a', 'b'] is not of type 'object'"]),
    "not-a-mapping": ("- just\n- a list\n", ["(top level): expected a mapping"]),
    "not-yaml": ("targets: {t: [unclosed\n", ["not valid YAML"]),
    "not-utf8": (b"targets:\n  t:\n    description: caf\xe9\n", ["cannot read targets file", "utf-8"]),
    "python-tag": ("targets: !!python/object/apply:os.system ['true']\n", ["not valid YAML"]),
    "endless-device": (Path("/dev/zero"), [f"more than the {MAX_FILE_BYTES}-byte limit"]),
}
SUITE_CASES = ("alias-bomb", "huge-file", "unknown-target-key", "timeout-string", "base-url-number", "deep-nesting",
               "endless-device")


def _file(tmp_path: Path, name: str) -> Path:
    text = CASES[name][0]
    if isinstance(text, Path):
        return text
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


@pytest.mark.parametrize("name", list(CASES))
def test_load_targets_refuses_quickly_with_file_and_key_path(tmp_path, name):
    path = _file(tmp_path, name)
    start = time.monotonic()
    with pytest.raises(TargetsError) as refused:
        load_targets(path)
    took = time.monotonic() - start
    message = str(refused.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message
    for fragment in CASES[name][1]:
        assert fragment in message, (fragment, message)
    assert took < 1.0, took


@pytest.fixture(scope="module")
def suite_runs(tmp_path_factory):
    directory = tmp_path_factory.mktemp("targets-input")
    start = time.monotonic()
    runs = run_all(directory, {name: (CASES[name][0],) for name in SUITE_CASES})
    return runs, time.monotonic() - start


@pytest.mark.parametrize("name", SUITE_CASES)
def test_the_suite_stops_with_a_usage_error_naming_file_and_key(suite_runs, name):
    runs, elapsed = suite_runs
    run = runs[name]
    assert run.ret == 4, run.output
    assert not run.cases
    errors = [line for line in run.output.splitlines() if line.startswith("ERROR: ")]
    assert len(errors) == 1, run.output
    expected_file = CASES[name][0] if isinstance(CASES[name][0], Path) else "targets.yaml"
    assert f"{expected_file}: " in errors[0], errors
    for fragment in CASES[name][1]:
        assert fragment in errors[0], (fragment, errors)
    assert "Traceback" not in run.output
    assert elapsed < 30, elapsed    # all of these runs (started together) ended promptly: no hang
