"""Rows of a published table, whatever it was published as: ODS, XLSX or CSV.

Each sheet is read row by row with its row number, so a problem can name its cell
(`file.ods:123:2024_25!H123`). ODS and XLSX are read with calamine (python-calamine, in Rust):
the police force area tables hold about 200,000 rows, which it reads in about a second where
odfpy's document model takes minutes and gigabytes. Repeated empty rows and cells (an ODS
sheet often declares a million of them) are never expanded into rows.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineWorkbook

from core.problems import InputError, Problem

# Larger than any file the Home Office or the ONS publishes for these tables (about 15 MB),
# and what their archives may unpack to.
MAX_FILE_BYTES = 300_000_000
MAX_UNPACKED_BYTES = 3_000_000_000
SUFFIXES = (".ods", ".xlsx", ".csv")


@dataclass
class Row:
    sheet: str  # the sheet's name ("" for a CSV)
    number: int  # the row number in the sheet (1 = the first row)
    values: list  # as read: str for text ("" when empty), float or int for numbers; see clean()


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_ref(row: Row, index: int, heading: str) -> str:
    """How a problem names a cell: `2024_25!H123 (Number of Offences)`, or the CSV's column heading."""
    if not row.sheet:
        return heading
    return f"{row.sheet}!{column_letter(index)}{row.number} ({heading})"


def file_problem(path: Path, message: str) -> InputError:
    return InputError([Problem(path.name, 0, "", message)])


def rows(path: Path) -> Iterator[Row]:
    """Every non-empty row of every sheet, in order. Raises InputError when the file cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise file_problem(path, "no such file")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise file_problem(
            path, f"unsupported file type {suffix or '(none)'}; expected the table as published: .ods, .xlsx or .csv"
        )
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise file_problem(path, f"file is {size:,} bytes; expected at most {MAX_FILE_BYTES:,}")
    if suffix == ".csv":
        return _csv_rows(path)
    return _workbook_rows(path, suffix[1:].upper())


def _csv_rows(path: Path) -> Iterator[Row]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise file_problem(path, f"is not UTF-8 text (byte {err.start}); expected the CSV as published") from None
    for number, values in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if values.count("") != len(values):
            yield Row("", number, values)


def _open_zip(path: Path, kind: str) -> None:
    """Refuse what is not a zip archive, or unpacks to more than MAX_UNPACKED_BYTES, before reading it."""
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(m.file_size for m in zf.infolist())
    except (zipfile.BadZipFile, OSError):
        raise file_problem(
            path, f"is not an {kind} file (not a zip archive); expected the table as published"
        ) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise file_problem(path, f"unpacks to more than {MAX_UNPACKED_BYTES:,} bytes; refusing it")


def clean(value):
    """Text stripped (empty text is None); numbers as int when whole; dates and times as they are."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


_LAST_OPENED: dict[tuple, CalamineWorkbook] = {}


def _workbook(path: Path, kind: str) -> CalamineWorkbook:
    """The workbook, opened once for the several passes an import makes over a file (what it is, then
    its rows): kept while its path, size and modification time stay the same, one file at a time."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _LAST_OPENED:
        _open_zip(path, kind)
        try:
            workbook = CalamineWorkbook.from_path(str(path))
        except Exception as err:  # noqa: BLE001 - calamine raises its own kinds; all mean "cannot read"
            raise file_problem(
                path, f"cannot be read as {kind} ({' '.join(str(err).split()) or type(err).__name__})"
            ) from None
        _LAST_OPENED.clear()
        _LAST_OPENED[key] = workbook
    return _LAST_OPENED[key]


def forget() -> None:
    """Let go of the workbook kept open (an import calls this when it is done with its files)."""
    _LAST_OPENED.clear()


def _workbook_rows(path: Path, kind: str) -> Iterator[Row]:
    workbook = _workbook(path, kind)
    for name in workbook.sheet_names:
        try:
            sheet = workbook.get_sheet_by_name(name)
            first_row = sheet.start[0] if sheet.start else 0
            for offset, values in enumerate(sheet.iter_rows()):
                if values.count("") != len(values):
                    yield Row(name, first_row + offset + 1, values)
        except InputError:
            raise
        except Exception as err:  # noqa: BLE001
            raise file_problem(path, f"sheet {name} cannot be read ({' '.join(str(err).split())})") from None
