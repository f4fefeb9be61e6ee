-- The tables of the published database, created empty by etl/load.py and filled
-- from the normalised frames. Documented column by column in data/DICTIONARY.md.
CREATE TABLE forces (
    pfa_code VARCHAR PRIMARY KEY, force_name VARCHAR NOT NULL, short_name VARCHAR NOT NULL,
    label VARCHAR NOT NULL, region VARCHAR NOT NULL, commissioner_body VARCHAR NOT NULL,
    commissioner_name VARCHAR NOT NULL);
CREATE TABLE force_aliases (alias VARCHAR NOT NULL, pfa_code VARCHAR NOT NULL);
CREATE TABLE force_neighbours (pfa_code VARCHAR NOT NULL, neighbour_code VARCHAR NOT NULL);
CREATE TABLE sources (
    source_id VARCHAR PRIMARY KEY, title VARCHAR NOT NULL, short_title VARCHAR NOT NULL, publisher VARCHAR NOT NULL, published DATE NOT NULL,
    licence VARCHAR NOT NULL, document VARCHAR NOT NULL, description VARCHAR, url VARCHAR);
CREATE TABLE sections (source_id VARCHAR NOT NULL, section VARCHAR NOT NULL, heading VARCHAR, position INTEGER NOT NULL);
CREATE TABLE allowed_values (field VARCHAR NOT NULL, value VARCHAR NOT NULL, meaning VARCHAR NOT NULL);
CREATE TABLE dimensions (dimension VARCHAR PRIMARY KEY, label VARCHAR NOT NULL, recommendation VARCHAR, meaning VARCHAR NOT NULL);
CREATE TABLE attributes (dimension VARCHAR NOT NULL, attribute VARCHAR NOT NULL, value_type VARCHAR NOT NULL, cardinality VARCHAR NOT NULL, meaning VARCHAR NOT NULL);
CREATE TABLE glossary (term VARCHAR PRIMARY KEY, expansion VARCHAR, meaning VARCHAR);
CREATE TABLE editions (
    edition_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, pfa_code VARCHAR, as_at DATE NOT NULL,
    submitted_by VARCHAR, submitted_at TIMESTAMP, file_name VARCHAR, sha256 VARCHAR, note VARCHAR,
    signed_off_by VARCHAR, entered_by VARCHAR, round_id VARCHAR,
    edition_order INTEGER);
CREATE TABLE facts (
    fact_id VARCHAR NOT NULL, pfa_code VARCHAR NOT NULL, force_as_named VARCHAR, dimension VARCHAR NOT NULL,
    attribute VARCHAR NOT NULL, value VARCHAR NOT NULL, value_number BIGINT, value_wording VARCHAR, item VARCHAR,
    valid_from DATE NOT NULL, edition_id VARCHAR NOT NULL, quote VARCHAR NOT NULL, source_id VARCHAR NOT NULL,
    section VARCHAR NOT NULL, source_date DATE NOT NULL, note VARCHAR);
CREATE TABLE funding_stream_history (
    stream_id VARCHAR NOT NULL, pfa_code VARCHAR NOT NULL, force_as_named VARCHAR, service VARCHAR NOT NULL, provision VARCHAR, provider VARCHAR,
    amount BIGINT, amount_disclosure VARCHAR,
    funder VARCHAR NOT NULL, funder_wording VARCHAR, start_date DATE, start_wording VARCHAR,
    start_derived BOOLEAN NOT NULL, end_date DATE, end_wording VARCHAR, end_derived BOOLEAN NOT NULL,
    status VARCHAR NOT NULL, valid_from DATE NOT NULL, edition_id VARCHAR NOT NULL, quote VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL, section VARCHAR NOT NULL, source_date DATE NOT NULL, note VARCHAR);
CREATE TABLE timeline (
    event_id VARCHAR PRIMARY KEY, date DATE NOT NULL, date_wording VARCHAR, date_derived BOOLEAN NOT NULL, date_precision VARCHAR NOT NULL,
    kind VARCHAR NOT NULL, event VARCHAR NOT NULL, actor VARCHAR NOT NULL, quote VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL, section VARCHAR NOT NULL, source_date DATE NOT NULL, note VARCHAR);
CREATE TABLE corrections (date DATE NOT NULL, record_id VARCHAR NOT NULL, change VARCHAR NOT NULL, reason VARCHAR NOT NULL);
CREATE TABLE etl_runs (
    run_id INTEGER PRIMARY KEY, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL,
    data_dir VARCHAR NOT NULL, rejected_rows INTEGER NOT NULL, note VARCHAR);
CREATE TABLE etl_run_files (run_id INTEGER NOT NULL, file VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, rows INTEGER NOT NULL);
CREATE TABLE etl_run_tables (run_id INTEGER NOT NULL, table_name VARCHAR NOT NULL, rows INTEGER NOT NULL);
CREATE TABLE rules (name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL, meaning VARCHAR NOT NULL);
-- Demand beside provision (issue 27): the official figures a user imported with `python -m demand
-- import FILE…`, read from the store beside the database on every build; empty until then.
CREATE TABLE demand_sources (
    source_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, publisher VARCHAR NOT NULL, title VARCHAR NOT NULL,
    released DATE NOT NULL, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, licence VARCHAR NOT NULL,
    url VARCHAR, imported_at VARCHAR, covers VARCHAR, set_aside VARCHAR,
    lookup_file_name VARCHAR, lookup_sha256 VARCHAR, lookup_title VARCHAR);
CREATE TABLE recorded_crime (
    pfa_code VARCHAR NOT NULL, force_as_named VARCHAR NOT NULL, offence_code VARCHAR NOT NULL,
    financial_year VARCHAR NOT NULL, quarter INTEGER, period_start DATE NOT NULL, period_end DATE NOT NULL,
    offences BIGINT NOT NULL, source_id VARCHAR NOT NULL, sheet VARCHAR, source_row INTEGER);
CREATE TABLE population (
    pfa_code VARCHAR NOT NULL, mid_year INTEGER NOT NULL, as_at DATE NOT NULL, population BIGINT NOT NULL,
    areas_summed INTEGER, source_id VARCHAR NOT NULL);
