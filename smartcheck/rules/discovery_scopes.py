"""SCOPE-* and BS-SCOPES: the scopes a discovery document lists, judged by the SMART
scope grammar (smartcheck.rules.scopes)."""



from smartcheck.jsonvalues import MAX_ITEMS, show
from smartcheck.findings import CheckContext, Finding, Rule, failed, not_applicable, passed
from smartcheck.rules import scopes as sc
from smartcheck.rules.discovery_base import case_hint, guard, quoted, string_list

# --- scopes --------------------------------------------------------------------------------

SCOPES_FIELD = "scopes_supported"


@guard
def scope_grammar(ctx: CheckContext) -> Finding:
    """Every listed scope is valid SMART syntax or an extension scope (§2.3)."""
    scopes, early = string_list(ctx.smart_config, SCOPES_FIELD)
    if early:
        return early
    bad = []
    for s in scopes:
        if sc.classify_scope(s) == sc.INVALID:
            why = sc.explain_invalid(s)
            bad.append(show(s) + (f" ({why})" if why else ""))
    if bad:
        more = f", … ({len(bad) - MAX_ITEMS} more)" if len(bad) > MAX_ITEMS else ""
        return failed(f"{SCOPES_FIELD} has {len(bad)} of {len(scopes)} entries that are neither SMART scopes "
                      f"nor extension scopes (full URI or __ prefix): " + ", ".join(bad[:MAX_ITEMS]) + more)
    return passed(f"all {len(scopes)} scope(s) in {SCOPES_FIELD} are valid")


@guard
def scope_v2(ctx: CheckContext) -> Finding:
    """With ``permission-v2``, at least one listed resource scope uses v2 syntax (§2.3)."""
    scopes, early = string_list(ctx.smart_config, SCOPES_FIELD)
    if early:
        return early
    kinds = [(s, sc.classify_scope(s)) for s in scopes]
    resource = [s for s, k in kinds if k in sc.RESOURCE_KINDS]
    if not resource:
        return not_applicable(f"{SCOPES_FIELD} lists no resource scopes")
    v2 = [s for s, k in kinds if k == sc.V2]
    if v2:
        return passed(f"{SCOPES_FIELD} lists {len(v2)} v2-syntax resource scope(s), e.g. {show(v2[0])}")
    return failed(f"{SCOPES_FIELD} lists {len(resource)} resource scope(s), all v1 syntax "
                  f"(e.g. {show(resource[:3])}); expected at least one v2 scope such as patient/*.rs")


@guard
def scope_v2_advertised(ctx: CheckContext) -> Finding:
    """Listing v2-syntax resource scopes implies advertising ``permission-v2`` (§2.3)."""
    scopes, early = string_list(ctx.smart_config, SCOPES_FIELD)
    if early:
        return early
    v2 = [s for s in scopes if sc.classify_scope(s) == sc.V2]
    if not v2:
        return not_applicable(f"{SCOPES_FIELD} lists no v2-syntax resource scopes")
    if "permission-v2" in ctx.capabilities:
        return passed(f'{SCOPES_FIELD} lists v2 scopes and capabilities includes "permission-v2"')
    return failed(f'{SCOPES_FIELD} lists {len(v2)} v2-syntax scope(s) (e.g. {show(v2[:3])}) '
                  f'but capabilities lacks "permission-v2"')


def scopes_listed_rule(rule_id: str, wanted: tuple[str, ...]) -> Rule:
    def check(ctx: CheckContext) -> Finding:
        scopes, early = string_list(ctx.smart_config, SCOPES_FIELD)
        if early:
            return early
        missing = [w for w in wanted if w not in scopes]
        if missing:
            return failed(f"{SCOPES_FIELD} is {show(scopes)}: {quoted(missing)} not listed"
                          f"{case_hint(scopes, wanted)}")
        return passed(f"{SCOPES_FIELD} lists {quoted(wanted)}")
    check.__name__ = rule_id.lower().replace("-", "_")
    check.__doc__ = f"{SCOPES_FIELD} lists {wanted}."
    return guard(check)


@guard
def bs_scopes(ctx: CheckContext) -> Finding:
    """``scopes_supported`` lists at least one valid ``system/`` resource scope (§3 BS-02, BS-09)."""
    cfg = ctx.smart_config
    if SCOPES_FIELD not in cfg:
        return failed(f"{SCOPES_FIELD} is absent, so no system/ scope is listed")
    scopes, early = string_list(cfg, SCOPES_FIELD)
    if early:
        return early
    system = [s for s in scopes if sc.scope_context(s) == "system"]
    if system:
        return passed(f"{SCOPES_FIELD} lists {len(system)} system/ scope(s), e.g. {show(system[0])}")
    malformed = [s for s in scopes if isinstance(s, str) and s.startswith("system/")]
    note = f" ({len(malformed)} entr(ies) start with system/ but are not valid scopes: {show(malformed[:3])})" \
        if malformed else ""
    return failed(f"{SCOPES_FIELD} is {show(scopes)}: no system/ resource scope is listed{note}")


