"""The embedded reference target: a known-good SMART 2.2 + IPA discovery surface on 127.0.0.1.

Why: the suite needs a target that passes every check offline (the `reference` target in
targets.yaml), and the project's tests need real TLS servers rather than mocks.
"""

from smartcheck.reference.server import ReferenceServer, start_reference_server

__all__ = ["ReferenceServer", "start_reference_server"]
