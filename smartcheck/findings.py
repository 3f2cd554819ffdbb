"""The contract between the pure checks and the pytest layer.

A rule is a pure function ``rule(ctx: CheckContext) -> Finding``.  It never does I/O,
never raises on any input shape (wrong JSON types are findings, not exceptions), and
names the field, what was expected and what was found.  The citation is appended by
the runner from the requirement catalogue, so messages do not repeat it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Mapping

Outcome = Literal["pass", "fail", "not_applicable"]


@dataclass(frozen=True)
class Finding:
    """What one rule concluded about one target/persona (and item, if any)."""

    outcome: Outcome
    message: str

    @property
    def ok(self) -> bool:
        return self.outcome == "pass"


def passed(message: str = "") -> Finding:
    return Finding("pass", message)


def failed(message: str) -> Finding:
    return Finding("fail", message)


def not_applicable(reason: str) -> Finding:
    """The requirement does not apply given the document's content (e.g. a capability is absent)."""
    return Finding("not_applicable", reason)


@dataclass(frozen=True)
class CheckContext:
    """Everything a rule may look at.  Documents are already fetched and parsed.

    ``smart_config`` / ``capability_statement`` are the parsed JSON bodies as served: they
    may hold any JSON type anywhere (a rule must tolerate a number where a list is due).
    They are ``None`` only when the document could not be had; the runner skips dependent
    rules before calling them in that case, so content rules may assume a dict.
    """

    target: str = "target"
    persona: str = "patient"
    smart_version: str = "2.2"
    profiles: frozenset[str] = frozenset()
    base_url: str = "https://example.org/fhir"
    smart_config: Any = None
    capability_statement: Any = None
    # operator expectations from targets.yaml: resource type -> "readable" | "writable" |
    # "read-only" | list of interaction codes
    expect_resources: Mapping[str, Any] = field(default_factory=dict)
    # per-item parametrization: an IPA resource type, or "Resource" / "Resource:interaction"
    item: str | None = None
    # transport facts for the WK-*/CS-* probes (see smartcheck.http.Exchange); keyed by probe name
    exchanges: Mapping[str, Any] = field(default_factory=dict)

    @property
    def capabilities(self) -> list[str]:
        return capability_codes(self.smart_config)


def capability_codes(smart_config: Any) -> list[str]:
    """The string entries of ``capabilities`` (non-strings ignored; wrong type -> [])."""
    caps = smart_config.get("capabilities") if isinstance(smart_config, dict) else None
    if not isinstance(caps, list):
        return []
    return [c for c in caps if isinstance(c, str)]


Rule = Callable[[CheckContext], Finding]
