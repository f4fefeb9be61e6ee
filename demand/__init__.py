"""Demand beside provision: the official figures of recorded stalking and population per force area.

`python -m demand import FILE…` reads the files a user downloaded, as published:

- the Home Office's *Police recorded crime and outcomes open data tables*, police force area
  tables (ODS, XLSX or CSV): recorded stalking (offence code 8Q) and harassment (8L) per force,
  financial year and quarter (`demand.recorded_crime`);
- the ONS mid-year population estimates by local authority, with the ONS lookup from local
  authority to community safety partnership to police force area, or a population table that
  already gives police force areas by code (`demand.population`).

It checks them (`file:row:column: message`, one line per problem, nothing written on a
problem) and stores them with their origin beside the database (`demand.store`), under the
writer lock every writer holds (core.writers). `python -m etl build` reads the store, so every
rebuild keeps the figures. The repository ships no figure: until an import, the pages say
"not imported" and how to import (core.rules.DEMAND_NOT_IMPORTED). See demand/README.md.

A layer beside `geo` and `etl`: it imports `core` only.
"""
