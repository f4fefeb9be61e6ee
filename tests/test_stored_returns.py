"""Stored returns (issue 24 item 1, issue 28 item 8): one owner of the stored format
(etl.stored_returns) writes and reads every record and journal, and a build checks each
accepted return's record against its file, the hash and the rows, refusing a mismatch
with one line that names both and changing nothing."""

from __future__ import annotations

import ast
import datetime as dt
import io
import json
import os
from pathlib import Path

import openpyxl
import pytest

import intake
from core import paths, queries
from core.problems import InputError
from etl import pipeline, stored_returns
from tests.test_returns import AT, HERTS, SUBMITTER, fact, import_file, setup, sha, write_return  # noqa: F401

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates


def isac_count(db: Path) -> int:
    cov = queries.coverage(AT, db=queries.Database(db))
    return int(cov.set_index("pfa_code").at[HERTS, "isac_count"])


def edit_record(record: Path, change) -> None:
    """Change a stored record as someone with the folder's permissions could (it is read-only)."""
    os.chmod(record, 0o644)
    data = json.loads(record.read_text(encoding="utf-8"))
    change(data)
    record.write_text(json.dumps(data), encoding="utf-8")


def set_value(data: dict, attribute: str, value: str) -> None:
    columns = data["columns"]
    for row in data["rows"]:
        if row[columns.index("attribute")] == attribute:
            row[columns.index("value")] = value


def assert_refused_unchanged(data_dir: Path, db: Path, record: Path, stored: Path) -> None:
    before = sha(db)
    with pytest.raises(InputError) as err:
        pipeline.build(data_dir, db)
    lines = str(err.value).splitlines()
    assert len(lines) == 1, lines
    assert record.name in lines[0] and stored.name in lines[0], lines[0]
    assert "'99'" in lines[0] and "'10'" in lines[0], lines[0]
    assert sha(db) == before, "nothing changed"
    assert isac_count(db) == 10


def test_a_record_edited_to_say_99_while_its_file_says_10_fails_the_build(setup, tmp_path: Path):
    data_dir, db = setup
    stored = import_file(
        write_return(tmp_path / "herts.csv", [fact("isac_provision", "isac_count", "10")]), data_dir, db
    )
    assert isac_count(db) == 10
    record = stored.stored.with_suffix(".json")
    edit_record(record, lambda data: set_value(data, "isac_count", "99"))
    assert_refused_unchanged(data_dir, db, record, stored.stored)


def test_the_same_holds_for_a_return_stored_as_a_workbook(setup, tmp_path: Path):
    data_dir, db = setup
    book = openpyxl.load_workbook(io.BytesIO(intake.template_xlsx([fact("isac_provision", "isac_count", "")])))
    sheet = book["return"]
    header = [c.value for c in sheet[1]]
    for cells in sheet.iter_rows(min_row=2, max_row=2):
        by = dict(zip(header, cells))
        by["as_at"].value = dt.datetime.combine(AT, dt.time())
        by["submitted_by"].value = SUBMITTER
        by["force"].value = "Hertfordshire"
        by["value"].value = 10.0
    path = tmp_path / "herts.xlsx"
    book.save(path)
    stored = import_file(path, data_dir, db).stored
    assert stored.suffix == ".xlsx" and isac_count(db) == 10
    pipeline.build(data_dir, db)  # the record and its workbook agree: the build reads it back the same
    record = stored.with_suffix(".json")
    edit_record(record, lambda data: set_value(data, "isac_count", "99"))
    assert_refused_unchanged(data_dir, db, record, stored)


def test_a_row_added_to_a_record_fails_the_build(setup, tmp_path: Path):
    data_dir, db = setup
    stored = import_file(
        write_return(tmp_path / "herts.csv", [fact("isac_provision", "isac_count", "10")]), data_dir, db
    )
    record = stored.stored.with_suffix(".json")
    edit_record(record, lambda data: (data["rows"].append(list(data["rows"][0])), data["lines"].append(3)))
    with pytest.raises(InputError, match="the record has 2 rows, the file 1"):
        pipeline.build(data_dir, db)


def test_one_module_owns_the_stored_record_and_journal():
    """Only etl.stored_returns names the record's fields, its format and the journal; everything else
    (intake's import, the build, recovery) goes through it."""
    owner = paths.REPO_ROOT / "etl" / "stored_returns.py"
    markers = ("submitted_file", "stalking-return/1", ".import-journal.json")
    for package in ("core", "etl", "intake", "workflow", "returns", "ui", "exports"):
        for path in sorted((paths.REPO_ROOT / package).rglob("*.py")):
            if path == owner:
                continue
            strings = {
                n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Constant)
            }
            assert not [m for m in markers if m in strings], f"{path.relative_to(paths.REPO_ROOT)} knows the format"
    assert stored_returns.JOURNAL_FILE == ".import-journal.json"


def test_an_already_imported_file_is_a_typed_refusal_carrying_its_stored_name(setup, tmp_path: Path):
    data_dir, db = setup
    path = write_return(tmp_path / "herts.csv", [fact("isac_provision", "isac_count", "10")])
    stored = import_file(path, data_dir, db).stored
    with pytest.raises(intake.AlreadyImported) as err:
        intake.publish(
            path.read_bytes(),
            intake.checking.rows_table(
                [fact("isac_provision", "isac_count", "10")], "herts.csv", sha(path), path=Path("herts.csv")
            ),
            data_dir=data_dir,
            database=db,
        )
    assert err.value.stored_as == stored.name
    assert "already imported" in str(err.value)
