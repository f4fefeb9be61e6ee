"""Population per police force area, from the ONS mid-year estimates.

Two files, as the ONS publishes them (see demand/README.md):

- the mid-year estimates by local authority: the workbook's `MYE2 - Persons` sheet (title rows,
  then `Code, Name, Geography, All ages, 0, 1, …`; one row per country, region, county and local
  authority of the UK), or the same columns as a CSV. The year is read from the title
  (`…, mid-2023`) or given with `--mid-year`.
- the ONS lookup from local authority district to community safety partnership to police force
  area (`LAD24CD, LAD24NM, CSP24CD, CSP24NM, PFA24CD, PFA24NM, ObjectId`, CSV or XLSX) of the
  same vintage as the estimates' local authorities.

The local authorities of England and Wales (codes E06, E07, E08, E09 and W06) are summed into
their police force areas; countries, regions, counties, and Scotland and Northern Ireland are set
aside. A population table that already has one row per police force area by code (E23/W15) is
used as it is, without a lookup.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from core import clock
from core.problems import InputError, Problem
from demand import sheets

PUBLISHER = "Office for National Statistics"
TITLE = "Mid-year population estimates (local authorities)"
LOOKUP_TITLE = "Local authority district to community safety partnership to police force area lookup"
LICENCE = "Open Government Licence v3.0"
CODE, NAME, ALL_AGES = "Code", "Name", "All ages"
LAD_PREFIXES = ("E06", "E07", "E08", "E09", "W06")
PFA_CODE = re.compile(r"^(E23|W15)\d{6}$")
AREA_CODE = re.compile(r"^[EWSNK]\d{8}$")
MID_YEAR = re.compile(r"mid[- ]?(\d{4})", re.IGNORECASE)
LOOKUP_LAD = re.compile(r"^lad(\d\d)cd$", re.IGNORECASE)
LOOKUP_PFA = re.compile(r"^pfa(\d\d)cd$", re.IGNORECASE)
HEADER_SEARCH_ROWS = 30
FIRST_MID_YEAR = 2001


@dataclass
class Estimates:
    """A population file read: rows of local authorities or police force areas, with the mid-year."""

    file_name: str
    mid_year: int
    by_code: dict[str, int]  # area code -> all-ages population
    sheet: str
    set_aside: dict[str, int]  # kind of area -> rows set aside
    level: str  # "local authority" or "police force area"


@dataclass
class Lookup:
    file_name: str
    vintage: str  # '24' for LAD24CD
    pfa_of: dict[str, str]  # LAD code -> PFA code


def _normal(value) -> str:
    return " ".join(str(value).split()).lower() if isinstance(value, str) else ""


def _whole(value) -> int | None:
    value = sheets.clean(value)
    if isinstance(value, str):
        text = value.replace(",", "")
        value = int(text) if text.isdigit() else None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100_000_000:
        return value
    return None


def kind_of(path: Path) -> str | None:
    """'population' or 'lookup' from the file's header rows, or None when it is neither."""
    for row in sheets.rows(path):
        if row.number > HEADER_SEARCH_ROWS:
            return None
        headings = {_normal(v) for v in row.values}
        if {"code", "all ages"} <= headings:
            return "population"
        if any(LOOKUP_LAD.match(h) for h in headings) and any(LOOKUP_PFA.match(h) for h in headings):
            return "lookup"
    return None


