"""Chart and table exports: PNG, SVG, HTML, CSV, XLSX, formula escaping, the missing-browser path."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import struct
import xml.etree.ElementTree as ET

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

import charts
from charts import palette
from core import queries
from core.text import long_date
from exports import ExportInfo, file_stem, images, slug, tables
from exports import html as html_export
from tests.browser import require_browser

TODAY = dt.date(2026, 1, 15)
NASTY = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", "\tTAB", "\rCR", "plain", '=HYPERLINK("http://x")']


@pytest.fixture(scope="module")
def as_at(built_db) -> dt.date:
    return queries.source_date()


@pytest.fixture(scope="module")
def text(as_at) -> charts.ChartText:
    return charts.ChartText(
        title="Test finding: force areas & their ISAC provision",
        subtitle="Force areas by ISAC provision, England and Wales",
        data_date=as_at,
        notes=("Not reported is not the same as none.",),
    )


@pytest.fixture(scope="module")
def fig(built_db, as_at, text):
    return charts.status_bar(queries.coverage(as_at), palette.ISAC, text)


@pytest.fixture
def info(text, as_at) -> ExportInfo:
    return ExportInfo.from_text(
        text, {"Region": "Wales", "Position as at": as_at}, as_at=as_at, generated=dt.datetime(2026, 1, 15, 9, 30)
    )


def csv_rows(text: str) -> list[list[str]]:
    """The CSV's rows, without its '# ' header lines."""
    body = "".join(line for line in io.StringIO(text, newline="") if not line.startswith("# "))
    return list(csv.reader(io.StringIO(body, newline="")))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


# ---------------------------------------------------------------- images (need a browser)


@pytest.mark.browser
def test_png_has_signature_requested_size_and_is_not_blank(fig):
    require_browser()
    data = images.to_png(fig, width=800, height=450, scale=2)
    assert png_size(data) == (1600, 900)
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    colours = image.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 20, "the PNG is (nearly) one colour"
    lo, hi = image.convert("L").getextrema()
    assert hi - lo > 100, "no contrast: the chart did not draw"


@pytest.mark.browser
def test_png_defaults_to_print_quality(fig):
    require_browser()
    width, height = png_size(images.to_png(fig))
    assert width >= 2 * images.EXPORT_WIDTH and height == 2 * fig.layout.height


@pytest.mark.browser
def test_svg_parses_and_carries_title_subtitle_source_and_date(fig, text):
    require_browser()
    data = images.to_svg(fig)
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    drawn = " ".join("".join(root.itertext()).split())
    for line in [text.title, text.subtitle, *text.source_lines()]:
        # the footer's "(N months old on <today>)" is drawn on the day the figure was built
        assert " ".join(line.split()).split(" (")[0] in drawn, line
    assert "Source: " in drawn and "Data as at " in drawn


@pytest.mark.browser
def test_an_export_past_its_deadline_is_stopped_and_the_next_one_works(fig):
    browser = require_browser()
    with images.ImageSession(browser=browser, timeout=60) as session:
        session.png(fig, scale=1)  # browser up
        with pytest.raises(images.ImageExportTimeout, match="took longer than 0.01 s"):
            session.png(fig, timeout=0.01)
        assert not session.is_open, "a timed-out browser is killed"
        assert png_size(session.png(fig, width=300, height=200, scale=1)) == (300, 200)


@pytest.mark.browser
def test_a_browser_that_cannot_start_in_time_times_out(fig):
    browser = require_browser()
    session = images.ImageSession(browser=browser, timeout=0.05)
    with pytest.raises(images.ImageExportTimeout, match="browser"):
        session.png(fig)
    assert not session.is_open, "the browser that did not start in time is not kept"
    session.close()


def test_an_export_is_drawn_at_the_width_its_words_were_wrapped_for(fig, built_db, as_at):
    assert images.fit_width(fig) == images.EXPORT_WIDTH
    streams = queries.funding_streams(as_at)
    narrow = charts.funding_timeline(streams, as_at, charts.ChartText("t", "s", as_at), dt.date(2025, 3, 31), width=700)
    assert images.fit_width(narrow) == 700
    unfinished = go.Figure(go.Bar(y=["a label " * 20], x=[1], orientation="h"))
    assert images.fit_width(unfinished) > images.EXPORT_WIDTH, "a figure that does not say is widened for its labels"


# ---------------------------------------------------------------- no browser (simulated)


def test_without_a_browser_image_export_says_how_to_fix_it(fig, monkeypatch):
    monkeypatch.setenv(images.BROWSER_ENV, "none")
    assert images.find_browser() is None
    assert not images.image_export_available()
    assert images.unavailable_reason() == images.UNAVAILABLE_MESSAGE

    def no_browser_start():
        raise AssertionError("without a browser, an export must not try to start one")

    monkeypatch.setattr(images, "_import_kaleido", no_browser_start)
    with pytest.raises(images.ImageExportUnavailable) as err:
        images.to_png(fig)
    message = str(err.value)
    assert "Chrome or Chromium" in message and "apt-get install chromium" in message
    assert "HTML, CSV and XLSX" in message
    with pytest.raises(images.ImageExportUnavailable):
        images.ImageSession()


