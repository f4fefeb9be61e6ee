"""Funding cliff edge: when each funded stalking service's money runs out, and who funds it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

import charts
from charts.chart_text import ChartText
from core.text import long_date
from ui import cached_queries as data
from ui import evidence_view, notices, state
from ui.evidence_view import md_escape
from ui.widgets import chart_block, table_downloads

CLIFF_EDGE = dt.date(2025, 3, 31)

filters = state.current()
as_at = filters.as_at
streams = data.funding_streams(as_at, filters.region_list)
six_months = (pd.Timestamp(as_at) + pd.DateOffset(months=6)).date()
today = dt.date.today()
# Date columns arrive as pandas timestamps; compare like with like.
AS_AT, SIX_MONTHS, TODAY, CLIFF = (pd.Timestamp(d) for d in (as_at, six_months, today, CLIFF_EDGE))

st.title("Funding cliff edge")
st.caption(
    f"Every funded stalking service the sources mention, with its funder and end date. Showing {filters.geography}."
)
notices.data_age(filters)

dated = streams[streams["end_date"].notna()]
passed_today = dated[dated["end_date"] < TODAY]
if len(passed_today) and len(passed_today) == len(dated):
    st.warning(
        f"Every stated end date below has passed by today ({long_date(today)}). The source, dated "
        f"{long_date(filters.source_date)}, cannot say whether these services were renewed; check with the "
        "commissioner's office, or see a force's profile for any later return.",
        icon=":material/history:",
    )
elif len(passed_today):
    st.warning(
        f"{len(passed_today)} of {len(dated)} stated end dates have passed by today ({long_date(today)}); "
        "the source cannot say whether those services were renewed.",
        icon=":material/history:",
    )

ending_soon = dated[(dated["end_date"] >= AS_AT) & (dated["end_date"] <= SIX_MONTHS)]
by_cliff = dated[dated["end_date"] <= CLIFF]
cols = st.columns(3)
cols[0].metric("Funded services with a stated end date", f"{len(dated)} of {len(streams)}")
cols[1].metric(
    "Ending by 31 March 2025",
    len(by_cliff),
    help="The end of the 2024/25 financial year: the cliff edge most sources name.",
)
cols[2].metric(
    f"Ending within 6 months of {as_at:%-d %b %Y}",
    len(ending_soon),
    help=f"End dates from {long_date(as_at)} to {long_date(six_months)}.",
)

if dated.empty:
    st.info("No funded service in the chosen regions has a stated end date.")
else:
    forces_ending = ending_soon["short_name"].nunique()
    text = ChartText(
        title=(f"{len(by_cliff)} of {len(dated)} dated stalking services were funded only to 31 March 2025 or earlier"),
        subtitle=(
            f"Funded stalking services by start (where stated) and end date, coloured by funder; "
            f"{filters.geography}; as at {long_date(as_at)}"
        ),
        data_date=filters.source_date,
        notes=("Dotted bars: start not stated (bar drawn 3 months long). Derived dates are flagged in the table.",),
    )
    timeline_tab, quarter_tab = st.tabs(["Timeline", "Ending by quarter"], key="funding_view", on_change="rerun")
    fig = charts.funding_timeline(dated, as_at, text, CLIFF_EDGE)
    table = dated.assign(
        derived=lambda d: d["end_derived"].map({True: "derived", False: "stated"}),
    )[["short_name", "service", "funder", "start_date", "end_date", "end_wording", "derived", "status"]]
    with timeline_tab:
        chart_block(
            fig,
            table,
            text,
            key="funding_timeline",
            filters=filters.describe(),
            as_at=filters.as_at,
            column_config={
                "short_name": "Force area",
                "service": "Service",
                "funder": "Funder",
                "start_date": st.column_config.DateColumn("Start", format="D MMM YYYY"),
                "end_date": st.column_config.DateColumn("End", format="D MMM YYYY"),
                "end_wording": "Source's words for the end",
                "derived": "End date",
                "status": "Status",
            },
        )
    with quarter_tab:
        if quarter_tab.open:  # built only when the tab is opened
            per_quarter_text = ChartText(
                title=f"Most dated funding ended in the quarter to {long_date(CLIFF_EDGE)}"
                if len(by_cliff) * 2 > len(dated)
                else "Stated funding end dates by quarter",
                subtitle=f"Funded stalking services by quarter of stated end date; {filters.geography}",
                data_date=filters.source_date,
            )
            quarters = dated.assign(quarter=pd.PeriodIndex(pd.to_datetime(dated["end_date"]), freq="Q").astype(str))
            chart_block(
                charts.ending_per_quarter(dated, per_quarter_text),
                quarters.groupby("quarter", as_index=False).agg(
                    services=("service", "count"), force_areas=("short_name", "nunique")
                ),
                per_quarter_text,
                key="funding_quarters",
                filters=filters.describe(),
                as_at=filters.as_at,
            )

st.subheader("Services at risk, with the evidence")
at_risk = streams[
    (streams["status"] == "at risk") | (streams["end_date"].notna() & (streams["end_date"] <= SIX_MONTHS))
].copy()
st.caption(
    f"Services the source says are at risk, or whose stated end date is on or before {long_date(six_months)} "
    f"(six months after the as-at date). {len(at_risk)} services in {at_risk['short_name'].nunique()} force areas."
)
if at_risk.empty:
    st.info("None in the chosen regions.")
else:
    at_risk["when"] = [
        "ended before the as-at date"
        if pd.notna(e) and e < AS_AT
        else ("no end date stated" if pd.isna(e) else "ends within 6 months")
        for e in at_risk["end_date"]
    ]
    risk_text = ChartText(
        title=f"{len(at_risk)} funded stalking services at risk",
        subtitle=f"Services stated at risk or ending within six months of {long_date(as_at)}; {filters.geography}",
        data_date=filters.source_date,
    )
    # A list, not a grid: the evidence is read in full. The same rows download as CSV and XLSX.
    for row in at_risk.itertuples():
        end = long_date(row.end_date) if pd.notna(row.end_date) else "no end date stated"
        derived = f" (from “{md_escape(row.end_wording)}”)" if row.end_derived and pd.notna(row.end_date) else ""
        with st.container(border=True):  # one markdown element per service: quicker for the browser to draw
            st.markdown(
                f"**{md_escape(row.short_name)}: {md_escape(row.service)}** · {md_escape(row.funder)} · "
                f"ends {md_escape(end)}{derived} · *{md_escape(row.status)}*, {md_escape(row.when)}\n\n"
                + evidence_view.quote_markdown(at_risk.loc[row.Index])
            )
    with st.container(horizontal=True, key="funding_at_risk_downloads"):
        table_downloads(
            at_risk[
                [
                    "short_name",
                    "service",
                    "funder",
                    "end_date",
                    "end_wording",
                    "end_derived",
                    "when",
                    "status",
                    "quote",
                    "source_title",
                    "section",
                    "source_date",
                ]
            ],
            risk_text,
            key="funding_at_risk",
            filters=filters.describe(),
            as_at=filters.as_at,
        )

undated = streams[streams["end_date"].isna()]
if len(undated):
    with st.expander(f"{len(undated)} funded services with no end date stated"):
        st.markdown(
            "\n".join(
                f"- **{md_escape(row.short_name)}**: {md_escape(row.service)} ({md_escape(row.funder)}, {md_escape(row.status)})"
                for row in undated.itertuples()
            )
        )
