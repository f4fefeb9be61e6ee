"""Storing an accepted return: the file as submitted, and its record, under the journal.

The layout is described in etl.read ("Accepted returns"): `<stem>.csv|.xlsx`,
the submitted bytes, and `<stem>.json`, the record the build reads. Both are
read-only once written. A journal naming both is written first and removed
when the import is over, so a writer killed at any moment leaves something the
next writer can finish or undo (etl.pipeline.recover). Nothing is ever
overwritten or deleted, except the files of an import that did not finish.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from core import atomic
from core.problems import InputError, Problem, display_path
from etl.read import JOURNAL_FILE, RECORD_FORMAT, Table
from etl.validate import Return

READ_ONLY = 0o444


@dataclass(frozen=True)
class Stored:
    submitted: Path  # the file as submitted
    record: Path  # the record the build reads


def _dumps(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def store(
    raw: bytes,
    table: Table,
    ret: Return,
    folder: Path,
    submitted_at: dt.datetime,
    entered_by: str | None = None,
    round_id: str | None = None,
) -> Stored:
    """Write the submitted bytes and the return's record into `folder` (the writer lock must be held).

    The journal stays until `finish` (or `undo`) is called after the rebuild."""
    stem = ret.stored_stem(submitted_at)
    stored = Stored(folder / f"{stem}{ret.suffix}", folder / f"{stem}.json")
    atomic.write_atomic(
        folder / JOURNAL_FILE,
        _dumps({"files": [stored.submitted.name, stored.record.name], "record": stored.record.name}),
    )
    atomic.write_atomic(stored.submitted, raw, mode=READ_ONLY)
    record = {
        "format": RECORD_FORMAT,
        "submitted_file": stored.submitted.name,
        "sha256": ret.sha256,
        "pfa_code": ret.pfa_code,
        "submitted_at": submitted_at.isoformat(),
        "as_at": ret.as_at.isoformat(),
        "submitted_by": ret.submitted_by,
        "entered_by": entered_by,
        "round_id": round_id,
        "columns": list(table.columns),
        "rows": [[row.get(c, "") for c in table.columns] for row in table.rows],
        "lines": list(table.lines),
    }
    atomic.write_atomic(stored.record, _dumps(record), mode=READ_ONLY)  # last: now the return is accepted
    return stored


def store_or_refuse(
    raw: bytes,
    table: Table,
    ret: Return,
    folder: Path,
    submitted_at: dt.datetime,
    entered_by: str | None = None,
    round_id: str | None = None,
) -> Stored:
    """`store`, or, when the folder cannot take the files (read-only, full), an InputError naming
    the folder, with whatever was written removed again: nothing is accepted half."""
    try:
        return store(raw, table, ret, folder, submitted_at, entered_by=entered_by, round_id=round_id)
    except OSError as err:
        stem = ret.stored_stem(submitted_at)
        with contextlib.suppress(OSError):
            undo(folder, Stored(folder / f"{stem}{ret.suffix}", folder / f"{stem}.json"))
        raise InputError(
            [
                Problem(
                    display_path(folder),
                    0,
                    "",
                    f"the return cannot be stored ({err.strerror or err}); expected a writable folder "
                    "with room for it. Nothing was accepted",
                )
            ]
        ) from None


def finish(folder: Path) -> None:
    """The import is over (stored and built): remove its journal."""
    (folder / JOURNAL_FILE).unlink(missing_ok=True)


def undo(folder: Path, stored: Stored) -> None:
    """The import failed before it was over: remove its files and its journal."""
    for path in (stored.record, stored.submitted):
        path.unlink(missing_ok=True)
    finish(folder)