def test_without_a_browser_html_csv_and_xlsx_still_work(fig, info, monkeypatch):
    monkeypatch.setenv(images.BROWSER_ENV, "none")
    assert b"<html" in html_export.to_html(fig)[:100]
    assert tables.to_csv(pd.DataFrame({"a": [1]}), info).startswith(b"\xef\xbb\xbf#")
    assert openpyxl.load_workbook(io.BytesIO(tables.to_xlsx(pd.DataFrame({"a": [1]}), info)))


def test_a_browser_path_that_does_not_exist_counts_as_no_browser(monkeypatch, tmp_path):
    monkeypatch.setenv(images.BROWSER_ENV, str(tmp_path / "no-such-chrome"))
    assert images.find_browser() is None


CHART_PAGE = """
import datetime as dt
import pandas as pd
import charts
from charts import palette
from core import queries
from ui.widgets import chart_block, table_block
as_at = queries.source_date()
cov = queries.coverage(as_at)
text = charts.ChartText("Test finding", "Subtitle", as_at)
table = cov[["short_name", "isac_status"]]
chart_block(
    lambda width: charts.status_bar(cov, palette.ISAC, text, width=width),
    table,
    text,
    key="isac",
    stem="isac-provision-england-and-wales-2024-12-19",
    alt="Bar chart",
    filters={"Region": "all"},
    as_at=as_at,
)
table_block(table, text, key="forces", stem="force-areas", filters={"Region": "all"}, as_at=as_at)
"""


def _chart_page() -> AppTest:
    at = AppTest.from_string(CHART_PAGE, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.browser
def test_chart_and_table_blocks_offer_every_download(built_db, monkeypatch):
    require_browser()
    monkeypatch.delenv(images.BROWSER_ENV, raising=False)
    at = _chart_page()
    labels = [b.label for b in at.download_button]
    assert labels == ["PNG", "SVG", "HTML", "CSV", "XLSX", "CSV", "XLSX"]
    assert not [i for i in at.info if "Chromium" in i.value]


def test_without_a_browser_the_page_shows_the_fix_instead_of_png_and_svg(built_db, monkeypatch):
    monkeypatch.setenv(images.BROWSER_ENV, "none")
    at = _chart_page()
    labels = [b.label for b in at.download_button]
    assert labels == ["HTML", "CSV", "XLSX", "CSV", "XLSX"]
    assert [i.value for i in at.info] == [images.UNAVAILABLE_MESSAGE]


# ---------------------------------------------------------------- HTML


def test_html_is_standalone_offline_and_titled(fig, text):
    page = html_export.to_html(fig).decode("utf-8")
    assert page.lower().startswith(("<!doctype html>", "<html"))
    assert f"<title>{text.title.replace('&', '&amp;')}</title>" in page
    assert "cdn.plot.ly" not in page.split("<body>")[0] and 'src="http' not in page, "plotly.js must be inlined"
    assert len(page) > 1_000_000, "plotly.js is inlined"
    assert "Source: " in page and "Data as at " in page


def test_html_of_a_geo_figure_inlines_its_base_map():
    import plotly.graph_objects as go

    fig = go.Figure(go.Choropleth(locations=["GBR"], z=[1]))
    page = html_export.to_html(fig).decode("utf-8")
    assert "PlotlyGeoAssets" in page and "world_110m" in page


# ---------------------------------------------------------------- CSV and XLSX


def test_csv_starts_with_header_lines_then_reads_back(info):
    table = pd.DataFrame(
        {"Force area": ["Gwent", "Dyfed-Powys"], "ISACs": [None, 1], "End": pd.to_datetime([None, "2025-08-31"])}
    )
    data = tables.to_csv(table, info)
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, for Excel"
    lines = data.decode("utf-8-sig").splitlines()
    header = [line for line in lines if line.startswith("# ")]
    labels = [line.split(":")[0] for line in header]
    for label in ("# Title", "# Source", "# Data as at", "# Filters", "# Generated", "# Licence"):
        assert label in labels
    assert f"# Filters: Region: Wales; Position as at: {info.as_at.isoformat()}" in header
    assert not header[2].startswith("# Source: Source:")
    back = pd.read_csv(io.BytesIO(data), comment="#", encoding="utf-8-sig")
    assert list(back.columns) == ["Force area", "ISACs", "End"]
    assert back["End"].iloc[1] == "2025-08-31"


def test_xlsx_has_data_and_about_sheets(info):
    table = pd.DataFrame({"Force area": ["Gwent"], "End": pd.to_datetime(["2025-08-31"]), "n": [3]})
    wb = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx(table, info)))
    assert wb.sheetnames == [tables.DATA_SHEET, tables.ABOUT_SHEET]
    data = wb[tables.DATA_SHEET]
    assert [c.value for c in data[1]] == ["Force area", "End", "n"]
    assert data["B2"].value.date() == dt.date(2025, 8, 31) and data["C2"].value == 3
    about = dict(wb[tables.ABOUT_SHEET].iter_rows(min_row=2, values_only=True))
    assert about["Title"] == info.title
    assert about["Source"].startswith("APCC")
    assert about["Data as at"].startswith(long_date(info.data_date))
    assert about["Filters"].startswith("Region: Wales")
    assert "Open Government Licence v3.0" in about["Licence"]


