"""End to end in a real browser: Playwright driving Debian's chromium against `streamlit run`.

Skips, with the reason, when chromium (or, for the accessibility checks, axe-core)
is not installed; under CI (CI=true) a missing one fails instead. Every page is
opened at a desktop width (1440 x 900) and a phone's (390 x 844): no Streamlit
exception, no axe-core violation (WCAG 2.2 A/AA and best practices), and a
screenshot of each saved under test-artifacts/ for people to look at.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from core import clock, paths, queries
from tests.browser import CHROMIUM_ARGS, require_axe, require_browser, streamlit_app
from ui.health import free_port, wait_until_healthy
from ui.site import PAGES, SITE_TITLE

pytestmark = pytest.mark.browser

ARTIFACTS = paths.REPO_ROOT / "test-artifacts"
SCRIPT_DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
PUBLIC_PAGES = [p for p in PAGES if p.role is None]


@pytest.fixture(scope="module")
def server_log(tmp_path_factory) -> Path:
    """Everything the server prints (warnings and stack traces included)."""
    return tmp_path_factory.mktemp("server") / "streamlit.log"


@pytest.fixture(scope="module")
def server(built_db: Path, server_log: Path):
    """The dashboard served on 127.0.0.1 on a free port, on the test database."""
    with streamlit_app("app.py", server_log, {"STALKING_BUILD_DIR": str(built_db.parent)}) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    executable = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture(params=list(SIZES), ids=list(SIZES))
def sized_page(request, browser):
    """A page at a desktop's size and at a phone's: (page, size name)."""
    width, height = SIZES[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    pg = context.new_page()
    yield pg, request.param
    context.close()


@pytest.fixture
def desktop(browser):
    width, height = SIZES["desktop"]
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def off_host_requests(page) -> list[str]:
    """Every URL the page asks for beyond 127.0.0.1: there must be none (no network at run time)."""
    urls: list[str] = []

    def record(request) -> None:
        url = urlsplit(request.url)  # data: and blob: URLs stay in the page
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname != "127.0.0.1":
            urls.append(request.url)

    page.on("request", record)
    return urls


def settle(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit's script has finished and every plotly chart has drawn.

    Every page starts with a title (h1): waiting for it first means a page whose first run
    has not yet begun (the app is "notRunning" before it starts) is not taken as finished.
    The app's style rules arrive a moment after the first widgets, and the browser reports
    the width charts are drawn at (which may rerun the page): wait for both."""
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout)
    page.wait_for_function(  # the app's own style rules (ui/style.py) are in
        "() => getComputedStyle(document.documentElement).getPropertyValue('--dashboard-style').trim() === 'loaded'",
        timeout=timeout,
    )
    page.wait_for_function("() => document.documentElement.dataset.chartWidth", timeout=timeout)  # ui/viewport.py
    page.wait_for_timeout(100)  # the rerun that draws the charts for that width, if any, has started
    page.wait_for_selector(SCRIPT_DONE, timeout=timeout)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                 .filter(el => el.offsetParent !== null)
                 .every(el => el.querySelector('.main-svg'))""",
        timeout=timeout,
    )
    page.wait_for_timeout(300)
    page.wait_for_selector(SCRIPT_DONE, timeout=timeout)


def full_screenshot(page, name: str) -> None:
    """Streamlit scrolls inside its main container, so grow the viewport to the content first."""
    size = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(height + 40, size["height"]), 15000)})
    settle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size(size)


def axe_violations(page) -> list[str]:
    """axe-core's violations on the page as it stands, one line each: rule, impact, where."""
    page.add_script_tag(path=str(require_axe()))
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(str(n['target']) for n in v['nodes'][:5])}"
        for v in result["violations"]
    ]


def page_url(spec) -> str:
    query = "?force=E23000027" if spec.script.endswith("force_profile.py") else ""
    return f"/{spec.url_path}{query}"


