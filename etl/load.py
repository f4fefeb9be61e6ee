"""Stage 4: write the database, atomically, and record the run.

The database is built in a temporary file beside the target and renamed over
it only when complete, so a reader sees the old database or the new one, never
half of either. The previous database is kept as stalking.previous.duckdb.

The tables, views and macros created here are the public schema documented in
data/DICTIONARY.md; a test fails when one is not documented.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

TABLES_DDL = """
CREATE TABLE forces (
    pfa_code VARCHAR PRIMARY KEY, force_name VARCHAR NOT NULL, short_name VARCHAR NOT NULL,
    label VARCHAR NOT NULL, region VARCHAR NOT NULL, commissioner_body VARCHAR NOT NULL,
    commissioner_name VARCHAR NOT NULL);
CREATE TABLE force_aliases (alias VARCHAR NOT NULL, pfa_code VARCHAR NOT NULL);
CREATE TABLE force_neighbours (pfa_code VARCHAR NOT NULL, neighbour_code VARCHAR NOT NULL);
CREATE TABLE sources (
    source_id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, short_title VARCHAR NOT NULL, publisher VARCHAR NOT NULL, published DATE NOT NULL,
    licence VARCHAR NOT NULL, document VARCHAR NOT NULL, description VARCHAR);
CREATE TABLE sections (source_id VARCHAR NOT NULL, section VARCHAR NOT NULL, heading VARCHAR, position INTEGER NOT NULL);
CREATE TABLE allowed_values (field VARCHAR NOT NULL, value VARCHAR NOT NULL, meaning VARCHAR NOT NULL);
CREATE TABLE dimensions (dimension VARCHAR PRIMARY KEY, label VARCHAR NOT NULL, recommendation VARCHAR, meaning VARCHAR NOT NULL);
CREATE TABLE attributes (dimension VARCHAR NOT NULL, attribute VARCHAR NOT NULL, value_type VARCHAR NOT NULL, cardinality VARCHAR NOT NULL, meaning VARCHAR NOT NULL);
CREATE TABLE glossary (term VARCHAR PRIMARY KEY, expansion VARCHAR, meaning VARCHAR);
CREATE TABLE editions (
    edition_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, pfa_code VARCHAR, as_at DATE NOT NULL,
    submitted_by VARCHAR, submitted_at TIMESTAMP, file_name VARCHAR, sha256 VARCHAR, note VARCHAR,
    edition_order INTEGER);
CREATE TABLE facts (
    fact_id VARCHAR NOT NULL, pfa_code VARCHAR NOT NULL, force_as_named VARCHAR, dimension VARCHAR NOT NULL,
    attribute VARCHAR NOT NULL, value VARCHAR NOT NULL, value_number BIGINT, value_wording VARCHAR,
    valid_from DATE NOT NULL, edition_id VARCHAR NOT NULL, quote VARCHAR NOT NULL, source_id VARCHAR NOT NULL,
    section VARCHAR NOT NULL, source_date DATE NOT NULL, note VARCHAR);
CREATE TABLE funding_stream_history (
    stream_id VARCHAR NOT NULL, pfa_code VARCHAR NOT NULL, force_as_named VARCHAR, service VARCHAR NOT NULL,
    funder VARCHAR NOT NULL, funder_wording VARCHAR, start_date DATE, start_wording VARCHAR,
    start_derived BOOLEAN NOT NULL, end_date DATE, end_wording VARCHAR, end_derived BOOLEAN NOT NULL,
    status VARCHAR NOT NULL, valid_from DATE NOT NULL, edition_id VARCHAR NOT NULL, quote VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL, section VARCHAR NOT NULL, source_date DATE NOT NULL, note VARCHAR);
CREATE TABLE timeline (
    event_id VARCHAR PRIMARY KEY, date DATE NOT NULL, date_wording VARCHAR, date_derived BOOLEAN NOT NULL,
    kind VARCHAR NOT NULL, event VARCHAR NOT NULL, actor VARCHAR NOT NULL, quote VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL, section VARCHAR NOT NULL, source_date DATE NOT NULL, note VARCHAR);
CREATE TABLE corrections (date DATE NOT NULL, record_id VARCHAR NOT NULL, change VARCHAR NOT NULL, reason VARCHAR NOT NULL);
CREATE TABLE etl_runs (
    run_id INTEGER PRIMARY KEY, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL,
    data_dir VARCHAR NOT NULL, rejected_rows INTEGER NOT NULL, note VARCHAR);
