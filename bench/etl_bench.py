"""ETL: build time for the real data and for synthetic datasets 10x, 100x and 1000x its size.

The synthetic datasets are made here: the curated files (data/curated/*.csv)
repeated with new ids for the same forces, the same quotes, sections and
sources, so every row is valid against the schema; the reference files are
copied unchanged. Copies of a fact get a valid_from date earlier than any the
force has for that attribute (one date per copy), so the one-status-per-date
rule holds and the positions as at the source date are the real ones.
Each dataset is then built by the same pipeline, `etl.pipeline.build`.

    python bench/etl_bench.py [--quick]
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Section, load_average, median, secs, table  # noqa: E402

SCALES = (10, 100, 1000)
QUICK_SCALES = (10, 100)
CURATED = ("curated/facts.csv", "curated/funding_streams.csv", "curated/timeline.csv")
ID_COLUMN = {
    "curated/facts.csv": "fact_id",
    "curated/funding_streams.csv": "stream_id",
    "curated/timeline.csv": "event_id",
}
# Large enough for the 1000x files (facts.csv is about 110 MB there).
MAX_FILE_BYTES = 2_000_000_000


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def make_dataset(scale: int, target: Path, source: Path | None = None) -> int:
    """Write a data directory `scale` times the size of `source` (default data/) into target.

    Returns the number of curated rows written.
    """
    from core import paths
    from etl import pipeline, validate

    source = Path(source or paths.DATA_DIR)
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("build", "returns", "templates", "curated", "*.md"))
    (target / "curated").mkdir()

    tables = pipeline.read_inputs(source)
    ref, _ = validate.build_reference(tables)
    published = {sid: dt.date.fromisoformat(r["published"]) for sid, r in ref.sources.items()}

    # Facts: each copy of a row takes the next free date before the earliest the force
    # has for that (dimension, attribute, source), so no two rows share a date.
    _, fact_rows = _read(source / "curated/facts.csv")
    cursor: dict[tuple[str, str, str, str], dt.date] = {}
    for r in fact_rows:
        key = (ref.forces.resolve(r["force"]) or r["force"], r["dimension"], r["attribute"], r["source_id"])
        own = dt.date.fromisoformat(r["valid_from"]) if r["valid_from"] else published[r["source_id"]]
        cursor[key] = min(cursor.get(key, own), own)

    written = 0
    for name in CURATED:
        columns, rows = _read(source / name)
        id_col = ID_COLUMN[name]
        with open(target / name, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            for k in range(1, scale):
                for r in rows:
                    row = dict(r)
                    row[id_col] = f"{r[id_col]}-x{k}"
                    if name == "curated/facts.csv":
                        key = (
                            ref.forces.resolve(r["force"]) or r["force"],
                            r["dimension"],
                            r["attribute"],
                            r["source_id"],
                        )
                        cursor[key] -= dt.timedelta(days=1)
                        row["valid_from"] = cursor[key].isoformat()
                    writer.writerow(row)
            written += len(rows) * scale
    return written


def time_build(data_dir: Path, build_dir: Path) -> tuple[float, dict[str, int]]:
    from etl import pipeline

    target = build_dir / "stalking.duckdb"
    for old in build_dir.glob("*.duckdb*"):
        old.unlink()
    started = time.perf_counter()
    result = pipeline.build(data_dir, target, max_file_bytes=MAX_FILE_BYTES)
    return time.perf_counter() - started, result.row_counts


def curated_rows(data_dir: Path) -> int:
    return sum(len(_read(data_dir / name)[1]) for name in CURATED)


def run(workdir: Path, quick: bool = False, profile: Path | None = None) -> Section:
    from core import paths

    workdir.mkdir(parents=True, exist_ok=True)
    rows_out = []
    real_rows = curated_rows(paths.DATA_DIR)
    repeats = 3 if quick else 5
    times = []
    for _ in range(repeats):
        seconds, counts = time_build(paths.DATA_DIR, workdir / "build-real")
        times.append(seconds)
    results = [(1, real_rows, median(times), load_average(), counts)]

    for scale in QUICK_SCALES if quick else SCALES:
        data_dir = workdir / f"data-{scale}x"
        started = time.perf_counter()
        n = make_dataset(scale, data_dir)
        made = time.perf_counter() - started
        if profile is not None and scale == max(QUICK_SCALES if quick else SCALES):
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.005)
            profiler.start()
            seconds, counts = time_build(data_dir, workdir / f"build-{scale}x")
            profiler.stop()
            profile.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
        else:
            seconds, counts = time_build(data_dir, workdir / f"build-{scale}x")
        results.append((scale, n, seconds, load_average(), counts))
        rows_out.append(f"{scale}x generated in {made:.1f} s")
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(workdir / f"build-{scale}x", ignore_errors=True)

    base_time = results[0][2]
    table_rows = []
    prev = None
    for scale, n, seconds, load, counts in results:
        growth = ""
        if prev is not None:
            # Exponent b in time ~ rows^b between this size and the previous one: 1 is linear.
            growth = f"{math.log(seconds / prev[1]) / math.log(n / prev[0]):.2f}"
        label = "real data" if scale == 1 else f"synthetic {scale}x"
        table_rows.append(
            [
                label,
                f"{n:,}",
                f"{counts['facts']:,}",
                secs(seconds),
                f"{n / seconds:,.0f}",
                f"{seconds / base_time:.1f}x",
                growth,
                load,
            ]
        )
        prev = (n, seconds)
    largest = results[-1]
    exponent = (
        math.log(largest[2] / results[1][2]) / math.log(largest[1] / results[1][1])
        if len(results) > 2
        else float("nan")
    )
    section = Section(
        "ETL build",
        table(
            [
                "dataset",
                "curated rows",
                "facts loaded",
                "build s",
                "rows/s",
                "time vs real",
                "growth exponent",
                "load avg (1 5 15)",
            ],
            table_rows,
        ),
        notes=[
            f"Real data: median of {repeats} builds. Growth exponent b: build time ~ rows^b between a row and the one above (1 = linear).",
            f"Growth {results[1][0]}x to {largest[0]}x: b = {exponent:.2f}.",
            *rows_out,
        ],
    )
    if not quick:
        section.targets.append(("ETL of the 1000x dataset under 10 s", largest[2] < 10, f"{largest[2]:.1f} s"))
        section.targets.append(
            ("ETL grows no worse than linearly (b <= 1.1, 10x to 1000x)", exponent <= 1.1, f"b = {exponent:.2f}")
        )
    return section


if __name__ == "__main__":
    import tempfile

    quick = "--quick" in sys.argv
    with tempfile.TemporaryDirectory(prefix="stalking-bench-etl-") as tmp:
        print(run(Path(tmp), quick=quick).markdown())
