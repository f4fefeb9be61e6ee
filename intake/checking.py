"""Checking a submitted return: its rows against the schema, the dictionary and what is accepted.

The rules are etl.validate's (`check_return`), the same the build applies to
every stored return, so a return accepted here is accepted again by every
rebuild. On top: a file already imported, and another force's funded service,
are refused.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from core import clock, paths
from core.problems import InputError
from etl import pipeline, validate
from etl.read import Table
from intake.reading import read_return


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
) -> Checked:
    """The return in a submitted file, checked; raises InputError listing every problem. Writes nothing.

    `table`: the return's rows when they were read already (from the workbook form or the
    browser form), so the file's bytes are kept as submitted but not read again."""
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA_DIR
    table = table if table is not None else read_return(raw, file_name, name=name)
    if table.problems:  # a file that cannot be read needs no reference data to say so
        raise InputError(table.problems)
    tables = pipeline.read_inputs(data_dir)
    ref = pipeline.validate_inputs(tables)
    ret = validate.check_return(table, ref, today=today or clock.today())
    accepted, ledger = pipeline.read_returns(data_dir, tables, ref)
    problems = validate.check_against(ret, ledger)
    if problems:
        raise InputError(problems)
    return Checked(ret, table, ledger, tables, ref, accepted)


def submission_time(ledger: validate.Ledger) -> dt.datetime:
    """When a return accepted now is submitted (UTC): after every return accepted before it,
    so the order of acceptance is kept even when the clock is not."""
    now = clock.now()
    if ledger.latest_submitted_at and now <= ledger.latest_submitted_at:
        now = ledger.latest_submitted_at + dt.timedelta(microseconds=1)
    return now
