"""Read the stored demand import (recorded stalking and population) and type it for the load.

`python -m demand import FILE…` checks the official files and stores what the dashboard uses
beside the database (`demand/recorded_crime.json`, `demand/population.json`, written by
demand.store). Every build reads that store again, so a rebuild keeps the figures; with no
store the tables are empty and the pages say "not imported". The store is checked again here
for its shape (a hand-edited or truncated file is refused with one line, and the previous
database stays), not for what the importer already checked.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from core import paths
from core.problems import Problem, display_path

FORMAT = "stalking-demand/1"
RECORDED_CRIME_FILE = "recorded_crime.json"
POPULATION_FILE = "population.json"
CRIME_COLUMNS = [
    "pfa_code",
    "force_as_named",
    "offence_code",
    "financial_year",
    "quarter",
    "period_start",
    "period_end",
    "offences",
    "source_id",
    "sheet",
    "source_row",
]
POPULATION_COLUMNS = ["pfa_code", "mid_year", "as_at", "population", "areas_summed", "source_id"]
SOURCE_COLUMNS = [
    "source_id",
    "kind",
    "publisher",
    "title",
    "released",
    "file_name",
    "sha256",
    "licence",
    "url",
    "imported_at",
    "covers",
    "set_aside",
    "lookup_file_name",
    "lookup_sha256",
    "lookup_title",
]


def store_dir(database: Path) -> Path:
    return Path(database).parent / paths.DEMAND_DIRNAME


def stored_files(database: Path) -> list[Path]:
    """The stored demand files a build of `database` reads (those that exist)."""
    folder = store_dir(database)
    return [folder / n for n in (RECORDED_CRIME_FILE, POPULATION_FILE) if (folder / n).is_file()]


def _load(path: Path) -> tuple[dict | None, list[Problem]]:
    where = display_path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return None, [
            Problem(
                where,
                0,
                "",
                f"cannot be read ({err}); expected the store `python -m demand import` wrote: import the files again",
            )
        ]
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        return None, [Problem(where, 0, "format", f"is not a demand store of format {FORMAT}; import the files again")]
    return payload, []


def _set_aside(value) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k} ({v:,} rows)" for k, v in sorted(value.items()))
    return ""


def empty_frames() -> dict[str, pd.DataFrame]:
    return {
        "recorded_crime": pd.DataFrame(columns=CRIME_COLUMNS),
        "population": pd.DataFrame(columns=POPULATION_COLUMNS),
        "demand_sources": pd.DataFrame(columns=SOURCE_COLUMNS),
    }


def read(database: Path, codes: set[str]) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """The frames of the tables `recorded_crime`, `population` and `demand_sources`, and any problems."""
    frames = empty_frames()
    problems: list[Problem] = []
    folder = store_dir(database)
    crime_path = folder / RECORDED_CRIME_FILE
    sources: list[dict] = []
    if crime_path.is_file():
        payload, found = _load(crime_path)
        problems += found
        if payload is not None:
            try:
                origin = payload["origin"]
                source_id = f"recorded-crime:{origin['sha256'][:12]}"
                rows = payload["rows"]
                frame = pd.DataFrame(rows)
                frame = frame.rename(columns={"row": "source_row"})
                frame["source_id"] = source_id
                frame["quarter"] = frame["quarter"].astype("Int64")
                frame["offences"] = frame["offences"].astype("int64")
                for column in ("period_start", "period_end"):
                    frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d").dt.date
                bad = sorted(set(frame["pfa_code"]) - codes)
                if bad or (frame["offences"] < 0).any():
                    raise ValueError(f"unknown force codes {bad} or a negative count")
                frames["recorded_crime"] = frame[CRIME_COLUMNS]
                sources.append(
                    {
                        "source_id": source_id,
                        "kind": "recorded crime",
                        "publisher": origin["publisher"],
                        "title": origin["title"],
                        "released": dt.date.fromisoformat(origin["released"]),
                        "file_name": origin["file_name"],
                        "sha256": origin["sha256"],
                        "licence": origin["licence"],
                        "url": origin.get("url"),
                        "imported_at": origin.get("imported_at"),
                        "covers": f"periods ending {origin['first_period_end']} to {origin['last_period_end']}",
                        "set_aside": _set_aside(origin.get("set_aside")),
                    }
                )
            except (KeyError, TypeError, ValueError) as err:
                problems.append(
                    Problem(
                        display_path(crime_path),
                        0,
                        "",
                        f"is not a store the import wrote ({type(err).__name__}: {err}); import the files again",
                    )
                )
    population_path = folder / POPULATION_FILE
    if population_path.is_file():
        payload, found = _load(population_path)
        problems += found
        if payload is not None:
            try:
                ids = {}
                for origin in payload["origins"]:
                    source_id = f"population:{origin['mid_year']}:{origin['sha256'][:12]}"
                    ids[origin["mid_year"]] = source_id
                    lookup = origin.get("lookup") or {}
                    sources.append(
                        {
                            "source_id": source_id,
                            "kind": "population",
                            "publisher": origin["publisher"],
                            "title": origin["title"],
                            "released": dt.date.fromisoformat(origin["released"]),
                            "file_name": origin["file_name"],
                            "sha256": origin["sha256"],
                            "licence": origin["licence"],
                            "url": origin.get("url"),
                            "imported_at": origin.get("imported_at"),
                            "covers": f"mid-{origin['mid_year']} ({origin['level']} rows)",
                            "set_aside": _set_aside(origin.get("set_aside")),
                            "lookup_file_name": lookup.get("file_name"),
                            "lookup_sha256": lookup.get("sha256"),
                            "lookup_title": lookup.get("title"),
                        }
                    )
                frame = pd.DataFrame(payload["rows"])
                frame["mid_year"] = frame["mid_year"].astype("int64")
                frame["population"] = frame["population"].astype("int64")
                frame["as_at"] = [dt.date(int(y), 6, 30) for y in frame["mid_year"]]
                frame["source_id"] = [ids[int(y)] for y in frame["mid_year"]]
                bad = sorted(set(frame["pfa_code"]) - codes)
                if bad:
                    raise ValueError(f"unknown force codes {bad}")
                frames["population"] = frame[POPULATION_COLUMNS]
            except (KeyError, TypeError, ValueError) as err:
                problems.append(
                    Problem(
                        display_path(population_path),
                        0,
                        "",
                        f"is not a store the import wrote ({type(err).__name__}: {err}); import the files again",
                    )
                )
    if sources:
        frames["demand_sources"] = pd.DataFrame(sources, columns=SOURCE_COLUMNS)
    return frames, problems
