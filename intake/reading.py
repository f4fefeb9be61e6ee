"""Reading a submitted return: a CSV or XLSX file's bytes into rows of text.

The rows are in the return format (etl.schema.RETURN) and are checked by
intake.checking; nothing here decides whether they are right. Every limit is
applied before any work that grows with the input: the file's size, an XLSX's
unpacked size, the number of rows.
"""

from __future__ import annotations

import hashlib
import io
import time
from pathlib import Path

from core.problems import InputError, Problem
from etl.read import Table, cell_text, parse_csv
from intake import isolated, xlsx_checks
from intake.xlsx_checks import (  # noqa: F401 - the limits, named here too
    MACRO_PART,
    MAX_XLSX_UNPACKED_BYTES,
    MAX_XLSX_XML_BYTES,
    XML_SUFFIXES,
)

# One megabyte as Streamlit counts it, so the upload page and the CLI refuse the same files.
MAX_RETURN_MB = 1
MAX_RETURN_BYTES = MAX_RETURN_MB * 1024 * 1024
MAX_RETURN_ROWS = 1_000
# The sheet a return is read from: the last row (blank rows count) and column it may use.
MAX_SHEET_ROWS = 5_000
MAX_SHEET_COLUMNS = 50
# Reading one workbook's rows stops, with a problem, after this long.
READ_SECONDS = 10.0
SUFFIXES = (".csv", ".xlsx")
SHEET = "return"


def read_xlsx(raw: bytes, name: str, path: Path) -> Table:
    """The 'return' sheet of a workbook as text rows. Formulas are read as written (data_only=False).

    Every part is checked before anything parses it (intake.xlsx_checks: sizes declared and
    real, document types, macros, cells), and what passes is read in a worker process with
    CPU and memory limits (intake.isolated), where parse_xlsx reads it."""
    table = Table(path=path, name=name, columns=[], rows=[], lines=[], sha256=hashlib.sha256(raw).hexdigest())
    table.problems.extend(xlsx_checks.inspect(raw, name))
    if table.problems:
        return table
    limits = {k: globals()[k] for k in ("MAX_SHEET_ROWS", "MAX_SHEET_COLUMNS", "MAX_RETURN_ROWS", "READ_SECONDS")}
    try:
        read = isolated.run("rows", raw, name, limits=limits)
    except InputError as err:
        table.problems.extend(err.problems)
        return table
    table.columns, table.rows, table.lines = read["columns"], read["rows"], read["lines"]
    table.problems.extend(Problem(f, r, c, m) for f, r, c, m in read["problems"])
    return table


def parse_xlsx_json(raw: bytes, name: str, *, limits: dict) -> dict:
    """parse_xlsx in the worker (intake.isolated), with the limits the dashboard gave, as JSON."""
    globals().update({k: limits[k] for k in ("MAX_SHEET_ROWS", "MAX_SHEET_COLUMNS", "MAX_RETURN_ROWS", "READ_SECONDS")})
    table = parse_xlsx(raw, name, Path(name))
    problems = [[p.file, p.row, p.column, p.message] for p in table.problems]
    return {"columns": table.columns, "rows": table.rows, "lines": table.lines, "problems": problems}


def parse_xlsx(raw: bytes, name: str, path: Path) -> Table:
    """The rows of a workbook checked by intake.xlsx_checks (run in the worker): the sheet's declared size
    is checked before its rows are read, and reading stops at the first row beyond MAX_SHEET_ROWS (blank
    rows count) or after READ_SECONDS, whichever comes first."""
    import openpyxl  # imported here: only returns need it

    table = Table(path=path, name=name, columns=[], rows=[], lines=[], sha256=hashlib.sha256(raw).hexdigest())
    expected = "expected a workbook saved from Excel as .xlsx"
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except MemoryError:  # the worker's memory limit (intake.isolated) says so itself
        raise
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds of error for a damaged file
        table.problems.append(
            Problem(name, 0, "", f"file could not be read as a workbook ({type(err).__name__}: {err}); {expected}")
        )
        return table
    try:
        _read_sheet(workbook, table, name)
    except MemoryError:  # the worker's memory limit (intake.isolated) says so itself
        raise
    except Exception as err:  # noqa: BLE001 - a damaged sheet (malformed XML, bad cell) fails while its rows are read
        table.rows.clear()
        table.lines.clear()
        table.problems.append(
            Problem(name, 0, "", f"the '{SHEET}' sheet could not be read ({type(err).__name__}: {err}); {expected}")
        )
    finally:
        workbook.close()
    return table


