"""Hostile files and hostile text (issue 15, items 5-7): every one is refused with one
`file:row:column: message` line per problem, exit status 1 and no traceback, and the
database and data/returns/ hash the same before and after ("nothing changed").

Every input is made here, in the test: CSV rows, workbooks written by openpyxl and then
edited part by part (a declared size of the whole sheet, malformed XML, entity expansion,
an external entity, a hidden sheet, a macro part, a zip bomb).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

import intake
from core import paths
from etl import pipeline
from intake import reading
from returns import __main__ as returns_cli
from tests.test_returns import csv_bytes, fact, funding, import_file, sha, snapshot, write_return

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates

HEADER = list(intake.COLUMNS)


@pytest.fixture(scope="module")
def accepted(tmp_path_factory) -> tuple[Path, Path]:
    """A data directory holding one accepted return, and its database."""
    import shutil

    base = tmp_path_factory.mktemp("hostile")
    data_dir = base / "data"
    shutil.copytree(paths.DATA_DIR, data_dir, ignore=shutil.ignore_patterns("build", "returns", "templates", "*.md"))
    db = base / "build" / "stalking.duckdb"
    pipeline.build(data_dir, db)
    first = write_return(base / "first.csv", [fact("isac_provision", "isac_count", "4", as_at="2025-02-01")])
    import_file(first, data_dir, db)
    return data_dir, db


def state(data_dir: Path, db: Path) -> tuple:
    """What must not change: the database's bytes and every file under data/returns/ (lock file included)."""
    return sha(db), snapshot(data_dir / "returns"), sorted(p.name for p in db.parent.iterdir())


def cli(capsys, *args: str) -> tuple[int, list[str], str]:
    """`python -m returns ARGS` in this process: exit status, stderr lines, stdout."""
    code = returns_cli.main(list(args))
    out, err = capsys.readouterr()
    return code, err.splitlines(), out


def refused(capsys, accepted, path: Path, expected: str, *, dry_run: bool = False) -> list[str]:
    """Import `path` through the command line; it must be refused with `expected` and change nothing."""
    data_dir, db = accepted
    before = state(data_dir, db)
    extra = ["--dry-run"] if dry_run else []
    code, lines, out = cli(capsys, "import", str(path), "--data", str(data_dir), "--out", str(db), *extra)
    assert code == 1, (lines, out)
    assert lines and lines[-1].endswith("problem(s) found; nothing was written."), lines
    problems = lines[:-1]
    assert len(problems) == int(lines[-1].split()[0]), "one line per problem"
    assert all(re.match(r"^.+:\d+:[^:]*: \S", p) for p in problems), problems
    assert any(expected in p for p in problems), problems
    assert "\x1b" not in out + "".join(lines), "no terminal escape reaches the terminal"
    assert state(data_dir, db) == before, "a refused return changes nothing"
    return problems


# ---------------------------------------------------------------- values (item 7, and item 6's headcount)


VALUES = {
    "20-digit headcount": (
        [fact("isac_provision", "isac_count", "12345678901234567890")],
        "2:value: '12345678901234567890' is too large; expected a whole number from 0 to 1,000,000",
    ),
    "Arabic-Indic digit": (
        [fact("isac_provision", "isac_count", "\u0663")],
        "2:value: '\u0663' is not a whole number",
    ),
    "full-width digits": (
        [fact("isac_provision", "isac_count", "\uff11\uff12")],
        "2:value: '\uff11\uff12' is not a whole number",
    ),
    "NUL in submitted_by": (
        [fact("isac_provision", "isac_count", "4", submitted_by="Jane\x00Smith")],
        "2:submitted_by: value holds the control character U+0000",
    ),
    "terminal escape in submitted_by": (
        [fact("isac_provision", "isac_count", "4", submitted_by="Jane \x1b[2J\x1b[31mSmith\x1b[0m")],
        "2:submitted_by: value holds the control character U+001B",
    ),
    "direction override in evidence": (
        [fact("isac_provision", "isac_count", "4", evidence="see \u202eexe.txt")],
        "2:evidence: value holds the control character U+202E",
    ),
    "as_at before 2000": (
        [fact("isac_provision", "isac_count", "4", as_at="1999-05-01")],
        "2:as_at: 1999-05-01 is before 2000-01-01; expected a date from 2000-01-01 to 2099-12-31",
    ),
    "end date in the year 9999": (
        [funding(end_date="9999-12-31")],
        "2:end_date: 9999-12-31 is after 2099-12-31",
    ),
}


