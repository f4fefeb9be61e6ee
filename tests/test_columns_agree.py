"""Every column is declared once and the places that repeat it agree (issue 24, item 5).

etl/schema.py declares each input file's columns and the table they become; etl/sql/tables.sql
creates those tables; etl/normalise.py makes the frames loaded into them; etl/sql/views.sql
pivots facts of data/attributes.csv into the columns of coverage_at. These tests fail when one
of them gains, loses, renames or reorders a column the others do not.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pytest

from core import paths, rules
from etl import load, normalise, pipeline, questions, schema, validate

# The DuckDB types a file column's kind may be stored as.
TYPES = {"date": {"DATE"}, "integer": {"INTEGER", "BIGINT"}, "yesno": {"BOOLEAN"}}
TEXT = {"VARCHAR"}
# Columns a file may leave empty that the table fills in (valid_from: the source's date).
FILLED_IN = {"valid_from"}
# Table columns no curated file has: made by normalise from other columns, by load, or by returns alone.
MADE = {
    "facts": {"value_number", "edition_id", "item"},
    "funding_stream_history": {"provider", "amount", "amount_disclosure", "edition_id"},
    "timeline": set(),
}
RETURNS_ONLY = {"facts": {"item"}, "funding_stream_history": {"provider", "amount", "amount_disclosure"}}
FILES = [f for f in schema.ALL_FILES if f.table]


@pytest.fixture(scope="module")
def ddl() -> dict[str, list[tuple[str, str, bool]]]:
    """Each table of tables.sql: its (column, type, nullable), in order."""
    con = duckdb.connect(":memory:")
    con.execute((load.SQL_DIR / "tables.sql").read_text(encoding="utf-8"))
    rows = con.execute(
        "SELECT table_name, column_name, data_type, is_nullable = 'YES' FROM information_schema.columns "
        "ORDER BY table_name, ordinal_position"
    ).fetchall()
    tables: dict[str, list[tuple[str, str, bool]]] = {}
    for table, column, kind, nullable in rows:
        tables.setdefault(table, []).append((column, kind, nullable))
    return tables


@pytest.fixture(scope="module")
def curated():
    tables = pipeline.read_inputs(paths.DATA_DIR)
    return tables, pipeline.validate_inputs(tables)


def in_order(part: list[str], whole: list[str]) -> bool:
    """Every name of `part` is in `whole`, in the same order."""
    rest = iter(whole)
    return all(name in rest for name in part)


def test_every_file_has_a_table_but_returns():
    assert {f.name for f in schema.ALL_FILES if not f.table} == set()
    assert not schema.RETURN.table, "a return's rows join the curated tables"


@pytest.mark.parametrize("file", FILES, ids=lambda f: f.name)
def test_a_files_columns_are_its_tables_in_order_with_their_types(file, ddl):
    assert file.table in ddl, f"{file.name}: no table {file.table} in tables.sql"
    table = {name: (kind, nullable) for name, kind, nullable in ddl[file.table]}
    names = [name for name, _, _ in ddl[file.table]]
    assert in_order(file.table_columns, names), f"{file.name} {file.table_columns} against {file.table} {names}"
    for column in file.columns:
        if not column.in_table:
            assert column.name not in table
            continue
        for name in ("pfa_code", "force_as_named") if column.name == "force" else (column.name,):
            kind, nullable = table[name]
            expected = TYPES.get(column.kind, TEXT) if column.name != "force" else TEXT
            assert kind in expected, f"{file.table}.{name} is {kind}; {file.name} says {column.kind}"
            if not column.required and name not in FILLED_IN:
                assert nullable, f"{file.table}.{name} is NOT NULL, but {file.name} may leave it empty"


def test_normalise_makes_every_column_of_each_table_in_its_order(ddl, curated):
    frames = normalise.normalise(*curated)
    assert set(frames) <= set(ddl), f"frames without a table: {set(frames) - set(ddl)}"
    for name, frame in frames.items():
        names = [n for n, _, _ in ddl[name]]
        assert in_order(list(frame.columns), names), f"{name}: {list(frame.columns)} against {names}"
    for file in FILES:
        assert set(file.table_columns) <= set(frames[file.table].columns), file.name
    for table, made in MADE.items():
        names = {n for n, _, _ in ddl[table]}
        file = next(f for f in FILES if f.table == table)
        assert names == set(file.table_columns) | made, f"{table}: a column neither the file nor normalise makes"
        assert made - RETURNS_ONLY.get(table, set()) <= set(frames[table].columns), table


def test_a_returns_rows_fill_the_columns_only_returns_have(ddl, curated):
    _, ref = curated
    ret = validate.Return(
        name="r.csv",
        sha256="0" * 64,
        suffix=".csv",
        pfa_code="E23000027",
        force_as_named="Hertfordshire",
        as_at=dt.date(2025, 6, 1),
        submitted_by="Office",
        evidence=None,
        facts=[
            {"dimension": "isac_provision", "attribute": "isac_count", "value": "3", "line": 2, "force_as_named": "x"}
        ],
        streams=[
            {
                "stream_id": "s",
                "service": "ISA",
                "funder": "pcc",
                "start_date": "",
                "end_date": "ongoing",
                "status": "funded",
                "force_as_named": "x",
                "line": 3,
            }
        ],
        path=Path("r.csv"),
        submitted_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
    )
    rows = normalise.normalise_returns([ret], ref, {"E23000027": "Hertfordshire"})
    for table, only in RETURNS_ONLY.items():
        assert only <= set(rows[table][0]), table
    for table, made in rows.items():
        names = [n for n, _, _ in ddl[table]]
        assert set(made[0]) <= set(names), f"{table}: a return's row has columns the table lacks"
    editions = {n for n, _, _ in ddl["editions"]} - {"edition_order"}  # numbered by load
    assert set(rows["editions"][0]) == editions


# ---------------------------------------------------------------- the coverage_at pivot

# Answers a return may give for a status that the themes' legends (core.rules) have no place for
# yet: "not known" and "prefer not to say" (answers of their own, etl/questions.py) and a
# programme's or arrangement's "ended". Named here so that no other value joins them unseen;
# how they should read on the map is a question for the product (issue 24's report).
UNPLACED = {questions.NOT_KNOWN.value, questions.PREFER_NOT.value, "ended"}

PIVOT = re.compile(
    r"(?P<how>any_value|max|count)\((?P<what>[^)]*\)?)\) FILTER \(WHERE dimension = '(?P<dimension>\w+)'"
    r"(?: AND attribute = '(?P<attribute>\w+)')?\) AS (?P<column>\w+)"
)


@pytest.fixture(scope="module")
def pivot() -> dict[str, dict[str, str | None]]:
    views = (load.SQL_DIR / "views.sql").read_text(encoding="utf-8")
    body = views[views.index("CREATE MACRO coverage_at") : views.index("CREATE VIEW force_coverage")]
    return {m["column"]: m.groupdict() for m in PIVOT.finditer(body)}


@pytest.fixture(scope="module")
def attributes(curated) -> dict[tuple[str, str], dict[str, str]]:
    tables, _ = curated
    return {(r["dimension"], r["attribute"]): r for r in tables[schema.ATTRIBUTES.name].rows}


def test_the_pivot_reads_only_attributes_that_exist_with_their_types(pivot, attributes):
    assert len(pivot) >= 15, "the pivot's lines were found"
    dimensions = {d for d, _ in attributes}
    for column, p in pivot.items():
        assert p["dimension"] in dimensions, column
        if p["attribute"] is None:
            continue
        attribute = attributes.get((p["dimension"], p["attribute"]))
        assert attribute, f"{column}: {p['dimension']}.{p['attribute']} is not in data/attributes.csv"
        if p["how"] != "count":  # one value per force: the attribute has at most one per date
            assert attribute["cardinality"] == "one", column
        if "value_number" in p["what"]:
            assert attribute["value_type"] == "integer", column
        if "DOUBLE" in p["what"]:
            assert attribute["value_type"] == "decimal", column


def test_every_theme_status_and_key_figure_is_pivoted_from_its_dimension(pivot, attributes, curated, built_db):
    """What core.rules reads from coverage_at (each theme's status, key figure and date) is pivoted
    from the theme's dimension, and every status the data may hold is one the theme's legend knows."""
    _, ref = curated
    with duckdb.connect(str(built_db), read_only=True) as con:
        columns = set(con.execute("SELECT * FROM coverage_at(DATE '2025-01-01') LIMIT 0").df().columns)
    for _, theme, _ in rules.THEME_DIMENSIONS:
        p = pivot[theme.column]
        assert p["dimension"] == theme.dimension, theme.key
        assert pivot[theme.reported_on]["dimension"] == theme.dimension, theme.key
        assert pivot[theme.key_figure]["dimension"] == theme.dimension, theme.key
        kind = attributes[(theme.dimension, p["attribute"])]["value_type"]
        allowed = ref.allowed[kind.removeprefix("enum:")]
        unplaced = allowed - set(theme.statuses)
        assert allowed and unplaced <= UNPLACED, f"{theme.key}: {unplaced - UNPLACED} have no place in its legend"
        assert {theme.column, theme.key_figure, theme.reported_on} <= columns, theme.key
