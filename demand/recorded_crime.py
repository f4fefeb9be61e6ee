"""The Home Office's police force area tables: recorded stalking (8Q) and harassment (8L) per force area.

The layout, from the tables' user guide and the published files (see demand/README.md): one
sheet per financial year (`2024_25`), after a cover sheet and notes; a header row
`Financial Year, Financial Quarter, Force Name, Offence Description, Offence Group,
Offence Subgroup, Offence Code, Number of Offences`; one row per year (`2024/25`), quarter
(1-4), force and offence. Forces are named, not coded (`London, City of`, `Devon and
Cornwall`), and the tables also list bodies that are not force areas: British Transport
Police and the national fraud bodies (Action Fraud, CIFAS, UK Finance). The same table as
one CSV, or a table of whole years without the quarter column, reads the same way.

`read()` checks what the dashboard uses and returns it, or raises InputError with one
`file:row:column: message` per problem: every one of the 43 force areas exactly once per
period and offence, names resolved through data/forces.csv's aliases (core.queries), bodies
that are not force areas set aside and listed, whole non-negative numbers, real periods.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from core import clock, rules
from core.problems import InputError, Problem
from core.text import alias_key
from demand import sheets

PUBLISHER = "Home Office"
TITLE = "Police recorded crime and outcomes open data tables: police force area tables"
LICENCE = "Open Government Licence v3.0"
# Headings of the columns read (any case and spacing); the quarter column is optional.
YEAR, QUARTER, FORCE, CODE, COUNT = (
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Code",
    "Number of Offences",
)
REQUIRED = (YEAR, FORCE, CODE, COUNT)
# The rows looked through for the header at the top of each sheet.
HEADER_SEARCH_ROWS = 30
# Rows the tables give for bodies that are not police force areas: set aside, and listed.
NON_FORCE_BODIES = (
    "British Transport Police",
    "Action Fraud",
    "CIFAS",
    "UK Finance",
    "National Fraud Intelligence Bureau",
    "NFIB",
)
_NON_FORCE_KEYS = {alias_key(n) for n in NON_FORCE_BODIES}
KEPT_OFFENCES = tuple(rules.OFFENCE_NAMES)
# The tables start after the National Crime Recording Standard (2002/03).
FIRST_YEAR = 2002
FINANCIAL_YEAR = re.compile(r"^(\d{4})\s*[/-]\s*(\d{2}|\d{4})$")
YEAR_SHEET = re.compile(r"^(\d{4})[_-](\d{2})$")
NOTE_MARK = re.compile(r"\s*\[\s*note\s*\d+\s*\]\s*$", re.IGNORECASE)
QUARTER_ENDS = {1: (0, 6, 30), 2: (0, 9, 30), 3: (0, 12, 31), 4: (1, 3, 31)}
SET_ASIDE, UNKNOWN = object(), object()  # what a force name that is not a force area is


def quarter_end(year: int, quarter: int) -> dt.date:
    """The last day of a quarter of the financial year starting in April `year`."""
    add, month, day = QUARTER_ENDS[quarter]
    return dt.date(year + add, month, day)


def quarter_start(year: int, quarter: int | None) -> dt.date:
    """The first day of a quarter (or, for None, of the financial year) starting in April `year`."""
    if not quarter:
        return dt.date(year, 4, 1)
    month = 4 + 3 * (quarter - 1)
    return dt.date(year + (month > 12), (month - 1) % 12 + 1, 1)


def period_words(year: str, quarter: int | None) -> str:
    """'2024/25 Q3', or '2024/25' for a whole year."""
    return f"{year} Q{quarter}" if quarter else year


def financial_year(start: int) -> str:
    """2024 -> '2024/25'."""
    return f"{start}/{(start + 1) % 100:02d}"


@dataclass
class RecordedCrime:
    """What a police force area table gave: the kept rows and what was set aside."""

    file_name: str
    rows: list[dict]
    set_aside: dict[str, int]  # body as named -> rows set aside
    sheets_read: list[str]
    sheets_without_table: list[str]
    rows_read: int
    has_quarters: bool
    periods: list[str] = field(default_factory=list)

    def summary(self) -> str:
        stalking = [r for r in self.rows if r["offence_code"] == rules.STALKING_OFFENCE]
        ends = sorted({r["period_end"] for r in stalking})
        span = f"{ends[0]} to {ends[-1]}" if ends else "no periods"
        bodies = ", ".join(f"{name} ({n:,} rows)" for name, n in sorted(self.set_aside.items())) or "none"
        return (
            f"{self.file_name}: {self.rows_read:,} rows read from {len(self.sheets_read)} sheet(s); "
            f"{len(stalking):,} stalking (8Q) rows for 43 force areas, periods ending {span}; "
            f"set aside (not police force areas): {bodies}"
        )


def _normal(heading) -> str:
    return " ".join(str(heading).split()).lower() if isinstance(heading, str) else ""


def _header(row: sheets.Row) -> dict[str, int] | None:
    """{heading: column index} when the row is the table's header."""
    found = {_normal(v): i for i, v in enumerate(row.values) if isinstance(v, str)}
    if all(_normal(h) in found for h in REQUIRED):
        return {h: found[_normal(h)] for h in (*REQUIRED, QUARTER) if _normal(h) in found}
    return None


