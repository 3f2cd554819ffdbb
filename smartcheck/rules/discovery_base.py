"""Facts and helpers shared by the discovery-document rules: version data (capability
codes and sets per SMART version) and small builders for presence/inclusion rules."""

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable


from smartcheck.jsonvalues import json_type, show
from smartcheck.requirements import SMART_VERSIONS
from smartcheck.findings import CheckContext, Finding, Rule, failed, not_applicable, passed

DEFAULT_VERSION = "2.2"
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
MAX_SCHEMA_LINES = 12

# --- version data (research §1.5, §2.1) -------------------------------------------------

_CAPS_1_0 = frozenset({
    "launch-ehr", "launch-standalone", "client-public", "client-confidential-symmetric",
    "sso-openid-connect", "context-banner", "context-style", "context-ehr-patient",
    "context-ehr-encounter", "context-standalone-patient", "context-standalone-encounter",
    "permission-offline", "permission-patient", "permission-user",
})
_CAPS_2_0 = _CAPS_1_0 | {
    "authorize-post", "client-confidential-asymmetric", "permission-online",
    "permission-v1", "permission-v2",
}
_CAPS_2_1 = _CAPS_2_0 | {"smart-app-state"}
CAPABILITIES_BY_VERSION: dict[str, frozenset[str]] = {
    "1.0": _CAPS_1_0, "2.0": _CAPS_2_0, "2.1": _CAPS_2_1, "2.2": _CAPS_2_1,
}

# SMART 1.0 spells the field without "_supported" in its table (its sample uses the suffix).
AUTH_METHODS_FIELDS: dict[str, tuple[str, ...]] = {
    "1.0": ("token_endpoint_auth_methods_supported", "token_endpoint_auth_methods"),
    "2.0": ("token_endpoint_auth_methods_supported",),
    "2.1": ("token_endpoint_auth_methods_supported",),
    "2.2": ("token_endpoint_auth_methods_supported",),
}
ASYMMETRIC_ALGS = ("RS384", "ES384")


@dataclass(frozen=True)
class CapabilitySet:
    """A named capability set (research §2.2): all of ``required`` plus one of ``one_of``."""

    name: str
    required: tuple[str, ...]
    one_of: tuple[str, ...] = ("client-public", "client-confidential-symmetric")
    may: tuple[str, ...] = ()  # allowed extras; they never substitute for ``one_of``


def _sets(may: tuple[str, ...]) -> dict[str, CapabilitySet]:
    defs = {
        "Patient Access for Standalone Apps":
            ("launch-standalone", "context-standalone-patient", "permission-patient"),
        "Patient Access for EHR Launch":
            ("launch-ehr", "context-ehr-patient", "permission-patient"),
        "Clinician Access for Standalone":
            ("launch-standalone", "permission-user", "permission-patient"),
        "Clinician Access for EHR Launch":
            ("launch-ehr", "context-ehr-patient", "context-ehr-encounter",
             "permission-user", "permission-patient"),
    }
    return {name: CapabilitySet(name, req, may=may) for name, req in defs.items()}


_SETS_1X = _sets(())
_SETS_2X = _sets(("client-confidential-asymmetric",))
CAPABILITY_SETS: dict[str, dict[str, CapabilitySet]] = {
    "1.0": _SETS_1X, "2.0": _SETS_2X, "2.1": _SETS_2X, "2.2": _SETS_2X,
}
PERSONA_SETS: dict[str, tuple[str, ...]] = {
    "patient": ("Patient Access for Standalone Apps", "Patient Access for EHR Launch"),
    "provider": ("Clinician Access for Standalone", "Clinician Access for EHR Launch"),
}

# --- small helpers ---------------------------------------------------------------------


def normalize_version(version: Any) -> str:
    """Map ``"2.2"``, ``"2.2.0"`` or ``"1"`` to a key of SMART_VERSIONS. Anything unknown maps to 2.2."""
    if isinstance(version, str):
        m = re.match(r"\s*v?(\d+)(?:\.(\d+))?", version)
        if m:
            key = f"{m.group(1)}.{m.group(2) or '0'}"
            if key in SMART_VERSIONS:
                return key
    return DEFAULT_VERSION


def quoted(items: Any) -> str:
    return ", ".join(json.dumps(i, ensure_ascii=False) for i in items)


