"""The browser form's widgets and the answers they hold, both ways: what each question's widget starts
with (from the pre-filled answers or a draft), and the answers the office sends back from them.

Kept apart from the page (app_pages/office_return.py) so that what the form sends can be tested for every
force without a browser: `round_trip` is the unchanged form, answers in and answers out, as the page's
widgets hold them. No Streamlit here.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from core import rules
from etl.questions import SECTIONS, Answers, Listing, Question
from etl.read import cell_text as any_cell_text

DATE_MIN = dt.date(2000, 1, 1)


def widget_key(key: str) -> str:
    return f"q:{key}"


def rows_key(listing_key: str) -> str:
    return f"rows:{listing_key}"


def date_bounds(q: Question, today: dt.date) -> tuple[dt.date, dt.date]:
    """The dates a date question's widget allows: the as-at date is not in the future; the others (a date a
    recommendation is planned for, an agreement reviewed) may be."""
    return DATE_MIN, today if q.key == "as_at" else rules.LATEST_DATE


def widget_value(q: Question, value: str):
    """What a question's widget starts with, for an answer as text (the form's answers)."""
    if q.kind == "choices":
        return [v.strip() for v in value.split(";") if v.strip() in q.values]
    if q.kind == "choice":
        return value if value in q.values else None
    if q.kind in ("integer", "decimal"):
        return (int(value) if q.kind == "integer" else float(value)) if value else None
    if q.kind == "date":
        return dt.date.fromisoformat(value) if value else None
    return value


def answer_text(q: Question, value) -> str:
    """A widget's value as the form's answer text."""
    if value is None:
        return ""
    if q.kind == "choices":
        return "; ".join(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if q.kind == "decimal":
        return f"{value:g}"
    return str(value).strip()


def cell_text(value) -> str:
    """A table cell of the data editor as the form's answer text (etl.read.cell_text; a date is a date only)."""
    return any_cell_text(value, dates_only=True)


def listing_frame(listing: Listing, rows: list[dict[str, str]]) -> pd.DataFrame:
    """A table of the form as the data editor holds it: one column of text per question of the listing.

    Every cell is text ("" where a row gives none): a column no row fills would otherwise be read as
    numbers (all NaN), which the editor's text column refuses to edit."""
    keys = [c.key for c in listing.columns]
    return pd.DataFrame(
        [{k: "" if row.get(k) is None else str(row.get(k)) for k in keys} for row in rows], columns=keys, dtype=object
    )


def widget_state(answers: Answers) -> dict[str, object]:
    """Every widget's starting value (by widget key) and every table (by rows key)."""
    state: dict[str, object] = {}
    for section in SECTIONS:
        for q in section.questions:
            state[widget_key(q.key)] = widget_value(q, answers.values.get(q.key, ""))
        if section.evidence:
            state[widget_key(section.evidence_key)] = answers.values.get(section.evidence_key, "")
        if section.listing:
            state[rows_key(section.listing.key)] = listing_frame(
                section.listing, answers.rows.get(section.listing.key, [])
            )
    return state


def collect(force: str, state: dict[str, object]) -> Answers:
    """The answers the widgets hold (a table as edited, or as loaded when untouched)."""
    answers = Answers(force)
    for section in SECTIONS:
        for q in section.questions:
            text = answer_text(q, state.get(widget_key(q.key)))
            if text:
                answers.values[q.key] = text
        if section.evidence and state.get(widget_key(section.evidence_key)):
            answers.values[section.evidence_key] = str(state[widget_key(section.evidence_key)]).strip()
        if section.listing:
            edited = state.get(f"edited:{section.listing.key}")
            frame = edited if isinstance(edited, pd.DataFrame) else state.get(rows_key(section.listing.key))
            rows = []
            for record in frame.to_dict("records") if isinstance(frame, pd.DataFrame) else []:
                row = {k: cell_text(v) for k, v in record.items()}
                if any(row.values()):
                    rows.append(row)
            answers.rows[section.listing.key] = rows
    return answers


def round_trip(answers: Answers) -> Answers:
    """The answers the form sends when the office changes nothing: loaded into the widgets, read back."""
    return collect(answers.force, widget_state(answers))