def press_tab_until(page, test: str, most: int = 60) -> None:
    """Press Tab until `test` (a JS expression about document.activeElement) holds."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const e = document.activeElement; return Boolean({test}); }})()"):
            return
    pytest.fail(f"keyboard focus never reached an element where {test}")


def focus_ring(page) -> tuple[str, float]:
    """The focused element's outline: (style, width in px)."""
    style, width = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; })()"
    )
    return style, float(width.removesuffix("px") or 0)


def no_exception(page) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()


def test_a_deep_link_works_as_the_first_request_to_a_fresh_server(server, page):
    # Must run first in this module: a folder named pages/ once sent this first request to the wrong page
    # (Streamlit's legacy multipage convention); the page scripts live in app_pages/ so that it cannot.
    page.goto(f"{server}/force-profile?force=E23000027")
    settle(page)
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator("h1").first.inner_text().strip() == "Hertfordshire"


@pytest.mark.parametrize("spec", PUBLIC_PAGES, ids=lambda p: p.url_path)
def test_every_page_renders_without_an_exception(server, page, spec, off_host_requests):
    page.goto(f"{server}{page_url(spec)}")  # every page at the URL ui/site.py declares for it
    settle(page)
    assert page.get_by_text("Page not found").count() == 0
    no_exception(page)
    assert page.locator("h1").first.inner_text().strip()
    assert off_host_requests == [], f"the page fetched from beyond 127.0.0.1: {off_host_requests}"


@pytest.mark.parametrize("spec", PUBLIC_PAGES, ids=lambda p: p.url_path)
def test_every_page_at_both_widths_has_no_exception_and_no_axe_violation(server, sized_page, spec):
    page, size = sized_page
    page.goto(f"{server}{page_url(spec)}")
    settle(page)
    no_exception(page)
    title = page.title()
    own = "Hertfordshire · Force profile" if spec.script.endswith("force_profile.py") else spec.title
    assert title == f"{own} · {SITE_TITLE}", f"each page (and each force's profile) has its own tab title: {title}"
    violations = axe_violations(page)
    full_screenshot(page, f"page-{spec.url_path}-{size}")
    assert violations == [], "\n".join(violations)


def test_the_root_url_opens_the_overview_at_its_own_url_with_the_links_query(server, page):
    page.goto(f"{server}/?region=Wales")
    settle(page)
    assert urlsplit(page.url).path == "/coverage-map" and "region=Wales" in page.url
    assert "where the gaps are" in page.locator("h1").first.inner_text()


def test_map_draws_all_43_force_areas(server, page):
    page.goto(f"{server}/")
    settle(page)
    page.wait_for_selector(".choroplethlayer path", timeout=30_000)
    assert page.locator(".choroplethlayer path").count() == 43


def test_region_choice_goes_into_the_url_and_survives_a_reload(server, page):
    page.goto(f"{server}/")
    settle(page)
    regions = page.get_by_role("combobox", name=re.compile("Regions"))
    regions.click()
    page.get_by_role("option", name="Wales", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"[?&]region=Wales"), timeout=15_000)
    settle(page)
    assert "of 4" in page.get_by_test_id("stMetric").first.inner_text()

    page.reload()
    settle(page)
    assert "region=Wales" in page.url
    assert "of 4" in page.get_by_test_id("stMetric").first.inner_text()
    no_exception(page)


def test_a_force_link_opens_its_profile_on_any_page(server, page):
    page.goto(f"{server}/force-profile?force=W15000004")
    settle(page)
    assert page.locator("h1").first.inner_text().strip() == "Dyfed-Powys"
    page.get_by_role("link", name="Funding cliff edge").click()
    settle(page)
    assert "force=W15000004" in page.url, "the selected force travels with the view"


# ---------------------------------------------------------------- the funding timeline, as drawn


