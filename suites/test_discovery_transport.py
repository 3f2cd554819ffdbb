"""Discovery document transport: status, JSON, media type, Accept, CORS, authenticated access.

Each test verifies one catalogue requirement; the rule and its applicability live in
`smartcheck` (see `smartcheck/requirements.py`)."""
import pytest

@pytest.mark.requirement("WK-200")
def test_wk_200(conformance):
    conformance.verify()

@pytest.mark.requirement("WK-JSON")
def test_wk_json(conformance):
    conformance.verify()

@pytest.mark.requirement("WK-CTYPE")
def test_wk_ctype(conformance):
    conformance.verify()

@pytest.mark.requirement("WK-ACCEPT")
def test_wk_accept(conformance):
    conformance.verify()

@pytest.mark.requirement("WK-CORS")
def test_wk_cors(conformance):
    conformance.verify()

@pytest.mark.requirement("WK-AUTHED")
def test_wk_authed(conformance):
    conformance.verify()
