"""Demand beside provision: how the figures of `demand_at(d)` read, per force area and for an area.

The database gives each force area its latest twelve months of recorded stalking ended by the
date, its population and the advocate posts (FTE) its returns give (etl/sql/views.sql). Here:
the totals for England and Wales and for a region, the bands of the map (against England and
Wales, core.rules.demand_band), the posts an assumed caseload would need, and the words. No
Streamlit, no SQL.

A force area with no FTE returned is "not reported": it is left out of every advocate figure
(never counted as zero), and the figure for an area says how many of its force areas it rests on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from core import rules
from core.text import long_date, plural

ENGLAND_AND_WALES = "England and Wales"


def _number(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


@dataclass(frozen=True)
class AreaFigures:
    """The demand figures of an area (England and Wales, a region, or one force area)."""

    name: str
    forces: int
    offences: int | None  # recorded stalking in the latest twelve months, all force areas of the area
    population: int | None
    per_1000: float | None  # offences per 1,000 people
    fte: float | None  # advocate posts (FTE) of the force areas that returned them
    fte_forces: int  # force areas with FTE returned
    fte_offences: int | None  # recorded stalking of those force areas
    advocates_per_1000: float | None  # FTE per 1,000 recorded stalking offences, of those force areas
    period_label: str | None
    comparable: bool | None

    def posts_needed(self, caseload: float | None) -> float | None:
        """Posts an assumed caseload would need for the area's recorded stalking (None without a caseload)."""
        if caseload is None or self.offences is None:
            return None
        return rules.posts_needed(self.offences, caseload)


def area_figures(rows: pd.DataFrame, name: str) -> AreaFigures:
    """The figures of the force areas in `rows` (rows of queries.demand) taken together."""
    with_offences = rows[rows["offences"].notna()]
    offences = int(with_offences["offences"].sum()) if len(with_offences) else None
    has_pop = with_offences[with_offences["population"].notna()]
    population = int(has_pop["population"].sum()) if len(has_pop) == len(with_offences) and len(has_pop) else None
    per_1000 = offences * 1000 / population if offences is not None and population else None
    returned = with_offences[with_offences["isa_fte"].notna()]
    fte = float(returned["isa_fte"].sum()) if len(returned) else None
    fte_offences = int(returned["offences"].sum()) if len(returned) else None
    advocates = fte * 1000 / fte_offences if fte is not None and fte_offences else None
    labels = sorted(set(with_offences["period_label"].dropna()))
    comparable = bool(with_offences["comparable"].all()) if len(with_offences) else None
    return AreaFigures(
        name,
        len(rows),
        offences,
        population,
        per_1000,
        fte,
        len(returned),
        fte_offences,
        advocates,
        labels[0] if len(labels) == 1 else ("; ".join(labels) if labels else None),
        comparable,
    )


def classify(frame: pd.DataFrame, everywhere: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows of `demand_at(d)` with the map bands (against England and Wales) and the figures as text.

    `everywhere`: the rows of all 43 force areas, for England and Wales's figures (default: `frame`)."""
    out = frame.copy()
    ew = area_figures(everywhere if everywhere is not None else frame, ENGLAND_AND_WALES)
    out["stalking_rate_band"] = [rules.demand_band(_number(v), ew.per_1000) for v in out["offences_per_1000"]]
    out["advocate_rate_band"] = [
        rules.demand_band(_number(v), ew.advocates_per_1000) for v in out["advocates_per_1000"]
    ]
    out["stalking_rate_text"] = [rate_text(v, "per 1,000 people") for v in out["offences_per_1000"]]
    out["advocate_rate_text"] = [
        rate_text(v, "FTE per 1,000 offences", rules.NOT_REPORTED) for v in out["advocates_per_1000"]
    ]
    return out


def rate_text(value, unit: str, missing: str = rules.NOT_IMPORTED) -> str:
    number = _number(value)
    return missing if number is None else f"{number:.2f} {unit}"


def fte_text(value) -> str:
    number = _number(value)
    return rules.NOT_REPORTED if number is None else f"{number:g}"


def figures_table(frame: pd.DataFrame, regions: list[str]) -> list[AreaFigures]:
    """England and Wales, then each region, then nothing else: the rows of a comparison."""
    out = [area_figures(frame, ENGLAND_AND_WALES)]
    for region in regions:
        rows = frame[frame["region"] == region]
        if len(rows):
            out.append(area_figures(rows, region))
    return out


def sentences(figures: AreaFigures, as_at, caseload: float | None = None) -> list[str]:
    """What the figures of an area say, in words, with their limits."""
    if figures.offences is None:
        return [rules.DEMAND_NOT_IMPORTED]
    out = [
        f"{figures.name}: {figures.offences:,} stalking offences were recorded by the police in the "
        f"{figures.period_label or 'latest twelve months'}"
        + (
            f", {figures.per_1000:.2f} per 1,000 people."
            if figures.per_1000 is not None
            else " (population not imported)."
        )
    ]
    if figures.fte is None:
        who = figures.name if figures.forces == 1 else f"No force area in {figures.name}"
        out.append(
            f"{who} {'has not returned its' if figures.forces == 1 else 'has returned its'} stalking advocate "
            f"posts (FTE) by {long_date(as_at)}: not reported, which is not the same as none."
        )
    else:
        out.append(
            f"{plural(figures.fte_forces, 'force area')} of {figures.forces} returned stalking advocate posts "
            f"by {long_date(as_at)}: {figures.fte:g} FTE, {figures.advocates_per_1000:.2f} per 1,000 of their "
            f"{figures.fte_offences:,} recorded stalking offences."
            + (
                f" The other {figures.forces - figures.fte_forces} are not reported."
                if figures.fte_forces < figures.forces
                else ""
            )
        )
    if caseload:
        needed = figures.posts_needed(caseload)
        out.append(
            f"Assuming {caseload:g} cases a year per full-time advocate (an assumption, not a standard), "
            f"{figures.offences:,} recorded offences would need {needed:.1f} posts"
            + (
                f"; {figures.fte:g} FTE were returned by {plural(figures.fte_forces, 'force area')}."
                if figures.fte is not None
                else "; no FTE were returned."
            )
        )
    if figures.comparable is False:
        out.append(rules.SERIES_BREAK_NOTE)
    out.append(rules.DEMAND_CAVEATS[0] + " " + rules.DEMAND_CAVEATS[1])
    return out


def source_line(sources: pd.DataFrame, with_returns: bool = True) -> str:
    """'Source: Home Office, Police recorded crime … (released 24 July 2025, file …); ONS, …; …'."""
    parts = []
    for row in sources.itertuples():
        released = row.released.date() if hasattr(row.released, "date") else row.released
        parts.append(f"{row.publisher}, {row.title} (released {long_date(released)}, {row.file_name}), {row.licence}")
    if with_returns:
        parts.append("advocate posts (FTE): commissioners' returns")
    return "Source: " + "; ".join(parts) if parts else "Source: not imported"
