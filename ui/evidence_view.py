"""How a quote and its citation appear on a page: verbatim, escaped, with document, section and date.

Data text is never passed as HTML; it goes through markdown with every
markdown-active character escaped, so a quote is shown exactly as written.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from core.text import long_date

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md_escape(text: object) -> str:
    """Text shown literally by st.markdown (no links, emphasis, HTML or maths)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def citation(row) -> str:
    """'Short title, 19 December 2024 · Section' for a row with the source's titles, section and date.

    The full title of each document is on the Data and methods page and in every export."""
    date = row["source_date"]
    when = long_date(date) if hasattr(date, "year") else str(date)
    title = row.get("source_short_title") or row["source_title"]
    return f"{title}, {when} · {row['section']}"


def quote_markdown(row, *, label: str | None = None) -> str:
    """One verbatim quote and, on the line below in small grey text, its citation.

    Markdown text rather than elements: a page shows dozens of quotes, and each
    Streamlit element costs the browser time to draw (one element per quote, not
    two, and one per group of quotes where they sit together)."""
    prefix = f"**{md_escape(label)}:** " if label else ""
    return f"{prefix}“{md_escape(row['quote'])}”  \n:gray[:small[— {md_escape(citation(row))}]]"


def quote(row, *, label: str | None = None) -> None:
    """One verbatim quote with its citation."""
    st.markdown(quote_markdown(row, label=label))


def quotes(rows: pd.DataFrame, *, label_column: str | None = None, show: int | None = None) -> None:
    """Each distinct quote once, in order; beyond `show`, the rest behind an expander."""
    seen: set[tuple[str, str]] = set()
    # Plain dicts of the columns used, made a column at a time: iterrows (a Series per
    # row) or to_dict("records") cost milliseconds per call, and a page makes hundreds.
    columns = ["quote", "source_id", "source_title", "source_short_title", "section", "source_date"]
    columns = [c for c in dict.fromkeys(columns + ([label_column] if label_column else [])) if c in rows.columns]
    distinct = []
    for values in zip(*(rows[c].tolist() for c in columns)):
        row = dict(zip(columns, values))
        key = (row["quote"], row["source_id"])
        if key not in seen:
            seen.add(key)
            distinct.append(row)
    shown = distinct if show is None else distinct[:show]

    def block(group: list[dict]) -> str:
        return "\n\n".join(quote_markdown(row, label=row[label_column] if label_column else None) for row in group)

    if shown:
        st.markdown(block(shown))
    rest = distinct[len(shown) :]
    if rest:
        with st.expander(f"{len(rest)} more quote{'s' if len(rest) != 1 else ''}"):
            st.markdown(block(rest))


def not_reported(force_name: str, what: str) -> None:
    """The honest empty state: silence in the source is not a gap in provision."""
    st.markdown(
        f"**Not reported.** The sources do not quote {md_escape(force_name)} on {md_escape(what)}. "
        "That is not the same as having none: the APCC response quotes some force areas on each "
        "theme as illustrations."
    )
