"""The orchestrator: read -> validate -> normalise -> load, stopping before any write on a problem.

A build reads the curated files and every accepted return under returns/.
Importing a return checks it first, then, holding a file lock so imports and
builds run one at a time, checks it again against what is accepted, stores it
and rebuilds; if the rebuild fails the stored return is removed again.
"""
from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import filelock
import pandas as pd

from dashboard import paths, queries
from etl import load, normalise, read, returns, validate
from etl.problems import InputError, Problem, display_path
from etl.schema import (
    ALLOWED_VALUES, ATTRIBUTES, CURATED_FILES, DIMENSIONS, FACTS, FORCES, FUNDING_STREAMS, GLOSSARY,
    NEIGHBOURS, SECTIONS, SOURCES, TIMELINE, FileSchema,
)


@dataclass
class BuildResult:
    database: Path
    row_counts: dict[str, int]


def read_inputs(data_dir: Path, max_file_bytes: int = read.MAX_FILE_BYTES) -> dict[str, read.Table]:
    """Every input file, keyed by its path relative to the data directory.

    max_file_bytes: the size above which a file is refused (the benchmarks raise
    it to build synthetic datasets many times the size of the real one).
    """
    schemas = (ALLOWED_VALUES, DIMENSIONS, SOURCES, ATTRIBUTES, SECTIONS, FORCES, NEIGHBOURS, GLOSSARY) + CURATED_FILES
    return {s.name: read.read_csv(data_dir / s.name, max_bytes=max_file_bytes) for s in schemas}


def validate_inputs(tables: dict[str, read.Table]) -> validate.Reference:
    """Check everything; raise InputError listing every problem, or return the reference data."""
    ref = validate.Reference()

    def check(schemas: tuple[FileSchema, ...]) -> list:
        return [p for s in schemas for p in validate.check_table(tables[s.name], s, ref)]

    # Reference files are checked in the order their kinds need each other.
    problems = check((ALLOWED_VALUES, DIMENSIONS, SOURCES))
    if not problems:
        for row in tables[ALLOWED_VALUES.name].rows:
            ref.allowed[row["field"]].add(row["value"])
        ref.dimensions = {r["dimension"] for r in tables[DIMENSIONS.name].rows}
        ref.sources = {r["source_id"]: r for r in tables[SOURCES.name].rows}
        problems += check((ATTRIBUTES, SECTIONS, FORCES, NEIGHBOURS, GLOSSARY))
    if problems:
        raise InputError(problems)

    ref, problems = validate.build_reference(tables)
    problems += validate.check_neighbours(tables[NEIGHBOURS.name], ref)
    if problems:
        raise InputError(problems)

    problems = check(CURATED_FILES)
    if not problems:
        problems += validate.check_facts(tables[FACTS.name], ref)
        for schema in (FACTS, FUNDING_STREAMS, TIMELINE):
            problems += validate.check_evidence(tables[schema.name], ref)
        problems += validate.check_funding_dates(tables[FUNDING_STREAMS.name])
    if problems:
        raise InputError(problems)
    return ref


def returns_dir(data_dir: Path) -> Path:
    """Where accepted returns are stored: paths.RETURNS_DIR for the default data directory."""
    return Path(data_dir) / "returns"


def ledger_of(tables: dict[str, read.Table], ref: validate.Reference) -> returns.Ledger:
    """The funded services of the curated data, by stream_id, before any return."""
    ledger = returns.Ledger()
    for row in tables[FUNDING_STREAMS.name].rows:
        ledger.owners[row["stream_id"]] = ref.forces.resolve(row["force"])
    return ledger


def read_returns(data_dir: Path, tables: dict[str, read.Table], ref: validate.Reference) -> tuple[list[returns.Return], returns.Ledger]:
    """Every stored return, checked; raises InputError listing every problem."""
    ledger = ledger_of(tables, ref)
    return returns.read_stored(returns_dir(data_dir), ref, ledger), ledger


def check_all(data_dir: Path) -> None:
    """Validate the inputs and every stored return, writing nothing."""
    tables = read_inputs(data_dir)
    read_returns(data_dir, tables, validate_inputs(tables))


