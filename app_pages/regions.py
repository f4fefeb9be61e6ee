"""Regional comparison: the share of force areas in each region reporting each kind of provision."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import charts
from charts import palette
from charts.chart_text import ChartText
from core import headlines, rules
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


def status_column(frame: pd.DataFrame, dim: palette.MapDimension) -> list[str]:
    """'● dedicated service — last reported 19 Dec 2024 ◷': symbol, status and the date it was reported."""
    return [
        f"{dim.symbol(v)} {headlines.last_reported(v, r, dated=not c)}"
        for v, r, c in zip(frame[dim.column], frame[dim.theme.reported_on], frame[dim.theme.current_column])
    ]


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
        "Darker cells: a larger share of the region's force areas. Not reported is not the same as none: "
        "a low share may mean a region's forces were not quoted.",
        "England and Wales: " + "; ".join(f"{rules.MEASURES[k].label} {c.line}" for k, c in everywhere.items()) + ".",
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
            next_funding_end=[
                (f"{v:%Y-%m-%d}" + (" (derived)" if d else "")) if pd.notna(v) else "—"
                for v, d in zip(shown["next_funding_end"], shown["next_funding_end_derived"])
            ],
            isac=status_column(shown, palette.ISAC),
            programme=status_column(shown, palette.PROGRAMME),
            masip=status_column(shown, palette.MASIP),
            funding=status_column(shown, palette.FUNDING),
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
            subtitle=f"Reported provision by force area, positions {filters.viewed}",
            data_date=filters.data_date,
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
                    "Next funding end",
                    help="The next end date on or after the date shown; '(derived)' when worked out from the "
                    "source's words, not stated; — when none is given.",
                ),
                "evidence_quotes": st.column_config.ProgressColumn(
                    "Quotes", format="%d", min_value=0, max_value=int(max(coverage["evidence_quotes"].max(), 1))
                ),
            },
        )
