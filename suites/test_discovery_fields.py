"""Required, conditional and recommended discovery fields.

Each test verifies one catalogue requirement; the rule and its applicability live in
`smartcheck` (see `smartcheck/requirements.py`)."""
import pytest

@pytest.mark.requirement("F-TOKEN")
def test_f_token(conformance):
    conformance.verify()

@pytest.mark.requirement("F-CAPS")
def test_f_caps(conformance):
    conformance.verify()

@pytest.mark.requirement("F-GRANTS")
def test_f_grants(conformance):
    conformance.verify()

@pytest.mark.requirement("F-PKCE")
def test_f_pkce(conformance):
    conformance.verify()

@pytest.mark.requirement("F-AUTHZ")
def test_f_authz(conformance):
    conformance.verify()

@pytest.mark.requirement("F-ISSUER")
def test_f_issuer(conformance):
    conformance.verify()

@pytest.mark.requirement("F-JWKS")
def test_f_jwks(conformance):
    conformance.verify()

@pytest.mark.requirement("F-ISSUER-OMITTED")
def test_f_issuer_omitted(conformance):
    conformance.verify()

@pytest.mark.requirement("F-REC-SCOPES")
def test_f_rec_scopes(conformance):
    conformance.verify()

@pytest.mark.requirement("F-REC-RESPONSE-TYPES")
def test_f_rec_response_types(conformance):
    conformance.verify()

@pytest.mark.requirement("F-REC-MANAGEMENT")
def test_f_rec_management(conformance):
    conformance.verify()

@pytest.mark.requirement("F-REC-INTROSPECTION")
def test_f_rec_introspection(conformance):
    conformance.verify()

@pytest.mark.requirement("F-REC-REVOCATION")
def test_f_rec_revocation(conformance):
    conformance.verify()

@pytest.mark.requirement("F-REC-BRANDS")
def test_f_rec_brands(conformance):
    conformance.verify()