CREATE TABLE etl_run_files (run_id INTEGER NOT NULL, file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, rows INTEGER NOT NULL);
CREATE TABLE etl_run_tables (run_id INTEGER NOT NULL, table_name VARCHAR NOT NULL, rows INTEGER NOT NULL);
"""

# Positions as at a date. A later edition (source document or return) replaces
# an earlier one for the same force and dimension from its as-at date on;
# within an edition, a fact with a later valid_from replaces an earlier value
# of the same attribute. Nothing is deleted: superseded rows stay in the tables.
VIEWS_DDL = """
CREATE MACRO latest_editions_at(d) AS TABLE
-- For each force and dimension, the newest edition with as_at <= d that says anything
-- about it. Funded services belong to the funding dimension, with funding statements,
-- so a return that restates either replaces both.
SELECT pfa_code, dimension, max(edition_order) AS top_edition
FROM (
    SELECT f.pfa_code, f.dimension, e.edition_order
    FROM facts f JOIN editions e USING (edition_id)
    WHERE e.as_at <= CAST(d AS DATE) AND f.valid_from <= CAST(d AS DATE)
    UNION ALL
    SELECT s.pfa_code, 'funding', e.edition_order
    FROM funding_stream_history s JOIN editions e USING (edition_id)
    WHERE e.as_at <= CAST(d AS DATE) AND s.valid_from <= CAST(d AS DATE)
)
GROUP BY pfa_code, dimension;

CREATE MACRO facts_at(d) AS TABLE
WITH latest_edition AS (
    SELECT f.*, e.edition_order, e.kind AS edition_kind
    FROM facts f JOIN editions e USING (edition_id)
    JOIN latest_editions_at(d) top ON top.pfa_code = f.pfa_code AND top.dimension = f.dimension
                                   AND top.top_edition = e.edition_order
    WHERE f.valid_from <= CAST(d AS DATE)
), latest_value AS (
    SELECT *, max(valid_from) OVER (PARTITION BY pfa_code, dimension, attribute) AS top_valid FROM latest_edition
)
SELECT * EXCLUDE (top_valid, edition_order) FROM latest_value WHERE valid_from = top_valid;

CREATE MACRO funding_streams_at(d) AS TABLE
WITH latest_edition AS (
    SELECT s.*, e.edition_order, e.kind AS edition_kind
    FROM funding_stream_history s JOIN editions e USING (edition_id)
    JOIN latest_editions_at(d) top ON top.pfa_code = s.pfa_code AND top.dimension = 'funding'
                                   AND top.top_edition = e.edition_order
    WHERE s.valid_from <= CAST(d AS DATE)
), latest_value AS (
    SELECT *, max(valid_from) OVER (PARTITION BY pfa_code, stream_id) AS top_valid FROM latest_edition
)
SELECT * EXCLUDE (top_valid, edition_order) FROM latest_value WHERE valid_from = top_valid;

CREATE MACRO coverage_at(d) AS TABLE
WITH f AS (
    SELECT pfa_code,
        any_value(value) FILTER (WHERE dimension = 'isac_provision' AND attribute = 'status') AS isac_status,
        max(value_number) FILTER (WHERE dimension = 'isac_provision' AND attribute = 'isac_count') AS isac_count,
        any_value(value) FILTER (WHERE dimension = 'perpetrator_programme' AND attribute = 'status') AS perpetrator_programme_status,
        any_value(value) FILTER (WHERE dimension = 'multi_agency' AND attribute = 'masip_status') AS masip_status,
        count(*) FILTER (WHERE dimension = 'funding') AS funding_statements,
        count(*) FILTER (WHERE dimension = 'funding' AND attribute = 'risk_statement') AS funding_risk_statements,
        count(DISTINCT quote) AS fact_quotes
    FROM facts_at(d) GROUP BY pfa_code
), s AS (
    SELECT pfa_code,
        count(*) AS funded_services,
        min(end_date) AS earliest_funding_end,
        min(end_date) FILTER (WHERE end_date >= CAST(d AS DATE)) AS next_funding_end,
        count(*) FILTER (WHERE end_date >= CAST(d AS DATE)
                           AND end_date <= CAST(CAST(d AS DATE) + INTERVAL 6 MONTH AS DATE)) AS services_ending_within_6_months,
        count(*) FILTER (WHERE end_date < CAST(d AS DATE)) AS services_past_end_date,
        count(*) FILTER (WHERE status = 'at risk') AS services_stated_at_risk,
        count(DISTINCT quote) AS funding_quotes
    FROM funding_streams_at(d) GROUP BY pfa_code
), risk AS (
    SELECT fo.pfa_code,
        CASE
            WHEN coalesce(s.funded_services, 0) = 0 AND coalesce(f.funding_statements, 0) = 0 THEN 'not reported'
            WHEN s.services_ending_within_6_months > 0 THEN 'ends within 6 months'
            WHEN s.services_past_end_date > 0 THEN 'end date passed'
            WHEN s.services_stated_at_risk > 0 OR f.funding_risk_statements > 0 THEN 'at risk, no date'
            WHEN s.next_funding_end IS NOT NULL THEN 'later end date'
            ELSE 'no end date reported'
        END AS funding_risk
    FROM forces fo LEFT JOIN f USING (pfa_code) LEFT JOIN s USING (pfa_code)
)
SELECT
    fo.pfa_code, fo.force_name, fo.short_name, fo.label, fo.region, fo.commissioner_body,
    coalesce(f.isac_status, 'not reported') AS isac_status,
    f.isac_count,
    coalesce(f.perpetrator_programme_status, 'not reported') AS perpetrator_programme_status,
    coalesce(f.masip_status, 'not reported') AS masip_status,
    s.earliest_funding_end,
    s.next_funding_end,
    risk.funding_risk,
    risk.funding_risk IN ('ends within 6 months', 'end date passed', 'at risk, no date') AS funding_at_risk,
    coalesce(s.funded_services, 0) AS funded_services,
    coalesce(s.services_ending_within_6_months, 0) AS services_ending_within_6_months,
    coalesce(f.fact_quotes, 0) + coalesce(s.funding_quotes, 0) AS evidence_quotes,
    CAST(d AS DATE) AS as_at
