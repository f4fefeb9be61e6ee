"""The orchestrator: read -> validate -> normalise -> load, stopping before any write on a problem.

A build reads the curated files and every accepted return in the returns folder.
Every writer (a build, an import, a published round) holds the same lock, always,
and first finishes or undoes whatever a writer that was killed left behind
(etl.stored_returns.recover), so two writers never overwrite each other's work and an accepted
return is never lost.
"""

from __future__ import annotations

import datetime as dt
import gc
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core import atomic, clock, paths, writers
from core.digests import file_sha256
from core.problems import InputError, Problem, display_path
from etl import demand_figures, load, normalise, read, stored_returns, validate
from etl.schema import (
    ALLOWED_VALUES,
    ATTRIBUTES,
    CURATED_FILES,
    DIMENSIONS,
    FACTS,
    FORCES,
    FUNDING_STREAMS,
    GLOSSARY,
    NEIGHBOURS,
    SECTIONS,
    SOURCES,
    TIMELINE,
    FileSchema,
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
    """Where accepted returns are stored (core.writers.returns_dir)."""
    return writers.returns_dir(data_dir)


def ledger_of(tables: dict[str, read.Table], ref: validate.Reference) -> validate.Ledger:
    """The funded services of the curated data, by stream_id, before any return."""
    ledger = validate.Ledger()
    for row in tables[FUNDING_STREAMS.name].rows:
        ledger.owners[row["stream_id"]] = ref.forces.resolve(row["force"])
    return ledger


def read_returns(
    data_dir: Path, tables: dict[str, read.Table], ref: validate.Reference
) -> tuple[list[validate.Return], validate.Ledger]:
    """Every accepted return, checked again as when it was accepted; raises InputError listing every problem.

    The ledger starts with the curated funded services and is updated with each return, in order.
    """
    ledger = ledger_of(tables, ref)
    stored, problems = stored_returns.read_all(returns_dir(data_dir))
    accepted: list[validate.Return] = []
    for item in stored:
        try:
            # As when it was accepted: its as-at date was not after the day it was submitted
            # (a day's grace, as submitted_at is UTC and the check used the local date).
            ret = validate.check_return(item.table, ref, today=item.submitted_at.date() + dt.timedelta(days=1))
        except InputError as err:
            problems += err.problems
            continue
        if ret.pfa_code != item.pfa_code:
            problems.append(
                Problem(
                    item.table.name,
                    0,
                    "",
                    f"the file is for {ret.pfa_code}, not the {item.pfa_code} "
                    "in its name; expected a stored return to be left unchanged",
                )
            )
            continue
        problems += validate.check_against(ret, ledger)
        ret.path, ret.submitted_at, ret.suffix = item.submitted, item.submitted_at, item.submitted.suffix
        ret.entered_by, ret.round_id = item.entered_by, item.round_id
        ledger.stored[ret.sha256] = item.submitted.name
        ledger.owners.update({s["stream_id"]: ret.pfa_code for s in ret.streams})
        ledger.latest_submitted_at = item.submitted_at
        accepted.append(ret)
    if problems:
        raise InputError(problems)
    return accepted, ledger


def check_all(data_dir: Path) -> None:
    """Validate the inputs and every stored return, writing nothing."""
    tables = read_inputs(data_dir)
    read_returns(data_dir, tables, validate_inputs(tables))


# ---------------------------------------------------------------- one writer at a time


@contextmanager
def writer_lock(data_dir: Path, timeout: float = 300, database: Path | None = None):
    """The lock every writer holds (builds, imports, published rounds): one at a time per data directory.

    On entry, whatever a killed writer left half done is finished or undone (stored_returns.recover),
    in the returns folder and in the folder of `database` (the database the writer writes).
    The lock file lives in the returns folder, which is created if missing (core.writers).
    """
    with writers.held(data_dir, timeout) as folder:
        stored_returns.recover(folder)
        if database is not None:
            atomic.remove_stale_temps(Path(database).parent)
        yield folder


def unfinished(data_dir: Path) -> bool:
    """True when a writer stopped before it had finished: a return may be accepted that the
    database does not hold yet. The next writer finishes the work (`catch_up`)."""
    return stored_returns.unfinished(returns_dir(data_dir))


def catch_up(data_dir: Path, database: Path) -> BuildResult | None:
    """Holding the writer lock: rebuild when a killed writer left a return the database may not hold,
    or the database was not built from the inputs there are now. None when it is current."""
    if unfinished(data_dir) or (database.exists() and not is_current(data_dir, database)):
        return build_locked(data_dir, database, note="catch up with accepted returns")
    return None


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


def input_hashes(data_dir: Path, database: Path | None = None) -> dict[str, str]:
    """sha256 of every input a build reads (curated files, accepted returns' files and records, and
    the demand figures imported beside `database`)."""
    files = [
        Path(data_dir) / s.name
        for s in (ALLOWED_VALUES, DIMENSIONS, SOURCES, ATTRIBUTES, SECTIONS, FORCES, NEIGHBOURS, GLOSSARY)
        + CURATED_FILES
    ]
    folder = returns_dir(data_dir)
    if folder.is_dir():
        files += sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    if database is not None:
        files += demand_figures.stored_files(database)
    out = {}
    for path in files:
        try:
            out[display_path(path)] = file_sha256(path)
        except OSError:
            out[display_path(path)] = ""
    return out


def is_current(data_dir: Path, database: Path) -> bool:
    """True when the database was built from exactly the inputs there are now."""
    try:
        with duckdb.connect(str(database), read_only=True) as con:
            built = con.execute(
                "SELECT file, sha256 FROM etl_run_files WHERE run_id = (SELECT max(run_id) FROM etl_runs)"
            ).fetchall()
    except (duckdb.Error, OSError):
        return False
    return dict(built) == input_hashes(data_dir, database)


Inputs = tuple[dict[str, read.Table], validate.Reference, list[validate.Return]]


def _build(
    data_dir: Path,
    target: Path,
    backup: Path,
    note: str | None,
    max_file_bytes: int = read.MAX_FILE_BYTES,
    inputs: Inputs | None = None,
) -> BuildResult:
    started = clock.local_now()
    with _no_cycle_collection():
        if inputs is None:
            tables = read_inputs(data_dir, max_file_bytes)
            ref = validate_inputs(tables)
            accepted, _ = read_returns(data_dir, tables, ref)
        else:
            tables, ref, accepted = inputs
        frames = normalise.normalise(tables, ref, accepted)
        # The official demand figures imported beside the database (python -m demand import).
        demand, problems = demand_figures.read(target, set(ref.forces.codes))
        if problems:
            raise InputError(problems)
        frames.update(demand)
    # The records of the accepted returns (not the journal, nor any other hidden file).
    records = [r.path.with_suffix(".json") for r in accepted]
    run = load.RunRecord(
        started_at=started,
        data_dir=display_path(data_dir),
        files=[(display_path(t.path), t.sha256, len(t.rows)) for t in tables.values()]
        + [(display_path(r.path), r.sha256, r.rows) for r in accepted]
        + [(display_path(p), file_sha256(p), 0) for p in records]
        + [(display_path(p), file_sha256(p), 0) for p in demand_figures.stored_files(target)],
        note=note,
    )
    try:
        counts = load.write_database(frames, run, target, backup)
    except (OSError, duckdb.IOException, duckdb.FatalException) as err:
        # A full disk, a read-only or missing folder: one line, and the previous database stays.
        reason = getattr(err, "strerror", None) or str(err).splitlines()[0]
        raise InputError(
            [
                Problem(
                    display_path(target),
                    0,
                    "",
                    f"the database cannot be written ({reason}); expected room and permission to write "
                    f"in {display_path(target.parent)}. The previous database is unchanged",
                )
            ]
        ) from None
    stored_returns.built(returns_dir(data_dir))
    return BuildResult(database=target, row_counts=counts)


def backup_of(target: Path) -> Path:
    return target.with_name(target.stem + ".previous" + target.suffix)


def build(
    data_dir: Path = paths.DATA_DIR,
    target: Path | None = None,
    backup: Path | None = None,
    note: str | None = None,
    lock_timeout: float = 300,
    max_file_bytes: int = read.MAX_FILE_BYTES,
) -> BuildResult:
    """Build the database from data_dir, holding the writer lock. Raises InputError, writing nothing,
    if any input is wrong; the previous database stays in place."""
    target = target or paths.DATABASE
    with writer_lock(data_dir, lock_timeout, database=target):
        return _build(data_dir, target, backup or backup_of(target), note, max_file_bytes)


def build_locked(data_dir: Path, target: Path, note: str | None = None, inputs: Inputs | None = None) -> BuildResult:
    """Build while the caller already holds `writer_lock` (an import that has just stored a return).

    `inputs`: the inputs, reference data and accepted returns as read and checked under this
    same lock (intake.importing, which adds the return it has just stored), so they are not
    read again; without them the build reads everything itself."""
    return _build(data_dir, target, backup_of(target), note, inputs=inputs)
