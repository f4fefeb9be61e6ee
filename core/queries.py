"""All SQL the dashboard runs, in one place, with no Streamlit import.

Pages, exports and benchmarks call these functions; none of them writes SQL.
Every query is parameterised. One read-only DuckDB connection is kept per
process and each query runs on its own cursor. When the database file is
replaced by a rebuild, the next query opens the new file; a query already
running on the old connection finishes on the old data.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from core import coverage as coverage_rules
from core import demand as core_demand
from core import paths, rules
from core.text import alias_key


class DatabaseMissing(RuntimeError):
    """The database has not been built yet."""


@dataclass(frozen=True)
class Fingerprint:
    """Identifies one version of the database file; changes when a rebuild swaps it in."""

    inode: int
    mtime_ns: int
    size: int

    @classmethod
    def of(cls, path: Path) -> Fingerprint:
        st = os.stat(path)
        return cls(st.st_ino, st.st_mtime_ns, st.st_size)

    @property
    def key(self) -> str:
        return f"{self.inode}-{self.mtime_ns}-{self.size}"


CATALOG = "stalking"  # the name the database file is attached under


class Database:
    """A read-only connection that follows the file at `path` across rebuilds.

    duckdb.connect(path) keeps one database instance per path and process while
    any connection to it is open, so after a swap it would hand back the old
    file. Each version of the file is therefore attached read-only to a fresh
    in-memory instance of its own.
    """

    def __init__(self, path: Path | None = None):
        self.path = Path(path or paths.DATABASE)
        self._lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._fingerprint: Fingerprint | None = None

    def _open(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(":memory:")
        quoted = str(self.path).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS {CATALOG} (READ_ONLY)")  # ATTACH takes no parameters
        con.execute(f"USE {CATALOG}")
        return con

    def fingerprint(self) -> Fingerprint:
        try:
            return Fingerprint.of(self.path)
        except FileNotFoundError as err:
            raise DatabaseMissing(
                f"No database at {self.path}. Build it with `make data` (or `python -m etl build`)."
            ) from err

    def cursor(self) -> duckdb.DuckDBPyConnection:
        current = self.fingerprint()
        with self._lock:
            if self._con is None or current != self._fingerprint:
                # The old connection is not closed: cursors still reading it finish on the old file.
                self._con = self._open()
                self._fingerprint = current
            cur = self._con.cursor()
        cur.execute(f"USE {CATALOG}")  # a cursor starts in the instance's own (empty) catalog
        return cur

    def df(self, sql: str, params: list | dict | None = None) -> pd.DataFrame:
        cur = self.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    def scalar(self, sql: str, params: list | dict | None = None):
        cur = self.cursor()
        try:
            rows = cur.execute(sql, params or []).fetchall()
            return rows[0][0] if rows else None
        finally:
            cur.close()


class Connected(Database):
    """A database already open in this process, such as a build in memory (a return's preview):
    every query of this module runs on it as on the file."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        super().__init__(Path(":memory:"))
        self._con = con
        self._fingerprint = Fingerprint(0, 0, 0)

    def fingerprint(self) -> Fingerprint:
        return self._fingerprint

    def cursor(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            return self._con.cursor()


_default: Database | None = None


def default_db() -> Database:
    global _default
    if _default is None or _default.path != paths.DATABASE:
        _default = Database(paths.DATABASE)
    return _default


def _db(db: Database | None) -> Database:
    return db or default_db()


def _regions_clause(regions: list[str] | None, column: str = "region") -> tuple[str, list]:
    """SQL filter and parameters for an optional list of regions (empty or None means all)."""
    if not regions:
        return "TRUE", []
    return f"{column} IN ({', '.join('?' for _ in regions)})", list(regions)


# ---------------------------------------------------------------- reference data


def forces(db: Database | None = None) -> pd.DataFrame:
    return _db(db).df("SELECT * FROM forces ORDER BY pfa_code")


def force_resolver(db: Database | None = None) -> Callable[[str], str | None]:
    """A function from a code, name or alias (any case) to its ONS code (None when unknown), using the
    aliases the ETL loaded from data/forces.csv: one query, for an importer resolving many names."""
    aliases = _db(db).df("SELECT alias, pfa_code FROM force_aliases UNION SELECT pfa_code, pfa_code FROM forces")
    keys = {alias_key(a): c for a, c in zip(aliases["alias"], aliases["pfa_code"])}
    return lambda name: keys.get(alias_key(name.strip()))


def resolve_force(name: str, db: Database | None = None) -> str | None:
    """The ONS code for a code, name or alias (any case), using the aliases the ETL loaded."""
    return force_resolver(db)(name)


def regions(db: Database | None = None) -> list[str]:
    """The regions in the order of data/allowed_values.csv (north to south, Wales last)."""
    df = _db(db).df("SELECT value FROM allowed_values WHERE field = 'region'")
    return df["value"].tolist()


def allowed_values(field: str | None = None, db: Database | None = None) -> pd.DataFrame:
    if field is None:
        return _db(db).df("SELECT * FROM allowed_values")
    return _db(db).df("SELECT value, meaning FROM allowed_values WHERE field = ?", [field])


def dimensions(db: Database | None = None) -> pd.DataFrame:
    return _db(db).df("SELECT * FROM dimensions")


def attributes(db: Database | None = None) -> pd.DataFrame:
    return _db(db).df("SELECT * FROM attributes")


def sources(db: Database | None = None) -> pd.DataFrame:
    return _db(db).df("SELECT * FROM sources ORDER BY published DESC")


def glossary(db: Database | None = None) -> pd.DataFrame:
    return _db(db).df("SELECT * FROM glossary ORDER BY lower(term)")


def sections(db: Database | None = None) -> pd.DataFrame:
    return _db(db).df("SELECT * FROM sections ORDER BY source_id, position")


def neighbours(pfa_code: str, db: Database | None = None) -> pd.DataFrame:
    return _db(db).df(
        """SELECT f.* FROM force_neighbours n JOIN forces f ON f.pfa_code = n.neighbour_code
           WHERE n.pfa_code = ? ORDER BY f.short_name""",
        [pfa_code],
    )


def source_date(db: Database | None = None) -> dt.date:
    """The date of the main source: the default as-at date."""
    return _db(db).scalar("SELECT max(as_at) FROM editions WHERE kind = 'source'")


def latest_edition_date(db: Database | None = None) -> dt.date:
    """The as-at date of the newest information in the database (source or return)."""
    return _db(db).scalar("SELECT max(as_at) FROM editions")


def timeline(db: Database | None = None) -> pd.DataFrame:
    return _db(db).df(
        """SELECT t.*, s.title AS source_title, s.short_title AS source_short_title, s.url AS source_url FROM timeline t JOIN sources s USING (source_id)
           ORDER BY date, event_id"""
    )


def corrections(db: Database | None = None) -> pd.DataFrame:
    return _db(db).df("SELECT * FROM corrections ORDER BY date DESC")


def etl_runs(limit: int = 10, db: Database | None = None) -> pd.DataFrame:
    return _db(db).df(
        """SELECT r.run_id, r.started_at, r.finished_at, r.data_dir, r.rejected_rows,
                  (SELECT count(*) FROM etl_run_files f WHERE f.run_id = r.run_id) AS input_files,
                  (SELECT rows FROM etl_run_tables t WHERE t.run_id = r.run_id AND t.table_name = 'facts') AS facts,
                  (SELECT rows FROM etl_run_tables t WHERE t.run_id = r.run_id AND t.table_name = 'funding_stream_history') AS funding_streams
           FROM etl_runs r ORDER BY r.run_id DESC LIMIT ?""",
        [limit],
    )


def etl_run_files(run_id: int, db: Database | None = None) -> pd.DataFrame:
    return _db(db).df("SELECT file, sha256, rows FROM etl_run_files WHERE run_id = ? ORDER BY file", [run_id])


def editions(db: Database | None = None) -> pd.DataFrame:
    return _db(db).df("SELECT * FROM editions ORDER BY edition_order")


# ---------------------------------------------------------------- positions as at a date


def coverage(as_at: dt.date, regions: list[str] | None = None, db: Database | None = None) -> pd.DataFrame:
    """One row per force: each theme's status at the date, when it was last reported and whether
    that is current, and the funding status (core.coverage reads what was reported by core.rules)."""
    where, params = _regions_clause(regions)
    sql = f"SELECT * FROM coverage_at(?) WHERE {where} ORDER BY pfa_code"  # noqa: S608 - placeholders only
    raw = _db(db).df(sql, [as_at, *params])
    streams = _db(db).df(
        "SELECT pfa_code, provision, end_date, end_derived, status FROM funding_streams_at(?)", [as_at]
    )
    return coverage_rules.classify(raw, streams, as_at)


def commissioning_bodies(as_at: dt.date, db: Database | None = None) -> pd.DataFrame:
    """Each force's commissioning body at a date: the one its office last returned (accepted), else the
    one data/forces.csv lists; with its kind and whether it came from a return."""
    return _db(db).df(
        """WITH returned AS (
               SELECT pfa_code,
                      any_value(value) FILTER (WHERE attribute = 'name') AS name,
                      any_value(value) FILTER (WHERE attribute = 'kind') AS kind
               FROM facts_at(?) WHERE dimension = 'commissioning_body' GROUP BY pfa_code
           )
           SELECT fo.pfa_code, coalesce(r.name, fo.commissioner_name) AS commissioning_body,
                  coalesce(r.kind, fo.commissioner_body) AS body_kind, r.name IS NOT NULL AS body_returned
           FROM forces fo LEFT JOIN returned r USING (pfa_code)
           ORDER BY fo.pfa_code""",
        [as_at],
    )


def facts(
    as_at: dt.date, pfa_code: str | None = None, regions: list[str] | None = None, db: Database | None = None
) -> pd.DataFrame:
    """The facts in force at a date, with force and dimension labels."""
    where, params = _regions_clause(regions, "fo.region")
    force_clause = "fa.pfa_code = ?" if pfa_code else "TRUE"
    force_params = [pfa_code] if pfa_code else []
    return _db(db).df(
        f"""SELECT fa.*, fo.short_name, fo.region, d.label AS dimension_label, d.recommendation,
                   s.title AS source_title, s.short_title AS source_short_title, s.publisher,
                   s.url AS source_url
            FROM facts_at(?) fa
            JOIN forces fo USING (pfa_code)
            JOIN dimensions d USING (dimension)
            JOIN sources s USING (source_id)
            WHERE {force_clause} AND {where}
            ORDER BY fo.pfa_code, d.dimension, fa.attribute, fa.fact_id""",  # noqa: S608 - placeholders only
        [as_at, *force_params, *params],
    )


def funding_streams(
    as_at: dt.date, regions: list[str] | None = None, pfa_code: str | None = None, db: Database | None = None
) -> pd.DataFrame:
    """Funded services in force at a date, with force names and their state at the date; one row per service."""
    where, params = _regions_clause(regions, "fo.region")
    force_clause = "s.pfa_code = ?" if pfa_code else "TRUE"
    force_params = [pfa_code] if pfa_code else []
    frame = _db(db).df(
        f"""SELECT s.*, fo.short_name, fo.region, src.title AS source_title, src.short_title AS source_short_title,
                   src.url AS source_url
            FROM funding_streams_at(?) s
            JOIN forces fo USING (pfa_code)
            JOIN sources src USING (source_id)
            WHERE {force_clause} AND {where}
            ORDER BY s.end_date NULLS LAST, fo.short_name, s.service""",  # noqa: S608 - placeholders only
        [as_at, *force_params, *params],
    )
    return coverage_rules.streams_at(frame, as_at)


def recommendation_status(as_at: dt.date, regions: list[str] | None = None, db: Database | None = None) -> pd.DataFrame:
    """One row per force and recommendation (15, 16, 25): the status its office last returned by
    the date, with the completion date, outcome and evidence; "not returned" where no return says,
    which is counted apart, never as "not started"."""
    where, params = _regions_clause(regions, "fo.region")
    items = ", ".join("(?)" for _ in rules.RECOMMENDATIONS)
    return _db(db).df(
        f"""WITH recs(recommendation) AS (VALUES {items}),
            returned AS (
                SELECT pfa_code, substr(item, 4) AS recommendation,
                       any_value(value) FILTER (WHERE attribute = 'status') AS status,
                       any_value(value) FILTER (WHERE attribute = 'completed_on') AS completed_on,
                       any_value(value) FILTER (WHERE attribute = 'outcome') AS outcome,
                       max(source_date) AS reported_on,
                       any_value(quote) AS quote, any_value(source_id) AS source_id,
                       any_value(edition_id) AS edition_id
                FROM facts_at(?) WHERE dimension = 'recommendations' GROUP BY ALL
            )
            SELECT fo.pfa_code, fo.short_name, fo.region, r.recommendation,
                   coalesce(x.status, ?) AS status, x.completed_on, x.outcome, x.reported_on,
                   x.quote, x.source_id, x.edition_id
            FROM forces fo CROSS JOIN recs r
            LEFT JOIN returned x ON x.pfa_code = fo.pfa_code AND x.recommendation = r.recommendation
            WHERE {where}
            ORDER BY r.recommendation, fo.short_name""",  # noqa: S608 - placeholders only
        [*rules.RECOMMENDATIONS, as_at, rules.NOT_RETURNED, *params],
    )


def evidence(pfa_code: str, db: Database | None = None) -> pd.DataFrame:
    """Every quote ever cited for a force, superseded ones included."""
    return _db(db).df(
        """SELECT e.*, d.label AS dimension_label, s.title AS source_title, s.url AS source_url, ed.kind AS edition_kind
           FROM evidence e
           LEFT JOIN dimensions d USING (dimension)
           JOIN sources s USING (source_id)
           JOIN editions ed USING (edition_id)
           WHERE e.pfa_code = ? ORDER BY e.dimension, e.valid_from""",
        [pfa_code],
    )


def history(pfa_code: str, db: Database | None = None) -> pd.DataFrame:
    """What each edition said about a force, oldest first: the change history."""
    return _db(db).df(
        """SELECT e.as_at, e.kind, e.submitted_by, e.edition_id, f.dimension, f.attribute,
                  f.value, f.valid_from, f.quote, f.fact_id AS record_id
           FROM facts f JOIN editions e USING (edition_id)
           WHERE f.pfa_code = ?
           UNION ALL
           SELECT e.as_at, e.kind, e.submitted_by, e.edition_id, 'funding', s.service,
                  s.status || coalesce(', ends ' || CAST(s.end_date AS VARCHAR), ''), s.valid_from, s.quote,
                  s.stream_id
           FROM funding_stream_history s JOIN editions e USING (edition_id)
           WHERE s.pfa_code = ?
           ORDER BY 1, 5, 6, 10""",
        [pfa_code, pfa_code],
    )


# ---------------------------------------------------------------- exports and briefing packs


def data_date(as_at: dt.date, db: Database | None = None) -> dt.date | None:
    """The as-at date of the newest edition (source or return) on or before `as_at`."""
    return _db(db).scalar("SELECT max(as_at) FROM editions WHERE as_at <= ?", [as_at])


def evidence_at(
    as_at: dt.date, regions: list[str] | None = None, pfa_code: str | None = None, db: Database | None = None
) -> pd.DataFrame:
    """The quotes behind each force's position at a date: one row per force, theme and quote.

    Unlike `evidence()`, superseded quotes and quotes for facts that apply only
    after `as_at` are left out, so a briefing as at a date cites what it shows.
    """
    where, params = _regions_clause(regions, "fo.region")
    force_clause = "q.pfa_code = ?" if pfa_code else "TRUE"
    force_params = [pfa_code] if pfa_code else []
    return _db(db).df(
        f"""SELECT q.pfa_code, fo.short_name, fo.region, q.dimension,
                   coalesce(d.label, q.dimension) AS dimension_label,
                   q.quote, q.source_id, s.title AS source_title, s.publisher, s.licence, s.url AS source_url,
                   q.section, q.source_date,
                   string_agg(q.record_id, ';' ORDER BY q.record_id) AS record_ids
            FROM (
                SELECT pfa_code, dimension, quote, source_id, section, source_date, fact_id AS record_id
                FROM facts_at(?)
                UNION ALL
                SELECT pfa_code, 'funding', quote, source_id, section, source_date, stream_id
                FROM funding_streams_at(?)
            ) q
            JOIN forces fo USING (pfa_code)
            LEFT JOIN dimensions d USING (dimension)
            JOIN sources s USING (source_id)
            WHERE {force_clause} AND {where}
            GROUP BY ALL
            ORDER BY q.pfa_code, dimension_label, q.source_date, min(q.record_id)""",  # noqa: S608 - placeholders only
        [as_at, as_at, *force_params, *params],
    )


# ---------------------------------------------------------------- demand beside provision (issue 27)


def demand_imported(db: Database | None = None) -> bool:
    """True once recorded stalking has been imported (python -m demand import) and built."""
    return bool(_db(db).scalar("SELECT count(*) FROM recorded_crime WHERE offence_code = ?", [rules.STALKING_OFFENCE]))


def demand(as_at: dt.date, regions: list[str] | None = None, db: Database | None = None) -> pd.DataFrame:
    """One row per force area at a date: recorded stalking in its latest twelve months ended by then,
    population and rate per 1,000 people, advocate posts (FTE, from returns) per 1,000 offences, and the
    map bands against England and Wales (core.demand.classify). Empty figures until imported."""
    everywhere = _db(db).df("SELECT * FROM demand_at(?)", [as_at])
    frame = core_demand.classify(everywhere)
    if regions:
        frame = frame[frame["region"].isin(regions)].reset_index(drop=True)
    return frame


def demand_series(pfa_code: str | None = None, region: str | None = None, db: Database | None = None) -> pd.DataFrame:
    """Every twelve-month period of recorded stalking for a force area, a region, or (neither) England and
    Wales: offences, population and rate per 1,000 people, with `comparable` (the series break)."""
    where, params = ("TRUE", [])
    if pfa_code:
        where, params = "p.pfa_code = ?", [pfa_code]
    elif region:
        where, params = "f.region = ?", [region]
    return _db(db).df(
        f"""SELECT p.period_kind, p.period_label, p.period_end, any_value(p.comparable) AS comparable,
                   sum(p.offences) AS offences, count(*) AS forces,
                   CASE WHEN count(p.population) = count(*) THEN sum(p.population) END AS population,
                   CASE WHEN count(p.population) = count(*) THEN sum(p.offences) * 1000.0 / sum(p.population) END
                       AS offences_per_1000
            FROM stalking_periods p JOIN forces f USING (pfa_code)
            WHERE {where}
            GROUP BY ALL HAVING count(*) = (SELECT count(*) FROM forces f WHERE {where.replace("p.", "f.")})
            ORDER BY p.period_end""",  # noqa: S608 - placeholders only
        params + params,
    )


def demand_sources(db: Database | None = None) -> pd.DataFrame:
    """The official files the demand figures were read from, with their origin."""
    return _db(db).df("SELECT * FROM demand_sources ORDER BY kind, released")