TIMELINE_BOXES = """() => {
  const chart = document.querySelector('[data-testid="stPlotlyChart"]');
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const notes = [...chart.querySelectorAll('.annotation')].map(box).sort((a, b) => a[1] - b[1]);
  const legend = chart.querySelector('.legend .bg');
  return {
    title: notes[0], subtitle: notes[1], legend: legend ? box(legend) : null,
    svg: box(chart.querySelector('.main-svg')),
    entries: [...chart.querySelectorAll('.legend .legendtext')].map((t) => t.textContent),
  };
}"""


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_the_funding_timelines_legend_is_clear_of_its_title_and_keys_every_funder(server, sized_page):
    page, size = sized_page
    page.goto(f"{server}/funding-cliff-edge")
    settle(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg .legend', timeout=30_000)
    settle(page)
    boxes = page.evaluate(TIMELINE_BOXES)
    assert boxes["legend"], "the legend is shown"
    for name in ("title", "subtitle"):
        assert not overlaps(boxes["legend"], boxes[name]), f"{size}: the legend overlaps the {name}"
        assert boxes[name][2] <= boxes["svg"][2] + 1, f"{size}: the {name} runs off the chart's right edge"
    assert not overlaps(boxes["title"], boxes["subtitle"])
    streams = queries.funding_streams(queries.source_date())
    funders = set(streams.loc[streams["end_date"].notna(), "funder"])
    entries = {"".join(e.split()) for e in boxes["entries"]}
    missing = {f for f in funders if "".join(f.split()) not in entries}
    assert not missing, f"{size}: funders in view without a legend entry: {missing}"


# Every view of the dashboard with a chart in it (the chart tabs and their alternatives).
CHART_VIEWS = [
    "/coverage-map",
    "/coverage-map?overview_view=Counts+and+table",
    "/coverage-map?dimension=funding&region=Wales",
    "/funding-cliff-edge",
    "/funding-cliff-edge?funding_view=Ending+by+quarter",
    "/regional-comparison",
    "/regional-comparison?region=Wales&region=London",
]
CHART_TEXT_OUTSIDE = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
  .filter((chart) => chart.offsetParent !== null)
  .map((chart) => {
    const image = chart.querySelector('.main-svg').getBoundingClientRect();
    const outside = [];
    let count = 0;
    for (const t of chart.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      const b = t.getBoundingClientRect();
      if (b.width === 0 && b.height === 0) continue;
      count += 1;
      const past = [image.left - b.left, b.right - image.right, image.top - b.top, b.bottom - image.bottom];
      if (past.some((px) => px > 0.5)) outside.push([t.textContent, past.map((px) => Math.round(px * 10) / 10)]);
    }
    return {width: Math.round(image.width), count, outside};
  })"""


def drawn_font(page, selector: str) -> list[str]:
    """The fonts Chromium drew the first element matching `selector` with (DevTools: CSS.getPlatformFontsForNode)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, f"nothing matches {selector}"
    used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return [f["familyName"] for f in used]


@pytest.mark.parametrize(("width", "height"), [(320, 700), (390, 844), (1440, 900), (2000, 1200)])
def test_no_chart_text_leaves_its_chart_at_any_width(server, browser, width, height):
    """Every text element of every chart in view (titles, subtitles, legends, labels, footers) lies inside
    the chart, drawn in the charts' own font (charts/fonts.py), at a phone's width up to a wide screen's."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    problems = {}
    for view in CHART_VIEWS:
        page.goto(f"{server}{view}")
        settle(page)
        page.wait_for_function("() => document.documentElement.dataset.chartFonts === 'loaded'", timeout=30_000)
        settle(page)
        found = page.evaluate(CHART_TEXT_OUTSIDE)
        assert found and all(chart["count"] > 3 for chart in found), f"{view}: charts drawn with their words"
        problems.update({f"{view} ({chart['width']} px)": chart["outside"][:4] for chart in found if chart["outside"]})
        if view == "/funding-cliff-edge":
            fonts = drawn_font(page, '[data-testid="stPlotlyChart"] .annotation-text')
            assert fonts and fonts[0] == "Liberation Sans", f"the chart's title is drawn in {fonts}"
    context.close()
    assert not problems, f"at {width} px, text outside its chart: {problems}"


def test_tables_show_their_last_column_without_scrolling_at_1440(server, desktop):
    views = [
        "/coverage-map?overview_view=Counts+and+table&overview_status_view=Table",
        "/funding-cliff-edge?funding_timeline_view=Table",
        "/regional-comparison?regions_grid_view=Table",
        "/recommendations-15-16-25?recommendation=All+three%2C+by+force+area",
        "/return-templates?force=E23000027",
    ]
    for view in views:
        desktop.goto(f"{server}{view}")
        settle(desktop)
        desktop.wait_for_selector('[data-testid="stDataFrame"] .dvn-scroller', timeout=30_000)
        widths = desktop.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller')]
                     .map((s) => [s.scrollWidth, s.clientWidth])"""
        )
        assert widths and all(scroll <= client for scroll, client in widths), f"{view}: {widths}"


