"""The "Submit a return" page: absent without an admin passphrase, closed to a wrong
one, and with the right one it previews before it writes."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import paths, queries
from etl import pipeline
from tests.test_returns import AT, HERTS, STREAM, csv_bytes, funding, snapshot
from ui import admin

PASSPHRASE = "correct horse battery staple"
PAGE = "app_pages/submit_return.py"


def app() -> AppTest:
    at = AppTest.from_file(str(paths.REPO_ROOT / "app.py"), default_timeout=60)
    at.secrets = {"unrelated": "x"}  # stands in for any local secrets.toml, which may hold a passphrase
    return at


def everything_shown(at: AppTest) -> str:
    parts = [
        e.value
        for kind in ("markdown", "text", "code", "error", "success", "warning", "caption", "title", "subheader")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


@pytest.fixture(autouse=True)
def fresh_limiter():
    """Wrong passphrases are limited for the whole process (ui/admin.py): each test starts afresh."""
    admin.LIMITER.reset()
    yield
    admin.LIMITER.reset()


@pytest.fixture
def no_passphrase(monkeypatch):
    monkeypatch.delenv(admin.ENV_VAR, raising=False)


@pytest.fixture
def passphrase(monkeypatch):
    monkeypatch.setenv(admin.ENV_VAR, PASSPHRASE)


@pytest.fixture
def sandbox(data_copy: Path, tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """Point the app at a copy of data/ and its own database, so an import cannot touch the repository."""
    db = tmp_path / "build" / "stalking.duckdb"
    pipeline.build(data_copy, db)
    monkeypatch.setattr(paths, "DATA_DIR", data_copy)
    monkeypatch.setattr(paths, "DATABASE", db)
    return data_copy, db


def test_admin_check_is_constant_time_and_needs_configuration(monkeypatch):
    monkeypatch.delenv(admin.ENV_VAR, raising=False)
    assert not admin.check(PASSPHRASE), "nothing matches when no passphrase is configured"
    monkeypatch.setenv(admin.ENV_VAR, PASSPHRASE)
    assert admin.is_configured() and admin.check(PASSPHRASE)
    assert not admin.check("wrong") and not admin.check("") and not admin.check(None)
    source = (paths.REPO_ROOT / "ui/admin.py").read_text(encoding="utf-8")
    assert "hmac.compare_digest" in source and "==" not in source.split("def check", 1)[1]


def test_page_is_absent_without_a_passphrase(built_db, no_passphrase):
    at = app().run()
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


def test_page_refuses_to_run_without_a_passphrase(built_db, no_passphrase):
    at = AppTest.from_file(str(paths.REPO_ROOT / PAGE), default_timeout=60)
    at.secrets = {"unrelated": "x"}
    at.run()
    assert not at.exception
    assert "switched off" in at.error[0].value
    assert not at.get("file_uploader") and not at.text_input


def test_page_appears_with_a_passphrase_from_secrets(built_db, no_passphrase):
    at = app()
    at.secrets = {"admin_passphrase": PASSPHRASE}
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == "Submit a return"


def test_wrong_passphrase_is_rejected(built_db, passphrase):
    at = app().run()
    at.switch_page(PAGE).run()
    assert at.text_input[0].proto.type == at.text_input[0].proto.PASSWORD
    at.text_input[0].input("not the passphrase")
    at.button[0].click().run()
    assert not at.exception
    assert "not correct" in at.error[0].value
    assert not at.get("file_uploader"), "no upload without the passphrase"
    shown = everything_shown(at)
    assert "not the passphrase" not in shown and PASSPHRASE not in shown


def unlocked(at: AppTest) -> AppTest:
    at.run()
    at.switch_page(PAGE).run()
    at.text_input[0].input(PASSPHRASE)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_bad_upload_shows_its_problems_and_writes_nothing(passphrase, sandbox):
    data_dir, db = sandbox
    before = hashlib.sha256(db.read_bytes()).hexdigest(), snapshot(data_dir / "returns")
    at = unlocked(app())
    at.get("file_uploader")[0].set_value(("bad.csv", csv_bytes([funding(force="Gotham")]), "text/csv"))
    at.run()
    assert not at.exception
    assert "1 problem(s) found; nothing was written." in at.error[0].value
    assert at.code[0].value.startswith("bad.csv:2:force: unknown force 'Gotham'")
    assert not [b for b in at.button if b.label == "Confirm and import"]
    assert (hashlib.sha256(db.read_bytes()).hexdigest(), snapshot(data_dir / "returns")) == before


def test_upload_previews_then_imports_on_confirm(passphrase, sandbox):
    data_dir, db = sandbox
    before = snapshot(data_dir / "returns")  # the sandbox's build made the folder (it holds the writer lock)
    at = unlocked(app())
    at.get("file_uploader")[0].set_value(
        ("herts.csv", csv_bytes([funding(submitted_by="<b>Jane</b> ![x](http://example.com/x.png)")]), "text/csv")
    )
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    changes = at.dataframe[0].value
    row = changes[(changes["item"] == f"{STREAM} / end_date")].iloc[0]
    assert (row["current"], row["in this return"]) == ("2025-03-31", "2026-03-31")
    assert "<b>Jane</b>" in at.text[0].value, "submitted text is shown as plain text"
    assert snapshot(data_dir / "returns") == before, "the preview writes nothing"

    [confirm] = [b for b in at.button if b.label == "Confirm and import"]
    confirm.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Return stored and database rebuilt" in at.success[0].value
    assert len(list((data_dir / "returns").glob(f"*_{HERTS}_*.csv"))) == 1
    ends = queries.funding_streams(AT, pfa_code=HERTS, db=queries.Database(db))
    assert ends.set_index("stream_id").loc[STREAM, "end_date"].date() == dt.date(2026, 3, 31)


def test_a_workbook_declaring_the_whole_sheet_is_refused_by_the_upload_page(passphrase, sandbox):
    """The 5 KB workbook that kept a CPU busy for minutes: refused from its declared size, changing nothing."""
    from tests.test_hostile_returns import WORKBOOKS

    data_dir, db = sandbox
    before = hashlib.sha256(db.read_bytes()).hexdigest(), snapshot(data_dir / "returns")
    at = unlocked(app())
    raw = WORKBOOKS["declares the whole sheet, with a last row"][0]()
    at.get("file_uploader")[0].set_value(("whole.xlsx", raw, "application/octet-stream"))
    at.run()
    assert not at.exception
    assert "1 problem(s) found; nothing was written." in at.error[0].value
    assert "declares 1,048,576 rows and 16,384 columns" in at.code[0].value
    assert (hashlib.sha256(db.read_bytes()).hexdigest(), snapshot(data_dir / "returns")) == before
