"""Plotly figures for the dashboard, each carrying its own title, subtitle and source.

The title states the finding; the subtitle gives the measure, geography and
date; the source line and the data's as-at date are drawn inside the figure,
so they travel with every exported PNG, SVG and HTML file. No Streamlit here.
"""
from __future__ import annotations

import datetime as dt
import html
import textwrap
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from dashboard import palette
from dashboard.figure_cache import cached_figure

FONT = "Arial, Helvetica, sans-serif"
SUBTLE = "#505A5F"
MAIN_SOURCE = (
    "Source: APCC, Super Complaint: The Police Response to Stalking — Response from the APCC "
    "(19 December 2024), Open Government Licence v3.0"
)


def plain(text: object) -> str:
    """Data text made safe for plotly labels, which read a few HTML tags."""
    return html.escape(str(text), quote=False)


def months_between(earlier: dt.date, later: dt.date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def age_text(as_at: dt.date, today: dt.date | None = None) -> str:
    """'1 year 11 months old' — how old information dated as_at is today."""
    today = today or dt.date.today()
    months = max(months_between(as_at, today), 0)
    if months < 1:
        return f"{(today - as_at).days} days old"
    years, rest = divmod(months, 12)
    parts = ([f"{years} year{'s' * (years != 1)}"] if years else []) + ([f"{rest} month{'s' * (rest != 1)}"] if rest else [])
    return " ".join(parts) + " old"


def long_date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def data_as_at_line(data_date: dt.date, today: dt.date | None = None) -> str:
    today = today or dt.date.today()
    return f"Data as at {long_date(data_date)} ({age_text(data_date, today)} on {long_date(today)})."


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


def finish(fig: go.Figure, text: ChartText, *, height: int = 520, left: int = 64, axis_space: int | None = None,
           today: dt.date | None = None) -> go.Figure:
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
            x=0, xanchor="left", xref="container", y=1, yanchor="top", yref="container",
            pad=dict(l=16, t=14),
        ),
        height=height,
        margin=dict(l=left, r=24, t=top, b=bottom, autoexpand=False),
        legend=dict(title=None, orientation="h", yanchor="bottom", y=1.0, yref="paper",
                    x=0, xanchor="left", xref="container", font=dict(size=12), entrywidthmode="pixels"),
        showlegend=has_legend,
        meta={"chart_title": text.title},
    )
    fig.add_annotation(
        text=footer, showarrow=False, xref="paper", yref="paper", x=0, xanchor="left",
        xshift=-(left - 16), y=0, yanchor="top", yshift=-axis_space, align="left",
        font=dict(size=11, color=SUBTLE), name="source",
    )
    return fig


# ---------------------------------------------------------------- figures

