"""Importing a return: check it, store it and rebuild the database, as one unit, holding the writer lock.

Two ways in. `publish` is the round's accept: the return was checked in full when it was
submitted, so it reads what it is checked against once, under the writer lock (the
returns accepted while it waited count), stores the return and builds the database from
that same reading: one read, one check, one build. `import_return` is a return sent on
its own (`python -m returns import FILE`): it is checked before anything is written (not
the lock file, not the stored return; the one write that may come first is finishing what
a killed writer left, when its journal is there), then again under the lock, and shows
what it changes (intake.comparing) before it is stored.

Either way the return and its record are written by etl.stored_returns, the owner of the
stored format, and the build is etl.pipeline's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import paths
from etl import pipeline, stored_returns
from etl.read import Table
from intake import comparing
from intake.checking import AlreadyImported, Checked, accepted, check, submission_time
from intake.comparing import Preview

__all__ = ["AlreadyImported", "ImportResult", "Published", "import_return", "preview_return", "publish"]


@dataclass
class ImportResult:
    preview: Preview
    stored: Path | None = None  # the file as submitted, where it is stored; None for a dry run
    build: pipeline.BuildResult | None = None


@dataclass(frozen=True)
class Published:
    """A return stored and built into the published database."""

    stored: Path
    build: pipeline.BuildResult


def preview_return(
    raw: bytes,
    file_name: str,
    *,
    data_dir: Path | None = None,
    today: dt.date | None = None,
    name: str | None = None,
    table: Table | None = None,
) -> tuple[Preview, Table, Checked]:
    """Check a return and work out what it changes, by the build's own rules (intake.comparing).
    Writes nothing; raises InputError."""
    checked = check(raw, file_name, data_dir=data_dir, today=today, name=name, table=table)
    return comparing.preview(checked), checked.table, checked


def _store_and_build(
    checked: Checked,
    raw: bytes,
    data_dir: Path,
    database: Path,
    folder: Path,
    *,
    entered_by: str | None = None,
    round_id: str | None = None,
    received: dict[str, str] | None = None,
) -> Published:
    """Holding the writer lock: store a checked return, then build the database once, from the
    inputs and accepted returns it was checked against and the return itself."""
    ret = checked.ret
    submitted_at = submission_time(checked.ledger)  # after every return accepted before it
    stored = stored_returns.write_or_refuse(
        folder,
        raw,
        checked.table,
        suffix=ret.suffix,
        pfa_code=ret.pfa_code,
        as_at=ret.as_at,
        submitted_by=ret.submitted_by,
        submitted_at=submitted_at,
        entered_by=entered_by,
        round_id=round_id,
        received=received,
    )
    ret.path, ret.submitted_at, ret.suffix = stored.submitted, submitted_at, stored.submitted.suffix
    ret.entered_by, ret.round_id = entered_by, round_id
    try:
        result = pipeline.build_locked(
            data_dir,
            database,
            note=f"import-return {stored.submitted.name}",
            inputs=(checked.tables, checked.ref, [*checked.accepted, ret]),
        )
    except BaseException:
        stored_returns.undo(folder, stored)
        raise
    stored_returns.finish(folder)
    return Published(stored.submitted, result)


def publish(
    raw: bytes,
    table: Table,
    *,
    data_dir: Path | None = None,
    database: Path | None = None,
    today: dt.date | None = None,
    lock_timeout: float = 300,
    entered_by: str | None = None,
    round_id: str | None = None,
    received: dict[str, str] | None = None,
) -> Published:
    """Store a return that was checked when it came in (`table`: its rows as checked) and build the
    published database, holding the writer lock: what it is checked against is read once, and the
    database built once. Raises InputError (AlreadyImported when the same file was accepted before,
    after bringing the database up to date, so an accept that stopped half way can be finished).

    `received`: the file the return came in, when the bytes stored are its rows instead (a round
    workbook): its name and sha256, kept in the record."""
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA_DIR
    database = database or paths.DATABASE
    with pipeline.writer_lock(data_dir, lock_timeout, database=database) as folder:
        pipeline.catch_up(data_dir, database)
        checked = check(raw, table.name, today=today, table=table, against=accepted(data_dir))
        return _store_and_build(
            checked,
            raw,
            data_dir,
            database,
            folder,
            entered_by=entered_by,
            round_id=round_id,
            received=received,
        )


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
    args: dict[str, Any] = dict(data_dir=data_dir, today=today, name=name, table=table)
    if dry_run:
        preview, _, _ = preview_return(raw, file_name, **args)
        if on_preview:
            on_preview(preview)
        return ImportResult(preview)
    if pipeline.unfinished(data_dir):
        # A writer was killed before it finished: finish its work first, so a return it
        # accepted is in the database even if this one (the same file again, say) is refused.
        with pipeline.writer_lock(data_dir, lock_timeout, database=database):
            pipeline.catch_up(data_dir, database)
    check(raw, file_name, **args)  # every check before anything is written, the lock file included
    with pipeline.writer_lock(data_dir, lock_timeout, database=database) as folder:
        # A writer stopped after accepting a return but before rebuilding: catch up first.
        pipeline.catch_up(data_dir, database)
        preview, _, checked = preview_return(raw, file_name, **args)  # again: returns accepted meanwhile count
        if on_preview:
            on_preview(preview)
        published = _store_and_build(checked, raw, data_dir, database, folder, entered_by=entered_by, round_id=round_id)
    return ImportResult(preview, published.stored, published.build)
