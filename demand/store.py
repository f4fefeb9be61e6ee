"""Check the files, then store them beside the database with their origin, atomically, under the writer lock.

The store (core.paths.DEMAND_DIR, the `demand/` folder beside the database) holds:

- `recorded_crime.json`: the stalking (8Q) and harassment (8L) rows of the last police force area
  table imported, with its origin (publisher, title, release date, file name, SHA-256, licence,
  what was set aside);
- `population.json`: population per police force area for each mid-year imported, each with its
  origin and the lookup's;
- `originals/`: every accepted official file as it was, named by its SHA-256, kept for ever.

Every file is written beside its target and renamed over it (core.atomic), so a reader (the
build) sees the old store or the new one. Nothing is written until every file has been read and
checked; one problem in one file and nothing changes. `python -m etl build` reads the store.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from core import atomic, clock, paths, queries, rules, writers
from core.digests import file_sha256
from core.problems import InputError, Problem, display_path
from demand import population, recorded_crime, sheets

FORMAT = "stalking-demand/1"
RECORDED_CRIME_FILE = "recorded_crime.json"
POPULATION_FILE = "population.json"
ORIGINALS = "originals"


@dataclass
class ImportReport:
    lines: list[str] = field(default_factory=list)
    stored: list[Path] = field(default_factory=list)


def store_dir(database: Path | None = None) -> Path:
    """The demand store beside a database (default: core.paths.DEMAND_DIR beside paths.DATABASE)."""
    return Path(database or paths.DATABASE).parent / paths.DEMAND_DIRNAME


def kind_of(path: Path) -> str:
    """'recorded crime', 'population' or 'lookup', from the file's header row. Raises InputError otherwise."""
    seen: set[str] = set()
    for row in sheets.rows(path):
        if row.number > recorded_crime.HEADER_SEARCH_ROWS:
            if row.sheet in seen:
                continue
            seen.add(row.sheet)
            continue
        if recorded_crime._header(row):
            return "recorded crime"
        headings = {population._normal(v) for v in row.values}
        if {"code", "all ages"} <= headings:
            return "population"
        if any(population.LOOKUP_LAD.match(h) for h in headings) and any(
            population.LOOKUP_PFA.match(h) for h in headings
        ):
            return "lookup"
    raise InputError(
        [
            Problem(
                Path(path).name,
                0,
                "",
                "is none of the files the import reads; expected the Home Office's police force area table "
                "(Financial Year, Force Name, Offence Code, Number of Offences), the ONS mid-year estimates "
                "(Code, All ages) or the ONS local authority to police force area lookup (LADnnCD, PFAnnCD)",
            )
        ]
    )


def _released(path: Path, given: dt.date | None, from_name: dt.date | None) -> tuple[dt.date | None, Problem | None]:
    when = from_name or given
    if when is None:
        return None, Problem(
            path.name, 0, "", "the release date is not in the file name; give it with --released YYYY-MM-DD"
        )
    if when > clock.today():
        return None, Problem(
            path.name, 0, "", f"release date {when.isoformat()} is after today; expected the date it was published"
        )
    return when, None


def _now() -> str:
    return clock.now().replace(tzinfo=dt.UTC).isoformat(timespec="seconds")


