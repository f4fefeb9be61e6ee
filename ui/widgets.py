"""Streamlit building blocks shared by the pages: a chart with its table view, a table.

Every visual has a table view behind it, and both can be downloaded with the
chart's title, source and as-at date attached: the chart as PNG, SVG and
interactive HTML, the table as CSV and XLSX. Downloads are made when clicked
(a callable passed to st.download_button), so a page render never starts a
browser or writes a file. Without Chrome or Chromium, an st.info says how to
get PNG and SVG, and the other downloads still work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts.chart_text import ChartText
from core.text import file_stem
from exports import briefing, images, tables
from exports import html as html_export
from exports.common import ExportInfo

PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"], "responsive": True}
_FAILURES = "_export_failures"  # session_state: download key -> why the last attempt failed


def _failures() -> dict[str, str]:
    return st.session_state.setdefault(_FAILURES, {})


def _deferred(make: Callable[[], bytes], key: str) -> Callable[[], bytes]:
    """Make the file on click; keep the reason if it fails, to show on the next run."""
    failures = _failures()  # the dict itself: the callable runs outside the script thread

    def run() -> bytes:
        try:
            data = make()
        except Exception as err:
            failures[key] = f"The download could not be made: {err}"
            raise
        failures.pop(key, None)
        return data

    return run


def _show_failures(*keys: str) -> None:
    failures = _failures()
    for key in keys:
        if message := failures.pop(key, None):
            st.warning(message, icon=":material/error:")


def chart_downloads(
    fig: go.Figure | Callable[[], go.Figure], text: ChartText, *, key: str, as_at: dt.date | None = None
) -> None:
    """PNG (2x), SVG and standalone HTML of the chart, title, subtitle, source and data date included.

    `fig` may be a function that makes the figure, so a version made only for export
    (such as the map with its title and source drawn in) costs nothing until a click.
    """
    make = fig if not isinstance(fig, go.Figure) else (lambda: fig)
    stem = file_stem(text.title, as_at or text.data_date)
    keys = [f"{key}_png", f"{key}_svg", f"{key}_html"]
    _show_failures(*keys)
    reason = images.unavailable_reason()
    if reason:
        st.info(reason, icon=":material/info:")
    else:
        st.download_button(
            "PNG",
            _deferred(lambda: images.to_png(make()), keys[0]),
            file_name=f"{stem}.png",
            mime=images.PNG_MIME,
            key=keys[0],
            on_click="ignore",
            icon=":material/download:",
            help="The chart as a PNG image at print quality (2x), with its title and source line.",
        )
        st.download_button(
            "SVG",
            _deferred(lambda: images.to_svg(make()), keys[1]),
            file_name=f"{stem}.svg",
            mime=images.SVG_MIME,
            key=keys[1],
            on_click="ignore",
            icon=":material/download:",
            help="The chart as an SVG vector image, with its title and source line.",
        )
    st.download_button(
        "HTML",
        _deferred(lambda: html_export.to_html(make(), title=text.title), keys[2]),
        file_name=f"{stem}.html",
        mime=html_export.HTML_MIME,
        key=keys[2],
        on_click="ignore",
        icon=":material/download:",
        help="The interactive chart as one HTML file that works offline.",
    )


def table_downloads(
    table: pd.DataFrame,
    text: ChartText,
    *,
    key: str,
    filters: dict[str, object] | None = None,
    as_at: dt.date | None = None,
) -> None:
    """CSV and XLSX of the table, with its title, source, as-at date and filters written in."""
    info = ExportInfo.from_text(text, filters, as_at=as_at)
    stem = file_stem(text.title, as_at or text.data_date)
    keys = [f"{key}_csv", f"{key}_xlsx"]
    _show_failures(*keys)
    st.download_button(
        "CSV",
        _deferred(lambda: tables.to_csv(table, info), keys[0]),
        file_name=f"{stem}.csv",
        mime=tables.CSV_MIME,
        key=keys[0],
        on_click="ignore",
        icon=":material/download:",
        help="The table as CSV; the first lines (starting '#') give the source, as-at date and filters.",
    )
    st.download_button(
        "XLSX",
        _deferred(lambda: tables.to_xlsx(table, info), keys[1]),
        file_name=f"{stem}.xlsx",
        mime=tables.XLSX_MIME,
        key=keys[1],
        on_click="ignore",
        icon=":material/download:",
        help="The table as an Excel workbook; the 'about' sheet gives the source, as-at date and filters.",
    )


def chart_block(
    fig: go.Figure,
    table: pd.DataFrame,
    text: ChartText,
    *,
    key: str,
    filters: dict[str, object] | None = None,
    column_config: dict | None = None,
    as_at: dt.date | None = None,
) -> None:
    """A chart, a tab with the same numbers as a table, and downloads of both.

    The table is sent only while its tab is open (choosing a tab reruns the page):
    a hidden table still made the browser load and run the table code, about
    1.5 MB of JavaScript, before a chart page was complete.
    """
    chart_tab, table_tab = st.tabs(["Chart", "Table"], key=f"{key}_tabs", on_change="rerun")
    with chart_tab:
        st.plotly_chart(fig, key=f"{key}_chart", config=PLOTLY_CONFIG)
    with table_tab:
        st.caption(text.title)
        if table_tab.open:
            st.dataframe(table, hide_index=True, column_config=column_config, key=f"{key}_table")
        for line in text.source_lines():
            st.caption(line)
    with st.container(horizontal=True, key=f"{key}_downloads"):
        chart_downloads(fig, text, key=key, as_at=as_at)
        table_downloads(table, text, key=key, filters=filters, as_at=as_at)


def table_block(
    table: pd.DataFrame,
    text: ChartText,
    *,
    key: str,
    filters: dict[str, object] | None = None,
    column_config: dict | None = None,
    height: int | str = "auto",
    as_at: dt.date | None = None,
) -> None:
    """A table with its source line and downloads."""
    st.dataframe(table, hide_index=True, column_config=column_config, key=f"{key}_table", height=height)
    for line in text.source_lines():
        st.caption(line)
    with st.container(horizontal=True, key=f"{key}_downloads"):
        table_downloads(table, text, key=key, filters=filters, as_at=as_at)


def briefing_download(scope: briefing.Scope, as_at: dt.date, *, key: str, label: str | None = None) -> None:
    """One click: build the briefing pack (zip) for a force, a region or England and Wales, and download it.

    Make the scope with `briefing.resolve_scope(force=code)`, `(region=name)` or `(all_areas=True)`.
    The pack is built on click, reusing the app's browser for its charts; it takes a few seconds.
    """
    pack_key = f"{key}_briefing"
    _show_failures(pack_key)
    if images.unavailable_reason():
        st.caption("The pack's charts will be interactive HTML, not PNG and SVG: " + images.UNAVAILABLE_MESSAGE)

    def make() -> bytes:
        if not images.image_export_available():
            return briefing.build_pack(scope, as_at).data
        try:
            return briefing.build_pack(scope, as_at, session=images.shared_session()).data
        finally:
            images.schedule_idle_close()

    st.download_button(
        label or f"Briefing pack: {scope.place} (zip)",
        _deferred(make, pack_key),
        file_name=briefing.pack_filename(scope, as_at),
        mime=briefing.ZIP_MIME,
        key=pack_key,
        on_click="ignore",
        icon=":material/folder_zip:",
        help="A Word briefing with key figures, charts and cited quotes, plus the charts as PNG "
        "and SVG, the data as CSV and XLSX, and a README naming the sources and licence.",
    )
