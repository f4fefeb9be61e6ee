"""Standing notices: which edition of the data is shown, how old each part is, and what the
figures can and cannot say."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core import clock, rules
from core.text import age_text, long_date
from ui import cached_queries as data
from ui.state import Filters


def data_age(filters: Filters, *, today: dt.date | None = None) -> None:
    """A banner: the date the positions are read at, the reports they rest on and how old each is."""
    today = today or clock.today()
    editions = data.editions()
    returns = editions[(editions["kind"] == "return") & (pd.to_datetime(editions["as_at"]).dt.date <= filters.as_at)]
    text = (
        f"**Positions {filters.viewed}.** The main source is the APCC response of "
        f"{long_date(filters.source_date)}, {age_text(filters.source_date, today)} today"
    )
    if len(returns):
        newest = max(pd_date(returns["as_at"]))
        offices = returns["pfa_code"].nunique()
        text += (
            f"; returns from {offices} commissioner's office{'s' if offices != 1 else ''} update "
            f"{'its' if offices == 1 else 'their'} force area{'s' if offices != 1 else ''} "
            f"(newest as at {long_date(newest)}, {age_text(newest, today)})"
        )
    text += "."
    if not rules.is_current(filters.data_date, filters.as_at):
        text += (
            f" Every report shown was made more than 12 months before {long_date(filters.as_at)}: each status is "
            f"given with the date it was last reported, marked {rules.DATED_MARK} (hatched on the map) and counted "
            "apart, and a funding end date that has passed reads 'funding ended, renewal not reported'."
        )
    if filters.latest_date > filters.as_at:
        text += f" Newer returns exist, up to {long_date(filters.latest_date)}: choose a later date to include them."
    st.info(text, icon=":material/schedule:")


def pd_date(values) -> list[dt.date]:
    """Dates from a column of timestamps."""
    return [v.date() if hasattr(v, "date") else v for v in values]


def what_this_shows() -> None:
    with st.expander("What this shows, and what it does not", expanded=False, icon=":material/info:"):
        st.markdown(
            "- **Illustrative evidence.** The APCC response quotes some commissioners on each theme to "
            "illustrate it; it is not a census. A force area the response does not quote on a theme is "
            "shown as **not reported** (grey, marked **?**), which is **not the same as having none**.\n"
            "- **Dated evidence.** Each status is shown with the date it was last reported. A report made more "
            f"than 12 months before the date you view is marked {rules.DATED_MARK} and hatched on the map, and "
            "counted apart in every headline. A funding end date that has passed, with no later return, reads "
            "*funding ended, renewal not reported*: the source cannot say whether the service was renewed.\n"
            f"- **At risk** has one meaning everywhere: {rules.AT_RISK_DEFINITION}\n"
            "- **Every figure has a quote.** Open a force's profile to read the words behind each cell, "
            "with the document, section and date.\n"
            "- **Counts are of force areas**, not of services or victims, unless a chart says otherwise."
        )
