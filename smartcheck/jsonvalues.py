"""How findings name JSON values: their type, and a compact, bounded rendering."""
from __future__ import annotations

import json
from typing import Any

MAX_ITEMS = 5    # list entries shown before "… (N more)"
MAX_CHARS = 240  # longest rendering of one JSON value


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for messages ("found number")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _dump(value: Any) -> str:
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=repr)
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def clip(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def show(value: Any, max_items: int = MAX_ITEMS, max_chars: int = MAX_CHARS) -> str:
    """Compact JSON; long lists become the first few entries plus "… (N more)"."""
    if isinstance(value, (list, tuple)) and len(value) > max_items:
        head = ",".join(clip(_dump(v), max_chars) for v in value[:max_items])
        return f"[{head},… ({len(value) - max_items} more)]"
    return clip(_dump(value), max_chars)
