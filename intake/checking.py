"""Checking a submitted return: its rows against the schema, the dictionary and what is accepted.

The rules are etl.validate's (`check_return`), the same the build applies to
every stored return, so a return accepted here is accepted again by every
rebuild. On top: a file already imported, and another force's funded service,
are refused. This is the whole check, and it runs once where a return comes in (a
submission in a round, or `python -m returns import`); the accept that publishes it reads
what it is checked against once more, under the writer lock, so a return accepted in
between is counted, and builds from that same reading.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from core import clock, paths
from core.problems import InputError, Problem
from etl import pipeline, validate
from etl.read import Table
from etl.schema import RETURN_COLUMNS
from intake.reading import read_return


class AlreadyImported(InputError):
    """The return's file was accepted before: `stored_as` names it in the returns folder.

    A refusal of its own kind, so that an accept interrupted after publishing is finished by
    reading the stored name here, never by parsing the message."""

    def __init__(self, problems: list[Problem], stored_as: str):
        super().__init__(problems)
        self.stored_as = stored_as


@dataclass
class Accepted:
    """What a return is checked against, and what a build is made from: the inputs, the
    reference data and every accepted return (checked again, and each record against its file)."""

    tables: dict[str, Table]
    ref: validate.Reference
    returns: list[validate.Return]
    ledger: validate.Ledger


def accepted(data_dir: Path | None = None) -> Accepted:
    """Read and check the inputs and the accepted returns, once; raises InputError listing every problem."""
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA_DIR
    tables = pipeline.read_inputs(data_dir)
    ref = pipeline.validate_inputs(tables)
    returns, ledger = pipeline.read_returns(data_dir, tables, ref)
    return Accepted(tables, ref, returns, ledger)


@dataclass
class Checked:
    """A return that passed every check, with what it was checked against: the inputs, the
    reference data and the returns accepted before it (what a build would read)."""

    ret: validate.Return
    table: Table
    ledger: validate.Ledger
    tables: dict[str, Table]
    ref: validate.Reference
    accepted: list[validate.Return]


def check(
    raw: bytes,
    file_name: str,
    *,
    data_dir: Path | None = None,
    today: dt.date | None = None,
    name: str | None = None,
    table: Table | None = None,
    against: Accepted | None = None,
) -> Checked:
    """The return in a submitted file, checked; raises InputError listing every problem (AlreadyImported
    when the same file was accepted before). Writes nothing.

    `table`: the return's rows when they were read already (from the workbook form or the
    browser form), so the file's bytes are kept as submitted but not read again. `against`:
    the inputs and accepted returns read already (under the writer lock, by the import)."""
    table = table if table is not None else read_return(raw, file_name, name=name)
    if table.problems:  # a file that cannot be read needs no reference data to say so
        raise InputError(table.problems)
    against = against or accepted(data_dir)
    ret = validate.check_return(table, against.ref, today=today or clock.today())
    problems = validate.check_against(ret, against.ledger)
    if ret.sha256 in against.ledger.stored:
        raise AlreadyImported(problems, against.ledger.stored[ret.sha256])
    if problems:
        raise InputError(problems)
    return Checked(ret, table, against.ledger, against.tables, against.ref, against.returns)


def rows_table(rows: list[dict[str, str]], name: str, sha256: str, *, path: Path | None = None) -> Table:
    """A return's rows (in the return format) as a table to check or store: named `name` in problems;
    `path`, the file they are stored as (its suffix is the stored file's; default: `name`)."""
    return Table(
        path=path or Path(name),
        name=name,
        columns=list(RETURN_COLUMNS),
        rows=[{c: r.get(c, "") for c in RETURN_COLUMNS} for r in rows],
        lines=list(range(2, len(rows) + 2)),
        sha256=sha256,
    )


def return_rows(table: Table) -> list[dict[str, str]]:
    """A checked table's rows with every column of the return format, as a submission keeps them."""
    return [{c: r.get(c, "") for c in RETURN_COLUMNS} for r in table.rows]


def submission_time(ledger: validate.Ledger) -> dt.datetime:
    """When a return accepted now is submitted (UTC): after every return accepted before it,
    so the order of acceptance is kept even when the clock is not."""
    now = clock.now()
    if ledger.latest_submitted_at and now <= ledger.latest_submitted_at:
        now = ledger.latest_submitted_at + dt.timedelta(microseconds=1)
    return now
