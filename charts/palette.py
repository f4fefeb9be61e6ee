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
NOT_ASKED_GREY = "#F3F2F1"  # a force a returns round does not ask: paler than "not started"
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
        rules.ROUND_NOT_ASKED: (NOT_ASKED_GREY, "–"),
    },
)
# Demand beside provision (issue 27): a force area's figure against England and Wales's, in five
# bands from highest to lowest, each with its own symbol; no figure is grey with "?" as everywhere.
DEMAND_STYLES = ((DARK_BLUE, "▲"), (PALE_BLUE, "△"), (TURQUOISE, "●"), (ORANGE, "▽"), (DARK_PINK, "▼"))
STALKING_RATE = _styled(rules.STALKING_RATE, *DEMAND_STYLES)
ADVOCATE_RATE = _styled(rules.ADVOCATE_RATE, *DEMAND_STYLES)
DEMAND_DIMENSIONS: dict[str, MapDimension] = {d.key: d for d in (STALKING_RATE, ADVOCATE_RATE)}
# Every map the dashboard draws: the four themes, the demand maps and the returns round tracker's.
ALL_DIMENSIONS: dict[str, MapDimension] = {**MAP_DIMENSIONS, **DEMAND_DIMENSIONS, ROUND.key: ROUND}

# Funders, for the funding timeline: each its own colour, in the order the legend lists them.
# Colour is never the only cue: every bar is labelled with its funder's name, and light
# fills are outlined so each bar stands out from the white page (WCAG 1.4.11).
MID_GREY = "#8C8C8C"
FUNDER_COLOURS = {
    "MoJ victims grant": DARK_BLUE,
    "Home Office perpetrator fund": ORANGE,
    "Home Office (other)": DARK_PINK,
    "commissioner core": TURQUOISE,
    "commissioner (source not stated)": LIGHT_TURQUOISE,
    "Community Safety Fund": LIGHT_PURPLE,
    "local authority": PALE_BLUE,
    "National Lottery": DARK_GREY,
    "grant (funder not stated)": MID_GREY,
    "not stated": NOT_REPORTED_GREY,
}
BAR_OUTLINE = "#505A5F"  # 7:1 on white: outlines light bars


def funder_colour(funder: str) -> str:
    """The funder's colour; a funder the palette does not know yet gets a grey (and its label)."""
    return FUNDER_COLOURS.get(funder, MID_GREY)


def funder_order(funders) -> list[str]:
    """Funders in legend order: the palette's order, then any others alphabetically."""
    known = [f for f in FUNDER_COLOURS if f in set(funders)]
    return known + sorted(set(funders) - set(FUNDER_COLOURS))


# Shares, for the regional grid: five steps, so every cell's count can be written in a colour
# with at least 4.5:1 contrast on it (a smooth scale has mid-blues on which neither dark nor
# white text reaches 4.5:1). (upper bound of the step in %, fill)
SHARE_STEPS = (
    (0, "#F3F4F6"),
    (25, "#C4D2E2"),
    (50, "#8BA7C4"),
    (75, "#4A6E95"),
    (100, DARK_BLUE),
)
# "Funding at risk" is worse, not better, where darker: its own hue (the palette's orange), in the
# same five steps, so the grid never reads at-risk shares on the scale of provision.
RISK_STEPS = (
    (0, "#F3F4F6"),
    (25, "#FBD7C5"),
    (50, "#F6A27A"),
    (75, "#D86A2E"),
    (100, "#8B3510"),
)
STEP_WORDS = ("none", "1-24%", "25-49%", "50-74%", "75% or more")
TEXT_DARK = "#0B0C0C"
TEXT_LIGHT = "#FFFFFF"


def share_step(percent: float) -> int:
    """The step of a share: 0 for none, then 1-24, 25-49, 50-74, 75-100 percent."""
    if percent <= 0:
        return 0
    return 1 + min(3, int(percent // 25))


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour(fill: str) -> str:
    """Dark or white text, whichever contrasts more with the fill (WCAG contrast ratio)."""
    return TEXT_LIGHT if contrast(fill, TEXT_LIGHT) > contrast(fill, TEXT_DARK) else TEXT_DARK
