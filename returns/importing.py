"""Importing a return: check it, show what it changes, store it and rebuild the database, as one unit.

Nothing is written until every check has passed: not the lock file, not the
stored return. The checks run again under the writer lock, against the returns
accepted while this one waited, and `on_preview` sees that final comparison.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from core import paths, queries
from core.problems import display_path
from etl import pipeline
from etl.read import Table
from etl.schema import STREAM_FIELDS
from etl.validate import Ledger
from returns import storing
from returns.checking import check_upload
from returns.comparing import Preview, compare


@dataclass
class ImportResult:
    preview: Preview
    stored: Path | None = None  # the file as submitted, where it is stored; None for a dry run
    build: pipeline.BuildResult | None = None


def current_position(database: Path, pfa_code: str, as_at: dt.date) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The force's facts and funded services in the database as at a date; None without a database."""
    db = queries.Database(database)
    try:
        return queries.facts(as_at, pfa_code, db=db), queries.funding_streams(as_at, pfa_code=pfa_code, db=db)
    except queries.DatabaseMissing:
        return None


def preview_return(
    raw: bytes,
    file_name: str,
    *,
    data_dir: Path = paths.DATA_DIR,
    database: Path | None = None,
    today: dt.date | None = None,
    name: str | None = None,
) -> tuple[Preview, Table, Ledger]:
    """Check a return and compare it with the current position. Writes nothing; raises InputError."""
    database = database or paths.DATABASE
    ret, table, ledger = check_upload(raw, file_name, data_dir=data_dir, today=today, name=name)
    position = current_position(database, ret.pfa_code, ret.as_at)
    notes = []
    if position is None:
        notes.append(f"No database at {display_path(database)} yet: every value is shown as new.")
        position = (
            pd.DataFrame(columns=["dimension", "attribute", "value"]),
            pd.DataFrame(columns=["stream_id", *STREAM_FIELDS]),
        )
    else:
        later = queries.editions(db=queries.Database(database))
        later = later[
            (later["as_at"].dt.date > ret.as_at) & ((later["pfa_code"] == ret.pfa_code) | (later["kind"] == "source"))
        ]
        if len(later):
            notes.append(
                f"Editions dated after {ret.as_at} ({', '.join(later['edition_id'])}) still take precedence from their own dates."
            )
    untouched = sorted(set(position[0]["dimension"]) - set(ret.dimensions))
    if untouched:
        notes.append("Dimensions this return leaves out keep their current facts: " + ", ".join(untouched) + ".")
    if not ret.streams:
        notes.append("The return has no funding rows: the force's funded services are unchanged.")
    return Preview(ret, compare(ret, *position), notes), table, ledger


def import_return(
    raw: bytes,
    file_name: str,
    *,
    data_dir: Path = paths.DATA_DIR,
    database: Path | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
    name: str | None = None,
    on_preview: Callable[[Preview], None] | None = None,
    lock_timeout: float = 300,
    entered_by: str | None = None,
) -> ImportResult:
    """Check a return, show what it changes (on_preview), then store it and rebuild the database."""
    database = database or paths.DATABASE
    args = dict(data_dir=data_dir, database=database, today=today, name=name)
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
        submitted_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        if ledger.latest_submitted_at and submitted_at <= ledger.latest_submitted_at:
            submitted_at = ledger.latest_submitted_at + dt.timedelta(microseconds=1)  # keep the order of acceptance
        stored = storing.store_or_refuse(raw, table, preview.ret, folder, submitted_at, entered_by=entered_by)
        try:
            result = pipeline.build_locked(data_dir, database, note=f"import-return {stored.submitted.name}")
        except BaseException:
            storing.undo(folder, stored)
            raise
        storing.finish(folder)
    preview.ret.path, preview.ret.submitted_at = stored.submitted, submitted_at
    return ImportResult(preview, stored.submitted, result)
