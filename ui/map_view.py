"""The coverage map in Streamlit: draw it, and report which force was clicked."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from charts.mapfig import PLOTLY_CONFIG, coverage_map, status_counts
from charts.palette import ALL_DIMENSIONS as MAP_DIMENSIONS
from ui import viewport


def _alt_text(coverage: pd.DataFrame, dimension_key: str, geometry: str) -> str:
    dim = MAP_DIMENSIONS[dimension_key]
    counts = "; ".join(f"{s}: {n}" for s, n in status_counts(coverage, dimension_key).items())
    shape = "hexagon tile map" if geometry == "tiles" else "boundary map"
    return f"{dim.label} by police force area, {shape} of {len(coverage)} forces. {counts}."


def selected_location(event) -> str | None:
    """The pfa_code of the clicked shape in a plotly_chart selection event, if any."""
    try:
        selection = event["selection"] if isinstance(event, dict) else event.selection
        points = selection["points"]
    except (AttributeError, KeyError, TypeError):
        return None
    for point in points or []:
        location = point.get("location") if isinstance(point, dict) else None
        if location:
            return str(location)
    return None


def show_coverage_map(
    coverage: pd.DataFrame,
    dimension_key: str,
    geometry: str = "tiles",
    selected: str | None = None,
    key: str = "coverage_map",
    on_click: Callable[[str], None] | None = None,
) -> str | None:
    """Render the coverage map; return the pfa_code the user clicked (None when nothing is selected).

    With `on_click`, the code is also passed to that callback once per click, before
    the rerun (so it may set widget state, such as the sidebar's force selector).
    The figure keeps a constant uirevision, so zoom and pan survive reruns.
    """

    def clicked() -> None:
        code = selected_location(st.session_state.get(key))
        if code and on_click is not None:
            on_click(code)

    fig = coverage_map(coverage, dimension_key, geometry=geometry, selected=selected, width=viewport.chart_width())
    event = st.plotly_chart(
        fig,
        key=key,
        on_select=clicked if on_click is not None else "rerun",
        selection_mode="points",
        config=PLOTLY_CONFIG,
        theme=None,  # the figure's own colours: Streamlit's theme greys the text below 4.5:1
        alt=_alt_text(coverage, dimension_key, geometry),
    )
    return selected_location(event)
