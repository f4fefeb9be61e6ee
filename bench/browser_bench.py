"""Browser: per page, navigation to visually complete in headless Chromium with a cold cache,
beside two floors measured in the same run, and the time to redraw a filter change.

Each measurement opens a new browser context (an empty HTTP cache) in one
Chromium, after every page has been opened once, untimed, to warm the server. The
floors are two tiny Streamlit apps (one line of text; one small plotly chart)
served the same way, with the dashboard's config. The filter change is made
in the page just measured: the sidebar's Regions box, choosing Wales; it is
timed from the click on the option to the last DOM change.

    python bench/browser_bench.py [--quick]
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.browser_common import DIAGNOSE_FUNCTION, INIT_SCRIPT, QUIET_MS, READY_FUNCTION  # noqa: E402
from bench.common import (  # noqa: E402
    CpuMeter,
    Section,
    Server,
    chromium_args,
    chromium_path,
    load_average,
    median,
    secs,
    table,
    write_floors,
)

FORCE = "E23000027"
VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT_MS = 30_000
TARGET_RATIO = 1.25
TARGET_FILTER_S = 0.5


@dataclass
class PageResult:
    name: str
    loads: list[float] = field(default_factory=list)
    changes: list[float] = field(default_factory=list)
    charts: int = 0
    errors: list[str] = field(default_factory=list)
    loads_at: list[str] = field(default_factory=list)
    browser_cpu: list[float] = field(default_factory=list)  # CPU seconds of Chromium per cold load


class NotReady(Exception):
    """The page was not visually complete in time; the message says what it looked like."""


def wait_ready(page, after_input: bool = False, timeout_ms: int = TIMEOUT_MS) -> dict:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        handle = page.wait_for_function(READY_FUNCTION, arg=[QUIET_MS, after_input], timeout=timeout_ms, polling=50)
    except PlaywrightTimeout:
        raise NotReady(("filter change: " if after_input else "load: ") + page.evaluate(DIAGNOSE_FUNCTION)) from None
    return handle.json_value()


def page_urls(base: str) -> list[tuple[str, str]]:
    from ui.site import PAGES

    urls = []
    for spec in (p for p in PAGES if p.role is None):
        path = spec.url_path  # every page at its own URL (the root forwards to the first)
        query = f"?force={FORCE}" if spec.script.endswith("force_profile.py") else ""
        urls.append((spec.title + (" (Hertfordshire)" if query else ""), f"{base}/{path}{query}"))
    return urls


def change_region(page, region: str = "Wales") -> None:
    """Open the sidebar's Regions box and click one region (the click on the option starts the timing)."""
    page.get_by_role("combobox", name=re.compile("Regions")).click()
    page.get_by_role("option", name=region, exact=True).click()


