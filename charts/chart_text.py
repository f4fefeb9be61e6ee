"""The words that travel with a chart, and the house style that draws them into the figure.

The title states the finding; the subtitle gives the measure, geography and
date; the source line and the data's as-at date are drawn inside the figure,
so they travel with every exported PNG, SVG and HTML file. No Streamlit here.

Every figure is laid out for the width it is drawn at (`width`, in CSS pixels):
the title, subtitle, legend and footer are wrapped to it and stacked so that
none of them overlaps another, and the plot area gets the room that is left.
plotly does not wrap text itself, so the words are measured here, with the
metrics of the font the renderer draws: the charts name their own font first
(charts.fonts: Liberation Sans, shipped in static/fonts/ and loaded by the page
and the export browser alike), and every width comes from those very files.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import plotly.graph_objects as go

from charts import fonts
from core.text import data_as_at_line

FONT = fonts.FAMILY
INK = "#0B0C0C"  # text: 19.6:1 on white
SUBTLE = "#505A5F"  # secondary text: 7.0:1 on white
MAIN_SOURCE = (
    "Source: APCC, Super Complaint: The Police Response to Stalking — Response from the APCC "
    "(19 December 2024), Open Government Licence v3.0"
)

EXPORT_WIDTH = 1000  # CSS pixels: exported images are laid out at this width (a PNG at 2x is 2000 px)
NARROW = 600  # at or below this width, charts use their narrow layouts (a phone is about 360 px)
EDGE = 16  # px between the figure's edges and its words
TITLE_SIZE, SUBTITLE_SIZE, BODY_SIZE, LEGEND_SIZE, FOOTER_SIZE = 17, 13, 13, 12, 11
LINE = 1.3  # line height, as a multiple of the font size (plotly draws lines 1.3 em apart)


def plain(text: object) -> str:
    """Data text made safe for plotly labels, which read a few HTML tags."""
    return html.escape(str(text), quote=False)


# ---------------------------------------------------------------- measuring words


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width in px the browser draws `text` at font `size`, measured with the charts' font files."""
    return fonts.text_width(str(text), float(size), bold)


