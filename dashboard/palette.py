"""Colours, symbols and category orders for every status the dashboard shows.

Colours come from the Government Analysis Function's colour-blind-safe
categorical palette. Colour is never the only cue: each status also has a
symbol, drawn on maps and in tables, and `not reported` is a light grey with
a distinct hollow symbol so silence never looks like a measured gap.
"""
from __future__ import annotations

from dataclasses import dataclass

# Analysis Function categorical palette (in its recommended order).
DARK_BLUE = "#12436D"
TURQUOISE = "#28A197"
DARK_PINK = "#801650"
ORANGE = "#F46A25"
DARK_GREY = "#3D3D3D"
LIGHT_PURPLE = "#A285D1"
NOT_REPORTED_GREY = "#D9D9D9"
CATEGORICAL = (DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE)

NOT_REPORTED = "not reported"


@dataclass(frozen=True)
class Status:
    value: str
    colour: str
    symbol: str  # a text symbol, so the category reads without colour


@dataclass(frozen=True)
class MapDimension:
    key: str  # used in URLs
    label: str
    column: str  # column of coverage_at()
    statuses: tuple[Status, ...]  # in legend order
    key_figure: str  # hover text: the figure that matters for this dimension

    @property
    def order(self) -> list[str]:
        return [s.value for s in self.statuses]

    def colour(self, value: str) -> str:
        return {s.value: s.colour for s in self.statuses}.get(value, NOT_REPORTED_GREY)

    def symbol(self, value: str) -> str:
        return {s.value: s.symbol for s in self.statuses}.get(value, "?")


_NR = Status(NOT_REPORTED, NOT_REPORTED_GREY, "?")

ISAC = MapDimension(
    "isac", "ISAC provision", "isac_status",
    (
        Status("dedicated service", DARK_BLUE, "●"),
        Status("within wider services", TURQUOISE, "◐"),
        Status("training or champions only", LIGHT_PURPLE, "◔"),
        Status("model not stated", ORANGE, "◇"),
        Status("none stated", DARK_PINK, "✕"),
        _NR,
    ),
    "isac_count",
)
PROGRAMME = MapDimension(
    "programme", "Perpetrator programme", "perpetrator_programme_status",
    (
        Status("commissioned", DARK_BLUE, "●"),
        Status("developing", TURQUOISE, "◐"),
        Status("none stated", DARK_PINK, "✕"),
        _NR,
    ),
    "perpetrator_programme_status",
)
MASIP = MapDimension(
    "masip", "MASIP or stalking clinic", "masip_status",
    (
        Status("established", DARK_BLUE, "●"),
        Status("pilot", TURQUOISE, "◑"),
        Status("developing", LIGHT_PURPLE, "◐"),
        Status("exploring", ORANGE, "◔"),
        Status("none stated", DARK_PINK, "✕"),
        _NR,
    ),
    "masip_status",
)
FUNDING = MapDimension(
    "funding", "Funding risk", "funding_risk",
    (
        Status("ends within 6 months", ORANGE, "▲"),
        Status("end date passed", DARK_PINK, "■"),
        Status("at risk, no date", LIGHT_PURPLE, "◆"),
        Status("later end date", TURQUOISE, "◐"),
        Status("no end date reported", DARK_BLUE, "●"),
        _NR,
    ),
    "next_funding_end",
)

MAP_DIMENSIONS: dict[str, MapDimension] = {d.key: d for d in (ISAC, PROGRAMME, MASIP, FUNDING)}

# Funders, for the funding timeline (colour by funder, with a legend and a table).
FUNDER_COLOURS = {
    "MoJ victims grant": DARK_BLUE,
    "Home Office perpetrator fund": ORANGE,
    "Home Office (other)": DARK_PINK,
    "commissioner core": TURQUOISE,
    "commissioner (source not stated)": TURQUOISE,
    "Community Safety Fund": LIGHT_PURPLE,
    "National Lottery": DARK_GREY,
    "local authority": DARK_GREY,
    "grant (funder not stated)": "#8C8C8C",
    "not stated": "#8C8C8C",
}
