"""The ETL: builds the real data, and rejects bad input without losing anything."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from core import paths
from core.problems import InputError
from etl import pipeline


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_rows(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None, encoding="utf-8") -> None:
    columns = columns or list(rows[0])
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def test_real_data_builds_every_table(built_db: Path):
    with duckdb.connect(str(built_db), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        assert {"forces", "facts", "funding_stream_history", "sources", "timeline", "etl_runs"} <= tables
        assert {"force_coverage", "funding_streams", "evidence"} <= views
        assert con.execute("SELECT count(*) FROM force_coverage").fetchone()[0] == 43
        assert con.execute("SELECT count(DISTINCT pfa_code) FROM forces").fetchone()[0] == 43
        statuses = {r[0] for r in con.execute("SELECT DISTINCT isac_status FROM force_coverage").fetchall()}
        allowed = {r[0] for r in con.execute("SELECT value FROM allowed_values WHERE field = 'isac_status'").fetchall()}
        assert statuses <= allowed


def test_run_is_logged_with_input_hashes(tmp_path: Path):
    db = tmp_path / "out.duckdb"
    pipeline.build(paths.DATA_DIR, db)
    pipeline.build(paths.DATA_DIR, db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM etl_runs").fetchone()[0] == 2
        files = dict(con.execute("SELECT file, sha256 FROM etl_run_files WHERE run_id = 2").fetchall())
    assert files["data/forces.csv"] == sha(paths.FORCES_CSV)
    assert (tmp_path / "out.previous.duckdb").exists(), "the previous database is kept as a backup"


def build_expecting_errors(data_dir: Path, db: Path) -> list[str]:
    """Build from a broken copy of data/; the database must be byte-identical afterwards."""
    before = sha(db)
    with pytest.raises(InputError) as err:
        pipeline.build(data_dir, db)
    assert sha(db) == before, "a failed build must leave the existing database untouched"
    assert not list(db.parent.glob(".*building*")), "no temporary file may be left behind"
    return [str(p) for p in err.value.problems]


@pytest.fixture
def existing_db(tmp_path: Path) -> Path:
    db = tmp_path / "existing.duckdb"
    pipeline.build(paths.DATA_DIR, db)
    return db


def test_unknown_force_name_is_rejected(data_copy: Path, existing_db: Path):
    path = data_copy / "curated/facts.csv"
    rows = rows_of(path)
    rows[0]["force"] = "Gotham City PCC"
    write_rows(path, rows)
    errors = build_expecting_errors(data_copy, existing_db)
    assert any(e.startswith(f"{path}:2:force: unknown force 'Gotham City PCC'") for e in errors), errors


def test_duplicate_force_code_is_rejected(data_copy: Path, existing_db: Path):
    path = data_copy / "forces.csv"
    rows = rows_of(path)
    rows[1]["pfa_code"] = rows[0]["pfa_code"]
    write_rows(path, rows)
    errors = build_expecting_errors(data_copy, existing_db)
    assert any(f"{path}:3:pfa_code: duplicate key E23000001 (first on line 2)" in e for e in errors), errors


def test_impossible_date_is_rejected(data_copy: Path, existing_db: Path):
    path = data_copy / "curated/funding_streams.csv"
    rows = rows_of(path)
    rows[0]["end_date"] = "31/02/2025"
    rows[1]["end_date"] = "2025-02-31"
    write_rows(path, rows)
    errors = build_expecting_errors(data_copy, existing_db)
    assert f"{path}:2:end_date: '31/02/2025' is not a date in YYYY-MM-DD form; expected e.g. 2025-03-31" in errors
    assert any(e.startswith(f"{path}:3:end_date: '2025-02-31' is not a real calendar date") for e in errors), errors


def test_a_web_address_that_could_carry_markup_is_rejected(data_copy: Path, existing_db: Path):
    """A source's address becomes a link target on the pages: only a plain https address is accepted."""
    path = data_copy / "sources.csv"
    rows = rows_of(path)
    rows[0]["url"] = "https://example.org/a)](javascript:alert(1)"
    rows[1]["url"] = "http://example.org/page"
    write_rows(path, rows)
    errors = build_expecting_errors(data_copy, existing_db)
    assert any(
        e.startswith(f"{path}:2:url: 'https://example.org/a)](javascript:alert(1)' is not a web address")
        for e in errors
    ), errors
    assert any(e.startswith(f"{path}:3:url: 'http://example.org/page' is not a web address") for e in errors), errors


def test_end_before_start_is_rejected(data_copy: Path, existing_db: Path):
    path = data_copy / "curated/funding_streams.csv"
    rows = rows_of(path)
    rows[0]["start_date"], rows[0]["end_date"] = "2025-04-01", "2025-03-31"
    write_rows(path, rows)
    errors = build_expecting_errors(data_copy, existing_db)
    assert any(e.startswith(f"{path}:2:end_date: 2025-03-31 is before start_date 2025-04-01") for e in errors), errors


