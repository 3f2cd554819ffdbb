"""PKCE: S256 offered, plain never.

Each test verifies one catalogue requirement; the rule and its applicability live in
`smartcheck` (see `smartcheck/requirements.py`)."""
import pytest

@pytest.mark.requirement("PKCE-S256")
def test_pkce_s256(conformance):
    conformance.verify()

@pytest.mark.requirement("PKCE-NO-PLAIN")
def test_pkce_no_plain(conformance):
    conformance.verify()
