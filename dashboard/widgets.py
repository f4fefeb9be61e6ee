"""Streamlit building blocks shared by the pages: a chart with its table view, a table.

Every visual has a table view behind it, and both can be downloaded with the
chart's title, source and as-at date attached.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard.charts import ChartText

PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"], "responsive": True}


def chart_block(fig: go.Figure, table: pd.DataFrame, text: ChartText, *, key: str,
                filters: dict[str, str] | None = None, column_config: dict | None = None) -> None:
    """A chart, a tab with the same numbers as a table, and downloads of both."""
    chart_tab, table_tab = st.tabs(["Chart", "Table"])
    with chart_tab:
        st.plotly_chart(fig, key=f"{key}_chart", config=PLOTLY_CONFIG)
    with table_tab:
        st.caption(text.title)
        st.dataframe(table, hide_index=True, column_config=column_config, key=f"{key}_table")
        for line in text.source_lines():
            st.caption(line)


def table_block(table: pd.DataFrame, text: ChartText, *, key: str, filters: dict[str, str] | None = None,
                column_config: dict | None = None, height: int | str = "auto") -> None:
    """A table with its source line and downloads."""
    st.dataframe(table, hide_index=True, column_config=column_config, key=f"{key}_table", height=height)
    for line in text.source_lines():
        st.caption(line)