def read_estimates(path: Path, mid_year: int | None = None) -> Estimates:
    """The all-ages population of every area in the estimates. Raises InputError listing every problem."""
    path = Path(path)
    name = path.name
    problems: list[Problem] = []
    header: dict[str, int] | None = None
    sheet = ""
    titles: list[str] = []
    by_code: dict[str, int] = {}
    first_row: dict[str, int] = {}
    set_aside: Counter = Counter()
    for row in sheets.rows(path):
        if header is not None and row.sheet != sheet:
            break  # the table is on one sheet; the rest are other tables
        if header is None:
            if row.number > HEADER_SEARCH_ROWS:
                continue
            found = {_normal(v): i for i, v in enumerate(row.values) if isinstance(v, str)}
            if _normal(CODE) in found and _normal(ALL_AGES) in found:
                header, sheet = {CODE: found[_normal(CODE)], ALL_AGES: found[_normal(ALL_AGES)]}, row.sheet
            else:
                titles += [v for v in row.values if isinstance(v, str)] + [row.sheet]
            continue
        values = row.values + [""] * (max(header.values()) + 1 - len(row.values))
        code = str(sheets.clean(values[header[CODE]]) or "").upper()
        ref = sheets.cell_ref(row, header[CODE], CODE)
        if not AREA_CODE.fullmatch(code):
            problems.append(
                Problem(name, row.number, ref, f"'{code}' is not an ONS area code; expected e.g. E06000001")
            )
            continue
        if code.startswith(("S", "N")):
            set_aside["Scotland and Northern Ireland"] += 1
            continue
        if not (code.startswith(LAD_PREFIXES) or PFA_CODE.fullmatch(code)):
            set_aside["countries, regions and counties"] += 1
            continue
        population = _whole(values[header[ALL_AGES]])
        if population is None:
            problems.append(
                Problem(
                    name,
                    row.number,
                    sheets.cell_ref(row, header[ALL_AGES], ALL_AGES),
                    f"'{sheets.clean(values[header[ALL_AGES]])}' is not a population; expected a whole number of 0 or more",
                )
            )
            continue
        if code in by_code:
            problems.append(
                Problem(
                    name,
                    row.number,
                    ref,
                    f"{code} is listed again (first at row {first_row[code]}); expected each area once",
                )
            )
            continue
        by_code[code], first_row[code] = population, row.number
    if header is None:
        raise InputError(
            [
                Problem(
                    name,
                    0,
                    "",
                    f"no sheet has a '{CODE}' and an '{ALL_AGES}' column in its first {HEADER_SEARCH_ROWS} rows; "
                    "expected the ONS mid-year estimates (sheet MYE2 - Persons)",
                )
            ]
        )
    if mid_year is None:
        years = {int(m.group(1)) for t in titles for m in MID_YEAR.finditer(t)}
        if len(years) != 1:
            problems.append(
                Problem(
                    name,
                    0,
                    "",
                    "the mid-year of the estimates is not in the title "
                    f"({'several: ' + ', '.join(map(str, sorted(years))) if years else 'none found'}); give it with --mid-year YYYY",
                )
            )
            mid_year = 0
        else:
            mid_year = years.pop()
    if mid_year and not FIRST_MID_YEAR <= mid_year <= clock.today().year - (clock.today().month < 7):
        problems.append(
            Problem(
                name,
                0,
                "",
                f"mid-{mid_year} is not a mid-year that has passed; expected {FIRST_MID_YEAR} to the last June",
            )
        )
    if problems:
        raise InputError(problems)
    pfa_rows = {c: n for c, n in by_code.items() if PFA_CODE.fullmatch(c)}
    level = "police force area" if pfa_rows else "local authority"
    if pfa_rows:
        set_aside["local authorities (the file gives police force areas)"] += len(by_code) - len(pfa_rows)
        by_code = pfa_rows
    return Estimates(name, mid_year, by_code, sheet, dict(set_aside), level)


