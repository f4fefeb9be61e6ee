"""The force profile's summary strip: the answer in one look, at the top of the profile.

Each theme's status with its symbol, the advocate posts, the next funding end, where the
three recommendations stand and when the force was last reported, in two short columns
that stay in the first screen on a desktop (1440 x 900) and on a phone (390 x 844). Each
number is said here once; the cards below give the detail and the evidence.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from charts import palette
from core import rules
from core.text import age_text, long_date
from ui.evidence_view import md_escape

# The fact attributes the strip shows, left out of the theme cards below it.
SHOWN_ATTRIBUTES = ("isac_count", "dedicated_stalking_posts", "isa_fte")
THEMES = (palette.ISAC, palette.PROGRAMME, palette.MASIP, palette.FUNDING)


def _date(value) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def advocate_posts(row: pd.Series) -> str:
    """'3 ISAs stated; 3.5 FTE returned', or 'not stated'."""
    parts = []
    if pd.notna(row.get("isac_count")):
        n = int(row["isac_count"])
        parts.append(f"{n} ISA{'s' if n != 1 else ''} stated")
    if pd.notna(row.get("dedicated_stalking_posts")):
        n = int(row["dedicated_stalking_posts"])
        parts.append(f"{n} dedicated stalking post{'s' if n != 1 else ''}")
    if pd.notna(row.get("isa_fte")):
        parts.append(f"{row['isa_fte']:g} FTE returned")
    return "; ".join(parts) or "not stated"


def next_funding_end(row: pd.Series, today: dt.date) -> str:
    """'31 March 2027, within six months', 'ended 31 March 2025, renewal not reported', …"""
    end = _date(row.get("next_funding_end"))
    if end is not None:
        text = long_date(end) + (" (derived, not stated)" if row.get("next_funding_end_derived") else "")
        if end < today:
            return text + ", a date that has passed"
        if row["funding_risk"] == "ends within 6 months":
            text += f", within {rules.AT_RISK_WINDOW_WORDS}"
        return text
    passed = _date(row.get("last_funding_end_passed"))
    if passed is not None:
        return f"ended {long_date(passed)}, renewal not reported"
    return rules.NOT_REPORTED if row["funding_risk"] == rules.NOT_REPORTED else "no end date stated"


def recommendations(recs: pd.DataFrame) -> str:
    """'15 complete · 16 in progress · 25 not returned'."""
    by = dict(zip(recs["recommendation"], recs["status"])) if len(recs) else {}
    return " · ".join(f"{r} {by.get(r, rules.NOT_RETURNED)}" for r in rules.RECOMMENDATIONS)


def last_reported(row: pd.Series, as_at: dt.date, today: dt.date) -> str:
    dates = [d for d in (_date(row.get(t.theme.reported_on)) for t in THEMES) if d is not None]
    if not dates:
        return "nothing reported"
    newest = max(dates)
    mark = f" {rules.DATED_MARK}" if not rules.is_current(newest, as_at) else ""
    return f"{long_date(newest)}{mark} ({age_text(newest, today)})"


def strip(row: pd.Series, recs: pd.DataFrame, as_at: dt.date, today: dt.date) -> None:
    """The summary strip for one force's coverage row (core.queries.coverage) and its recommendations."""
    with st.container(border=True, key="profile_summary"):
        left, right = st.columns(2, gap="medium")
        left.markdown(
            "  \n".join(
                f"**{md_escape(dim.label)}:** {dim.symbol(row[dim.column])} {md_escape(row[dim.column])}"
                for dim in THEMES
            )
        )
        right.markdown(
            "  \n".join(
                (
                    f"**Stalking advocate posts:** {md_escape(advocate_posts(row))}",
                    f"**Next funding end:** {md_escape(next_funding_end(row, today))}",
                    f"**Recommendations:** {md_escape(recommendations(recs))}",
                    f"**Last reported:** {md_escape(last_reported(row, as_at, today))}",
                )
            )
        )
