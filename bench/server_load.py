"""Server under load, without a browser: N concurrent sessions speaking Streamlit's websocket
protocol to the dashboard at 127.0.0.1, for N = 1, 5, 10, 20.

The browser load test runs twenty Chromium tabs on the same two cores as the
server, so it mostly measures the browsers. Here each session is a small
websocket client, as the browser's would be: it connects, asks for a page
(timed until the server's "script finished"), then, pausing 0.5-2 s between
changes, sets the sidebar's region (Wales, then all again) and times each
rerun until "script finished". Pages are drawn from every page of the
dashboard. Errors: a run not finished within 30 s, a Streamlit exception
element, or a dropped connection. Every loop is bounded in time, so the test
stops by itself; all traffic stays on 127.0.0.1.

    python bench/server_load.py [--quick]
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Section, Server, load_average, median, percentile, secs, table  # noqa: E402

LEVELS = (1, 5, 10, 20)
DURATION_S = 10
QUICK_LEVELS = (1, 5)
QUICK_DURATION_S = 6
RUN_TIMEOUT_S = 30
THINK_S = (0.5, 2.0)
FORCE = "E23000027"
TARGET_P95_S = 3.0


@dataclass
class LevelResult:
    sessions: int
    opens: list[float] = field(default_factory=list)
    changes: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    load: str = ""


class Session:
    def __init__(self, ws):
        self.ws = ws
        self.region_id: str | None = None
        self.exceptions = 0

    async def run(self, page_name: str, query: str, widgets=()) -> float:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page_name
        for widget in widgets:
            msg.rerun_script.widget_states.widgets.append(widget)
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=RUN_TIMEOUT_S)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                if which == "exception":
                    self.exceptions += 1
                elif which == "multiselect" and element.multiselect.id.endswith("-region"):
                    self.region_id = element.multiselect.id
            elif kind == "script_finished":
                return time.perf_counter() - started


def _region(widget_id: str, regions: list[str]):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState(id=widget_id)
    state.string_array_value.data.extend(regions)
    return state


async def _session(
    i: int, uri: str, origin: str, pages: list[tuple[str, str]], duration: float, result: LevelResult
) -> None:
    import websockets

    rng = random.Random(i)
    page_name, query = rng.choice(pages)
    try:
        started = time.perf_counter()
        async with websockets.connect(
            uri, subprotocols=["streamlit"], origin=origin, max_size=None, open_timeout=RUN_TIMEOUT_S
        ) as ws:
            session = Session(ws)
            await session.run(page_name, query)
            result.opens.append(time.perf_counter() - started)
            stop = time.monotonic() + duration
            wales = False
            while time.monotonic() < stop:
                await asyncio.sleep(rng.uniform(*THINK_S))
                if session.region_id is None:
                    result.errors.append("no Regions widget on the page")
                    break
                wales = not wales
                result.changes.append(
                    await session.run(page_name, query, [_region(session.region_id, ["Wales"] if wales else [])])
                )
            if session.exceptions:
                result.errors.append(f"{session.exceptions} Streamlit exception(s)")
    except TimeoutError:
        result.errors.append(f"run not finished in {RUN_TIMEOUT_S} s")
    except Exception as err:
        result.errors.append(f"{type(err).__name__}: {str(err)[:80]}")


async def _level(n: int, base: str, duration: float) -> LevelResult:
    from ui.site import PAGES

    pages = [
        (p.url_path, f"force={FORCE}" if p.script.endswith("force_profile.py") else "")
        for p in (q for q in PAGES if not q.admin_only)
    ]
    uri = base.replace("http://", "ws://") + "/_stcore/stream"
    result = LevelResult(n)
    await asyncio.wait_for(
        asyncio.gather(*(_session(i, uri, base, pages, duration, result) for i in range(n))),
        timeout=duration + 4 * RUN_TIMEOUT_S,
    )
    result.load = load_average()
    return result


def warm(base: str) -> None:
    """Open every page once and change its region once, in turn, over the websocket (untimed):
    the server's caches then hold what a first visitor would have filled."""
    import websockets

    from ui.site import PAGES

    async def visit() -> None:
        uri = base.replace("http://", "ws://") + "/_stcore/stream"
        for p in (q for q in PAGES if not q.admin_only):
            query = f"force={FORCE}" if p.script.endswith("force_profile.py") else ""
            async with websockets.connect(uri, subprotocols=["streamlit"], origin=base, max_size=None) as ws:
                session = Session(ws)
                await session.run(p.url_path, query)
                if session.region_id:
                    for regions in (["Wales"], []):
                        await session.run(p.url_path, query, [_region(session.region_id, regions)])

    asyncio.run(asyncio.wait_for(visit(), timeout=120))


def run(workdir: Path, quick: bool = False, server: Server | None = None, build_dir: Path | None = None) -> Section:
    levels, duration = (QUICK_LEVELS, QUICK_DURATION_S) if quick else (LEVELS, DURATION_S)
    own_server = server is None
    if own_server:
        server = Server.dashboard(
            build_dir or Path(os.environ["STALKING_BUILD_DIR"]), workdir / "dashboard-server-load.log"
        )
    try:
        warm(server.base)
        results = [asyncio.run(_level(n, server.base, duration)) for n in levels]
        peak = server.peak_rss_mb()
    finally:
        if own_server:
            server.stop()
    rows = []
    for r in results:
        every = r.opens + r.changes
        rows.append(
            [
                r.sessions,
                len(every),
                secs(median(r.opens)),
                secs(percentile(r.opens, 95)),
                secs(median(r.changes)),
                secs(percentile(r.changes, 95)),
                secs(median(every)),
                secs(percentile(every, 95)),
                len(r.errors),
                "; ".join(sorted(set(r.errors)))[:120] or "none",
                r.load,
            ]
        )
    worst = results[-1]
    every = worst.opens + worst.changes
    section = Section(
        f"Server under load: N concurrent websocket sessions for {duration} s each, no browser (127.0.0.1)",
        table(
            [
                "N",
                "runs timed",
                "open page p50 s",
                "open page p95 s",
                "filter change p50 s",
                "filter change p95 s",
                "all p50 s",
                "all p95 s",
                "errors",
                "error kinds",
                "load avg (1 5 15)",
            ],
            rows,
        ),
        notes=[
            'Each session connects, opens a page (connect to "script finished"), then changes the region every '
            f"{THINK_S[0]}-{THINK_S[1]} s; pages are drawn from every page of the dashboard. Times are the server's "
            "answer as a client receives it, without a browser's drawing.",
            f"Dashboard server peak memory (VmHWM) after this run: {peak:.0f} MB.",
        ],
    )
    if not quick:
        section.targets.append(
            (
                f"{worst.sessions} concurrent sessions, server side: p95 under {TARGET_P95_S:.0f} s and no errors",
                percentile(every, 95) < TARGET_P95_S and not worst.errors,
                f"p95 {percentile(every, 95):.2f} s, {len(worst.errors)} errors",
            )
        )
    section.data = {"results": results, "peak_mb": peak}
    return section


if __name__ == "__main__":
    from bench.common import run_alone

    run_alone(run, "server-load", quick="--quick" in sys.argv)
