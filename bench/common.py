"""Shared pieces of the benchmarks: the temporary build, servers, statistics, tables.

Nothing here asserts anything about time: the benchmarks measure and report,
the tests (tests/) never time anything.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from ui.health import free_port, wait_until_healthy  # noqa: E402


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, e.g. '1.52 1.20 0.98' (other work may be running)."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def load1() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def median(values) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


def percentile(values, p: float) -> float:
    """The p-th percentile (0-100), linear interpolation between closest ranks."""
    values = sorted(values)
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def ms(seconds: float) -> str:
    return "n/a" if seconds != seconds else f"{seconds * 1000:.0f}"


def secs(seconds: float, digits: int = 2) -> str:
    return "n/a" if seconds != seconds else f"{seconds:.{digits}f}"


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A markdown table."""
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


@dataclass
class Section:
    """One measurement's report: a heading, a markdown table and notes under it."""

    title: str
    table: str
    notes: list[str] = field(default_factory=list)
    targets: list[tuple[str, bool | None, str]] = field(default_factory=list)  # (target, met, measured)
    data: dict = field(default_factory=dict)  # raw results, for other sections

    def markdown(self) -> str:
        parts = [f"### {self.title}", "", self.table]
        if self.notes:
            parts += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(parts) + "\n"


# ---------------------------------------------------------------- the build


def build_database(build_dir: Path, boundaries: bool = True) -> Path:
    """Build the real data into build_dir (never data/build) and import the shared boundaries if present."""
    from core import paths
    from etl import pipeline

    target = build_dir / "stalking.duckdb"
    if not target.exists():
        pipeline.build(paths.DATA_DIR, target)
    source = paths.SHARED_GEO_DIR / "pfa_boundaries_ew.geojson"
    if boundaries and source.is_file() and not (build_dir / "boundaries.geojson").exists():
        from geo.boundaries import import_boundaries

        import_boundaries(source, build_dir / "boundaries.geojson", build_dir / "boundaries.meta.json")
    return target


def run_alone(run, name: str, **options) -> None:
    """Run one benchmark module on its own (`python bench/<module>.py [--quick]`): a temporary
    build of the real data, the benchmark, its table printed."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix=f"stalking-bench-{name}-") as tmp:
        os.environ.setdefault("STALKING_BUILD_DIR", str(Path(tmp) / "build"))
        build_database(Path(os.environ["STALKING_BUILD_DIR"]))
        print(run(Path(tmp), **options).markdown())


# ---------------------------------------------------------------- servers


def cpu_by_process(pids: set[int] | None = None, cmdline_contains: bytes | None = None) -> dict[int, float]:
    """CPU time (user + system, seconds) used so far by each of the given processes, or by every
    process whose command line contains a string: where a load test's CPU went (server or browser)."""
    used = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or (pids is not None and int(entry.name) not in pids):
            continue
        try:
            if cmdline_contains is not None and cmdline_contains not in (entry / "cmdline").read_bytes():
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return used


class CpuMeter:
    """CPU seconds used by a changing set of processes (browser tabs come and go): sample() it
    often; processes that end between samples lose only their last interval."""

    def __init__(self, cmdline_contains: bytes) -> None:
        self.match = cmdline_contains
        self.first = cpu_by_process(cmdline_contains=cmdline_contains)
        self.last = dict(self.first)

    def sample(self) -> float:
        self.last.update(cpu_by_process(cmdline_contains=self.match))
        return sum(seconds - self.first.get(pid, 0.0) for pid, seconds in self.last.items())


class Server:
    """A Streamlit server on 127.0.0.1 on a free port, started like tests/test_e2e.py does."""

    def __init__(
        self,
        args: list[str],
        cwd: Path,
        env: dict[str, str],
        log: Path,
        port: int | None = None,
        cpu: int | None = None,
    ):
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = open(log, "wb")
        # cpu: pin the server to one core (taskset execs it, so the pid is the server's own).
        pinned = ["taskset", "-c", str(cpu)] if cpu is not None and shutil.which("taskset") else []
        self.proc = subprocess.Popen(
            [
                *pinned,
                sys.executable,
                *args,
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(self.port),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=cwd,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        if wait_until_healthy(self.base, self.proc, timeout=90):
            return
        self.stop()
        raise RuntimeError(f"streamlit did not start: {log.read_text(errors='replace')[-2000:]}")

    @classmethod
    def dashboard(cls, build_dir: Path, log: Path, port: int | None = None, cpu: int | None = None) -> Server:
        env = {**os.environ, "STALKING_BUILD_DIR": str(build_dir)}
        return cls(["-m", "streamlit", "run", "app.py"], REPO_ROOT, env, log, port=port, cpu=cpu)

    @classmethod
    def script(cls, script: Path, log: Path) -> Server:
        """A plain `streamlit run script` in the script's folder (the floors)."""
        return cls(["-m", "streamlit", "run", script.name], script.parent, dict(os.environ), log)

    def _memory_mb(self, field: str) -> float:
        """One memory figure of the server process from /proc (VmHWM, VmRSS), in MB; NaN once it has gone."""
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far, in seconds."""
        return cpu_by_process({self.proc.pid}).get(self.proc.pid, float("nan"))

    def peak_rss_mb(self) -> float:
        """The server process's peak resident memory (VmHWM), in MB."""
        return self._memory_mb("VmHWM")

    def rss_mb(self) -> float:
        """The server process's resident memory now (VmRSS), in MB."""
        return self._memory_mb("VmRSS")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


# ---------------------------------------------------------------- the floors

FLOOR_TEXT = 'import streamlit as st\n\nst.write("floor")\n'
FLOOR_PLOTLY = """import plotly.graph_objects as go
import streamlit as st

fig = go.Figure(go.Bar(x=["a", "b", "c"], y=[3, 1, 2]))
fig.update_layout(height=300, title="floor")
st.plotly_chart(fig)
"""


# For the filter-change floor: one sidebar multiselect driving one small plotly chart.
FLOOR_FILTER = """import plotly.graph_objects as go
import streamlit as st

with st.sidebar:
    regions = st.multiselect("Regions", ["North East", "London", "Wales"], key="region")
st.write("floor")
fig = go.Figure(go.Bar(x=["a", "b", "c"], y=[3, 1, 2 + len(regions)]))
fig.update_layout(height=300, title="floor")
st.plotly_chart(fig, key="chart")
"""


def write_floors(folder: Path) -> dict[str, Path]:
    """Tiny Streamlit apps, with the dashboard's own .streamlit/config.toml beside them: the two
    page-load floors (text; one small plotly chart) and a filter-change floor."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".streamlit").mkdir(exist_ok=True)
    shutil.copy(REPO_ROOT / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
    text = folder / "floor_text.py"
    text.write_text(FLOOR_TEXT)
    chart = folder / "floor_plotly.py"
    chart.write_text(FLOOR_PLOTLY)
    filt = folder / "floor_filter.py"
    filt.write_text(FLOOR_FILTER)
    return {"text": text, "plotly": chart, "filter": filt}


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def chromium_args() -> list[str]:
    """The flags the browser tests use (running as root, no network)."""
    from tests.browser import CHROMIUM_ARGS

    return list(CHROMIUM_ARGS)
