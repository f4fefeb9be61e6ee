"""The admin's command line on files and disks that are not what they should be (issue 28, item 7).

`python -m returns submit` on a folder, a missing file, a symlink to /dev/zero, a pipe, with the workflow
database on a full disk or a read-only mount, and a file name holding terminal escapes: one line for the
problem (file:row:column, the file named safely through core.text.printable), nothing changed in the
workflow database, no traceback. Before: a traceback for each (and 1.6 GB read from /dev/zero), raw
ESC and BEL echoed to the terminal.

The full disk and the read-only mount are real (a 1 MB tmpfs, remounted read-only) where this machine
lets the tests mount one, and otherwise made the way the file system would refuse: a file-size limit
(RLIMIT_FSIZE: every write past it fails, as on a full disk) and SQLite's read-only open (what SQLite
does by itself on a read-only mount).
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from core import paths
from tests.test_rounds import herts_answers
from tests.workflow_fixtures import HERTS, open_round, sandbox  # noqa: F401 - sandbox is a fixture

ESCAPES = "\x1b[2J\x1b]0;owned\x07\x1b[31m"
NO_TRACEBACK = "Traceback"


def run_cli(box, *args: str, url: str | None = None, preexec_fn=None) -> subprocess.CompletedProcess:
    """`python -m returns ARGS` in its own process, against the sandbox (bytes out: escapes are kept)."""
    code = (
        "import sys\nfrom pathlib import Path\nfrom core import paths\n"
        f"paths.DATA_DIR = Path({str(box.data_dir)!r}); paths.DATABASE = Path({str(box.database)!r})\n"
        f"paths.WORKFLOW_URL = {(url or box.url)!r}\n"
        f"paths.FORM_KEY_FILE = Path({str(box.database.parent / 'form.key')!r})\n"
        "from returns.__main__ import main\nsys.exit(main(sys.argv[1:]))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=paths.REPO_ROOT,
        capture_output=True,
        preexec_fn=preexec_fn,
        timeout=120,  # a hang guard: a pipe with no writer used to wait for ever
    )


def workflow_state(sqlite_file: Path) -> tuple:
    """What must not change: every submission, draft and audit entry."""
    for how in ("mode=ro", "mode=ro&immutable=1"):  # with its journal; on a read-only mount, the file alone
        try:
            with contextlib.closing(sqlite3.connect(f"file:{sqlite_file}?{how}", uri=True)) as conn:
                return tuple(
                    tuple(conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall())
                    for table in ("submissions", "drafts", "audit_log", "rounds")
                )
        except sqlite3.OperationalError:
            continue
    raise AssertionError(f"{sqlite_file} cannot be read")


def emailed_return(round_, folder: Path, name: str = "herts.csv") -> Path:
    from intake import forms, templates

    path = folder / name
    path.write_bytes(templates.template_csv(forms.to_rows(herts_answers(round_, isa_fte="2.5"), HERTS)[0]))
    return path


def one_problem(done: subprocess.CompletedProcess) -> str:
    """The problem line of a refused command: exit 1, no traceback, no escape, one problem."""
    err = done.stderr.decode("utf-8", errors="replace")
    assert done.returncode == 1, (done.returncode, err)
    assert NO_TRACEBACK not in err, err
    assert not any(c in done.stdout + done.stderr for c in (b"\x1b", b"\x07")), "no escape reaches the terminal"
    lines = err.splitlines()
    if lines[-1].endswith("problem(s) found; nothing was written."):
        assert lines[-1].startswith("1 problem(s)"), lines
        lines = lines[:-1]
    assert len(lines) == 1, lines
    print("refused:", lines[0])  # shown with -s
    return lines[0]


@pytest.fixture
def round_in(sandbox):
    return open_round(sandbox, [HERTS])


def sqlite_file(box) -> Path:
    return Path(box.url.removeprefix("sqlite:///"))


def test_a_folder(sandbox, round_in, tmp_path):
    folder = tmp_path / "return.csv"
    folder.mkdir()
    before = workflow_state(sqlite_file(sandbox))
    line = one_problem(run_cli(sandbox, "submit", str(folder), "--round", round_in.round_id))
    assert line == f"{folder}:0:: is a folder; expected a return (.csv or .xlsx)"
    assert workflow_state(sqlite_file(sandbox)) == before


def test_a_missing_file(sandbox, round_in, tmp_path):
    missing = tmp_path / "not-there.csv"
    before = workflow_state(sqlite_file(sandbox))
    line = one_problem(run_cli(sandbox, "submit", str(missing), "--round", round_in.round_id))
    assert line == f"{missing}:0:: file not found; expected a return (.csv or .xlsx) here"
    assert workflow_state(sqlite_file(sandbox)) == before


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_symlink_to_a_device_or_a_pipe_is_not_read(sandbox, round_in, tmp_path, target):
    """Before: /dev/zero was read until memory ran out (here: a 1 GB address-space limit); a pipe with no
    writer would wait for ever. Neither is a file: refused before a byte is read."""
    if target == "fifo":
        target = tmp_path / "pipe"
        os.mkfifo(target)
    link = tmp_path / "return.csv"
    link.symlink_to(target)
    before = workflow_state(sqlite_file(sandbox))

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = run_cli(sandbox, "submit", str(link), "--round", round_in.round_id, preexec_fn=limit_memory)
    line = one_problem(done)
    assert line.startswith(f"{link}:0:: is not a regular file (a "), line
    assert line.endswith("); expected a return (.csv or .xlsx)"), line
    assert workflow_state(sqlite_file(sandbox)) == before


def test_a_file_name_with_terminal_escapes_is_printed_safely(sandbox, round_in, tmp_path):
    path = emailed_return(round_in, tmp_path, f"herts{ESCAPES}.csv")
    done = run_cli(sandbox, "submit", str(path), "--round", round_in.round_id)
    out = done.stdout.decode()
    assert done.returncode == 0, done.stderr.decode()
    assert b"\x1b" not in done.stdout + done.stderr and b"\x07" not in done.stdout + done.stderr
    assert "herts\\x1b[2J\\x1b]0;owned\\x07\\x1b[31m.csv" in out and len(out.splitlines()) == 1, out
    bad = tmp_path / f"bad{ESCAPES}.csv"
    bad.write_bytes(b"not,a,return\n1,2,3\n")
    line = one_problem(run_cli(sandbox, "submit", str(bad), "--round", round_in.round_id))
    assert line.startswith(str(tmp_path / "bad\\x1b[2J\\x1b]0;owned\\x07\\x1b[31m.csv:")), line


# ---------------------------------------------------------------- the workflow database's disk


@contextlib.contextmanager
def mounted_tmpfs(where: Path, size: str):
    """A tmpfs at `where`, or None where this machine does not let the tests mount one."""
    where.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None or os.geteuid() != 0:
        yield None
        return
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    if made.returncode != 0:
        yield None
        return
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def moved_to(box, folder: Path) -> str:
    """The sandbox's workflow database copied into `folder` (checkpointed: no journal beside it); its URL."""
    with contextlib.closing(sqlite3.connect(sqlite_file(box))) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    target = folder / f"workflow-{uuid.uuid4().hex[:6]}.sqlite"
    shutil.copyfile(sqlite_file(box), target)
    return f"sqlite:///{target}"


