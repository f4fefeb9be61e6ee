"""The width the charts are drawn at, reported by the browser.

plotly does not wrap titles, legends or labels, so each chart is laid out on the
server for the width of the page's main column (charts.chart_text). A small
component with no visible content measures that column in the browser and
reports it, rounded down to one of a few steps, whenever it crosses a step (a
phone turned, a window resized, the sidebar opened); the page then reruns and
draws its charts for the new width. Until the browser has reported (the first
run of a session, or AppTest), charts are laid out for FIRST_WIDTH, the main column
of the most common desktop windows (1366 to 1440 px wide): those measure it, find
nothing to report, and the page is drawn once; other widths are drawn twice.

The same component loads the charts' font (charts.fonts; its @font-face rules are in
ui/style.py): a chart drawn before the font arrived is drawn again once it has, so
plotly's own measures (legend rows, label boxes) are taken in the font the words
were wrapped for. `data-chart-fonts="loaded"` on the page says it is in.
"""

from __future__ import annotations

import streamlit as st

from charts import fonts

KEY = "_viewport"
# Widths a chart is laid out for; the browser reports the largest one its main column holds.
STEPS = (300, 320, 340, 360, 380, 400, 440, 480, 520, 560, 600, 640, 720, 800, 900, 1000, 1100, 1200, 1400, 1600)
# The width assumed before the browser reports: the step a 1366-1440 px desktop window's main
# column holds beside the open sidebar (measured in Chromium: 1400 x 1000 reports 900).
FIRST_WIDTH = 900

_JS = """
export default function (component) {
  const { setStateValue, data } = component;
  const steps = data.steps;
  const pageData = () => document.documentElement.dataset;
  let last = data.width;
  const measure = () => {
    const main = document.querySelector('[data-testid="stMainBlockContainer"]');
    if (!main) return null;
    const style = getComputedStyle(main);
    const inner = main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return steps.filter((s) => s <= inner).pop() || steps[0];
  };
  const report = () => {
    const width = measure();
    const root = document.documentElement.dataset;
    if (width !== null && width !== last) {
      last = width;
      setStateValue("width", width);
      root.chartWidthReports = String(Number(root.chartWidthReports || 0) + 1);  // each one reruns the page
    }
    // For browser tests: the width is known (a rerun to draw for it is on its way if it changed).
    if (width !== null) root.chartWidth = String(width);
  };
  let timer = null;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(report, 200);
  };
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  const observer = new ResizeObserver(later);
  if (main) observer.observe(main);
  window.addEventListener("resize", later);
  report();
  const loadFonts = async () => {
    // The @font-face rules (ui/style.py) may arrive a moment after this component: until they
    // are in, load() finds no face; try again for a few seconds.
    for (let i = 0; i < 50 && pageData().chartFonts !== "loaded"; i++) {
      const faces = await Promise.all(data.fonts.map((font) => document.fonts.load(font)));
      if (faces.every((found) => found.length > 0 && found.every((f) => f.status === "loaded"))) {
        const drawn = document.querySelector('[data-testid="stPlotlyChart"] .main-svg');
        pageData().chartFonts = "loaded";
        if (drawn) window.dispatchEvent(new Event("resize"));  // plotly draws its charts again
        return;
      }
      await new Promise((done) => setTimeout(done, 100));
    }
  };
  loadFonts();
  return () => {
    observer.disconnect();
    window.removeEventListener("resize", later);
    clearTimeout(timer);
  };
}
"""

_component = st.components.v2.component("stalking_viewport", js=_JS)


def track() -> None:
    """Mount the width reporter (once per run, in the sidebar, where it takes no room)."""
    _component(
        key=KEY,
        data={
            "steps": list(STEPS),
            "width": chart_width(),
            "fonts": [f'{face.weight} 13px "{face.family}"' for face in fonts.FACES],
        },
        default={"width": None},
        on_width_change=lambda: None,
        height=0,
    )


def width_or_none() -> int | None:
    state = st.session_state.get(KEY)
    value = state.get("width") if isinstance(state, dict) or hasattr(state, "get") else None
    return int(value) if isinstance(value, (int, float)) and value > 0 else None


def chart_width() -> int:
    """The width, in CSS pixels, to lay the page's charts out for."""
    return width_or_none() or FIRST_WIDTH
