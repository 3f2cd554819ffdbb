"""What the IPA server CapabilityStatement asks of a server's ``/metadata``, as data.

Transcribed from HL7/fhir-ipa ``input/resources/CapabilityStatement-ipa-server.json``
(research §4.3).  Only SHALL expectations that a server's CapabilityStatement can show are
kept: single SHALL search parameters (combinations need an extension servers rarely use),
SHALL interactions, the profile URLs and the SHALL ``$docref`` operation.
"""
from __future__ import annotations

from dataclasses import dataclass

IPA_SERVER_CS = "http://hl7.org/fhir/uv/ipa/CapabilityStatement/ipa-server"
# the form shown in the IG's "Declaring Conformance" example; not the resource's url
IPA_EXAMPLE_CS = "http://hl7.org/fhir/uv/ipa/CapabilityStatement/ipa"
DOCREF_OPERATION = "http://hl7.org/fhir/uv/ipa/OperationDefinition/docref"

_SD = "http://hl7.org/fhir/uv/ipa/StructureDefinition/"


@dataclass(frozen=True)
class IpaResource:
    """One ``rest.resource`` of the IPA server CapabilityStatement."""

    profile: str  # the resource's ``profile``: must be declared (IPA-PROFILES)
    supported_profiles: tuple[str, ...] = ()  # further ``supportedProfile`` entries (reported, not required)
    interactions: tuple[str, ...] = ("read",)  # SHALL interactions
    search_params: tuple[str, ...] = ()  # SHALL single search parameters
    operations: tuple[str, ...] = ()  # SHALL operations (names without '$')


_SEARCHABLE = ("read", "search-type")

IPA_EXPECTATIONS: dict[str, IpaResource] = {
    "Patient": IpaResource(_SD + "ipa-patient", interactions=_SEARCHABLE, search_params=("_id", "identifier")),
    "AllergyIntolerance": IpaResource(_SD + "ipa-allergyintolerance", interactions=_SEARCHABLE, search_params=("patient",)),
    "Condition": IpaResource(
        _SD + "ipa-condition", (_SD + "ipa-problem-list-item",), interactions=_SEARCHABLE, search_params=("patient",)
    ),
    "DocumentReference": IpaResource(
        _SD + "ipa-documentreference", interactions=_SEARCHABLE, search_params=("_id", "patient"), operations=("docref",)
    ),
    "Immunization": IpaResource(_SD + "ipa-immunization", interactions=_SEARCHABLE, search_params=("patient",)),
    "Medication": IpaResource(_SD + "ipa-medication"),
    "MedicationRequest": IpaResource(_SD + "ipa-medicationrequest", interactions=_SEARCHABLE, search_params=("patient",)),
    "MedicationStatement": IpaResource(_SD + "ipa-medicationstatement", interactions=_SEARCHABLE, search_params=("patient",)),
    # patient alone is MAY; the SHALL searches are patient+category, patient+code, patient+category+date
    "Observation": IpaResource(
        _SD + "ipa-observation", ("http://hl7.org/fhir/StructureDefinition/vitalsigns",), interactions=_SEARCHABLE
    ),
    "Practitioner": IpaResource(_SD + "ipa-practitioner"),
    "PractitionerRole": IpaResource(_SD + "ipa-practitionerrole"),
}

IPA_RESOURCES: list[str] = list(IPA_EXPECTATIONS)
