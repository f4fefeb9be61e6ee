"""Races in the round's workflow (issue 28 item 5), run with real processes on SQLite and PostgreSQL:
every change of a submission's state checks the state it expects, so each race ends in one clear
state and the one who lost is refused, saying why.

- The same file submitted by 4 processes at once: one submission is waiting for review, the
  others superseded (or refused), and once it is accepted none is left waiting.
- Reviewer A accepts while reviewer B returns the same submission for changes (B acting while
  A's accept is publishing): it ends accepted and published, B is refused, and no comment of
  B's sits on the accepted return.

The processes wait for one another at a barrier (files in the test's folder) rather than sleep,
so nothing here depends on how long anything takes.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from core import paths, queries
from tests.test_returns import fact
from tests.workflow_fixtures import (  # noqa: F401
    HERTS,
    HERTS_OFFICE,
    REVIEWER_ACTOR,
    make_sandbox,
    open_round,
    postgres_server,
    postgres_url,
)
from workflow import database, submitting
from workflow.database import engine

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates
WAIT = 120  # seconds a process waits at the barrier before it gives up: a hang guard, not a timing

PRELUDE = """
import sys, time
from pathlib import Path
from core import paths
paths.DATA_DIR = Path({data!r}); paths.DATABASE = Path({db!r})
paths.WORKFLOW_URL = {url!r}; paths.FORM_KEY_FILE = Path({key!r})
from workflow import access, review, submitting

def wait_for(name):
    deadline = time.monotonic() + {wait}
    while not Path({folder!r}, name).exists():
        if time.monotonic() > deadline:
            sys.exit("gave up waiting for " + name)
        time.sleep(0.01)

def mark(name):
    Path({folder!r}, name).touch()

def outcome(fn):
    try:
        print("ok", fn())
    except (review.InputError, review.guard.Refused) as err:
        print("refused", str(err).replace(chr(10), " / "))
"""


def script(box, folder: Path, body: str) -> str:
    return (
        PRELUDE.format(
            data=str(box.data_dir),
            db=str(box.database),
            url=box.url,
            key=str(paths.FORM_KEY_FILE),
            folder=str(folder),
            wait=WAIT,
        )
        + body
    )


def start(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=paths.REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(procs: list[subprocess.Popen]) -> list[str]:
    """Each process's one line of outcome ('ok …' or 'refused …'); a traceback fails the test."""
    said = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err[-3000:]
        lines = out.strip().splitlines()
        assert lines and lines[-1].startswith(("ok", "refused")), out + err[-3000:]
        said.append(lines[-1])
    return said


def states(url: str) -> list[tuple[int, str, str | None]]:
    with engine(url).connect() as conn:
        return conn.execute(
            sa.text("SELECT submission_id, state, comment FROM submissions ORDER BY submission_id")
        ).all()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def box(request, data_copy: Path, tmp_path: Path, monkeypatch):
    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    made = make_sandbox(data_copy, tmp_path, monkeypatch, url=url)
    yield made
    database.dispose_all()


@pytest.mark.slow
def test_the_same_file_submitted_by_four_processes_at_once_leaves_one_waiting(box, tmp_path: Path):
    round_ = open_round(box, [HERTS])
    raw = submitting.templates.template_csv(
        [fact("isac_provision", "isac_count", "4") | {"as_at": round_.as_at.isoformat()}]
    )
    upload = tmp_path / "herts.csv"
    upload.write_bytes(raw)
    body = f"""
office = access.Actor({HERTS_OFFICE.email!r}, "office", {HERTS!r})
raw = Path({str(upload)!r}).read_bytes()
mark("ready-" + sys.argv[1]); wait_for("go")
outcome(lambda: submitting.submit(office, {round_.round_id!r}, {HERTS!r}, file_bytes=raw, file_name="herts.csv").submission_id)
"""
    procs = [start(script(box, tmp_path, body), str(i)) for i in range(4)]
    for i in range(4):
        deadline = time.monotonic() + WAIT
        while not (tmp_path / f"ready-{i}").exists():
            assert time.monotonic() < deadline and procs[i].poll() is None, procs[i].communicate()
            time.sleep(0.01)
    (tmp_path / "go").touch()
    said = finish(procs)
    found = states(box.url)
    waiting = [s for s in found if s[1] == "submitted"]
    assert len(waiting) == 1, (found, said)
    assert {s[1] for s in found} <= {"submitted", "superseded"}, found
    assert all(line.startswith("ok") or "at the same moment" in line for line in said), said

    from workflow import review

    review.accept(REVIEWER_ACTOR, waiting[0][0])
    assert [s[1] for s in states(box.url)].count("accepted") == 1
    assert "submitted" not in [s[1] for s in states(box.url)], "none left waiting beside the accepted one"


def test_reviewer_a_accepts_while_reviewer_b_returns_it_for_changes(box, tmp_path: Path):
    round_ = open_round(box, [HERTS])
    raw = submitting.templates.template_csv(
        [fact("isac_provision", "isac_count", "4") | {"as_at": round_.as_at.isoformat()}]
    )
    sub = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, file_bytes=raw, file_name="herts.csv")
    reviewer = f'access.Actor({REVIEWER_ACTOR.email!r}, "reviewer", None)'
    # A: accepts; while its accept is writing the database, B acts, and A goes on once B is done.
    accepting = f"""
from etl import load
write = load.write_database
def publishing(*args, **kwargs):
    mark("a-publishing"); wait_for("b-done")
    return write(*args, **kwargs)
load.write_database = publishing
outcome(lambda: review.accept({reviewer}, {sub.submission_id}).state)
"""
    returning = f"""
wait_for("a-publishing")
outcome(lambda: review.return_for_changes({reviewer}, {sub.submission_id}, "Please add the providers.").state)
mark("b-done")
"""
    a = start(script(box, tmp_path, accepting))
    b = start(script(box, tmp_path, returning))
    said_a, said_b = finish([a, b])
    ((_, state, comment),) = states(box.url)
    assert (state, comment) == ("accepted", None), (state, comment, said_a, said_b)
    assert said_a == "ok accepted", said_a
    assert said_b.startswith("refused") and "is being accepted" in said_b, said_b
    editions = queries.editions(db=queries.Database(box.database))
    assert editions[editions["kind"] == "return"]["pfa_code"].tolist() == [HERTS], "published once"


def test_the_migrations_make_the_schema_the_models_declare(box):
    """Every schema change comes with its migration (the index of pending submissions is 0002)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine(box.url).connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), database.Base.metadata) == []
        indexes = {i["name"] for i in sa.inspect(conn).get_indexes("submissions")}
    assert "uq_submissions_pending" in indexes