def test_formula_like_cells_are_escaped_in_csv(info):
    table = pd.DataFrame({"quote": NASTY, "number": range(-4, len(NASTY) - 4)})
    text = tables.to_csv(table, info).decode("utf-8-sig")
    rows = csv_rows(text)
    quotes = [r[0] for r in rows[1:]]
    assert quotes[0] == "'=1+1"
    for original, written in zip(NASTY, quotes):
        if original[0] in "=+-@\t\r":
            assert written == "'" + original
        else:
            assert written == original
    assert [r[1] for r in rows[1:]][:2] == ["-4", "-3"], "numbers are not escaped"


def test_formula_like_cells_are_escaped_in_xlsx(info):
    table = pd.DataFrame({"=danger": NASTY, "number": range(-4, len(NASTY) - 4)})
    nasty_info = ExportInfo(title="=1+2 title", source="@source", data_date=info.data_date, filters={"q": "-x"})
    wb = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx(table, nasty_info)))
    data = wb[tables.DATA_SHEET]
    assert data["A1"].value == "'=danger"
    assert data["A2"].value == "'=1+1" and data["A2"].data_type == "s"
    assert data["B2"].value == -4
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(tables.FORMULA_PREFIXES), cell.coordinate


def test_escape_text_follows_owasp():
    assert tables.escape_text("=1") == "'=1"
    assert tables.escape_text("\t=1") == "'\t=1"
    assert tables.escape_text("a=1") == "a=1"
    assert tables.escape_text("") == ""


# ---------------------------------------------------------------- names


def test_file_names_are_a_slug_of_the_title_and_the_as_at_date():
    assert slug("3 of 4 force areas in Wales — ISACs (2024)") == "3-of-4-force-areas-in-wales-isacs-2024"
    assert file_stem("Funding ends: 31 March 2025!", dt.date(2024, 12, 19)) == "funding-ends-31-march-2025-2024-12-19"
    assert len(slug("word " * 50)) <= 60 and not slug("word " * 50).endswith("-")
    assert slug("«»") == "export"


def test_require_browser_skips_without_one_but_fails_on_ci(monkeypatch):
    import tests.browser as helper

    monkeypatch.setattr(helper, "browser_path", lambda: None)
    monkeypatch.setattr(helper, "CURRENT_TEST", [None])  # this test drives no browser: it has none
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        helper.require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        helper.require_browser()


def test_a_test_that_drives_a_browser_without_its_marker_fails(request):
    """make test-fast selects on markers, so an unmarked browser test is refused, not run slowly."""
    import tests.browser as helper

    assert request.node.get_closest_marker("browser") is None
    with pytest.raises(pytest.fail.Exception, match=r"drives browser but is not marked: add @pytest.mark.browser"):
        helper.drives("browser")


@pytest.mark.browser
def test_england_and_wales_count_charts_export_with_whole_number_ticks(built_db, as_at, text):
    require_browser()
    coverage = queries.coverage(as_at)
    streams = queries.funding_streams(as_at)
    tick = re.compile(r'<g class="xtick"><text[^>]*>([^<]*)</text>')  # the count axis of these bar charts
    for fig in (charts.status_bar(coverage, palette.FUNDING, text), charts.ending_per_quarter(streams, text)):
        ticks = tick.findall(images.to_svg(fig).decode())
        assert ticks and all(re.fullmatch(r"\d+", t) for t in ticks), ticks


@pytest.mark.browser
def test_the_map_exports_offline_with_its_title_and_source(built_db, as_at):
    """The map is a geo chart: its export must not fetch a base map from a CDN."""
    require_browser()
    coverage = queries.coverage(as_at)
    text = charts.ChartText("A finding about the map", "ISAC provision by police force area", as_at)
    fig = charts.coverage_map_for_export(coverage, "isac", "tiles", text)
    svg = images.to_svg(fig).decode()
    assert "A finding about the map" in svg and "Source: APCC" in svg
    assert svg.count("choroplethlayer") >= 1
    png = images.to_png(fig, width=900, scale=1)
    assert png.startswith(b"\x89PNG") and struct.unpack(">II", png[16:24])[0] == 900
