"""WK-SCHEMA, WK-ABSOLUTE, WK-HTTPS: the types of the fields SMART defines, and the
endpoint URLs (absolute, https) in the discovery document."""

import functools
import json
import re
from typing import Any, Iterator
from urllib.parse import urljoin, urlsplit

from jsonschema import Draft202012Validator

from smartcheck.jsonvalues import MAX_CHARS, clip, show
from smartcheck.findings import CheckContext, Finding, failed, not_applicable, passed
from smartcheck.rules.discovery_base import (
    DEFAULT_VERSION, MAX_SCHEMA_LINES, SCHEMA_DIR, guard, normalize_version, quoted,
)

# --- WK-*: schema and endpoint URLs ------------------------------------------------------

def load_schema(version: Any) -> dict:
    """The JSON Schema for ``version`` (normalised; an unknown version loads 2.2). Cached: do not mutate."""
    return _load_schema(normalize_version(version))


@functools.lru_cache(maxsize=None)
def _load_schema(version: str) -> dict:
    path = SCHEMA_DIR / f"smart-configuration-{version}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def _validator(version: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(version))


def _json_path(parts: Any) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(p)):
            out += f".{p}" if out else str(p)
        else:
            out += f"[{json.dumps(str(p))}]"
    return out or "(document)"


def schema_errors(document: Any, version: str = DEFAULT_VERSION) -> list[str]:
    """Every schema violation as ``path: message``, sorted by path."""
    lines = []
    for err in _validator(normalize_version(version)).iter_errors(document):
        path = _json_path(err.absolute_path)
        if err.validator == "type":
            expected = err.validator_value
            exp = " or ".join(f"'{t}'" for t in expected) if isinstance(expected, list) else f"'{expected}'"
            msg = f"{show(err.instance)} is not of type {exp}"
        elif err.validator == "required":
            missing = [r for r in err.validator_value if isinstance(err.instance, dict) and r not in err.instance]
            msg = f"required property {quoted(missing)} is missing"
        else:
            msg = clip(err.message, MAX_CHARS)
        key = [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in err.absolute_path]
        lines.append((key, f"{path}: {msg}"))
    lines.sort(key=lambda t: t[0])
    return [line for _, line in lines]


@guard
def wk_schema(ctx: CheckContext) -> Finding:
    """Present SMART fields have their defined JSON types (§1.2)."""
    version = normalize_version(ctx.smart_version)
    errors = schema_errors(ctx.smart_config, version)
    if not errors:
        return passed(f"all SMART {version} fields present have their defined types")
    shown = errors[:MAX_SCHEMA_LINES]
    more = f"\n… ({len(errors) - len(shown)} more)" if len(errors) > len(shown) else ""
    return failed(f"{len(errors)} schema error(s) against the SMART {version} field types:\n" + "\n".join(shown) + more)


def endpoint_urls(cfg: Any) -> Iterator[tuple[str, str]]:
    """(field path, value) for every endpoint URL that is a string. Non-strings are WK-SCHEMA's to judge."""
    if not isinstance(cfg, dict):
        return
    for key, value in cfg.items():
        is_url_field = key in ("issuer", "jwks_uri", "user_access_brand_bundle") or (
            isinstance(key, str) and key.endswith("_endpoint"))
        if is_url_field and isinstance(value, str):
            yield key, value
    assoc = cfg.get("associated_endpoints")
    if isinstance(assoc, list):
        for i, item in enumerate(assoc):
            if isinstance(item, dict) and isinstance(item.get("url"), str):
                yield f"associated_endpoints[{i}].url", item["url"]


def _split(url: str):
    try:
        return urlsplit(url)
    except ValueError:
        return None


def is_absolute_url(url: str) -> bool:
    parts = _split(url)
    return bool(parts and parts.scheme and parts.netloc)


def _resolve(base_url: Any, url: str) -> str | None:
    base = str(base_url or "")
    base = base if base.endswith("/") else base + "/"
    try:
        return urljoin(base, url)
    except ValueError:
        return None


def _report(bad: list[str], total: int, what: str) -> Finding:
    shown = bad[:MAX_SCHEMA_LINES]
    more = f"; … ({len(bad) - len(shown)} more)" if len(bad) > len(shown) else ""
    return failed(f"{len(bad)} of {total} endpoint URL(s) {what}: " + "; ".join(shown) + more)


@guard
def wk_absolute(ctx: CheckContext) -> Finding:
    """Every endpoint URL is absolute (scheme and host). SHALL since 2.1 (§1.1 WK-06)."""
    urls = list(endpoint_urls(ctx.smart_config))
    if not urls:
        return not_applicable("no endpoint URL fields with string values are present")
    bad = [f"{k} is {show(v)}" for k, v in urls if not is_absolute_url(v)]
    if bad:
        return _report(bad, len(urls), "are not absolute (expected scheme://host/…)")
    return passed(f"all {len(urls)} endpoint URL(s) are absolute")


@guard
def wk_https(ctx: CheckContext) -> Finding:
    """Every endpoint URL uses https after resolving relative URLs against the base URL (RFC 6749 §3.1/§3.2)."""
    urls = list(endpoint_urls(ctx.smart_config))
    if not urls:
        return not_applicable("no endpoint URL fields with string values are present")
    bad = []
    for key, value in urls:
        resolved = _resolve(ctx.base_url, value)
        parts = _split(resolved) if resolved is not None else None
        if parts is None:
            bad.append(f"{key} is {show(value)}, which cannot be parsed as a URL")
        elif parts.scheme != "https":
            via = f" (resolves to {show(resolved)})" if resolved != value else ""
            got = f'"{parts.scheme}"' if parts.scheme else "none"
            bad.append(f"{key} is {show(value)}{via}: scheme {got}, expected https")
        elif not parts.netloc:
            bad.append(f"{key} is {show(value)}: https URL without a host")
    if bad:
        return _report(bad, len(urls), "do not use https")
    return passed(f"all {len(urls)} endpoint URL(s) use https")


