"""Stage 1: read CSV files into rows of text, keeping each row's line number.

Files are decoded as UTF-8, with or without a byte-order mark. Anything else
(for example Windows-1252 saved by Excel as plain "CSV") is rejected with the
line and byte that failed, never guessed at, so no character is ever mangled.
"""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from etl.problems import Problem, display_path

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
        return None, [
            Problem(name, line, "", f"byte 0x{byte:02X} is not valid UTF-8; expected a UTF-8 file.{hint}")
        ]


def read_csv(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> Table:
    """Read one CSV file; problems are attached to the returned table, not raised."""
    name = display_path(path)
    table = Table(path=Path(path), name=name, columns=[], rows=[], lines=[], sha256="")
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        table.problems.append(Problem(name, 0, "", "file not found; expected it to exist"))
        return table
    return parse_csv(raw, name, Path(path), max_bytes=max_bytes)


def parse_csv(raw: bytes, name: str, path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> Table:
    """Parse the bytes of a CSV file (read from disk or uploaded); problems are attached, not raised."""
    table = Table(path=path, name=name, columns=[], rows=[], lines=[], sha256=hashlib.sha256(raw).hexdigest())
    if len(raw) > max_bytes:
        table.problems.append(
            Problem(name, 0, "", f"file is {len(raw):,} bytes; expected at most {max_bytes:,}")
        )
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
    try:
        for values in reader:
            values = list(map(str.strip, values))
            if not any(values):
                continue  # blank line
            if len(values) != width:
                table.problems.append(
                    Problem(name, reader.line_num, "", f"row has {len(values)} fields; expected {width} (one per column)")
                )
                continue
            rows.append(dict(zip(columns, values)))
            lines.append(reader.line_num)
            kept.append(values)
    except csv.Error as err:
        table.problems.append(Problem(name, reader.line_num, "", f"not valid CSV ({err})"))
    if kept and len(set(columns)) == width:
        table._columns = dict(zip(columns, map(list, zip(*kept))))
    return table