def test_missing_required_column_is_rejected(data_copy: Path, existing_db: Path):
    path = data_copy / "curated/facts.csv"
    rows = rows_of(path)
    columns = [c for c in rows[0] if c != "quote"]
    write_rows(path, rows, columns)
    errors = build_expecting_errors(data_copy, existing_db)
    assert any(e.startswith(f"{path}:1:quote: required column is missing") for e in errors), errors


def test_undefined_status_is_rejected(data_copy: Path, existing_db: Path):
    path = data_copy / "curated/funding_streams.csv"
    rows = rows_of(path)
    rows[0]["status"] = "probably fine"
    write_rows(path, rows)
    errors = build_expecting_errors(data_copy, existing_db)
    assert any(e.startswith(f"{path}:2:status: 'probably fine' is not a defined funding_status") for e in errors), (
        errors
    )


def test_empty_file_is_rejected(data_copy: Path, existing_db: Path):
    path = data_copy / "curated/timeline.csv"
    path.write_bytes(b"")
    errors = build_expecting_errors(data_copy, existing_db)
    assert f"{path}:1:: file is empty; expected a header row and data rows" in errors


def test_cp1252_file_is_rejected_not_mangled(data_copy: Path, existing_db: Path):
    path = data_copy / "curated/facts.csv"
    rows = rows_of(path)
    rows[0]["note"] = "Curator\u2019s note"  # a right single quote: byte 0x92 in Windows-1252
    write_rows(path, rows, encoding="cp1252")
    errors = build_expecting_errors(data_copy, existing_db)
    assert len(errors) == 1
    assert errors[0].startswith(f"{path}:2:: byte 0x92 is not valid UTF-8")
    assert "Windows-1252" in errors[0] and "CSV UTF-8" in errors[0]


def test_utf8_with_bom_is_read(data_copy: Path, tmp_path: Path):
    path = data_copy / "forces.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    db = tmp_path / "bom.duckdb"
    pipeline.build(data_copy, db)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM forces WHERE pfa_code = 'E23000001'").fetchone()[0] == 1


def test_formula_prefix_is_rejected(data_copy: Path, existing_db: Path):
    path = data_copy / "curated/facts.csv"
    rows = rows_of(path)
    rows[0]["note"] = '=HYPERLINK("http://example.com")'
    write_rows(path, rows)
    errors = build_expecting_errors(data_copy, existing_db)
    assert any(e.startswith(f"{path}:2:note: value starts with '='") for e in errors), errors


def test_ambiguous_alias_is_rejected(data_copy: Path, existing_db: Path):
    path = data_copy / "forces.csv"
    rows = rows_of(path)
    rows[1]["aliases"] += ";MOPAC"  # already Metropolitan Police's alias
    write_rows(path, rows)
    errors = build_expecting_errors(data_copy, existing_db)
    assert any(f"{path}:3:aliases: name 'MOPAC' also belongs to E23000001" in e for e in errors), errors


def test_cli_prints_one_line_per_problem_and_exits_nonzero(data_copy: Path, tmp_path: Path):
    path = data_copy / "curated/facts.csv"
    rows = rows_of(path)
    rows[0]["force"] = "Atlantis"
    rows[1]["valid_from"] = "31/02/2025"
    write_rows(path, rows)
    out = tmp_path / "cli.duckdb"
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "build", "--data", str(data_copy), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=paths.REPO_ROOT,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[-1] == "2 problem(s) found; nothing was written."
    assert lines[0].startswith(f"{path}:2:force: unknown force 'Atlantis'")
    assert lines[1].startswith(f"{path}:3:valid_from: '31/02/2025' is not a date")
    assert not out.exists()


def test_one_status_per_force_and_date_but_several_risk_forums(data_copy: Path, existing_db: Path, tmp_path: Path):
    path = data_copy / "curated/facts.csv"
    rows = rows_of(path)
    base = next(r for r in rows if r["dimension"] == "isac_provision" and r["attribute"] == "status")
    forums = [
        {**base, "fact_id": f"forum-{v.lower()}", "dimension": "multi_agency", "attribute": "risk_forum", "value": v}
        for v in ("MARAC", "MAPPA")
    ]
    write_rows(path, rows + forums)
    pipeline.build(data_copy, tmp_path / "forums.duckdb")  # several forums at one date are fine

    second_status = {**base, "fact_id": "second-status", "value": "model not stated"}
    write_rows(path, rows + forums + [second_status])
    errors = build_expecting_errors(data_copy, existing_db)
    assert any("second status for this force and date" in e for e in errors), errors
