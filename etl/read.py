"""Stage 1: read the inputs into rows of text, keeping each row's line number.

The curated files are CSV, decoded as UTF-8 with or without a byte-order mark.
Anything else (for example Windows-1252 saved by Excel as plain "CSV") is
rejected with the line and byte that failed, never guessed at, so no character
is ever mangled.

Accepted returns are read by etl.stored_returns, the owner of their stored
format (the record and the journal), into the same Table of rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import numbers
import os
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


# The writer lock every writer holds (core.writers, etl.pipeline.writer_lock), in the returns folder.
# The accepted returns stored there are read by etl.stored_returns, which owns their format.
LOCK_FILE = writers.LOCK_FILE


def _missing(value) -> bool:
    """None, NaN, or pandas' NaT or NA (the form's data editor), without importing pandas here
    (this module runs in the workbook reader's small worker process)."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return type(value).__name__ in {"NaTType", "NAType"}


def cell_text(value, *, dates_only: bool = False) -> str:
    """A cell as the text a CSV would hold: dates as YYYY-MM-DD, whole numbers without '.0',
    booleans as TRUE/FALSE (as a spreadsheet writes them), nothing (None, NaN, NaT) as ''.

    The one converter of a cell to text: a return's XLSX rows on the way in (intake.reading) and
    when a build reads a stored return back (etl.stored_returns), so both see the same rows; and
    with `dates_only` the answers of a return workbook (intake.workbook) and of the form's data
    editor (intake.forms, ui.return_form), where a date question's answer is a date, so a time of
    day typed with it is dropped. Rows keep it ('2025-03-31 12:00:00'), and the validator says
    that is not a date, because a row's column may be a date or may be text."""
    if _missing(value):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if dates_only or value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, numbers.Integral):  # int, and NumPy's integers from a data editor
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    if isinstance(value, str):
        return value.strip()
    # Array and data-table formulas come back as objects; keep them recognisable as formulas.
    text = str(getattr(value, "text", "") or "")
    return text if text.startswith("=") else "=" + text
