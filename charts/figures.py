"""Plotly figures for the dashboard: status bars, the funding timeline, funding ends per
quarter, the regional grid and the map made for export.

Each is a pure function of its data and words (no Streamlit, no database), so its
result is kept by charts.figure_cache and shared between reruns and sessions.
"""

from __future__ import annotations

import datetime as dt
import textwrap

import pandas as pd
import plotly.graph_objects as go

from charts import palette
from charts.chart_text import ChartText, finish, label_margin, plain, short_label
from charts.figure_cache import cached_figure
from charts.mapfig import coverage_map
from core.text import long_date

# ---------------------------------------------------------------- figures


@cached_figure()
def status_bar(coverage: pd.DataFrame, dim: palette.MapDimension, text: ChartText) -> go.Figure:
    """Forces per status for one theme, one bar per status with its symbol in the label.

    Each bar is split: solid for reports made in the 12 months before the date shown,
    hatched for older ones (dated), so the age of the evidence is never colour alone."""
    statuses = coverage[dim.column]
    current_column = dim.theme.current_column
    current = (
        coverage[current_column].astype(bool) if current_column in coverage else pd.Series(True, index=coverage.index)
    )
    # Not reported has no date: it is one dotted bar of its own.
    recent = [int(((statuses == v) & (current | (v == palette.NOT_REPORTED))).sum()) for v in dim.order]
    older = [int(((statuses == v) & ~current).sum()) if v != palette.NOT_REPORTED else 0 for v in dim.order]
    totals = [a + b for a, b in zip(recent, older)]
    labels = [f"{dim.symbol(v)} {v}" for v in dim.order]
    colours = [dim.colour(v) for v in dim.order]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=recent,
            y=labels,
            orientation="h",
            name="Reported in the last 12 months",
            marker=dict(
                color=colours,
                line=dict(color=colours, width=1),
                pattern=dict(shape=["." if v == palette.NOT_REPORTED else "" for v in dim.order], fgcolor="#505A5F"),
            ),
            hovertemplate="%{y}: %{x} force areas reported in the last 12 months<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=older,
            y=labels,
            orientation="h",
            name=f"{palette.DATED_SYMBOL} Last reported earlier (hatched)",
            marker=dict(
                color=colours,
                line=dict(color=colours, width=1),
                pattern=dict(shape="/", fgcolor="#0B0C0C", fgopacity=0.45, solidity=0.35),
            ),
            text=totals,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x} force areas last reported more than 12 months before<extra></extra>",
        )
    )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed", title=None, automargin=False)
    fig.update_xaxes(title="Force areas", rangemode="tozero", tick0=0, dtick=max(1, -(-max(totals, default=1) // 8)))
    return finish(fig, text, height=400, left=label_margin(labels, 7.2))


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
                y=group["row"],
                x=(end - base).dt.days * 86_400_000,
                base=base,
                orientation="h",
                name=plain(funder),
                marker=dict(
                    color=palette.FUNDER_COLOURS.get(funder, palette.DARK_GREY),
                    pattern=dict(shape=["" if k else "." for k in known_start]),
                ),
                customdata=list(
                    zip(
                        group["end_date"].dt.strftime("%-d %b %Y"),
                        group["status"],
                        group["end_wording"].fillna("").map(plain),
                        ["start not stated" if not k else str(s) for k, s in zip(known_start, group["start_date"])],
                    )
                ),
                hovertemplate="%{y}<br>Ends %{customdata[0]} (%{customdata[2]})<br>Starts: %{customdata[3]}"
                "<br>Status: %{customdata[1]}<extra>%{fullData.name}</extra>",
            )
        )
    # Two rules; their labels point away from each other so they never overlap.
    as_at_first = as_at <= cliff_edge
    for when, label, dash, first in (
        (as_at, f"As at {long_date(as_at)}", "dash", as_at_first),
        (cliff_edge, "31 March 2025", "solid", not as_at_first),
    ):
        fig.add_vline(x=pd.Timestamp(when).value / 1e6, line=dict(color=palette.DARK_GREY, dash=dash, width=1.5))
        fig.add_annotation(
            x=pd.Timestamp(when),
            y=0,
            yref="paper",
            yanchor="top",
            yshift=-30,
            text=plain(label),
            showarrow=False,
            xanchor="right" if first else "left",
            xshift=-3 if first else 3,
            font=dict(size=11, color=palette.DARK_GREY),
        )
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
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=counts.values,
            marker_color=palette.DARK_BLUE,
            text=counts.values,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{y} services<extra></extra>",
        )
    )
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
            z=z.values * 100,
            x=x,
            y=y,
            text=cell.values,
            texttemplate="%{text}",
            colorscale=[[0, "#F3F4F6"], [1, palette.DARK_BLUE]],
            zmin=0,
            zmax=100,
            showscale=False,
            xgap=2,
            ygap=2,
            hovertemplate="%{y}<br>%{x}: %{text} force areas (%{z:.0f}%)<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=False)
    fig.update_xaxes(side="bottom", tickangle=0, automargin=False)
    longest = max(len(r) for r in regions) + (2 if highlight else 0)
    label_lines = max(label.count("<br>") + 1 for label in x)  # wrapped column labels sit under the grid
    return finish(
        fig,
        text,
        height=220 + 40 * len(regions) + 16 * label_lines,
        left=label_margin(["x" * longest], 7.4),
        axis_space=26 + 16 * label_lines,
    )


def coverage_map_for_export(coverage: pd.DataFrame, dimension_key: str, geometry: str, text: ChartText) -> go.Figure:
    """The coverage map with its title, subtitle, source and data date drawn in, for downloads.

    A copy: the map drawn on the page is a shared cached figure and is never changed.
    """
    fig = go.Figure(coverage_map(coverage, dimension_key, geometry=geometry))
    return finish(fig, text, height=800, left=16)
