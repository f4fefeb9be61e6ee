"""Alternative text for every chart: what it shows, in words a screen reader can say.

Each says the kind of chart and then the numbers it draws (the table view has
them all). Pure functions of the same data the figures are drawn from.
"""

from __future__ import annotations

import pandas as pd

from charts import palette
from core.text import long_date, plural


def _date(value: object) -> str:
    return long_date(pd.Timestamp(value).date()) if pd.notna(value) else "not stated"


def timeline_alt(dated: pd.DataFrame) -> str:
    """'Timeline of 9 funded stalking services, one bar each from start to end date, labelled with
    the force area, service and funder: South Yorkshire, Stalking perpetrator programme (not stated),
    start not stated, ends 31 January 2025; …'."""
    rows = dated.sort_values(["end_date", "short_name"])
    parts = [
        f"{r.short_name}, {r.service} ({r.funder}), "
        + (f"from {_date(r.start_date)}" if pd.notna(r.start_date) else "start not stated")
        + f", ends {_date(r.end_date)}"
        for r in rows.itertuples()
    ]
    return (
        f"Timeline of {plural(len(rows), 'funded stalking service')} with an end date, one bar each from its start "
        "to its end date, labelled with the force area, service and funder, with rules at the date shown and at "
        "31 March 2025: " + "; ".join(parts) + "."
    )


def quarters_alt(dated: pd.DataFrame) -> str:
    quarters = pd.PeriodIndex(pd.to_datetime(dated["end_date"]), freq="Q")
    counts = pd.Series(1, index=quarters).groupby(level=0).sum().sort_index()
    parts = [f"{p.year} Q{p.quarter}: {plural(int(n), 'service')}" for p, n in counts.items()]
    return "Bar chart of funded stalking services by the quarter their funding ends: " + "; ".join(parts) + "."


def status_alt(coverage: pd.DataFrame, dim: palette.MapDimension) -> str:
    counts = coverage[dim.column].value_counts()
    parts = [f"{status}: {int(counts.get(status, 0))}" for status in dim.order]
    return f"Bar chart of force areas by {dim.label}, one bar per status: " + "; ".join(parts) + "."


def grid_alt(shares: pd.DataFrame) -> str:
    """One sentence per region: 'North East: Dedicated service or ISAs in wider services 1 of 3, …'."""
    parts = []
    for region, group in shares.groupby("region", sort=False):
        cells = ", ".join(f"{r.dimension} {r.count} of {r.total}" for r in group.itertuples())
        parts.append(f"{region}: {cells}")
    return "Grid of regions by measure, shaded by the share of force areas reporting each: " + "; ".join(parts) + "."
