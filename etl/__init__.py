"""The pipeline that turns curated CSV files in data/ into the DuckDB database.

Stages, one module each, run in this order by etl.pipeline:
read (bytes to rows) -> validate (schema and cross-file rules) ->
normalise (names to codes, defaults, derived values) -> load (atomic DuckDB write).
"""
