"""Regional comparison: the share of force areas in each region reporting each kind of provision."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import charts
from charts import palette
from charts.chart_text import ChartText
from core import headlines, rules
from core.text import long_date
from ui import cached_queries as data
from ui import notices, state
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
text = ChartText(
    title=f"{top['region']} has the highest share of force areas reporting ISAC provision ({top['count']} of {top['total']})",
    subtitle=f"Share of force areas in each region reporting each measure, with counts; England and Wales; as at {long_date(filters.as_at)}",
    data_date=filters.source_date,
    notes=(
        "Darker cells: a larger share of the region's force areas. Not reported is not the same as none: "
        "a low share may mean a region's forces were not quoted.",
    ),
)
fig = charts.region_grid(shares, text, highlight=list(filters.regions))
table = shares.pivot(index="region", columns="dimension", values="count").reindex(
    index=[*regions, "England and Wales"], columns=[m.label for m in rules.MEASURES.values()]
)
table.insert(0, "Force areas", shares.groupby("region")["total"].first().reindex(table.index))
grid_tab, forces_tab = st.tabs(
    ["Regions", f"Force areas in {filters.geography}"], key="regions_tabs", on_change="rerun"
)
with grid_tab:
    if grid_tab.open:
        chart_block(
            fig,
            table.reset_index().rename(columns={"region": "Region"}),
            text,
            key="regions_grid",
            filters=filters.describe(),
            as_at=filters.as_at,
        )
with forces_tab:
    if forces_tab.open:  # the sortable table is built only while its tab is open
        shown = coverage if not filters.regions else coverage[coverage["region"].isin(filters.regions)]
        table = shown.assign(
            # Text, not numbers: an empty cell must read "not stated", never "None".
            isac_count=[str(int(v)) if pd.notna(v) else "not stated" for v in shown["isac_count"]],
            next_funding_end=[f"{v:%Y-%m-%d}" if pd.notna(v) else "—" for v in shown["next_funding_end"]],
            isac=[f"{palette.ISAC.symbol(v)} {v}" for v in shown["isac_status"]],
            programme=[f"{palette.PROGRAMME.symbol(v)} {v}" for v in shown["perpetrator_programme_status"]],
            masip=[f"{palette.MASIP.symbol(v)} {v}" for v in shown["masip_status"]],
            funding=[f"{palette.FUNDING.symbol(v)} {v}" for v in shown["funding_risk"]],
        )[
            [
                "short_name",
                "region",
                "isac",
                "isac_count",
                "programme",
                "masip",
                "funding",
                "next_funding_end",
                "evidence_quotes",
            ]
        ]
        forces_text = ChartText(
            title=f"{len(shown)} force areas in {filters.geography}",
            subtitle=f"Reported provision by force area, as at {long_date(filters.as_at)}",
            data_date=filters.source_date,
        )
        table_block(
            table,
            forces_text,
            key="regions_forces",
            filters=filters.describe(),
            as_at=filters.as_at,
            column_config={
                "short_name": st.column_config.TextColumn("Force area", pinned=True),
                "region": "Region",
                "isac": "Victim support (ISACs)",
                "isac_count": st.column_config.TextColumn("ISACs stated"),
                "programme": "Perpetrator programme",
                "masip": "MASIP or clinic",
                "funding": "Funding risk",
                "next_funding_end": st.column_config.TextColumn(
                    "Next funding end", help="On or after the as-at date; — when none is stated."
                ),
                "evidence_quotes": st.column_config.ProgressColumn(
                    "Quotes", format="%d", min_value=0, max_value=int(max(coverage["evidence_quotes"].max(), 1))
                ),
            },
        )
