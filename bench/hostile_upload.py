"""A hostile upload against a running dashboard (issue 28, item 3): how long each refusal takes, how much
memory it costs, and what another visitor's page time does meanwhile.

    python bench/hostile_upload.py [--quick] [--tree DIR] [--out FILE]

One dashboard server (the code in --tree, default this checkout) with real sign-in (dev/signin's
provider), a round open for Hertfordshire. In Chromium, Hertfordshire's office signs in, opens *Your
return* and uploads each workbook of tests/hostile_workbooks.py (the issue's four: an unsigned
'Manifest' workbook with 4.4 million empty cells, signed ones with 17.7 MB of sheet XML, a 6 MB extra
part, a macro project; then the others), made from the workbook the server itself signs. Meanwhile
another session (bench/streamlit_client, a websocket as a browser tab) opens the force profile
again and again. Measured per upload: click to the page's answer ("refused in"), the server
process's memory growth, the worker's peak memory (intake.isolated, when the tree has it), and the
other session's page times before and during the upload.

`--tree` runs another checkout's server (e.g. `git archive <commit> | tar -x -C DIR` of the code
before the fix), so the table can show before and after on one machine. Nothing here asserts: the
tests assert the refusals and the memory bound (tests/test_workbook_limits.py).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.common import Server, load_average, median, percentile, secs, table  # noqa: E402
from core import clock  # noqa: E402

HERTS = "E23000027"
TAKEN = "(the filled workbook itself, for comparison)"
PAGE, QUERY = "force-profile", f"force={HERTS}"
BASELINE_RUNS = 8


def _access(issuer: str) -> str:
    """Keyed both ways, so a checkout from before the access list keyed on subjects reads it too."""
    return (
        f'[[office]]\nemail = "herts.office@example.org"\nissuer = "{issuer}"\nsubject = "herts.office@example.org"\n'
        f'force = "{HERTS}"\n[[admin]]\nemail = "admin@example.org"\nissuer = "{issuer}"\nsubject = "admin@example.org"\n'
    )


def _run(tree: Path, env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", *args], cwd=tree, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {done.stderr[-2000:]}")
    return done.stdout


def _rss(pid: int, field: str = "VmRSS:") -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


class Sampler(threading.Thread):
    """The server's resident memory and the isolated workers' peaks, every 50 ms."""

    def __init__(self, server_pid: int):
        super().__init__(daemon=True)
        self.server_pid, self.stop_at = server_pid, threading.Event()
        self.server_peak, self.worker_peak = 0, 0

    def run(self) -> None:
        while not self.stop_at.wait(0.05):
            self.server_peak = max(self.server_peak, _rss(self.server_pid))
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        if b"intake.isolated" in (entry / "cmdline").read_bytes():
                            self.worker_peak = max(self.worker_peak, _rss(int(entry.name), "VmHWM:"))
                    except OSError:
                        continue


class PageTimer(threading.Thread):
    """Another visitor: opens the force profile again and again; (start, seconds) of each run."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base, self.runs, self.stop_at = base, [], threading.Event()

    def run(self) -> None:
        from bench.streamlit_client import Session

        async def loop() -> None:
            async with Session(self.base, timeout=300) as session:
                while not self.stop_at.is_set():
                    started = time.monotonic()
                    took = await session.run(PAGE, QUERY)
                    self.runs.append((started, took))
                    await asyncio.sleep(0.2)

        asyncio.run(loop())

    def between(self, start: float, end: float) -> list[float]:
        return [took for began, took in self.runs if began + took >= start and began <= end]


