"""The demand import (python -m demand import) of a full-size police force area table.

The Home Office's file holds every force area, British Transport Police and the fraud bodies,
every quarter since April 2013 and about 130 offences: about 200,000 rows. A file of that shape
is generated here in the official layout (tests/demand_files.py: ODS with a cover and notes, one
sheet per year; and the same as XLSX and CSV), and the import is timed: reading and checking,
storing, and the build that follows. The target: the ODS import in under 10 s.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

from bench.common import Section, load_average, median, secs, table

YEARS = range(2013, 2026)  # 2013/14 to 2025/26: 52 quarters
OTHER_OFFENCES = 83  # besides stalking and harassment: 85 offences per force and quarter
TARGET_S = 10.0


def run(workdir: Path, quick: bool = False) -> Section:
    from core import paths
    from demand import store
    from etl import pipeline
    from tests import demand_files as files

    workdir.mkdir(parents=True, exist_ok=True)
    database = workdir / "build" / "stalking.duckdb"
    pipeline.build(paths.DATA_DIR, database)
    years = range(2022, 2026) if quick else YEARS
    started = time.perf_counter()
    sheets = files.with_cover(files.crime_sheets(years, others=OTHER_OFFENCES))
    rows = sum(len(s) - 1 for name, s in sheets.items() if name[:1].isdigit())
    stem = "prc-pfa-mar2013-onwards-tables-240725"
    made = {
        "ODS": files.write_ods(workdir / f"{stem}.ods", sheets),
        "XLSX": files.write_xlsx(workdir / "xlsx" / f"{stem}.xlsx", sheets) if not quick else None,
        "CSV": files.crime_csv(workdir / "csv" / f"{stem}.csv", {k: v for k, v in sheets.items() if k[:1].isdigit()}),
    }
    generated = time.perf_counter() - started
    repeats = 1 if quick else 3
    out_rows = []
    ods_import = float("nan")
    for kind, path in made.items():
        if path is None:
            continue
        checks, imports, builds = [], [], []
        for _ in range(repeats):
            began = time.perf_counter()
            store.prepare([path], database=database)
            checks.append(time.perf_counter() - began)
            began = time.perf_counter()
            store.import_files([path], database=database)
            imports.append(time.perf_counter() - began)
            began = time.perf_counter()
            pipeline.build(paths.DATA_DIR, database)
            builds.append(time.perf_counter() - began)
        if kind == "ODS":
            ods_import = median(imports)
        out_rows.append(
            [
                kind,
                f"{rows:,}",
                f"{path.stat().st_size / 1e6:.1f}",
                secs(median(checks)),
                secs(median(imports)),
                secs(median(builds)),
                f"{rows / median(imports):,.0f}",
                load_average(),
            ]
        )
    stalking = len(files.CODES) * len(years) * 4
    section = Section(
        "Demand import: a full-size police force area table",
        table(
            [
                "format",
                "rows",
                "file MB",
                "read and check s",
                "import s (check + store)",
                "build after s",
                "rows/s",
                "load avg (1 5 15)",
            ],
            out_rows,
        ),
        notes=[
            f"Generated in the official layout: {len(years)} financial years ({years[0]}/{(years[0] + 1) % 100:02d} "
            f"to {years[-1]}/{(years[-1] + 1) % 100:02d}), 4 quarters, 43 force areas and British Transport Police "
            f"with {OTHER_OFFENCES + 2} offences each, the 3 fraud bodies; {stalking:,} stalking rows kept "
            f"(in {generated:.1f} s).",
            f"Median of {repeats} run(s). Import: `store.import_files` (read, check every kept row, resolve names, "
            "store the rows and the original file under the writer lock). Build after: `python -m etl build` "
            "with the store (every build reads it).",
            f"Run on {dt.date.today().isoformat()}.",
        ],
    )
    if not quick:
        section.targets.append(
            (
                f"Demand import of a full-size police force area table (ODS, {rows:,} rows) under {TARGET_S:.0f} s",
                ods_import < TARGET_S,
                f"{ods_import:.1f} s",
            )
        )
    shutil.rmtree(workdir, ignore_errors=True)
    return section
