-- Positions as at a date. A later edition (source document or return) replaces
-- an earlier one for the same force and dimension from its as-at date on;
-- within an edition, a fact with a later valid_from replaces an earlier value
-- of the same attribute. Nothing is deleted: superseded rows stay in the tables.

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
-- One row per force: what was last reported for it on each theme, up to date d, and when.
-- How that reads at d (a funding end passed, at risk, reported more than a year before) is
-- decided by the rules of core/rules.py, which the dashboard applies to these columns.
WITH f AS (
    SELECT pfa_code,
        any_value(value) FILTER (WHERE dimension = 'isac_provision' AND attribute = 'status') AS isac_status,
        max(value_number) FILTER (WHERE dimension = 'isac_provision' AND attribute = 'isac_count') AS isac_count,
        max(value_number) FILTER (WHERE dimension = 'isac_provision' AND attribute = 'dedicated_stalking_posts') AS dedicated_stalking_posts,
        -- Full-time equivalents, from returns (a decimal, kept as text in facts.value).
        max(TRY_CAST(value AS DOUBLE)) FILTER (WHERE dimension = 'isac_provision' AND attribute = 'isa_fte') AS isa_fte,
        any_value(value) FILTER (WHERE dimension = 'isac_provision' AND attribute = 'apcc_grouping') AS apcc_grouping,
        max(source_date) FILTER (WHERE dimension = 'isac_provision') AS isac_reported_on,
        any_value(value) FILTER (WHERE dimension = 'perpetrator_programme' AND attribute = 'status') AS perpetrator_programme_status,
        max(source_date) FILTER (WHERE dimension = 'perpetrator_programme') AS programme_reported_on,
        any_value(value) FILTER (WHERE dimension = 'multi_agency' AND attribute = 'masip_status') AS masip_status,
        max(source_date) FILTER (WHERE dimension = 'multi_agency') AS masip_reported_on,
        count(*) FILTER (WHERE dimension = 'funding') AS funding_statements,
        count(*) FILTER (WHERE dimension = 'funding' AND attribute = 'risk_statement') AS funding_risk_statements,
        count(*) FILTER (WHERE dimension = 'funding' AND attribute = 'constraint_statement') AS funding_constraint_statements,
        max(source_date) FILTER (WHERE dimension = 'funding') AS funding_facts_reported_on,
        -- The commissioning body as last returned (a dated fact: bodies change when PCCs are abolished).
        any_value(value) FILTER (WHERE dimension = 'commissioning_body' AND attribute = 'name') AS body_returned,
        any_value(value) FILTER (WHERE dimension = 'commissioning_body' AND attribute = 'kind') AS body_kind,
        max(source_date) FILTER (WHERE dimension = 'commissioning_body') AS body_reported_on,
        count(DISTINCT quote) AS fact_quotes
    FROM facts_at(d) GROUP BY pfa_code
), s AS (
    SELECT pfa_code,
        count(*) AS funded_services,
        min(end_date) AS earliest_funding_end,
        max(source_date) AS streams_reported_on,
        count(DISTINCT quote) AS funding_quotes
    FROM funding_streams_at(d) GROUP BY pfa_code
)
SELECT
    fo.pfa_code, fo.force_name, fo.short_name, fo.label, fo.region, fo.commissioner_body,
    coalesce(f.isac_status, n.not_reported) AS isac_status,
    f.isac_count,
    f.dedicated_stalking_posts,
    f.isa_fte,
    f.apcc_grouping,
    f.isac_reported_on,
    coalesce(f.perpetrator_programme_status, n.not_reported) AS perpetrator_programme_status,
    f.programme_reported_on,
    coalesce(f.masip_status, n.not_reported) AS masip_status,
    f.masip_reported_on,
    coalesce(s.funded_services, 0) AS funded_services,
    coalesce(f.funding_statements, 0) AS funding_statements,
    coalesce(f.funding_risk_statements, 0) AS funding_risk_statements,
    coalesce(f.funding_constraint_statements, 0) AS funding_constraint_statements,
    s.earliest_funding_end,
    greatest(f.funding_facts_reported_on, s.streams_reported_on) AS funding_reported_on,
    coalesce(f.fact_quotes, 0) + coalesce(s.funding_quotes, 0) AS evidence_quotes,
    f.body_returned, f.body_kind, f.body_reported_on,
    CAST(d AS DATE) AS as_at