def measure(tree: Path, workdir: Path, quick: bool = False) -> tuple[str, list[str]]:
    from playwright.sync_api import sync_playwright

    from dev import signin as dev_signin
    from tests.browser import CHROMIUM_ARGS, IDLE, browser_path
    from tests.browser import sign_in as browser_sign_in
    from tests.hostile_workbooks import HOSTILE, NAMED, filled

    chromium = browser_path()
    if chromium is None:
        raise SystemExit("no Chromium: apt-get install chromium")
    build = workdir / "build"
    env = {
        **os.environ,
        "STALKING_BUILD_DIR": str(build),
        "STALKING_RETURNS_DIR": str(workdir / "returns"),
        "STALKING_WORKFLOW_URL": f"sqlite:///{workdir / 'workflow.sqlite'}",
        "STALKING_ACCESS_FILE": str(workdir / "access.toml"),
        "STALKING_FORM_KEY": "hostile-upload-bench-key",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("PYTHONPATH", None)
    _run(tree, env, "etl", "build")
    today = clock.today()
    opened = _run(
        tree,
        env,
        "returns",
        "round",
        "open",
        "--title",
        "Bench round",
        "--as-at",
        str(today - dt.timedelta(days=6)),
        "--due",
        str(today + dt.timedelta(days=56)),
        "--forces",
        HERTS,
    )
    round_id = opened.strip().split()[-1]
    _run(tree, env, "returns", "round", "templates", round_id, "--out", str(workdir / "templates"))
    form = filled(next((workdir / "templates").glob(f"*{HERTS}*.xlsx")).read_bytes())
    cases = dict(NAMED) if quick else dict(HOSTILE)
    uploads = workdir / "uploads"
    uploads.mkdir()
    files = {TAKEN: uploads / "return-taken.xlsx"}  # the workbook they are made from: the page's own time
    files[TAKEN].write_bytes(form)
    for i, (case, (make, _)) in enumerate(cases.items()):
        files[case] = uploads / f"return-{i}.xlsx"
        files[case].write_bytes(make(form))

    issuer, provider = dev_signin.serve(0)
    (workdir / "access.toml").write_text(_access(issuer), encoding="utf-8")
    from ui.health import free_port

    port = free_port()
    secrets_file = workdir / "secrets.toml"
    secrets_file.write_text(dev_signin.secrets_toml(issuer, port), encoding="utf-8")
    server = Server(
        ["-m", "streamlit", "run", "app.py", "--secrets.files", str(secrets_file)],
        tree,
        env,
        workdir / "server.log",
        port=port,
    )
    rows, notes = [], []
    try:
        timer = PageTimer(server.base)
        timer.start()
        while len(timer.runs) < 2:  # warm: the first run fills the caches
            time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/]).*"), lambda route: route.abort())
            page = context.new_page()
            browser_sign_in(page, server.base, issuer, "herts.office@example.org")
            for case, path in files.items():
                page.goto(f"{server.base}/your-return")
                page.wait_for_selector(IDLE, timeout=120_000)
                start_runs = len(timer.runs)
                while len(timer.runs) < start_runs + BASELINE_RUNS:
                    time.sleep(0.1)
                quiet = [took for _, took in timer.runs[-BASELINE_RUNS:]]
                page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(path))
                page.wait_for_selector(IDLE, timeout=120_000)
                button = page.get_by_role("button", name=re.compile("Submit this file for review"))
                sampler = Sampler(server.proc.pid)
                before_rss = _rss(server.proc.pid)
                sampler.start()
                clicked = time.monotonic()
                button.click()
                page.wait_for_selector(
                    '[data-testid="stAlertContentError"], [data-testid="stAlertContentSuccess"]', timeout=600_000
                )
                answered = time.monotonic()
                sampler.stop_at.set()
                sampler.join()
                said = page.locator('[data-testid="stMain"]').inner_text()
                outcome = (
                    "refused"
                    if "nothing was submitted" in said or "Refused" in said
                    else ("accepted for review" if "Submitted for review" in said else "?")
                )
                during = timer.between(clicked, answered)
                rows.append(
                    [
                        case,
                        outcome,
                        secs(answered - clicked),
                        f"{max(sampler.server_peak - before_rss, 0) / 2**20:.0f}",
                        f"{sampler.worker_peak / 2**20:.0f}" if sampler.worker_peak else "none",
                        secs(median(quiet)),
                        secs(median(during)) if during else "(none finished)",
                        secs(max(during)) if during else "n/a",
                        len(during),
                    ]
                )
                print(" | ".join(str(c) for c in rows[-1]), flush=True)
            browser.close()
        timer.stop_at.set()
        timer.join(timeout=60)
        all_quiet = [took for _, took in timer.runs]
        notes.append(
            f"The other session's force profile over the whole run: median {secs(median(all_quiet))} s, "
            f"p95 {secs(percentile(all_quiet, 95))} s ({len(all_quiet)} runs)."
        )
    finally:
        server.stop()
        provider.shutdown()
    if tree == REPO_ROOT:
        rows_here = refusals_here(env, round_id, {case: path.read_bytes() for case, path in files.items()})
        notes.append(
            "Where the time goes: the server's own call for each upload, timed in the bench's process "
            "(the checks of the parts alone, then the whole submission):\n\n"
            + table(["workbook", "checks of the parts (ms)", "submission (s)", "worker peak (MB)"], rows_here)
        )
    headers = [
        "workbook",
        "outcome",
        "refused in (s, click to answer)",
        "server memory growth (MB)",
        "worker peak (MB)",
        "other page, before (median s)",
        "other page, during (median s)",
        "during (max s)",
        "runs during",
    ]
    return table(headers, rows), notes


