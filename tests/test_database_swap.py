"""A running dashboard follows a rebuilt database without a restart, and a page
that is mid-render when the file is swapped finishes on the old data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core import queries
from etl import pipeline
from tests.test_etl import rows_of, write_rows

HERTS = "E23000027"
AS_AT = dt.date(2025, 1, 1)


def herts_count(db: queries.Database) -> int:
    cov = queries.coverage(AS_AT, db=db)
    return int(cov.loc[cov["pfa_code"] == HERTS, "isac_count"].iloc[0])


@pytest.fixture
def two_versions(data_copy: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A database built from data/, and a data directory that says Hertfordshire has 5 ISACs."""
    db = tmp_path / "swap.duckdb"
    pipeline.build(data_copy, db)
    path = data_copy / "curated/facts.csv"
    rows = rows_of(path)
    for row in rows:
        if row["fact_id"] == "herts-isac-count":
            row["value"] = "5"
    write_rows(path, rows)
    return db, data_copy


def test_database_follows_a_rebuild_without_restart(two_versions):
    db_path, changed = two_versions
    db = queries.Database(db_path)
    assert herts_count(db) == 3
    pipeline.build(changed, db_path)  # swaps a new file in at the same path
    assert herts_count(db) == 5, "the same Database object must read the rebuilt file"


def test_cursor_opened_before_a_swap_keeps_working(two_versions):
    db_path, changed = two_versions
    db = queries.Database(db_path)
    cur = db.cursor()
    result = cur.execute("SELECT pfa_code, isac_count FROM coverage_at(?) ORDER BY pfa_code", [AS_AT])
    first = result.fetchmany(5)  # a page half-way through reading its data
    pipeline.build(changed, db_path)
    rest = result.fetchall()
    assert len(first) + len(rest) == 43
    # The old cursor can still run new queries, on the old data.
    again = cur.execute("SELECT isac_count FROM coverage_at(?) WHERE pfa_code = ?", [AS_AT, HERTS]).fetchone()[0]
    assert again == 3
    cur.close()
    assert herts_count(db) == 5
