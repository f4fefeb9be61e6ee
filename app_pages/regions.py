"""Regional comparison: the share of force areas in each region reporting each kind of provision."""

from __future__ import annotations

import streamlit as st

import charts
from charts.chart_text import ChartText
from core import headlines, rules
from core.text import export_stem
from exports import table_views
from ui import cached_queries as data
from ui import demand_view, glossary, notices, state
from ui.evidence_view import md_escape
from ui.widgets import chart_block, wrapped_table

filters = state.current()
coverage = data.coverage(filters.as_at)  # every region, so the chosen ones can be compared with the rest
regions = data.regions()
chosen = [r for r in regions if r in filters.regions]  # in the regions' own order
place = filters.geography

st.title("Regional comparison")
st.caption(
    "How many force areas in each region report each kind of provision"
    + (f": {', '.join(chosen)} beside England and Wales. " if chosen else ". ")
    + glossary.terms_line("ISA", "MASIP")
)
notices.data_age(filters)

# The regions in view: the chosen ones (beside England and Wales), or every region.
in_view = chosen or regions
shares = headlines.region_shares(coverage, in_view, with_total=True)
isac = shares[(shares["dimension"] == rules.MEASURES["isac"].label) & (shares["region"] != "England and Wales")]
top = isac.sort_values(["share", "total"], ascending=False).iloc[0]
everywhere = {key: headlines.count(coverage, key) for key in rules.MEASURES}
detail = f"{top['current']} reported in the last 12 months, {top['not_reported']} not reported"
if len(chosen) == 1:
    title = f"{top['region']}: {top['count']} of {top['total']} force areas report ISA provision ({detail})"
elif chosen:
    title = (
        f"Of {place}, {top['region']} has the highest share of force areas reporting ISA provision "
        f"({top['count']} of {top['total']} — {detail})"
    )
else:
    title = (
        f"{top['region']} has the highest share of force areas reporting ISA provision "
        f"({top['count']} of {top['total']} — {detail})"
    )
text = ChartText(
    title=title,
    subtitle=f"Share of force areas in each region reporting each measure, with counts; "
    f"{place + ' beside England and Wales' if chosen else 'England and Wales'}; positions {filters.viewed}",
    data_date=filters.data_date,
    notes=(
        "Darker cells: a larger share of the region's force areas; blue for provision (better), orange for "
        "funding at risk (worse); the key names each step. "
        "Not reported is not the same as none: a low share may mean a region's forces were not quoted.",
        "England and Wales: " + "; ".join(f"{rules.MEASURES[k].label} {c.line}" for k, c in everywhere.items()) + ".",
    ),
)

if len(chosen) >= 2:  # the chosen regions side by side, each counted on its own
    st.subheader("Side by side")
    for start in range(0, len(chosen), 4):
        row = chosen[start : start + 4]
        for column, region in zip(st.columns(len(row), border=True), row):
            mine = coverage[coverage["region"] == region]
            column.markdown(
                f"**{md_escape(region)}** ({len(mine)} force areas)  \n"
                + "  \n".join(f"{m.label}: {headlines.count(mine, k)}" for k, m in rules.MEASURES.items())
            )

# Stable labels: the open tab is kept in the URL (?regions_view=Force+areas), so a shared link reopens it.
grid_tab, forces_tab = st.tabs(["Regions", "Force areas"], key="regions_view", on_change="rerun", bind="query-params")
with grid_tab:
    if grid_tab.open:
        chart_block(
            lambda width: charts.region_grid(shares, text, highlight=chosen, width=width),
            table_views.region_table(shares, [*in_view, "England and Wales"]),
            text,
            key="regions_grid",
            stem=export_stem("provision-by-region", place, filters.as_at),
            alt=charts.grid_alt(shares),
            filters=filters.describe(),
            as_at=filters.as_at,
            column_config={
                "Region": st.column_config.TextColumn(width=190),
                "Force areas": st.column_config.NumberColumn(width=90),
                **{m.label: st.column_config.NumberColumn(width=170) for m in rules.MEASURES.values()},
            },
        )
with forces_tab:
    if forces_tab.open:  # built only while its tab is open
        shown = coverage if not chosen else coverage[coverage["region"].isin(chosen)]
        forces_text = ChartText(
            title=f"{len(shown)} force areas in {place}",
            subtitle=f"Reported provision by force area, by region, positions {filters.viewed}",
            data_date=filters.data_date,
        )
        wrapped_table(
            table_views.forces_table(shown, regions),
            forces_text,
            key="regions_forces",
            stem=export_stem("force-areas", place, filters.as_at),
            filters=filters.describe(),
            as_at=filters.as_at,
        )

# Demand beside provision (issue 27): the regions ranked by both figures.
demand_view.regions_block(filters)
