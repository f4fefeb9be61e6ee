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


def isac_count(db: Path, as_at: dt.date = AT) -> int:
    cov = queries.coverage(as_at, db=queries.Database(db))
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


def test_every_way_into_a_round_publishes_a_return_the_next_build_reads_back(
    data_copy: Path, tmp_path: Path, monkeypatch
):
    """The browser form's answers, the round's workbook, a CSV and an XLSX of rows: each accepted, and a
    build from scratch then checks every record against its file and finds them the same."""
    from tests.workflow_fixtures import HERTS_OFFICE, REVIEWER_ACTOR, make_sandbox, open_round
    from workflow import database, review, submitting

    box = make_sandbox(data_copy, tmp_path, monkeypatch)
    try:
        round_ = open_round(box, [HERTS])
        answers, _ = submitting.prefilled(round_, HERTS)
        answers.values.update(submitted_by="Jane Smith", signed_off_by="Chief Executive", isa_model="not known")
        book = openpyxl.load_workbook(io.BytesIO(submitting.template(HERTS_OFFICE, round_.round_id, HERTS)))
        manifest = book["Manifest"]
        spec = json.loads(
            "".join(str(manifest.cell(row=r, column=1).value or "") for r in range(2, manifest.max_row + 1))
        )
        for key, value in (("submitted_by", "Jane Smith"), ("signed_off_by", "Chief Executive"), ("isa_fte", 4.5)):
            sheet, cell = spec["answers"][key].split("!")
            book[sheet][cell] = value
        filled = io.BytesIO()
        book.save(filled)
        rows = [fact("isac_provision", "isac_count", "6", as_at=round_.as_at.isoformat())]
        rows_book = openpyxl.load_workbook(io.BytesIO(intake.template_xlsx(rows)))
        ways = [
            dict(answers=answers),
            dict(file_bytes=filled.getvalue(), file_name="herts.xlsx"),
            dict(file_bytes=intake.template_csv([r | {"value": "7"} for r in rows]), file_name="herts.csv"),
            dict(file_bytes=_saved(rows_book), file_name="herts-rows.xlsx"),
        ]
        stored = []
        for way in ways:
            sub = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, **way)
            stored.append(review.accept(REVIEWER_ACTOR, sub.submission_id).stored_as)
        assert [Path(s).suffix for s in stored] == [".csv", ".csv", ".csv", ".xlsx"]
        record = json.loads((box.returns_dir / stored[1]).with_suffix(".json").read_text(encoding="utf-8"))
        assert record["received"]["file_name"] == "herts.xlsx", "the workbook received is named"
        fresh = tmp_path / "fresh.duckdb"
        pipeline.build(box.data_dir, fresh)
        assert isac_count(fresh, round_.as_at) == 6
    finally:
        database.dispose_all()


def _saved(book) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_round_workbook_stored_as_received_before_records_were_checked_still_builds(setup, tmp_path: Path):
    """Returns accepted before December 2026 stored the round's workbook itself; its rows come from its
    answers, so the build checks it by its hash and keeps it (nothing accepted is lost)."""
    from intake import forms, workbook

    data_dir, db = setup
    answers, previous = forms.prefill(
        HERTS,
        queries.facts(AT, HERTS, db=queries.Database(db)),
        queries.funding_streams(AT, pfa_code=HERTS, db=queries.Database(db)),
        queries.forces(queries.Database(db)).set_index("pfa_code").loc[HERTS],
        AT,
    )
    answers.values.update(
        submitted_by=SUBMITTER, signed_off_by="Chief Executive", isa_model="not known", isa_headcount="8"
    )
    raw = workbook.build(answers, previous, force_name="Hertfordshire", key=b"k")
    rows, _ = forms.to_rows(answers, "Hertfordshire")
    folder = data_dir / "returns"
    folder.mkdir(exist_ok=True)
    table = intake.checking.rows_table(rows, "herts.xlsx", sha(_file(tmp_path, raw)))
    stored_returns.write(
        folder,
        raw,
        table,
        suffix=".xlsx",
        pfa_code=HERTS,
        as_at=AT,
        submitted_by=SUBMITTER,
        submitted_at=dt.datetime(2026, 6, 1, 12),
    )
    stored_returns.finish(folder)
    pipeline.build(data_dir, db)
    editions = queries.editions(db=queries.Database(db))
    assert editions[editions["kind"] == "return"]["file_name"].tolist() == [
        f"20260601T120000000000Z_{HERTS}_{sha(_file(tmp_path, raw))[:12]}.xlsx"
    ]
    facts = queries.facts(AT, HERTS, db=queries.Database(db))
    assert "8" in facts.loc[facts["attribute"] == "isac_count", "value"].astype(str).tolist()


def _file(tmp_path: Path, raw: bytes) -> Path:
    path = tmp_path / "received.xlsx"
    path.write_bytes(raw)
    return path