@pytest.mark.parametrize("case", list(VALUES), ids=list(VALUES))
def test_value_is_refused_by_the_dry_run_and_the_import(capsys, accepted, tmp_path: Path, case: str):
    rows, expected = VALUES[case]
    path = write_return(tmp_path / "bad.csv", rows)
    refused(capsys, accepted, path, f"{path}:{expected}", dry_run=True)  # the dry run says what the import will
    refused(capsys, accepted, path, f"{path}:{expected}")


def test_a_line_break_in_a_value_cannot_forge_a_second_problem_line(capsys, accepted, tmp_path: Path):
    forged = f"{tmp_path}/other.csv:9:force: unknown force 'x'"
    path = write_return(tmp_path / "bad.csv", [fact("isac_provision", "status", f"bad\n{forged}\r{forged}")])
    problems = refused(capsys, accepted, path, f"{path}:2:value: ")
    assert not any(p.startswith(forged) for p in problems)
    assert any("bad\\n" + forged in p for p in problems), problems


def test_nul_in_a_curated_quote_or_fact_stops_the_build(data_copy: Path, tmp_path: Path):
    facts = data_copy / "curated" / "facts.csv"
    with open(facts, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["value"] = rows[0]["value"][:3] + "\x00" + rows[0]["value"][3:]
    rows[1]["quote"] = "\x00" + rows[1]["quote"]
    with open(facts, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "check", "--data", str(data_copy)],
        capture_output=True,
        text=True,
        cwd=paths.REPO_ROOT,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert re.search(r"facts\.csv:2:value: value holds the control character U\+0000", proc.stderr), proc.stderr
    assert re.search(r"facts\.csv:3:quote: value holds the control character U\+0000", proc.stderr), proc.stderr


# ---------------------------------------------------------------- workbooks (items 5, 6, 7)


def workbook(rows: list[dict] | None = None, *, hidden: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "return"
    sheet.append(HEADER)
    for r in rows or [fact("isac_provision", "isac_count", "5")]:
        sheet.append([r[c] or None for c in HEADER])
    if hidden:
        book.create_sheet(hidden).sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def edit(raw: bytes, change, add: dict[str, bytes] | None = None) -> bytes:
    """The workbook with each part passed through change(name, data), and parts added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info)))
        for name, data in (add or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


SHEET_XML = "xl/worksheets/sheet1.xml"


def in_sheet(old: bytes, new: bytes):
    def change(name: str, data: bytes) -> bytes:
        if name == SHEET_XML:
            assert old in data, data[:400]
            return data.replace(old, new, 1)
        return data

    return change


def with_doctype(doctype: bytes, old: bytes, new: bytes):
    def change(name: str, data: bytes) -> bytes:
        if name == SHEET_XML:
            data = re.sub(rb"^<\?xml[^>]*\?>", b"", data)
            return b'<?xml version="1.0" encoding="UTF-8"?>' + doctype + data.replace(old, new, 1)
        return data

    return change


LAUGHS = (
    b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        b'<!ENTITY %s "%s">' % (bytes([ord("a") + i + 1]), b"".join([b"&%s;" % bytes([ord("a") + i])] * 10))
        for i in range(8)
    )
    + b"]>"
)

far_row = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
WORKBOOKS = {
    "declares the whole sheet, with a last row": (
        lambda: edit(
            workbook(),
            lambda n, d: (
                re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', d).replace(
                    b"</sheetData>", far_row
                )
                if n == SHEET_XML
                else d
            ),
        ),
        "0:: the 'return' sheet declares 1,048,576 rows and 16,384 columns; expected at most 5,000 rows and 50 columns",
    ),
    "declares a small sheet but holds a far row": (
        lambda: edit(workbook(), in_sheet(b"</sheetData>", far_row)),
        "5001:: the 'return' sheet goes on beyond row 5,000",
    ),
    "a value in the last column": (
        lambda: edit(
            workbook(),
            in_sheet(b"</row></sheetData>", b'<c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'),
        ),
        "2:: a value in column 16,384; expected values only in the first 50 columns",
    ),
    "malformed sheet XML": (
        lambda: edit(workbook(), in_sheet(b"</sheetData>", b'<row r="3"><c r="A3"</sheetData>')),
        "0:: the 'return' sheet could not be read (ParseError",
    ),
    "entity expansion": (
        lambda: edit(workbook(), with_doctype(LAUGHS, b"<t>5</t>", b"<t>&i;</t>")),
        "0:: xl/worksheets/sheet1.xml declares a document type or entities",
    ),
    "external entity": (
        lambda: edit(
            workbook(),
            with_doctype(
                b'<!DOCTYPE worksheet [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
                b"<t>Hertfordshire</t>",
                b"<t>&e;</t>",
            ),
        ),
        "0:: xl/worksheets/sheet1.xml declares a document type or entities",
    ),
    "hidden sheet": (lambda: workbook(hidden="secret"), "0:: the workbook has hidden sheets ('secret')"),
    "macro part": (
        lambda: edit(workbook(), lambda n, d: d, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"}),
        "0:: the workbook holds macros or embedded objects (xl/vbaProject.bin)",
    ),
    "zip bomb": (
        lambda: edit(workbook(), lambda n, d: d, add={"xl/media/zeros.bin": b"\0" * (30 * 1024 * 1024)}),
        "0:: workbook unpacks to",
    ),
    "more XML than a return needs": (
        lambda: edit(workbook(), lambda n, d: d, add={"xl/padding.xml": b"<a>" + b" " * (4_500_000) + b"</a>"}),
        "0:: workbook holds 4,5",
    ),
}


@pytest.mark.parametrize("case", list(WORKBOOKS), ids=list(WORKBOOKS))
def test_workbook_is_refused(capsys, accepted, tmp_path: Path, case: str, monkeypatch):
    make, expected = WORKBOOKS[case]
    path = tmp_path / "bad.xlsx"
    path.write_bytes(make())
    assert path.stat().st_size <= intake.MAX_RETURN_BYTES, "within the size limit: refused for what it holds"
    # Work is bounded: reading converts at most a few rows of cells, whatever size the sheet declares.
    converted = []

    def counting(value):
        converted.append(value)
        if len(converted) > 10 * reading.MAX_SHEET_COLUMNS * 1000:
            raise AssertionError("reading a 5 KB workbook converted millions of cells")
        return original(value)

    original = reading.cell_text
    monkeypatch.setattr(reading, "cell_text", counting)
    refused(capsys, accepted, path, f"{path}:{expected}", dry_run=True)
    refused(capsys, accepted, path, f"{path}:{expected}")


def test_reading_a_workbook_stops_at_its_deadline(capsys, accepted, tmp_path: Path, monkeypatch):
    path = tmp_path / "slow.xlsx"
    path.write_bytes(workbook())
    monkeypatch.setattr(reading, "READ_SECONDS", 0.0)  # the deadline has passed by the first row
    refused(capsys, accepted, path, f"{path}:1:: reading the workbook took more than 0 s")


def test_a_valid_workbook_is_still_read(tmp_path: Path):
    table = reading.read_return(workbook(), "ok.xlsx")
    assert not table.problems and table.rows[0]["value"] == "5" and table.lines == [2]


# ---------------------------------------------------------------- files that are not files (item 6)


def test_dev_zero_is_read_with_a_bound(tmp_path: Path, accepted):
    """Before: read without bound until memory ran out (here: a 3 GB address-space limit, a MemoryError)."""
    data_dir, db = accepted
    before = state(data_dir, db)

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    proc = subprocess.run(
        [sys.executable, "-m", "returns", "import", "/dev/zero", "--data", str(data_dir), "--out", str(db)],
        capture_output=True,
        text=True,
        cwd=paths.REPO_ROOT,
        preexec_fn=limit_memory,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.stderr.splitlines()[0] == (
        "/dev/zero:0:: is not a regular file (a device); expected a return (.csv or .xlsx)"
    ), proc.stderr  # refused before a byte is read (issue 28, item 7)
    assert state(data_dir, db) == before


def test_a_folder_given_as_a_return_is_one_problem(capsys, accepted, tmp_path: Path):
    folder = tmp_path / "return.csv"
    folder.mkdir()
    refused(capsys, accepted, folder, f"{folder}:0:: is a folder; expected a return (.csv or .xlsx)")


def test_a_curated_file_that_is_a_folder_stops_the_build(data_copy: Path, tmp_path: Path):
    db = tmp_path / "build" / "stalking.duckdb"
    pipeline.build(data_copy, db)
    before = sha(db)
    facts = data_copy / "curated" / "facts.csv"
    facts.unlink()
    facts.mkdir()
    for command in (["build", "--out", str(db)], ["check"]):
        proc = subprocess.run(
            [sys.executable, "-m", "etl", *command, "--data", str(data_copy)],
            capture_output=True,
            text=True,
            cwd=paths.REPO_ROOT,
        )
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
        assert proc.stderr.splitlines()[0] == f"{facts}:0:: is a folder; expected a CSV file", proc.stderr
    assert sha(db) == before


# ---------------------------------------------------------------- writes that fail (item 6)


def file_size_limit(limit: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.slow
@pytest.mark.parametrize("command", ["build", "import"])
def test_a_full_disk_on_the_build_folder_is_one_problem_and_changes_nothing(
    data_copy: Path, tmp_path: Path, command: str
):
    """The database cannot grow past 1 MB (RLIMIT_FSIZE: writes fail as on a full disk, EFBIG for ENOSPC)."""
    db = tmp_path / "build" / "stalking.duckdb"
    pipeline.build(data_copy, db)
    before = state(data_copy, db)
    args = (
        ["etl", "build"]
        if command == "build"
        else ["returns", "import", str(write_return(tmp_path / "r.csv", [funding()]))]
    )
    proc = subprocess.run(
        [sys.executable, "-m", *args, "--data", str(data_copy), "--out", str(db)],
        capture_output=True,
        text=True,
        cwd=paths.REPO_ROOT,
        preexec_fn=file_size_limit(1 << 20),
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    problems = proc.stderr.splitlines()[:-1]
    assert len(problems) == 1, proc.stderr
    assert problems[0].startswith(f"{db}:0:: the database cannot be written (") and "File too large" in problems[0]
    assert problems[0].endswith(f"in {db.parent}. The previous database is unchanged"), problems[0]
    assert state(data_copy, db) == before, "the old database stays; the return is not kept; no temporary file is left"


def test_a_read_only_returns_folder_is_one_problem(capsys, accepted, tmp_path: Path, monkeypatch):
    """Root can write anywhere, so the file system's refusal is simulated where the store writes."""
    import errno

    from core import atomic

    def read_only(target, data, mode=None):
        raise OSError(errno.EROFS, "Read-only file system", str(target))

    monkeypatch.setattr(atomic, "write_beside", read_only)
    data_dir, _ = accepted
    path = write_return(tmp_path / "ok.csv", [fact("isac_provision", "isac_count", "6")])
    refused(
        capsys,
        accepted,
        path,
        f"{data_dir / 'returns'}:0:: the return cannot be stored (Read-only file system); expected a writable folder",
    )


def test_a_lock_that_cannot_be_taken_is_one_problem(capsys, accepted, tmp_path: Path, monkeypatch):
    import errno

    import filelock

    def read_only(self, *args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(filelock.FileLock, "acquire", read_only)
    data_dir, _ = accepted
    path = write_return(tmp_path / "ok.csv", [fact("isac_provision", "isac_count", "6")])
    refused(capsys, accepted, path, f"{data_dir / 'returns' / intake.LOCK_FILE}:0:: cannot be written (Read-only")


# ---------------------------------------------------------------- briefing dates (item 6)


@pytest.mark.parametrize("as_at", ["9999-12-31", "2300-01-01", "1999-12-31"])
def test_briefing_as_at_outside_the_data_dates_is_one_line(as_at: str):
    from exports import __main__ as exports_cli

    with pytest.raises(SystemExit) as stop, contextlib.redirect_stderr(io.StringIO()) as err:
        exports_cli.main(["briefing", "--all", "--no-images", "--as-at", as_at])
    assert stop.value.code == 2
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and f"--as-at: {as_at} is " in lines[0] and "2000-01-01 to 2099-12-31" in lines[0], lines


def test_a_briefing_at_the_last_date_the_data_can_hold_is_made(built_db):
    from exports import briefing
    from exports.scope import resolve_scope

    pack = briefing.build_pack(resolve_scope(force="E23000027"), dt.date(2099, 12, 31), images_wanted=False)
    assert pack.data[:2] == b"PK"


def test_csv_rows_over_the_limit_are_refused(capsys, accepted, tmp_path: Path):
    path = tmp_path / "many.csv"
    path.write_bytes(csv_bytes([funding(stream_id=f"s-{i}") for i in range(reading.MAX_RETURN_ROWS + 1)]))
    refused(capsys, accepted, path, f"{path}:1002:: more than 1000 rows")


def test_a_refused_return_on_a_fresh_clone_writes_not_even_the_lock(capsys, data_copy: Path, tmp_path: Path):
    """Before: the dry run said OK, and the import crashed with an OverflowError after taking the lock."""
    db = tmp_path / "build" / "stalking.duckdb"
    path = write_return(tmp_path / "r.csv", [fact("isac_provision", "isac_count", "12345678901234567890")])
    for extra in ([], ["--dry-run"]):
        code, lines, _ = cli(capsys, "import", str(path), "--data", str(data_copy), "--out", str(db), *extra)
        assert code == 1 and "is too large" in lines[0], lines
    assert not (data_copy / "returns").exists() and not db.parent.exists(), "nothing written, not even the lock file"
