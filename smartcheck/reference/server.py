"""The embedded reference target: a conformant discovery surface served over TLS on 127.0.0.1.

Why: it gives the suite (and its own tests) a target that passes every check with no network,
so a failure against it points at the suite. Each start makes a fresh CA, certificate and signing
keys, so several instances can run in one process without sharing state.
"""

from __future__ import annotations

import json
import pathlib
import ssl

import trustme
from joserfc.jwk import ECKey, KeySet, RSAKey

from smartcheck.reference import documents
from smartcheck.reference.https_server import HeaderDict, LoggingHandler, LoopbackHTTPServer

BASE_PATH = "/fhir"
JSON = "application/json"
FHIR_JSON = "application/fhir+json"
ALLOWED_METHODS = "GET, OPTIONS"


def _operation_outcome(code: str, diagnostics: str) -> bytes:
    return json.dumps({"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": code, "diagnostics": diagnostics}]}).encode()


class _ReferenceHandler(LoggingHandler):
    """GET serves the documents (authenticated or not), OPTIONS answers CORS preflight,
    every other method gets 405; unknown paths get a 404 OperationOutcome."""

    server: "_ReferenceHTTPServer"

    def dispatch(self) -> None:
        self.read_body()
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        document = self.server.documents.get(path)
        if self.command not in ("GET", "OPTIONS"):
            self._send(405, FHIR_JSON, _operation_outcome(
                "not-supported", f"{self.command} is not supported"), [("Allow", ALLOWED_METHODS)])
        elif document is None:
            self._send(404, FHIR_JSON, _operation_outcome("not-found", f"no resource at {path}"))
        elif self.command == "OPTIONS":
            requested = self.request_headers.get("Access-Control-Request-Headers")
            self._send(204, None, b"", [
                ("Access-Control-Allow-Methods", ALLOWED_METHODS),
                ("Access-Control-Allow-Headers", requested or "Authorization, Accept"),
                ("Access-Control-Max-Age", "600"),
                ("Allow", ALLOWED_METHODS)])
        else:
            self._send(200, *document)

    def _send(self, status: int, content_type: str | None, body: bytes, extra=()) -> None:
        origin = self.request_headers.get("Origin")
        headers = [("Access-Control-Allow-Origin", origin or "*"), ("Vary", "Origin"), *extra]
        if content_type:
            headers.append(("Content-Type", content_type))
        self.send_bytes(status, headers, body)


class _ReferenceHTTPServer(LoopbackHTTPServer):
    documents: dict[str, tuple[str, bytes]]


class ReferenceServer:
    """A running reference target. Use as a context manager or call `stop()`.

    Attributes: ``base_url`` (``https://127.0.0.1:PORT/fhir``), ``ca_path`` (PEM of the CA that
    issued the server certificate, inside ``state_dir``), ``request_log`` (list of
    (method, path, headers) with case-insensitive header keys), ``smart_configuration``,
    ``capability_statement`` and ``jwks`` (the documents served), ``keys`` (the private KeySet
    behind ``jwks``, never served).
    """

    def __init__(self, state_dir: pathlib.Path):
        self._ca = trustme.CA()
        leaf = self._ca.issue_cert("127.0.0.1", "localhost")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        leaf.configure_cert(context)
        self.keys = KeySet([
            RSAKey.generate_key(2048, parameters={"alg": "RS384", "use": "sig"}, auto_kid=True),
            ECKey.generate_key("P-384", parameters={"alg": "ES384", "use": "sig"}, auto_kid=True),
        ])
        self.jwks = self.keys.as_dict(private=False)
        self._httpd = _ReferenceHTTPServer(_ReferenceHandler, ssl_context=context)
        self.base_url = f"{self._httpd.origin}{BASE_PATH}"
        self.smart_configuration = documents.smart_configuration(self.base_url)
        self.capability_statement = documents.capability_statement(self.base_url)
        self._httpd.documents = {
            f"{BASE_PATH}/.well-known/smart-configuration": (JSON, _dump(self.smart_configuration)),
            f"{BASE_PATH}/metadata": (FHIR_JSON, _dump(self.capability_statement)),
            f"{BASE_PATH}/.well-known/jwks.json": (JSON, _dump(self.jwks)),
        }
        # Port in the name: two servers sharing a state_dir never overwrite each other's CA.
        self.ca_path = pathlib.Path(state_dir) / f"reference-ca-{self._httpd.port}.pem"
        try:
            self.ca_path.parent.mkdir(parents=True, exist_ok=True)
            self._ca.cert_pem.write_to_path(str(self.ca_path))
            self._httpd.start()
        except BaseException:
            self._httpd.server_close()
            raise

    @property
    def request_log(self) -> list[tuple[str, str, HeaderDict]]:
        return self._httpd.request_log

    def stop(self) -> None:
        """Shut down, close every socket and remove the CA file written at start."""
        self._httpd.stop()
        self.ca_path.unlink(missing_ok=True)

    def __enter__(self) -> "ReferenceServer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _dump(document: dict) -> bytes:
    return json.dumps(document, indent=2).encode()


def start_reference_server(state_dir: pathlib.Path) -> ReferenceServer:
    """Start the reference target on 127.0.0.1 (a free port) and return it, already serving."""
    return ReferenceServer(state_dir)
