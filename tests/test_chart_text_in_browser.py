"""Chart text measured, not guessed: checked in Chromium, the renderer that draws it.

charts/chart_text.py wraps every title, subtitle, legend and footer to the width a chart
is drawn at, with widths measured from the charts' own font files (charts/fonts.py). Here:

- those widths are the widths Chromium draws, line by line, for every line of every chart
  of a national, a regional and a force pack;
- the export browser (kaleido) draws the charts' font, not whatever the machine matches
  to "Arial";
- every text element of every chart of those packs, and of the map download, lies inside
  its image, as Chromium lays out the SVG kaleido made.

The dashboard's own charts, in the page at 320 to 2000 px, are checked in tests/test_e2e.py.
"""

from __future__ import annotations

import base64
import html
import re

import plotly.graph_objects as go
import pytest

import charts
from charts import fonts
from charts.chart_text import ChartText
from core import queries
from exports import images
from exports.briefing_content import gather
from exports.scope import resolve_scope
from tests.browser import CHROMIUM_ARGS, require_browser

pytestmark = pytest.mark.browser

SCOPES = {
    "England and Wales": {"all_areas": True},
    "Yorkshire and The Humber": {"region": "Yorkshire and The Humber"},
    "Hertfordshire": {"force": "E23000027"},
}

# Every text element outside the image, as (text, how far past each edge in px): left, right, top, bottom.
SVG_TEXT_OUTSIDE = """() => {
  const svg = document.querySelector('svg');
  const image = svg.getBoundingClientRect();
  const outside = [];
  for (const t of svg.querySelectorAll('text')) {
    if (!t.textContent.trim()) continue;
    const b = t.getBoundingClientRect();
    if (b.width === 0 && b.height === 0) continue;
    const past = [image.left - b.left, b.right - image.right, image.top - b.top, b.bottom - image.bottom];
    if (past.some((px) => px > 0.5)) outside.push([t.textContent, past.map((px) => Math.round(px * 10) / 10)]);
  }
  return {count: svg.querySelectorAll('text').length, outside};
}"""

MEASURE = """(lines) => {
  const svg = document.querySelector('svg');
  return lines.map(([text, size, bold]) => {
    const t = document.createElementNS('http://www.w3.org/2000/svg', 'text');
    t.setAttribute('x', 10);
    t.setAttribute('y', 100);
    t.style.fontFamily = FAMILY;
    t.style.fontSize = size + 'px';
    t.style.fontWeight = bold ? '700' : '400';
    t.textContent = text;
    svg.appendChild(t);
    const width = t.getComputedTextLength();
    t.remove();
    return width;
  });
}"""


@pytest.fixture(scope="module")
def packs(built_db) -> dict[str, list]:
    """The charts of each pack: {scope: [Chart, …]}."""
    return {name: gather(resolve_scope(**how), None).charts for name, how in SCOPES.items()}


@pytest.fixture(scope="module")
def map_download(built_db) -> go.Figure:
    """The Overview's map download (tiles), with its title, key and source drawn in."""
    coverage = queries.coverage(queries.source_date())
    text = ChartText(
        "ISAC provision is reported in most force areas",
        "ISAC provision by police force area, England and Wales",
        queries.source_date(),
        notes=("Not reported means the source does not quote the force area on this; it is not the same as none.",),
    )
    return charts.coverage_map_for_export(coverage, "isac", "tiles", text)


@pytest.fixture(scope="module")
def chromium():
    """Chromium with the export browser's environment (exports.images.browser_environment): it lays
    out an SVG's text with the fonts the export browser drew its PNG with."""
    executable = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS, env=images.browser_environment()
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def svgs(packs, map_download) -> dict[str, bytes]:
    require_browser()
    with images.ImageSession() as session:
        made = {f"{scope}/{chart.name}": session.svg(chart.fig) for scope, made in packs.items() for chart in made}
        made["map download"] = session.svg(map_download)
    return made


def _plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def drawn_lines(fig: go.Figure) -> set[tuple[str, float, bool]]:
    """Every line of words the chart's layout was measured for: (text, font size, bold)."""
    found = set()
    for note in fig.layout.annotations:
        size = float(note.font.size or 13)
        bold_whole = str(note.text).startswith("<b>") and str(note.text).endswith("</b>")
        for line in str(note.text).split("<br>"):
            text = _plain(line)
            if text.strip():
                found.add((text, size, bold_whole or line.startswith("<b>")))
    for trace in fig.data:
        if trace.showlegend is not False and trace.name:
            for line in str(trace.name).split("<br>"):
                found.add((_plain(line), 12.0, False))
        for labels, axis in ((trace.y, fig.layout.yaxis), (trace.x, fig.layout.xaxis)):
            if trace.type in ("bar", "heatmap") and labels is not None:
                for label in labels:
                    if isinstance(label, str):
                        for line in label.split("<br>"):
                            found.add((_plain(line), float(axis.tickfont.size or 13), "<b>" in line))
    return found


