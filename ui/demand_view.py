"""Demand beside provision (issue 27) on the pages: one function per page, each a separate block.

The Overview map of recorded stalking per 1,000 people or advocate posts per 1,000 offences (the
same tile map and not-reported rules as the provision maps, a table behind it); the force
profile's demand beside provision with its region and England and Wales, and an assumed caseload;
the regional comparison ranked by both. Until the official files are imported each block says
"not imported" and how to import them. The pages call these functions and nothing else of it.
"""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from charts import demand as demand_charts
from charts.chart_text import ChartText
from core import demand as core_demand
from core import queries, rules
from core.text import export_stem
from exports import demand_tables
from ui import cached_queries as data
from ui.evidence_view import md_escape
from ui.map_view import show_coverage_map
from ui.widgets import chart_block, table_block

demand = data.demand
demand_series = data.demand_series
demand_sources = data.demand_sources
demand_imported = data.demand_imported

MAP_CHOICES = {
    "stalking_rate": rules.DEMAND_MEASURES["stalking_per_1000"][0],
    "advocate_rate": rules.DEMAND_MEASURES["advocates_per_1000"][0],
}


def not_imported() -> None:
    st.info(rules.DEMAND_NOT_IMPORTED, icon=":material/upload_file:")


def caveats(*, series: bool = True) -> None:
    shown = rules.DEMAND_CAVEATS if series else rules.DEMAND_CAVEATS[:2]
    st.caption(" ".join(shown))


def _source() -> str:
    return core_demand.source_line(demand_sources())


def assumed_caseload(key: str) -> float | None:
    """The user's assumed caseload per advocate: no default, clearly an assumption."""
    return st.number_input(
        rules.ASSUMED_CASELOAD_LABEL,
        min_value=1,
        max_value=rules.MAX_ASSUMED_CASELOAD,
        value=None,
        step=1,
        key=key,
        placeholder="No default: type a caseload to see the posts it would need",
        help=rules.ASSUMED_CASELOAD_HELP,
    )