def fill_disk(folder: Path) -> None:
    """Fill the file system `folder` is on, to the last byte."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        with contextlib.suppress(OSError):
            while os.write(fd, b"\0" * 512):
                pass
    finally:
        os.close(fd)


def file_size_limit(limit: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize("how", ["mounted", "simulated"])
def test_a_full_disk_under_the_workflow_database(sandbox, round_in, tmp_path, how):
    emailed = emailed_return(round_in, tmp_path)
    with mounted_tmpfs(tmp_path / "disk", "1m") if how == "mounted" else contextlib.nullcontext() as disk:
        if how == "mounted" and disk is None:
            pytest.skip("cannot mount a tmpfs here; the simulated case stands for it")
        url = moved_to(sandbox, disk or tmp_path)
        db = Path(url.removeprefix("sqlite:///"))
        if disk is not None:
            fill_disk(disk)
        limit = file_size_limit(4096) if disk is None else None  # no file grows past its first page
        before = workflow_state(db)
        done = run_cli(sandbox, "submit", str(emailed), "--round", round_in.round_id, url=url, preexec_fn=limit)
        line = one_problem(done)
        assert line.startswith(f"{db}: the workflow database cannot be written ("), line
        assert ("full" in line or "disk I/O" in line) and line.endswith("); nothing was changed"), line
        assert workflow_state(db) == before


@pytest.mark.parametrize("how", ["mounted", "simulated"])
def test_a_read_only_workflow_database(sandbox, round_in, tmp_path, how):
    emailed = emailed_return(round_in, tmp_path)
    with mounted_tmpfs(tmp_path / "ro", "4m") if how == "mounted" else contextlib.nullcontext() as disk:
        if how == "mounted" and disk is None:
            pytest.skip("cannot mount a tmpfs here; the simulated case stands for it")
        if disk is not None:
            url = moved_to(sandbox, disk)
            db = Path(url.removeprefix("sqlite:///"))
            remounted = subprocess.run(["mount", "-o", "remount,ro", str(disk)], capture_output=True)
            assert remounted.returncode == 0, remounted.stderr
        else:  # SQLite's read-only open: what it falls back to when the file cannot be opened for writing
            db = sqlite_file(sandbox)
            url = f"sqlite:///file:{db}?mode=ro&uri=true"
        before = workflow_state(db)
        done = run_cli(sandbox, "submit", str(emailed), "--round", round_in.round_id, url=url)
        line = one_problem(done)
        # Read-only, SQLite cannot write (a journal beside the file) or, without one, even open it to read.
        assert line.startswith(f"{db}: the workflow database cannot be written ("), line
        assert ("readonly" in line or "unable to open" in line) and line.endswith("); nothing was changed"), line
        assert workflow_state(db) == before