def _read_sheet(workbook, table: Table, name: str) -> None:
    """The rows of the 'return' sheet into `table`, with the problems found; bounded in rows, columns and time."""
    hidden = [ws.title for ws in workbook.worksheets if ws.sheet_state != "visible"]
    if hidden:
        table.problems.append(
            Problem(
                name,
                0,
                "",
                f"the workbook has hidden sheets ({', '.join(repr(h) for h in hidden)}); "
                "expected every sheet visible: unhide or delete them",
            )
        )
    if SHEET not in workbook.sheetnames:
        found = ", ".join(f"'{s}'" for s in workbook.sheetnames)
        table.problems.append(
            Problem(name, 0, "", f"no sheet named '{SHEET}' (found {found}); expected the template's '{SHEET}' sheet")
        )
        return
    if hidden:
        return
    sheet = workbook[SHEET]
    rows_declared, columns_declared = sheet.max_row or 0, sheet.max_column or 0
    if rows_declared > MAX_SHEET_ROWS or columns_declared > MAX_SHEET_COLUMNS:
        table.problems.append(
            Problem(
                name,
                0,
                "",
                f"the '{SHEET}' sheet declares {rows_declared:,} rows and {columns_declared:,} columns; "
                f"expected at most {MAX_SHEET_ROWS:,} rows and {MAX_SHEET_COLUMNS} columns: "
                "delete the rows and columns after the return's last and save it again",
            )
        )
        return
    sheet.reset_dimensions()  # the declared size is not trusted further: rows are not padded to it
    deadline = time.monotonic() + READ_SECONDS
    rows = sheet.iter_rows(min_row=1, values_only=True)
    header: list[str] = []
    for line, values in enumerate(rows, start=1):
        # Every row counts, blank or not, so neither padding nor a far-off cell makes work without bound.
        if line > MAX_SHEET_ROWS:
            table.problems.append(
                Problem(
                    name,
                    line,
                    "",
                    f"the '{SHEET}' sheet goes on beyond row {MAX_SHEET_ROWS:,}; "
                    f"expected a return of at most {MAX_RETURN_ROWS:,} rows",
                )
            )
            break
        if time.monotonic() >= deadline:
            table.problems.append(
                Problem(
                    name,
                    line,
                    "",
                    f"reading the workbook took more than {READ_SECONDS:g} s; expected a return of at most "
                    f"{MAX_RETURN_ROWS:,} rows",
                )
            )
            break
        values = tuple(values)
        width = max(len(header), 1)
        if (
            len(values) > MAX_SHEET_COLUMNS
            and values[MAX_SHEET_COLUMNS:].count(None) != len(values) - MAX_SHEET_COLUMNS
        ):
            last = len(values) - next(i for i, v in enumerate(reversed(values)) if v is not None)
            table.problems.append(
                Problem(
                    name,
                    line,
                    "",
                    f"a value in column {last:,}; expected values only in the first {MAX_SHEET_COLUMNS} columns",
                )
            )
            continue
        if line == 1:
            header = [cell_text(v) for v in values]
            while header and header[-1] == "":
                header.pop()
            if not header:
                table.problems.append(Problem(name, 1, "", "file is empty; expected a header row and data rows"))
                return
            table.columns = header
            seen: set[str] = set()
            for col in header:
                if col in seen:
                    table.problems.append(Problem(name, 1, col, "column appears twice; expected unique column names"))
                seen.add(col)
            continue
        texts = [cell_text(v) for v in values]
        if not any(texts):
            continue
        if len(table.rows) >= MAX_RETURN_ROWS:
            table.problems.append(
                Problem(name, line, "", f"more than {MAX_RETURN_ROWS} rows; expected a return for one force")
            )
            break
        extra = [i for i, t in enumerate(texts) if t and i >= width]
        if extra:
            table.problems.append(
                Problem(
                    name,
                    line,
                    "",
                    f"a value in column {extra[0] + 1}, which has no header; expected values only under the header's {width} columns",
                )
            )
            continue
        texts += [""] * (width - len(texts))
        table.rows.append(dict(zip(header, texts[:width])))
        table.lines.append(line)
    if not header:
        table.problems.append(Problem(name, 1, "", "file is empty; expected a header row and data rows"))


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
