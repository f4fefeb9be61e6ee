"""Stage 4: write the database, atomically, and record the run.

The database is built in a temporary file beside the target and renamed over
it only when complete, so a reader sees the old database or the new one, never
half of either. The previous database is kept as stalking.previous.duckdb.

The tables, views and macros are created from etl/sql/tables.sql and
etl/sql/views.sql: the public schema documented in data/DICTIONARY.md (a test
fails when one is not documented). The `rules` table holds the rules of
core.rules that the views read (the at-risk window).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from core import atomic, clock, rules

SQL_DIR = Path(__file__).with_name("sql")


@dataclass
class RunRecord:
    """What the run log keeps about one successful build."""

    started_at: dt.datetime
    data_dir: str
    files: list[tuple[str, str, int]] = field(default_factory=list)  # (file, sha256, rows)
    rejected_rows: int = 0
    note: str | None = None


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    # As an Arrow table DuckDB reads the string columns directly, about three
    # times faster than through pandas for the large tables.
    con.register("frame_to_load", pa.Table.from_pandas(frame, preserve_index=False))
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame_to_load")  # noqa: S608 - table names are constants
    con.unregister("frame_to_load")


def _count(con: duckdb.DuckDBPyConnection, name: str) -> int:
    return con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]  # noqa: S608 - names are constants


def _previous_runs(previous: Path) -> dict[str, pd.DataFrame]:
    """The run log of the database being replaced, so the history of runs survives rebuilds."""
    empty = {"etl_runs": pd.DataFrame(), "etl_run_files": pd.DataFrame(), "etl_run_tables": pd.DataFrame()}
    if not previous.exists():
        return empty
    try:
        with duckdb.connect(str(previous), read_only=True) as old:
            return {name: old.execute(f"SELECT * FROM {name}").df() for name in empty}  # noqa: S608 - constant names
    except duckdb.Error:
        return empty  # an unreadable old database is replaced, its log lost; the backup keeps it


def create(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> dict[str, int]:
    """The tables, the rows, the rules and the views, in an empty database; rows per table.

    The one definition of what a database holds: a build writes it to a file, a return's
    preview into memory (intake.comparing), so the preview reads positions by the same rules."""
    con.execute((SQL_DIR / "tables.sql").read_text(encoding="utf-8"))
    _insert(con, "rules", pd.DataFrame(rules.as_table(), columns=["name", "value", "meaning"]))
    for name, frame in frames.items():
        if name == "editions":
            frame = frame.copy()
            order = frame.sort_values(["as_at", "submitted_at", "edition_id"], na_position="first").index
            frame.loc[order, "edition_order"] = range(1, len(frame) + 1)
        _insert(con, name, frame)
    con.execute((SQL_DIR / "views.sql").read_text(encoding="utf-8"))
    counts = {name: _count(con, name) for name in sorted(frames)}
    counts["force_coverage"] = _count(con, "force_coverage")
    return counts


def in_memory(frames: dict[str, pd.DataFrame]) -> duckdb.DuckDBPyConnection:
    """The database of `frames` in memory: nothing is written anywhere."""
    con = duckdb.connect(":memory:")
    create(con, frames)
    return con


def write_database(frames: dict[str, pd.DataFrame], run: RunRecord, target: Path, backup: Path) -> dict[str, int]:
    """Build the database beside target, then swap it in (keeping the old one as `backup`). Rows per table."""
    atomic.remove_stale_temps(target.parent)
    history = _previous_runs(target)
    with atomic.staged(target, before_commit=lambda: atomic.link_backup(target, backup)) as tmp:
        con = duckdb.connect(str(tmp))
        try:
            counts = create(con, frames)

            for name, frame in history.items():
                if len(frame):
                    _insert(con, name, frame)
            run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM etl_runs").fetchall()[0][0]
            con.execute(
                "INSERT INTO etl_runs VALUES (?, ?, ?, ?, ?, ?)",
                [run_id, run.started_at, clock.local_now(), run.data_dir, run.rejected_rows, run.note],
            )
            con.executemany("INSERT INTO etl_run_files VALUES (?, ?, ?, ?)", [[run_id, *f] for f in run.files])
            con.executemany("INSERT INTO etl_run_tables VALUES (?, ?, ?)", [[run_id, t, n] for t, n in counts.items()])
            con.execute("CHECKPOINT")
        finally:
            con.close()
    return counts
