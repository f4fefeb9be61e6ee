"""What moved between two positions, and why: a newer report, or the date itself.

A figure can move for two reasons, and a reader needs to know which. A commissioner's
office returns a new position (its return's date is the status's new "last reported"
date), or time passes: a funding end date goes by, so a service that was "ending within
six months" reads "funding ended, renewal not reported" with no new report at all. Pages
(ui.notices.what_moved) and the briefing's "What changed" say both, from here. No
Streamlit, no SQL: it compares two coverage frames (core.queries.coverage).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from core import headlines, rules
from core.text import long_date

THEMES = (rules.ISAC, rules.PROGRAMME, rules.MASIP, rules.FUNDING)


@dataclass(frozen=True)
class Move:
    """One force area's status on one theme, then and now, and what moved it."""

    pfa_code: str
    force: str
    theme: rules.Theme
    before: str
    after: str
    reported_on: dt.date | None  # the date of the report behind `after`
    by_return: bool  # True: a newer report moved it; False: the date did (an end date passed)

    @property
    def words(self) -> str:
        """'ISA provision: dedicated service → funding ended, renewal not reported'."""
        return f"{self.theme.label}: {self.before} → {self.after}"


def _date(value) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def moves(before: pd.DataFrame, after: pd.DataFrame, themes: tuple[rules.Theme, ...] = THEMES) -> list[Move]:
    """Every force area and theme whose status differs between two coverage frames (same forces)."""
    then = before.set_index("pfa_code")
    found: list[Move] = []
    for row in after.itertuples(index=False):
        if row.pfa_code not in then.index:
            continue
        old = then.loc[row.pfa_code]
        for theme in themes:
            was, now = old[theme.column], getattr(row, theme.column)
            if was == now:
                continue
            reported_then, reported_now = _date(old[theme.reported_on]), _date(getattr(row, theme.reported_on))
            found.append(
                Move(
                    row.pfa_code,
                    row.short_name,
                    theme,
                    str(was),
                    str(now),
                    reported_now,
                    by_return=reported_now is not None and reported_now != reported_then,
                )
            )
    return found


def _names(forces: list[str]) -> str:
    names = sorted(set(forces))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def sentences(found: list[Move], since: dt.date, until: dt.date, *, most: int = 6) -> list[str]:
    """What moved, in a few sentences: each force's return first (what it changed), then what the
    passing of time changed (named forces, counted per theme)."""
    out: list[str] = []
    returned: dict[tuple[str, dt.date | None], list[Move]] = {}
    for move in found:
        if move.by_return:
            returned.setdefault((move.force, move.reported_on), []).append(move)
    for (force, reported_on), group in sorted(returned.items(), key=lambda item: (item[0][1] or since, item[0][0])):
        when = long_date(reported_on) if reported_on else "a later date"
        out.append(f"{force}'s return as at {when} changed " + "; ".join(m.words for m in group) + ".")
    by_date: dict[str, dict[str, list[str]]] = {}  # new status -> theme -> forces
    for move in found:
        if not move.by_return:
            by_date.setdefault(move.after, {}).setdefault(move.theme.label, []).append(move.force)
    for after, themes in by_date.items():
        # With no newer report, only time moves a status: a funded service's end date passes.
        why = (
            f"No report covers {long_date(until)}"
            if after == rules.NOT_REPORTED
            else f"Funding end dates passed between {long_date(since)} and {long_date(until)}"
        )
        parts = "; ".join(
            f"{label[0].lower() + label[1:] if not label.split()[0].isupper() else label} in {_names(forces)}"
            for label, forces in themes.items()
        )
        out.append(f"{why}, so these now read “{after}”: {parts}.")
    if len(out) > most:
        rest = len(out) - (most - 1)
        out = [*out[: most - 1], f"And {rest} more changes: see each force area's profile."]
    return out


def headline_sentences(before: pd.DataFrame, after: pd.DataFrame, since: dt.date, until: dt.date) -> list[str]:
    """The headline counts that moved: 'Dedicated service or ISAs in wider services: 14 of 43 at
    19 December 2024, 10 of 43 at 6 December 2026.'"""
    out = []
    for key, measure in rules.MEASURES.items():
        then, now = headlines.count(before, key), headlines.count(after, key)
        if then.count != now.count:
            out.append(f"{measure.label}: {then} at {long_date(since)}, {now} at {long_date(until)}.")
    return out


def baseline(edition_dates: list[dt.date], as_at: dt.date, source_date: dt.date) -> dt.date:
    """The date to compare a view at `as_at` with: the edition before the newest one on or before it
    (the previous edition), or the source's date when there is only one."""
    dates = sorted({d for d in edition_dates if d <= as_at})
    return dates[-2] if len(dates) > 1 else source_date