def _text(value) -> str:
    value = sheets.clean(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def release_date(path: Path) -> dt.date | None:
    """The release date the Home Office writes at the end of the file name (`…-240725.ods`: 24 July 2025)."""
    match = re.search(r"[-_](\d{2})(\d{2})(\d{2})$", Path(path).stem)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(2000 + year, month, day)
    except ValueError:
        return None


def read(path: Path, resolve: Callable[[str], str | None], forces: dict[str, str]) -> RecordedCrime:
    """Read and check a police force area table. `resolve` maps a name to its ONS code (or None);
    `forces` is {pfa_code: short name} of the 43 force areas. Raises InputError listing every problem."""
    path = Path(path)
    name = path.name
    today = clock.today()
    problems: list[Problem] = []
    header: dict[str, int] | None = None
    header_sheet: str | None = None
    sheets_read: list[str] = []
    without: list[str] = []
    seen_sheets: list[str] = []
    forces_seen: dict[object, tuple] = {}  # cell as read -> (code, SET_ASIDE or UNKNOWN; name)
    offences_seen: dict[object, str] = {}
    unknown: dict[str, tuple[sheets.Row, int]] = {}
    unknown_rows: Counter = Counter()
    set_aside: Counter = Counter()
    years: dict[object, int | str] = {}  # raw value -> start year, or the reason it is not one
    first_at: dict[tuple, str] = {}
    kept: list[dict] = []
    rows_read = 0
    width = 0
    has_quarters: bool | None = None

    def where(row: sheets.Row, col: str) -> str:
        return sheets.cell_ref(row, header[col], col)

    def year_of(raw) -> int | str:
        if raw not in years:
            text = _text(raw)
            match = FINANCIAL_YEAR.fullmatch(text)
            if not match:
                years[raw] = f"'{text}' is not a financial year; expected e.g. 2024/25"
            else:
                start, end = int(match.group(1)), int(match.group(2))
                if end % 100 != (start + 1) % 100 or (end >= 1000 and end != start + 1):
                    years[raw] = (
                        f"'{text}' is not a financial year (the second year must follow the first); expected e.g. 2024/25"
                    )
                elif start < FIRST_YEAR or dt.date(start, 4, 1) > today:
                    years[raw] = (
                        f"'{text}' is not a real period of these tables; expected a financial year from "
                        f"{financial_year(FIRST_YEAR)} to {financial_year(today.year - (today.month < 4))}"
                    )
                else:
                    years[raw] = start
        return years[raw]

    for row in sheets.rows(path):
        if row.sheet != (seen_sheets[-1] if seen_sheets else None):
            if header is not None and header_sheet != row.sheet and row.sheet:
                header = None  # every sheet has its own header row
            seen_sheets.append(row.sheet)
        if header is None:
            if row.number <= HEADER_SEARCH_ROWS and (found := _header(row)):
                header, header_sheet = found, row.sheet
                width = max(header.values()) + 1
                sheets_read.append(row.sheet)
                if has_quarters is None:
                    has_quarters = QUARTER in header
                elif has_quarters != (QUARTER in header):
                    problems.append(
                        Problem(
                            name,
                            row.number,
                            f"{row.sheet}!{sheets.column_letter(0)}{row.number}",
                            f"this sheet {'has' if QUARTER in header else 'has no'} {QUARTER} column and another "
                            "does not; expected one layout throughout",
                        )
                    )
            continue
        rows_read += 1
        values = row.values
        if len(values) < width:
            values = values + [""] * (width - len(values))
            row.values = values
        # The hot path (about 200,000 rows): one dict look-up for the force and one for the offence,
        # keyed on the cell as read, before anything else is done with the row.
        raw_force = values[header[FORCE]]
        force = forces_seen.get(raw_force)
        if force is None:
            force_name = _text(raw_force)
            cleaned = NOTE_MARK.sub("", force_name)
            code = resolve(cleaned) if cleaned else None
            if code is not None:
                force = (code, force_name)
            elif alias_key(cleaned) in _NON_FORCE_KEYS:
                force = (SET_ASIDE, force_name)
            else:
                force = (UNKNOWN, force_name)
            forces_seen[raw_force] = force
        code, force_name = force
        if code is SET_ASIDE:
            set_aside[force_name] += 1
            continue
        if code is UNKNOWN:
            unknown.setdefault(force_name, (row, header[FORCE]))
            unknown_rows[force_name] += 1
            continue
        raw_offence = values[header[CODE]]
        offence = offences_seen.get(raw_offence)
        if offence is None:
            offence = offences_seen[raw_offence] = _text(raw_offence).upper()
        if offence not in KEPT_OFFENCES:
            continue
        start = year_of(values[header[YEAR]])
        if isinstance(start, str):
            problems.append(Problem(name, row.number, where(row, YEAR), start))
            continue
        if row.sheet and (m := YEAR_SHEET.fullmatch(row.sheet)) and int(m.group(1)) != start:
            problems.append(
                Problem(
                    name,
                    row.number,
                    where(row, YEAR),
                    f"'{_text(values[header[YEAR]])}' is on sheet {row.sheet}; expected {financial_year(int(m.group(1)))}",
                )
            )
            continue
        quarter = None
        if QUARTER in header:
            raw_q = sheets.clean(values[header[QUARTER]])
            text_q = _text(raw_q).upper().removeprefix("Q")
            if text_q not in ("1", "2", "3", "4"):
                problems.append(
                    Problem(
                        name,
                        row.number,
                        where(row, QUARTER),
                        f"'{_text(raw_q)}' is not a quarter; expected 1, 2, 3 or 4",
                    )
                )
                continue
            quarter = int(text_q)
            end = quarter_end(start, quarter)
        else:
            end = dt.date(start + 1, 3, 31)
        if end > today:
            problems.append(
                Problem(
                    name,
                    row.number,
                    where(row, QUARTER if quarter else YEAR),
                    f"{financial_year(start)}{f' Q{quarter}' if quarter else ''} ends on {end.isoformat()}, after "
                    f"today ({today.isoformat()}); expected periods that have ended",
                )
            )
            continue
        raw_n = sheets.clean(values[header[COUNT]])
        if isinstance(raw_n, str) and raw_n.isdigit():
            raw_n = int(raw_n)
        if not isinstance(raw_n, int) or isinstance(raw_n, bool) or raw_n < 0 or raw_n > rules.MAX_COUNT * 10:
            problems.append(
                Problem(
                    name,
                    row.number,
                    where(row, COUNT),
                    f"'{_text(raw_n)}' is not a number of offences; expected a whole number of 0 or more",
                )
            )
            continue
        key = (offence, code, start, quarter)
        ref = f"{row.sheet + '!' if row.sheet else ''}row {row.number}"
        if key in first_at:
            problems.append(
                Problem(
                    name,
                    row.number,
                    where(row, FORCE),
                    f"{force_name} has a second {offence} row for {financial_year(start)}"
                    f"{f' Q{quarter}' if quarter else ''} (the first is at {first_at[key]}); expected one per period",
                )
            )
            continue
        first_at[key] = ref
        kept.append(
            {
                "pfa_code": code,
                "force_as_named": force_name,
                "offence_code": offence,
                "financial_year": financial_year(start),
                "quarter": quarter,
                "period_start": quarter_start(start, quarter).isoformat(),
                "period_end": end.isoformat(),
                "offences": raw_n,
                "sheet": row.sheet,
                "row": row.number,
            }
        )

    for force_name, (row, col) in sorted(unknown.items()):
        problems.append(
            Problem(
                name,
                row.number,
                sheets.cell_ref(row, col, FORCE),
                f"'{force_name}' ({unknown_rows[force_name]:,} rows) is not a force area in data/forces.csv nor a body "
                f"the tables list apart ({', '.join(NON_FORCE_BODIES[:4])}); expected a force name or alias",
            )
        )
    if not sheets_read:
        listed = ", ".join(dict.fromkeys(seen_sheets)) or "none"
        raise InputError(
            [
                Problem(
                    name,
                    0,
                    "",
                    f"no sheet has the police force area table's header ({', '.join((YEAR, QUARTER, FORCE, CODE, COUNT))}) "
                    f"in its first {HEADER_SEARCH_ROWS} rows; sheets found: {listed}. Is this the police force area table?",
                )
            ]
        )
    without = [s for s in dict.fromkeys(seen_sheets) if s not in sheets_read]
    # Every one of the 43 force areas once per period, for each offence the file gives.
    present: dict[tuple, set[str]] = {}
    for r in kept:
        present.setdefault((r["offence_code"], r["financial_year"], r["quarter"]), set()).add(r["pfa_code"])
    if not any(k[0] == rules.STALKING_OFFENCE for k in present) and not problems:
        problems.append(
            Problem(
                name,
                0,
                CODE,
                f"no stalking rows (offence code {rules.STALKING_OFFENCE}) for any force area; expected them in the police force area table",
            )
        )
    for (offence, year, quarter), codes in sorted(present.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or 0)):
        missing = set(forces) - codes
        if missing:
            listed = ", ".join(f"{c} ({forces[c]})" for c in sorted(missing))
            problems.append(
                Problem(
                    name,
                    0,
                    FORCE,
                    f"{year}{f' Q{quarter}' if quarter else ''}: no {offence} "
                    f"({rules.OFFENCE_NAMES[offence].lower()}) row for {len(missing)} force area(s): {listed}; "
                    "expected every one of the 43 force areas once per period",
                )
            )
    if problems:
        raise InputError(problems)
    periods = sorted({period_words(r["financial_year"], r["quarter"]) for r in kept})
    return RecordedCrime(name, kept, dict(set_aside), sheets_read, without, rows_read, bool(has_quarters), periods)
