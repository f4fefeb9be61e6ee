"""Importing a return: check it, show what it changes, store it and rebuild the database, as one unit.

Nothing is written until every check has passed: not the lock file, not the
stored return (the one write that may come first is finishing what a killed writer
left, when its journal is there). The checks run again under the writer lock,
against the returns accepted while this one waited, and `on_preview` sees that final
comparison.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core import paths
from etl import pipeline
from etl.read import Table
from etl.validate import Ledger
from intake import comparing, storing
from intake.checking import check, submission_time
from intake.comparing import Preview


@dataclass
class ImportResult:
    preview: Preview
    stored: Path | None = None  # the file as submitted, where it is stored; None for a dry run
    build: pipeline.BuildResult | None = None


def preview_return(
    raw: bytes,
    file_name: str,
    *,
    data_dir: Path | None = None,
    today: dt.date | None = None,
    name: str | None = None,
    table: Table | None = None,
) -> tuple[Preview, Table, Ledger]:
    """Check a return and work out what it changes, by the build's own rules (intake.comparing).
    Writes nothing; raises InputError."""
    checked = check(raw, file_name, data_dir=data_dir, today=today, name=name, table=table)
    return comparing.preview(checked), checked.table, checked.ledger


def import_return(
    raw: bytes,
    file_name: str,
    *,
    data_dir: Path | None = None,
    database: Path | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
    name: str | None = None,
    on_preview: Callable[[Preview], None] | None = None,
    lock_timeout: float = 300,
    entered_by: str | None = None,
    table: Table | None = None,
    round_id: str | None = None,
) -> ImportResult:
    """Check a return, show what it changes (on_preview), then store it and rebuild the database.

    `table`: the rows, when they come from a form rather than from reading the file;
    `entered_by`, `round_id`: recorded with the return (an admin entering it on the office's
    behalf; the round it answers)."""
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA_DIR
    database = database or paths.DATABASE
    args = dict(data_dir=data_dir, today=today, name=name, table=table)
    if not dry_run and pipeline.unfinished(data_dir):
        # A writer was killed before it finished: finish its work first, so a return it
        # accepted is in the database even if this one (the same file again, say) is refused.
        with pipeline.writer_lock(data_dir, lock_timeout, database=database):
            pipeline.catch_up(data_dir, database)
    preview, _, _ = preview_return(raw, file_name, **args)
    if dry_run:
        if on_preview:
            on_preview(preview)
        return ImportResult(preview)
    with pipeline.writer_lock(data_dir, lock_timeout, database=database) as folder:
        # A writer stopped after accepting a return but before rebuilding: catch up first.
        pipeline.catch_up(data_dir, database)
        preview, table, ledger = preview_return(raw, file_name, **args)
        if on_preview:
            on_preview(preview)
        submitted_at = submission_time(ledger)  # after every return accepted before it
        stored = storing.store_or_refuse(
            raw, table, preview.ret, folder, submitted_at, entered_by=entered_by, round_id=round_id
        )
        try:
            result = pipeline.build_locked(data_dir, database, note=f"import-return {stored.submitted.name}")
        except BaseException:
            storing.undo(folder, stored)
            raise
        storing.finish(folder)
    preview.ret.path, preview.ret.submitted_at = stored.submitted, submitted_at
    return ImportResult(preview, stored.submitted, result)
