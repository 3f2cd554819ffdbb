"""Operator expectations about resource interactions (RES-*), checked against ``/metadata``.

``expect.resources`` in targets.yaml maps a resource type to ``readable`` | ``writable`` |
``read-only`` | a list of interaction codes.  ``writable`` means "at least one write
interaction" and does not imply readable: write-only feeds exist, and an operator who wants
both says so with a list or two entries.
"""
from __future__ import annotations

from typing import Any, Mapping

from smartcheck.findings import CheckContext, Finding, Rule, failed, passed
from smartcheck.rules.capability_statement import SERVER, array_note, compact, interaction_codes, not_listed, resources

READ_INTERACTIONS = ("read", "vread", "search-type", "history-instance", "history-type")
WRITE_INTERACTIONS = ("create", "update", "patch", "delete")


def expectation_items(expect_resources: Any) -> list[tuple[str, str]]:
    """(requirement ID, item) pairs to parametrize over; junk entries are ignored (the targets
    file is schema-validated before this runs)."""
    if not isinstance(expect_resources, Mapping):
        return []
    items: list[tuple[str, str]] = []
    for rtype, want in expect_resources.items():
        if not isinstance(rtype, str):
            continue
        if want == "readable":
            items.append(("RES-READABLE", rtype))
        elif want == "writable":
            items.append(("RES-WRITABLE", rtype))
        elif want == "read-only":
            items += [("RES-READABLE", rtype), ("RES-NOT-WRITABLE", rtype)]
        elif isinstance(want, (list, tuple)):
            for code in dict.fromkeys(c for c in want if isinstance(c, str)):
                items.append(("RES-INTERACTION", f"{rtype}:{code}"))
    return items


def _entry(ctx: CheckContext) -> tuple[str, dict | None]:
    rtype = ctx.item if isinstance(ctx.item, str) else ""
    return rtype, resources(ctx.capability_statement).get(rtype) if rtype else None


def _bucket_check(ctx: CheckContext, bucket: tuple[str, ...], kind: str) -> Finding:
    rtype, entry = _entry(ctx)
    if entry is None:
        return failed(not_listed(ctx.capability_statement, rtype or repr(ctx.item)))
    codes = interaction_codes(entry)
    hits = [c for c in codes if c in bucket]
    if hits:
        return passed(f"{rtype} declares {kind} interactions {compact(hits)}")
    return failed(
        f"{SERVER}.resource[type={rtype}].interaction: expected one of {compact(list(bucket))}, "
        f"found {compact(codes)}{array_note(entry, 'interaction')}"
    )


def readable(ctx: CheckContext) -> Finding:
    """RES-READABLE: at least one read-bucket interaction."""
    return _bucket_check(ctx, READ_INTERACTIONS, "read")


def writable(ctx: CheckContext) -> Finding:
    """RES-WRITABLE: at least one write-bucket interaction."""
    return _bucket_check(ctx, WRITE_INTERACTIONS, "write")


def interaction(ctx: CheckContext) -> Finding:
    """RES-INTERACTION: ``ctx.item`` is ``Type:interaction``."""
    item = ctx.item
    if not isinstance(item, str) or ":" not in item:
        return failed(f"item {item!r}: expected 'ResourceType:interaction'")
    rtype, code = item.split(":", 1)
    entry = resources(ctx.capability_statement).get(rtype)
    if entry is None:
        return failed(not_listed(ctx.capability_statement, rtype))
    codes = interaction_codes(entry)
    if code in codes:
        return passed(f"{rtype} declares {code}")
    return failed(
        f"{SERVER}.resource[type={rtype}].interaction: expected {code}, found {compact(codes)}{array_note(entry, 'interaction')}"
    )


def not_writable(ctx: CheckContext) -> Finding:
    """RES-NOT-WRITABLE: no write-bucket interaction (an unlisted resource declares none)."""
    rtype, entry = _entry(ctx)
    if entry is None:
        return passed(f"{rtype or repr(ctx.item)} is not listed, so no write interaction is declared")
    writes = [c for c in interaction_codes(entry) if c in WRITE_INTERACTIONS]
    if writes:
        return failed(f"{SERVER}.resource[type={rtype}].interaction: expected no write interaction, found {compact(writes)}")
    return passed(f"{rtype} declares no write interaction")


RULES: dict[str, Rule] = {
    "RES-READABLE": readable,
    "RES-WRITABLE": writable,
    "RES-INTERACTION": interaction,
    "RES-NOT-WRITABLE": not_writable,
}
