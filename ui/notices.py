"""Standing notices: how old the data is, and what the figures can and cannot say."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from core.text import age_text, long_date
from ui import cached_queries as data
from ui.state import Filters


def data_age(filters: Filters, *, today: dt.date | None = None) -> None:
    """A banner with the as-at date and how old the information is today."""
    today = today or dt.date.today()
    latest = data.latest_edition_date()
    newer = latest > filters.source_date
    text = (
        f"**Data as at {long_date(filters.source_date)}** (the APCC response), "
        f"{age_text(filters.source_date, today)} today."
    )
    if newer:
        text += f" Returns from commissioners' offices update some force areas up to {long_date(latest)}"
        text += "." if filters.as_at >= latest else "; choose **Today** in the sidebar to include them."
    if filters.as_at != filters.source_date:
        text += f" Funding is compared with **{long_date(filters.as_at)}**."
    st.info(text, icon=":material/schedule:")


def what_this_shows() -> None:
    with st.expander("What this shows, and what it does not", expanded=False, icon=":material/info:"):
        st.markdown(
            "- **Illustrative evidence.** The APCC response quotes some commissioners on each theme to "
            "illustrate it; it is not a census. A force area the response does not quote on a theme is "
            "shown as **not reported** (grey, marked **?**), which is **not the same as having none**.\n"
            "- **Dated evidence.** Figures describe what commissioners said in late 2024. Funding that was "
            "due to end on 31 March 2025 may since have been renewed or stopped; the source cannot say which. "
            "Choose *Today* in the sidebar to see which stated end dates have passed.\n"
            "- **Every figure has a quote.** Open a force's profile to read the words behind each cell, "
            "with the document, section and date.\n"
            "- **Counts are of force areas**, not of services or victims, unless a chart says otherwise."
        )
