"""What a return would change: the force's position before and after, line by line.

The preview shown before anything is stored (by `python -m returns import` and
the submit page) and kept with the import's result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from etl.schema import STREAM_FIELDS
from etl.validate import Return


@dataclass(frozen=True)
class Change:
    """One line of the preview: what the force's position says now, and what the return says."""

    dimension: str  # a dimension, or "funding" for funded services
    item: str  # the attribute, or the stream_id and field
    old: str
    new: str

    @property
    def kind(self) -> str:
        if self.old == self.new:
            return "unchanged"
        return "added" if not self.old else "removed" if not self.new else "changed"

    def __str__(self) -> str:
        if self.kind == "unchanged":
            return f"{self.dimension} / {self.item}: {self.old} (unchanged)"
        return f"{self.dimension} / {self.item}: {self.old or '(none)'} → {self.new or '(none)'}"


def _stream_summary(s: dict) -> str:
    dates = f"{s.get('start_date') or '?'} to {s.get('end_date') or '?'}"
    return f"{s['service']}; {s['funder']}; {dates}; {s['status']}"


def _text(value) -> str:
    """A database value as the text a return would hold (dates come back as timestamps)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def compare(ret: Return, current_facts: pd.DataFrame, current_streams: pd.DataFrame) -> list[Change]:
    """The return against the force's position as at the return's date.

    Facts: each dimension in the return is replaced as a whole, so an attribute the
    return leaves out is removed. Funding: the return's services replace the whole list.
    """
    changes: list[Change] = []
    for dim in ret.dimensions:
        old: dict[str, list[str]] = {}
        for r in current_facts[current_facts["dimension"] == dim].itertuples():
            old.setdefault(r.attribute, []).append(str(r.value))
        new: dict[str, list[str]] = {}
        for f in ret.facts:
            if f["dimension"] == dim:
                new.setdefault(f["attribute"], []).append(f["value"])
        for attr in list(dict.fromkeys([*new, *old])):
            changes.append(
                Change(dim, attr, "; ".join(sorted(old.get(attr, []))), "; ".join(sorted(new.get(attr, []))))
            )
    if ret.streams:
        old_streams = {
            r["stream_id"]: {k: _text(r[k]) for k in STREAM_FIELDS} for r in current_streams.to_dict("records")
        }
        for s in ret.streams:
            before = old_streams.pop(s["stream_id"], None)
            if before is None:
                changes.append(Change("funding", s["stream_id"], "", _stream_summary(s)))
                continue
            fields = [Change("funding", f"{s['stream_id']} / {k}", before[k], s[k]) for k in STREAM_FIELDS]
            moved = [c for c in fields if c.kind != "unchanged"]
            changes += moved or [Change("funding", s["stream_id"], _stream_summary(before), _stream_summary(before))]
        for sid, before in old_streams.items():
            changes.append(Change("funding", sid, _stream_summary(before), ""))
    return changes


@dataclass
class Preview:
    """A checked return and what it would change, as at its own date."""

    ret: Return
    changes: list[Change]
    notes: list[str] = field(default_factory=list)
