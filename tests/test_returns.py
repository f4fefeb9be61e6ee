"""Returns: an updated position for one force supersedes the earlier one from its
as-at date on, keeps the history, and a bad return changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import filelock
import openpyxl
import pytest

import intake
from core import clock, paths, queries
from core.problems import InputError
from etl import load, pipeline

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates

HERTS = "E23000027"
STREAM = "herts-moj-stalking-service"
BEFORE, AT = dt.date(2025, 4, 30), dt.date(2025, 5, 1)
SUBMITTER = "Jane Smith, OPCC for Hertfordshire"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under a folder (lock file included) and its hash."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): sha(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def row(record: str, **values: str) -> dict[str, str]:
    base = {"force": "Hertfordshire", "as_at": AT.isoformat(), "submitted_by": SUBMITTER, "record": record}
    return {c: "" for c in intake.COLUMNS} | base | values


def fact(dimension: str, attribute: str, value: str, **values: str) -> dict[str, str]:
    return row("fact", dimension=dimension, attribute=attribute, value=value, **values)


def funding(**values: str) -> dict[str, str]:
    defaults = dict(
        stream_id=STREAM,
        service="Dedicated stalking support service (Senior ISAC and two ISACs)",
        funder="MoJ victims grant",
        start_date="2022-04-01",
        end_date="2026-03-31",
        status="renewed",
    )
    return row("funding", **(defaults | values))


def csv_bytes(rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(intake.COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def write_return(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    path.write_bytes(csv_bytes(rows, encoding))
    return path


def herts_extension(**values: str) -> list[dict[str, str]]:
    """The issue's example: Hertfordshire's MoJ funding extended to 31 March 2026."""
    return [funding(**values)]


def import_file(path: Path, data_dir: Path, db: Path, **kw) -> intake.ImportResult:
    return intake.import_return(path.read_bytes(), path.name, data_dir=data_dir, database=db, name=str(path), **kw)


@pytest.fixture
def setup(data_copy: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of data/ with no returns, and a database built from it."""
    db = tmp_path / "build" / "stalking.duckdb"
    pipeline.build(data_copy, db)
    return data_copy, db


def coverage(db: Path | queries.Database, as_at: dt.date) -> dict:
    db = db if isinstance(db, queries.Database) else queries.Database(db)
    cov = queries.coverage(as_at, db=db)
    return cov[cov["pfa_code"] == HERTS].iloc[0].to_dict()


def stream_end(db: Path, as_at: dt.date) -> dt.date:
    streams = queries.funding_streams(as_at, pfa_code=HERTS, db=queries.Database(db))
    return streams.set_index("stream_id").loc[STREAM, "end_date"].date()


# ---------------------------------------------------------------- a valid return


