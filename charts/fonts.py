"""The charts' font: the files the renderer draws, and the widths of their glyphs.

plotly does not wrap text, so charts.chart_text wraps every title, subtitle, legend
and footer itself, and needs to know how wide each line will be drawn. An estimate
is not enough: the family "Arial, Helvetica, sans-serif" is drawn with whatever the
machine matches to it (DejaVu Sans, several per cent wider, on a Debian without
fonts-liberation), and a title wrapped for Arial then runs off the chart. So the
dashboard ships its font, in static/fonts/, and names it first:

- Liberation Sans (Regular and Bold, SIL Open Font License 1.1), metric-compatible
  with Arial and Helvetica: a reader's viewer that lacks it and falls back to those
  draws every line at the same width;
- Dashboard Symbols: the status symbols Liberation Sans lacks (◇ ◆ ✕ ◷ ▶ ✓ ✎ ↺ …),
  cut from DejaVu Sans (static/fonts/README.md says how).

The same files are used everywhere a chart is drawn: the dashboard's page loads them
(ui/style.py, served at app/static/fonts/), the export browser finds them through a
fontconfig file that adds static/fonts (`browser_env`, used by exports.images), and
`text_width` measures with them: advance widths and the kerning pairs Chromium
applies (GPOS `kern`), checked against Chromium's own measure in
tests/test_chart_text_in_browser.py.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from core import atomic, paths

TEXT_FAMILY = "Liberation Sans"
SYMBOL_FAMILY = "Dashboard Symbols"
# Ours first (both faces are loaded by the page and found by the export browser), then fonts
# with the same widths for viewers of an exported SVG or HTML file that lack it.
FAMILY = f'"{TEXT_FAMILY}", "{SYMBOL_FAMILY}", Arial, Helvetica, sans-serif'


@dataclass(frozen=True)
class Face:
    family: str
    weight: int  # CSS font-weight: 400 or 700
    file: str  # in static/fonts/

    @property
    def path(self) -> Path:
        return paths.FONTS_DIR / self.file

    @property
    def url(self) -> str:
        """Relative to the page, as Streamlit serves static/ (so it works behind a baseUrlPath too)."""
        return f"app/static/fonts/{self.file}"


FACES = (
    Face(TEXT_FAMILY, 400, "LiberationSans-Regular.ttf"),
    Face(TEXT_FAMILY, 700, "LiberationSans-Bold.ttf"),
    Face(SYMBOL_FAMILY, 400, "DashboardSymbols-Regular.ttf"),
    Face(SYMBOL_FAMILY, 700, "DashboardSymbols-Bold.ttf"),
)
MISSING_GLYPH_EM = 1.0  # a character neither font has: the renderer's fallback, taken at 1 em (wide)


class _Metrics:
    """One face's character map, advance widths and kerning pairs, in font units."""

    def __init__(self, path: Path):
        from fontTools.ttLib import TTFont  # imported on first measure: a page that draws no chart never needs it

        font = TTFont(path, lazy=True)
        self.units = font["head"].unitsPerEm
        self.cmap = font.getBestCmap()
        metrics = font["hmtx"].metrics
        self.advance = {glyph: metrics[glyph][0] for glyph in set(self.cmap.values())}
        self.subtables = _kerning(font)
        font.close()

    def kern(self, left: str, right: str) -> int:
        """The pair's adjustment: from the first subtable that covers it, as HarfBuzz does."""
        for coverage, pairs, classes in self.subtables:
            if left not in coverage:
                continue
            if classes is None:
                value = pairs.get((left, right))
                if value is not None:
                    return value
                continue
            first, second = classes
            return pairs.get((first.get(left, 0), second.get(right, 0)), 0)
        return 0


def _x_advance(value_record) -> int:
    return (getattr(value_record, "XAdvance", 0) or 0) if value_record is not None else 0


