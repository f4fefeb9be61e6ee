"""Charts that a briefing can use as they are, at a desktop's width and a phone's.

Pure checks of the figures (no browser): the words are wrapped, never cut; the
funding timeline always keys every funder, each in its own colour and named by its
bar; count axes have whole-number ticks; text reads at 4.5:1 or more; exports are
named what-where-when. The drawn boxes are compared in a browser in tests/test_e2e.py.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pandas as pd
import pytest

import charts
from charts import palette
from charts.chart_text import FOOTER_SIZE, INK, SUBTLE, ChartText, text_width
from core import headlines, queries, rules
from core.text import export_stem
from exports import table_views

WIDTHS = (340, 1000)


@pytest.fixture(scope="module")
def as_at(built_db) -> dt.date:
    return queries.source_date()


@pytest.fixture(scope="module")
def streams(as_at) -> pd.DataFrame:
    return queries.funding_streams(as_at)


@pytest.fixture(scope="module")
def text(as_at) -> ChartText:
    return ChartText(
        "8 of 9 stalking services with an end date were funded only to 31 March 2025 or earlier",
        "Funded stalking services by start and end date, labelled and coloured by funder; England and Wales; "
        "positions as at 19 December 2024",
        as_at,
    )


def words(fig, name: str) -> str:
    return next(a.text for a in fig.layout.annotations if a.name == name)


def lines(markup: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", line)) for line in markup.split("<br>")]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_line_of_words_fits_the_width_the_chart_is_drawn_at(streams, as_at, text, width):
    fig = charts.funding_timeline(streams, as_at, text, rules.CLIFF_EDGE, width=width)
    for name, size in (("title", 17), ("subtitle", 13), ("source", FOOTER_SIZE)):
        for line in lines(words(fig, name)):
            assert text_width(line, size, bold=name == "title") <= width - 32 or " " not in line, (name, line)
    assert fig.layout.meta["width"] == width


@pytest.mark.parametrize("width", WIDTHS)
def test_the_legend_sits_between_the_subtitle_and_the_plot(streams, as_at, text, width):
    fig = charts.funding_timeline(streams, as_at, text, rules.CLIFF_EDGE, width=width)
    top, plot = fig.layout.margin.t, fig.layout.yaxis.range[0]
    subtitle = next(a for a in fig.layout.annotations if a.name == "subtitle")
    subtitle_bottom = top - subtitle.yshift + len(lines(subtitle.text)) * 13 * 1.3
    legend_top = top - (fig.layout.legend.y - 1) * plot  # the legend is placed in paper units above the plot
    assert legend_top >= subtitle_bottom, "the legend starts below the subtitle"
    assert fig.layout.legend.yanchor == "top" and fig.layout.showlegend


def test_the_timeline_keys_every_funder_in_its_own_colour_even_alone(streams, as_at, text):
    dated = streams[streams["end_date"].notna()]
    fig = charts.funding_timeline(streams, as_at, text, rules.CLIFF_EDGE)
    entries = [t.name for t in fig.data if t.showlegend is not False and t.name]
    for funder in set(dated["funder"]):
        assert funder in entries, funder
    assert len(set(palette.FUNDER_COLOURS.values())) == len(palette.FUNDER_COLOURS), "no two funders share a colour"
    one = dated[dated["funder"] == dated["funder"].iloc[0]]
    alone = charts.funding_timeline(one, as_at, text, rules.CLIFF_EDGE)
    assert alone.layout.showlegend, "one funder in view still has its key"
    assert dated["funder"].iloc[0] in [t.name for t in alone.data if t.showlegend is not False]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_bar_is_labelled_with_its_whole_service_and_its_funder(streams, as_at, text, width):
    dated = streams[streams["end_date"].notna()]
    fig = charts.funding_timeline(streams, as_at, text, rules.CLIFF_EDGE, width=width)
    labels = [" ".join(lines(a.text)) for a in fig.layout.annotations if a.name == "row"]
    assert len(labels) == len(dated)
    for row in dated.itertuples():
        assert f"{row.short_name}: {row.service} — {row.funder}" in labels, row.service
    assert not any("…" in label for label in labels), "names are wrapped, never cut"


@pytest.mark.parametrize("width", WIDTHS)
def test_count_axes_tick_in_whole_numbers(built_db, as_at, text, streams, width):
    coverage = queries.coverage(as_at)
    wales = coverage[coverage["region"] == "Wales"]
    for fig in (
        charts.status_bar(wales, palette.ISAC, text, width=width),
        charts.status_bar(coverage, palette.FUNDING, text, width=width),
        charts.ending_per_quarter(streams, text, width=width),
    ):
        axis = fig.layout.xaxis
        assert axis.tickformat == "d" and float(axis.dtick).is_integer() and axis.tick0 == 0


def test_every_word_on_the_charts_reads_at_4_5_to_1(built_db, as_at, text):
    assert palette.contrast(INK, "#FFFFFF") >= 4.5 and palette.contrast(SUBTLE, "#FFFFFF") >= 4.5
    for _, fill in (*palette.SHARE_STEPS, *palette.RISK_STEPS):
        assert palette.contrast(palette.text_colour(fill), fill) >= 4.5, fill
    shares = headlines.region_shares(queries.coverage(as_at), queries.regions(), with_total=True)
    fig = charts.region_grid(shares, text)
    counts = next(t for t in fig.data if t.type == "scatter" and t.mode == "text")
    fill_at = {}  # (column, row) -> the cell's fill, from whichever scale its heatmap uses
    for cells in (t for t in fig.data if t.type == "heatmap"):
        steps = [cells.colorscale[2 * i][1] for i in range(len(cells.colorscale) // 2)]
        for i, row in enumerate(cells.z):
            for j, z in enumerate(row):
                fill_at[(cells.x[j], cells.y[i])] = steps[int(z)]
    assert len(fill_at) == len(counts.x), "a count in every cell"
    for colour, x, y in zip(counts.textfont.color, counts.x, counts.y):
        assert palette.contrast(colour, fill_at[(x, y)]) >= 4.5, (colour, fill_at[(x, y)])


def test_the_regional_grid_keys_its_colours_and_gives_at_risk_a_hue_of_its_own(built_db, as_at, text):
    shares = headlines.region_shares(queries.coverage(as_at), queries.regions(), with_total=True)
    fig = charts.region_grid(shares, text)
    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    at_risk = next(t for t in heatmaps if any("risk" in str(x).lower() for x in t.x))
    provision = next(t for t in heatmaps if t is not at_risk)
    assert {c for _, c in at_risk.colorscale}.isdisjoint({c for _, c in provision.colorscale} - {"#F3F4F6"})
    key = [t.name for t in fig.data if t.type == "scatter" and t.showlegend]
    assert "Provision: 75% or more" in key and "At risk: 75% or more" in key and len(key) == 10
    assert fig.layout.showlegend


def test_the_regional_grid_on_a_phone_has_short_headings_that_fit_their_cells(built_db, as_at, text):
    shares = headlines.region_shares(queries.coverage(as_at), queries.regions(), with_total=True)
    fig = charts.region_grid(shares, text, width=340)
    heat = next(t for t in fig.data if t.type == "heatmap")
    cell = (340 - fig.layout.margin.l - fig.layout.margin.r) / len(heat.x)
    size = fig.layout.xaxis.tickfont.size
    for heading in heat.x:
        for line in lines(heading):
            assert text_width(line, size) <= cell, line


def test_exports_are_named_what_where_when():
    assert (
        export_stem("funding-timeline", "England and Wales", dt.date(2024, 12, 19))
        == "funding-timeline-england-and-wales-2024-12-19"
    )
    assert export_stem("Funding risk", "North West, Wales", dt.date(2025, 6, 1)) == (
        "funding-risk-north-west-wales-2025-06-01"
    )


def test_page_tables_have_readable_headers_with_the_quote_and_its_citation(streams, as_at):
    dated = streams[streams["end_date"].notna()]
    services = table_views.services_table(dated, as_at)
    for column in ("Quote", "Document", "Section", "Document date", "Force area", "ONS code"):
        assert column in services.columns
    assert not [c for c in services.columns if "_" in c]
    assert "None" not in services.astype(str).to_numpy().ravel().tolist()
    forces = table_views.forces_table(queries.coverage(as_at), queries.regions())
    assert not [c for c in forces.columns if "_" in c]