def test_the_measured_width_of_every_line_of_every_pack_chart_is_the_width_chromium_draws(chromium, packs):
    faces = "".join(
        f"@font-face {{ font-family: '{face.family}'; font-weight: {face.weight}; "
        f"src: url(data:font/ttf;base64,{base64.b64encode(face.path.read_bytes()).decode()}); }}"
        for face in fonts.FACES
    )
    page = chromium.new_page()
    page.set_content(
        f"<html><head><style>{faces}</style></head><body><svg width='3000' height='200'></svg></body></html>"
    )
    for face in fonts.FACES:
        page.evaluate(f"document.fonts.load('{face.weight} 13px \"{face.family}\"', 'A◇')")
    page.wait_for_function("document.fonts.status === 'loaded'")
    lines = sorted({line for made in packs.values() for chart in made for line in drawn_lines(chart.fig)})
    lines += [("AVAVAV To Ty Wo LT", 17.0, True), ("◇ ◆ ✕ ◷ ▶ ✓ ✎ ↺ ● ◐ ◑ ◔ ○ ■ ▲", 13.0, False)]
    assert len(lines) > 80, "the packs' charts give a corpus of lines"
    drawn = page.evaluate(MEASURE.replace("FAMILY", repr(fonts.FAMILY)), [list(line) for line in lines])
    page.close()
    off = [
        (text, size, bold, round(fonts.text_width(text, size, bold), 2), round(width, 2))
        for (text, size, bold), width in zip(lines, drawn)
        if abs(fonts.text_width(text, size, bold) - width) > 0.1
    ]
    assert not off, f"{len(off)} of {len(lines)} lines measured unlike Chromium draws them: {off[:5]}"


def test_the_export_browser_draws_the_charts_font(built_db):
    """A label's background box is as wide as plotly measured the label in kaleido's browser: the width
    of the charts' font (DejaVu Sans, which this machine matches to Arial, is about 12% wider)."""
    require_browser()
    words = "Next end of stalking funding in England and Wales: 31 March 2025 ◷ ✕"
    fig = go.Figure()
    fig.update_layout(width=900, height=120, font=dict(family=fonts.FAMILY, size=13))
    fig.add_annotation(
        text=words, x=0, y=0, xref="paper", yref="paper", showarrow=False, bgcolor="#EEEEEE", borderpad=0
    )
    with images.ImageSession() as session:
        svg = session.svg(fig).decode()
    boxes = [float(w) for w in re.findall(r'<rect class="bg"[^>]*?width="([\d.]+)"', svg)]
    label = min(boxes)  # the other is the figure's background
    expected = fonts.text_width(words, 13) + 1  # plotly adds the 1 px border
    assert abs(label - expected) <= 1, f"drawn {label} px wide; the charts' font gives {expected:.1f} px"


@pytest.mark.parametrize("scope", list(SCOPES))
def test_every_text_of_every_chart_of_a_pack_lies_inside_its_image(chromium, svgs, scope):
    page = chromium.new_page()
    checked = 0
    outside = {}
    for name, svg in svgs.items():
        if not name.startswith(f"{scope}/"):
            continue
        page.set_content(f"<html><body style='margin:0'>{svg.decode()}</body></html>")
        result = page.evaluate(SVG_TEXT_OUTSIDE)
        assert result["count"] > 5, f"{name}: the SVG has its words as text"
        checked += 1
        if result["outside"]:
            outside[name] = result["outside"][:4]
    page.close()
    assert checked >= 2, f"{scope}: the pack has charts"
    assert not outside, f"text outside the image: {outside}"


def test_the_map_download_keeps_its_legend_key_and_footnotes_inside_the_image(chromium, svgs):
    page = chromium.new_page()
    page.set_content(f"<html><body style='margin:0'>{svgs['map download'].decode()}</body></html>")
    result = page.evaluate(SVG_TEXT_OUTSIDE)
    page.close()
    assert result["count"] > 43, "every tile's label is text"
    assert not result["outside"], result["outside"][:6]


def test_an_html_download_keeps_its_words_inside_the_chart_in_a_phones_window(chromium, packs, tmp_path):
    """The HTML file carries the charts' font and is drawn at the width it was laid out for, so a
    window narrower than the chart scrolls instead of cutting its words."""
    from exports import html as html_export

    timeline = next(c for c in packs["England and Wales"] if c.name.endswith("funding-timeline"))
    path = tmp_path / "timeline.html"
    path.write_bytes(html_export.to_html(timeline.fig))
    page = chromium.new_page(viewport={"width": 390, "height": 844})
    page.goto(path.as_uri())
    page.wait_for_selector(".main-svg .annotation")
    page.evaluate("document.fonts.ready.then(() => true)")
    in_plot = SVG_TEXT_OUTSIDE.replace("document.querySelector('svg')", "document.querySelector('.main-svg')")
    result = page.evaluate(
        in_plot.replace("svg.querySelectorAll('text')", "document.querySelectorAll('.js-plotly-plot text')")
    )
    used = page.evaluate("[...document.fonts].filter((f) => f.status === 'loaded').map((f) => f.family)")
    page.close()
    assert any("Liberation Sans" in family for family in used), used
    assert result["count"] > 20 and not result["outside"], result["outside"][:4]
