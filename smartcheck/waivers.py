"""Waivers: known failures accepted until a date (``--waivers FILE``).

The file is YAML (or JSON), a list validated against ``schemas/waivers.schema.json``::

    - target: epic-sandbox
      requirement: WK-CORS
      persona: patient            # optional: every persona when omitted
      item: Observation           # optional: every item when omitted
      justification: vendor ticket 1234, fix scheduled
      expires: 2027-03-31         # last day (UTC) the waiver applies

A ``fail``, ``error`` or ``warn`` verdict matched by an unexpired waiver becomes ``waived``
(the test passes).  From the day after ``expires`` the waiver is *expired*: the verdict is
reported as it is and the expired waiver is listed.  Waivers that matched nothing are
listed as *unused*.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import yaml

from .requirements import CATALOGUE

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "waivers.schema.json"
WAIVABLE = ("fail", "error", "warn")
TODAY_ENV = "SMARTCHECK_TODAY"   # YYYY-MM-DD: pretend today is this date (for tests and re-runs)


class WaiversError(Exception):
    """An invalid waivers file (a usage error)."""


@dataclass(frozen=True)
class Waiver:
    index: int
    target: str
    requirement: str
    justification: str
    expires: dt.date
    persona: str | None = None
    item: str | None = None

    @property
    def id(self) -> str:
        return f"W{self.index + 1}"

    def matches(self, target: str, persona: str, requirement: str, item: str | None) -> bool:
        return (self.target == target and self.requirement == requirement
                and (self.persona is None or self.persona == persona)
                and (self.item is None or self.item == item))

    def expired(self, today: dt.date) -> bool:
        return today > self.expires

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "target": self.target, "requirement": self.requirement}
        if self.persona:
            data["persona"] = self.persona
        if self.item:
            data["item"] = self.item
        data.update({"justification": self.justification, "expires": self.expires.isoformat()})
        return data


def today() -> dt.date:
    """The UTC date waivers are judged on (``SMARTCHECK_TODAY`` overrides it)."""
    override = os.environ.get(TODAY_ENV)
    if override:
        try:
            return dt.date.fromisoformat(override)
        except ValueError:
            raise WaiversError(f"{TODAY_ENV}={override!r} is not a date (YYYY-MM-DD)") from None
    return dt.datetime.now(dt.timezone.utc).date()


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")),
                                           format_checker=jsonschema.FormatChecker())


def _dates_to_text(node: Any) -> Any:
    if isinstance(node, list):
        return [_dates_to_text(v) for v in node]
    if isinstance(node, dict):
        return {k: _dates_to_text(v) for k, v in node.items()}
    if isinstance(node, (dt.date, dt.datetime)):
        return node.isoformat()
    return node


def load_waivers(path: Path) -> list[Waiver]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WaiversError(f"{path}: cannot read waivers file: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise WaiversError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    except ValueError as exc:  # PyYAML builds unquoted dates itself: 2027-02-30 fails here
        raise WaiversError(f"{path}: not a valid date: {exc}") from None
    data = _dates_to_text([] if data is None else data)
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in errors[0].absolute_path) or "(top level)"
        raise WaiversError(f"{path}: {where}: {errors[0].message}")
    waivers = []
    for index, entry in enumerate(data):
        if entry["requirement"] not in CATALOGUE:
            raise WaiversError(f"{path}: [{index}].requirement: {entry['requirement']!r} is not a catalogue requirement ID")
        try:
            expires = dt.date.fromisoformat(entry["expires"])
        except ValueError:
            raise WaiversError(f"{path}: [{index}].expires: {entry['expires']!r} is not a date (YYYY-MM-DD)") from None
        waivers.append(Waiver(index, entry["target"], entry["requirement"], entry["justification"].strip(),
                              expires, entry.get("persona"), entry.get("item")))
    return waivers


def find(waivers: Iterable[Waiver], target: str, persona: str, requirement: str, item: str | None,
         on: dt.date) -> tuple[Waiver | None, list[Waiver]]:
    """(the unexpired waiver that applies or None, expired waivers that would have applied)."""
    active, expired = None, []
    for waiver in waivers:
        if waiver.matches(target, persona, requirement, item):
            if waiver.expired(on):
                expired.append(waiver)
            elif active is None:
                active = waiver
    return active, expired


def waived_message(waiver: Waiver, original: str) -> str:
    return (f"waived ({waiver.id}): {waiver.justification}; waiver expires {waiver.expires.isoformat()}. "
            f"Finding: {original}")


def expired_message(waivers: list[Waiver]) -> str:
    return "; ".join(f"waiver {w.id} expired on {w.expires.isoformat()} ({w.justification})" for w in waivers)


def summarize(waivers: list[Waiver], rows: list[dict], on: dt.date) -> dict[str, list[dict]]:
    """Applied, expired and unused waivers, from the result rows of a run."""
    used = {row.get("waiver") for row in rows if row.get("verdict") == "waived"}
    expired_hits: dict[str, int] = {}
    for row in rows:
        for wid in filter(None, (row.get("expired_waivers") or "").split(",")):
            expired_hits[wid] = expired_hits.get(wid, 0) + 1
    applied, expired, unused = [], [], []
    for waiver in waivers:
        if waiver.expired(on):
            expired.append({**waiver.as_dict(), "matched_failures": expired_hits.get(waiver.id, 0)})
        elif waiver.id in used:
            applied.append({**waiver.as_dict(), "waived": sum(1 for r in rows if r.get("waiver") == waiver.id)})
        else:
            unused.append(waiver.as_dict())
    return {"applied": applied, "expired": expired, "unused": unused}