def _map_frame(coverage: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    columns = [
        "pfa_code",
        "stalking_rate_band",
        "advocate_rate_band",
        "stalking_rate_text",
        "advocate_rate_text",
        "demand_period_end",
    ]
    return coverage.merge(frame[columns], on="pfa_code", how="left")


def overview_block(filters, coverage: pd.DataFrame) -> None:
    """The Overview's section: the demand map (tile map, bands against England and Wales) and its table."""
    st.header("Need beside provision")
    if not demand_imported():
        not_imported()
        return
    frame = demand(filters.as_at)
    shown = frame[frame["region"].isin(filters.regions)] if filters.regions else frame
    choice = st.radio(
        "Show on the map",
        list(MAP_CHOICES),
        format_func=MAP_CHOICES.get,
        horizontal=True,
        key="overview_demand_measure",
    )
    theme = rules.DEMAND_THEMES[choice]
    ew = core_demand.area_figures(frame, core_demand.ENGLAND_AND_WALES)
    period = ew.period_label or ""
    if choice == "stalking_rate":
        headline = (
            f"England and Wales: {ew.per_1000:.2f} recorded stalking offences per 1,000 people, {period}"
            if ew.per_1000 is not None
            else rules.POPULATION_NOT_IMPORTED
        )
    else:
        headline = (
            f"{ew.fte_forces} of {ew.forces} force areas have returned advocate posts: "
            f"{ew.advocates_per_1000:.2f} FTE per 1,000 of their recorded stalking offences"
            if ew.advocates_per_1000 is not None
            else f"No force area has returned its advocate posts (FTE) by {filters.viewed}: not reported"
        )
    st.markdown(f"**{md_escape(headline)}**")
    map_tab, table_tab = st.tabs(["Map", "Table"], key="overview_demand_view", on_change="rerun", bind="query-params")
    with map_tab:
        if map_tab.open:
            show_coverage_map(_map_frame(coverage, shown), theme.key, filters.geometry, filters.force, key="demand_map")
            st.caption(
                f"Bands compare each force area with England and Wales. Grey areas marked ? have no figure "
                f"({'no advocate posts returned: not reported, which is not the same as none' if choice == 'advocate_rate' else 'not imported'})."
            )
    with table_tab:
        if table_tab.open:
            text = ChartText(
                title=headline,
                subtitle=f"{MAP_CHOICES[choice]} by police force area, {filters.geography}, {period}; "
                f"advocate posts {filters.viewed}",
                data_date=filters.data_date,
                source=_source(),
                notes=rules.DEMAND_CAVEATS,
            )
            table_block(
                demand_tables.force_table(shown),
                text,
                key="overview_demand",
                stem=export_stem("demand-beside-provision", filters.geography, filters.as_at),
                filters=filters.describe(),
                as_at=filters.as_at,
            )
    st.caption(f"{md_escape(_source())}. " + " ".join(rules.DEMAND_CAVEATS))


def profile_block(filters, code: str, short_name: str, region: str) -> None:
    """The force profile's section: its demand beside its provision, with its region and England and Wales."""
    st.header("Demand beside provision")
    if not demand_imported():
        not_imported()
        return
    caseload = assumed_caseload(f"caseload_{code}")
    section = demand_tables.demand_section("force", code, filters.as_at, caseload=caseload, db=queries.default_db())
    st.markdown("\n".join(f"- {md_escape(s)}" for s in section.sentences))
    text = ChartText(
        title=section.title,
        subtitle=f"{short_name}, {region} and England and Wales; advocate posts {filters.viewed}",
        data_date=filters.data_date,
        source=section.source,
        notes=rules.DEMAND_CAVEATS,
    )
    table_block(
        section.table,
        text,
        key="profile_demand",
        stem=export_stem("demand-beside-provision", short_name, filters.as_at),
        filters=filters.describe(geography=False),
        as_at=filters.as_at,
    )
    lines = {
        short_name: demand_series(code),
        region: demand_series(region=region),
        core_demand.ENGLAND_AND_WALES: demand_series(),
    }
    lines = {name: s for name, s in lines.items() if len(s)}
    # Rates where population has been imported for the period (the latest mid-year on or before its end);
    # without any, the force area's counts alone.
    rated = {name: srs[srs["offences_per_1000"].notna()] for name, srs in lines.items()}
    if all(len(srs) for srs in rated.values()) and rated:
        measure, lines = "offences_per_1000", rated
    else:
        measure, lines = "offences", {short_name: lines[short_name]}
    series_text = ChartText(
        title=f"Recorded stalking in {short_name}"
        + (f", {region} and England and Wales, per 1,000 people" if measure == "offences_per_1000" else ""),
        subtitle="Twelve months ending each quarter; no line is drawn across the series break (March 2021)",
        data_date=filters.data_date,
        source=section.source,
        notes=(rules.SERIES_BREAK_NOTE,),
    )
    chart_block(
        lambda width: demand_charts.stalking_series(lines, series_text, measure, width=width),
        demand_tables.series_table(lines),
        series_text,
        key="profile_demand_series",
        stem=export_stem("recorded-stalking", short_name, filters.as_at),
        alt=f"Line chart of recorded stalking over time for {short_name}, broken at the series break of March 2021.",
        filters=filters.describe(geography=False),
        as_at=filters.as_at,
    )
    caveats()


def regions_block(filters) -> None:
    """The regional comparison's section: regions ranked by both figures."""
    st.header("Need beside provision, by region")
    if not demand_imported():
        not_imported()
        return
    section = demand_tables.demand_section("all", None, filters.as_at, db=queries.default_db())
    frame = demand(filters.as_at)
    figures = core_demand.figures_table(frame, data.regions())
    table = demand_tables.ranked_table(figures)
    ranks = pd.DataFrame(
        {
            "name": [f.name for f in figures],
            "per_1000": [f.per_1000 for f in figures],
            "advocates": [f.advocates_per_1000 for f in figures],
        }
    )
    for column, label, key in (
        ("per_1000", rules.DEMAND_MEASURES["stalking_per_1000"][0], "regions_demand_rate"),
        ("advocates", rules.DEMAND_MEASURES["advocates_per_1000"][0], "regions_demand_advocates"),
    ):
        top = ranks[ranks["name"] != core_demand.ENGLAND_AND_WALES].sort_values(column, ascending=False)
        top = top[top[column].notna()]
        title = (
            f"{top.iloc[0]['name']} has the most {label[0].lower() + label[1:]} ({top.iloc[0][column]:.2f})"
            if len(top)
            else f"{label}: not reported in any region"
        )
        text = ChartText(
            title=title,
            subtitle=f"{label}, regions and England and Wales, {figures[0].period_label}; advocate posts {filters.viewed}",
            data_date=filters.data_date,
            source=section.source,
            notes=rules.DEMAND_CAVEATS[:2],
        )
        chart_block(
            functools.partial(demand_charts.ranked, ranks, column, label, text),
            table,
            text,
            key=key,
            stem=export_stem(label, "England and Wales", filters.as_at),
            alt=f"Bar chart of regions ranked by {label}.",
            filters=filters.describe(geography=False),
            as_at=filters.as_at,
        )
    caveats(series=False)