def refusals_here(env: dict, round_id: str, uploads: dict[str, bytes]) -> list[list[object]]:
    """Each upload's checks and its whole submission, timed in this process against the bench's server state."""
    from core import paths
    from intake import isolated, xlsx_checks
    from workflow import database, submitting
    from workflow.access import OFFICE, Actor

    os.environ["STALKING_FORM_KEY"] = env["STALKING_FORM_KEY"]
    paths.DATABASE = Path(env["STALKING_BUILD_DIR"]) / "stalking.duckdb"
    paths.WORKFLOW_URL = env["STALKING_WORKFLOW_URL"]
    office = Actor("herts.office@example.org", OFFICE, HERTS, subject="herts")
    rows = []
    for case, raw in uploads.items():
        started = time.perf_counter()
        xlsx_checks.inspect(raw, "return.xlsx")
        checked = time.perf_counter() - started
        isolated.last_peak_bytes = 0
        started = time.perf_counter()
        try:
            submitting.submit(office, round_id, HERTS, file_bytes=raw, file_name="return.xlsx")
            outcome = "taken"
        except Exception as err:  # noqa: BLE001 - InputError or Refused: refused, either way
            outcome = f"refused ({type(err).__name__})"
        took = time.perf_counter() - started
        peak = isolated.last_peak_bytes
        rows.append(
            [case, f"{checked * 1000:.0f}", f"{secs(took)} {outcome}", f"{peak / 2**20:.0f}" if peak else "none"]
        )
    # The worker's limits alone: the parser is given what the checks would have refused.
    from tests.hostile_workbooks import hyperlinked_range, merged_cells

    form = uploads[TAKEN]
    checks, xlsx_checks.inspect = xlsx_checks.inspect, lambda raw, name: []
    try:
        for case, make in (
            ("a merge over the whole sheet", merged_cells),
            ("a hyperlink over a million rows", hyperlinked_range),
        ):
            isolated.last_peak_bytes = 0
            started = time.perf_counter()
            try:
                submitting.submit(office, round_id, HERTS, file_bytes=make(form), file_name="return.xlsx")
                outcome = "taken"
            except Exception as err:  # noqa: BLE001
                outcome = "refused: " + str(err).split(": ", 1)[-1][:60]
            took = time.perf_counter() - started
            rows.append(
                [
                    f"{case}, without the checks",
                    "skipped",
                    f"{secs(took)} {outcome}",
                    f"{isolated.last_peak_bytes / 2**20:.0f}",
                ]
            )
    finally:
        xlsx_checks.inspect = checks
    database.dispose_all()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the issue's four workbooks only")
    parser.add_argument("--tree", type=Path, default=REPO_ROOT, help="the checkout whose server is measured")
    parser.add_argument("--out", type=Path, help="also write the table to this markdown file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="stalking-bench-hostile-") as tmp:
        rows, notes = measure(args.tree.resolve(), Path(tmp), quick=args.quick)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=args.tree, capture_output=True, text=True)
    heading = (
        f"### Hostile uploads ({args.tree if args.tree != REPO_ROOT else 'this checkout'}"
        f"{' at ' + commit.stdout.strip() if commit.returncode == 0 else ''}; load average {load_average()}; "
        f"{clock.today()})"
    )
    text = "\n".join([heading, "", rows, "", *[n if n.startswith("Where") else f"- {n}" for n in notes]]) + "\n"
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("a", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