def wrap_lines(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """`text` broken into lines at spaces, each at most `width` px wide (a single longer word stays whole)."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and text_width(candidate, size, bold) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def wrap(text: str, width: float, size: float, bold: bool = False) -> str:
    """Wrapped, escaped text for a plotly label: lines joined with <br>."""
    return "<br>".join(plain(line) for line in wrap_lines(text, width, size, bold))


def line_height(size: float) -> float:
    return size * LINE


# ---------------------------------------------------------------- the words of a chart


@dataclass(frozen=True)
class ChartText:
    """The words that travel with a chart: on the page, in exports and in briefing packs."""

    title: str  # the finding, e.g. "7 of 43 force areas had stalking funding ending by June 2025"
    subtitle: str  # measure, geography and date
    data_date: dt.date  # the date of the newest information behind the chart
    source: str = MAIN_SOURCE
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. "Not reported is not the same as none."

    def source_lines(self, today: dt.date | None = None) -> list[str]:
        return [self.source, data_as_at_line(self.data_date, today), *self.notes]


def label_margin(labels: Iterable[str], size: float = BODY_SIZE, most: int = 440) -> int:
    """Left margin, in px, that fits the longest category label (lines split at <br> measured apart)."""
    longest = max(
        (text_width(html.unescape(line), size) for label in labels for line in str(label).split("<br>")),
        default=0,
    )
    return int(min(most, EDGE + 8 + longest))


@dataclass(frozen=True)
class Legend:
    """Where the legend goes: each entry's text width and the legend's height at the figure's width."""

    entry_width: int  # px for each entry's text (plotly adds about 43 px for the swatch and gaps)
    height: float  # px, padding included


LEGEND_ROW = 19  # px for a one-line entry of a 12 px legend; each further line adds a line height
LEGEND_SWATCH = 45  # px plotly adds to each entry's text: swatch, gaps


def legend_entries(fig: go.Figure) -> list[str]:
    """The names the legend shows, once each (a legendgroup shows once)."""
    names: list[str] = []
    groups: set[str] = set()
    for trace in fig.data:
        if trace.showlegend is False or not trace.name:
            continue
        group = trace.legendgroup or trace.name
        if group in groups:
            continue
        groups.add(group)
        names.append(trace.name)
    return names


def fit_legend_names(fig: go.Figure, room: float) -> None:
    """Wrap the legend's names where one would not fit beside its swatch in `room` px (a phone)."""
    most = room - LEGEND_SWATCH - 10
    for trace in fig.data:
        if trace.showlegend is not False and trace.name and "<br>" not in trace.name:
            if text_width(html.unescape(trace.name), LEGEND_SIZE) > most:
                trace.name = wrap(html.unescape(trace.name), most, LEGEND_SIZE)


def plan_legend(names: list[str], room: float) -> Legend:
    """Entries of one width in a grid: as many columns as fit in `room` px, so the legend's height
    is known before it is drawn. (plotly wraps a horizontal legend at the plot area's width.)"""
    longest = max(max(text_width(html.unescape(n), LEGEND_SIZE) for n in name.split("<br>")) for name in names)
    entry = int(math.ceil(longest + 6))
    columns = max(1, min(len(names), int((room - 4) // (entry + LEGEND_SWATCH))))
    lines = [name.count("<br>") + 1 for name in names]
    rows = [max(lines[i : i + columns]) for i in range(0, len(lines), columns)]
    height = sum(LEGEND_ROW + line_height(LEGEND_SIZE) * (n - 1) for n in rows) + 10
    return Legend(entry, height)


def finish(
    fig: go.Figure,
    text: ChartText,
    *,
    width: int = EXPORT_WIDTH,
    plot_height: int,
    left: int = 64,
    right: int = 24,
    axis_space: int | None = None,
    legend: bool | None = None,
    today: dt.date | None = None,
) -> go.Figure:
    """Apply the house style and write title, subtitle, legend, source and data date into the figure.

    Laid out for `width` px: each block is wrapped to the width and placed below
    the one before (title, subtitle, legend, plot, footer), against the figure's
    own left edge, so nothing overlaps whatever the labels' lengths. `plot_height`
    is the plot area's height; the figure's height is that plus the words.
    `legend`: None shows it when there are two or more entries; True always
    (a single funder still needs its key), False never.
    """
    room = width - 2 * EDGE
    title = wrap_lines(text.title, room, TITLE_SIZE, bold=True)
    subtitle = wrap_lines(text.subtitle, room, SUBTITLE_SIZE)
    footer = [line for source_line in text.source_lines(today) for line in wrap_lines(source_line, room, FOOTER_SIZE)]

    names = legend_entries(fig)
    show_legend = bool(names) and (legend if legend is not None else len(names) > 1)
    if show_legend:
        fit_legend_names(fig, width - right - 3)
        names = legend_entries(fig)
    y = 14.0
    title_top = y
    y += len(title) * line_height(TITLE_SIZE) + 6
    subtitle_top = y
    y += len(subtitle) * line_height(SUBTITLE_SIZE) + 8
    plan = plan_legend(names, width - right - 3) if show_legend else None
    legend_top = y
    if plan:
        y += plan.height + 4
    top = int(math.ceil(y + 10))

    if axis_space is None:  # room under the plot for tick labels, and an axis title if there is one
        axis_space = 62 if fig.layout.xaxis.title.text else 36
    bottom = int(axis_space + len(footer) * line_height(FOOTER_SIZE) + 14)
    height = top + plot_height + bottom

    def words(lines: list[str], size: float, top_px: float, name: str, colour: str, bold: bool = False) -> dict:
        body = "<br>".join(plain(line) for line in lines)
        return dict(
            text=f"<b>{body}</b>" if bold else body,
            name=name,
            showarrow=False,
            xref="paper",
            yref="paper",
            x=0,
            xanchor="left",
            xshift=-(left - EDGE) - 1,
            y=1,
            yanchor="top",
            yshift=top - top_px,
            align="left",
            font=dict(size=size, color=colour),
        )

    fig.update_layout(
        template="simple_white",
        font=dict(family=FONT, size=BODY_SIZE, color=INK),
        height=height,
        margin=dict(l=left, r=right, t=top, b=bottom, autoexpand=False),
        showlegend=show_legend,
        meta={"chart_title": text.title, "width": width},
        hoverlabel=dict(font=dict(family=FONT, color=INK), bgcolor="white"),
    )
    fig.update_xaxes(color=INK, tickfont=dict(color=INK), title_font=dict(color=INK, size=BODY_SIZE))
    fig.update_yaxes(color=INK, tickfont=dict(color=INK), title_font=dict(color=INK, size=BODY_SIZE))
    if plan:
        fig.update_layout(
            legend=dict(
                title=None,
                orientation="h",
                # Placed in paper units left of and above the plot area, where plotly lets a
                # horizontal legend run to the figure's right margin (not just the plot's width).
                yanchor="top",
                y=1 + (top - legend_top) / plot_height,
                yref="paper",
                x=-(left - 3) / (width - left - right),
                xanchor="left",
                xref="paper",
                font=dict(size=LEGEND_SIZE, color=INK),
                entrywidth=plan.entry_width,
                entrywidthmode="pixels",
                tracegroupgap=0,
                traceorder="normal",
                itemclick=False,
                itemdoubleclick=False,
            )
        )
    fig.add_annotation(words(title, TITLE_SIZE, title_top, "title", INK, bold=True))
    fig.add_annotation(words(subtitle, SUBTITLE_SIZE, subtitle_top, "subtitle", SUBTLE))
    fig.add_annotation(
        text="<br>".join(plain(line) for line in footer),
        showarrow=False,
        xref="paper",
        yref="paper",
        x=0,
        xanchor="left",
        xshift=-(left - EDGE) - 1,
        y=0,
        yanchor="top",
        yshift=-axis_space,
        align="left",
        font=dict(size=FOOTER_SIZE, color=SUBTLE),
        name="source",
    )
    return fig
