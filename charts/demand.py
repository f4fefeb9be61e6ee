"""Charts of demand beside provision (issue 27): recorded stalking over time, and areas ranked.

The series chart never draws a line across the series break (core.rules.SERIES_BREAK): each
line is split into the periods before it and the periods from it on, drawn as separate traces,
with the break marked. Pure functions of data frames and words, as every chart here.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from charts import palette
from charts.chart_text import EXPORT_WIDTH, ChartText, finish, label_margin
from charts.figure_cache import cached_figure
from core import rules

LINE_COLOURS = (palette.DARK_BLUE, palette.ORANGE, palette.TURQUOISE)
DASHES = ("solid", "dash", "dot")


def split_at_break(series: pd.DataFrame) -> list[pd.DataFrame]:
    """The rows before the series break and the rows from it on: the pieces a line may join."""
    ends = pd.to_datetime(series["period_end"])
    before = series[ends < pd.Timestamp(rules.SERIES_BREAK)]
    after = series[ends >= pd.Timestamp(rules.SERIES_BREAK)]
    return [part for part in (before, after) if len(part)]


@cached_figure()
def stalking_series(
    lines: dict[str, pd.DataFrame], text: ChartText, measure: str = "offences_per_1000", width: int = EXPORT_WIDTH
) -> go.Figure:
    """One line per area (a force area, its region, England and Wales) over the twelve-month periods,
    of `measure` (offences per 1,000 people, or offences); broken at the series break."""
    fig = go.Figure()
    unit = "per 1,000 people" if measure == "offences_per_1000" else "offences"
    for i, (name, series) in enumerate(lines.items()):
        series = series.sort_values("period_end")
        for j, part in enumerate(split_at_break(series)):
            comparable = bool(part["comparable"].iloc[0])
            fig.add_trace(
                go.Scatter(
                    x=pd.to_datetime(part["period_end"]),
                    y=part[measure],
                    mode="lines+markers",
                    name=name,
                    legendgroup=name,
                    showlegend=j == 0,
                    line=dict(color=LINE_COLOURS[i % 3], dash=DASHES[i % 3], width=2.5),
                    marker=dict(size=5, symbol=("circle", "square", "diamond")[i % 3]),
                    customdata=[
                        [label, rules.SERIES_COMPARABLE if comparable else rules.SERIES_NOT_COMPARABLE]
                        for label in part["period_label"]
                    ],
                    hovertemplate=f"<b>{name}</b><br>%{{customdata[0]}}: %{{y:.2f}} {unit}<br>%{{customdata[1]}}<extra></extra>"
                    if measure == "offences_per_1000"
                    else f"<b>{name}</b><br>%{{customdata[0]}}: %{{y:,}} {unit}<br>%{{customdata[1]}}<extra></extra>",
                    meta={"series_side": "comparable" if comparable else "before the break"},
                )
            )
    all_ends = pd.concat([s["period_end"] for s in lines.values()]) if lines else pd.Series(dtype="object")
    if len(all_ends) and pd.to_datetime(all_ends).min() < pd.Timestamp(rules.SERIES_BREAK):
        # Between the last period before the break and the first after it.
        between = pd.Timestamp(rules.SERIES_BREAK) - pd.Timedelta(days=45)
        fig.add_shape(
            type="line",
            x0=between,
            x1=between,
            y0=0,
            y1=1,
            yref="paper",
            line=dict(color="#505A5F", dash="dot", width=1.5),
            name="series break",
        )
        fig.add_annotation(
            x=pd.Timestamp(rules.SERIES_BREAK) - pd.Timedelta(days=45),
            y=1,
            yref="paper",
            text="series break",
            showarrow=False,
            xanchor="right",
            yanchor="bottom",
            font=dict(size=11, color="#505A5F"),
            name="series break",
        )
    fig.update_yaxes(title=f"Recorded stalking {unit}", rangemode="tozero")
    fig.update_xaxes(title="Twelve months ending", tickformat="%b %Y")
    return finish(fig, text, width=width, plot_height=300, left=72, legend=True)


@cached_figure()
def ranked(frame: pd.DataFrame, column: str, label: str, text: ChartText, width: int = EXPORT_WIDTH) -> go.Figure:
    """Areas ranked by one figure, highest first; areas without it listed as not reported, never as 0."""
    shown = frame.sort_values(column, ascending=False, na_position="last")
    names = [f"{n} (not reported)" if pd.isna(v) else n for n, v in zip(shown["name"], shown[column])]
    values = [None if pd.isna(v) else float(v) for v in shown[column]]
    colours = [palette.DARK_BLUE if n != "England and Wales" else palette.ORANGE for n in shown["name"]]
    fig = go.Figure(
        go.Bar(
            y=names,
            x=values,
            orientation="h",
            marker=dict(color=colours),
            text=["" if v is None else f"{v:.2f}" for v in values],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:.2f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", title=None, ticks="")
    fig.update_xaxes(title=label, rangemode="tozero")
    return finish(
        fig, text, width=width, plot_height=max(80, 26 * len(names)), left=label_margin(names), right=48, legend=False
    )
