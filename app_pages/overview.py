"""Overview: headline figures for the chosen regions, the coverage map, and what the data can say."""

from __future__ import annotations

import streamlit as st

import charts
from charts.chart_text import ChartText
from core import headlines, rules
from core.text import export_stem
from exports import briefing, table_views
from ui import cached_queries as data
from ui import demand_view, glossary, notices, state
from ui.evidence_view import md_escape
from ui.map_view import show_coverage_map
from ui.widgets import briefing_download, chart_block, chart_downloads

filters = state.current()
coverage = data.coverage(filters.as_at, filters.region_list)
h = headlines.headlines(coverage)
dim = filters.dimension

st.title("Stalking services in England and Wales: where the gaps are")
st.caption(
    "How police force areas support stalking victims, address perpetrators and work across agencies, "
    f"as reported by their commissioners to the APCC. Showing {filters.geography}. "
    + glossary.terms_line("ISA", "MASIP")
)
notices.data_age(filters)


def headline(column, label: str, count: headlines.Count, help: str) -> None:
    """A headline count with, beside it, how many were reported in the last 12 months and how many not at all."""
    column.metric(label, str(count), delta=count.detail, delta_color="off", delta_arrow="off", help=help)


cols = st.columns(3)
headline(
    cols[0],
    "Dedicated service or ISAs in wider services",
    h.isac,
    "Force areas reporting a stalking-specific service, or ISAs within wider victim or domestic abuse services (the status the sources call ISACs within wider services).",
)
headline(
    cols[1],
    "Dedicated stalking service",
    h.dedicated,
    "Force areas reporting a stalking-specific service, unit or post.",
)
headline(
    cols[2],
    "Stalking support in wider services, no ISAs stated",
    h.support_within_wider,
    "A wider victim or domestic abuse service supports stalking victims, but the source names no ISA (the sources' ISAC).",
)
cols = st.columns(3)
headline(
    cols[0],
    "Perpetrator programme commissioned",
    h.programme,
    "A stalking perpetrator intervention commissioned or running, whose funding has not all ended.",
)
headline(
    cols[1],
    "MASIP or stalking clinic running",
    h.masip,
    "Established or pilot multi-agency stalking intervention programmes, clinics or panels.",
)
headline(cols[2], "Funding at risk", h.funding_at_risk, rules.AT_RISK_DEFINITION)

text = ChartText(
    title=headlines.finding(coverage, dim.key),
    subtitle=f"Force areas by {dim.label}, {filters.geography}, positions {filters.viewed}",
    data_date=filters.data_date,
    notes=(
        "Not reported means the source does not quote the force area on this; it is not the same as none.",
        f"{rules.DATED_MARK} and hatching: last reported more than 12 months before the date shown.",
    ),
)
st.header(f"Map: {dim.label}")
place = filters.geography
# The counts chart and the table behind the map are built only when their tab is opened.
map_tab, counts_tab = st.tabs(["Map", "Counts and table"], key="overview_view", on_change="rerun", bind="query-params")
with map_tab:
    if map_tab.open:
        show_coverage_map(coverage, dim.key, filters.geometry, filters.force, on_click=state.select_force)
        st.caption(
            "Click a force area to open its profile, or choose one in the sidebar. "
            "Grey areas marked ? are not reported in the source, which is not the same as no provision. "
            f"Hatched areas marked {rules.DATED_MARK} were last reported more than 12 months before the date shown."
        )
        if filters.geometry == "tiles":  # the tile codes in words, visible without hovering
            st.caption(
                "**Tile labels:** "
                + " · ".join(f"**{md_escape(code)}** {md_escape(name)}" for code, name in charts.tile_pairs(coverage))
            )
        map_text = ChartText(
            text.title,
            f"{dim.label} by police force area, {filters.geography}, positions {filters.viewed}",
            filters.data_date,
            notes=text.notes,
        )
        with st.container(horizontal=True, key="overview_map_downloads"):
            chart_downloads(
                lambda width: charts.coverage_map_for_export(coverage, dim.key, filters.geometry, map_text, width),
                map_text,
                key="overview_map",
                stem=export_stem(f"map-{dim.label}", place, filters.as_at),
            )

with counts_tab:
    if counts_tab.open:
        chart_block(
            lambda width: charts.status_bar(coverage, dim, text, width=width),
            table_views.theme_table(coverage, dim),
            text,
            key="overview_status",
            stem=export_stem(dim.label, place, filters.as_at),
            alt=charts.status_alt(coverage, dim),
            filters=filters.describe(theme=True),
            as_at=filters.as_at,
            column_config={dim.label: st.column_config.TextColumn(width="large")},
        )

if len(filters.regions) == 1:
    scope = briefing.resolve_scope(region=filters.regions[0])
elif filters.regions:
    scope = briefing.Scope("all", name=filters.geography)  # for the sentences; packs need one region
else:
    scope = briefing.Scope.all()
with st.expander("The key figures in words"):
    streams = data.funding_streams(filters.as_at, filters.region_list)
    st.markdown(
        "\n".join(
            f"- {md_escape(sentence)}" for sentence in briefing.area_sentences(coverage, streams, scope, filters.as_at)
        )
    )
notices.what_this_shows()

# Demand beside provision (issue 27): the map of recorded stalking or advocates per 1,000 offences.
demand_view.overview_block(filters, coverage)

st.header("Briefing pack")
if len(filters.regions) > 1:
    st.caption("Packs cover one region or all of England and Wales; choose a single region for a regional pack.")
    scope = briefing.Scope.all()
briefing_download(scope, filters.as_at, key="overview_pack")
