"""Overview: headline figures for the chosen regions, the coverage map, and what the data can say."""

from __future__ import annotations

import streamlit as st

import charts
from charts.chart_text import ChartText
from core import headlines
from core.text import long_date
from exports import briefing
from ui import cached_queries as data
from ui import notices, state
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
    f"as reported by their commissioners to the APCC. Showing {filters.geography}."
)
notices.data_age(filters)

cols = st.columns(3)
cols[0].metric(
    "Dedicated stalking service",
    f"{h.dedicated} of {h.total}",
    help="Force areas reporting a stalking-specific service, unit or post.",
)
cols[1].metric(
    "ISACs within wider services",
    f"{h.within_wider} of {h.total}",
    help="Stalking support delivered within wider victim or domestic abuse services.",
)
cols[2].metric(
    "Not reported on victim support",
    f"{h.isac_not_reported} of {h.total}",
    help="Not quoted on this in the source. Not the same as no provision.",
)
cols = st.columns(3)
cols[0].metric("Perpetrator programme reported", f"{h.programme} of {h.total}")
cols[1].metric(
    "MASIP or stalking clinic running",
    f"{h.masip} of {h.total}",
    help="Established or pilot multi-agency stalking intervention programmes, clinics or panels.",
)
cols[2].metric(
    "Funding ending within 6 months",
    f"{h.ending_within_6_months} of {h.total}",
    help=f"Force areas with a funded stalking service whose stated end date falls within six months after {long_date(filters.as_at)}.",
)

counts = coverage[dim.column].value_counts()
not_reported = int(counts.get("not reported", 0))
FINDINGS = {  # the chart's headline: the first status in legend order, in words
    "isac": "report a dedicated stalking service",
    "programme": "report a commissioned stalking perpetrator programme",
    "masip": "report an established MASIP or stalking clinic",
    "funding": f"had stalking funding ending within six months of {long_date(filters.as_at)}",
}
first = dim.order[0]
text = ChartText(
    title=(
        f"{counts.get(first, 0)} of {len(coverage)} force areas {FINDINGS[dim.key]}"
        + (f"; {not_reported} are not reported" if not_reported else "")
    ),
    subtitle=f"Force areas by {dim.label}, {filters.geography}, as at {long_date(filters.as_at)}",
    data_date=filters.source_date,
    notes=("Not reported means the source does not quote the force area on this; it is not the same as none.",),
)
st.subheader(f"Map: {dim.label}")
# The counts chart and the table behind the map are built only when their tab is opened.
map_tab, counts_tab = st.tabs(["Map", "Counts and table"], key="overview_view", on_change="rerun")
with map_tab:
    show_coverage_map(coverage, dim.key, filters.geometry, filters.force, on_click=state.select_force)
    state.open_profile_if_requested()
    st.caption(
        "Click a force area to open its profile, or choose one in the sidebar. "
        "Grey areas marked ? are not reported in the source, which is not the same as no provision."
    )
    map_text = ChartText(
        text.title,
        f"{dim.label} by police force area, {filters.geography}, as at {long_date(filters.as_at)}",
        filters.source_date,
        notes=text.notes,
    )
    with st.container(horizontal=True, key="overview_map_downloads"):
        chart_downloads(
            lambda: charts.coverage_map_for_export(coverage, dim.key, filters.geometry, map_text),
            map_text,
            key="overview_map",
            as_at=filters.as_at,
        )

with counts_tab:
    if counts_tab.open:
        fig = charts.status_bar(coverage, dim, text)
        table = coverage[["short_name", "region", dim.column, "evidence_quotes"]].rename(
            columns={"short_name": "Force area", "region": "Region", dim.column: dim.label, "evidence_quotes": "Quotes"}
        )
        chart_block(fig, table, text, key="overview_status", filters=filters.describe(), as_at=filters.as_at)

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

st.subheader("Briefing pack")
if len(filters.regions) > 1:
    st.caption("Packs cover one region or all of England and Wales; choose a single region for a regional pack.")
    scope = briefing.Scope.all()
briefing_download(scope, filters.as_at, key="overview_pack")
