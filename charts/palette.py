"""Colours and symbols for every status the dashboard shows.

The statuses themselves, their order and labels, are rules (core.rules); this
module only says how each is drawn. Colours come from the Government Analysis
Function's colour-blind-safe categorical palette. Colour is never the only cue:
each status also has a symbol, drawn on maps and in tables, and `not reported`
is a light grey with a distinct "?" so silence never looks like a measured gap.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import rules
from core.rules import NOT_REPORTED

# Analysis Function categorical palette (in its recommended order).
DARK_BLUE = "#12436D"
TURQUOISE = "#28A197"
DARK_PINK = "#801650"
ORANGE = "#F46A25"
DARK_GREY = "#3D3D3D"
LIGHT_PURPLE = "#A285D1"
NOT_REPORTED_GREY = "#D9D9D9"
CATEGORICAL = (DARK_BLUE, TURQUOISE, DARK_PINK, ORANGE, DARK_GREY, LIGHT_PURPLE)


@dataclass(frozen=True)
class MapDimension:
    """A theme of core.rules with the colour and symbol of each of its statuses."""

    theme: rules.Theme
    styles: dict[str, tuple[str, str]]  # status -> (colour, symbol)

    @property
    def key(self) -> str:
        return self.theme.key

    @property
    def label(self) -> str:
        return self.theme.label

    @property
    def column(self) -> str:
        return self.theme.column

    @property
    def key_figure(self) -> str:
        return self.theme.key_figure

    @property
    def order(self) -> list[str]:
        return self.theme.order

    def colour(self, value: str) -> str:
        return self.styles.get(value, (NOT_REPORTED_GREY, "?"))[0]

    def symbol(self, value: str) -> str:
        return self.styles.get(value, (NOT_REPORTED_GREY, "?"))[1]


def _styled(theme: rules.Theme, *styles: tuple[str, str]) -> MapDimension:
    """The theme's statuses, in order, with the given styles; not reported is always grey with '?'."""
    statuses = [s for s in theme.statuses if s != NOT_REPORTED]
    assert len(statuses) == len(styles), f"one style per status of {theme.key}"
    return MapDimension(theme, {**dict(zip(statuses, styles)), NOT_REPORTED: (NOT_REPORTED_GREY, "?")})


# Tints for a seventh category: the palette has six colours, and a symbol tells these apart.
LIGHT_TURQUOISE = "#8FD0CA"
PALE_BLUE = "#A9C4DE"
ENDED = (DARK_GREY, "■")  # funding ended, renewal not reported: the same on every theme

ISAC = _styled(
    rules.ISAC,
    (DARK_BLUE, "●"),
    (TURQUOISE, "◐"),
    (LIGHT_TURQUOISE, "◑"),
    ENDED,
    (LIGHT_PURPLE, "◔"),
    (ORANGE, "◇"),
    (DARK_PINK, "✕"),
)
PROGRAMME = _styled(rules.PROGRAMME, (DARK_BLUE, "●"), ENDED, (TURQUOISE, "◐"), (DARK_PINK, "✕"))
MASIP = _styled(
    rules.MASIP,
    (DARK_BLUE, "●"),
    (TURQUOISE, "◑"),
    ENDED,
    (LIGHT_PURPLE, "◐"),
    (ORANGE, "◔"),
    (DARK_PINK, "✕"),
)
FUNDING = _styled(
    rules.FUNDING,
    (ORANGE, "▲"),
    (LIGHT_PURPLE, "◆"),
    (TURQUOISE, "◐"),
    (DARK_BLUE, "●"),
    ENDED,
    (DARK_PINK, "✕"),
    (PALE_BLUE, "○"),
)

# A report more than 12 months before the date shown (core.rules.is_current): hatched on the
# map and marked with this symbol wherever the status is written, so it never rests on colour.
DATED_SYMBOL = rules.DATED_MARK
DATED_HATCH = "rgba(11, 12, 12, 0.55)"
DATED_HATCH_ON_DARK = "rgba(255, 255, 255, 0.7)"

MAP_DIMENSIONS: dict[str, MapDimension] = {d.key: d for d in (ISAC, PROGRAMME, MASIP, FUNDING)}
ROUND = MapDimension(
    rules.ROUND,
    {
        "accepted": (DARK_BLUE, "✓"),
        "submitted": (TURQUOISE, "●"),
        "returned for changes": (ORANGE, "↺"),
        "draft": (LIGHT_PURPLE, "✎"),
        "not started": (NOT_REPORTED_GREY, "○"),
    },
)
# Every map the dashboard draws: the four themes, and the returns round tracker's.
ALL_DIMENSIONS: dict[str, MapDimension] = {**MAP_DIMENSIONS, ROUND.key: ROUND}

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
