"""SMART App Launch and IPA conformance checks for FHIR R4 servers, run on pytest."""

__version__ = "0.1.0"
