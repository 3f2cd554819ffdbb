"""Discovery document content: field types, absolute https endpoint URLs.

Each test verifies one catalogue requirement; the rule and its applicability live in
`smartcheck` (see `smartcheck/requirements.py`)."""
import pytest

@pytest.mark.requirement("WK-SCHEMA")
def test_wk_schema(conformance):
    conformance.verify()

@pytest.mark.requirement("WK-ABSOLUTE")
def test_wk_absolute(conformance):
    conformance.verify()

@pytest.mark.requirement("WK-HTTPS")
def test_wk_https(conformance):
    conformance.verify()
