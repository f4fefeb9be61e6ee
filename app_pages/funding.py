"""Funding cliff edge: when each funded stalking service's money runs out, who funds it, and
which force areas have funding at risk at the date shown (one meaning of "at risk": core.rules)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import charts
from charts.chart_text import ChartText
from core import coverage as coverage_rules
from core import headlines, rules
from core.text import export_stem, long_date, plural
from exports import table_views
from ui import cached_queries as data
from ui import evidence_view, glossary, notices, state
from ui.evidence_view import md_escape
from ui.widgets import chart_block, table_block, table_downloads

filters = state.current()
as_at = filters.as_at
coverage = data.coverage(as_at, filters.region_list)
streams = data.funding_streams(as_at, filters.region_list)
facts = data.facts(as_at, regions=filters.region_list)
h = headlines.headlines(coverage)
window_end = rules.window_end(as_at)
cliff = pd.Timestamp(rules.CLIFF_EDGE)

st.title("Funding cliff edge")
terms = glossary.terms_in(
    [*streams["service"], *streams["quote"], *facts.loc[facts["dimension"] == "funding", "quote"]],
    skip=("ISA", "MASIP"),
)
st.caption(
    f"Every funded stalking service the sources mention, with its funder and end date. Showing {filters.geography}. "
    + glossary.terms_line("ISA", "MASIP", *terms)
)
notices.data_age(filters)

dated = streams[streams["end_date"].notna()]
ended = streams[streams["state"] == rules.SERVICE_ENDED]
if len(dated) and len(ended) == len(dated):
    st.warning(
        f"Every end date below has passed by {long_date(as_at)}, and no later return reports a renewal: each "
        "reads 'ended — renewal not reported'. The sources cannot say whether these services were renewed; "
        "check with the commissioner's office, or see a force's profile for any later return.",
        icon=":material/history:",
    )
elif len(ended):
    st.warning(
        f"{len(ended)} of {len(dated)} end dates have passed by {long_date(as_at)}; the sources cannot say "
        "whether those services were renewed.",
        icon=":material/history:",
    )

cols = st.columns(3)
cols[0].metric(
    "Funding at risk",
    str(h.funding_at_risk),
    delta=h.funding_at_risk.detail,
    delta_color="off",
    delta_arrow="off",
    help=rules.AT_RISK_DEFINITION,
)
cols[1].metric(
    "Funding ended, renewal not reported",
    str(h.funding_ended),
    delta=h.funding_ended.detail,
    delta_color="off",
    delta_arrow="off",
    help="Force areas whose every reported funded service has an end date before the date shown, with no later return.",
)
cols[2].metric(
    f"Services ending by {long_date(rules.CLIFF_EDGE)}",
    f"{int((dated['end_date'] <= cliff).sum())} of {len(dated)}",
    help="Funded services with an end date on or before the end of the 2024/25 financial year, "
    "the cliff edge most sources name, of those with an end date.",
)

if dated.empty:
    st.info("No funded service in the chosen regions has an end date.")
else:
    by_cliff = int((dated["end_date"] <= cliff).sum())
    text = ChartText(
        title=f"{by_cliff} of {plural(len(dated), 'stalking service')} with an end date "
        f"{'was' if len(dated) == 1 else 'were'} funded only to {long_date(rules.CLIFF_EDGE)} or earlier",
        subtitle=f"Funded stalking services by start (where stated) and end date, labelled and coloured by funder; "
        f"{filters.geography}; positions {filters.viewed}",
        data_date=filters.data_date,
        notes=("End dates derived from the source's words, not stated, are marked in the table.",),
    )
    place = filters.geography
    timeline_tab, quarter_tab = st.tabs(
        ["Timeline", "Ending by quarter"], key="funding_view", on_change="rerun", bind="query-params"
    )
    with timeline_tab:
        if timeline_tab.open:
            chart_block(
                lambda width: charts.funding_timeline(dated, as_at, text, rules.CLIFF_EDGE, width=width),
                table_views.services_table(dated, as_at),
                text,
                key="funding_timeline",
                stem=export_stem("funding-timeline", place, as_at),
                alt=charts.timeline_alt(dated),
                filters=filters.describe(),
                as_at=filters.as_at,
                # The columns that fit the main column at 1440 px (978 px); the downloads have them all.
                column_order=[*table_views.SERVICES_SHOWN, table_views.at_column(as_at)],
                column_config={
                    "Service": st.column_config.TextColumn(width=230),
                    "Funder": st.column_config.TextColumn(width=170),
                    "Start": st.column_config.TextColumn(width=90),
                    "End": st.column_config.TextColumn(width=90),
                    table_views.at_column(as_at): st.column_config.TextColumn(width=260),
                },
            )
    with quarter_tab:
        if quarter_tab.open:  # built only when the tab is opened
            per_quarter_text = ChartText(
                title=f"Most dated funding ended in the quarter to {long_date(rules.CLIFF_EDGE)}"
                if by_cliff * 2 > len(dated)
                else "Funding end dates by quarter",
                subtitle=f"Funded stalking services by quarter of their end date; {filters.geography}",
                data_date=filters.data_date,
            )
            quarters = table_views.quarters_table(dated)
            chart_block(
                lambda width: charts.ending_per_quarter(dated, per_quarter_text, width=width),
                quarters,
                per_quarter_text,
                key="funding_quarters",
                stem=export_stem("funding-ends-per-quarter", place, as_at),
                alt=charts.quarters_alt(dated),
                filters=filters.describe(),
                as_at=filters.as_at,
            )

st.header("Who funds them")
funders = coverage_rules.by_funder(streams)
if funders.empty:
    st.info("No funded service is reported in the chosen regions.")
else:
    shared = funders["amount_shared"].notna()
    top = funders.sort_values(["services", "funder"], ascending=[False, True]).iloc[0]
    funders_text = ChartText(
        title=(
            f"Offices shared the annual amount of {plural(int(funders['services_with_amount'].sum()), 'service')} "
            f"of {len(streams)}, £{int(funders.loc[shared, 'amount_shared'].sum()):,} a year in all"
            if shared.any()
            else f"The largest group of funded services, {int(top['services'])} of {len(streams)}, is funded by "
            f"‘{top['funder']}’; no office has shared an annual amount yet"
        ),
        subtitle=f"Funded stalking services by funder, with the annual amounts offices shared in their returns; "
        f"{filters.geography}; positions {filters.viewed}",
        data_date=filters.data_date,
        notes=(
            "Amounts are summed only where an office shared one; the rest are not estimated, so a sum is not "
            "a funder's total.",
        ),
    )
    st.markdown(f"**{md_escape(funders_text.title)}**")
    st.caption(md_escape(funders_text.subtitle))
    table_block(
        table_views.funders_table(funders),
        funders_text,
        key="funding_funders",
        stem=export_stem("funders", filters.geography, as_at),
        filters=filters.describe(),
        as_at=as_at,
    )

st.header("Force areas with funding at risk, with the evidence")
at_risk_forces = coverage[coverage["funding_at_risk"]]
st.caption(
    f"{rules.AT_RISK_DEFINITION} Positions {filters.viewed} (the six-month window runs to {long_date(window_end)}): "
    f"{h.funding_at_risk.line}."
)
risk_statements = facts[(facts["dimension"] == "funding") & (facts["attribute"] == "risk_statement")]
rows = []
if at_risk_forces.empty:
    st.info("None in the chosen regions at this date.")
for force in at_risk_forces.sort_values("short_name").itertuples():
    mine = streams[(streams["pfa_code"] == force.pfa_code) & streams["at_risk"]]
    said = risk_statements[risk_statements["pfa_code"] == force.pfa_code]
    reported = headlines.last_reported(force.funding_risk, force.funding_reported_on, dated=not force.funding_current)
    lines = [f"**{md_escape(force.short_name)}** · {md_escape(reported)}"]
    for row in mine.itertuples():
        when = coverage_rules.service_when(row.state, row.end_date, bool(row.end_derived), row.end_wording)
        lines.append(
            f"- {md_escape(row.service)} · {md_escape(row.funder)} · {md_escape(when)}\n\n"
            + "  "
            + evidence_view.quote_markdown(mine.loc[row.Index])
        )
        rows.append(
            (
                force.short_name,
                force.pfa_code,
                row.service,
                row.funder,
                row.end_date,
                when,
                row.quote,
                row.source_title,
                row.section,
                row.source_date,
                row.source_url if isinstance(row.source_url, str) else "",
            )
        )
    for row in said.itertuples():
        lines.append("- Funding statement: " + evidence_view.quote_markdown(said.loc[row.Index]))
        rows.append(
            (
                force.short_name,
                force.pfa_code,
                "Funding statement",
                "",
                pd.NaT,
                row.value,
                row.quote,
                row.source_title,
                row.section,
                row.source_date,
                row.source_url if isinstance(row.source_url, str) else "",
            )
        )
    with st.container(border=True):  # one markdown element per force: quicker for the browser to draw
        st.markdown("\n\n".join(lines))
if rows:
    risk_text = ChartText(
        title=f"{h.funding_at_risk} force areas with stalking funding at risk",
        subtitle=f"{rules.AT_RISK_DEFINITION} {filters.geography}; positions {filters.viewed}",
        data_date=filters.data_date,
    )
    with st.container(horizontal=True, key="funding_at_risk_downloads"):
        table_downloads(
            pd.DataFrame(
                rows,
                columns=[
                    "Force area",
                    "ONS code",
                    "Service",
                    "Funder",
                    "End date",
                    f"At {long_date(as_at)}",
                    "Quote",
                    "Document",
                    "Section",
                    "Document date",
                    "Document address",
                ],
            ),
            risk_text,
            key="funding_at_risk",
            stem=export_stem("funding-at-risk", filters.geography, as_at),
            filters=filters.describe(),
            as_at=filters.as_at,
        )

if len(ended):
    with st.expander(f"{plural(len(ended), 'funded service')} ended by {long_date(as_at)}, renewal not reported"):
        st.markdown(
            "\n".join(
                f"- **{md_escape(row.short_name)}**: {md_escape(row.service)} ({md_escape(row.funder)}), "
                + md_escape(
                    coverage_rules.service_when(row.state, row.end_date, bool(row.end_derived), row.end_wording)
                )
                for row in ended.itertuples()
            )
        )

undated = streams[streams["end_date"].isna() & (streams["state"] != rules.SERVICE_ENDED)]
if len(undated):
    with st.expander(f"{plural(len(undated), 'funded service')} with no end date stated"):
        st.markdown(
            "\n".join(
                f"- **{md_escape(row.short_name)}**: {md_escape(row.service)} ({md_escape(row.funder)}, "
                f"{md_escape(row.status)} as reported)"
                for row in undated.itertuples()
            )
        )
