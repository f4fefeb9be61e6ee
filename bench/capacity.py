"""Capacity: how many active people one dashboard process holds, and how that scales with replicas.

Each simulated person is a websocket client speaking Streamlit's protocol (as a browser's
would, without the drawing: bench/streamlit_client.py). People arrive spread over
the first RAMP_S seconds, open a page, then every 5-15 s (a person reading) either open
another page or change the Regions filter, until the level ends. Every page open and every
filter change is timed from the request to the server's "script finished". N steps through
10, 20, 40, 80, 160 and stops after the first level that breaks: p95 of 1 s or more, or
any error (a run not finished in 30 s, a Streamlit exception, a dropped connection).

Two set-ups, each on this 2-core machine:
- one process pinned to one core (taskset), the load generator pinned to the other, so the
  figure is what one core of a server holds;
- two processes, one per core, behind HAProxy with deploy/haproxy.cfg's rules (cookie
  affinity, websockets); every person first GETs / through the proxy for the cookie. The
  load generator and HAProxy then share the cores with the replicas, as reported.

Memory per session: the processes' resident memory at the end of a level, with every
session still open, less their memory before the first level, divided by N.

    python bench/capacity.py [--quick]          # or: python bench/run.py --only capacity
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    REPO_ROOT,
    Section,
    Server,
    free_port,
    load_average,
    median,
    percentile,
    secs,
    table,
)
from bench.streamlit_client import RUN_TIMEOUT_S, Session, first_visit, public_pages, region_state, warm  # noqa: E402

LEVELS = (10, 20, 40, 80, 160)
RAMP_S = 10
LEVEL_S = 70  # from the first arrival to the end of the level (so about 6 steps per person)
QUICK_LEVELS = (2, 4)
QUICK_RAMP_S = 2
QUICK_LEVEL_S = 10
THINK_S = (5.0, 15.0)
TARGET_P95_S = 1.0
COOKIE = "STALKING_REPLICA"
HAPROXY_CFG = REPO_ROOT / "deploy" / "haproxy.cfg"


@dataclass
class Level:
    sessions: int
    opens: list[float] = field(default_factory=list)  # each person's first page
    steps: list[float] = field(default_factory=list)  # later pages and filter changes
    errors: list[str] = field(default_factory=list)
    rss_mb: float = float("nan")  # all the set-up's processes, sessions open
    server_cores: float = float("nan")
    client_cores: float = float("nan")
    per_replica: dict[str, int] = field(default_factory=dict)
    load: str = ""

    @property
    def every(self) -> list[float]:
        return self.opens + self.steps

    @property
    def holds(self) -> bool:
        return bool(self.every) and percentile(self.every, 95) < TARGET_P95_S and not self.errors


async def _person(i: int, base: str, proxied: bool, start_at: float, stop_at: float, level: Level) -> None:
    rng = random.Random(i)
    pages = public_pages()
    page, query = rng.choice(pages)
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    try:
        began = time.perf_counter()
        cookie = None
        if proxied:
            replica, _ = await asyncio.to_thread(first_visit, base, COOKIE)
            cookie = f"{COOKIE}={replica}"
            level.per_replica[replica] = level.per_replica.get(replica, 0) + 1
        async with Session(base, cookie=cookie) as session:
            await session.run(page, query)
            level.opens.append(time.perf_counter() - began)
            wales = False
            while True:
                pause = rng.uniform(*THINK_S)
                if time.monotonic() + pause >= stop_at:
                    break
                await asyncio.sleep(pause)
                if rng.random() < 0.5 or session.region_id is None:
                    page, query = rng.choice(pages)
                    level.steps.append(await session.run(page, query))
                    wales = False
                else:
                    wales = not wales
                    regions = ["Wales"] if wales else []
                    level.steps.append(await session.run(page, query, [region_state(session.region_id, regions)]))
            # Hold the connection to the end of the level, so memory is measured with every session open.
            await asyncio.sleep(max(0.0, stop_at - time.monotonic()))
            if session.exceptions:
                level.errors.append(f"{session.exceptions} Streamlit exception(s)")
    except TimeoutError:
        level.errors.append(f"run not finished in {RUN_TIMEOUT_S} s")
    except Exception as err:  # noqa: BLE001 - every failure is counted, none stops the others
        level.errors.append(f"{type(err).__name__}: {str(err)[:80]}")


async def _level(n: int, base: str, proxied: bool, servers: list[Server], ramp: float, length: float) -> Level:
    level = Level(n)
    start = time.monotonic()
    stop_at = start + length
    arrivals = [start + ramp * k / max(n - 1, 1) for k in range(n)]
    cpu_before = sum(s.cpu_seconds() for s in servers)
    client_before = time.process_time()

    async def memory_at_the_end() -> float:
        await asyncio.sleep(max(0.0, stop_at - time.monotonic() - 1.0))
        return sum(s.rss_mb() for s in servers)

    people = asyncio.gather(*(_person(i, base, proxied, arrivals[i], stop_at, level) for i in range(n)))
    rss, _ = await asyncio.wait_for(asyncio.gather(memory_at_the_end(), people), timeout=length + 4 * RUN_TIMEOUT_S)
    elapsed = time.monotonic() - start
    level.rss_mb = rss
    level.server_cores = (sum(s.cpu_seconds() for s in servers) - cpu_before) / elapsed
    level.client_cores = (time.process_time() - client_before) / elapsed
    level.load = load_average()
    return level


def _step(base: str, proxied: bool, servers: list[Server], levels, ramp: float, length: float) -> list[Level]:
    done = []
    for n in levels:
        level = asyncio.run(_level(n, base, proxied, servers, ramp, length))
        done.append(level)
        print(
            f"  N={n}: p95 {percentile(level.every, 95):.2f} s, {len(level.errors)} errors, "
            f"{level.server_cores:.2f} server cores",
            flush=True,
        )
        if not level.holds:
            break
    return done


def _haproxy_config(ports: list[int], front: int, stats: int, folder: Path) -> Path:
    """deploy/haproxy.cfg with its own ports: the same rules (affinity, websockets, checks)."""
    text = HAPROXY_CFG.read_text(encoding="utf-8")
    text = re.sub(r"^(\s+server .*\n)+", "", text, flags=re.M)
    servers = "".join(f"    server r{i} 127.0.0.1:{port} cookie r{i}\n" for i, port in enumerate(ports, 1))
    text = text.replace(
        "    http-response set-header X-Replica %[srv_name]\n",
        "    http-response set-header X-Replica %[srv_name]\n" + servers,
    )
    text = re.sub(r"(frontend dashboard\n\s+bind )\S+", rf"\g<1>127.0.0.1:{front}", text)
    text = re.sub(r"(listen stats\n\s+bind )\S+", rf"\g<1>127.0.0.1:{stats}", text)
    path = folder / "haproxy.cfg"
    path.write_text(text, encoding="utf-8")
    return path


def _wait_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} not healthy in {timeout:g} s")


def one_process(workdir: Path, build_dir: Path, levels, ramp: float, length: float) -> tuple[list[Level], float]:
    cores = sorted(os.sched_getaffinity(0))
    server = Server.dashboard(build_dir, workdir / "capacity-one.log", cpu=cores[0])
    mine = os.sched_getaffinity(0)
    try:
        if len(cores) > 1:
            os.sched_setaffinity(0, {cores[1]})  # the load generator off the server's core
        warm(server.base)
        baseline = server.rss_mb()
        return _step(server.base, False, [server], levels, ramp, length), baseline
    finally:
        os.sched_setaffinity(0, mine)
        server.stop()


def replicas(workdir: Path, build_dir: Path, levels, ramp: float, length: float, count: int = 2):
    if not shutil.which("haproxy"):
        return None, "haproxy is not installed (apt-get install haproxy)"
    cores = sorted(os.sched_getaffinity(0))
    servers = [
        Server.dashboard(build_dir, workdir / f"capacity-r{i}.log", cpu=cores[i % len(cores)]) for i in range(count)
    ]
    front, stats = free_port(), free_port()
    cfg = _haproxy_config([s.port for s in servers], front, stats, workdir)
    proxy = subprocess.Popen(["haproxy", "-db", "-f", str(cfg)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{front}"
    try:
        _wait_up(base)
        time.sleep(4)  # HAProxy marks a server UP after two good checks, 2 s apart
        for s in servers:
            warm(s.base)
        baseline = sum(s.rss_mb() for s in servers)
        return (_step(base, True, servers, levels, ramp, length), baseline), ""
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        for s in servers:
            s.stop()


def per_session_mb(level: Level, first: Level) -> str:
    """Memory each further session costs: the growth in resident memory from the first level to this
    one, divided by the sessions added (the first level's own is the server's floor)."""
    if level is first or level.sessions == first.sessions:
        return ""
    return f"{(level.rss_mb - first.rss_mb) / (level.sessions - first.sessions):.2f}"


def _rows(levels: list[Level]) -> list[list[object]]:
    rows = []
    for lv in levels:
        rows.append(
            [
                lv.sessions,
                len(lv.every),
                secs(median(lv.every)),
                secs(percentile(lv.every, 95)),
                secs(percentile(lv.opens, 95)),
                secs(percentile(lv.steps, 95)),
                len(lv.errors),
                "; ".join(sorted(set(lv.errors)))[:100] or "none",
                "yes" if lv.holds else "**no**",
                f"{lv.server_cores:.2f}",
                f"{lv.client_cores:.2f}",
                f"{lv.rss_mb:.0f}",
                per_session_mb(lv, levels[0]),
                " ".join(f"{k}:{v}" for k, v in sorted(lv.per_replica.items())) or "",
                lv.load,
            ]
        )
    return rows


HEADERS = [
    "N",
    "runs timed",
    "all p50 s",
    "all p95 s",
    "first page p95 s",
    "later steps p95 s",
    "errors",
    "error kinds",
    "holds (p95 < 1 s, no errors)",
    "server CPU, cores",
    "load generator CPU, cores",
    "server memory MB",
    "MB per session",
    "sessions per replica",
    "load avg (1 5 15)",
]


def held(levels: list[Level]) -> int:
    """The largest N that held, 0 if none did."""
    return max((lv.sessions for lv in levels if lv.holds), default=0)


def run(workdir: Path, quick: bool = False, build_dir: Path | None = None) -> Section:
    levels, ramp, length = (QUICK_LEVELS, QUICK_RAMP_S, QUICK_LEVEL_S) if quick else (LEVELS, RAMP_S, LEVEL_S)
    build_dir = build_dir or Path(os.environ["STALKING_BUILD_DIR"])
    print("capacity: one process on one core", flush=True)
    one, one_base = one_process(workdir, build_dir, levels, ramp, length)
    print("capacity: two processes behind HAProxy", flush=True)
    two, why_not = replicas(workdir, build_dir, levels, ramp, length)
    rows = [["**one process, one core**", *[""] * (len(HEADERS) - 1)], *_rows(one)]
    if two:
        rows += [["**two processes behind HAProxy, 2 cores**", *[""] * (len(HEADERS) - 1)], *_rows(two[0])]
    one_holds = held(one)
    two_holds = held(two[0]) if two else 0
    notes = [
        f"Each person arrives within the first {ramp} s, opens a page, then every {THINK_S[0]:.0f}-{THINK_S[1]:.0f} s "
        f"opens another page or changes the Regions filter, for {length} s in all; times are from the request "
        "to the server's 'script finished', as a client receives them (no browser drawing).",
        "Stepping stops after the first level that does not hold. One process: the server pinned to one core, "
        "the load generator to the other. Two processes: one per core behind HAProxy (deploy/haproxy.cfg's "
        "rules, own ports); the load generator and HAProxy share the cores with them.",
        f"Server memory: resident memory of the set-up's processes with every session open at the end of the "
        f"level ({one_base:.0f} MB for one process once warmed, before the first level). MB per session: its growth "
        "from the first level, divided by the sessions added.",
        f"One process on one core holds {one_holds} active users"
        + (f"; two processes behind HAProxy hold {two_holds}." if two else f"; replicas not measured: {why_not}."),
    ]
    section = Section(
        "Capacity: active sessions per process, and with replicas (websocket clients, 127.0.0.1)",
        table(HEADERS, rows),
        notes=notes,
    )
    section.data = {"one": one, "two": two[0] if two else None, "one_holds": one_holds, "two_holds": two_holds}
    if not quick:
        section.targets.append(
            (
                "Capacity measured: one process on one core, p95 under 1 s, no errors",
                None,
                f"holds {one_holds} active users; two replicas behind HAProxy hold {two_holds}",
            )
        )
    return section


if __name__ == "__main__":
    from bench.common import run_alone

    run_alone(run, "capacity", quick="--quick" in sys.argv)