# ---------------------------------------------------------------- navigation that does what it says


def test_a_shared_link_reopens_the_same_tab(server, desktop, browser):
    desktop.goto(f"{server}/regional-comparison")
    settle(desktop)
    desktop.get_by_role("tab", name="Force areas").click()
    desktop.wait_for_url(re.compile(r"regions_view=Force\+areas"), timeout=15_000)
    settle(desktop)
    shared = desktop.url
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    other = context.new_page()
    other.goto(shared)
    settle(other)
    assert other.get_by_role("tab", name="Force areas").get_attribute("aria-selected") == "true"
    context.close()


def test_a_force_named_in_the_link_opens_its_profile_and_an_unknown_one_is_quoted_whole(server, desktop):
    desktop.goto(f"{server}/force-profile?force=Hertfordshire")
    settle(desktop)
    assert desktop.locator("h1").first.inner_text().strip() == "Hertfordshire"
    assert desktop.title().startswith("Hertfordshire · Force profile")
    asked = "Hertfordshire and Somewhere Else Entirely"
    desktop.goto(f"{server}/force-profile?force={asked.replace(' ', '%20')}")
    settle(desktop)
    alerts = " ".join(desktop.locator('[data-testid="stAlert"]').all_inner_texts())
    assert f"“{asked}”" in alerts, alerts


def test_a_date_after_today_in_the_link_is_refused_with_the_reason(server, desktop):
    desktop.goto(f"{server}/funding-cliff-edge?as_at=2030-01-01")
    settle(desktop)
    alerts = " ".join(desktop.locator('[data-testid="stAlert"]').all_inner_texts())
    assert "1 January 2030" in alerts and "after today" in alerts, alerts


@pytest.mark.parametrize(("width", "height", "reports"), [(1400, 1000, 0), (1920, 1080, 1)])
def test_the_first_page_is_drawn_again_only_when_the_window_needs_it(server, browser, width, height, reports):
    """The first run lays the charts out for ui.viewport.FIRST_WIDTH. A 1400 px window's main column
    holds just that, so the browser reports nothing and the page is drawn once (before, the first
    run drew for the export width and the browser's report ran it again); a wider one reports its
    width, once, and the page is drawn again for it."""
    from ui.viewport import FIRST_WIDTH

    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{server}/coverage-map")
    settle(page)
    page.wait_for_timeout(1000)  # a late report (the ResizeObserver waits 200 ms) would be in by now
    measured = page.evaluate(
        "[document.documentElement.dataset.chartWidth, document.documentElement.dataset.chartWidthReports]"
    )
    assert (int(measured[0]) == FIRST_WIDTH) == (reports == 0), measured
    assert int(measured[1] or 0) == reports, measured
    context.close()


def test_the_date_buttons_leave_no_warning_in_the_server_log(server, desktop, server_log):
    desktop.goto(f"{server}/coverage-map")
    settle(desktop)
    before = server_log.read_text(errors="replace")
    desktop.get_by_role("button", name="Today", exact=True).click()
    settle(desktop)
    desktop.get_by_role("button", name="Source date", exact=True).click()
    settle(desktop)
    added = server_log.read_text(errors="replace")[len(before) :]
    assert "Session State" not in added and "Traceback" not in added, added


