"""The data-access functions of core.queries, cached for Streamlit.

Each result is cached under the database file's fingerprint, so a rebuilt
database (for example after a return is imported) is picked up on the next
rerun without restarting the server, and old entries simply stop being used.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from core import queries

F = TypeVar("F", bound=Callable)


def database_version() -> str:
    return queries.default_db().fingerprint().key


def _cached(fn: F) -> F:
    def run(version: str, *args, **kwargs):
        return fn(*args, **kwargs)

    # st.cache_data keys a cache on module and qualified name: give each wrapper its own.
    run.__qualname__ = run.__name__ = f"cached_{fn.__name__}"
    cached_run = st.cache_data(show_spinner=False, max_entries=256)(run)

    @functools.wraps(fn)
    def call(*args, **kwargs):
        return cached_run(database_version(), *args, **kwargs)

    return call  # type: ignore[return-value]


forces = _cached(queries.forces)
regions = _cached(queries.regions)
allowed_values = _cached(queries.allowed_values)
dimensions = _cached(queries.dimensions)
attributes = _cached(queries.attributes)
sources = _cached(queries.sources)
sections = _cached(queries.sections)
glossary = _cached(queries.glossary)
neighbours = _cached(queries.neighbours)
source_date = _cached(queries.source_date)
latest_edition_date = _cached(queries.latest_edition_date)
data_date = _cached(queries.data_date)
timeline = _cached(queries.timeline)
corrections = _cached(queries.corrections)
etl_runs = _cached(queries.etl_runs)
etl_run_files = _cached(queries.etl_run_files)
editions = _cached(queries.editions)
coverage = _cached(queries.coverage)
facts = _cached(queries.facts)
funding_streams = _cached(queries.funding_streams)
recommendation_status = _cached(queries.recommendation_status)
evidence = _cached(queries.evidence)
resolve_force = _cached(queries.resolve_force)
history = _cached(queries.history)
# Demand beside provision (issue 27).
demand = _cached(queries.demand)
demand_series = _cached(queries.demand_series)
demand_sources = _cached(queries.demand_sources)
demand_imported = _cached(queries.demand_imported)
