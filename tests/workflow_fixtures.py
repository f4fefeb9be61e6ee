"""Fixtures for the returns workflow: a sandbox (its own data, database, returns folder,
workflow database and access list), and a throwaway PostgreSQL server.

PostgreSQL: Debian's server binaries (/usr/lib/postgresql/*/bin) run as the `postgres`
user in a temporary folder on a free port. Without them the PostgreSQL tests skip with
the reason, except under CI (CI=true), where they fail: .ci/run installs postgresql.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from core import clock, paths
from etl import pipeline
from tests.browser import drives, require
from ui.health import free_port
from workflow import database
from workflow.access import ADMIN, OFFICE, REVIEWER, Actor

HERTS, ESSEX = "E23000027", "E23000028"
HERTS_OFFICE = Actor("herts.office@example.org", OFFICE, HERTS, "Herts OPCC")
ESSEX_OFFICE = Actor("essex.office@example.org", OFFICE, ESSEX, "Essex PFCC office")
REVIEWER_ACTOR = Actor("reviewer@example.org", REVIEWER, None, "APCC reviewer")
ADMIN_ACTOR = Actor("admin@example.org", ADMIN, None, "APCC admin")
# The identity provider the sandbox's access list trusts; each identity's subject (`sub`) there is
# its e-mail address, as the demo provider's are (dev/signin.py), so signed_in_app(email) signs it in.
ISSUER = "https://id.example.org"
ACCESS = f"""
[[office]]
email = "herts.office@example.org"
issuer = "{ISSUER}"
subject = "herts.office@example.org"
force = "Hertfordshire"
[[office]]
email = "essex.office@example.org"
issuer = "{ISSUER}"
subject = "essex.office@example.org"
force = "E23000028"
[[reviewer]]
email = "reviewer@example.org"
issuer = "{ISSUER}"
subject = "reviewer@example.org"
[[admin]]
email = "admin@example.org"
issuer = "{ISSUER}"
subject = "admin@example.org"
"""


@dataclass
class Sandbox:
    data_dir: Path
    database: Path
    url: str
    access: Path

    @property
    def returns_dir(self) -> Path:
        return self.data_dir / "returns"


def make_sandbox(data_copy: Path, tmp_path: Path, monkeypatch, url: str | None = None) -> Sandbox:
    """Point the app at a copy of data/, its own database, workflow database and access list."""
    build = tmp_path / "build"
    db = build / "stalking.duckdb"
    pipeline.build(data_copy, db)
    access = tmp_path / "access.toml"
    access.write_text(ACCESS, encoding="utf-8")
    url = url or f"sqlite:///{tmp_path / 'workflow.sqlite'}"
    monkeypatch.setattr(paths, "DATA_DIR", data_copy)
    monkeypatch.setattr(paths, "DATABASE", db)
    monkeypatch.setattr(paths, "WORKFLOW_URL", url)
    monkeypatch.setattr(paths, "ACCESS_FILE", access)
    monkeypatch.setattr(paths, "FORM_KEY_FILE", build / "form.key")
    return Sandbox(data_copy, db, url, access)


@pytest.fixture
def sandbox(data_copy: Path, tmp_path: Path, monkeypatch) -> Sandbox:
    box = make_sandbox(data_copy, tmp_path, monkeypatch)
    yield box
    database.dispose_all()


# Sign-in configured (st.login needs it to offer the pages); AppTest sets st.user itself, so the
# provider at this address is never asked.
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "a-workflow-test-cookie-secret",
    "client_id": "workflow-test",
    "client_secret": "workflow-test",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def signed_in_app(email: str, name: str = "Jane Smith", claims: dict | None = None):
    """The dashboard in AppTest, signed in at ISSUER with the subject `email` (its role from the sandbox's
    access list), run once. `claims` add to or replace the identity token's claims (iss, sub, email…)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(paths.REPO_ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "iss": ISSUER, "sub": email, "email": email, "name": name, **(claims or {})}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def open_round(
    box: Sandbox,
    forces: list[str] | None = None,
    title: str = "Stalking services position, March 2027",
    *,
    days_ago: int = 6,
):
    """A round opened now: positions as at `days_ago` days ago (last week), due in eight weeks."""
    from workflow import rounds

    today = clock.today()
    return rounds.open_round(
        ADMIN_ACTOR, title, today - dt.timedelta(days=days_ago), today + dt.timedelta(days=56), forces
    )


# ---------------------------------------------------------------- PostgreSQL


def _bindir() -> str | None:
    override = os.environ.get("PG_BINDIR")
    if override and Path(override, "postgres").exists():
        return override
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return str(Path(found[-1]).parent) if found else None


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server (session); yields its base URL without a database name."""
    drives("postgres")
    bindir = _bindir()
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        user = None
    require(
        bindir is not None and user is not None, "PostgreSQL server not installed (Debian: apt-get install postgresql)"
    )
    base = Path(tempfile.mkdtemp(prefix="pgtest-", dir="/tmp"))
    os.chown(base, user.pw_uid, user.pw_gid)
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    os.chown(sock, user.pw_uid, user.pw_gid)
    as_postgres = dict(user=user.pw_uid, group=user.pw_gid, extra_groups=[], cwd=base)
    subprocess.run(
        [
            f"{bindir}/initdb",
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ],
        check=True,
        capture_output=True,
        **as_postgres,
    )
    port = free_port()
    log = open(base / "log", "wb")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [
            f"{bindir}/postgres",
            "-D",
            str(data),
            "-p",
            str(port),
            "-k",
            str(sock),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "max_connections=200",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        **as_postgres,
    )
    deadline = time.monotonic() + 30
    while subprocess.run([f"{bindir}/pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)]).returncode != 0:
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("PostgreSQL did not start: " + (base / "log").read_text(errors="replace")[-1000:])
        time.sleep(0.05)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        proc.send_signal(2)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh database on the throwaway server, for one test."""
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield f"{postgres_server}/{name}"
    database.dispose_all()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
