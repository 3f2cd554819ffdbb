"""All rules, keyed by requirement ID.  Each rules module exports a ``RULES`` dict."""
from __future__ import annotations

from ..findings import Rule
from . import capability_statement, ipa, resources, smart_config, transport

RULES: dict[str, Rule] = {
    **transport.RULES,
    **smart_config.RULES,
    **capability_statement.RULES,
    **ipa.RULES,
    **resources.RULES,
}

# Rules whose finding the catalogue grades one level lower in a named case
# (IPA-INSTANTIATES: only the non-normative ".../ipa" form is a warning).
LEVEL_HINTS = {
    "IPA-INSTANTIATES": lambda ctx: ipa.instantiates_level(ctx) == "SHOULD",
}
