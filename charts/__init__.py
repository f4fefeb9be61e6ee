"""Chart building: plotly figures that carry their own title, subtitle and source line,
the coverage map, the colours and symbols of every status, and a figure cache.

No Streamlit and no SQL: figures are pure functions of data frames, words and the
width they are drawn at, so pages, exports and briefing packs draw the same chart
from the same data.
"""

from charts.alt_text import grid_alt, quarters_alt, status_alt, timeline_alt
from charts.chart_text import EXPORT_WIDTH, MAIN_SOURCE, ChartText, finish, plain
from charts.figures import (
    coverage_map_for_export,
    ending_per_quarter,
    funding_timeline,
    region_grid,
    status_bar,
    tile_key,
    tile_pairs,
)

__all__ = [
    "EXPORT_WIDTH",
    "MAIN_SOURCE",
    "ChartText",
    "coverage_map_for_export",
    "ending_per_quarter",
    "finish",
    "funding_timeline",
    "grid_alt",
    "plain",
    "quarters_alt",
    "region_grid",
    "status_alt",
    "status_bar",
    "tile_key",
    "tile_pairs",
    "timeline_alt",
]
