"""Nothing lost (issue 15, items 1 and 2): every writer holds the one lock, and a writer
killed at any moment (kill -9) leaves the database old or new; the next writer finishes or
undoes what it left, so every accepted return (every record in data/returns/) is in the
database and no temporary file or journal is left.

The kill -9 loop (`test_kill_9_loop`) runs in `make test`; to run it alone:

    .venv/bin/python -m pytest -m killloop -v

It kills 30 writers (15 builds, 15 imports) at random moments (a fixed seed) on a copy of
data/, and after each kill runs the next writer to completion and checks the outcome. No
timing is asserted: the delays only spread the kills over every stage of a write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import filelock
import pytest

from core import paths
from core.problems import InputError
from etl import load, pipeline, stored_returns
from etl.read import LOCK_FILE
from etl.stored_returns import JOURNAL_FILE, STORED_NAME
from intake.checking import check
from tests.browser import drives
from tests.test_returns import csv_bytes, fact, import_file, write_return


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def records(data_dir: Path) -> set[str]:
    """The sha256 of every accepted return on disk (the records, which are written last)."""
    folder = data_dir / "returns"
    if not folder.is_dir():
        return set()
    return {json.loads(p.read_text(encoding="utf-8"))["sha256"] for p in folder.glob("[0-9]*.json")}


def in_database(db: Path) -> set[str]:
    """The sha256 of every return the database holds; the database must be readable."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {r[0] for r in con.execute("SELECT sha256 FROM editions WHERE kind = 'return'").fetchall()}


def stray_files(data_dir: Path, db: Path) -> list[str]:
    """Files that should not be there once a writer has finished: temporary files, the journal,
    a submitted file without its record or a record without its file."""
    stray = []
    folder = data_dir / "returns"
    names = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    for name in names:
        match = STORED_NAME.fullmatch(name)
        if name == LOCK_FILE:
            continue
        if not match:
            stray.append(name)
        elif match["ext"] == "json":
            if not ({f"{Path(name).stem}.csv", f"{Path(name).stem}.xlsx"} & names):
                stray.append(f"{name} (no submitted file)")
        elif f"{Path(name).stem}.json" not in names:
            stray.append(f"{name} (no record)")
    stray += [p.name for p in db.parent.iterdir() if p.name not in (db.name, pipeline.backup_of(db).name)]
    return sorted(stray)


def settled(data_dir: Path, db: Path) -> None:
    """What must hold once a writer has finished: every accepted return in the database, nothing stray."""
    assert in_database(db) == records(data_dir), "every accepted return is in the database, and nothing else"
    assert stray_files(data_dir, db) == []


