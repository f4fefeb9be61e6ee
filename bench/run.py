"""Run the benchmarks and write their markdown tables to bench/results.md.

    python bench/run.py                     # etl, server, browser, payload, load (make bench), under ten minutes
    python bench/run.py --quick             # a fast smoke run, written to bench/out/results-quick.md
    python bench/run.py --only etl,server   # some of: etl, demand, server, browser, payload, load, capacity
                                            # (load: N = 1-20 websocket sessions clicking every 0.5-2 s)
    python bench/run.py --only capacity     # active sessions per process and with replicas (about 15 min),
                                            # written to bench/capacity.md
    python bench/run.py --only returns      # a round of 43: submit, accept, the workbooks, the report
                                            # (about 5 min); its section of bench/results.md is replaced
    python bench/run.py --profile           # also write pyinstrument profiles to bench/out/

The database is built from data/ into a temporary folder (STALKING_BUILD_DIR),
with the shared simplified boundaries imported when ../shared/geo has them;
data/build is never touched. Every server and browser started is stopped.
Timings depend on the machine and on whatever else runs on it: each table
notes the load average when it was measured.

The returns round takes longer than make bench's ten minutes allow beside the rest, so it
runs on its own (`--only returns`) and replaces only its own section of bench/results.md;
a run of the others keeps that section, and the before-and-after record of issue 24, as
they were (KEPT).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

MODULES = ("etl", "demand", "server", "browser", "payload", "load", "capacity", "returns")
# make bench: everything but the capacity steps and the returns round, which take longer than its ten minutes.
DEFAULT = ("etl", "demand", "server", "browser", "payload", "load")
# Sections of bench/results.md kept when a run does not measure them: the returns round's, and the
# record of its before and after, written by hand (run.py never writes it).
KEPT = ("Returns: a round of 43", "Returns: before and after (issue 24)")


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return out.stdout.strip() + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs and sizes: a smoke run, not a measurement")
    parser.add_argument(
        "--only",
        default=",".join(DEFAULT),
        help=f"comma-separated, of: {', '.join(MODULES)} (default: all but capacity)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="markdown file to write (default bench/results.md; --quick: bench/out/results-quick.md)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="write pyinstrument profiles (ETL 1000x, server filter changes) to bench/out/",
    )
    args = parser.parse_args(argv)
    only = [m.strip() for m in args.only.split(",") if m.strip()]
    unknown = sorted(set(only) - set(MODULES))
    if unknown:
        parser.error(f"unknown module(s) {', '.join(unknown)}; expected some of {', '.join(MODULES)}")
    name = "capacity" if only == ["capacity"] else "results"
    out = args.out or (REPO_ROOT / "bench" / (f"out/{name}-quick.md" if args.quick else f"{name}.md"))
    profile_dir = REPO_ROOT / "bench" / "out" if args.profile else None

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="stalking-bench-") as tmp:
        workdir = Path(tmp)
        build_dir = workdir / "build"
        os.environ["STALKING_BUILD_DIR"] = str(build_dir)  # read when asked (core/settings.py); servers inherit it

        import logging

        logging.getLogger("streamlit").setLevel(logging.ERROR)
        import streamlit

        from bench.common import Server, build_database, load_average, table

        header = [
            "# Benchmarks",
            "",
            f"- Run: {dt.datetime.now():%Y-%m-%d %H:%M}, commit {_git_commit()}, `python bench/run.py"
            + (" --quick" if args.quick else "")
            + (f" --only {args.only}" if args.only != ",".join(DEFAULT) else "")
            + "`",
            f"- Machine: {os.cpu_count()} cores ({_cpu()}), Python {platform.python_version()}, "
            f"Streamlit {streamlit.__version__}",
            f"- Load average (1 5 15 min) at the start: {load_average()} (other work may share the machine)",
        ]
        print("\n".join(header), flush=True)
        sections = []

        def measure(run, *args, **kwargs) -> None:
            """Run one benchmark, note how long it took (make bench must stay under ten minutes), print it."""
            began = time.perf_counter()
            section = run(*args, **kwargs)
            section.notes.append(f"This benchmark took {time.perf_counter() - began:.0f} s.")
            sections.append(section)
            print(section.markdown(), flush=True)

        if "etl" in only:
            from bench import etl_bench

            measure(
                etl_bench.run,
                workdir / "etl",
                quick=args.quick,
                profile=(profile_dir / "etl-profile.txt") if profile_dir else None,
            )
        if "demand" in only:
            from bench import demand_bench

            measure(demand_bench.run, workdir / "demand", quick=args.quick)
        if {"server", "browser", "payload", "load", "capacity"} & set(only):
            build_database(build_dir)
        if "server" in only:
            from bench import server_bench

            measure(server_bench.run, workdir, quick=args.quick, profile_dir=profile_dir)
        server = None
        try:
            if {"browser", "payload", "load"} & set(only):
                server = Server.dashboard(build_dir, workdir / "dashboard.log")
            if "browser" in only:
                from bench import browser_bench

                measure(browser_bench.run, workdir, quick=args.quick, server=server)
            if "payload" in only:
                from bench import payload

                measure(payload.run, workdir, server=server)
            if "load" in only:
                from bench import server_load

                measure(server_load.run, workdir, quick=args.quick, server=server)
            peak = server.peak_rss_mb() if server else None
        finally:
            if server is not None:
                server.stop()
        if "capacity" in only:  # its own servers, pinned to cores
            from bench import capacity

            measure(capacity.run, workdir, quick=args.quick, build_dir=build_dir)
        if "returns" in only:  # its own copy of data/ and workflow database
            from bench import returns_bench

            measure(returns_bench.run, workdir / "returns", quick=args.quick)

    targets = [t for s in sections for t in s.targets]
    summary = []
    if targets:
        summary = [
            "## Targets",
            "",
            table(
                ["target", "met", "measured"],
                [
                    [t, "measured" if met is None else "yes" if met else "**no**", measured]
                    for t, met, measured in targets
                ],
            ),
            "",
        ]
    footer = [f"- Load average at the end: {load_average()}; total time {time.perf_counter() - started:.0f} s."]
    if peak is not None:
        footer.insert(
            0, f"- Dashboard server peak memory over the browser, payload and load runs: {peak:.0f} MB (VmHWM)."
        )
    text = (
        "\n".join(header)
        + "\n\n"
        + "\n".join(summary)
        + "\n## Results\n\n"
        + "\n".join(s.markdown() for s in sections)
        + "\n"
        + "\n".join(footer)
        + "\n"
    )
    if out == REPO_ROOT / "bench" / "results.md" and out.exists():
        old = out.read_text(encoding="utf-8")
        if set(only) <= {"returns"}:  # only its own section (and its targets) replaced
            text = merge(old, sections, targets, header[2])
        else:
            text = merge(text, kept_sections(old, {s.title for s in sections}), kept_targets(old), None)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print("\n".join(summary + footer))
    print(f"Written to {out.relative_to(REPO_ROOT) if out.is_relative_to(REPO_ROOT) else out}")
    return 0


# ---------------------------------------------------------------- keeping sections of results.md


class Kept:
    """A section of an earlier results.md, kept as it was written."""

    def __init__(self, title: str, text: str):
        self.title, self.text = title, text

    def markdown(self) -> str:
        return self.text


def _split(text: str) -> tuple[str, list[Kept], str]:
    """results.md as (what comes before the first section, its sections, the footer after them)."""
    head, _, rest = text.partition("\n### ")
    sections = [Kept(p.splitlines()[0].strip(), "### " + p) for p in ("\n### " + rest).split("\n### ")[1:]]
    footer = ""
    if sections:  # the footer: the lines after the last section's blank line that are not its notes
        last = sections[-1]
        body, sep, tail = last.text.rstrip("\n").rpartition("\n\n")
        if sep and tail.startswith(("- Load average at the end", "- Dashboard server peak memory over")):
            last.text, footer = body + "\n", tail + "\n"
    return head, sections, footer


def _targets(text: str) -> dict[str, list[str]]:
    """The rows of results.md's Targets table, by target."""
    block = text.partition("## Targets")[2].partition("## Results")[0]
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in block.splitlines() if "|" in line]
    return {r[0]: r for r in rows[2:] if len(r) == 3}