def _kerning(font) -> list[tuple[set[str], dict, tuple[dict, dict] | None]]:
    """The pair-adjustment subtables of the `kern` feature for Latin text (what HarfBuzz applies
    by default), in lookup order: (glyphs covered, adjustments, None) for pairs of glyphs
    (format 1), (glyphs covered, adjustments, (first classes, second classes)) for pairs of
    classes (format 2)."""
    subtables: list = []
    if "GPOS" not in font:
        return subtables
    table = font["GPOS"].table
    scripts = {record.ScriptTag: record.Script for record in table.ScriptList.ScriptRecord}
    script = scripts.get("latn") or scripts.get("DFLT")
    if script is None or script.DefaultLangSys is None:
        return subtables
    features = table.FeatureList.FeatureRecord
    lookups = sorted(
        {
            index
            for i in script.DefaultLangSys.FeatureIndex
            if features[i].FeatureTag == "kern"
            for index in features[i].Feature.LookupListIndex
        }
    )
    for index in lookups:
        lookup = table.LookupList.Lookup[index]
        for sub in lookup.SubTable:
            if lookup.LookupType == 9:  # an extension: the real subtable is inside
                sub = sub.ExtSubTable
            if getattr(sub, "LookupType", 2) != 2:
                continue
            if sub.Format == 1:
                pairs = {
                    (left, record.SecondGlyph): _x_advance(record.Value1)
                    for left, pair_set in zip(sub.Coverage.glyphs, sub.PairSet)
                    for record in pair_set.PairValueRecord
                }
                subtables.append((set(sub.Coverage.glyphs), pairs, None))
            elif sub.Format == 2:
                values = {
                    (i, j): _x_advance(cell.Value1)
                    for i, row in enumerate(sub.Class1Record)
                    for j, cell in enumerate(row.Class2Record)
                }
                classes = (sub.ClassDef1.classDefs, sub.ClassDef2.classDefs)
                subtables.append((set(sub.Coverage.glyphs), values, classes))
    return subtables


@functools.cache
def _metrics(family: str, bold: bool) -> _Metrics:
    face = next(f for f in FACES if f.family == family and (f.weight == 700) == bold)
    return _Metrics(face.path)


@functools.lru_cache(maxsize=65536)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width, in px, Chromium draws `text` at font `size` in the charts' font (one line, plain text).

    Each character is drawn from the first face that has it, Liberation Sans then Dashboard
    Symbols, as the browser falls back along the family; kerning applies between neighbours
    drawn from the same face."""
    faces = (_metrics(TEXT_FAMILY, bold), _metrics(SYMBOL_FAMILY, bold))
    total = 0.0
    previous: tuple[_Metrics, str] | None = None
    for ch in str(text):
        code = ord(ch)
        face = next((m for m in faces if code in m.cmap), None)
        if face is None:
            total += MISSING_GLYPH_EM * size
            previous = None
            continue
        glyph = face.cmap[code]
        units = face.advance[glyph]
        if previous is not None and previous[0] is face:
            units += face.kern(previous[1], glyph)
        total += units * size / face.units
        previous = (face, glyph)
    return total


def has_glyph(ch: str) -> bool:
    """True when the charts' fonts draw `ch` (the rest falls back to whatever the machine has)."""
    return any(ord(ch) in _metrics(family, False).cmap for family in (TEXT_FAMILY, SYMBOL_FAMILY))


# ---------------------------------------------------------------- the export browser's fonts


def fontconfig_xml(base: str | None = None) -> str:
    """A fontconfig file: the machine's own configuration plus static/fonts.

    `base` is the configuration it includes: FONTCONFIG_FILE when one is set, otherwise the
    system's (a missing one is ignored, so a machine with none still finds static/fonts)."""
    base = base or os.environ.get("FONTCONFIG_FILE") or "/etc/fonts/fonts.conf"
    return (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<!-- Made by charts/fonts.py for the export browser: the charts' fonts beside the machine's. -->\n"
        "<fontconfig>\n"
        f'  <include ignore_missing="yes">{escape(base)}</include>\n'
        f"  <dir>{escape(str(paths.FONTS_DIR))}</dir>\n"
        "</fontconfig>\n"
    )


@functools.lru_cache(maxsize=1)
def fontconfig_file() -> Path:
    """The fontconfig file for the export browser, written once per process to a temporary folder
    (the repository may be read-only, as in the container image)."""
    text = fontconfig_xml()
    digest = hashlib.sha1(text.encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / f"stalking-fonts-{os.getuid() if hasattr(os, 'getuid') else 0}"
    folder.mkdir(mode=0o700, exist_ok=True)
    target = folder / f"fonts-{digest}.conf"
    if not target.is_file() or target.read_text() != text:
        atomic.write_atomic(target, text.encode())
    return target


def browser_env() -> dict[str, str]:
    """What the export browser's environment adds, so that it draws the charts' fonts
    (fontconfig: Chromium on Linux; elsewhere Chrome ignores it and the metric-compatible
    Arial the family names next is drawn)."""
    return {"FONTCONFIG_FILE": str(fontconfig_file())}
