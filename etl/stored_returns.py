"""Accepted returns as stored: the one owner of their format, written on acceptance and read by every build.

Every accepted return is two files in the returns folder (data/returns/):

    <submitted_at>_<pfa_code>_<sha12>.csv|.xlsx   the return's file, unchanged, read-only
    <submitted_at>_<pfa_code>_<sha12>.json        its record: the rows as accepted, who, when, the hash

<submitted_at> is UTC, e.g. 20250501T101500123456Z; <sha12> starts the file's SHA-256. The
record's rows are in the return format (etl.schema.RETURN) whatever the file's own layout, so
the build reads every return the same way. A return sent as the round's workbook is stored as
the rows its answers make (a CSV, as the browser form's answers are); the workbook itself stays,
as received, with its submission in the workflow database, and the record names it (`received`).

The record is written last: a return without one was never accepted. An import in progress is
described by the journal, written before anything else and removed once a build includes the
return, so the next writer can finish or undo what a killed one left (`recover`). Nothing is
ever overwritten or deleted, except the files of an import that did not finish.

A build trusts neither file alone (`read_all`): the file must still have the hash in its name
and record, and the record's rows must be the rows the file holds, read again from it.

The writer lock itself (etl.pipeline.writer_lock) is held around every `write` and `recover`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from core import atomic
from core.problems import InputError, Problem, display_path
from etl.read import Table, cell_text, parse_csv
from etl.schema import RETURN_COLUMNS

STAMP = "%Y%m%dT%H%M%S%fZ"
STORED_NAME = re.compile(
    r"^(?P<at>[0-9]{8}T[0-9]{12}Z)_(?P<pfa>(?:E23|W15)[0-9]{6})_(?P<sha>[0-9a-f]{12})\.(?P<ext>csv|xlsx|json)$"
)
RECORD_FORMAT = "stalking-return/1"
JOURNAL_FILE = ".import-journal.json"
READ_ONLY = 0o444
XLSX_SHEET = "return"  # the sheet an XLSX return's rows are read from (intake.reading.SHEET)
FORM_MANIFEST = "Manifest"  # the hidden sheet of a round workbook (intake.workbook.MANIFEST)
# What file_rows says of a round workbook stored as received, as returns accepted before
# 2026-12 were: its rows come from its answers (intake), so only its hash can be checked here.
ANSWERS_WORKBOOK = "answers workbook"


def stored_stem(submitted_at: dt.datetime, pfa_code: str, sha256: str) -> str:
    """The name a return is stored under, without its extension."""
    return f"{submitted_at.strftime(STAMP)}_{pfa_code}_{sha256[:12]}"


@dataclass(frozen=True)
class Stored:
    submitted: Path  # the return's file
    record: Path  # the record the build reads


@dataclass
class AcceptedFile:
    """One accepted return as stored: its rows, and its file."""

    record: Path
    submitted: Path
    submitted_at: dt.datetime
    pfa_code: str
    table: Table  # the rows, named after the stored file
    entered_by: str | None = None  # who entered it, when not the office itself
    round_id: str | None = None  # the returns round it answers, if any


@dataclass(frozen=True)
class Journal:
    """What an import in progress (or killed) is writing: its files, the record last."""

    files: tuple[str, ...]
    record: str


# ---------------------------------------------------------------- writing


def _dumps(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def write(
    folder: Path,
    raw: bytes,
    table: Table,
    *,
    suffix: str,
    pfa_code: str,
    as_at: dt.date,
    submitted_by: str,
    submitted_at: dt.datetime,
    entered_by: str | None = None,
    round_id: str | None = None,
    received: dict[str, str] | None = None,
) -> Stored:
    """Write the return's file and its record into `folder` (the writer lock must be held).

    `table`: the rows of `raw` as checked. `received`: the file the return came in, when that
    is not the file stored (a round workbook: its name and sha256). The journal stays until
    `finish` (or `undo`) is called after the rebuild."""
    sha256 = hashlib.sha256(raw).hexdigest()
    stem = stored_stem(submitted_at, pfa_code, sha256)
    stored = Stored(folder / f"{stem}{suffix}", folder / f"{stem}.json")
    atomic.write_atomic(
        folder / JOURNAL_FILE,
        _dumps({"files": [stored.submitted.name, stored.record.name], "record": stored.record.name}),
    )
    atomic.write_atomic(stored.submitted, raw, mode=READ_ONLY)
    record: dict[str, object] = {
        "format": RECORD_FORMAT,
        "submitted_file": stored.submitted.name,
        "sha256": sha256,
        "pfa_code": pfa_code,
        "submitted_at": submitted_at.isoformat(),
        "as_at": as_at.isoformat(),
        "submitted_by": submitted_by,
        "entered_by": entered_by,
        "round_id": round_id,
        "columns": list(table.columns),
        "rows": [[row.get(c, "") for c in table.columns] for row in table.rows],
        "lines": list(table.lines),
    }
    if received:
        record["received"] = dict(received)
    atomic.write_atomic(stored.record, _dumps(record), mode=READ_ONLY)  # last: now the return is accepted
    return stored


def write_or_refuse(folder: Path, raw: bytes, table: Table, **record) -> Stored:
    """`write`, or, when the folder cannot take the files (read-only, full), an InputError naming
    the folder, with whatever was written removed again: nothing is accepted half."""
    try:
        return write(folder, raw, table, **record)
    except OSError as err:
        stem = stored_stem(record["submitted_at"], record["pfa_code"], hashlib.sha256(raw).hexdigest())
        with contextlib.suppress(OSError):
            undo(folder, Stored(folder / f"{stem}{record['suffix']}", folder / f"{stem}.json"))
        raise InputError(
            [
                Problem(
                    display_path(folder),
                    0,
                    "",
                    f"the return cannot be stored ({err.strerror or err}); expected a writable folder "
                    "with room for it. Nothing was accepted",
                )
            ]
        ) from None


def finish(folder: Path) -> None:
    """The import is over (stored and built): remove its journal."""
    (folder / JOURNAL_FILE).unlink(missing_ok=True)


def undo(folder: Path, stored: Stored) -> None:
    """The import failed before it was over: remove its files and its journal."""
    for path in (stored.record, stored.submitted):
        path.unlink(missing_ok=True)
    finish(folder)


# ---------------------------------------------------------------- the journal


def read_journal(folder: Path) -> Journal | None:
    """The journal of an import that has not finished, or None when there is none.

    A journal that cannot be read names no files (its import wrote nothing yet: the journal
    is written, atomically, before anything else)."""
    path = folder / JOURNAL_FILE
    if not path.exists():
        return None
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        return Journal(
            tuple(Path(str(n)).name for n in entry.get("files", [])), Path(str(entry.get("record", ""))).name
        )
    except (OSError, ValueError, AttributeError, TypeError):
        return Journal((), "")


def recover(folder: Path) -> list[str]:
    """Finish or undo the import a killed writer left in `folder`; remove temporary files of dead writers.

    Call only while holding the writer lock. An import writes a journal naming its files
    before it writes them, and the journal goes once the database has been rebuilt with
    them. A journal found here means the import was interrupted: if its record (the last file
    it writes) is complete, the return was accepted and stays, and so does the journal until
    a build has included it (`unfinished` is true till then); otherwise every file it names is
    removed, and the journal with them. Returns what was done, in words.
    """
    done = [f"removed {p.name}" for p in atomic.remove_stale_temps(folder)]
    journal = read_journal(folder)
    if journal is None:
        return done
    if journal.record and (folder / journal.record).is_file():
        done.append(f"kept {journal.record}: accepted before the writer stopped; the next build includes it")
        return done
    for name in journal.files:
        path = folder / name  # names only: never outside the folder
        if path.is_file():
            path.unlink()
            done.append(f"removed {path.name}: its import did not finish")
    (folder / JOURNAL_FILE).unlink(missing_ok=True)
    atomic._fsync_dir(folder)
    return done


def unfinished(folder: Path) -> bool:
    """True when a writer stopped before it had finished: a return may be accepted that the
    database does not hold yet."""
    return (folder / JOURNAL_FILE).exists()


def built(folder: Path) -> None:
    """A build has read every accepted return: the journal of one accepted before it is no longer needed."""
    journal = read_journal(folder)
    if journal is not None and journal.record and (folder / journal.record).is_file():
        (folder / JOURNAL_FILE).unlink(missing_ok=True)
        atomic._fsync_dir(folder)


# ---------------------------------------------------------------- reading, and checking each record against its file


def _xlsx_rows(raw: bytes) -> list[dict[str, str]] | str:
    """The header and rows of an XLSX return's sheet, read as intake.reading reads it on the way in
    (the same cell-to-text, blank rows skipped, each row as wide as the header). The file is one
    that was accepted, its hash checked: the limits applied then need no repeating."""
    import openpyxl  # imported here: only XLSX returns need it

    book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    try:
        if XLSX_SHEET not in book.sheetnames:
            return ANSWERS_WORKBOOK if FORM_MANIFEST in book.sheetnames else []
        values = book[XLSX_SHEET].iter_rows(values_only=True)
        header = [cell_text(v) for v in next(values, ())]
        while header and header[-1] == "":
            header.pop()
        rows = []
        for line in values:
            texts = [cell_text(v) for v in line]
            if any(texts):
                texts += [""] * (len(header) - len(texts))
                rows.append(dict(zip(header, texts[: len(header)])))
        return rows
    finally:
        book.close()


def file_rows(path: Path, raw: bytes) -> list[dict[str, str]] | str | None:
    """The rows a stored return's file holds, each with every column of the return format
    ("" where the file has none); None when the file cannot be read as a return, ANSWERS_WORKBOOK
    for a round workbook stored as received (before 2026-12)."""
    try:
        if path.suffix == ".csv":
            table = parse_csv(raw, display_path(path), path)
            if table.problems:
                return None
            rows = table.rows
        else:
            read = _xlsx_rows(raw)
            if isinstance(read, str):
                return read
            rows = read
    except Exception:  # noqa: BLE001 - any failure to read it back is a mismatch, reported as such
        return None
    return [_in_return_format(r) for r in rows]


def _in_return_format(row: dict[str, str]) -> dict[str, str]:
    return {c: row.get(c, "") for c in RETURN_COLUMNS} | {k: v for k, v in row.items() if k not in RETURN_COLUMNS}


def _differs(record_rows: list[dict[str, str]], held: list[dict[str, str]] | None) -> str | None:
    """Where a record's rows differ from the rows its file holds, in words, or None when they agree."""
    if held is None:
        return "its rows cannot be read from the file"
    mine = [_in_return_format(r) for r in record_rows]
    for i, (a, b) in enumerate(zip(mine, held), start=1):
        for column in dict.fromkeys([*a, *b]):
            if a.get(column, "") != b.get(column, ""):
                return (
                    f"row {i}, {column}: the record says '{a.get(column, '')[:60]}', "
                    f"the file '{b.get(column, '')[:60]}'"
                )
    if len(mine) != len(held):
        return f"the record has {len(mine)} rows, the file {len(held)}"
    return None


