"""What a return would change: the force's position before and after, line by line.

The preview shown before anything is stored (by `python -m returns import` and
the submit page) and kept with the import's result.

It is worked out by building what the build would build: the inputs and the returns
accepted so far, loaded into a database in memory with the same tables, views and
rules as the real one (etl.load.create), once without the return and once with it.
The force's position at the return's as-at date is read from each with the queries
the dashboard uses (core.queries), and every line that differs is shown, old → new:
facts, funded services, and the force's headline classification (statuses, funding
risk, services and their ends). So the preview cannot say "unchanged" where the build
changes something: it is the build.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core import queries, rules
from etl import load, normalise
from etl.schema import STREAM_FIELDS
from etl.validate import Return
from intake.checking import Checked, submission_time


@dataclass(frozen=True)
class Change:
    """One line of the preview: what the force's position says now, and what the return says."""

    dimension: str  # a dimension, "funding" for funded services, or "headline" for the classification
    item: str  # the attribute, the stream_id and field, or the headline measure
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
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value.isoformat() if isinstance(value, dt.date) else str(value)


# The force's classification on the dashboard, as core.coverage reads it: (column, label).
HEADLINE = (
    (rules.ISAC.column, rules.ISAC.label),
    ("isac_count", rules.ATTRIBUTE_LABELS["isac_count"]),
    (rules.PROGRAMME.column, rules.PROGRAMME.label),
    (rules.MASIP.column, rules.MASIP.label),
    (rules.FUNDING.column, rules.FUNDING.label),
    ("funded_services", "Funded services"),
    ("next_funding_end", "Next funding end"),
    ("services_ending_within_6_months", f"Services ending within {rules.AT_RISK_WINDOW_WORDS}"),
    ("services_ended", "Services ended"),
)


@dataclass
class Position:
    """A force's position at a date, read from one database."""

    facts: dict[str, dict[str, list[str]]]  # dimension -> attribute -> values, sorted
    streams: dict[str, dict[str, str]]  # stream_id -> field -> text
    headline: dict[str, str]  # label -> text

    @classmethod
    def read(cls, db: queries.Database, pfa_code: str, as_at: dt.date) -> Position:
        facts: dict[str, dict[str, list[str]]] = {}
        for dim, attr, value in queries.facts(as_at, pfa_code, db=db)[["dimension", "attribute", "value"]].itertuples(
            index=False
        ):
            facts.setdefault(dim, {}).setdefault(attr, []).append(_text(value))
        for attrs in facts.values():
            for values in attrs.values():
                values.sort()
        streams = {
            r["stream_id"]: {k: _text(r[k]) for k in STREAM_FIELDS}
            for r in queries.funding_streams(as_at, pfa_code=pfa_code, db=db).to_dict("records")
        }
        cov = queries.coverage(as_at, db=db)
        row = cov[cov["pfa_code"] == pfa_code].iloc[0]
        return cls(facts, streams, {label: _text(row[column]) for column, label in HEADLINE})

    def funding(self) -> tuple:
        """The funding position: funded services and funding statements together (one dimension)."""
        return self.streams, self.facts.get("funding", {})


def compare(ret: Return, before: Position, after: Position) -> list[Change]:
    """Every line of the force's position that the return changes, old → new, and the lines of
    the dimensions and services it restates (unchanged ones included, so a restatement shows)."""
    changes: list[Change] = []
    changed_dims = sorted(d for d in set(before.facts) | set(after.facts) if before.facts.get(d) != after.facts.get(d))
    for dim in list(dict.fromkeys([*ret.dimensions, *changed_dims])):
        old, new = before.facts.get(dim, {}), after.facts.get(dim, {})
        attrs = list(dict.fromkeys([*(f["attribute"] for f in ret.facts if f["dimension"] == dim), *new, *old]))
        for attr in attrs:
            line = Change(dim, attr, "; ".join(old.get(attr, [])), "; ".join(new.get(attr, [])))
            if dim in ret.dimensions or line.kind != "unchanged":
                changes.append(line)
    restated = [s["stream_id"] for s in ret.streams]
    moved = sorted(
        sid for sid in set(before.streams) | set(after.streams) if before.streams.get(sid) != after.streams.get(sid)
    )
    for sid in list(dict.fromkeys([*restated, *moved])):
        old_s, new_s = before.streams.get(sid), after.streams.get(sid)
        if old_s is None:
            changes.append(Change("funding", sid, "", _stream_summary(new_s) if new_s else ""))
        elif new_s is None:
            changes.append(Change("funding", sid, _stream_summary(old_s), ""))
        else:
            fields = [Change("funding", f"{sid} / {k}", old_s[k], new_s[k]) for k in STREAM_FIELDS]
            differ = [c for c in fields if c.kind != "unchanged"]
            changes += differ or [Change("funding", sid, _stream_summary(old_s), _stream_summary(new_s))]
    for label, old_text in before.headline.items():
        if after.headline[label] != old_text:
            changes.append(Change("headline", label, old_text, after.headline[label]))
    return changes


@dataclass
class Preview:
    """A checked return and what it would change, as at its own date."""

    ret: Return
    changes: list[Change]
    notes: list[str] = field(default_factory=list)
    before: Position | None = None  # the force's position at the return's date, without it
    after: Position | None = None  # and with it, as the build will make it


def preview(checked: Checked) -> Preview:
    """What the build would make of the return: the force's position at its as-at date in a database
    built in memory without it and with it. Writes nothing."""
    ret = checked.ret
    submitted_at = submission_time(checked.ledger)
    # As it would be stored: its place among the accepted returns and its file name (nothing is written).
    pending = dataclasses.replace(
        ret, submitted_at=submitted_at, path=Path(f"{ret.stored_stem(submitted_at)}{ret.suffix}")
    )
    with_return = [*checked.accepted, pending]
    databases = [
        load.in_memory(normalise.normalise(checked.tables, checked.ref, returns))
        for returns in (checked.accepted, with_return)
    ]
    try:
        before, after = (queries.Connected(con) for con in databases)
        old, new = (Position.read(db, ret.pfa_code, ret.as_at) for db in (before, after))
        later = queries.editions(db=after)
    finally:
        for con in databases:
            con.close()
    notes = []
    later = later[
        (later["as_at"].dt.date > ret.as_at) & ((later["pfa_code"] == ret.pfa_code) | (later["kind"] == "source"))
    ]
    if len(later):
        notes.append(
            f"Editions dated after {ret.as_at} ({', '.join(later['edition_id'])}) still take precedence from their own dates."
        )
    untouched = sorted(d for d in old.facts if d not in ret.dimensions and old.facts[d] == new.facts.get(d))
    if untouched:
        notes.append("Dimensions this return leaves out keep their current facts: " + ", ".join(untouched) + ".")
    if old.funding() == new.funding():
        if not ret.streams:
            notes.append("The return has no funding rows: the force's funded services are unchanged.")
    else:
        notes.append(
            "From its date the return replaces the force's whole funding position (funded services and "
            "funding statements together): a service or statement it leaves out is no longer listed."
        )
    return Preview(ret, compare(ret, old, new), notes, old, new)