def measure_load(browser, url: str, filter_change: bool) -> tuple[float, float | None, int, str | None, float]:
    """One cold-cache page load, then (optionally) one filter change in the open page; the last
    value is the CPU seconds Chromium (every one of its processes) spent on the load alone."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(INIT_SCRIPT)
    page = context.new_page()
    try:
        meter = CpuMeter(b"chromium")
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        ready = wait_ready(page)
        cpu = meter.sample()
        load = ready["last"] / 1000
        error = ready.get("error")
        change = None
        if filter_change and not error:
            change_region(page)
            ready = wait_ready(page, after_input=True)
            change = (ready["last"] - ready["input"]) / 1000
            error = ready.get("error")
        return load, change, ready["charts"], error, cpu
    finally:
        context.close()


def run(workdir: Path, quick: bool = False, server: Server | None = None, build_dir: Path | None = None) -> Section:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if not executable:
        return Section("Browser", "Skipped: no Chromium on PATH (apt-get install chromium).")
    reps = 1 if quick else 3
    floors = write_floors(workdir / "floors-browser")
    own_server = server is None
    if own_server:
        server = Server.dashboard(
            build_dir or Path(os.environ["STALKING_BUILD_DIR"]), workdir / "dashboard-browser.log"
        )
    floor_servers = {}
    results: list[PageResult] = []
    try:
        for kind, script in floors.items():
            floor_servers[kind] = Server.script(script, workdir / f"floor-{kind}.log")
        targets = [
            ("floor: one line of text", floor_servers["text"].base + "/", False),
            ("floor: one small plotly chart", floor_servers["plotly"].base + "/", False),
            (
                "filter floor: a sidebar Regions box and one small plotly chart",
                floor_servers["filter"].base + "/",
                True,
            ),
        ]
        targets += [(name, url, True) for name, url in page_urls(server.base)]
        from bench.streamlit_client import warm

        warm(server.base)  # every page and its filter change, over the websocket: the server's caches
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=executable, headless=True, args=chromium_args())
            try:
                # Untimed warm-up: the browser and each floor server once (the dashboard's pages
                # were warmed over the websocket above).
                for _, url, _ in targets[:4]:
                    measure_load(browser, url, filter_change=False)
                for rep in range(reps):  # interleaved, so a burst of other load hits all pages alike
                    for i, (name, url, change) in enumerate(targets):
                        if rep == 0:
                            results.append(PageResult(name))
                        result = results[i]
                        try:
                            load, filt, charts, error, cpu = measure_load(browser, url, change)
                        except NotReady as err:  # a timeout is a result, not a crash
                            result.errors.append(f"not ready in {TIMEOUT_MS / 1000:.0f} s ({err})")
                            continue
                        except Exception as err:
                            result.errors.append(f"{type(err).__name__}: {str(err).splitlines()[0][:120]}")
                            continue
                        result.loads.append(load)
                        result.browser_cpu.append(cpu)
                        result.loads_at.append(load_average())
                        result.charts = charts
                        if filt is not None:
                            result.changes.append(filt)
                        if error:
                            result.errors.append(error)
            finally:
                browser.close()
    finally:
        for s in floor_servers.values():
            s.stop()
        peak = server.peak_rss_mb()
        if own_server:
            server.stop()

    text_floor = median(results[0].loads)
    chart_floor = median(results[1].loads)
    rows = []
    worst_ratio, worst_change = ("", 0.0), ("", 0.0)
    for r in results:
        load = median(r.loads)
        is_floor = "floor" in r.name
        change = median(r.changes) if r.changes else float("nan")
        if not is_floor:
            if load / chart_floor > worst_ratio[1]:
                worst_ratio = (r.name, load / chart_floor)
            if change > worst_change[1]:
                worst_change = (r.name, change)
        rows.append(
            [
                r.name,
                secs(load),
                secs(max(r.loads) if r.loads else float("nan")),
                r.charts,
                f"{load / text_floor:.2f}",
                f"{load / chart_floor:.2f}",
                secs(change) if r.changes else "",
                secs(median(r.browser_cpu), 1),
                "; ".join(sorted(set(r.errors))) or "none",
                r.loads_at[-1] if r.loads_at else load_average(),
            ]
        )
    section = Section(
        "Browser: cold-cache page load to visually complete, and filter change redraw (headless Chromium)",
        table(
            [
                "page",
                "load median s",
                "load max s",
                "plotly charts",
                "x text floor",
                "x chart floor",
                "filter change median s",
                "browser CPU s per cold load",
                "errors",
                "load avg (1 5 15)",
            ],
            rows,
        ),
        notes=[
            f"{reps} cold loads per page (a new browser context each), pages interleaved, after an untimed "
            f"warm-up of the servers. Visually complete: script finished, every visible plotly chart drawn, no DOM change "
            f"for {QUIET_MS} ms; the time is that of the last DOM change after navigation start.",
            "Filter change: in the page just loaded, Regions -> Wales; from the click on the option to the last DOM "
            "change. The filter floor is the same change in a tiny app whose one chart depends on it: Streamlit "
            "starts the rerun 100-200 ms after the click, and redraws a changed plotly chart from scratch.",
            "Browser CPU s per cold load: CPU seconds used by every Chromium process from navigation to visually "
            "complete (median). This is each person's own machine's cost, not the server's: twenty tabs on the "
            "server's two cores would spend their time drawing, which is why the capacity benchmark "
            "(bench/capacity.py) measures the server with websocket clients instead.",
            f"Dashboard server peak memory (VmHWM) after this run: {peak:.0f} MB.",
        ],
    )
    section.targets.append(
        (
            f"Every page visually complete within {TARGET_RATIO}x the one-plotly-chart floor",
            worst_ratio[1] <= TARGET_RATIO,
            f"floor {chart_floor:.2f} s; slowest {worst_ratio[0]} {worst_ratio[1]:.2f}x",
        )
    )
    filter_floor = median(results[2].changes) if results[2].changes else float("nan")
    section.targets.append(
        (
            f"Filter change redrawn in under {TARGET_FILTER_S} s in the browser (median)",
            worst_change[1] < TARGET_FILTER_S,
            f"slowest {worst_change[0]} {worst_change[1]:.2f} s (filter floor {filter_floor:.2f} s)",
        )
    )
    section.data = {"results": results, "text_floor": text_floor, "chart_floor": chart_floor, "peak_mb": peak}
    return section


if __name__ == "__main__":
    from bench.common import run_alone

    run_alone(run, "browser", quick="--quick" in sys.argv)
