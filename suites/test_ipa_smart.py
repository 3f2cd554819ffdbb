"""IPA: the SMART capabilities an IPA server SHALL advertise.

Each test verifies one catalogue requirement; the rule and its applicability live in
`smartcheck` (see `smartcheck/requirements.py`)."""
import pytest

@pytest.mark.requirement("IPA-CAP-LAUNCH-STANDALONE")
def test_ipa_cap_launch_standalone(conformance):
    conformance.verify()

@pytest.mark.requirement("IPA-CAP-CONTEXT-STANDALONE-PATIENT")
def test_ipa_cap_context_standalone_patient(conformance):
    conformance.verify()

@pytest.mark.requirement("IPA-CAP-PERMISSION-PATIENT")
def test_ipa_cap_permission_patient(conformance):
    conformance.verify()

@pytest.mark.requirement("IPA-CAP-PERMISSION-OFFLINE")
def test_ipa_cap_permission_offline(conformance):
    conformance.verify()

@pytest.mark.requirement("IPA-CAP-SSO-OPENID-CONNECT")
def test_ipa_cap_sso_openid_connect(conformance):
    conformance.verify()

@pytest.mark.requirement("IPA-CAP-CLIENT-PUBLIC")
def test_ipa_cap_client_public(conformance):
    conformance.verify()

@pytest.mark.requirement("IPA-CAP-CLIENT-CONFIDENTIAL-ASYMMETRIC")
def test_ipa_cap_client_confidential_asymmetric(conformance):
    conformance.verify()