def read_lookup(path: Path, forces: dict[str, str]) -> Lookup:
    """The police force area of each local authority district. Raises InputError listing every problem."""
    path = Path(path)
    name = path.name
    problems: list[Problem] = []
    header: dict[str, int] | None = None
    vintage = ""
    pfa_of: dict[str, str] = {}
    for row in sheets.rows(path):
        if header is None:
            headings = {_normal(v): i for i, v in enumerate(row.values) if isinstance(v, str)}
            lad = next((h for h in headings if LOOKUP_LAD.match(h)), None)
            pfa = next((h for h in headings if LOOKUP_PFA.match(h)), None)
            if lad and pfa:
                header, vintage = {"lad": headings[lad], "pfa": headings[pfa]}, LOOKUP_LAD.match(lad).group(1)
                headings_of = {"lad": lad.upper(), "pfa": pfa.upper()}
            elif row.number > HEADER_SEARCH_ROWS:
                break
            continue
        values = row.values + [""] * (max(header.values()) + 1 - len(row.values))
        lad = str(sheets.clean(values[header["lad"]]) or "").upper()
        pfa = str(sheets.clean(values[header["pfa"]]) or "").upper()
        if not lad.startswith(LAD_PREFIXES) or not AREA_CODE.fullmatch(lad):
            problems.append(
                Problem(
                    name,
                    row.number,
                    sheets.cell_ref(row, header["lad"], headings_of["lad"]),
                    f"'{lad}' is not a local authority district code of England or Wales; expected e.g. E06000001",
                )
            )
            continue
        if pfa not in forces:
            problems.append(
                Problem(
                    name,
                    row.number,
                    sheets.cell_ref(row, header["pfa"], headings_of["pfa"]),
                    f"'{pfa}' is not a police force area code in data/forces.csv; expected E23000001-E23000039 or W15000001-W15000004",
                )
            )
            continue
        if lad in pfa_of and pfa_of[lad] != pfa:
            problems.append(
                Problem(
                    name,
                    row.number,
                    sheets.cell_ref(row, header["lad"], headings_of["lad"]),
                    f"{lad} is in {pfa_of[lad]} and in {pfa}; expected each local authority in one police force area",
                )
            )
            continue
        pfa_of[lad] = pfa
    if header is None:
        raise InputError(
            [
                Problem(
                    name,
                    0,
                    "",
                    "no LADnnCD and PFAnnCD columns; expected the ONS lookup from local authority to police force area",
                )
            ]
        )
    missing = set(forces) - set(pfa_of.values())
    if missing and not problems:
        problems.append(
            Problem(
                name,
                0,
                "",
                f"no local authority in {len(missing)} police force area(s): {', '.join(sorted(missing))}; expected all 43",
            )
        )
    if problems:
        raise InputError(problems)
    return Lookup(name, vintage, pfa_of)


def per_force(
    estimates: Estimates, lookup: Lookup | None, forces: dict[str, str]
) -> tuple[dict[str, int], dict[str, int]]:
    """({pfa_code: population}, {pfa_code: local authorities summed}) for all 43 force areas.
    Raises InputError when a local authority of the estimates is not in the lookup, or the reverse."""
    if estimates.level == "police force area":
        missing = set(forces) - set(estimates.by_code)
        unknown = set(estimates.by_code) - set(forces)
        problems = []
        if missing:
            problems.append(
                Problem(
                    estimates.file_name,
                    0,
                    CODE,
                    f"no row for {len(missing)} police force area(s): {', '.join(sorted(missing))}; expected all 43",
                )
            )
        if unknown:
            problems.append(
                Problem(
                    estimates.file_name,
                    0,
                    CODE,
                    f"{', '.join(sorted(unknown))} not in data/forces.csv; expected the 43 police force areas",
                )
            )
        if problems:
            raise InputError(problems)
        return dict(estimates.by_code), {c: 0 for c in estimates.by_code}
    if lookup is None:
        raise InputError(
            [
                Problem(
                    estimates.file_name,
                    0,
                    "",
                    "gives local authorities; expected the ONS lookup from local authority to "
                    "police force area imported with it (python -m demand import ESTIMATES LOOKUP)",
                )
            ]
        )
    problems = []
    not_in_lookup = sorted(set(estimates.by_code) - set(lookup.pfa_of))
    not_in_estimates = sorted(set(lookup.pfa_of) - set(estimates.by_code))
    if not_in_lookup:
        problems.append(
            Problem(
                estimates.file_name,
                0,
                CODE,
                f"{len(not_in_lookup)} local authorities are not in {lookup.file_name}: "
                f"{', '.join(not_in_lookup[:10])}{' …' if len(not_in_lookup) > 10 else ''}; expected a lookup of the same "
                f"vintage as the estimates (the lookup is LAD{lookup.vintage}CD)",
            )
        )
    if not_in_estimates:
        problems.append(
            Problem(
                lookup.file_name,
                0,
                "",
                f"{len(not_in_estimates)} local authorities are not in {estimates.file_name}: "
                f"{', '.join(not_in_estimates[:10])}{' …' if len(not_in_estimates) > 10 else ''}; expected the same local "
                "authorities in both (else a force area's population would be short)",
            )
        )
    if problems:
        raise InputError(problems)
    totals: Counter = Counter()
    counts: Counter = Counter()
    for lad, population in estimates.by_code.items():
        totals[lookup.pfa_of[lad]] += population
        counts[lookup.pfa_of[lad]] += 1
    return {c: int(totals[c]) for c in sorted(forces)}, {c: int(counts[c]) for c in sorted(forces)}
