"""Load and validate ``targets.yaml`` before any request is made.

Every fault becomes one ``TargetsError`` line naming the file, the key path and the
problem, so a typo never reaches the network.  Credentials are only ever environment
variable *names*; a literal secret in the file is refused.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import jsonschema
import yaml
from jsonschema.exceptions import ValidationError, best_match

from .requirements import PERSONAS

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "targets.schema.json"
MAX_FILE_BYTES = 1_000_000
MAX_ALIASES = 100
MAX_YAML_DEPTH = 32          # nesting of mappings/sequences (a real file needs about 6)
MAX_NODES = 20_000           # values after alias expansion (a real file needs a few per target)
MAX_LIST_ITEMS = 100         # items in any one list (the longest real list has 9)
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BODY = 5 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 5

_SECRET_KEYS = re.compile(r"(token|secret|password|passwd|private_key|api_key|apikey|assertion|cookie)$", re.I)
_SECRET_VALUES = (
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a PEM private key"),
    (re.compile(r"^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$"), "a JWT"),
    (re.compile(r"^(Bearer|Basic)\s+\S{8,}$", re.I), "an Authorization header value"),
    (re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\s]*:[^/?#@\s]*@"), "a URL with a password in it"),
    (re.compile(r"[?&](access_token|token|api_key|apikey|client_secret|password)=", re.I), "a URL with a credential in its query"),
)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def split_values(values: list[str]) -> list[str]:
    """Repeatable, comma-separated option values as one list (``a,b`` ``c`` -> a, b, c)."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


class TargetsError(Exception):
    """An invalid targets file or target selection (a usage error)."""


@dataclass(frozen=True)
class Target:
    name: str
    base_url: str | None
    description: str = ""
    embedded: str | None = None
    smart_version: str = "2.2"
    profiles: frozenset[str] = frozenset()
    personas: Mapping[str, str | None] = field(default_factory=lambda: {"patient": None})
    expect_resources: Mapping[str, Any] = field(default_factory=dict)
    ca_bundle: Path | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_body_bytes: int = DEFAULT_MAX_BODY
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    bearer_token_env: str | None = None

    def persona_base_url(self, persona: str, embedded_base: str | None = None) -> str:
        """A persona's own base_url, else the target's (or the embedded server's)."""
        own = self.personas.get(persona)
        return own or self.base_url or embedded_base or ""

    def credential(self) -> str | None:
        """The bearer token from the environment, if the target names one and it is set."""
        if not self.bearer_token_env:
            return None
        value = (os.environ.get(self.bearer_token_env) or "").strip()  # a stray newline is never part of a token
        return value or None


