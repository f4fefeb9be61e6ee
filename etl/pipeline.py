"""The orchestrator: read -> validate -> normalise -> load, stopping before any write on a problem."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from dashboard import paths
from etl import load, normalise, read, validate
from etl.problems import InputError, display_path
from etl.schema import (
    ALLOWED_VALUES, ATTRIBUTES, CURATED_FILES, DIMENSIONS, FACTS, FORCES, FUNDING_STREAMS, GLOSSARY,
    NEIGHBOURS, SECTIONS, SOURCES, TIMELINE, FileSchema,
)


@dataclass
class BuildResult:
    database: Path
    row_counts: dict[str, int]


def read_inputs(data_dir: Path) -> dict[str, read.Table]:
    """Every input file, keyed by its path relative to the data directory."""
    schemas = (ALLOWED_VALUES, DIMENSIONS, SOURCES, ATTRIBUTES, SECTIONS, FORCES, NEIGHBOURS, GLOSSARY) + CURATED_FILES
    return {s.name: read.read_csv(data_dir / s.name) for s in schemas}


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


def build(data_dir: Path = paths.DATA_DIR, target: Path | None = None, backup: Path | None = None) -> BuildResult:
    """Build the database from data_dir. Raises InputError, writing nothing, if any input is wrong."""
    target = target or paths.DATABASE
    backup = backup or target.with_name(target.stem + ".previous" + target.suffix)
    started = dt.datetime.now()
    tables = read_inputs(data_dir)
    ref = validate_inputs(tables)
    frames = normalise.normalise(tables, ref)
    run = load.RunRecord(
        started_at=started,
        data_dir=display_path(data_dir),
        files=[(display_path(t.path), t.sha256, len(t.rows)) for t in tables.values()],
    )
    counts = load.write_database(frames, run, target, backup)
    return BuildResult(database=target, row_counts=counts)