@pytest.fixture
def fresh(data_copy: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A fresh clone: data/ without a returns folder, and no database yet."""
    assert not (data_copy / "returns").exists()
    return data_copy, tmp_path / "build" / "stalking.duckdb"


# ---------------------------------------------------------------- item 1: one lock, always


def test_a_build_on_a_fresh_clone_holds_the_writer_lock(fresh, monkeypatch):
    data_dir, db = fresh
    seen = []
    write = load.write_database

    def while_building(*args, **kwargs):
        other = filelock.FileLock(str(data_dir / "returns" / LOCK_FILE), timeout=0)
        try:
            other.acquire()
            other.release()
            seen.append("free")
        except filelock.Timeout:
            seen.append("held")
        return write(*args, **kwargs)

    monkeypatch.setattr(load, "write_database", while_building)
    pipeline.build(data_dir, db)
    assert seen == ["held"], "a build holds the lock every import takes, even with no returns folder yet"


@pytest.mark.slow
def test_an_import_during_a_build_on_a_fresh_clone_is_kept(fresh, tmp_path: Path):
    """A build and an import started together: whichever takes the lock first, the return ends up in
    the database, and importing it again is refused because it is there."""
    data_dir, db = fresh
    path = write_return(tmp_path / "herts.csv", [fact("isac_provision", "isac_count", "7")])
    run = [sys.executable, "-m"]
    where = ["--data", str(data_dir), "--out", str(db)]
    procs = [
        subprocess.Popen(
            [*run, "etl", "build", *where], cwd=paths.REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        ),
        subprocess.Popen(
            [*run, "returns", "import", str(path), *where],
            cwd=paths.REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ),
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    settled(data_dir, db)
    assert len(records(data_dir)) == 1
    assert pipeline.is_current(data_dir, db), "the build records its inputs, not the import's journal"
    with pytest.raises(InputError, match="already imported"):
        import_file(path, data_dir, db)


# ---------------------------------------------------------------- item 2: killed at each step


STEPS = ["journal", "journal + submitted file", "journal + both files", "both files + rebuilt database"]


def killed_import(data_dir: Path, db: Path, tmp_path: Path, step: str) -> Path:
    """The state an import killed after `step` leaves (as kill -9 would: no clean-up ran)."""
    path = write_return(tmp_path / "killed.csv", [fact("isac_provision", "isac_count", "9")])
    raw = path.read_bytes()
    checked = check(raw, path.name, data_dir=data_dir)
    ret, table = checked.ret, checked.table
    folder = data_dir / "returns"
    stored = stored_returns.write(
        folder,
        raw,
        table,
        suffix=ret.suffix,
        pfa_code=ret.pfa_code,
        as_at=ret.as_at,
        submitted_by=ret.submitted_by,
        submitted_at=dt.datetime(2026, 1, 1, 12, 0, 0),
    )
    if step == "journal":
        stored.record.unlink()
        stored.submitted.unlink()
    elif step == "journal + submitted file":
        stored.record.unlink()
    elif step == "both files + rebuilt database":  # killed after the rename, before the journal went
        journal = (folder / JOURNAL_FILE).read_bytes()
        pipeline.build_locked(data_dir, db)
        (folder / JOURNAL_FILE).write_bytes(journal)
    # What else a killed writer leaves: hidden temporary files of a dead process in both folders.
    dead = dead_pid()
    for target in (stored.record, db):
        target.with_name(f".{target.name}.{dead}.0badf00d.tmp").write_bytes(b"partial")
    (db.parent / f".{db.name}.{dead}.0badf00d.building").write_bytes(b"partial")
    (db.parent / f".{db.name}.{dead}.0badf00d.building.wal").write_bytes(b"partial")
    return path


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.slow
@pytest.mark.parametrize("next_writer", ["build", "import", "the same import again"])
@pytest.mark.parametrize("step", STEPS)
def test_the_next_writer_finishes_or_undoes_a_killed_import(
    data_copy: Path, tmp_path: Path, step: str, next_writer: str
):
    data_dir, db = data_copy, tmp_path / "build" / "stalking.duckdb"
    pipeline.build(data_dir, db)
    path = killed_import(data_dir, db, tmp_path, step)
    kept = step in ("journal + both files", "both files + rebuilt database")
    assert (data_dir / "returns" / JOURNAL_FILE).exists()
    if next_writer == "build":
        pipeline.build(data_dir, db)
    elif next_writer == "import":
        import_file(write_return(tmp_path / "next.csv", [fact("isac_provision", "isac_count", "11")]), data_dir, db)
    elif kept:  # accepted before the writer stopped: a second import of it is refused, but it is in the database
        with pytest.raises(InputError, match="already imported"):
            import_file(path, data_dir, db)
    else:  # never accepted: importing it again is accepted
        import_file(path, data_dir, db)
    settled(data_dir, db)
    if next_writer != "the same import again":
        assert (digest(path) in records(data_dir)) == kept


# ---------------------------------------------------------------- the kill -9 loop


KILLS = 30


def return_file(tmp_path: Path, i: int) -> Path:
    path = tmp_path / f"loop-{i}.csv"
    path.write_bytes(csv_bytes([fact("isac_provision", "isac_count", str(i), evidence=f"kill loop {i}")]))
    return path


@pytest.mark.killloop
def test_kill_9_loop(data_copy: Path, tmp_path: Path):
    drives("killloop")
    data_dir, db = data_copy, tmp_path / "build" / "stalking.duckdb"
    pipeline.build(data_dir, db)
    rng = random.Random(15)
    outcomes = {"killed": 0, "finished before the kill": 0, "kept": 0, "undone": 0}
    where = ["--data", str(data_dir), "--out", str(db)]

    def start(kind: str, path: Path) -> subprocess.Popen:
        args = ["returns", "import", str(path)] if kind == "import" else ["etl", "build"]
        return subprocess.Popen(
            [sys.executable, "-m", *args, *where],
            cwd=paths.REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    # How long each writer takes on this machine now, so the kills spread over its whole run
    # (start-up, checks, store, rebuild, rename) rather than mostly over Python's start-up.
    took = {}
    for kind in ("build", "import"):
        began = time.monotonic()
        assert start(kind, return_file(tmp_path, 1000)).wait() == 0
        took[kind] = time.monotonic() - began
    for i in range(KILLS):
        kind = "import" if i % 2 else "build"
        path = return_file(tmp_path, i)
        before_db, before_sha = in_database(db), digest(db)
        proc = start(kind, path)
        time.sleep(took[kind] * rng.uniform(0.3, 0.85))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            outcomes["killed"] += 1
        else:
            outcomes["finished before the kill"] += 1
        proc.wait()

        # Old or new: the database is readable, and either the same file or a complete build of every
        # return accepted by then.
        after = in_database(db)
        now = records(data_dir)
        same_file = digest(db) == before_sha
        assert (same_file and after == before_db) or after == now, (i, kind, before_db, after, now)

        # The next writer (here, in this process) finishes or undoes what the killed one left.
        if kind == "import":
            sha = digest(path)
            if sha in now:
                outcomes["kept"] += 1
                with pytest.raises(InputError, match="already imported"):
                    import_file(path, data_dir, db)
            else:
                outcomes["undone"] += 1
                import_file(path, data_dir, db)  # never accepted: it can be imported now
        else:
            pipeline.build(data_dir, db)
        settled(data_dir, db)
    print(f"kill -9 loop: {outcomes}")  # how the kills fell; only the outcomes above are asserted
