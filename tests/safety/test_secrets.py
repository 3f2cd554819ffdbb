"""Secrets: never in targets.yaml, never in any report, evidence file or terminal line.

Why: conformance reports are shared (CI artifacts, tickets).  targets.yaml holds only names of
environment variables; a literal token, JWT, private key or password-bearing URL is a usage
error (exit 4) that names the file and key path and does not repeat the value.  A credential
from the environment is sent only to its target's origin, and a server that echoes it back (in
a header, a header name, a JSON body, an error page, a WWW-Authenticate challenge, a redirect
URL, or later unauthenticated answers) cannot get it written anywhere (SECURITY.md, "Secrets").
"""
from __future__ import annotations

import base64
import json
import secrets
from urllib.parse import quote

import pytest

from smartcheck import http
from smartcheck.redaction import REDACTED, SENSITIVE_HEADERS, register_secret, scrub, scrub_bytes
from smartcheck.targets import TargetsError, load_targets
from tests.support.hostile import ca_bundle, files_under, run_all, site_routes
from tests.support.servers import LoopbackServer, Response
from tests.support.sites import FHIR_JSON, JSON, conformant_capability_statement, conformant_smart_config
from tests.support.suite_run import write_targets

JWT_LITERAL = ("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbiIsImV4cCI6MTk5OTk5OTk5OX0."
               "c2lnbmF0dXJlLWJ5dGVzLWhlcmUtZm9yLXRlc3Q")
PEM_LITERAL = ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
               "-----END PRIVATE KEY-----\n")