@dataclass(frozen=True)
class TargetsFile:
    path: Path
    default: str | None
    targets: Mapping[str, Target]

    def select(self, names: list[str]) -> list[Target]:
        """Resolve --target values (repeatable, comma-separated, ``all``) to targets."""
        wanted = split_values(names)
        if not wanted:
            if not self.default:
                raise TargetsError(f"{self.path}: no --target given and no 'default' target; known: {self._known()}")
            wanted = [self.default]
        if "all" in wanted:
            return list(self.targets.values())
        unknown = [n for n in wanted if n not in self.targets]
        if unknown:
            raise TargetsError(f"unknown target {', '.join(map(repr, unknown))} in {self.path}; known targets: {self._known()}")
        return [self.targets[n] for n in dict.fromkeys(wanted)]

    def _known(self) -> str:
        return ", ".join(self.targets) or "(none)"


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _key_path(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _describe(error: ValidationError) -> str:
    if error.validator == "enum":
        choices = ", ".join(str(c) for c in dict.fromkeys(map(str, error.validator_value)))
        return f"{error.instance!r} is not one of {choices}"
    if error.validator == "oneOf":
        enums = [e for e in error.context or () if e.validator == "enum"]
        if enums and not isinstance(error.instance, (dict, list)):
            choices = ", ".join(str(c) for c in enums[0].validator_value)
            return f"{error.instance!r} is not one of {choices}, nor a list of interaction codes"
        return f"{_short(error.instance)} has the wrong shape"
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown key(s)")
    return error.message


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _safe_load(text: str, path: Path) -> Any:
    """yaml.safe_load, refusing alias bombs and deep nesting before anything is built.

    The event stream is read first (no objects are built): more than MAX_ALIASES aliases or
    nesting deeper than MAX_YAML_DEPTH stops it at once.  The loaded value is then walked
    once more with a budget, because a few aliases can still stand for a huge (or cyclic)
    structure once expanded."""
    try:
        aliases = nodes = 0
        open_items: list[int | None] = []   # per open collection: items so far (sequences) or None (mappings)
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                open_items.pop()
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            where = f"{path}: line {event.start_mark.line + 1}, column {event.start_mark.column + 1}"
            nodes += 1
            if nodes > MAX_NODES:
                raise TargetsError(f"{where}: more than {MAX_NODES} values; refusing it")
            if open_items and open_items[-1] is not None:
                open_items[-1] += 1
                if open_items[-1] > MAX_LIST_ITEMS:
                    raise TargetsError(f"{where}: a list of more than {MAX_LIST_ITEMS} items; refusing it")
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise TargetsError(f"{where}: more than {MAX_ALIASES} YAML aliases; refusing a possible alias bomb")
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                open_items.append(0 if isinstance(event, yaml.SequenceStartEvent) else None)
                if len(open_items) > MAX_YAML_DEPTH:
                    raise TargetsError(f"{where}: nested deeper than {MAX_YAML_DEPTH} levels; refusing it")
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise TargetsError(f"{path}:{where}: not valid YAML: {problem}") from None
    _check_size(data, path)
    return data


def _check_size(data: Any, path: Path) -> None:
    """Walk the loaded value (aliases expanded) within MAX_NODES / MAX_YAML_DEPTH / MAX_LIST_ITEMS."""
    nodes, stack = 0, [(data, (), 0)]
    while stack:
        node, parts, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise TargetsError(f"{path}: more than {MAX_NODES} values once YAML aliases are expanded; "
                               "refusing a possible alias bomb")
        if depth > MAX_YAML_DEPTH:
            raise TargetsError(f"{path}: {_key_path(parts)}: nested deeper than {MAX_YAML_DEPTH} levels "
                               "once YAML aliases are expanded; refusing it")
        if isinstance(node, dict):
            stack.extend((value, parts + (key,), depth + 1) for key, value in node.items())
        elif isinstance(node, list):
            if len(node) > MAX_LIST_ITEMS:
                raise TargetsError(f"{path}: {_key_path(parts)}: a list of {len(node)} items "
                                   f"(more than {MAX_LIST_ITEMS}); refusing it")
            stack.extend((value, parts + (i,), depth + 1) for i, value in enumerate(node))


def _find_literal_secrets(node: Any, parts: tuple = ()) -> str | None:
    if isinstance(node, dict):
        names = parts == ("targets",) or parts[-2:] == ("expect", "resources")  # keys that are names we chose
        for key, value in node.items():
            if not names and isinstance(key, str) and _SECRET_KEYS.search(key) and not key.endswith("_env"):
                return f"{_key_path(parts + (key,))}: literal credentials are not allowed; name an environment variable instead (auth.bearer_token_env)"
            found = _find_literal_secrets(value, parts + (key,))
            if found:
                return found
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found = _find_literal_secrets(value, parts + (i,))
            if found:
                return found
    elif isinstance(node, str):
        for pattern, what in _SECRET_VALUES:
            if pattern.search(node.strip()):
                return f"{_key_path(parts)}: looks like {what}; secrets never go in the targets file, only environment variable names"
    return None


def load_targets(path: Path) -> TargetsFile:
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TargetsError(f"{path}: cannot read targets file: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise TargetsError(f"{path}: {size} bytes is larger than the {MAX_FILE_BYTES}-byte limit for a targets file")
    if path.is_dir():
        raise TargetsError(f"{path}: cannot read targets file: it is a directory")
    try:
        with open(path, "rb") as handle:   # bounded read: a device or pipe reports no size
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise TargetsError(f"{path}: more than the {MAX_FILE_BYTES}-byte limit for a targets file")
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetsError(f"{path}: cannot read targets file: {exc}") from None
    try:
        return _load_text(path, text)
    except RecursionError:  # a last resort: the limits above should make this unreachable
        raise TargetsError(f"{path}: too deeply nested to read") from None


def _load_text(path: Path, text: str) -> TargetsFile:
    data = _safe_load(text, path)
    if not isinstance(data, dict):
        raise TargetsError(f"{path}: (top level): expected a mapping with a 'targets' key, got {type(data).__name__}")
    secret = _find_literal_secrets(data)
    if secret:
        raise TargetsError(f"{path}: {secret}")
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        first = best_match([errors[0]])
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise TargetsError(f"{path}: {_key_path(first.absolute_path)}: {_describe(first)}{more}")
    targets = {name: _build_target(name, spec, path) for name, spec in data["targets"].items()}
    default = data.get("default")
    if default is not None and default not in targets:
        raise TargetsError(f"{path}: default: {default!r} is not a target; known targets: {', '.join(targets)}")
    return TargetsFile(path=path, default=default, targets=targets)


def _build_target(name: str, spec: dict, path: Path) -> Target:
    where = f"{path}: targets.{name}"
    if ("base_url" in spec) == ("embedded" in spec):
        raise TargetsError(f"{where}: give exactly one of base_url or embedded")
    personas_spec = spec.get("personas", ["patient"])
    if isinstance(personas_spec, list):
        personas = {p: None for p in personas_spec}
    else:
        personas = {p: (v or {}).get("base_url") for p, v in personas_spec.items()}
    personas = {p: personas[p] for p in PERSONAS if p in personas}  # stable order
    ca = spec.get("ca_bundle")
    ca_path = None
    if ca:
        ca_path = (path.parent / ca).resolve()
        if not ca_path.is_file():
            raise TargetsError(f"{where}.ca_bundle: {ca_path} does not exist")
    version = spec.get("smart_version", "2.2")
    return Target(
        name=name,
        base_url=spec.get("base_url"),
        description=spec.get("description", ""),
        embedded=spec.get("embedded"),
        smart_version=f"{float(version):.1f}" if isinstance(version, (int, float)) else version,
        profiles=frozenset(spec.get("profiles", [])),
        personas=personas,
        expect_resources=dict((spec.get("expect") or {}).get("resources") or {}),
        ca_bundle=ca_path,
        timeout=float(spec.get("timeout", DEFAULT_TIMEOUT)),
        max_body_bytes=int(spec.get("max_body_bytes", DEFAULT_MAX_BODY)),
        max_redirects=int(spec.get("max_redirects", DEFAULT_MAX_REDIRECTS)),
        bearer_token_env=(spec.get("auth") or {}).get("bearer_token_env"),
    )