FROM forces fo LEFT JOIN f USING (pfa_code) LEFT JOIN s USING (pfa_code)
-- The words for a theme with no fact (core.rules.NOT_REPORTED), from the rules table.
CROSS JOIN (SELECT value AS not_reported FROM rules WHERE name = 'not_reported') n
ORDER BY fo.pfa_code;

CREATE VIEW force_coverage AS SELECT * FROM coverage_at(current_date);

CREATE VIEW funding_streams AS
SELECT pfa_code, stream_id, service, provision, funder, funder_wording, start_date, start_wording, start_derived,
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

-- Demand beside provision (issue 27). Twelve-month periods of recorded stalking (offence code 8Q)
-- per force area: each financial year (four quarters, or a whole-year row), and each rolling four
-- quarters ending in June, September or December (the one ending in March is the financial year).
-- `comparable` is false for periods ending before the series break (core.rules.SERIES_BREAK, in
-- the rules table): counting rules changed in April 2018 and April 2020. Population is the latest
-- mid-year estimate dated on or before the period's end.
CREATE VIEW stalking_periods AS
WITH quarters AS (
    SELECT pfa_code, financial_year, quarter, period_start, period_end, offences, source_id
    FROM recorded_crime WHERE offence_code = '8Q' AND quarter IS NOT NULL
), rolling AS (
    SELECT pfa_code, period_end, financial_year, quarter, source_id,
           sum(offences) OVER w AS offences, count(*) OVER w AS quarters_in, min(period_start) OVER w AS period_start
    FROM quarters
    WINDOW w AS (PARTITION BY pfa_code ORDER BY period_end ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)
), periods AS (
    SELECT pfa_code, CASE WHEN quarter = 4 THEN 'financial year' ELSE 'four quarters' END AS period_kind,
           CASE WHEN quarter = 4 THEN financial_year END AS financial_year,
           period_start, period_end, offences, source_id
    FROM rolling
    WHERE quarters_in = 4 AND period_start = CAST(period_end - INTERVAL 1 YEAR + INTERVAL 1 DAY AS DATE)
    UNION ALL
    SELECT pfa_code, 'financial year', financial_year, period_start, period_end, offences, source_id
    FROM recorded_crime WHERE offence_code = '8Q' AND quarter IS NULL
), with_population AS (
    SELECT p.*, pop.population, pop.mid_year AS population_year, pop.source_id AS population_source_id
    FROM periods p
    LEFT JOIN population pop ON pop.pfa_code = p.pfa_code
         AND pop.mid_year = (SELECT max(mid_year) FROM population q WHERE q.pfa_code = p.pfa_code AND q.as_at <= p.period_end)
)
SELECT pfa_code, period_kind, financial_year,
       'year ending ' || strftime(period_end, '%B %Y') AS period_label,
       period_start, period_end, offences,
       period_end >= (SELECT CAST(value AS DATE) FROM rules WHERE name = 'series_break') AS comparable,
       population, population_year,
       CASE WHEN population > 0 THEN offences * 1000.0 / population END AS offences_per_1000,
       source_id, population_source_id
FROM with_population;

CREATE MACRO demand_at(d) AS TABLE
-- One row per force area at date d: its latest twelve months of recorded stalking ended by d, the
-- population and rate, and the stalking advocate posts (FTE) its returns give at d (coverage_at),
-- per 1,000 of those offences. No FTE returned is NULL ("not reported"), never zero.
WITH latest AS (
    SELECT * FROM stalking_periods WHERE period_end <= CAST(d AS DATE)
    QUALIFY row_number() OVER (PARTITION BY pfa_code ORDER BY period_end DESC) = 1
)
SELECT c.pfa_code, c.short_name, c.region,
       l.period_kind, l.period_label, l.period_start, l.period_end AS demand_period_end,
       l.offences, l.comparable, l.population, l.population_year, l.offences_per_1000,
       c.isa_fte, c.isac_reported_on,
       CASE WHEN c.isa_fte IS NOT NULL AND l.offences > 0 THEN c.isa_fte * 1000.0 / l.offences END AS advocates_per_1000,
       l.source_id, l.population_source_id,
       CAST(d AS DATE) AS as_at
FROM coverage_at(d) c LEFT JOIN latest l USING (pfa_code)
ORDER BY c.pfa_code;
