"""The CapabilityStatement at {base}/metadata.

Each test verifies one catalogue requirement; the rule and its applicability live in
`smartcheck` (see `smartcheck/requirements.py`)."""
import pytest

@pytest.mark.requirement("CS-200")
def test_cs_200(conformance):
    conformance.verify()

@pytest.mark.requirement("CS-CTYPE")
def test_cs_ctype(conformance):
    conformance.verify()

@pytest.mark.requirement("CS-AUTHED")
def test_cs_authed(conformance):
    conformance.verify()

@pytest.mark.requirement("CS-FHIR-VERSION")
def test_cs_fhir_version(conformance):
    conformance.verify()

@pytest.mark.requirement("CS-JSON-FORMAT")
def test_cs_json_format(conformance):
    conformance.verify()

@pytest.mark.requirement("CS-REST-SERVER")
def test_cs_rest_server(conformance):
    conformance.verify()

@pytest.mark.requirement("CS-OAUTH-URIS")
def test_cs_oauth_uris(conformance):
    conformance.verify()

@pytest.mark.requirement("CS-OAUTH-MATCH")
def test_cs_oauth_match(conformance):
    conformance.verify()

@pytest.mark.requirement("CS-SECURITY-SERVICE")
def test_cs_security_service(conformance):
    conformance.verify()
