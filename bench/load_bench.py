"""Load: N concurrent sessions, each a browser context in one headless Chromium, opening pages
and changing filters on the dashboard at 127.0.0.1 for a fixed time; N = 1, 5, 10, 20.

Two phases. Arrival: every session starts at once with a cold cache (a region
opening the link from the same email) and opens a page. Use: once every session
has its first page, for a fixed time each session, pausing 5-15 s between clicks
as a person reading the page does, either moves to another page with the sidebar
navigation or changes a filter (adds or removes a region, or changes what the map
shows). Each step is timed to visually complete, as in the browser benchmark.
The first page is reported apart: there the time goes to the co-located
browser's cold start. (bench/server_load.py is the stress test: clicks 0.5-2 s
apart, without browsers.) The CPU that the server and the browser each used
during the use phase is measured from /proc, to show which of them the sessions
wait for. An error is a first page not drawn within 150 s, a later step not
complete within 30 s, a Streamlit exception on the page, a page (JavaScript)
error, or a lost connection. All traffic stays on this machine; every loop is bounded by the
duration and each step by its timeout, so the test stops by itself.

    python bench/load_bench.py [--quick]
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import sys
import time
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
    percentile,
    secs,
    table,
)

LEVELS = (1, 5, 10, 20)
DURATION_S = 30
QUICK_LEVELS = (1, 5)
QUICK_DURATION_S = 12
STEP_TIMEOUT_MS = 30_000
# Twenty cold browser tabs on two cores need about a minute of CPU between them before the
# first page of each can be drawn; that wait is reported, not counted as an error.
FIRST_TIMEOUT_MS = 150_000
THINK_S = (5.0, 15.0)  # a person's pause between two clicks (reading the page), drawn uniformly
TARGET_P95_S = 3.0
REGIONS = ("North East", "North West", "East Midlands", "West Midlands", "London", "South East", "South West", "Wales")


@dataclass
class LevelResult:
    sessions: int
    first: list[float] = field(default_factory=list)  # each session's first page, cold cache
    steps: list[float] = field(default_factory=list)  # later pages and filter changes
    errors: list[str] = field(default_factory=list)
    load: str = ""
    wall: float = 0.0
    server_cores: float = float("nan")  # CPU used during the use phase, in cores (CPU s per s)
    browser_cores: float = float("nan")


async def _ready(page, after_input: bool, timeout_ms: int = STEP_TIMEOUT_MS) -> dict:
    try:
        handle = await page.wait_for_function(
            READY_FUNCTION, arg=[QUIET_MS, after_input], timeout=timeout_ms, polling=100
        )
    except Exception as err:
        try:
            state = await page.evaluate(DIAGNOSE_FUNCTION)
        except Exception:
            state = "page unreachable"
        raise TimeoutError(f"not ready in {timeout_ms / 1000:.0f} s ({state})") from err
    return await handle.json_value()


class Arrivals:
    """Counts sessions past their first page; use starts when all have arrived (or failed to)."""

    def __init__(self, n: int) -> None:
        self.waiting = n
        self.all_in = asyncio.Event()

    def arrived(self) -> None:
        self.waiting -= 1
        if self.waiting <= 0:
            self.all_in.set()


async def _session(
    i: int, browser, urls: list[str], titles: list[str], duration: float, result: LevelResult, arrivals: Arrivals
) -> None:
    rng = random.Random(i)
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    await context.add_init_script(INIT_SCRIPT)
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda err: page_errors.append(f"page error: {str(err)[:80]}"))

    async def check(ready: dict) -> None:
        if ready.get("error"):
            result.errors.append("Streamlit exception on the page")
        if await page.locator('[data-testid="stConnectionStatus"], [data-testid="stConnectionError"]').count():
            result.errors.append("connection lost")
        while page_errors:
            result.errors.append(page_errors.pop())

    try:
        try:
            await page.goto(rng.choice(urls), wait_until="commit", timeout=FIRST_TIMEOUT_MS)
            ready = await _ready(page, False, FIRST_TIMEOUT_MS)
            result.first.append(ready["last"] / 1000)
            await check(ready)
        finally:
            arrivals.arrived()
        await arrivals.all_in.wait()
        current = None
        stop = time.monotonic() + duration  # the same window for every session, once all are in
        pause = rng.uniform(0, THINK_S[1])  # the first click: people do not click in step
        while time.monotonic() + pause < stop:  # every click falls inside the window
            await asyncio.sleep(pause)
            pause = rng.uniform(*THINK_S)
            action = rng.choice(("page", "region", "dimension"))
            if action == "page":
                title = rng.choice([t for t in titles if t != current])
                await page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
                current = title
            elif action == "region":
                remove = page.locator('[aria-label^="Remove "]')
                if await remove.count():
                    await remove.first.click()
                else:
                    await page.get_by_role("combobox", name=re.compile("Regions")).click()
                    await page.get_by_role("option", name=rng.choice(REGIONS), exact=True).click()
            else:
                radio = page.locator('[data-testid="stSidebar"] [role="radiogroup"]').first
                checked = await radio.evaluate("g => [...g.querySelectorAll('input')].findIndex(i => i.checked)")
                others = [k for k in range(await radio.locator("label").count()) if k != checked]
                await radio.locator("label").nth(rng.choice(others)).click()
            ready = await _ready(page, True)
            result.steps.append((ready["last"] - ready["input"]) / 1000)
            await check(ready)
            if action == "region":
                await page.keyboard.press("Escape")  # close the list; its redraw is not timed
                await _ready(page, False)
    except Exception as err:
        result.errors.append(f"{type(err).__name__}: {str(err).splitlines()[0][:100]}")
    finally:
        await context.close()


async def _measure_use_phase(arrivals: Arrivals, duration: float, server_cpu, result: LevelResult) -> None:
    """Cores used by the server and by the browser (all Chromium processes) over the use phase's window."""
    await arrivals.all_in.wait()
    start, server0, browser = time.monotonic(), server_cpu(), CpuMeter(b"chrom")
    stop = start + duration
    while time.monotonic() < stop:
        await asyncio.sleep(min(0.5, max(0.0, stop - time.monotonic())))
        browser.sample()
    elapsed = time.monotonic() - start
    result.server_cores = (server_cpu() - server0) / elapsed
    result.browser_cores = browser.sample() / elapsed


