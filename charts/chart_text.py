"""The words that travel with a chart, and the house style that draws them into the figure.

The title states the finding; the subtitle gives the measure, geography and
date; the source line and the data's as-at date are drawn inside the figure,
so they travel with every exported PNG, SVG and HTML file. No Streamlit here.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field

import plotly.graph_objects as go

from core.text import data_as_at_line

FONT = "Arial, Helvetica, sans-serif"
SUBTLE = "#505A5F"
MAIN_SOURCE = (
    "Source: APCC, Super Complaint: The Police Response to Stalking — Response from the APCC "
    "(19 December 2024), Open Government Licence v3.0"
)


def plain(text: object) -> str:
    """Data text made safe for plotly labels, which read a few HTML tags."""
    return html.escape(str(text), quote=False)


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


def label_margin(labels, font_px: float = 7.0, most: int = 440) -> int:
    """Left margin, in pixels, that fits the longest category label (fixed, so the footer can line up)."""
    longest = max((len(str(label)) for label in labels), default=0)
    return int(min(most, 24 + font_px * longest))


def short_label(text: str, limit: int = 52) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def finish(
    fig: go.Figure,
    text: ChartText,
    *,
    height: int = 520,
    left: int = 64,
    axis_space: int | None = None,
    today: dt.date | None = None,
) -> go.Figure:
    """Apply the house style and write title, subtitle, source and data date into the figure.

    Title, legend and footer are placed against the figure's own edges, not the
    plot area's, so they line up however long the axis labels are.
    """
    lines = text.source_lines(today)
    footer = "<br>".join(plain(line) for line in lines)
    if axis_space is None:  # room under the plot for tick labels, and an axis title if there is one
        axis_space = 62 if fig.layout.xaxis.title.text else 36
    bottom = axis_space + 15 * len(lines) + 14
    has_legend = sum(1 for t in fig.data if t.showlegend is not False and t.name) > 1
    top = 118 if has_legend else 86
    fig.update_layout(
        template="simple_white",
        font=dict(family=FONT, size=13, color="#0B0C0C"),
        title=dict(
            text=f"<b>{plain(text.title)}</b>",
            subtitle=dict(text=plain(text.subtitle), font=dict(size=13, color=SUBTLE)),
            x=0,
            xanchor="left",
            xref="container",
            y=1,
            yanchor="top",
            yref="container",
            pad=dict(l=16, t=14),
        ),
        height=height,
        margin=dict(l=left, r=24, t=top, b=bottom, autoexpand=False),
        legend=dict(
            title=None,
            orientation="h",
            yanchor="bottom",
            y=1.0,
            yref="paper",
            x=0,
            xanchor="left",
            xref="container",
            font=dict(size=12),
            entrywidthmode="pixels",
        ),
        showlegend=has_legend,
        meta={"chart_title": text.title},
    )
    fig.add_annotation(
        text=footer,
        showarrow=False,
        xref="paper",
        yref="paper",
        x=0,
        xanchor="left",
        xshift=-(left - 16),
        y=0,
        yanchor="top",
        yshift=-axis_space,
        align="left",
        font=dict(size=11, color=SUBTLE),
        name="source",
    )
    return fig