def _not_a_stored_name(name: str) -> Problem:
    return Problem(
        name,
        0,
        "",
        "not a stored return's name; expected only files written by "
        "`python -m returns import` (<submitted_at>_<pfa_code>_<hash>.csv, .xlsx or .json)",
    )


def read_all(folder: Path) -> tuple[list[AcceptedFile], list[Problem]]:
    """Every accepted return in the folder, oldest first, with the problems found reading them.

    A file whose content no longer matches its hash, a record whose rows are not the rows its
    file holds, a record that cannot be read, or a file the folder should not hold are
    problems: the build stops on them. A file without its record that the journal names
    belongs to an import that has not finished (or was killed): it is not accepted, and the
    next writer removes it.
    """
    accepted: list[AcceptedFile] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return accepted, problems
    journal = read_journal(folder)
    in_progress = set(journal.files) if journal else set()
    files = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    records = {p.stem: p for p in files if p.suffix == ".json"}
    for path in files:
        name = display_path(path)
        match = STORED_NAME.fullmatch(path.name)
        if match and match["ext"] != "json" and path.stem not in records and path.name in in_progress:
            continue  # an import not finished: never accepted
        if not path.is_file() or not match:
            problems.append(_not_a_stored_name(name))
        elif match["ext"] != "json" and path.stem not in records:
            problems.append(
                Problem(
                    name,
                    0,
                    "",
                    "a submitted file without its record (.json); expected both, "
                    "as `python -m returns import` writes them",
                )
            )
    for stem, path in records.items():
        if STORED_NAME.fullmatch(path.name):
            found, problem = _read_one(folder, stem, path)
            if problem:
                problems.append(problem)
            else:
                accepted.append(found)
    accepted.sort(key=lambda a: a.record.name)
    return accepted, problems


