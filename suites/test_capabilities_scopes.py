"""Capabilities, capability sets, grants, asymmetric client fields and scopes.

Each test verifies one catalogue requirement; the rule and its applicability live in
`smartcheck` (see `smartcheck/requirements.py`)."""
import pytest

@pytest.mark.requirement("CAP-KNOWN")
def test_cap_known(conformance):
    conformance.verify()

@pytest.mark.requirement("CAP-SET-PATIENT")
def test_cap_set_patient(conformance):
    conformance.verify()

@pytest.mark.requirement("CAP-SET-PROVIDER")
def test_cap_set_provider(conformance):
    conformance.verify()

@pytest.mark.requirement("CAP-V1")
def test_cap_v1(conformance):
    conformance.verify()

@pytest.mark.requirement("GRANT-AUTHCODE")
def test_grant_authcode(conformance):
    conformance.verify()

@pytest.mark.requirement("ASYM-METHOD")
def test_asym_method(conformance):
    conformance.verify()

@pytest.mark.requirement("ASYM-ALG")
def test_asym_alg(conformance):
    conformance.verify()

@pytest.mark.requirement("SCOPE-GRAMMAR")
def test_scope_grammar(conformance):
    conformance.verify()

@pytest.mark.requirement("SCOPE-V2")
def test_scope_v2(conformance):
    conformance.verify()

@pytest.mark.requirement("SCOPE-V2-ADVERTISED")
def test_scope_v2_advertised(conformance):
    conformance.verify()

@pytest.mark.requirement("SCOPE-OFFLINE")
def test_scope_offline(conformance):
    conformance.verify()

@pytest.mark.requirement("SCOPE-OPENID")
def test_scope_openid(conformance):
    conformance.verify()