FROM forces fo LEFT JOIN f USING (pfa_code) LEFT JOIN s USING (pfa_code) JOIN risk USING (pfa_code)
ORDER BY fo.pfa_code;

CREATE VIEW force_coverage AS SELECT * FROM coverage_at(current_date);

CREATE VIEW funding_streams AS
SELECT pfa_code, stream_id, service, funder, funder_wording, start_date, start_wording, start_derived,
       end_date, end_wording, end_derived, status, quote, source_id, section, source_date, edition_id, valid_from
FROM funding_streams_at(current_date);

CREATE VIEW evidence AS
SELECT pfa_code, dimension, quote, source_id, section, source_date, edition_id,
       min(valid_from) AS valid_from, string_agg(record_id, ';' ORDER BY record_id) AS record_ids
FROM (
    SELECT pfa_code, dimension, quote, source_id, section, source_date, edition_id, valid_from, fact_id AS record_id FROM facts
    UNION ALL
    SELECT pfa_code, 'funding', quote, source_id, section, source_date, edition_id, valid_from, stream_id FROM funding_stream_history
    UNION ALL
    SELECT NULL, 'national_timeline', quote, source_id, section, source_date, 'source:' || source_id, date, event_id FROM timeline
)
GROUP BY ALL;
"""


@dataclass
class RunRecord:
    """What the run log keeps about one successful build."""

    started_at: dt.datetime
    data_dir: str
    files: list[tuple[str, str, int]] = field(default_factory=list)  # (file, sha256, rows)
    rejected_rows: int = 0
    note: str | None = None


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    # As an Arrow table DuckDB reads the string columns directly, about three
    # times faster than through pandas for the large tables.
    con.register("frame_to_load", pa.Table.from_pandas(frame, preserve_index=False))
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame_to_load")  # table names are constants here
    con.unregister("frame_to_load")


def _count(con: duckdb.DuckDBPyConnection, name: str) -> int:
    return con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]  # names are constants here


def _previous_runs(previous: Path) -> dict[str, pd.DataFrame]:
    """The run log of the database being replaced, so the history of runs survives rebuilds."""
    empty = {"etl_runs": pd.DataFrame(), "etl_run_files": pd.DataFrame(), "etl_run_tables": pd.DataFrame()}
    if not previous.exists():
        return empty
    try:
        with duckdb.connect(str(previous), read_only=True) as old:
            return {name: old.execute(f"SELECT * FROM {name}").df() for name in empty}
    except duckdb.Error:
        return empty  # an unreadable old database is replaced, its log lost; the backup keeps it


def write_database(frames: dict[str, pd.DataFrame], run: RunRecord, target: Path, backup: Path) -> dict[str, int]:
    """Build the database beside target, then swap it in. Returns rows per table."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.building")
    for leftover in (tmp, Path(f"{tmp}.wal")):
        leftover.unlink(missing_ok=True)
    history = _previous_runs(target)
    try:
        con = duckdb.connect(str(tmp))
        con.execute(TABLES_DDL)
        for name, frame in frames.items():
            if name == "editions":
                frame = frame.copy()
                order = frame.sort_values(["as_at", "submitted_at", "edition_id"], na_position="first").index
                frame.loc[order, "edition_order"] = range(1, len(frame) + 1)
            _insert(con, name, frame)
        con.execute(VIEWS_DDL)

        counts = {name: _count(con, name) for name in sorted(frames)}
        counts["force_coverage"] = _count(con, "force_coverage")

        for name, frame in history.items():
            if len(frame):
                _insert(con, name, frame)
        run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM etl_runs").fetchall()[0][0]
        con.execute(
            "INSERT INTO etl_runs VALUES (?, ?, ?, ?, ?, ?)",
            [run_id, run.started_at, dt.datetime.now(), run.data_dir, run.rejected_rows, run.note],
        )
        con.executemany("INSERT INTO etl_run_files VALUES (?, ?, ?, ?)", [[run_id, *f] for f in run.files])
        con.executemany("INSERT INTO etl_run_tables VALUES (?, ?, ?)", [[run_id, t, n] for t, n in counts.items()])
        con.execute("CHECKPOINT")
        con.close()
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
        raise

    if target.exists():
        # Hard-link the current database as the backup before the swap, so there is
        # never a moment without a database at the target path.
        link = backup.with_name(f".{backup.name}.{os.getpid()}.link")
        link.unlink(missing_ok=True)
        os.link(target, link)
        os.replace(link, backup)
    os.replace(tmp, target)
    return counts
