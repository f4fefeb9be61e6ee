"""Standing notices: which edition of the data is shown, how old each part is, and what the
figures can and cannot say."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core import changes, clock, rules
from core.text import age_text, long_date
from ui import cached_queries as data
from ui import state
from ui.evidence_view import md_escape
from ui.state import Filters


def data_age(filters: Filters, *, today: dt.date | None = None, pfa_code: str | None = None) -> None:
    """A banner: the date the positions are read at, the reports they rest on and how old each is;
    a warning once the newest report is more than 12 months old. Below it, the other view one
    click away (the source date, or today), and what moved since the previous edition (for one
    force area, `pfa_code`, on its profile; otherwise for the regions chosen)."""
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
    if rules.is_current(filters.data_date, today):
        st.info(text, icon=":material/schedule:")
    else:
        st.warning(
            f"**This information is more than 12 months old.** {text} Check current positions with the "
            "commissioners' offices before relying on it.",
            icon=":material/history:",
        )
    if filters.as_at != filters.source_date:
        st.button(
            f"Show the positions as at the source date, {long_date(filters.source_date)}",
            on_click=state.show_date,
            args=(filters.source_date,),
            key="banner_source_date",
            icon=":material/history:",
        )
    elif filters.as_at != today:
        st.button(
            f"Show today's positions, {long_date(today)}",
            on_click=state.show_date,
            args=(today,),
            key="banner_today",
            icon=":material/today:",
        )
    what_moved(filters, pfa_code)


def what_moved(filters: Filters, pfa_code: str | None = None) -> None:
    """What moved the figures since the previous edition (or the source date): each newer return's
    changes, and what the date itself changed (funding end dates that passed), with the headline
    counts then and now. Open when a return moved something."""
    editions = list(pd.to_datetime(data.editions()["as_at"]).dt.date)
    since = changes.baseline(editions, filters.as_at, filters.source_date)
    if since >= filters.as_at:
        return
    regions = None if pfa_code else filters.region_list
    before = data.coverage(since, regions)
    after = data.coverage(filters.as_at, regions)
    if pfa_code:
        before, after = before[before["pfa_code"] == pfa_code], after[after["pfa_code"] == pfa_code]
    found = changes.moves(before, after)
    headline = [] if pfa_code else changes.headline_sentences(before, after, since, filters.as_at)
    lines = headline + changes.sentences(found, since, filters.as_at)
    if not lines:
        return
    by_return = any(m.by_return for m in found)
    label = f"What moved the figures since {long_date(since)}" + (": a newer return" if by_return else "")
    with st.expander(label, expanded=by_return, icon=":material/compare_arrows:"):
        st.markdown("\n".join(f"- {md_escape(line)}" for line in lines))


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
