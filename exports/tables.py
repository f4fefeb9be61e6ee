"""Tables as CSV and XLSX, each carrying its title, source, as-at date and filters.

CSV: '# '-prefixed header lines (title, subtitle, source, data as at, notes,
filters, licence, generated), then the data. Read it back with
`pandas.read_csv(path, comment="#")`. UTF-8 with a byte-order mark, so Excel
reads the accents and dashes of the sources correctly.

XLSX: a "data" sheet with the table and an "about" sheet with the same metadata.

Formula injection: a text cell that begins with =, +, -, @, a tab or a carriage
return is written with a leading apostrophe (OWASP's advice), so a quote from a
document can never run as a spreadsheet formula. Numbers and dates are left as
they are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from numbers import Number

import pandas as pd

from exports.common import ExportInfo

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DATA_SHEET = "data"
ABOUT_SHEET = "about"
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Characters XML 1.0 (and so XLSX) cannot hold; openpyxl refuses them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def escape_text(value: str) -> str:
    """Prefix a ' to text a spreadsheet would read as a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def escape_frame(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of the table with every text cell, and every column name, escaped."""
    out = table.copy()
    out.columns = [escape_text(str(c)) for c in out.columns]
    for column in out.columns:
        series = out[column]
        if (
            pd.api.types.is_numeric_dtype(series)
            or pd.api.types.is_datetime64_any_dtype(series)
            or pd.api.types.is_bool_dtype(series)
        ):
            continue
        out[column] = series.astype(object).map(
            lambda v: v if _is_missing(v) or not isinstance(v, str) else escape_text(v)
        )
    return out


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# ---------------------------------------------------------------- CSV


def to_csv(table: pd.DataFrame, info: ExportInfo) -> bytes:
    """The table as CSV with '# ' header lines giving its source, as-at date and filters."""
    buffer = io.StringIO(newline="")
    for label, text in info.rows():
        buffer.write(f"# {label}: {_one_line(text)}\r\n")
    # CRLF line ends (RFC 4180): with them, a field holding a bare CR or LF is quoted too.
    escape_frame(table).to_csv(
        buffer, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL, date_format="%Y-%m-%d"
    )
    return buffer.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- XLSX


def _cell(value: object) -> object:
    """A value openpyxl writes as itself: text escaped, dates as dates, missing as empty."""
    if _is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=None)
        return value.date() if value.time() == dt.time(0) else value
    if isinstance(value, (dt.date, bool)):
        return value
    if isinstance(value, Number):
        item = getattr(value, "item", None)  # numpy scalars -> Python
        return item() if callable(item) else value
    return escape_text(_ILLEGAL_XML.sub("", str(value)))


def to_xlsx(table: pd.DataFrame, info: ExportInfo) -> bytes:
    """The table on a "data" sheet and its title, source, as-at date and filters on an "about" sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    data = wb.active
    data.title = DATA_SHEET
    bold = Font(bold=True)
    columns = [str(c) for c in table.columns]
    data.append([_cell(c) for c in columns])
    for cell in data[1]:
        cell.font = bold
    for row in table.itertuples(index=False, name=None):
        data.append([_cell(v) for v in row])
    widths = [len(c) for c in columns]
    for col_idx, column in enumerate(data.iter_cols(min_row=2), start=0):
        for cell in column:
            if isinstance(cell.value, (dt.date, dt.datetime)):
                cell.number_format = "yyyy-mm-dd"
                length = 10
            else:
                length = len(str(cell.value)) if cell.value is not None else 0
            widths[col_idx] = max(widths[col_idx], min(length, 60))
    for idx, width in enumerate(widths, start=1):
        data.column_dimensions[data.cell(row=1, column=idx).column_letter].width = max(8, width + 2)
    data.freeze_panes = "A2"

    about = wb.create_sheet(ABOUT_SHEET)
    about.append(["Field", "Value"])
    for cell in about[1]:
        cell.font = bold
    for label, text in info.rows():
        about.append([label, _cell(_one_line(text))])
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 100
    for row in about.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
        row[0].alignment = Alignment(vertical="top")

    wb.properties.title = _ILLEGAL_XML.sub("", info.title)[:250]
    wb.properties.creator = "Stalking services dashboard"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
