"""Demand beside provision (issue 27) as tables and sentences: for the pages, the packs and the round's report.

`demand_section(scope, as_at)` is the one entry for a document: the table of the scope's areas
(England and Wales, its regions or its force areas), the sentences that say what the figures say
and cannot say, the source line, and whether anything has been imported. The pages show the same
tables (what the page shows is what the CSV and the pack hold).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from core import demand as core_demand
from core import queries, rules
from core.text import long_date

FIGURE_COLUMNS = [
    "Area",
    "Twelve months",
    "Recorded stalking offences",
    "Population",
    "Per 1,000 people",
    "Advocate posts (FTE)",
    "Force areas with FTE returned",
    "Advocate FTE per 1,000 offences",
]


def _fmt(value, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def _ranks(values: list[float | None]) -> list[str]:
    """'1 of 10' for the highest; areas without the figure are not ranked (not reported)."""
    known = sorted((v for v in values if v is not None), reverse=True)
    return [f"{known.index(v) + 1} of {len(known)}" if v is not None else rules.NOT_REPORTED for v in values]


def ranked_table(figures: list[core_demand.AreaFigures]) -> pd.DataFrame:
    """The regions' table with their rank by each figure (England and Wales first, not ranked)."""
    table = area_table(figures)
    regions = [f for f in figures if f.name != core_demand.ENGLAND_AND_WALES]
    by_rate = dict(zip((f.name for f in regions), _ranks([f.per_1000 for f in regions])))
    by_fte = dict(zip((f.name for f in regions), _ranks([f.advocates_per_1000 for f in regions])))
    table.insert(1, "Rank by stalking per 1,000 people", [by_rate.get(n, "") for n in table["Area"]])
    table.insert(2, "Rank by advocate FTE per 1,000 offences", [by_fte.get(n, "") for n in table["Area"]])
    return table


def area_table(figures: list[core_demand.AreaFigures], caseload: float | None = None) -> pd.DataFrame:
    """One row per area (England and Wales, a region, a force area): the figures side by side, and,
    with an assumed caseload, the posts it would need beside the posts returned."""
    rows = []
    for f in figures:
        row = {
            "Area": f.name,
            "Twelve months": f.period_label or rules.NOT_IMPORTED,
            "Recorded stalking offences": _fmt(f.offences) or rules.NOT_IMPORTED,
            "Population": _fmt(f.population) or rules.NOT_IMPORTED,
            "Per 1,000 people": _fmt(f.per_1000) or rules.NOT_IMPORTED,
            "Advocate posts (FTE)": f"{f.fte:g}" if f.fte is not None else rules.NOT_REPORTED,
            "Force areas with FTE returned": f"{f.fte_forces} of {f.forces}",
            "Advocate FTE per 1,000 offences": _fmt(f.advocates_per_1000) or rules.NOT_REPORTED,
        }
        if caseload:
            needed = f.posts_needed(caseload)
            row[f"Posts needed at {caseload:g} cases each (assumption)"] = _fmt(needed, 1) or rules.NOT_IMPORTED
        rows.append(row)
    return pd.DataFrame(rows)


def force_table(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per force area of queries.demand(): the figures, their band against England and Wales, and dates."""
    return pd.DataFrame(
        {
            "Force area": frame["short_name"],
            "ONS code": frame["pfa_code"],
            "Region": frame["region"],
            "Twelve months": frame["period_label"].fillna(rules.NOT_IMPORTED),
            "Recorded stalking offences": [
                _fmt(v if pd.isna(v) else int(v)) or rules.NOT_IMPORTED for v in frame["offences"]
            ],
            "Per 1,000 people": [_fmt(v) or rules.NOT_IMPORTED for v in frame["offences_per_1000"]],
            "Against England and Wales (per 1,000 people)": frame["stalking_rate_band"],
            "Advocate posts (FTE)": [core_demand.fte_text(v) for v in frame["isa_fte"]],
            "Advocate FTE per 1,000 offences": [_fmt(v) or rules.NOT_REPORTED for v in frame["advocates_per_1000"]],
            "Against England and Wales (FTE per 1,000 offences)": frame["advocate_rate_band"],
            "Series": [
                "" if pd.isna(c) else (rules.SERIES_COMPARABLE if c else rules.SERIES_NOT_COMPARABLE)
                for c in frame["comparable"]
            ],
        }
    )


def series_table(lines: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The numbers behind the series chart: one row per area and twelve months, with its side of the break."""
    rows = []
    for name, series in lines.items():
        for r in series.itertuples():
            rows.append(
                {
                    "Area": name,
                    "Twelve months": r.period_label,
                    "Recorded stalking offences": _fmt(int(r.offences)),
                    "Per 1,000 people": _fmt(r.offences_per_1000) or rules.NOT_IMPORTED,
                    "Series": rules.SERIES_COMPARABLE if r.comparable else rules.SERIES_NOT_COMPARABLE,
                }
            )
    return pd.DataFrame(
        rows, columns=["Area", "Twelve months", "Recorded stalking offences", "Per 1,000 people", "Series"]
    )


@dataclass
class DemandSection:
    """What a document says about demand beside provision for a scope at a date."""

    imported: bool
    title: str
    table: pd.DataFrame
    sentences: list[str]
    source: str
    caveats: tuple[str, ...]


def demand_section(
    kind: str,
    name: str | None,
    as_at: dt.date,
    *,
    caseload: float | None = None,
    db: queries.Database | None = None,
) -> DemandSection:
    """The demand table and sentences for a scope: kind "all" (England and Wales and every region),
    "region" (the region and England and Wales) or "force" (the force area, its region and England
    and Wales; `name` is its ONS code). For the packs (exports.briefing_content) and the round's report."""
    if not queries.demand_imported(db):
        return DemandSection(
            False, "Demand beside provision: not imported", pd.DataFrame(), [rules.DEMAND_NOT_IMPORTED], "", ()
        )
    frame = queries.demand(as_at, db=db)
    ew = core_demand.area_figures(frame, core_demand.ENGLAND_AND_WALES)
    if kind == "force":
        mine = frame[frame["pfa_code"] == name]
        region = str(mine["region"].iloc[0])
        figures = [
            core_demand.area_figures(mine, str(mine["short_name"].iloc[0])),
            core_demand.area_figures(frame[frame["region"] == region], region),
            ew,
        ]
    elif kind == "region":
        figures = [core_demand.area_figures(frame[frame["region"] == name], str(name)), ew]
    else:
        figures = core_demand.figures_table(frame, queries.regions(db))
    words = core_demand.sentences(figures[0], as_at, caseload)
    if len(figures) > 1 and figures[0].per_1000 is not None and ew.per_1000 is not None and kind != "all":
        words.insert(1, f"England and Wales: {ew.per_1000:.2f} recorded stalking offences per 1,000 people.")
    return DemandSection(
        True,
        f"Demand beside provision, {figures[0].period_label or ''} (advocate posts as at {long_date(as_at)})",
        area_table(figures, caseload),
        words,
        core_demand.source_line(queries.demand_sources(db)),
        rules.DEMAND_CAVEATS,
    )
