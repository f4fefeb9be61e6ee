"""Plotly figures for the dashboard: status bars, the funding timeline, funding ends per
quarter, the regional grid and the map made for export.

Each is a pure function of its data, its words and the width it is drawn at (no
Streamlit, no database), so its result is kept by charts.figure_cache and shared
between reruns and sessions. `width` is in CSS pixels: the page passes the width
of the browser's main column, exports pass charts.chart_text.EXPORT_WIDTH; below
chart_text.NARROW the figures use their narrow layouts (labels above bars,
wrapped labels, short column names), so nothing is cut off or overprinted on a phone.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import plotly.graph_objects as go

from charts import palette
from charts.chart_text import (
    BODY_SIZE,
    EDGE,
    EXPORT_WIDTH,
    NARROW,
    SUBTLE,
    ChartText,
    finish,
    label_margin,
    line_height,
    plain,
    text_width,
    wrap,
    wrap_lines,
)
from charts.figure_cache import cached_figure
from charts.mapfig import DERIVED_NOTE, coverage_map
from core.rules import MEASURES
from core.text import long_date, plural

# ---------------------------------------------------------------- helpers


def count_axis(most: int, width: int = EXPORT_WIDTH) -> dict:
    """A count axis: whole numbers only, from 0, with about eight ticks at most (four on a phone)."""
    step = max(1, math.ceil(max(most, 1) / (4 if width <= NARROW else 8)))
    return dict(rangemode="tozero", tick0=0, dtick=step, tickformat="d", range=[0, max(most, 1) * 1.12 + 0.3])


def _row_labels(labels: list[str], width: int, share: float = 0.42) -> list[str]:
    """Category labels wrapped to at most `share` of the width (only narrower figures need it)."""
    most = max(120.0, share * width)
    return [wrap(label, most, BODY_SIZE) for label in labels]


def _legend_only(name: str, **marker) -> go.Bar:
    """A legend entry with no data: a swatch for a cue the bars share (a pattern, say)."""
    return go.Bar(x=[None], y=[None], name=name, marker=marker, showlegend=True, hoverinfo="skip")


# ---------------------------------------------------------------- figures


@cached_figure()
def status_bar(
    coverage: pd.DataFrame, dim: palette.MapDimension, text: ChartText, width: int = EXPORT_WIDTH
) -> go.Figure:
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
    labels = _row_labels([f"{dim.symbol(v)} {v}" for v in dim.order], width)
    colours = [dim.colour(v) for v in dim.order]
    outline = [palette.BAR_OUTLINE] * len(colours)
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=recent,
            y=labels,
            orientation="h",
            name="Reported in the last 12 months",
            showlegend=False,
            marker=dict(
                color=colours,
                line=dict(color=outline, width=1),
                pattern=dict(shape=["." if v == palette.NOT_REPORTED else "" for v in dim.order], fgcolor=SUBTLE),
            ),
            customdata=[plural(n, "force area") for n in recent],
            hovertemplate="%{y}: %{customdata} reported in the last 12 months<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=older,
            y=labels,
            orientation="h",
            name="Last reported earlier",
            showlegend=False,
            marker=dict(
                color=colours,
                line=dict(color=outline, width=1),
                pattern=dict(shape="/", fgcolor="#0B0C0C", fgopacity=0.45, solidity=0.35),
            ),
            text=totals,
            textposition="outside",
            cliponaxis=False,
            customdata=[plural(n, "force area") for n in older],
            hovertemplate="%{y}: %{customdata} last reported more than 12 months before<extra></extra>",
        )
    )
    # The legend explains the two cues the bars share, in grey, not in one status's colour.
    fig.add_trace(_legend_only("Reported in the last 12 months", color="#BFBFBF", line=dict(color=SUBTLE, width=1)))
    fig.add_trace(
        _legend_only(
            f"{palette.DATED_SYMBOL} Last reported more than 12 months before (hatched)",
            color="#BFBFBF",
            line=dict(color=SUBTLE, width=1),
            pattern=dict(shape="/", fgcolor="#0B0C0C", fgopacity=0.45, solidity=0.35),
        )
    )
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed", title=None, automargin=False, ticks="")
    fig.update_xaxes(title="Force areas", **count_axis(max(totals, default=1), width))
    lines = max(label.count("<br>") + 1 for label in labels)
    return finish(
        fig,
        text,
        width=width,
        plot_height=len(labels) * (22 + 16 * lines),
        left=label_margin(labels),
        right=40,
    )


def _timeline_label(force: str, service: str, funder: str, room: float) -> str:
    """'<b>Kent</b>: Kent Stalking Advocacy Service (…) — MoJ victims grant', wrapped to `room` px."""
    lines = wrap_lines(f"{force}: {service} — {funder}", room * 0.96, BODY_SIZE)
    escaped = [plain(line) for line in lines]
    head = plain(f"{force}:")
    if escaped[0].startswith(head):
        escaped[0] = f"<b>{head}</b>{escaped[0][len(head) :]}"
    return "<br>".join(escaped)


BAR_PX = 14  # a timeline bar's thickness
LABEL_GAP = 3  # between a label and its bar
ROW_GAP = 16  # between one bar and the next row's label


@cached_figure()
def funding_timeline(
    streams: pd.DataFrame, as_at: dt.date, text: ChartText, cliff_edge: dt.date, width: int = EXPORT_WIDTH
) -> go.Figure:
    """One bar per funded service from its start (where known) to its end, coloured by funder.

    Each bar has its label above it (force, service and funder, wrapped to the width, never
    cut), so the bars get the full width on a phone, and the funder is written by every bar
    as well as coloured. The legend always shows, even for one funder; it also keys the
    dotted bars (start not stated) and the two date rules.
    """
    df = streams[streams["end_date"].notna()].copy()
    df = df.sort_values(["end_date", "short_name", "service"]).reset_index(drop=True)
    room = width - 2 * EDGE
    labels = [_timeline_label(r.short_name, r.service, r.funder, room) for r in df.itertuples()]
    # Rows in px from the top of the plot area: label, then bar (the y axis runs in px).
    centres, label_tops, y = [], [], 4.0
    for label in labels:
        label_tops.append(y)
        y += (label.count("<br>") + 1) * line_height(BODY_SIZE) + LABEL_GAP
        centres.append(y + BAR_PX / 2)
        y += BAR_PX + ROW_GAP
    plot_height = int(math.ceil(y))
    df["centre"] = centres

    start = pd.to_datetime(df["start_date"])
    known_start = start.notna()
    end = pd.to_datetime(df["end_date"])
    base = start.where(known_start, end - pd.Timedelta(days=90))
    fig = go.Figure()
    funders = palette.funder_order(df["funder"])
    for funder in funders:  # the legend: one solid swatch per funder in view
        colour = palette.funder_colour(funder)
        fig.add_trace(_legend_only(plain(funder), color=colour, line=dict(color=palette.BAR_OUTLINE, width=1)))
    for funder in funders:
        rows = df.index[df["funder"] == funder]
        colour = palette.funder_colour(funder)
        fig.add_trace(
            go.Bar(
                y=df.loc[rows, "centre"],
                x=((end[rows] - base[rows]).dt.days * 86_400_000).tolist(),
                base=base[rows],
                width=BAR_PX,
                orientation="h",
                name=plain(funder),
                showlegend=False,
                marker=dict(
                    color=colour,
                    line=dict(color=palette.BAR_OUTLINE, width=1),
                    pattern=dict(
                        shape=["" if k else "." for k in known_start[rows]],
                        fgcolor=palette.text_colour(colour),
                        solidity=0.3,
                    ),
                ),
                customdata=[
                    (
                        plain(f"{r.short_name}: {r.service}"),
                        long_date(r.end_date.date())
                        + (DERIVED_NOTE if pd.notna(r.end_derived) and r.end_derived else ""),
                        plain(r.end_wording) if isinstance(r.end_wording, str) and r.end_wording else "no wording",
                        long_date(r.start_date.date())
                        + (DERIVED_NOTE if pd.notna(r.start_derived) and r.start_derived else "")
                        if pd.notna(r.start_date)
                        else "not stated",
                        plain(r.status),
                        plain(funder),
                    )
                    for r in df.loc[rows].itertuples()
                ],
                hovertemplate="<b>%{customdata[0]}</b><br>Funder: %{customdata[5]}<br>Starts: %{customdata[3]}"
                "<br>Ends: %{customdata[1]} (source: %{customdata[2]})<br>Status: %{customdata[4]}<extra></extra>",
            )
        )
    if (~known_start).any():
        fig.add_trace(
            _legend_only(
                "Dotted: start not stated (drawn 3 months long)",
                color="white",
                line=dict(color=palette.BAR_OUTLINE, width=1),
                pattern=dict(shape=".", fgcolor=palette.DARK_GREY, solidity=0.3),
            )
        )
    for when, name, dash in (
        (as_at, f"As at {long_date(as_at)}", "dash"),
        (cliff_edge, f"{long_date(cliff_edge)}: end of the financial year", "solid"),
    ):
        fig.add_vline(x=pd.Timestamp(when).value / 1e6, line=dict(color=palette.DARK_GREY, dash=dash, width=1.5))
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                name=plain(name),
                line=dict(color=palette.DARK_GREY, dash=dash, width=1.5),
                hoverinfo="skip",
            )
        )
    for label, top in zip(labels, label_tops):
        fig.add_annotation(
            text=label,
            xref="paper",
            x=0,
            xanchor="left",
            xshift=-1,
            y=top,
            yref="y",
            yanchor="top",
            showarrow=False,
            align="left",
            font=dict(size=BODY_SIZE),
            bgcolor="rgba(255, 255, 255, 0.85)",
            borderpad=0,
            name="row",
        )
    dates = [*base.tolist(), *end.tolist(), pd.Timestamp(as_at), pd.Timestamp(cliff_edge)]
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(
        type="date",
        title=None,
        range=[min(dates) - pd.Timedelta(days=45), max(dates) + pd.Timedelta(days=45)],
        showgrid=True,
        gridcolor="#E1E1E1",
        ticks="outside",
    )
    fig.update_yaxes(visible=False, range=[plot_height, 0], autorange=False, fixedrange=True)
    return finish(
        fig, text, width=width, plot_height=plot_height, left=EDGE, right=EDGE + 8, axis_space=34, legend=True
    )


@cached_figure()
def ending_per_quarter(streams: pd.DataFrame, text: ChartText, width: int = EXPORT_WIDTH) -> go.Figure:
    """Funded services whose stated end date falls in each quarter: one bar per quarter, earliest first."""
    df = streams[streams["end_date"].notna()].copy()
    q = pd.PeriodIndex(pd.to_datetime(df["end_date"]), freq="Q")
    counts = pd.Series(1, index=q).groupby(level=0).sum().sort_index()
    labels = _row_labels([f"{p.year} Q{p.quarter} (to {long_date(p.end_time.date())})" for p in counts.index], width)
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=counts.values,
            orientation="h",
            marker=dict(color=palette.DARK_BLUE),
            text=counts.values,
            textposition="outside",
            cliponaxis=False,
            customdata=[plural(int(n), "funded service") for n in counts.values],
            hovertemplate="%{y}: %{customdata} ending<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title=None, ticks="")
    fig.update_xaxes(title="Funded services ending", **count_axis(int(counts.max()) if len(counts) else 1, width))
    lines = max((label.count("<br>") + 1 for label in labels), default=1)
    return finish(
        fig,
        text,
        width=width,
        plot_height=max(60, len(labels) * (22 + 16 * lines)),
        left=label_margin(labels),
        right=40,
    )


@cached_figure()
def region_grid(
    shares: pd.DataFrame, text: ChartText, highlight: list[str] | None = None, width: int = EXPORT_WIDTH
) -> go.Figure:
    """Region × measure grid of the share of forces reporting each measure, with the counts in each cell.

    `shares` has columns region, dimension, count, total, share. Darker means a larger share, in
    five steps: blue for provision (palette.SHARE_STEPS), orange for funding at risk
    (palette.RISK_STEPS), where a larger share is worse; a key names every step. Each count is
    written in dark or white, whichever reads at 4.5:1 or more on its cell. Narrow figures use
    the measures' short names and wrap the regions.
    """
    narrow = width <= NARROW
    regions = list(dict.fromkeys(shares["region"]))
    dims = list(dict.fromkeys(shares["dimension"]))
    short = {m.label: m.short_label or m.label for m in MEASURES.values()}
    row_font = 12 if narrow else BODY_SIZE
    region_room = 0.25 * width if narrow else 240
    y = [
        ("<b>▶ " + wrap(r, region_room, row_font, bold=True) + "</b>")
        if highlight and r in highlight
        else wrap(r, region_room, row_font)
        for r in regions
    ]
    left = label_margin(y, row_font)
    right = 8 if narrow else EDGE
    cell = (width - left - right) / max(len(dims), 1)
    names = [short.get(d, d) if narrow else d for d in dims]
    # The largest font at which every word of every column name fits its cell (never overprinted).
    header_font = next(
        (size for size in (12, 11, 10) if all(text_width(w, size) <= cell - 4 for n in names for w in n.split())), 10
    )
    cell_font = 11 if narrow else 12
    x = [wrap(name, cell - 4, header_font) for name in names]
    pct = shares.pivot(index="region", columns="dimension", values="share").reindex(index=regions, columns=dims) * 100
    steps = pct.map(palette.share_step)
    cells = shares.assign(label=shares["count"].astype(str) + " of " + shares["total"].astype(str))
    cell_text = cells.pivot(index="region", columns="dimension", values="label").reindex(index=regions, columns=dims)
    risk_label = MEASURES["funding_at_risk"].label
    scale_of = [palette.RISK_STEPS if d == risk_label else palette.SHARE_STEPS for d in dims]
    n = len(palette.SHARE_STEPS)
    fig = go.Figure()
    for scale in (palette.SHARE_STEPS, palette.RISK_STEPS):  # provision in blue, at risk in orange
        columns = [j for j, s in enumerate(scale_of) if s is scale]
        if not columns:
            continue
        colorscale = []
        for i, (_, colour) in enumerate(scale):
            colorscale += [[i / n, colour], [(i + 1) / n, colour]]
        fig.add_trace(
            go.Heatmap(
                z=steps.iloc[:, columns].values,
                x=[x[j] for j in columns],
                y=y,
                customdata=pct.iloc[:, columns].round().values,
                text=cell_text.iloc[:, columns].values,
                colorscale=colorscale,
                zmin=-0.5,
                zmax=n - 0.5,
                showscale=False,
                xgap=2,
                ygap=2,
                hovertemplate="%{y}<br>%{x}: %{text} force areas (%{customdata:.0f}%)<extra></extra>",
            )
        )
    # The colour key: each step of each scale, in words (a legend entry with no data of its own).
    for scale, what in ((palette.SHARE_STEPS, "Provision"), (palette.RISK_STEPS, "At risk")):
        if scale not in scale_of:
            continue
        for (_, colour), words in zip(scale, palette.STEP_WORDS):
            fig.add_trace(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="markers",
                    name=f"{what}: {words}",
                    marker=dict(symbol="square", size=14, color=colour, line=dict(color=palette.BAR_OUTLINE, width=1)),
                    hoverinfo="skip",
                    showlegend=True,
                )
            )
    # The counts as text points, each in the colour that reads on its cell.
    points = [
        (x[j], y[i], cell_text.iat[i, j], palette.text_colour(scale_of[j][int(steps.iat[i, j])][1]))
        for i in range(len(regions))
        for j in range(len(dims))
    ]
    fig.add_trace(
        go.Scatter(
            x=[p[0] for p in points],
            y=[p[1] for p in points],
            text=[p[2] for p in points],
            mode="text",
            textfont=dict(size=cell_font, color=[p[3] for p in points]),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    fig.update_yaxes(autorange="reversed", automargin=False, ticks="", showline=False, tickfont=dict(size=row_font))
    fig.update_xaxes(
        side="top",
        tickangle=0,
        automargin=False,
        ticks="",
        showline=False,
        tickfont=dict(size=header_font),
        categoryorder="array",
        categoryarray=x,
    )
    fig.update_yaxes(categoryorder="array", categoryarray=y)
    header_lines = max(label.count("<br>") + 1 for label in x)
    row_lines = max(label.count("<br>") + 1 for label in y)
    header = int(header_lines * line_height(header_font) + 10)
    fig = finish(
        fig,
        text,
        width=width,
        plot_height=len(regions) * max(34, 8 + 17 * row_lines),
        left=left,
        right=right,
        axis_space=12,
    )
    # The column names sit above the grid: make room for them under the subtitle.
    plot_height = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    fig.update_layout(margin=dict(t=fig.layout.margin.t + header), height=fig.layout.height + header)
    for note in fig.layout.annotations:
        if note.name in ("title", "subtitle"):
            note.yshift += header
    if fig.layout.showlegend:  # the key stays under the subtitle, above the column names
        fig.layout.legend.y += header / plot_height
    return fig


def tile_pairs(coverage: pd.DataFrame) -> list[tuple[str, str]]:
    """(tile label, force name) for each force on the map, by label."""
    return sorted(zip(coverage["label"], coverage["short_name"]))


def tile_key(coverage: pd.DataFrame) -> str:
    """'Tile labels: AVS Avon and Somerset; BED Bedfordshire; …': the map's codes in words, by code."""
    return "Tile labels: " + "; ".join(f"{code} {name}" for code, name in tile_pairs(coverage)) + "."