GOOD = {"base_url": "https://127.0.0.1:9/fhir"}
LITERALS = {   # name -> (targets, key path in the message, what it looks like, the literal value)
    "bearer-token": ({"t": {**GOOD, "auth": {"bearer_token": "abc"}}}, "targets.t.auth.bearer_token",
                     "literal credentials are not allowed", None),
    "client-secret": ({"t": {**GOOD, "client_secret": "hunter2-hunter2"}}, "targets.t.client_secret",
                      "literal credentials are not allowed", "hunter2-hunter2"),
    "password": ({"t": {**GOOD, "auth": {"password": "correct-horse-battery"}}}, "targets.t.auth.password",
                 "literal credentials are not allowed", "correct-horse-battery"),
    "jwt-value": ({"t": {**GOOD, "description": JWT_LITERAL}}, "targets.t.description", "looks like a JWT",
                  JWT_LITERAL),
    "pem-value": ({"t": {**GOOD, "description": PEM_LITERAL}}, "targets.t.description",
                  "looks like a PEM private key", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"),
    "bearer-value": ({"t": {**GOOD, "auth": {"bearer_token_env": "Bearer abcdefghijklmnop"}}},
                     "targets.t.auth.bearer_token_env", "looks like an Authorization header value",
                     "abcdefghijklmnop"),
    "url-password": ({"t": {"base_url": "https://admin:s3cr3t-pw@127.0.0.1:9/fhir"}}, "targets.t.base_url",
                     "looks like a URL with a password in it", "s3cr3t-pw"),
    "url-token": ({"t": {"base_url": "https://127.0.0.1:9/fhir?access_token=tok-123456"}}, "targets.t.base_url",
                  "looks like a URL with a credential in its query", "tok-123456"),
}


SUITE_RUNS = ("bearer-token", "jwt-value", "pem-value")   # the real suite for these; load_targets for all


@pytest.fixture(scope="module")
def literal_runs(tmp_path_factory):
    return run_all(tmp_path_factory.mktemp("literals"), {name: (LITERALS[name][0],) for name in SUITE_RUNS})


@pytest.mark.parametrize("name", SUITE_RUNS)
def test_a_literal_secret_in_targets_yaml_is_a_usage_error(literal_runs, name):
    run = literal_runs[name]
    _targets, key_path, what, literal = LITERALS[name]
    assert run.ret == 4, run.output            # pytest's usage error
    assert not run.cases                        # refused before any test ran (and any request was made)
    line = next((line for line in run.output.splitlines() if line.startswith("ERROR: ")), "")
    assert "targets.yaml: " in line and f"{key_path}: " in line and what in line, run.output
    if literal:
        assert literal not in run.output       # the message names the key, never the value


@pytest.mark.parametrize("name", list(LITERALS))
def test_load_targets_refuses_every_literal_secret_without_repeating_it(tmp_path, name):
    targets, key_path, what, literal = LITERALS[name]
    path = write_targets(tmp_path, targets)
    with pytest.raises(TargetsError) as refused:
        load_targets(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: {key_path}: ") and what in message, message
    if literal:
        assert literal not in message


def test_target_and_resource_names_are_not_mistaken_for_secrets(tmp_path):
    path = write_targets(tmp_path, {"cookie": GOOD, "api_key": {**GOOD, "expect": {"resources": {"Patient": "readable"}}}})
    assert set(load_targets(path).targets) == {"cookie", "api_key"}


def test_a_credential_is_read_without_surrounding_whitespace(tmp_path, monkeypatch):
    monkeypatch.setenv("SMARTCHECK_WS_TOKEN", "  token-with-newline\n")
    path = write_targets(tmp_path, {"t": {**GOOD, "auth": {"bearer_token_env": "SMARTCHECK_WS_TOKEN"}}})
    assert load_targets(path).targets["t"].credential() == "token-with-newline"


# --- redaction everywhere ----------------------------------------------------------------------

def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


RANDOM_SECRET = "sk-" + secrets.token_urlsafe(24)
JWT_SECRET = ".".join((_b64url(b'{"alg":"ES256","typ":"JWT"}'),
                       _b64url(json.dumps({"sub": secrets.token_hex(8), "scope": "system/*.rs"}).encode()),
                       _b64url(secrets.token_bytes(64))))
ENV = {"SMARTCHECK_SECRET_RANDOM": RANDOM_SECRET, "SMARTCHECK_SECRET_JWT": JWT_SECRET}


def _echoing_site(server, name: str, mode: str) -> str:
    """A site that reflects the Authorization header wherever it can.  mode: "ok" answers the
    authenticated probes 200 (HTML page / JSON body), "error" answers them with a 401 challenge
    and an error page, "redirect" sends them to a same-origin URL carrying the token."""
    base = server.url(f"/{name}/fhir")
    seen: list[str] = []

    def route(document, media):
        def answer(request):
            auth = request.headers.get("authorization")
            token = auth.split(" ", 1)[1] if auth else (seen[-1] if seen else "")
            echo = [("X-Echo-Authorization", auth or ""), (f"X-Echo-{token or 'none'}", "1"),
                    ("Access-Control-Allow-Origin", "*")]
            if not auth:   # unauthenticated: the server "remembers" the last token and leaks it too
                doc = dict(document, **({"publisher": token, "echo": {"token": token}} if token else {}))
                return Response(200, media + echo, doc)
            seen.append(token)
            if request.path.endswith("/landing"):
                return Response(500, [("Content-Type", "text/html")] + echo,
                                f"<html><body><h1>Error</h1><p>token {token} rejected ({auth})</p></body></html>")
            if mode == "ok" and media is JSON:
                return Response(200, [("Content-Type", "text/html")] + echo,
                                f"<html>{auth} <b>{token}</b> is not welcome here</html>")
            if mode == "ok":
                return Response(200, media + echo, {"resourceType": "OperationOutcome", "echo": auth,
                                                    "issue": [{"severity": "error", "diagnostics": f"bad token {token}"}]})
            if mode == "error":
                return Response(401, [("WWW-Authenticate", f'Bearer error="invalid_token", error_description="{token}"'),
                                      ("Content-Type", "text/html")] + echo,
                                f"<html><body>Access denied for {auth}</body></html>")
            return Response(302, echo, redirect_to=f"/{name}/landing?access_token={token}&echo={token}")
        return answer

    site_routes(server, name, route(conformant_smart_config(base), JSON),
                route(conformant_capability_statement(base), FHIR_JSON))
    server.routes[f"/{name}/landing"] = route({}, JSON)
    return base


@pytest.fixture(scope="module")
def echo_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("redaction")
    with LoopbackServer() as server:
        ca = ca_bundle(directory, server)
        targets = {}
        for env_name, label in (("SMARTCHECK_SECRET_RANDOM", "random"), ("SMARTCHECK_SECRET_JWT", "jwt")):
            for mode in ("ok", "error", "redirect"):
                name = f"echo-{mode}-{label}"
                targets[name] = {"base_url": _echoing_site(server, name, mode), "ca_bundle": ca, "profiles": ["ipa"],
                                 "personas": ["patient", "system"], "auth": {"bearer_token_env": env_name}}
        run = run_all(directory, {"run": (targets, ("-rA",), ENV)})["run"]
        sent = [headers.get("authorization") for _m, _p, headers in server.request_log]
    return run, sent


def test_the_credential_was_really_sent_and_echoed(echo_run):
    run, sent = echo_run
    assert f"Bearer {RANDOM_SECRET}" in sent and f"Bearer {JWT_SECRET}" in sent
    assert run.cases and run.ret == 1, run.output
    failing = {c.properties["requirement"] for c in run.cases if c.verdict == "fail"}
    assert {"WK-AUTHED", "CS-AUTHED"} <= failing    # so the echoes are in messages and evidence
    assert REDACTED in run.output


@pytest.mark.parametrize("secret", [RANDOM_SECRET, JWT_SECRET], ids=["random", "jwt"])
def test_an_echoed_credential_is_in_no_report_file_and_no_terminal_line(echo_run, secret):
    run, _sent = echo_run
    files = files_under(run.reports)
    names = {p.relative_to(run.reports).as_posix() for p in files}
    assert {"junit.xml", "report.html", "endpoints.json", "results.json"} <= names, names
    assert any(n.startswith("evidence/") for n in names), names
    forms = {secret, secret.encode().hex(), json.dumps(secret)[1:-1]}
    if secret == JWT_SECRET:
        forms.add(secret.rsplit(".", 1)[1])   # the signature alone
    leaks = [(p.relative_to(run.reports).as_posix(), form[:12]) for p in files
             for form in forms if form.encode() in p.read_bytes()]
    assert not leaks, leaks
    assert not [form[:12] for form in forms if form in run.output]


def test_sensitive_request_headers_are_redacted_in_evidence(echo_run):
    run, _sent = echo_run
    data = json.loads((run.reports / "evidence" / "echo-ok-random" / "patient" / "smart_config_authed.json").read_text())
    headers = dict((k.lower(), v) for k, v in data["request"]["headers"])
    assert headers["authorization"] == REDACTED
    assert {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"} == SENSITIVE_HEADERS
    echoed = dict((k.lower(), v) for k, v in data["response"]["headers"])
    assert echoed["x-echo-authorization"] == f"Bearer {REDACTED}"


def test_a_credential_with_a_control_character_is_never_sent_nor_repeated():
    with LoopbackServer(tls=False) as server:
        exchange = http.fetch(server.url("/x"), headers={"Authorization": "Bearer line-one\r\nX-Injected: yes"})
        assert server.request_log == []
    assert exchange.failure == "connect_error" and "header Authorization" in exchange.detail
    assert "line-one" not in exchange.detail and "Injected" not in exchange.detail


def test_echoed_spellings_of_a_registered_secret_are_scrubbed_from_bodies_and_text():
    secret = "s/e+c r\"et-" + secrets.token_hex(6)
    register_secret(secret)
    body = json.dumps({"a": secret, "b": f"?t={quote(secret, safe='')}"}).encode()
    cleaned = scrub_bytes(body)
    assert secret.encode() not in cleaned and json.dumps(secret)[1:-1].encode() not in cleaned
    assert quote(secret, safe="").encode() not in cleaned
    assert json.loads(cleaned) == {"a": REDACTED, "b": f"?t={REDACTED}"}   # still the same JSON shape
    assert scrub(f"echo: {secret}!") == f"echo: {REDACTED}!"