@contextmanager
def import_lock(data_dir: Path, timeout: float):
    """One import or build at a time for a data directory (the lock file lives in returns/)."""
    folder = returns_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(folder / returns.LOCK_FILE), timeout=timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise InputError([Problem(display_path(folder / returns.LOCK_FILE), 0, "", f"another import or build held the lock for {timeout:g} s; expected it to finish: try again")]) from None
    try:
        yield
    finally:
        lock.release()


@contextmanager
def _no_cycle_collection():
    """Pause Python's cyclic garbage collector while a build makes millions of small objects.

    The rows read are dicts that all stay alive until the build ends, so each
    automatic collection scans them again for nothing; at 1000 times the real
    data that was about a fifth of the build time. Reference counting still
    frees everything as usual, and the collector is back on afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build(data_dir: Path, target: Path, backup: Path, note: str | None,
           max_file_bytes: int = read.MAX_FILE_BYTES) -> BuildResult:
    started = dt.datetime.now()
    with _no_cycle_collection():
        tables = read_inputs(data_dir, max_file_bytes)
        ref = validate_inputs(tables)
        accepted, _ = read_returns(data_dir, tables, ref)
        frames = normalise.normalise(tables, ref, accepted)
    run = load.RunRecord(
        started_at=started,
        data_dir=display_path(data_dir),
        files=[(display_path(t.path), t.sha256, len(t.rows)) for t in tables.values()]
        + [(display_path(r.path), r.sha256, r.rows) for r in accepted],
        note=note,
    )
    counts = load.write_database(frames, run, target, backup)
    return BuildResult(database=target, row_counts=counts)


def build(data_dir: Path = paths.DATA_DIR, target: Path | None = None, backup: Path | None = None,
          note: str | None = None, lock_timeout: float = 300,
          max_file_bytes: int = read.MAX_FILE_BYTES) -> BuildResult:
    """Build the database from data_dir. Raises InputError, writing nothing, if any input is wrong.

    When data_dir has a returns/ folder, the build holds the import lock, so it
    cannot swap in a database that misses a return imported meanwhile.
    """
    target = target or paths.DATABASE
    backup = backup or target.with_name(target.stem + ".previous" + target.suffix)
    if not returns_dir(data_dir).is_dir():
        return _build(data_dir, target, backup, note, max_file_bytes)
    with import_lock(data_dir, lock_timeout):
        return _build(data_dir, target, backup, note, max_file_bytes)


# ---------------------------------------------------------------- returns


@dataclass
class Preview:
    """A checked return and what it would change, as at its own date."""

    ret: returns.Return
    changes: list[returns.Change]
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    preview: Preview
    stored: Path | None = None  # None for a dry run
    build: BuildResult | None = None


def current_position(database: Path, pfa_code: str, as_at: dt.date) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The force's facts and funded services in the database as at a date; None without a database."""
    db = queries.Database(database)
    try:
        return queries.facts(as_at, pfa_code, db=db), queries.funding_streams(as_at, pfa_code=pfa_code, db=db)
    except queries.DatabaseMissing:
        return None


