"""The operator's own expectations (targets.yaml expect.resources).

Each test verifies one catalogue requirement; the rule and its applicability live in
`smartcheck` (see `smartcheck/requirements.py`)."""
import pytest

@pytest.mark.requirement("RES-READABLE")
def test_res_readable(conformance):
    conformance.verify()

@pytest.mark.requirement("RES-WRITABLE")
def test_res_writable(conformance):
    conformance.verify()

@pytest.mark.requirement("RES-INTERACTION")
def test_res_interaction(conformance):
    conformance.verify()

@pytest.mark.requirement("RES-NOT-WRITABLE")
def test_res_not_writable(conformance):
    conformance.verify()
