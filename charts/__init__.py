"""Chart building: plotly figures that carry their own title, subtitle and source line,
the coverage map, the colours and symbols of every status, and a figure cache.

No Streamlit and no SQL: figures are pure functions of data frames and words, so
pages, exports and briefing packs draw the same chart from the same data.
"""

from charts.chart_text import MAIN_SOURCE, ChartText, finish, plain
from charts.figures import coverage_map_for_export, ending_per_quarter, funding_timeline, region_grid, status_bar

__all__ = [
    "MAIN_SOURCE",
    "ChartText",
    "coverage_map_for_export",
    "ending_per_quarter",
    "finish",
    "funding_timeline",
    "plain",
    "region_grid",
    "status_bar",
]