def preview_return(raw: bytes, file_name: str, *, data_dir: Path = paths.DATA_DIR, database: Path | None = None,
                   today: dt.date | None = None, name: str | None = None) -> tuple[Preview, returns.Ledger]:
    """Check a return against the schema, the dictionary and what is accepted, and compare it
    with the current position. Writes nothing; raises InputError listing every problem."""
    database = database or paths.DATABASE
    table = returns.read_return(raw, file_name, name=name)
    if table.problems:  # a file that cannot be read needs no reference data to say so
        raise InputError(table.problems)
    tables = read_inputs(data_dir)
    ref = validate_inputs(tables)
    ret = returns.check_return(table, ref, today=today or dt.date.today())
    _, ledger = read_returns(data_dir, tables, ref)
    problems = returns.check_against(ret, ledger)
    if problems:
        raise InputError(problems)
    position = current_position(database, ret.pfa_code, ret.as_at)
    notes = []
    if position is None:
        notes.append(f"No database at {display_path(database)} yet: every value is shown as new.")
        position = (pd.DataFrame(columns=["dimension", "attribute", "value"]), pd.DataFrame(columns=["stream_id", *returns.STREAM_FIELDS]))
    else:
        later = queries.editions(db=queries.Database(database))
        later = later[(later["as_at"].dt.date > ret.as_at) & ((later["pfa_code"] == ret.pfa_code) | (later["kind"] == "source"))]
        if len(later):
            notes.append(f"Editions dated after {ret.as_at} ({', '.join(later['edition_id'])}) still take precedence from their own dates.")
    untouched = sorted(set(position[0]["dimension"]) - set(ret.dimensions))
    if untouched:
        notes.append("Dimensions this return leaves out keep their current facts: " + ", ".join(untouched) + ".")
    if not ret.streams:
        notes.append("The return has no funding rows: the force's funded services are unchanged.")
    return Preview(ret, returns.compare(ret, *position), notes), ledger


def import_return(raw: bytes, file_name: str, *, data_dir: Path = paths.DATA_DIR, database: Path | None = None,
                  dry_run: bool = False, today: dt.date | None = None, name: str | None = None,
                  on_preview: Callable[[Preview], None] | None = None, lock_timeout: float = 300) -> ImportResult:
    """Check a return, show what it changes (on_preview), then store it and rebuild the database.

    Nothing is written until every check has passed: not the lock file, not the
    stored return. The checks run again under the lock, against the returns
    accepted while this one waited, and on_preview sees that final comparison.
    """
    database = database or paths.DATABASE
    args = dict(data_dir=data_dir, database=database, today=today, name=name)
    preview, _ = preview_return(raw, file_name, **args)
    if dry_run:
        if on_preview:
            on_preview(preview)
        return ImportResult(preview)
    backup = database.with_name(database.stem + ".previous" + database.suffix)
    with import_lock(data_dir, lock_timeout):
        preview, ledger = preview_return(raw, file_name, **args)
        if on_preview:
            on_preview(preview)
        submitted_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        if ledger.latest_submitted_at and submitted_at <= ledger.latest_submitted_at:
            submitted_at = ledger.latest_submitted_at + dt.timedelta(microseconds=1)  # keep the order of acceptance
        stored = returns.store(raw, preview.ret, returns_dir(data_dir), submitted_at)
        try:
            result = _build(data_dir, database, backup, note=f"import-return {stored.name}")
        except BaseException:
            stored.unlink(missing_ok=True)
            raise
    preview.ret.path, preview.ret.submitted_at = stored, submitted_at
    return ImportResult(preview, stored, result)


def template(pfa_code: str | None, *, data_dir: Path = paths.DATA_DIR, database: Path | None = None,
             as_at: dt.date | None = None, db: queries.Database | None = None) -> list[dict[str, str]]:
    """Template rows, pre-filled with the force's current position when a force is given."""
    if pfa_code is None:
        return returns.template_rows()
    db = db or queries.Database(database or paths.DATABASE)
    as_at = as_at or dt.date.today()
    names = queries.forces(db=db).set_index("pfa_code")["short_name"]
    return returns.template_rows(
        names[pfa_code],
        queries.facts(as_at, pfa_code, db=db),
        queries.funding_streams(as_at, pfa_code=pfa_code, db=db),
    )


def template_xlsx(rows: list[dict[str, str]], data_dir: Path = paths.DATA_DIR) -> bytes:
    """The template as a workbook, with the allowed values of data_dir on its guidance sheet."""
    allowed = pd.DataFrame(read.read_csv(Path(data_dir) / ALLOWED_VALUES.name).rows)
    dimensions = pd.DataFrame(read.read_csv(Path(data_dir) / DIMENSIONS.name).rows)
    attributes = pd.DataFrame(read.read_csv(Path(data_dir) / ATTRIBUTES.name).rows)
    return returns.template_xlsx(rows, allowed, dimensions, attributes)