def _read_one(folder: Path, stem: str, path: Path) -> tuple[AcceptedFile | None, Problem | None]:
    """One record and its file, each checked against the other."""
    name, match = display_path(path), STORED_NAME.fullmatch(path.name)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("format") != RECORD_FORMAT:
            raise ValueError(f"format {record.get('format')!r}")
        submitted = folder / record["submitted_file"]
        columns, rows, lines = list(record["columns"]), record["rows"], list(record["lines"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        return None, Problem(name, 0, "", f"record cannot be read ({err}); expected the JSON written on acceptance")
    shown = display_path(submitted)
    if submitted.parent != folder or not STORED_NAME.fullmatch(submitted.name) or Path(submitted.name).stem != stem:
        return None, Problem(
            name,
            0,
            "submitted_file",
            f"'{record['submitted_file']}' is not this record's file; expected {stem}.csv or .xlsx",
        )
    if not submitted.is_file():
        return None, Problem(shown, 0, "", "the submitted file is missing; expected it beside its record")
    raw = submitted.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != record.get("sha256") or digest[:12] != match["sha"]:
        return None, Problem(
            shown,
            0,
            "",
            f"content has SHA-256 {digest[:12]}…, not the {match['sha']} in its name; "
            "expected a stored return to be left unchanged",
        )
    if not (isinstance(rows, list) and all(isinstance(r, list) and len(r) == len(columns) for r in rows)):
        return None, Problem(
            name, 0, "rows", "rows are not a list of rows of the record's columns; expected the record as written"
        )
    table = Table(
        path=submitted,
        name=shown,
        columns=columns,
        rows=[dict(zip(columns, (str(v) for v in r))) for r in rows],
        lines=lines,
        sha256=digest,
    )
    held = file_rows(submitted, raw)
    differs = None if isinstance(held, str) else _differs(table.rows, held)  # str: ANSWERS_WORKBOOK, its only text
    if differs:
        return None, Problem(
            name,
            0,
            "rows",
            f"the record does not hold what its file {submitted.name} holds ({differs}); "
            "expected a stored return's record and file to be left unchanged",
        )
    return (
        AcceptedFile(
            record=path,
            submitted=submitted,
            submitted_at=dt.datetime.strptime(match["at"], STAMP),
            pfa_code=match["pfa"],
            table=table,
            entered_by=record.get("entered_by"),
            round_id=record.get("round_id"),
        ),
        None,
    )
