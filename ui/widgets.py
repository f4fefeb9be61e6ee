"""Streamlit building blocks shared by the pages: a chart with its table view, a table.

Every visual has a table view behind it, and both can be downloaded with the
chart's title, source and as-at date attached: the chart as PNG, SVG and
interactive HTML, the table as CSV and XLSX. Downloads are made when clicked
(a callable passed to st.download_button), so a page render never starts a
browser or writes a file. Without Chrome or Chromium, an st.info says how to
get PNG and SVG, and the other downloads still work.

Charts are made by a function of the width: the page draws the chart laid out
for the browser's main column (ui.viewport), the downloads for the export
width. Tables carry readable column names (what the page shows is what the CSV
holds); a "Force area" column beside an "ONS code" column shows each name as a
link to that force's profile. Files are named by what, where and when
(`funding-timeline-england-and-wales-2024-12-19.png`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts.chart_text import EXPORT_WIDTH, ChartText
from exports import briefing, images, tables
from exports import html as html_export
from exports.common import ExportInfo
from exports.word import MARKINGS
from ui import viewport
from ui.evidence_view import md_escape

# No camera button: plotly's own PNG has no title, source or date; the PNG, SVG and HTML
# buttons below each chart are the titled exports.
PLOTLY_CONFIG = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "toImage"],
    "responsive": True,
}
_FAILURES = "_export_failures"  # session_state: download key -> why the last attempt failed
FigureMaker = Callable[[int], go.Figure]  # width in CSS pixels -> the chart laid out for it
FORCE_COLUMN = "Force area"
CODE_COLUMN = "ONS code"


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
            st.warning(md_escape(message), icon=":material/error:")


def chart_downloads(make: FigureMaker, text: ChartText, *, key: str, stem: str) -> None:
    """PNG (2x), SVG and standalone HTML of the chart, title, subtitle, source and data date included.

    `make(width)` makes the figure; it is called only on a click, at the export width, so a
    version made only for export (such as the map with its title and source drawn in) costs
    nothing until then. `stem` is the file name without its extension.
    """
    keys = [f"{key}_png", f"{key}_svg", f"{key}_html"]
    _show_failures(*keys)
    reason = images.unavailable_reason()
    if reason:
        st.info(reason, icon=":material/info:")
    else:
        st.download_button(
            "PNG",
            _deferred(lambda: images.to_png(make(EXPORT_WIDTH)), keys[0]),
            file_name=f"{stem}.png",
            mime=images.PNG_MIME,
            key=keys[0],
            on_click="ignore",
            icon=":material/download:",
            help="The chart as a PNG image at print quality (2x), with its title and source line.",
        )
        st.download_button(
            "SVG",
            _deferred(lambda: images.to_svg(make(EXPORT_WIDTH)), keys[1]),
            file_name=f"{stem}.svg",
            mime=images.SVG_MIME,
            key=keys[1],
            on_click="ignore",
            icon=":material/download:",
            help="The chart as an SVG vector image, with its title and source line.",
        )
    st.download_button(
        "HTML",
        _deferred(lambda: html_export.to_html(make(EXPORT_WIDTH), title=text.title), keys[2]),
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
    stem: str,
    filters: dict[str, object] | None = None,
    as_at: dt.date | None = None,
) -> None:
    """CSV and XLSX of the table, with its title, source, as-at date and the filters that apply written in."""
    info = ExportInfo.from_text(text, filters, as_at=as_at)
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


def profile_link(name: str, as_at: dt.date | None = None) -> str:
    """A relative link that opens the force's profile (?force= takes names, as the command line does).

    The name comes last, so a table sorted by the link is sorted by name, and the cell shows it."""
    return "force-profile?" + (f"as_at={as_at.isoformat()}&" if as_at else "") + f"force={name}"


def show_table(
    table: pd.DataFrame,
    *,
    key: str,
    column_config: dict | None = None,
    height: int | Literal["auto", "stretch", "content"] = "auto",
    as_at: dt.date | None = None,
    column_order: list[str] | None = None,
    force_width: int | Literal["small", "medium", "large"] = 130,
) -> None:
    """st.dataframe of a table with readable column names; force names link to their profiles.

    A table with both "Force area" and "ONS code" columns shows each force area as a link to
    its profile (at the same as-at date) and leaves the code to the downloads. `column_order`
    shows some of the columns (the downloads have them all), so the table fits the page."""
    config = dict(column_config or {})
    shown = table
    order = list(column_order) if column_order else None
    if FORCE_COLUMN in table.columns and CODE_COLUMN in table.columns:
        shown = table.assign(**{FORCE_COLUMN: [profile_link(n, as_at) for n in table[FORCE_COLUMN]]})
        config[FORCE_COLUMN] = st.column_config.LinkColumn(
            FORCE_COLUMN,
            display_text=r"force=(.+)$",
            help="Opens the force area's profile.",
            pinned=True,
            width=force_width,
        )
        order = [c for c in (order or table.columns) if c != CODE_COLUMN]
    st.dataframe(shown, hide_index=True, column_config=config, column_order=order, key=key, height=height)


def chart_block(
    make: FigureMaker,
    table: pd.DataFrame,
    text: ChartText,
    *,
    key: str,
    stem: str,
    alt: str,
    filters: dict[str, object] | None = None,
    column_config: dict | None = None,
    column_order: list[str] | None = None,
    as_at: dt.date | None = None,
) -> None:
    """A chart, a tab with the same numbers as a table, and downloads of both.

    `make(width)` lays the chart out for a width: the page's main column here, the export
    width for the downloads. `alt` describes the chart to screen readers. The open tab is kept
    in the URL (`?<key>_view=Table`). Only the open tab's content is sent (choosing a tab reruns
    the page): a hidden table still made the browser load and run the table code, about
    1.5 MB of JavaScript, before a chart page was complete.
    """
    chart_tab, table_tab = st.tabs(["Chart", "Table"], key=f"{key}_view", on_change="rerun", bind="query-params")
    with chart_tab:
        if chart_tab.open:
            st.plotly_chart(make(viewport.chart_width()), key=f"{key}_chart", config=PLOTLY_CONFIG, theme=None, alt=alt)
    with table_tab:
        if table_tab.open:
            st.markdown(f"**{md_escape(text.title)}**")
            show_table(table, key=f"{key}_table", column_config=column_config, column_order=column_order, as_at=as_at)
            if column_order:
                st.caption("The CSV and XLSX downloads have every column, each quote and its citation included.")
            for line in text.source_lines():
                st.caption(md_escape(line))
    with st.container(horizontal=True, key=f"{key}_downloads"):
        chart_downloads(make, text, key=key, stem=stem)
        table_downloads(table, text, key=key, stem=stem, filters=filters, as_at=as_at)


def table_block(
    table: pd.DataFrame,
    text: ChartText,
    *,
    key: str,
    stem: str,
    filters: dict[str, object] | None = None,
    column_config: dict | None = None,
    column_order: list[str] | None = None,
    height: int | Literal["auto", "stretch", "content"] = "auto",
    as_at: dt.date | None = None,
    force_width: int | Literal["small", "medium", "large"] = 130,
) -> None:
    """A table with its source line and downloads."""
    show_table(
        table,
        key=f"{key}_table",
        column_config=column_config,
        column_order=column_order,
        height=height,
        as_at=as_at,
        force_width=force_width,
    )
    for line in text.source_lines():
        st.caption(md_escape(line))
    with st.container(horizontal=True, key=f"{key}_downloads"):
        table_downloads(table, text, key=key, stem=stem, filters=filters, as_at=as_at)


def wrapped_table(
    table: pd.DataFrame,
    text: ChartText,
    *,
    key: str,
    stem: str,
    filters: dict[str, object] | None = None,
    as_at: dt.date | None = None,
) -> None:
    """A table that wraps its words and shows every row: a Markdown table, each force area's name
    a link to its profile; its source lines and the CSV and XLSX downloads below it.

    For the tables people read across (the force areas of a region): st.dataframe cuts long
    cells and headings to its column widths and scrolls its rows inside a frame of its own."""
    shown = table.drop(columns=[CODE_COLUMN]) if CODE_COLUMN in table.columns else table
    codes = list(table[CODE_COLUMN]) if CODE_COLUMN in table.columns else [None] * len(table)

    def cell(column: str, value: object, code: str | None) -> str:
        words = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else md_escape(value)
        if column == FORCE_COLUMN and code:
            date = f"as_at={as_at.isoformat()}&" if as_at else ""
            return f"[{words}](force-profile?{date}force={code})"
        return words

    lines = [
        "| " + " | ".join(md_escape(c) for c in shown.columns) + " |",
        "|" + "|".join(" --- " for _ in shown.columns) + "|",
    ]
    for code, row in zip(codes, shown.itertuples(index=False)):
        lines.append("| " + " | ".join(cell(c, v, code) for c, v in zip(shown.columns, row)) + " |")
    with st.container(key=f"{key}_wrapped"):
        st.markdown("\n".join(lines))
    for line in text.source_lines():
        st.caption(md_escape(line))
    with st.container(horizontal=True, key=f"{key}_downloads"):
        table_downloads(table, text, key=key, stem=stem, filters=filters, as_at=as_at)


def briefing_download(scope: briefing.Scope, as_at: dt.date, *, key: str, label: str | None = None) -> None:
    """One click: build the briefing pack (zip) for a force, a region or England and Wales, and download it.

    Make the scope with `briefing.resolve_scope(force=code)`, `(region=name)` or `(all_areas=True)`.
    The pack is built on click, reusing the app's browser for its charts; it takes a few seconds.
    A protective marking (OFFICIAL, say) chosen here is printed at the top and foot of every page.
    """
    pack_key = f"{key}_briefing"
    _show_failures(pack_key)
    if images.unavailable_reason():
        st.caption("The pack's charts will be interactive HTML, not PNG and SVG: " + images.UNAVAILABLE_MESSAGE)
    marking = st.selectbox(
        "Protective marking",
        ["None", *MARKINGS],
        key=f"{key}_marking",
        width=320,
        help="Printed at the top and foot of every page of the Word briefing, as your organisation requires. "
        "The data is public (Open Government Licence); the marking is for the briefing it goes into.",
    )
    chosen = None if marking == "None" else marking

    def make() -> bytes:
        if not images.image_export_available():
            return briefing.build_pack(scope, as_at, marking=chosen).data
        try:
            return briefing.build_pack(scope, as_at, session=images.shared_session(), marking=chosen).data
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
