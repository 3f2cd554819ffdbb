"""The IPA server CapabilityStatement (profile ipa).

Each test verifies one catalogue requirement; the rule and its applicability live in
`smartcheck` (see `smartcheck/requirements.py`)."""
import pytest

@pytest.mark.requirement("IPA-INSTANTIATES")
def test_ipa_instantiates(conformance):
    conformance.verify()

@pytest.mark.requirement("IPA-PATIENT")
def test_ipa_patient(conformance):
    conformance.verify()

@pytest.mark.requirement("IPA-ANOTHER-RESOURCE")
def test_ipa_another_resource(conformance):
    conformance.verify()

@pytest.mark.requirement("IPA-INTERACTIONS")
def test_ipa_interactions(conformance):
    conformance.verify()

@pytest.mark.requirement("IPA-SEARCH-PARAMS")
def test_ipa_search_params(conformance):
    conformance.verify()

@pytest.mark.requirement("IPA-DOCREF")
def test_ipa_docref(conformance):
    conformance.verify()

@pytest.mark.requirement("IPA-PROFILES")
def test_ipa_profiles(conformance):
    conformance.verify()

@pytest.mark.requirement("IPA-XML")
def test_ipa_xml(conformance):
    conformance.verify()
