"""Payload: bytes sent to the browser for the map, per geometry, and the server's memory.

Two measures for each geometry (the tile map; the imported boundaries when
there are any): the plotly figure as Streamlit serialises it (JSON), and what
a cold browser actually receives opening the Overview with that geometry,
split into HTTP (the app's code, fonts, the base map) and websocket (the page
itself, figures included) bytes. The server's resident memory is read after.

    python bench/payload.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.browser_common import INIT_SCRIPT  # noqa: E402
from bench.common import Section, Server, chromium_args, chromium_path, load_average, table  # noqa: E402

GEOMETRY_LABEL = {"tiles": "Tile map", "boundaries": "Boundaries"}


def figure_bytes(geometry: str) -> int:
    """The map figure's JSON, as st.plotly_chart sends it (plotly.io.to_json, unvalidated)."""
    import plotly.io as pio

    from charts.mapfig import coverage_map
    from core import queries

    coverage = queries.coverage(queries.source_date())
    return len(pio.to_json(coverage_map(coverage, "isac", geometry), validate=False).encode())


def browser_bytes(browser, url: str) -> dict[str, int]:
    from bench.browser_bench import wait_ready

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(INIT_SCRIPT)
    page = context.new_page()
    counts = {"http": 0, "ws": 0, "ws_frames": 0, "static_json": 0}

    def on_response(request):
        size = request.sizes()["responseBodySize"]
        counts["http"] += size
        if "/app/static/" in request.url:
            counts["static_json"] += size

    def on_frame(payload):
        counts["ws"] += len(payload)
        counts["ws_frames"] += 1

    page.on("requestfinished", on_response)
    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
    try:
        page.goto(url, wait_until="commit")
        wait_ready(page)
    finally:
        context.close()
    return counts


def run(workdir: Path, server: Server | None = None, build_dir: Path | None = None) -> Section:
    from playwright.sync_api import sync_playwright

    from geo.boundaries import available_geometries

    geometries = available_geometries()
    rows = []
    own_server = server is None
    if own_server:
        server = Server.dashboard(
            build_dir or Path(os.environ["STALKING_BUILD_DIR"]), workdir / "dashboard-payload.log"
        )
    try:
        executable = chromium_path()
        measured = {}
        if executable:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=executable, headless=True, args=chromium_args())
                try:
                    for geometry in geometries:
                        url = server.base + "/coverage-map" + ("" if geometry == "tiles" else "?geo=Boundaries")
                        browser_bytes(browser, url)  # warm the server
                        measured[geometry] = browser_bytes(browser, url)
                finally:
                    browser.close()
        for geometry in geometries:
            fig = figure_bytes(geometry)
            m = measured.get(geometry)
            rows.append(
                [
                    GEOMETRY_LABEL[geometry],
                    f"{fig / 1000:,.1f}",
                    f"{m['ws'] / 1000:,.1f}" if m else "n/a",
                    str(m["ws_frames"]) if m else "n/a",
                    f"{m['http'] / 1000:,.0f}" if m else "n/a",
                    f"{m['static_json'] / 1000:,.1f}" if m else "n/a",
                    f"{(m['ws'] + m['http']) / 1000:,.0f}" if m else "n/a",
                    load_average(),
                ]
            )
        peak, rss = server.peak_rss_mb(), server.rss_mb()
    finally:
        if own_server:
            server.stop()
    notes = [f"Dashboard server memory after these page loads: {rss:.0f} MB resident, peak {peak:.0f} MB (VmHWM)."]
    if "boundaries" not in geometries:
        notes.append("No boundaries imported in this build: only the tile map was measured.")
    else:
        notes.append(
            "Boundaries: the shared simplified file imported with `python -m geo import` into the bench's build directory."
        )
    notes.append(
        "HTTP: the app's JavaScript, CSS, fonts and the empty base map (app/static/*.json), cold cache. "
        "Websocket: the page's messages, the map and the bar chart figures included."
    )
    section = Section(
        "Payload: the Overview page (map) sent to a cold browser",
        table(
            [
                "geometry",
                "map figure JSON KB",
                "websocket KB",
                "websocket frames",
                "HTTP KB",
                "of which base map KB",
                "total KB",
                "load avg (1 5 15)",
            ],
            rows,
        ),
        notes=notes,
    )
    section.data = {"peak_mb": peak}
    return section


if __name__ == "__main__":
    from bench.common import run_alone

    run_alone(run, "payload")
