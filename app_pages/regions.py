"""Regional comparison: the share of force areas in each region reporting each kind of provision."""

from __future__ import annotations

import streamlit as st

import charts
from charts.chart_text import ChartText
from core import headlines, rules
from core.text import export_stem
from exports import table_views
from ui import cached_queries as data
from ui import demand_view, notices, state
from ui.widgets import chart_block, table_block

filters = state.current()
coverage = data.coverage(filters.as_at)  # every region, so the chosen ones can be compared with the rest
regions = data.regions()

st.title("Regional comparison")
st.caption("How many force areas in each region report each kind of provision. Chosen regions are marked ▶.")
notices.data_age(filters)

shares = headlines.region_shares(coverage, regions, with_total=True)
best = shares[(shares["dimension"] == rules.MEASURES["isac"].label) & (shares["region"] != "England and Wales")]
top = best.sort_values(["share", "total"], ascending=False).iloc[0]
everywhere = {key: headlines.count(coverage, key) for key in rules.MEASURES}
text = ChartText(
    title=f"{top['region']} has the highest share of force areas reporting ISAC provision "
    f"({top['count']} of {top['total']} — {top['current']} reported in the last 12 months, "
    f"{top['not_reported']} not reported)",
    subtitle=f"Share of force areas in each region reporting each measure, with counts; England and Wales; "
    f"positions {filters.viewed}",
    data_date=filters.data_date,
    notes=(
        "Darker cells: a larger share of the region's force areas (none; under 25%; 25-49%; 50-74%; 75% or more). "
        "Not reported is not the same as none: a low share may mean a region's forces were not quoted.",
        "England and Wales: " + "; ".join(f"{rules.MEASURES[k].label} {c.line}" for k, c in everywhere.items()) + ".",
    ),
)
# Stable labels: the open tab is kept in the URL (?regions_view=Force+areas), so a shared link reopens it.
grid_tab, forces_tab = st.tabs(["Regions", "Force areas"], key="regions_view", on_change="rerun", bind="query-params")
with grid_tab:
    if grid_tab.open:
        chart_block(
            lambda width: charts.region_grid(shares, text, highlight=list(filters.regions), width=width),
            table_views.region_table(shares, [*regions, "England and Wales"]),
            text,
            key="regions_grid",
            stem=export_stem("provision-by-region", "England and Wales", filters.as_at),
            alt=charts.grid_alt(shares),
            filters=filters.describe(geography=False),
            as_at=filters.as_at,
            column_config={
                "Region": st.column_config.TextColumn(width=190),
                "Force areas": st.column_config.NumberColumn(width=90),
                **{m.label: st.column_config.NumberColumn(width=170) for m in rules.MEASURES.values()},
            },
        )
with forces_tab:
    if forces_tab.open:  # the sortable table is built only while its tab is open
        shown = coverage if not filters.regions else coverage[coverage["region"].isin(filters.regions)]
        forces_text = ChartText(
            title=f"{len(shown)} force areas in {filters.geography}",
            subtitle=f"Reported provision by force area, positions {filters.viewed}",
            data_date=filters.data_date,
        )
        table_block(
            table_views.forces_table(shown, regions),
            forces_text,
            key="regions_forces",
            stem=export_stem("force-areas", filters.geography, filters.as_at),
            filters=filters.describe(),
            as_at=filters.as_at,
            # Widths that add up to the main column at 1440 px (978 px), so the last column shows.
            force_width=120,
            column_config={
                "Region": st.column_config.TextColumn(width=95),
                "Victim support (ISACs)": st.column_config.TextColumn(width=130),
                "ISACs stated": st.column_config.TextColumn(width=60),
                "Advocate FTE": st.column_config.TextColumn(
                    width=60, help="Independent stalking advocate posts in full-time equivalents, from returns."
                ),
                "Perpetrator programme": st.column_config.TextColumn(width=120),
                "MASIP or clinic": st.column_config.TextColumn(width=110),
                "Funding risk": st.column_config.TextColumn(width=125),
                "Next funding end": st.column_config.TextColumn(
                    width=95,
                    help="The next end date on or after the date shown; '(derived)' when worked out from the "
                    "source's words, not stated.",
                ),
                "Quotes": st.column_config.NumberColumn(width=55, format="%d"),
            },
        )

# Demand beside provision (issue 27): the regions ranked by both figures.
demand_view.regions_block(filters)