def _dumps(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8") + b"\n"


def read_stored(folder: Path, name: str) -> dict | None:
    try:
        return json.loads((folder / name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise InputError(
            [Problem(display_path(folder / name), 0, "", f"cannot be read ({err}); import the files again")]
        ) from None


def prepare(
    files: list[Path],
    *,
    database: Path | None = None,
    released: dt.date | None = None,
    mid_year: int | None = None,
) -> tuple[dict[str, dict], list[Path], list[str]]:
    """Read and check every file; ({store file name: payload}, originals, report lines). Writes nothing."""
    try:
        return _prepare(files, database=database, released=released, mid_year=mid_year)
    finally:
        sheets.forget()


def _prepare(
    files: list[Path],
    *,
    database: Path | None,
    released: dt.date | None,
    mid_year: int | None,
) -> tuple[dict[str, dict], list[Path], list[str]]:
    db = queries.Database(Path(database or paths.DATABASE))
    try:
        table = queries.forces(db)
    except queries.DatabaseMissing as err:
        raise InputError(
            [Problem(display_path(db.path), 0, "", f"{err} The import reads force names from it.")]
        ) from None
    forces = dict(zip(table["pfa_code"], table["short_name"]))
    resolve = queries.force_resolver(db)
    problems: list[Problem] = []
    kinds: dict[str, list[Path]] = {"recorded crime": [], "population": [], "lookup": []}
    for path in files:
        path = Path(path)
        try:
            kinds[kind_of(path)].append(path)
        except InputError as err:
            problems += err.problems
    for kind, paths_of in kinds.items():
        if kind != "population" and len(paths_of) > 1:
            problems.append(
                Problem(
                    paths_of[1].name, 0, "", f"a second {kind} file ({paths_of[0].name} is one); import one at a time"
                )
            )
    if problems:
        raise InputError(problems)

    payloads: dict[str, dict] = {}
    lines: list[str] = []
    now = _now()
    if kinds["recorded crime"]:
        path = kinds["recorded crime"][0]
        try:
            crime = recorded_crime.read(path, resolve, forces)
        except InputError as err:
            problems += err.problems
        else:
            when, problem = _released(path, released, recorded_crime.release_date(path))
            if problem:
                problems.append(problem)
            else:
                stalking = [r for r in crime.rows if r["offence_code"] == rules.STALKING_OFFENCE]
                payloads[RECORDED_CRIME_FILE] = {
                    "format": FORMAT,
                    "kind": "recorded_crime",
                    "origin": {
                        "publisher": recorded_crime.PUBLISHER,
                        "title": recorded_crime.TITLE,
                        "released": when.isoformat(),
                        "file_name": path.name,
                        "sha256": file_sha256(path),
                        "licence": recorded_crime.LICENCE,
                        "url": rules.RECORDED_CRIME_PAGE,
                        "imported_at": now,
                        "rows_read": crime.rows_read,
                        "sheets_read": crime.sheets_read,
                        "sheets_without_table": crime.sheets_without_table,
                        "has_quarters": crime.has_quarters,
                        "first_period_end": min(r["period_end"] for r in stalking),
                        "last_period_end": max(r["period_end"] for r in stalking),
                        "set_aside": crime.set_aside,
                    },
                    "rows": crime.rows,
                }
                lines.append(crime.summary())

    lookup = None
    if kinds["lookup"]:
        try:
            lookup = population.read_lookup(kinds["lookup"][0], forces)
        except InputError as err:
            problems += err.problems
    estimates = []
    for path in kinds["population"]:
        try:
            estimates.append((path, population.read_estimates(path, mid_year)))
        except InputError as err:
            problems += err.problems
    if kinds["lookup"] and not kinds["population"]:
        problems.append(
            Problem(
                kinds["lookup"][0].name,
                0,
                "",
                "a lookup on its own adds nothing; import it with the mid-year estimates",
            )
        )
    years = [e.mid_year for _, e in estimates]
    if len(set(years)) != len(years):
        problems.append(Problem(estimates[-1][0].name, 0, "", "two files of the same mid-year; import one"))
    entries = []
    for path, est in estimates:
        try:
            totals, counts = population.per_force(est, lookup if est.level == "local authority" else None, forces)
        except InputError as err:
            problems += err.problems
            continue
        when, problem = _released(path, released, None)
        if problem:
            problems.append(problem)
            continue
        origin = {
            "publisher": population.PUBLISHER,
            "title": f"{population.TITLE}, mid-{est.mid_year}",
            "released": when.isoformat(),
            "file_name": path.name,
            "sha256": file_sha256(path),
            "licence": population.LICENCE,
            "url": rules.POPULATION_PAGE,
            "imported_at": now,
            "mid_year": est.mid_year,
            "sheet": est.sheet,
            "level": est.level,
            "set_aside": est.set_aside,
        }
        if est.level == "local authority" and lookup is not None:
            origin["lookup"] = {
                "publisher": population.PUBLISHER,
                "title": f"{population.LOOKUP_TITLE} (LAD{lookup.vintage}CD)",
                "file_name": lookup.file_name,
                "sha256": file_sha256(kinds["lookup"][0]),
                "licence": population.LICENCE,
                "url": rules.LOOKUP_PAGE,
            }
        rows = [
            {"pfa_code": c, "mid_year": est.mid_year, "population": totals[c], "areas_summed": counts[c]}
            for c in totals
        ]
        entries.append((origin, rows))
        lines.append(
            f"{path.name}: mid-{est.mid_year} population of the 43 force areas "
            f"({sum(totals.values()):,} people, from {sum(counts.values()) or 43} {est.level} rows"
            + (f" through {lookup.file_name}" if origin.get("lookup") else "")
            + ")"
        )
    if problems:
        raise InputError(problems)
    if entries:
        payloads[POPULATION_FILE] = {"format": FORMAT, "kind": "population", "entries": entries}
    originals = [p for group in kinds.values() for p in group]
    return payloads, originals, lines


def import_files(
    files: list[Path],
    *,
    database: Path | None = None,
    data_dir: Path = paths.DATA_DIR,
    released: dt.date | None = None,
    mid_year: int | None = None,
    lock_timeout: float = 300,
) -> ImportReport:
    """Check the files and store them beside `database`; raises InputError, writing nothing, on any problem."""
    payloads, originals, lines = prepare(files, database=database, released=released, mid_year=mid_year)
    folder = store_dir(database)
    report = ImportReport(lines=lines)
    with writers.held(data_dir, lock_timeout):
        atomic.remove_stale_temps(folder)
        atomic.remove_stale_temps(folder / ORIGINALS)
        try:
            for path in originals:
                kept = folder / ORIGINALS / f"{file_sha256(path)[:16]}_{path.name}"
                if not kept.exists():
                    atomic.write_atomic(kept, path.read_bytes(), mode=0o644)
                report.stored.append(kept)
            if RECORDED_CRIME_FILE in payloads:
                target = folder / RECORDED_CRIME_FILE
                atomic.write_atomic(target, _dumps(payloads[RECORDED_CRIME_FILE]), mode=0o644)
                report.stored.append(target)
            if POPULATION_FILE in payloads:
                # Population is kept per mid-year: a new mid-year adds to those stored, the same one replaces.
                stored = read_stored(folder, POPULATION_FILE) or {
                    "format": FORMAT,
                    "kind": "population",
                    "origins": [],
                    "rows": [],
                }
                new_years = {origin["mid_year"] for origin, _ in payloads[POPULATION_FILE]["entries"]}
                origins = [o for o in stored.get("origins", []) if o["mid_year"] not in new_years]
                rows = [r for r in stored.get("rows", []) if r["mid_year"] not in new_years]
                for origin, new_rows in payloads[POPULATION_FILE]["entries"]:
                    origins.append(origin)
                    rows += new_rows
                merged = {
                    "format": FORMAT,
                    "kind": "population",
                    "origins": sorted(origins, key=lambda o: o["mid_year"]),
                    "rows": sorted(rows, key=lambda r: (r["mid_year"], r["pfa_code"])),
                }
                target = folder / POPULATION_FILE
                atomic.write_atomic(target, _dumps(merged), mode=0o644)
                report.stored.append(target)
        except OSError as err:
            done = ", ".join(p.name for p in report.stored) or "nothing"
            raise InputError(
                [
                    Problem(
                        display_path(folder),
                        0,
                        "",
                        f"cannot be written ({err.strerror or err}); each file is replaced whole or not at all "
                        f"(replaced before the failure: {done}); the database is unchanged: import again",
                    )
                ]
            ) from None
    return report