def guard(fn: Callable[[CheckContext], Finding]) -> Rule:
    """Wrap a rule so it judges a non-object document as a clean failure.

    ``rule.__wrapped__`` is the bare function; the unit tests call it so that bugs raise.
    """
    @functools.wraps(fn)
    def rule(ctx: CheckContext) -> Finding:
        cfg = getattr(ctx, "smart_config", None)
        if not isinstance(cfg, dict):
            return failed(f"the discovery document is {json_type(cfg)}, expected a JSON object")
        return fn(ctx)  # an exception here is a defect: the runner reports it as an `error` verdict
    return rule


def absence(cfg: dict, key: str, kind: str, non_empty: bool = False) -> str | None:
    """Describe why ``key`` has no usable value of ``kind`` ("url", "array", "object"), or None if it has one."""
    if key not in cfg:
        return f"{key} is absent"
    v = cfg[key]
    if v is None:
        return f"{key} is null"
    if kind == "url":
        if not isinstance(v, str):
            return f"{key} is {show(v)} ({json_type(v)}), expected a URL string"
        if not v.strip():
            return f"{key} is {show(v)}, expected a non-empty URL"
    elif kind == "array":
        if not isinstance(v, list):
            return f"{key} is {show(v)} ({json_type(v)}), expected an array"
        if non_empty and not v:
            return f"{key} is [], expected at least one entry"
    elif kind == "object" and not isinstance(v, dict):
        return f"{key} is {show(v)} ({json_type(v)}), expected an object"
    return None


def presence_rule(key: str, kind: str, non_empty: bool = False) -> Rule:
    def check(ctx: CheckContext) -> Finding:
        problem = absence(ctx.smart_config, key, kind, non_empty)
        return failed(problem) if problem else passed(f"{key} is present")
    check.__name__ = f"present_{key}"
    check.__doc__ = f"``{key}`` is present ({kind})."
    return guard(check)


def case_hint(values: list, wanted: tuple[str, ...]) -> str:
    """A note when a wanted code is listed with different case (codes are case-sensitive)."""
    near = [v for v in values if isinstance(v, str) and v not in wanted
            and v.lower() in {w.lower() for w in wanted}]
    return f" ({quoted(near)} differs in case; codes are case-sensitive)" if near else ""


def includes(cfg: dict, key: str, wanted: tuple[str, ...], fields: tuple[str, ...] = ()) -> Finding:
    """``key`` (or any of ``fields``) is an array that lists at least one of ``wanted``."""
    names = fields or (key,)
    present = [n for n in names if n in cfg]
    want = " or ".join(json.dumps(w) for w in wanted)
    if not present:
        return failed(f"{key} is absent, so it cannot be confirmed to include {want}")
    lists = []
    for n in present:
        v = cfg[n]
        if not isinstance(v, list):
            return failed(f"{n} is {show(v)} ({json_type(v)}), expected an array of strings including {want}")
        lists.append(v)
    for n, v in zip(present, lists):
        hit = next((w for w in wanted if w in v), None)
        if hit is not None:
            return passed(f"{n} includes {json.dumps(hit)}")
    shown = "; ".join(f"{n} is {show(v)}" for n, v in zip(present, lists))
    return failed(f"{shown}: {want} is not listed{case_hint(sum(lists, []), wanted)}")


def includes_rule(key: str, wanted: tuple[str, ...]) -> Rule:
    def check(ctx: CheckContext) -> Finding:
        return includes(ctx.smart_config, key, wanted)
    check.__name__ = f"includes_{key}"
    check.__doc__ = f"``{key}`` includes one of {wanted}."
    return guard(check)


def capability_rule(code: str) -> Rule:
    def check(ctx: CheckContext) -> Finding:
        return includes(ctx.smart_config, "capabilities", (code,))
    check.__name__ = f"capability_{code}"
    check.__doc__ = f"``{code}`` is in capabilities."
    return guard(check)


def string_list(cfg: dict, key: str) -> tuple[list | None, Finding | None]:
    """(list, None) if ``key`` is an array; (None, not_applicable) if absent; (None, failed) if the wrong type."""
    if key not in cfg:
        return None, not_applicable(f"{key} is absent")
    v = cfg[key]
    if not isinstance(v, list):
        return None, failed(f"{key} is {show(v)} ({json_type(v)}), expected an array of strings")
    return v, None