@cached_figure()
def status_bar(coverage: pd.DataFrame, dim: palette.MapDimension, text: ChartText) -> go.Figure:
    """Forces per status for one dimension, one bar per status, symbol in the label."""
    counts = coverage[dim.column].value_counts()
    values = [counts.get(v, 0) for v in dim.order]
    labels = [f"{dim.symbol(v)} {v}" for v in dim.order]
    fig = go.Figure(
        go.Bar(
            x=values, y=labels, orientation="h",
            marker=dict(color=[dim.colour(v) for v in dim.order],
                        pattern=dict(shape=["/" if v == palette.NOT_REPORTED else "" for v in dim.order])),
            text=values, textposition="outside", cliponaxis=False,
            hovertemplate="%{y}: %{x} force areas<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title=None, automargin=False)
    fig.update_xaxes(title="Force areas", rangemode="tozero")
    return finish(fig, text, height=380, left=label_margin(labels, 7.2))


@cached_figure()
def funding_timeline(streams: pd.DataFrame, as_at: dt.date, text: ChartText, cliff_edge: dt.date) -> go.Figure:
    """One bar per funded service from its start (where known) to its end, coloured by funder."""
    df = streams[streams["end_date"].notna()].copy()
    df = df.sort_values(["end_date", "short_name"], ascending=[False, True])
    df["row"] = [plain(short_label(f"{r.short_name}: {r.service}")) for r in df.itertuples()]
    fig = go.Figure()
    for funder, group in df.groupby("funder", sort=False):
        start = group["start_date"].where(group["start_date"].notna(), pd.NaT)
        known_start = start.notna()
        base = pd.to_datetime(start.where(known_start, group["end_date"] - pd.Timedelta(days=90)))
        end = pd.to_datetime(group["end_date"])
        fig.add_trace(
            go.Bar(
                y=group["row"], x=(end - base).dt.days * 86_400_000, base=base, orientation="h",
                name=plain(funder), marker=dict(color=palette.FUNDER_COLOURS.get(funder, palette.DARK_GREY),
                                                pattern=dict(shape=["" if k else "." for k in known_start])),
                customdata=list(zip(group["end_date"].dt.strftime("%-d %b %Y"), group["status"], group["end_wording"].fillna("").map(plain),
                                    ["start not stated" if not k else str(s) for k, s in zip(known_start, group["start_date"])])),
                hovertemplate="%{y}<br>Ends %{customdata[0]} (%{customdata[2]})<br>Starts: %{customdata[3]}"
                              "<br>Status: %{customdata[1]}<extra>%{fullData.name}</extra>",
            )
        )
    # Two rules; their labels point away from each other so they never overlap.
    as_at_first = as_at <= cliff_edge
    for when, label, dash, first in ((as_at, f"As at {long_date(as_at)}", "dash", as_at_first),
                                     (cliff_edge, "31 March 2025", "solid", not as_at_first)):
        fig.add_vline(x=pd.Timestamp(when).value / 1e6, line=dict(color=palette.DARK_GREY, dash=dash, width=1.5))
        fig.add_annotation(x=pd.Timestamp(when), y=0, yref="paper", yanchor="top", yshift=-30, text=plain(label),
                           showarrow=False, xanchor="right" if first else "left", xshift=-3 if first else 3,
                           font=dict(size=11, color=palette.DARK_GREY))
    fig.update_layout(barmode="overlay", bargap=0.35)
    fig.update_xaxes(type="date", title=None)
    fig.update_yaxes(title=None, automargin=False)
    return finish(fig, text, height=max(380, 210 + 26 * len(df)), left=label_margin(df["row"]), axis_space=52)


@cached_figure()
def ending_per_quarter(streams: pd.DataFrame, text: ChartText) -> go.Figure:
    """Funded services whose stated end date falls in each quarter."""
    df = streams[streams["end_date"].notna()].copy()
    q = pd.PeriodIndex(pd.to_datetime(df["end_date"]), freq="Q")
    counts = pd.Series(1, index=q).groupby(level=0).sum().sort_index()
    labels = [f"{p.year} Q{p.quarter} (to {long_date(p.end_time.date())})" for p in counts.index]
    fig = go.Figure(go.Bar(x=labels, y=counts.values, marker_color=palette.DARK_BLUE, text=counts.values,
                           textposition="outside", cliponaxis=False,
                           hovertemplate="%{x}: %{y} services<extra></extra>"))
    fig.update_yaxes(title="Funded services ending", rangemode="tozero", dtick=1)
    fig.update_xaxes(title=None)
    return finish(fig, text, height=380, left=84)


@cached_figure()
def region_grid(shares: pd.DataFrame, text: ChartText, highlight: list[str] | None = None) -> go.Figure:
    """Region × measure heatmap of the share of forces reporting each measure; counts in each cell.

    `shares` has columns region, dimension, count, total, share. Darker means a larger share.
    """
    regions = list(dict.fromkeys(shares["region"]))
    dims = list(dict.fromkeys(shares["dimension"]))
    z = shares.pivot(index="region", columns="dimension", values="share").reindex(index=regions, columns=dims)
    labels = shares.assign(label=shares["count"].astype(str) + " of " + shares["total"].astype(str))
    cell = labels.pivot(index="region", columns="dimension", values="label").reindex(index=regions, columns=dims)
    y = [f"<b>▶ {plain(r)}</b>" if highlight and r in highlight else plain(r) for r in regions]
    x = ["<br>".join(textwrap.wrap(plain(d), 18)) for d in dims]
    fig = go.Figure(
        go.Heatmap(
            z=z.values * 100, x=x, y=y, text=cell.values, texttemplate="%{text}",
            colorscale=[[0, "#F3F4F6"], [1, palette.DARK_BLUE]], zmin=0, zmax=100, showscale=False,
            xgap=2, ygap=2, hovertemplate="%{y}<br>%{x}: %{text} force areas (%{z:.0f}%)<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=False)
    fig.update_xaxes(side="bottom", tickangle=0, automargin=False)
    longest = max(len(r) for r in regions) + (2 if highlight else 0)
    label_lines = max(label.count("<br>") + 1 for label in x)  # wrapped column labels sit under the grid
    return finish(fig, text, height=220 + 40 * len(regions) + 16 * label_lines,
                  left=label_margin(["x" * longest], 7.4), axis_space=26 + 16 * label_lines)


def coverage_map_for_export(coverage: pd.DataFrame, dimension_key: str, geometry: str, text: ChartText) -> go.Figure:
    """The coverage map with its title, subtitle, source and data date drawn in, for downloads.

    A copy: the map drawn on the page is a shared cached figure and is never changed.
    """
    from geo.mapfig import coverage_map

    fig = go.Figure(coverage_map(coverage, dimension_key, geometry=geometry))
    return finish(fig, text, height=800, left=16)