def test_return_extends_funding_from_its_date_on_and_keeps_history(setup, tmp_path: Path):
    data_dir, db = setup
    dashboard_db = queries.Database(db)  # a running dashboard's connection, opened before the import
    assert coverage(dashboard_db, AT)["earliest_funding_end"].date() == dt.date(2025, 3, 31)

    path = write_return(tmp_path / "herts.csv", herts_extension())
    result = import_file(path, data_dir, db)

    changes = [str(c) for c in result.preview.changes]
    assert f"funding / {STREAM} / end_date: 2025-03-31 → 2026-03-31" in changes
    assert f"funding / {STREAM} / status: at risk → renewed" in changes
    # From the return's date on, the funding ends in 2026; before it, still in March 2025.
    assert stream_end(db, AT) == dt.date(2026, 3, 31)
    assert stream_end(db, BEFORE) == dt.date(2025, 3, 31)
    after, before = coverage(db, AT), coverage(db, BEFORE)
    assert after["next_funding_end"].date() == dt.date(2026, 3, 31) and after["funding_risk"] == "later end date"
    # Before the return, the MoJ funding ended on 31 March 2025 and no renewal was reported.
    assert before["earliest_funding_end"].date() == dt.date(2025, 3, 31)
    assert before["last_funding_end_passed"].date() == dt.date(2025, 3, 31)
    # The dashboard's connection follows the rebuilt file without a restart.
    assert coverage(dashboard_db, AT)["next_funding_end"].date() == dt.date(2026, 3, 31)
    # The return's dimensions are replaced; ISAC provision, absent from it, is untouched.
    assert after["isac_status"] == before["isac_status"] == "dedicated service"
    assert after["isac_count"] == 3

    history = queries.history(HERTS, db=queries.Database(db))
    funding_rows = history[history["record_id"] == STREAM]
    assert funding_rows["value"].tolist() == ["at risk, ends 2025-03-31", "renewed, ends 2026-03-31"]
    assert funding_rows["submitted_by"].tolist()[-1] == SUBMITTER
    assert funding_rows["kind"].tolist() == ["source", "return"]

    # Stored unchanged, read-only, under a name that holds its hash.
    stored = result.stored
    assert stored.parent == data_dir / "returns"
    assert stored.read_bytes() == path.read_bytes()
    assert stored.name.endswith(f"_{HERTS}_{sha(path)[:12]}.csv")
    assert not os.access(stored, os.W_OK) or os.geteuid() == 0
    assert stored.stat().st_mode & 0o222 == 0
    with duckdb.connect(str(db), read_only=True) as con:
        edition = con.execute("SELECT * FROM editions WHERE kind = 'return'").df().iloc[0]
        source = con.execute("SELECT * FROM sources WHERE source_id = ?", [f"return-{sha(path)[:12]}"]).df().iloc[0]
        note = con.execute("SELECT note FROM etl_runs ORDER BY run_id DESC LIMIT 1").fetchone()[0]
        evidence = con.execute(
            "SELECT count(*) FROM evidence WHERE edition_id = ?", [edition["edition_id"]]
        ).fetchone()[0]
    assert edition["edition_id"] == f"return:{sha(path)[:12]}" and edition["sha256"] == sha(path)
    assert edition["pfa_code"] == HERTS and edition["submitted_by"] == SUBMITTER and edition["file_name"] == stored.name
    assert source["title"] == "Return for Hertfordshire as at 2025-05-01" and source["publisher"] == SUBMITTER
    assert source["licence"] == "Submitted return" and source["document"] == stored.name
    assert note == f"import-return {stored.name}"
    assert evidence == 1
    # Returns never enter data/sources.csv.
    assert "return" not in (data_dir / "sources.csv").read_text(encoding="utf-8")


def test_rebuild_from_scratch_reproduces_the_database(setup, tmp_path: Path):
    data_dir, db = setup
    import_file(write_return(tmp_path / "herts.csv", herts_extension()), data_dir, db)
    fresh = tmp_path / "fresh.duckdb"
    pipeline.build(data_dir, fresh)
    tables = ["editions", "facts", "funding_stream_history", "sources", "sections"]
    with duckdb.connect(str(db), read_only=True) as a, duckdb.connect(str(fresh), read_only=True) as b:
        for t in tables:
            assert (
                a.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                == b.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            ), t


def test_later_return_supersedes_an_earlier_one_which_stays_in_history(setup, tmp_path: Path):
    data_dir, db = setup
    import_file(
        write_return(tmp_path / "a.csv", herts_extension() + [fact("isac_provision", "isac_count", "4")]), data_dir, db
    )
    later = dt.date(2025, 9, 1).isoformat()
    import_file(
        write_return(
            tmp_path / "b.csv",
            [
                fact("isac_provision", "isac_count", "5", as_at=later),
                fact("isac_provision", "status", "dedicated service", as_at=later),
            ],
        ),
        data_dir,
        db,
    )
    assert coverage(db, dt.date(2025, 8, 31))["isac_count"] == 4
    assert coverage(db, dt.date(2025, 9, 1))["isac_count"] == 5
    assert coverage(db, dt.date(2025, 1, 1))["isac_count"] == 3
    # Funding is not in the second return, so the first return's funding stands.
    assert stream_end(db, dt.date(2025, 9, 1)) == dt.date(2026, 3, 31)
    history = queries.history(HERTS, db=queries.Database(db))
    counts = history[history["attribute"] == "isac_count"]
    assert counts["value"].tolist() == ["3", "4", "5"]
    # A back-dated return is shown what it changes as at its own date, and told what still overrides it.
    backdated = write_return(tmp_path / "c.csv", [fact("isac_provision", "isac_count", "6", as_at="2025-03-01")])
    preview = import_file(backdated, data_dir, db, dry_run=True).preview
    assert "isac_provision / isac_count: 3 → 6" in [str(c) for c in preview.changes]
    assert any("still take precedence" in n and "return:" in n for n in preview.notes), preview.notes


