"""Turn (requirement, target, persona, item) into one verdict.

This is where catalogue data meets fetched documents: static applicability (version,
persona, profile, credential), root-cause skips for dependents, capability gating, the
rule call (guarded, so a bug in a check is an ``error`` verdict, never a traceback), and
the level that decides fail versus warn.  No pytest here; the plugin maps verdicts to
pytest outcomes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .documents import Document, DocumentStore
from .evidence import NOT_RECORDED
from .findings import CheckContext, Finding, capability_codes
from .http import Limits
from .jsonvalues import json_type
from .requirements import CATALOGUE, LevelFacts, Requirement, resolve_level
from .rules import LEVEL_HINTS, RULES
from .targets import Target

VERDICTS = ("pass", "fail", "warn", "skip", "error")


@dataclass(frozen=True)
class Endpoint:
    target: Target
    persona: str

    @property
    def id(self) -> str:
        return f"{self.target.name}/{self.persona}"


@dataclass
class Verdict:
    requirement: str
    level: str
    target: str
    persona: str
    item: str | None
    verdict: str            # one of VERDICTS
    message: str
    spec: str               # citation URL
    citation: str           # citation label
    probes: list[str] = field(default_factory=list)   # evidence: the probes behind it

    @property
    def key(self) -> str:
        return f"{self.requirement}[{self.item}]" if self.item else self.requirement


Access = Callable[[Target, str], tuple[str, Limits]]


class Checker:
    """Evaluates requirements for endpoints, sharing one DocumentStore per run."""

    def __init__(self, store: DocumentStore, access: Access, strict: bool = False):
        self.store = store
        self.access = access
        self.strict = strict

    def document(self, endpoint: Endpoint, probe: str) -> Document:
        base_url, limits = self.access(endpoint.target, endpoint.persona)
        credential = endpoint.target.credential()
        return self.store.get((endpoint.target.name, endpoint.persona), probe, base_url, limits, credential)

    def evaluate(self, requirement_id: str, endpoint: Endpoint, item: str | None = None) -> Verdict:
        req = CATALOGUE[requirement_id]
        target = endpoint.target
        # the level as far as it is known before any document (version and profile)
        level = req.level if req.caps_level else resolve_level(req, LevelFacts(target.smart_version, target.profiles, ()))
        verdict = Verdict(req.id, level, target.name, endpoint.persona, item, "skip", "",
                          req.cite.url(target.smart_version), req.cite.label(target.smart_version), [])

        def document(probe: str) -> Document:
            verdict.probes.append(probe)   # evidence: only what this verdict actually looked at
            return self.document(endpoint, probe)

        reason = self._static_skip(req, endpoint, item)
        if reason:
            verdict.message = reason
            return verdict
        docs: dict[str, Document] = {}
        for kind in dict.fromkeys(req.needs_fetched + req.needs):
            doc = docs[kind] = document(kind)
            if _unrecorded(doc):
                verdict.message = f"not judged: the replayed recording has no {kind} exchange"
                return verdict
            if not doc.usable and (kind in req.needs or not doc.retrieved):
                verdict.message = f"depends on {doc.owner}: {doc.reason()}"
                return verdict
        smart_config = docs["smart_config"].body if "smart_config" in docs else None
        capabilities = capability_codes(smart_config)
        reason = _capability_skip(req, target.smart_version, smart_config, capabilities)
        if reason:
            verdict.message = reason
            return verdict
        exchanges = {probe: document(probe) for probe in req.probes if probe not in docs}
        exchanges.update({probe: docs[probe] for probe in req.probes if probe in docs})
        missing = [probe for probe, doc in exchanges.items() if _unrecorded(doc)]
        if missing:
            verdict.message = f"not judged: the replayed recording has no {', '.join(missing)} exchange"
            return verdict
        cs_doc = docs.get("capability_statement")
        base_url, _ = self.access(target, endpoint.persona)
        ctx = CheckContext(
            target=target.name, persona=endpoint.persona, smart_version=target.smart_version,
            profiles=target.profiles, base_url=base_url, smart_config=smart_config,
            capability_statement=cs_doc.body if cs_doc is not None else None,
            expect_resources=target.expect_resources, item=item, exchanges=exchanges,
        )
        try:
            finding = RULES[req.id](ctx)
            downgrade = bool(LEVEL_HINTS[req.id](ctx)) if req.id in LEVEL_HINTS else False
        except Exception as exc:  # a defect in a check must not become a traceback verdict
            verdict.verdict = "error"
            verdict.message = f"internal error in the {req.id} check: {type(exc).__name__}: {exc}"
            return verdict
        verdict.level = resolve_level(req, LevelFacts(target.smart_version, target.profiles,
                                                      tuple(capabilities), downgrade))
        if verdict.level == "SHOULD" and req.should_cite is not None:
            verdict.spec = req.should_cite.url(target.smart_version)
            verdict.citation = req.should_cite.label(target.smart_version)
        return self._grade(verdict, finding)

    def _static_skip(self, req: Requirement, endpoint: Endpoint, item: str | None) -> str | None:
        target = endpoint.target
        if req.items == "expectations" and item is None:
            return f"not applicable: targets.yaml names no expect.resources entry that {req.id} checks for {target.name}"
        if target.smart_version not in req.versions:
            return (f"not applicable: {req.id} applies at SMART App Launch {', '.join(sorted(req.versions))}; "
                    f"the target declares {target.smart_version}")
        if endpoint.persona not in req.personas:
            return f"not applicable: {req.id} applies to persona {', '.join(sorted(req.personas))}, not {endpoint.persona}"
        if req.profile and req.profile not in target.profiles:
            return f"not applicable: {req.id} applies to targets with profile {req.profile}"
        if req.needs_credential and not target.credential():
            if not target.bearer_token_env:
                return f"needs a credential: {req.id} is checked with a bearer token; set auth.bearer_token_env for this target"
            return f"needs a credential: environment variable {target.bearer_token_env} is not set"
        return None

    def _grade(self, verdict: Verdict, finding: Finding) -> Verdict:
        suffix = f" ({verdict.citation})"
        if finding.outcome == "not_applicable":
            verdict.verdict, verdict.message = "skip", f"not applicable: {finding.message}"
        elif finding.outcome == "pass":
            verdict.verdict, verdict.message = "pass", finding.message
        elif verdict.level == "SHALL" or (verdict.level == "SHOULD" and self.strict):
            verdict.verdict, verdict.message = "fail", finding.message + suffix
        elif verdict.level == "SHOULD":
            verdict.verdict, verdict.message = "warn", finding.message + suffix
        else:  # INFO: reported, never fails
            verdict.verdict, verdict.message = "pass", f"INFO (not a failure at this version): {finding.message}{suffix}"
        return verdict


def _unrecorded(doc: Document) -> bool:
    """A replayed recording lacks this exchange: nothing can be judged from it."""
    return doc.exchange.detail == NOT_RECORDED


def _capability_skip(req: Requirement, version: str, smart_config, capabilities: list[str]) -> str | None:
    gated = (req.caps_any and version in req.caps_gate_versions) or req.caps_none or req.caps_level
    declared = smart_config.get("capabilities") if isinstance(smart_config, dict) else None
    if gated and not isinstance(declared, list):
        # an absent or malformed list is not "no capabilities": what applies cannot be known
        present = isinstance(smart_config, dict) and "capabilities" in smart_config
        what = f"a JSON {json_type(declared)}, not an array" if present else "absent"
        return f"depends on F-CAPS: capabilities is {what}"
    if req.caps_any and version in req.caps_gate_versions and not set(req.caps_any) & set(capabilities):
        return f"not applicable: capabilities list none of {', '.join(req.caps_any)}"
    present = set(req.caps_none) & set(capabilities)
    if present:
        return f"not applicable: capabilities list {', '.join(sorted(present))}"
    return None
