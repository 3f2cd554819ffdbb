"""targets.yaml loading: the contract keys, defaults, selection and one-line errors."""
from pathlib import Path

import pytest

from smartcheck.targets import TargetsError, load_targets

REPO = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(text)
    return path


def test_shipped_targets_file_is_valid_and_names_its_schema():
    text = (REPO / "targets.yaml").read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=schemas/targets.schema.json"
    targets = load_targets(REPO / "targets.yaml")
    assert targets.default == "reference"
    assert {"reference", "epic-sandbox", "oracle-health", "smart-launcher", "inferno-reference", "cms-bluebutton"} <= set(targets.targets)
    assert targets.targets["reference"].embedded == "reference"


def test_design_contract_example_loads_with_its_meaning(tmp_path):
    path = write(tmp_path, """
default: epic-sandbox
targets:
  epic-sandbox:
    description: Epic
    base_url: https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4
    smart_version: "2.0"
    profiles: [ipa]
    personas: [patient, provider]
    expect:
      resources:
        Observation: [read, search-type]
        Patient: readable
    timeout: 10
    auth:
      bearer_token_env: EPIC_SANDBOX_TOKEN
  split:
    base_url: https://ehr.example/r4
    smart_version: 2.1
    personas:
      patient: {base_url: https://myrecord.example/r4}
      system: {}
""")
    tf = load_targets(path)
    epic = tf.targets["epic-sandbox"]
    assert epic.smart_version == "2.0" and epic.profiles == {"ipa"} and list(epic.personas) == ["patient", "provider"]
    assert epic.expect_resources == {"Observation": ["read", "search-type"], "Patient": "readable"}
    assert epic.bearer_token_env == "EPIC_SANDBOX_TOKEN" and epic.timeout == 10
    split = tf.targets["split"]
    assert split.smart_version == "2.1"
    assert split.persona_base_url("patient") == "https://myrecord.example/r4"
    assert split.persona_base_url("system") == "https://ehr.example/r4"
    assert [t.name for t in tf.select([])] == ["epic-sandbox"]
    assert [t.name for t in tf.select(["split,epic-sandbox"])] == ["split", "epic-sandbox"]
    assert [t.name for t in tf.select(["all"])] == ["epic-sandbox", "split"]


def test_defaults(tmp_path):
    t = load_targets(write(tmp_path, "targets: {a: {base_url: 'https://a.example/fhir'}}")).targets["a"]
    assert (t.smart_version, list(t.personas), t.timeout, t.max_body_bytes, t.max_redirects) == ("2.2", ["patient"], 10.0, 5242880, 5)


@pytest.mark.parametrize("text, message", [
    ("targets: {epic: {base_url: 'https://x.example', personas: [patient, doctor]}}",
     "targets.epic.personas[1]: 'doctor' is not one of patient, provider, system"),
    ("targets: {epic: {base_url: 'https://x.example', smart_version: '3.0'}}",
     "targets.epic.smart_version: '3.0' is not one of 1.0, 2.0, 2.1, 2.2"),
    ("targets: {epic: {base_url: 'https://x.example', timeout: fast}}",
     "targets.epic.timeout: 'fast' is not of type 'number'"),
    ("targets: {epic: {base_url: 'https://x.example', colour: red}}",
     "targets.epic: unknown key(s) ('colour' was unexpected)"),
    ("targets: {epic: {base_url: 'https://x.example', expect: {resources: {Patient: readonly}}}}",
     "targets.epic.expect.resources.Patient: 'readonly' is not one of readable, writable, read-only, nor a list of interaction codes"),
    ("targets: {epic: {description: no url}}", "targets.epic: give exactly one of base_url or embedded"),
    ("default: nope\ntargets: {epic: {base_url: 'https://x.example'}}", "default: 'nope' is not a target; known targets: epic"),
    ("targets: [", "not valid YAML"),
])
def test_invalid_files_name_file_key_path_and_fault(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(TargetsError) as info:
        load_targets(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_unknown_target_lists_known_names(tmp_path):
    tf = load_targets(write(tmp_path, "targets: {a: {base_url: 'https://a.example'}, b: {base_url: 'https://b.example'}}"))
    with pytest.raises(TargetsError, match="unknown target 'c'.*known targets: a, b"):
        tf.select(["c"])
    with pytest.raises(TargetsError, match="no --target given and no 'default' target; known: a, b"):
        tf.select([])