def test_a_dry_run_shows_the_changes_and_writes_nothing(setup, tmp_path: Path):
    data_dir, db = setup
    path = write_return(tmp_path / "herts.csv", herts_extension())
    # Every build holds the writer lock, whose file lives in returns/ (issue 15): the folder
    # exists from the setup's build on, and the dry run must leave it as it found it.
    before = sha(db), snapshot(data_dir / "returns")
    proc = subprocess.run(
        [sys.executable, "-m", "returns", "import", str(path), "--dry-run", "--data", str(data_dir), "--out", str(db)],
        capture_output=True,
        text=True,
        cwd=paths.REPO_ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"funding / {STREAM} / end_date: 2025-03-31 → 2026-03-31" in proc.stdout
    assert proc.stdout.strip().endswith("Dry run: nothing was written.")
    assert (sha(db), snapshot(data_dir / "returns")) == before


def test_an_xlsx_template_filled_in_is_imported(setup, tmp_path: Path):
    data_dir, db = setup
    rows = intake.template(HERTS, data_dir=data_dir, database=db)
    book = openpyxl.load_workbook(io.BytesIO(intake.template_xlsx(rows, data_dir)))
    assert book.sheetnames == ["return", "guidance"]
    assert book["return"].data_validations.dataValidation, "dropdowns for record, dimension, funder and status"
    sheet = book["return"]
    header = [c.value for c in sheet[1]]
    for cells in sheet.iter_rows(min_row=2):
        by = dict(zip(header, cells))
        by["as_at"].value = dt.datetime(2025, 5, 1)  # Excel gives dates as datetimes
        by["submitted_by"].value = SUBMITTER
        if by["attribute"].value == "isac_count":
            by["value"].value = 4.0  # and whole numbers as floats
        if by["record"].value == "funding":
            by["end_date"].value = dt.datetime(2026, 3, 31)
            by["status"].value = "renewed"
    path = tmp_path / "herts.xlsx"
    book.save(path)
    result = import_file(path, data_dir, db)
    assert "isac_provision / isac_count: 3 → 4" in [str(c) for c in result.preview.changes]
    assert result.stored.suffix == ".xlsx"
    assert stream_end(db, AT) == dt.date(2026, 3, 31)
    assert coverage(db, AT)["isac_count"] == 4


def test_prefilled_template_returned_unchanged_changes_no_value(setup, tmp_path: Path):
    data_dir, db = setup
    rows = intake.template(HERTS, data_dir=data_dir, database=db)
    assert {(r["dimension"], r["attribute"]) for r in rows if r["record"] == "fact"} >= set(intake.TEMPLATE_FACTS)
    assert STREAM in [r["stream_id"] for r in rows if r["record"] == "funding"]
    for r in rows:
        r.update(as_at=AT.isoformat(), submitted_by=SUBMITTER)
    path = tmp_path / "same.csv"
    path.write_bytes(intake.template_csv(rows))
    preview = import_file(path, data_dir, db, dry_run=True).preview
    assert preview.changes and all(c.kind == "unchanged" for c in preview.changes), [str(c) for c in preview.changes]


def test_committed_templates_are_current():
    blank = intake.template_rows()
    assert (paths.TEMPLATES_DIR / "return_template.csv").read_bytes() == intake.template_csv(blank)
    book = openpyxl.load_workbook(paths.TEMPLATES_DIR / "return_template.xlsx")
    expected = openpyxl.load_workbook(io.BytesIO(intake.template_xlsx(blank)))
    for name in ("return", "guidance"):
        assert [[c.value for c in r] for r in book[name].iter_rows()] == [
            [c.value for c in r] for r in expected[name].iter_rows()
        ]
    example = paths.TEMPLATES_DIR / f"return_template_{HERTS}.csv"
    assert example.exists() and (paths.TEMPLATES_DIR / f"return_template_{HERTS}.xlsx").exists()
    assert STREAM in example.read_text(encoding="utf-8-sig")


@pytest.mark.slow
def test_cli_template_and_check(setup, tmp_path: Path):
    data_dir, db = setup
    out = tmp_path / "herts.xlsx"

    def run(*args, module="returns"):
        return subprocess.run(
            [sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=paths.REPO_ROOT
        )

    proc = run("template", "Herts", "--data", str(data_dir), "--db", str(db), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert openpyxl.load_workbook(out)["return"]["A2"].value == "Hertfordshire"
    proc = run("template", "Gotham", "--data", str(data_dir), "--db", str(db))
    assert proc.returncode == 1 and "unknown force 'Gotham'" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("template", HERTS, "--data", str(data_dir), "--db", str(tmp_path / "missing.duckdb"))
    assert proc.returncode == 1 and "No database" in proc.stderr and "Traceback" not in proc.stderr
    import_file(write_return(tmp_path / "herts.csv", herts_extension()), data_dir, db)
    proc = run("check", "--data", str(data_dir), module="etl")
    assert proc.returncode == 0, proc.stderr


# ---------------------------------------------------------------- bad returns change nothing


BAD = {
    "unknown force": (lambda: [funding(force="Gotham City PCC")], "2:force: unknown force 'Gotham City PCC'"),
    "two forces": (
        lambda: [fact("isac_provision", "isac_count", "4"), funding(force="Essex")],
        "3:force: 'Essex' is E23000028, but line 2 is for E23000027; expected one force per return",
    ),
    "as_at not a date": (
        lambda: [funding(as_at="31/05/2025")],
        "2:as_at: '31/05/2025' is not a date in YYYY-MM-DD form",
    ),
    "as_at not a real date": (
        lambda: [funding(as_at="2025-02-30")],
        "2:as_at: '2025-02-30' is not a real calendar date",
    ),
    "end_date not a date": (lambda: [funding(end_date="next March")], "2:end_date: 'next March' is not a date"),
    "end before start": (
        lambda: [funding(start_date="2026-04-01")],
        "2:end_date: 2026-03-31 is before start_date 2026-04-01",
    ),
    "as_at in the future": (
        lambda: [funding(as_at=(clock.today() + dt.timedelta(days=1)).isoformat())],
        "2:as_at: {tomorrow} is in the future",
    ),
    "two as-at dates": (
        lambda: [fact("isac_provision", "isac_count", "4"), funding(as_at="2025-05-02")],
        "3:as_at: '2025-05-02' differs from '2025-05-01' on line 2; expected the same as_at on every row",
    ),
    "negative headcount": (
        lambda: [fact("isac_provision", "isac_count", "-1")],
        "2:value: '-1' is not a whole number; expected an integer of 0 or more",
    ),
    "non-integer headcount": (
        lambda: [fact("isac_provision", "isac_count", "2.5")],
        "2:value: '2.5' is not a whole number",
    ),
    "unknown funding status": (
        lambda: [funding(status="probably fine")],
        "2:status: 'probably fine' is not a defined funding_status",
    ),
    "unknown isac status": (
        lambda: [fact("isac_provision", "status", "excellent")],
        "2:value: 'excellent' is not a defined isac_status",
    ),
    "unknown funder": (lambda: [funding(funder="a friend")], "2:funder: 'a friend' is not a defined funder"),
    "attribute of another dimension": (
        lambda: [fact("isac_provision", "masip_status", "pilot")],
        "2:attribute: 'masip_status' is not an attribute of isac_provision",
    ),
    "two statuses": (
        lambda: [
            fact("isac_provision", "status", "dedicated service"),
            fact("isac_provision", "status", "none stated"),
        ],
        "3:attribute: second status for this force and date (first on line 2)",
    ),
    "duplicate fact row": (lambda: [fact("isac_provision", "isac_count", "4")] * 2, "3:value: duplicate of line 2"),
    "duplicate funding row": (
        lambda: [funding(), funding()],
        f"3:stream_id: '{STREAM}' appears twice (first on line 2)",
    ),
    "another force's stream": (
        lambda: [funding(stream_id="sy-perpetrator-programme")],
        "2:stream_id: 'sy-perpetrator-programme' is a funded service of E23000011",
    ),
    "funding row with a fact value": (
        lambda: [funding(value="4")],
        "2:value: a funding row has a value; expected value only on fact rows",
    ),
    "fact row without attribute": (
        lambda: [fact("isac_provision", "", "4")],
        "2:attribute: value is empty; expected a value on a fact row",
    ),
    "funding row without funder": (
        lambda: [funding(funder="")],
        "2:funder: value is empty; expected a value on a funding row",
    ),
    "unknown record": (
        lambda: [row("update", value="4")],
        "2:record: 'update' is not allowed; expected fact or funding",
    ),
    "no submitter": (lambda: [funding(submitted_by="")], "2:submitted_by: value is empty"),
    "formula =": (lambda: [funding(service='=HYPERLINK("http://example.com")')], "2:service: value starts with '='"),
    "formula +": (lambda: [funding(submitted_by="+44 20 7946 0000")], "2:submitted_by: value starts with '+'"),
    "formula -": (lambda: [funding(service="-2+3")], "2:service: value starts with '-'"),
    "formula @": (lambda: [funding(evidence="@SUM(A1:A2)")], "2:evidence: value starts with '@'"),
    "nothing filled in": (lambda: [fact("isac_provision", "status", "")], "2:: no row is filled in"),
}


@pytest.fixture(scope="module")
def accepted(tmp_path_factory) -> tuple[Path, Path, Path]:
    """A data directory that already holds one accepted return, its database, and that return."""
    base = tmp_path_factory.mktemp("accepted")
    data_dir = base / "data"
    shutil.copytree(paths.DATA_DIR, data_dir, ignore=shutil.ignore_patterns("build", "returns", "templates", "*.md"))
    db = base / "stalking.duckdb"
    pipeline.build(data_dir, db)
    first = write_return(base / "first.csv", [fact("isac_provision", "isac_count", "4", as_at="2025-02-01")])
    import_file(first, data_dir, db)
    return data_dir, db, first


def expect_rejected(accepted, path: Path, expected: str) -> list[str]:
    data_dir, db, _ = accepted
    before_db, before_returns = sha(db), snapshot(data_dir / "returns")
    with pytest.raises(InputError) as err:
        import_file(path, data_dir, db)
    problems = [str(p) for p in err.value.problems]
    assert any(p.startswith(f"{path}:{expected}") for p in problems), problems
    assert sha(db) == before_db, "a rejected return must leave the database byte-identical"
    assert snapshot(data_dir / "returns") == before_returns, "and data/returns/ too"
    assert not list(db.parent.glob(".*building*"))
    return problems


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_return_is_rejected_and_changes_nothing(accepted, tmp_path: Path, case: str):
    rows_fn, expected = BAD[case]
    expected = expected.replace("{tomorrow}", (clock.today() + dt.timedelta(days=1)).isoformat())
    expect_rejected(accepted, write_return(tmp_path / "bad.csv", rows_fn()), expected)


def test_file_over_the_size_limit_is_rejected(accepted, tmp_path: Path):
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(herts_extension()) + b"\n" * intake.MAX_RETURN_BYTES)
    expect_rejected(accepted, path, f"0:: file is {path.stat().st_size:,} bytes; expected at most 1,048,576 (1 MB)")


def test_empty_file_is_rejected(accepted, tmp_path: Path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    expect_rejected(accepted, path, "1:: file is empty")


def test_header_only_file_is_rejected(accepted, tmp_path: Path):
    path = tmp_path / "header.csv"
    path.write_bytes(csv_bytes([]))
    expect_rejected(accepted, path, "2:: file has a header but no rows")


def test_wrong_encoding_is_rejected(accepted, tmp_path: Path):
    path = write_return(
        tmp_path / "cp1252.csv", herts_extension(submitted_by="Siobhan O\u2019Neill"), encoding="cp1252"
    )
    problems = expect_rejected(accepted, path, "2:: byte 0x92 is not valid UTF-8")
    assert "Windows-1252" in problems[0]


def test_missing_column_is_rejected(accepted, tmp_path: Path):
    path = tmp_path / "nocol.csv"
    text = csv_bytes(herts_extension()).decode().splitlines()
    path.write_text("\n".join(",".join(line.split(",")[:-1]) for line in text) + "\n", encoding="utf-8")
    expect_rejected(accepted, path, "1:status: required column is missing")


def test_the_same_file_twice_is_rejected(accepted):
    expect_rejected(accepted, accepted[2], "0:: this file was already imported")


def test_unknown_extension_is_rejected(accepted, tmp_path: Path):
    path = write_return(tmp_path / "return.txt", herts_extension())
    expect_rejected(accepted, path, "0:: '.txt' is not a return format; expected a .csv or .xlsx file")


def test_xlsx_formula_cell_is_rejected(accepted, tmp_path: Path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "return"
    sheet.append(list(intake.COLUMNS))
    values = funding()
    sheet.append([values[c] for c in intake.COLUMNS])
    sheet.cell(row=2, column=intake.COLUMNS.index("end_date") + 1).value = "=DATE(2026,3,31)"
    path = tmp_path / "formula.xlsx"
    book.save(path)
    expect_rejected(accepted, path, "2:end_date: value starts with '='")


def test_xlsx_without_a_return_sheet_is_rejected(accepted, tmp_path: Path):
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    path = tmp_path / "nosheet.xlsx"
    book.save(path)
    expect_rejected(accepted, path, "0:: no sheet named 'return' (found 'Sheet1')")


def test_csv_named_xlsx_is_rejected(accepted, tmp_path: Path):
    path = write_return(tmp_path / "fake.xlsx", herts_extension())
    expect_rejected(accepted, path, "0:: file is not an XLSX workbook (not a zip archive)")


def test_cli_rejects_with_one_line_per_problem(accepted, tmp_path: Path):
    data_dir, db, _ = accepted
    path = write_return(tmp_path / "bad.csv", [funding(force="Atlantis", end_date="soon")])
    before = sha(db), snapshot(data_dir / "returns")
    proc = subprocess.run(
        [sys.executable, "-m", "returns", "import", str(path), "--data", str(data_dir), "--out", str(db)],
        capture_output=True,
        text=True,
        cwd=paths.REPO_ROOT,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith(f"{path}:2:end_date: 'soon' is not a date")
    assert lines[1].startswith(f"{path}:2:force: unknown force 'Atlantis'")
    assert lines[-1] == "2 problem(s) found; nothing was written."
    assert (sha(db), snapshot(data_dir / "returns")) == before


def test_failed_rebuild_removes_the_stored_return(setup, tmp_path: Path, monkeypatch):
    data_dir, db = setup
    before = sha(db)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(load, "write_database", broken)
    with pytest.raises(InputError) as err:  # one file:row:column line, not a traceback (issue 15)
        import_file(write_return(tmp_path / "herts.csv", herts_extension()), data_dir, db)
    assert str(err.value).endswith(
        "the database cannot be written (disk full); expected room and permission "
        f"to write in {db.parent}. The previous database is unchanged"
    )
    assert sha(db) == before
    assert list((data_dir / "returns").iterdir()) == [data_dir / "returns" / intake.LOCK_FILE]


def test_an_edited_stored_return_stops_the_build(setup, tmp_path: Path):
    data_dir, db = setup
    stored = import_file(write_return(tmp_path / "herts.csv", herts_extension()), data_dir, db).stored
    os.chmod(stored, 0o644)
    stored.write_bytes(stored.read_bytes().replace(b"2026-03-31", b"2027-03-31"))
    with pytest.raises(InputError) as err:
        pipeline.build(data_dir, db)
    assert "expected a stored return to be left unchanged" in str(err.value)


# ---------------------------------------------------------------- concurrent imports


def cli_import(path: Path, data_dir: Path, db: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "returns", "import", str(path), "--data", str(data_dir), "--out", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=paths.REPO_ROOT,
    )


@pytest.mark.slow
def test_two_imports_at_the_same_moment_both_land_in_order(setup, tmp_path: Path):
    data_dir, db = setup
    a = write_return(tmp_path / "a.csv", herts_extension())
    b = write_return(tmp_path / "b.csv", [fact("isac_provision", "isac_count", "5")])
    procs = [cli_import(a, data_dir, db), cli_import(b, data_dir, db)]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with duckdb.connect(str(db), read_only=True) as con:
        editions = con.execute(
            "SELECT sha256, submitted_at, edition_order FROM editions WHERE kind = 'return' ORDER BY edition_order"
        ).fetchall()
        runs = con.execute(
            "SELECT run_id, note FROM etl_runs WHERE note LIKE 'import-return%' ORDER BY run_id"
        ).fetchall()
        last_files = {
            r[0]
            for r in con.execute(
                "SELECT sha256 FROM etl_run_files WHERE run_id = (SELECT max(run_id) FROM etl_runs)"
            ).fetchall()
        }
    assert {e[0] for e in editions} == {sha(a), sha(b)}, "neither return is lost"
    assert editions[0][1] < editions[1][1], "same as-at date: the one accepted first comes first"
    # The imports ran one after the other: the second build saw the first's return.
    assert [note.split()[1].split("_")[2][:12] for _, note in runs] == [e[0][:12] for e in editions]
    assert {sha(a), sha(b)} <= last_files
    assert stream_end(db, AT) == dt.date(2026, 3, 31) and coverage(db, AT)["isac_count"] == 5


@pytest.mark.slow
def test_an_import_waits_for_the_lock(setup, tmp_path: Path):
    data_dir, db = setup
    path = write_return(tmp_path / "herts.csv", herts_extension())
    (data_dir / "returns").mkdir(exist_ok=True)  # every build makes it (it holds the writer lock)
    before = sha(db)
    with filelock.FileLock(str(data_dir / "returns" / intake.LOCK_FILE)):
        proc = cli_import(path, data_dir, db)
        time.sleep(3)
        assert proc.poll() is None, "the import must wait while another holds the lock"
        assert sha(db) == before and len(list((data_dir / "returns").iterdir())) == 1
    proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert stream_end(db, AT) == dt.date(2026, 3, 31)