async def _level(n: int, base: str, duration: float, executable: str, server_cpu) -> LevelResult:
    from playwright.async_api import async_playwright

    from ui.site import PAGES

    specs = [p for p in PAGES if not p.admin_only]
    urls = [f"{base}/{p.url_path}" for p in specs]  # every page at its own URL (the root forwards to the first)
    titles = [p.title for p in specs]
    result = LevelResult(n)
    arrivals = Arrivals(n)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, headless=True, args=chromium_args())
        try:
            started = time.monotonic()
            # Bounded: each session stops `duration` seconds after its first page, each step
            # times out, and the whole level is cut off after a fixed time.
            await asyncio.wait_for(
                asyncio.gather(
                    *(_session(i, browser, urls, titles, duration, result, arrivals) for i in range(n)),
                    _measure_use_phase(arrivals, duration, server_cpu, result),
                ),
                timeout=FIRST_TIMEOUT_MS / 1000 + duration + 3 * STEP_TIMEOUT_MS / 1000,
            )
            result.wall = time.monotonic() - started
        finally:
            await browser.close()
    result.load = load_average()
    return result


def run(workdir: Path, quick: bool = False, server: Server | None = None, build_dir: Path | None = None) -> Section:
    executable = chromium_path()
    if not executable:
        return Section("Load", "Skipped: no Chromium on PATH (apt-get install chromium).")
    levels, duration = (QUICK_LEVELS, QUICK_DURATION_S) if quick else (LEVELS, DURATION_S)
    own_server = server is None
    if own_server:
        server = Server.dashboard(build_dir or Path(os.environ["STALKING_BUILD_DIR"]), workdir / "dashboard-load.log")
    results = []
    try:
        from bench.server_load import warm

        warm(server.base)  # the server's caches, untimed
        for n in levels:
            results.append(asyncio.run(_level(n, server.base, duration, executable, server.cpu_seconds)))
        peak = server.peak_rss_mb()
    finally:
        if own_server:
            server.stop()
    rows = []
    for r in results:
        every = r.first + r.steps
        rows.append(
            [
                r.sessions,
                len(every),
                secs(median(r.first)),
                secs(percentile(r.first, 95)),
                secs(median(r.steps)),
                secs(percentile(r.steps, 95)),
                secs(median(every)),
                secs(percentile(every, 95)),
                f"{r.server_cores:.2f}",
                f"{r.browser_cores:.2f}",
                len(r.errors),
                "; ".join(sorted(set(r.errors)))[:160] or "none",
                r.load,
            ]
        )
    worst = results[-1]
    every = worst.first + worst.steps
    section = Section(
        f"Load: N concurrent sessions for {duration} s each (one Chromium, 127.0.0.1)",
        table(
            [
                "N",
                "steps timed",
                "first page p50 s",
                "first page p95 s",
                "later steps p50 s",
                "later steps p95 s",
                "all p50 s",
                "all p95 s",
                "server CPU, cores",
                "browser CPU, cores",
                "errors",
                "error kinds",
                "load avg (1 5 15)",
            ],
            rows,
        ),
        notes=[
            "First page: each session's first page, cold cache, all sessions starting together. Later steps, "
            "once every session has its first page: a page opened from the sidebar, or a filter changed "
            f"(region added or removed, map dimension), {THINK_S[0]:g}-{THINK_S[1]:g} s apart (a person reading "
            "the page), timed from the click to the last DOM change, as in the browser benchmark. "
            "The stress test, clicks 0.5-2 s apart, is the server-only load test above.",
            "CPU, cores: CPU seconds per second used during the later steps by the dashboard server and by "
            "Chromium (all its processes), of the machine's 2 cores. The browser runs on the same cores as "
            "the server: at N = 20 the first pages are twenty cold tabs parsing about 5 MB of JavaScript each "
            "(about 4 s of CPU per tab), and every later step costs the browser several times the server's work.",
            f"Dashboard server peak memory (VmHWM) after the load test: {peak:.0f} MB.",
        ],
    )
    if not quick:
        section.targets.append(
            (
                f"{worst.sessions} concurrent sessions: p95 under {TARGET_P95_S:.0f} s and no errors "
                "(pages and filter changes in open sessions)",
                percentile(worst.steps, 95) < TARGET_P95_S and not worst.errors,
                f"p95 {percentile(worst.steps, 95):.2f} s, {len(worst.errors)} errors",
            )
        )
        section.targets.append(
            (
                f"{worst.sessions} concurrent sessions: p95 under {TARGET_P95_S:.0f} s counting each "
                "session's cold first page too",
                percentile(every, 95) < TARGET_P95_S and not worst.errors,
                f"p95 {percentile(every, 95):.2f} s (first page p50 {median(worst.first):.1f} s)",
            )
        )
    section.data = {"results": results, "peak_mb": peak}
    return section


if __name__ == "__main__":
    from bench.common import run_alone

    run_alone(run, "load", quick="--quick" in sys.argv)