def kept_sections(text: str, measured: set[str]) -> list[Kept]:
    """The KEPT sections of an earlier results.md that this run did not measure."""
    return [s for s in _split(text)[1] if s.title in KEPT and s.title not in measured]


def kept_targets(text: str) -> list[list[str]]:
    """The Targets rows of an earlier results.md that belong to the KEPT sections (the returns round's)."""
    return [row for target, row in _targets(text).items() if target.startswith("Returns:")]


def merge(text: str, sections, targets, updated: str | None) -> str:
    """`text` (a results.md) with `sections` in place of those of the same title (or added after the
    others), and `targets` ((target, met, measured) of this run, or rows kept) in its Targets table."""
    from bench.common import table

    head, old, footer = _split(text)
    new = {s.title: s.markdown() for s in sections}
    body = [new.pop(s.title, s.text) for s in old] + list(new.values())
    rows = _targets(text)
    for target, met, measured in targets:
        if not isinstance(met, str):
            met = "measured" if met is None else "yes" if met else "**no**"
        rows[target] = [target, met, measured]
    intro = head.partition("## Targets")[0].rstrip("\n") + "\n"
    if updated:  # one line per kind of partial run: the latest
        command = updated.partition(", `")[2]
        intro = "".join(
            line for line in intro.splitlines(True) if not (line.startswith("- Updated:") and command in line)
        )
        intro += updated.replace("- Run:", "- Updated:", 1) + ": its sections and targets only\n"
    return (
        intro
        + "\n## Targets\n\n"
        + table(["target", "met", "measured"], list(rows.values()))
        + "\n\n## Results\n\n"
        + "\n".join(b.rstrip("\n") + "\n" for b in body)
        + "\n"
        + footer
    )


if __name__ == "__main__":
    sys.exit(main())
