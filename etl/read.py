"""Stage 1: read the inputs into rows of text, keeping each row's line number.

The curated files are CSV, decoded as UTF-8 with or without a byte-order mark.
Anything else (for example Windows-1252 saved by Excel as plain "CSV") is
rejected with the line and byte that failed, never guessed at, so no character
is ever mangled.

Accepted returns are read from their records in the returns folder (see
"Accepted returns" below): the rows of each return as it was accepted, beside
the file as it was submitted, whose hash is checked.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from core import writers
from core.problems import Problem, display_path

MAX_FILE_BYTES = 5_000_000


@dataclass
class Table:
    """The text content of one CSV file."""

    path: Path
    name: str  # display path, used in every message
    columns: list[str]
    rows: list[dict[str, str]]  # every value a stripped string; "" when empty
    lines: list[int]  # line number of each row in the file
    sha256: str
    problems: list[Problem] = field(default_factory=list)
    _columns: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)

    def column(self, name: str) -> list[str]:
        """The values of one column in row order; kept, as checks and normalising read each column."""
        values = self._columns.get(name)
        if values is None or len(values) != len(self.rows):
            values = self._columns[name] = [row[name] for row in self.rows]
        return values


def decode(raw: bytes, name: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 text of a file, or a problem naming the first byte that is not UTF-8."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        byte = raw[err.start]
        hint = ""
        if byte in range(0x80, 0xA0):
            hint = (
                " It looks like Windows-1252 (Excel's plain 'CSV' format);"
                " save it as 'CSV UTF-8 (Comma delimited)' and try again."
            )
        return None, [Problem(name, line, "", f"byte 0x{byte:02X} is not valid UTF-8; expected a UTF-8 file.{hint}")]


def read_bounded(path: Path, max_bytes: int, what: str = "file") -> tuple[bytes | None, Problem | None]:
    """The bytes of a file, reading at most one byte more than `max_bytes`, or the problem that stops it.

    A folder, a missing or unreadable file, anything that is not a regular file (a device such as
    /dev/zero, a pipe that would wait for a writer, a socket), and a file over the limit are each
    one problem, never a traceback, a read without bound or a wait for ever. Opened without
    waiting (O_NONBLOCK), then looked at before a byte is read."""
    name = display_path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None, Problem(name, 0, "", f"file not found; expected a {what} here")
    except IsADirectoryError:
        return None, Problem(name, 0, "", f"is a folder; expected a {what}")
    except OSError as err:
        return None, Problem(name, 0, "", f"cannot be read ({err.strerror or err}); expected a readable {what}")
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        if stat.S_ISDIR(info.st_mode):
            return None, Problem(name, 0, "", f"is a folder; expected a {what}")
        kind = (
            "a device"
            if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
            else "a pipe"
            if stat.S_ISFIFO(info.st_mode)
            else "a socket"
            if stat.S_ISSOCK(info.st_mode)
            else "not a file"
        )
        return None, Problem(name, 0, "", f"is not a regular file ({kind}); expected a {what}")
    with os.fdopen(fd, "rb") as fh:
        if info.st_size > max_bytes:
            return None, Problem(name, 0, "", f"file is {info.st_size:,} bytes; expected at most {max_bytes:,}")
        try:
            raw = fh.read(max_bytes + 1)
        except OSError as err:
            return None, Problem(name, 0, "", f"cannot be read ({err.strerror or err}); expected a readable {what}")
    if len(raw) > max_bytes:
        return None, Problem(name, 0, "", f"file is more than {max_bytes:,} bytes; expected at most {max_bytes:,}")
    return raw, None


def read_csv(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> Table:
    """Read one CSV file; problems are attached to the returned table, not raised."""
    name = display_path(path)
    table = Table(path=Path(path), name=name, columns=[], rows=[], lines=[], sha256="")
    raw, problem = read_bounded(Path(path), max_bytes, "CSV file")
    if raw is None:
        table.problems.append(problem)
        return table
    return parse_csv(raw, name, Path(path), max_bytes=max_bytes)


def parse_csv(raw: bytes, name: str, path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> Table:
    """Parse the bytes of a CSV file (read from disk or uploaded); problems are attached, not raised."""
    table = Table(path=path, name=name, columns=[], rows=[], lines=[], sha256=hashlib.sha256(raw).hexdigest())
    if len(raw) > max_bytes:
        table.problems.append(Problem(name, 0, "", f"file is {len(raw):,} bytes; expected at most {max_bytes:,}"))
        return table
    text, problems = decode(raw, name)
    if text is None:
        table.problems.extend(problems)
        return table
    if not text.strip():
        table.problems.append(Problem(name, 1, "", "file is empty; expected a header row and data rows"))
        return table

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as err:
        table.problems.append(Problem(name, 1, "", f"header is not valid CSV ({err})"))
        return table
    table.columns = [h.strip() for h in header]
    seen: set[str] = set()
    for col in table.columns:
        if col in seen:
            table.problems.append(Problem(name, 1, col, "column appears twice; expected unique column names"))
        seen.add(col)

    columns, width = table.columns, len(table.columns)
    rows, lines, kept = table.rows, table.lines, []
    line = reader.line_num + 1  # the line each record starts on (a quoted value may span lines)
    try:
        for values in reader:
            values = list(map(str.strip, values))
            start, line = line, reader.line_num + 1
            if not any(values):
                continue  # blank line
            if len(values) != width:
                table.problems.append(
                    Problem(name, start, "", f"row has {len(values)} fields; expected {width} (one per column)")
                )
                continue
            rows.append(dict(zip(columns, values)))
            lines.append(start)
            kept.append(values)
    except csv.Error as err:
        table.problems.append(Problem(name, line, "", f"not valid CSV ({err})"))
    if kept and len(set(columns)) == width:
        table._columns = dict(zip(columns, map(list, zip(*kept))))
    return table


# ---------------------------------------------------------------- accepted returns
#
# Every accepted return is two files in the returns folder (data/returns/):
#   <submitted_at>_<pfa_code>_<sha12>.csv|.xlsx  the file as submitted, unchanged, read-only
#   <submitted_at>_<pfa_code>_<sha12>.json       its record: the rows as accepted, who, when, the hash
# <submitted_at> is UTC, e.g. 20250501T101500123456Z; <sha12> starts the file's SHA-256.
# The record is written last: a return without one was never accepted. An import in
# progress is described by the journal file, so the next writer can finish or undo it
# (etl.pipeline.recover). The record's rows are in the return format (etl.schema.RETURN)
# whatever the file's own format, so the build reads every return the same way.

STAMP = "%Y%m%dT%H%M%S%fZ"
STORED_NAME = re.compile(
    r"^(?P<at>[0-9]{8}T[0-9]{12}Z)_(?P<pfa>(?:E23|W15)[0-9]{6})_(?P<sha>[0-9a-f]{12})\.(?P<ext>csv|xlsx|json)$"
)
RECORD_FORMAT = "stalking-return/1"
LOCK_FILE = writers.LOCK_FILE  # the writer lock (core.writers), in the returns folder
JOURNAL_FILE = ".import-journal.json"


@dataclass
class AcceptedFile:
    """One accepted return as stored: its rows, and the file it was submitted as."""

    record: Path
    submitted: Path
    submitted_at: dt.datetime
    pfa_code: str
    table: Table  # the rows, named after the submitted file
    entered_by: str | None = None  # who entered it, when not the office itself
    round_id: str | None = None  # the returns round it answers, if any


def stored_stem(submitted_at: dt.datetime, pfa_code: str, sha256: str) -> str:
    return f"{submitted_at.strftime(STAMP)}_{pfa_code}_{sha256[:12]}"


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Journal:
    """What an import in progress (or killed) is writing: its files, the record last."""

    files: tuple[str, ...]
    record: str


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


def read_accepted_returns(folder: Path) -> tuple[list[AcceptedFile], list[Problem]]:
    """Every accepted return in the folder, oldest first, with the problems found reading them.

    A submitted file whose content no longer matches its hash, a record that cannot be
    read, or a file the folder should not hold are problems: the build stops on them.
    A submitted file without its record that the journal names belongs to an import that
    has not finished (or was killed): it is not accepted, and the next writer removes it.
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
            problems.append(
                Problem(
                    name,
                    0,
                    "",
                    "not a stored return's name; expected only files written by "
                    "`python -m returns import` (<submitted_at>_<pfa_code>_<hash>.csv, .xlsx or .json)",
                )
            )
            continue
        if match["ext"] != "json" and path.stem not in records:
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
        match = STORED_NAME.fullmatch(path.name)
        if not match:
            continue
        name = display_path(path)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            if record.get("format") != RECORD_FORMAT:
                raise ValueError(f"format {record.get('format')!r}")
            submitted = folder / record["submitted_file"]
            columns, rows, lines = list(record["columns"]), record["rows"], list(record["lines"])
        except (OSError, ValueError, KeyError, TypeError) as err:
            problems.append(
                Problem(name, 0, "", f"record cannot be read ({err}); expected the JSON written on acceptance")
            )
            continue
        shown = display_path(submitted)
        if submitted.parent != folder or not STORED_NAME.fullmatch(submitted.name) or Path(submitted.name).stem != stem:
            problems.append(
                Problem(
                    name,
                    0,
                    "submitted_file",
                    f"'{record['submitted_file']}' is not this record's file; expected {stem}.csv or .xlsx",
                )
            )
            continue
        if not submitted.is_file():
            problems.append(Problem(shown, 0, "", "the submitted file is missing; expected it beside its record"))
            continue
        digest = _file_sha256(submitted)
        if digest != record.get("sha256") or digest[:12] != match["sha"]:
            problems.append(
                Problem(
                    shown,
                    0,
                    "",
                    f"content has SHA-256 {digest[:12]}…, not the {match['sha']} in its name; "
                    "expected a stored return to be left unchanged",
                )
            )
            continue
        if not (isinstance(rows, list) and all(isinstance(r, list) and len(r) == len(columns) for r in rows)):
            problems.append(
                Problem(
                    name,
                    0,
                    "rows",
                    "rows are not a list of rows of the record's columns; expected the record as written",
                )
            )
            continue
        table = Table(
            path=submitted,
            name=shown,
            columns=columns,
            rows=[dict(zip(columns, (str(v) for v in r))) for r in rows],
            lines=lines,
            sha256=digest,
        )
        accepted.append(
            AcceptedFile(
                record=path,
                submitted=submitted,
                submitted_at=dt.datetime.strptime(match["at"], STAMP),
                pfa_code=match["pfa"],
                table=table,
                entered_by=record.get("entered_by"),
                round_id=record.get("round_id"),
            )
        )
    accepted.sort(key=lambda a: a.record.name)
    return accepted, problems
