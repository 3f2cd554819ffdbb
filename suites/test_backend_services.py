"""Backend services discovery (persona system).

Each test verifies one catalogue requirement; the rule and its applicability live in
`smartcheck` (see `smartcheck/requirements.py`)."""
import pytest

@pytest.mark.requirement("BS-CAP")
def test_bs_cap(conformance):
    conformance.verify()

@pytest.mark.requirement("BS-GRANT")
def test_bs_grant(conformance):
    conformance.verify()

@pytest.mark.requirement("BS-METHOD")
def test_bs_method(conformance):
    conformance.verify()

@pytest.mark.requirement("BS-ALG")
def test_bs_alg(conformance):
    conformance.verify()

@pytest.mark.requirement("BS-SCOPES")
def test_bs_scopes(conformance):
    conformance.verify()