def test_by_keyboard_alone_choose_a_force_switch_tabs_and_download_with_a_visible_focus_ring(server, desktop):
    page = desktop
    page.goto(f"{server}/funding-cliff-edge")
    settle(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=30_000)  # the timeline and its buttons
    settle(page)
    # A download: Tab to the timeline's CSV button, press Enter.
    press_tab_until(page, "e.tagName === 'BUTTON' && e.innerText.trim().endsWith('CSV')")
    style, width = focus_ring(page)
    assert style != "none" and width >= 2, f"focus ring: {style} {width}px"
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    name = download.value.suggested_filename
    assert name == f"funding-timeline-england-and-wales-{clock.today()}.csv", name  # the page opens at today
    # A tab: the tab list takes arrow keys; the open tab goes into the URL.
    page.goto(f"{server}/regional-comparison")
    settle(page)
    press_tab_until(page, "e.getAttribute('role') === 'tab'")
    style, width = focus_ring(page)
    assert style != "none" and width >= 2
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"regions_view=Force\+areas"), timeout=15_000)
    # A force: the sidebar's selector, then Enter, opens its profile.
    press_tab_until(page, "e.getAttribute('role') === 'combobox' && e.getAttribute('aria-label') === 'Force area'")
    style, width = focus_ring(page)
    assert style != "none" and width >= 2
    page.keyboard.type("Kent")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/force-profile\?.*force=E23000032"), timeout=15_000)
    settle(page)
    assert page.locator("h1").first.inner_text().strip() == "Kent"


def test_make_run_serves_the_home_page(built_db: Path, browser, tmp_path: Path):
    """The README's command, end to end: `make run` builds what is missing and serves the dashboard."""
    import signal

    if not (paths.REPO_ROOT / ".venv" / ".requirements-installed").exists():
        pytest.skip("the virtual environment was not made by make; run the suite with `make test`")
    port = free_port()
    env = {**os.environ, "STALKING_BUILD_DIR": str(tmp_path / "build")}
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=paths.REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        if not wait_until_healthy(base, proc, timeout=120):
            pytest.fail("make run did not serve the dashboard")
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(base)
        settle(page)
        no_exception(page)
        assert "where the gaps are" in page.locator("h1").first.inner_text()
        context.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        output = proc.communicate(timeout=30)[0].decode(errors="replace")
    assert f"http://127.0.0.1:{port}" in output, "make run prints the URL"


# ---------------------------------------------------------------- a profile that answers in its first screen

SUMMARY_LABELS = (
    "ISA provision",
    "Perpetrator programme",
    "MASIP or stalking clinic",
    "Funding risk",
    "Stalking advocate posts",
    "Next funding end",
    "Recommendations",
    "Last reported",
)


@pytest.mark.parametrize("size", list(SIZES))
def test_the_profiles_summary_strip_is_in_its_first_screen(server, browser, size):
    """Each theme's status, the advocate posts, the next funding end, the three recommendations and the
    date last reported, all in the first screen at 1440 x 900 and 390 x 844 (screenshots kept)."""
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{server}/force-profile?force=E23000027")
    settle(page)
    strip = page.locator(".st-key-profile_summary")
    box = strip.bounding_box()
    title = page.locator("h1").first.bounding_box()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"profile-first-screen-{size}.png"))  # the first screen, as a reader sees it
    text = strip.inner_text()
    context.close()
    assert title["y"] >= 0, "the force's name is in view"
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, f"{size}: the strip runs to {box['y'] + box['height']}"
    for label in SUMMARY_LABELS:
        assert label in text, f"{label} is in the summary strip"
    assert "3 ISAs stated" in text and "15 " in text and "16 " in text and "25 " in text


@pytest.mark.parametrize("size", list(SIZES))
def test_every_force_profiles_summary_strip_is_in_its_first_screen(server, browser, size, built_db):
    """The strip's words vary by force (statuses, posts, dates): all 43, with the force's name and
    the lines that expand its terms above the strip."""
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    outside = {}
    for code in queries.forces()["pfa_code"]:
        page.goto(f"{server}/force-profile?force={code}")
        settle(page)
        box = page.locator(".st-key-profile_summary").bounding_box()
        if box is None or box["y"] < 0 or box["y"] + box["height"] > height:
            outside[code] = box
    context.close()
    assert not outside, f"{size}: strips not wholly in the first screen: {outside}"


