"""Reading a submitted return: a CSV or XLSX file's bytes into rows of text.

The rows are in the return format (etl.schema.RETURN) and are checked by
returns.checking; nothing here decides whether they are right. Every limit is
applied before any work that grows with the input: the file's size, an XLSX's
unpacked size, the number of rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path

from core.problems import Problem
from etl.read import Table, parse_csv

# One megabyte as Streamlit counts it, so the upload page and the CLI refuse the same files.
MAX_RETURN_MB = 1
MAX_RETURN_BYTES = MAX_RETURN_MB * 1024 * 1024
MAX_RETURN_ROWS = 1_000
MAX_XLSX_UNPACKED_BYTES = 20 * 1024 * 1024  # an XLSX is a zip: refuse one that inflates far beyond its size
SUFFIXES = (".csv", ".xlsx")
SHEET = "return"


def cell_text(value) -> str:
    """An XLSX cell as the text a CSV would hold: dates as YYYY-MM-DD, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value.strip()
    # Array and data-table formulas come back as objects; keep them recognisable as formulas.
    text = str(getattr(value, "text", "") or "")
    return text if text.startswith("=") else "=" + text


def read_xlsx(raw: bytes, name: str, path: Path) -> Table:
    """The 'return' sheet of a workbook as text rows. Formulas are read as written (data_only=False)."""
    import openpyxl  # imported here: only returns need it

    table = Table(path=path, name=name, columns=[], rows=[], lines=[], sha256=hashlib.sha256(raw).hexdigest())
    expected = "expected a workbook saved from Excel as .xlsx"
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
    except zipfile.BadZipFile:
        table.problems.append(Problem(name, 0, "", f"file is not an XLSX workbook (not a zip archive); {expected}"))
        return table
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        table.problems.append(
            Problem(
                name, 0, "", f"workbook unpacks to {unpacked:,} bytes; expected at most {MAX_XLSX_UNPACKED_BYTES:,}"
            )
        )
        return table
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds of error for a damaged file
        table.problems.append(
            Problem(name, 0, "", f"file could not be read as a workbook ({type(err).__name__}); {expected}")
        )
        return table
    try:
        if SHEET not in workbook.sheetnames:
            found = ", ".join(f"'{s}'" for s in workbook.sheetnames)
            table.problems.append(
                Problem(
                    name, 0, "", f"no sheet named '{SHEET}' (found {found}); expected the template's '{SHEET}' sheet"
                )
            )
            return table
        rows = workbook[SHEET].iter_rows(min_row=1, values_only=True)
        header = [cell_text(v) for v in next(rows, ())]
        while header and header[-1] == "":
            header.pop()
        if not header:
            table.problems.append(Problem(name, 1, "", "file is empty; expected a header row and data rows"))
            return table
        table.columns = header
        seen: set[str] = set()
        for col in header:
            if col in seen:
                table.problems.append(Problem(name, 1, col, "column appears twice; expected unique column names"))
            seen.add(col)
        for line, values in enumerate(rows, start=2):
            texts = [cell_text(v) for v in values]
            if not any(texts):
                continue
            if len(table.rows) >= MAX_RETURN_ROWS:
                table.problems.append(
                    Problem(name, line, "", f"more than {MAX_RETURN_ROWS} rows; expected a return for one force")
                )
                break
            extra = [i for i, t in enumerate(texts) if t and i >= len(header)]
            if extra:
                table.problems.append(
                    Problem(
                        name,
                        line,
                        "",
                        f"a value in column {extra[0] + 1}, which has no header; expected values only under the header's {len(header)} columns",
                    )
                )
                continue
            texts += [""] * (len(header) - len(texts))
            table.rows.append(dict(zip(header, texts[: len(header)])))
            table.lines.append(line)
    finally:
        workbook.close()
    return table


def read_return(raw: bytes, file_name: str, *, name: str | None = None) -> Table:
    """The rows of a return from its bytes; the format follows the file name's extension."""
    name = name or file_name
    suffix = Path(file_name).suffix.lower()
    empty = Table(
        path=Path(file_name), name=name, columns=[], rows=[], lines=[], sha256=hashlib.sha256(raw).hexdigest()
    )
    if suffix not in SUFFIXES:
        empty.problems.append(
            Problem(name, 0, "", f"'{suffix or 'no extension'}' is not a return format; expected a .csv or .xlsx file")
        )
        return empty
    if len(raw) > MAX_RETURN_BYTES:
        empty.problems.append(
            Problem(
                name, 0, "", f"file is {len(raw):,} bytes; expected at most {MAX_RETURN_BYTES:,} ({MAX_RETURN_MB} MB)"
            )
        )
        return empty
    if not raw.strip():
        empty.problems.append(Problem(name, 1, "", "file is empty; expected a header row and data rows"))
        return empty
    if suffix == ".xlsx":
        return read_xlsx(raw, name, Path(file_name))
    table = parse_csv(raw, name, Path(file_name), max_bytes=MAX_RETURN_BYTES)
    if len(table.rows) > MAX_RETURN_ROWS:
        table.problems.append(
            Problem(
                name,
                table.lines[MAX_RETURN_ROWS],
                "",
                f"more than {MAX_RETURN_ROWS} rows; expected a return for one force",
            )
        )
    return table
