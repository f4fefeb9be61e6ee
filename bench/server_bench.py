"""Server: per page, a full script run and a filter change, timed with Streamlit's AppTest.

A full run is a new session opening the page (app.py, its sidebar and the page
script); a filter change is one more run of an open page after the sidebar's
region choice changes (Wales, then all of England and Wales, in turn). Both
are timed after a warm-up, so st.cache_data holds the queries, as on a server
that has been up for a while. The two floors run the same way for comparison.

    python bench/server_bench.py [--quick] [--profile]
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO_ROOT, Section, load_average, median, ms, percentile, table, write_floors  # noqa: E402

FORCE = "E23000027"  # Hertfordshire, for the force profile
TARGET_FILTER_S = 0.150


def _quiet() -> None:
    for name in (
        "streamlit",
        "streamlit.runtime.scriptrunner_utils.script_run_context",
        "streamlit.runtime.caching.cache_data_api",
    ):
        logging.getLogger(name).setLevel(logging.ERROR)


def _open(script: str | None, app: Path, query: dict[str, str] | None = None):
    """A new session that runs `app` once, then `script` (a page of app.py; None: the app itself
    again, for a floor). Returns the AppTest and the duration of that second, full run."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(app), default_timeout=120)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()  # AppTest's first run of a session carries its own start-up cost: not timed
    if script is not None:
        at.switch_page(script)
    started = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{script or app.name}: {[e.value for e in at.exception]}")
    return at, elapsed


class ScriptProfiler:
    """pyinstrument inside Streamlit's script thread (a profiler started in the test's
    thread sees only AppTest waiting). Collects every run while `active` is true."""

    def __init__(self):
        from pyinstrument import Profiler

        self.profiler = Profiler(interval=0.001)
        self.active = False
        self._runs = 0

    def __enter__(self):
        from streamlit.runtime.scriptrunner import script_runner

        self._module = script_runner
        self._original = original = script_runner.exec_func_with_error_handling

        def profiled(func, ctx):
            if not self.active:
                return original(func, ctx)
            self.profiler.start()
            try:
                return original(func, ctx)
            finally:
                self.profiler.stop()
                self._runs += 1

        script_runner.exec_func_with_error_handling = profiled
        return self

    def __exit__(self, *exc):
        self._module.exec_func_with_error_handling = self._original

    def text(self) -> str:
        return f"{self._runs} script runs\n" + self.profiler.output_text(unicode=False, color=False, show_all=False)


def measure_page(
    script: str | None, app: Path, runs: int, warmup: int, query=None, filters: bool = True, profiler=None
) -> dict[str, list[float]]:
    full, change = [], []
    for i in range(warmup + runs):
        _, elapsed = _open(script, app, query)
        if i >= warmup:
            full.append(elapsed)
    if filters:
        at, _ = _open(script, app, query)
        choices = (["Wales"], [])
        for i in range(2 * warmup + runs):
            widget = at.multiselect(key="region").set_value(choices[i % 2])
            if profiler is not None:
                profiler.active = i >= 2 * warmup
            started = time.perf_counter()
            widget.run()
            elapsed = time.perf_counter() - started
            if profiler is not None:
                profiler.active = False
            if at.exception:
                raise RuntimeError(f"{script}: {[e.value for e in at.exception]}")
            if i >= 2 * warmup:
                change.append(elapsed)
    return {"full": full, "change": change}


def run(workdir: Path, quick: bool = False, profile_dir: Path | None = None) -> Section:
    _quiet()
    from ui.site import PAGES

    runs, warmup = (6, 1) if quick else (20, 1)
    app = REPO_ROOT / "app.py"
    floors = write_floors(workdir / "floors-apptest")
    rows = []
    medians = {}
    cwd = os.getcwd()
    # AppTest reads .streamlit/config.toml from the working directory, as the server does.
    os.chdir(REPO_ROOT)
    try:
        for name, path in (
            ("floor: one line of text", floors["text"]),
            ("floor: one small plotly chart", floors["plotly"]),
        ):
            result = measure_page(None, path, runs, warmup, filters=False)
            rows.append([name, ms(median(result["full"])), ms(percentile(result["full"], 95)), "", "", load_average()])
        for spec in PAGES:
            if spec.role is not None:
                continue
            query = {"force": FORCE} if spec.script.endswith("force_profile.py") else None
            page = spec.script
            if profile_dir is not None:
                with ScriptProfiler() as profiler:
                    result = measure_page(page, app, runs, warmup, query, profiler=profiler)
                profile_dir.mkdir(parents=True, exist_ok=True)
                (profile_dir / f"server-filter-{spec.url_path}.txt").write_text(profiler.text())
            else:
                result = measure_page(page, app, runs, warmup, query)
            medians[spec.title] = median(result["change"])
            rows.append(
                [
                    spec.title + (" (Hertfordshire)" if query else ""),
                    ms(median(result["full"])),
                    ms(percentile(result["full"], 95)),
                    ms(median(result["change"])),
                    ms(percentile(result["change"], 95)),
                    load_average(),
                ]
            )
    finally:
        os.chdir(cwd)
    worst = max(medians, key=medians.get)
    section = Section(
        "Server: script run times (AppTest, warm caches)",
        table(
            [
                "page",
                "full run median ms",
                "full run p95 ms",
                "filter change median ms",
                "filter change p95 ms",
                "load avg (1 5 15)",
            ],
            rows,
        ),
        notes=[
            f"{runs} runs of each after {warmup} warm-up runs. Full run: a new session (which first runs the "
            "default page, untimed, as AppTest requires) opening the page: app.py, the sidebar and the page script. "
            "Filter change: the sidebar's region set to Wales, then back to all, in turn.",
            "AppTest runs the script in-process as the server does, including widget and element serialisation; "
            "it does not include the websocket or the browser.",
        ],
    )
    section.targets.append(
        (
            "Filter change under 150 ms server-side (median), every page",
            all(v < TARGET_FILTER_S for v in medians.values()),
            f"slowest: {worst} {medians[worst] * 1000:.0f} ms",
        )
    )
    return section


if __name__ == "__main__":
    from bench.common import run_alone

    run_alone(
        run,
        "server",
        quick="--quick" in sys.argv,
        profile_dir=REPO_ROOT / "bench" / "out" if "--profile" in sys.argv else None,
    )