def test_a_tap_on_the_map_always_opens_the_tapped_force_at_the_top_of_its_profile(server, browser):
    """On a phone: a tap on each of several tiles (on the tile's label, where a finger lands) opens that
    force's profile, with its name in view, every time."""
    width, height = SIZES["phone"]
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True, is_mobile=True)
    page = context.new_page()
    names = dict(zip(queries.forces()["pfa_code"], queries.forces()["short_name"]))
    opened = []
    for code in (
        "E23000027",
        "W15000004",
        "E23000032",
        "E23000001",
        "E23000019",
        "E23000039",
        "W15000001",
        "E23000007",
    ):
        page.goto(f"{server}/coverage-map")
        settle(page)
        page.wait_for_selector(".choroplethlayer path", timeout=30_000)
        index = page.evaluate(
            "(code) => document.querySelector('.js-plotly-plot').data[0].locations.indexOf(code)", code
        )
        tile = page.locator(".choroplethlayer path").nth(index)
        tile.scroll_into_view_if_needed()
        box = tile.bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_url(re.compile(r"/force-profile\?.*force="), timeout=30_000)
        settle(page)
        title = page.locator("h1").first
        opened.append((code, urlsplit(page.url).query, title.inner_text().strip(), title.bounding_box()["y"]))
    context.close()
    wrong = [o for o in opened if f"force={o[0]}" not in o[1] or o[2] != names[o[0]] or not 0 <= o[3] < height]
    assert not wrong, f"taps that did not open the tapped force at its top: {wrong}"


# ---------------------------------------------------------------- a comparison staff can use


def test_the_force_areas_table_wraps_and_shows_every_row_at_1440(server, desktop):
    desktop.goto(f"{server}/regional-comparison?regions_view=Force+areas")
    settle(desktop)
    table = desktop.locator(".st-key-regions_forces_wrapped table")
    table.wait_for(timeout=30_000)
    assert table.locator("tbody tr").count() == 43, "every force area, none behind an inner scroll"
    box = table.bounding_box()
    main = desktop.locator('[data-testid="stMainBlockContainer"]').bounding_box()
    assert box["x"] + box["width"] <= main["x"] + main["width"] + 1, "the last column is in view"
    cut = desktop.evaluate(
        """() => [...document.querySelectorAll('.st-key-regions_forces_wrapped th, .st-key-regions_forces_wrapped td')]
                 .filter((c) => c.scrollWidth > c.clientWidth + 1).map((c) => c.textContent)"""
    )
    assert not cut, f"cells cut off: {cut[:5]}"
    link = table.locator("a", has_text="Hertfordshire")
    assert "force-profile" in link.get_attribute("href") and "E23000027" in link.get_attribute("href")


def test_on_a_phone_a_visible_filters_button_opens_the_sidebar(server, browser):
    width, height = SIZES["phone"]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{server}/regional-comparison")
    settle(page)
    regions = page.get_by_role("combobox", name=re.compile("Regions"))
    assert regions.bounding_box()["x"] < 0, "the sidebar starts closed on a phone"
    button = page.get_by_role("button", name=re.compile("^☰ Filters"))
    assert button.is_visible() and button.bounding_box()["y"] < height, "in the first screen"
    button.click()
    page.wait_for_function(
        """() => { const r = [...document.querySelectorAll('[role="combobox"]')]
                   .find((e) => (e.getAttribute('aria-label') || '').startsWith('Regions'));
                   return r && r.getBoundingClientRect().left >= 0; }""",
        timeout=10_000,
    )
    context.close()
    desk = browser.new_context(viewport={"width": 1440, "height": 900})
    page = desk.new_page()
    page.goto(f"{server}/regional-comparison")
    settle(page)
    assert not page.get_by_role("button", name=re.compile("^☰ Filters")).is_visible(), "beside an open sidebar, hidden"
    desk.close()
