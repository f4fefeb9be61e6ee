"""The returns workflow's own database: rounds, the forces asked, drafts, submissions,
review decisions, the identities the access list resolved, and an append-only audit log.

This is transactional state, unlike the published data: SQLite by default (a file in
the build folder, nothing to install), PostgreSQL for a deployment with several
dashboard processes (STALKING_WORKFLOW_URL = postgresql+psycopg://…). The schema is
made and upgraded by Alembic migrations (workflow/migrations/), run once per process
(`engine()`), under an advisory lock on PostgreSQL so replicas starting together do
not race. Accepted returns are published as files (data/returns/) and the DuckDB
build, never only here.
"""

from __future__ import annotations

import datetime as dt
import threading

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core import paths

MIGRATION_LOCK = 0x57A1_4E55  # a constant key for PostgreSQL's advisory lock


class Base(DeclarativeBase):
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Round(Base):
    __tablename__ = "rounds"
    round_id: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    as_at: Mapped[dt.date] = mapped_column(sa.Date)
    due: Mapped[dt.date] = mapped_column(sa.Date)
    opened_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    opened_by: Mapped[str] = mapped_column(sa.String(200))
    closed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)


class RoundForce(Base):
    """A force asked in a round."""

    __tablename__ = "round_forces"
    round_id: Mapped[str] = mapped_column(sa.ForeignKey("rounds.round_id"), primary_key=True)
    pfa_code: Mapped[str] = mapped_column(sa.String(9), primary_key=True)


class Draft(Base):
    """An office's answers in progress: kept across restarts and dropped connections."""

    __tablename__ = "drafts"
    round_id: Mapped[str] = mapped_column(sa.ForeignKey("rounds.round_id"), primary_key=True)
    pfa_code: Mapped[str] = mapped_column(sa.String(9), primary_key=True)
    answers: Mapped[dict] = mapped_column(sa.JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    updated_by: Mapped[str] = mapped_column(sa.String(200))


# A submission's states. Every change of state is an update guarded by the state it expects
# (workflow.submitting, workflow.review), so of two people acting on one submission at the same
# moment one wins and the other is refused, saying why.
SUBMITTED, ACCEPTING, ACCEPTED, RETURNED, SUPERSEDED = "submitted", "accepting", "accepted", "returned", "superseded"
PENDING = (SUBMITTED, ACCEPTING)  # waiting for review, or being published: one per force and round at most


class Submission(Base):
    """A return sent for review: the file as submitted (bytes and hash) and its rows.

    At most one submission per force and round is pending (waiting for review, or being accepted):
    a unique index on the pending ones holds it, whatever processes race (migration 0002)."""

    __tablename__ = "submissions"
    __table_args__ = (
        sa.Index(
            "uq_submissions_pending",
            "round_id",
            "pfa_code",
            unique=True,
            sqlite_where=sa.text("state IN ('submitted', 'accepting')"),
            postgresql_where=sa.text("state IN ('submitted', 'accepting')"),
        ),
    )
    submission_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    round_id: Mapped[str] = mapped_column(sa.ForeignKey("rounds.round_id"), index=True)
    pfa_code: Mapped[str] = mapped_column(sa.String(9), index=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    submitted_by: Mapped[str] = mapped_column(sa.String(200))  # the signed-in identity
    entered_by: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)  # an admin, on the office's behalf
    file_name: Mapped[str] = mapped_column(sa.String(200))
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    file_bytes: Mapped[bytes] = mapped_column(sa.LargeBinary)
    answers: Mapped[dict | None] = mapped_column(sa.JSON, nullable=True)  # for the browser and workbook forms
    rows: Mapped[list] = mapped_column(sa.JSON)  # the return's rows, as checked
    state: Mapped[str] = mapped_column(sa.String(20))  # submitted, accepting, returned, accepted, superseded
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    comment: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    stored_as: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)  # in data/returns, once accepted


class Identity(Base):
    """An identity the access list resolved at sign-in: who, as what, and when last seen."""

    __tablename__ = "identities"
    email: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    pfa_code: Mapped[str | None] = mapped_column(sa.String(9), nullable=True)
    first_seen: Mapped[dt.datetime] = mapped_column(sa.DateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(sa.DateTime)


class AuditEntry(Base):
    """Append-only: every action, allowed or refused."""

    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_actor_at", "actor", "at"),
        sa.Index("ix_audit_log_address_at", "address", "at"),
    )
    entry_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime, index=True)
    actor: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(40))
    round_id: Mapped[str | None] = mapped_column(sa.String(80), nullable=True)
    pfa_code: Mapped[str | None] = mapped_column(sa.String(9), nullable=True)
    file_sha256: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    outcome: Mapped[str] = mapped_column(sa.String(20))  # ok, refused, failed
    detail: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    address: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)  # where the request came from


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """Alembic without an ini file: the migrations live in this package."""
    cfg = Config()
    cfg.set_main_option("script_location", "workflow:migrations")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest migration (serialised across processes on PostgreSQL)."""
    with engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execute(sa.text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
            conn.commit()
        try:
            command.upgrade(alembic_config(connection=conn), "head")
            conn.commit()
        finally:
            if postgres:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
                conn.commit()


_engines: dict[str, sa.Engine] = {}
_lock = threading.Lock()


def engine(url: str | None = None) -> sa.Engine:
    """One engine per URL per process, migrated on first use (Alembic is not thread-safe: one at a time)."""
    url = url or paths.WORKFLOW_URL
    with _lock:
        if url not in _engines:
            kwargs: dict = {}
            if url.startswith("sqlite"):
                path = url.removeprefix("sqlite:///")
                if path and path != ":memory:" and not path.startswith("file:"):  # a file: URI is opened as given
                    from pathlib import Path

                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
            made = sa.create_engine(url, pool_pre_ping=True, **kwargs)
            if url.startswith("sqlite"):

                @sa.event.listens_for(made, "connect")
                def _sqlite_pragmas(dbapi_connection, _record):  # WAL: readers never wait for the writer
                    cursor = dbapi_connection.cursor()
                    cursor.execute("PRAGMA journal_mode=WAL")
                    cursor.execute("PRAGMA busy_timeout=30000")
                    cursor.execute("PRAGMA foreign_keys=ON")
                    cursor.close()

            migrate(made)
            _engines[url] = made
        return _engines[url]


def dispose_all() -> None:
    """Forget every engine (tests that switch databases)."""
    with _lock:
        for made in _engines.values():
            made.dispose()
        _engines.clear()