def coverage_map_for_export(
    coverage: pd.DataFrame, dimension_key: str, geometry: str, text: ChartText, width: int = EXPORT_WIDTH
) -> go.Figure:
    """The coverage map with its title, subtitle, source, data date and (on tiles) the key to the
    tile labels drawn in, for downloads.

    A copy: the map drawn on the page is a shared cached figure and is never changed.
    """
    fig = go.Figure(coverage_map(coverage, dimension_key, geometry=geometry))
    if geometry == "tiles":
        text = ChartText(text.title, text.subtitle, text.data_date, text.source, (*text.notes, tile_key(coverage)))
    return finish(fig, text, width=width, plot_height=640, left=EDGE, right=EDGE, axis_space=40)


def labelled_bars(
    labels: list[str],
    values: list[float],
    text: ChartText,
    axis_title: str,
    notes: list[str] | None = None,
    width: int = EXPORT_WIDTH,
) -> go.Figure:
    """One horizontal bar per label with its value written at the end, in the order given (a measure by
    region, answers by count). `notes`: words after each value ("not stated"), so a missing value is said,
    not drawn as 0 alone."""
    shown = _row_labels(labels, width, share=0.28)  # answers can be long: wrapped, so none is cut at the edge
    ends = [f"{v:g}" + (f" {n}" if n else "") for v, n in zip(values, notes or [""] * len(values))]
    fig = go.Figure(
        go.Bar(
            y=shown,
            x=values,
            orientation="h",
            marker=dict(color=palette.DARK_BLUE),
            text=ends,
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    most = max(values, default=1) or 1
    fig.update_yaxes(autorange="reversed", title=None, ticks="")
    fig.update_xaxes(title=axis_title, rangemode="tozero", range=[0, most * 1.3 + 0.3])
    lines = max((label.count("<br>") + 1 for label in shown), default=1)
    return finish(
        fig,
        text,
        width=width,
        plot_height=max(60, len(shown) * (22 + 16 * lines)),
        # With room to spare: the font the browser draws may run wider than the metrics measured here.
        left=int(label_margin(shown, most=520) * 1.2),
        right=40,
    )
