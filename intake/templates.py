"""Return templates: the file an office fills in, blank or pre-filled with its force's position.

A CSV (UTF-8 with a byte-order mark, so Excel keeps accents) and an XLSX with a
guidance sheet whose allowed values drive the return sheet's dropdowns.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd

from core import clock, paths, queries
from etl import read
from etl.schema import ALLOWED_VALUES, ATTRIBUTES, DIMENSIONS, RETURN, RETURN_COLUMNS, STREAM_FIELDS, requirement
from intake.comparing import _text
from intake.reading import MAX_RETURN_MB, SHEET

COLUMNS = RETURN_COLUMNS
GUIDANCE_SHEET = "guidance"
# Dimensions a template always offers rows for (ISAC provision and headcount,
# perpetrator programmes, MASIP and clinics), with the attributes to prompt for.
TEMPLATE_FACTS = (
    ("isac_provision", "status"),
    ("isac_provision", "isac_count"),
    ("isac_provision", "provider"),
    ("perpetrator_programme", "status"),
    ("perpetrator_programme", "programme"),
    ("multi_agency", "masip_status"),
    ("multi_agency", "arrangement"),
)
# Dimensions whose current facts a pre-filled template lists, with no prompt: the funding
# statements, which a return with funding rows replaces together with the funded services.
TEMPLATE_ALSO = ("funding",)


def template_rows(
    force_name: str = "", facts: pd.DataFrame | None = None, streams: pd.DataFrame | None = None
) -> list[dict[str, str]]:
    """Rows of a template: the force's current ISAC, perpetrator-programme, MASIP and funding
    position where given (so submitters edit rather than retype), with empty rows for what is missing.

    Every current fact of those dimensions is listed, because a return replaces a dimension whole;
    the funding statements too, because funding rows replace them with the funded services.
    """

    def row(**values: str) -> dict[str, str]:
        return {c: values.get(c, "") for c in COLUMNS} | {"force": force_name}

    facts = facts if facts is not None else pd.DataFrame(columns=["dimension", "attribute", "value"])
    rows: list[dict[str, str]] = []
    for dim in dict.fromkeys([*(d for d, _ in TEMPLATE_FACTS), *TEMPLATE_ALSO]):
        current = facts[facts["dimension"] == dim]
        prompts = [a for d, a in TEMPLATE_FACTS if d == dim]
        for attr in list(dict.fromkeys([*prompts, *current["attribute"]])):
            values = sorted(str(v) for v in current.loc[current["attribute"] == attr, "value"])
            for value in values or [""]:
                rows.append(row(record="fact", dimension=dim, attribute=attr, value=value))
    if streams is not None and len(streams):
        for s in streams.to_dict("records"):
            rows.append(row(record="funding", stream_id=s["stream_id"], **{k: _text(s[k]) for k in STREAM_FIELDS}))
    else:
        rows.append(row(record="funding"))
    return rows


def template_csv(rows: list[dict[str, str]]) -> bytes:
    """CSV UTF-8 with a byte-order mark, so Excel opens it without mangling characters."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def guidance_lines() -> list[str]:
    return [
        "How to fill in a return for one police force area",
        "One row per fact or funded service. Every row repeats force, as_at and submitted_by.",
        "as_at: the date the position is as at, written YYYY-MM-DD; not in the future.",
        "evidence: optional note or link backing the return (at most 400 characters).",
        "record = fact: fill in dimension, attribute and value. From its as-at date, a return replaces every fact "
        "the force has on each dimension it contains; dimensions it leaves out keep their current facts. "
        "A fact row with no value is skipped.",
        "record = funding: one row per funded service, with stream_id, service, funder and status; start_date and "
        "end_date where known. The funding rows replace the force's whole list of funded services, so keep a row for "
        "every service and set status to 'ended' for one that has ended. Reuse a stream_id to update a service; "
        "choose a new one (lower-case letters, digits, hyphens) for a new service.",
        "No cell may start with = + - or @ (spreadsheets run those as formulas).",
        f"Save as .xlsx, or as 'CSV UTF-8'; at most {MAX_RETURN_MB} MB.",
    ]


def workbook(
    rows: list[dict[str, str]], allowed: pd.DataFrame, dimensions: pd.DataFrame, attributes: pd.DataFrame
) -> bytes:
    """The template as a workbook: the 'return' sheet, and a 'guidance' sheet of columns and allowed
    values that the dropdowns of the return sheet point at."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    guide = wb.create_sheet(GUIDANCE_SHEET)
    bold = Font(bold=True)

    ws.append(list(COLUMNS))
    for cell in ws[1]:
        cell.font = bold
    for r in rows:
        ws.append([r[c] or None for c in COLUMNS])
    last = max(len(rows) + 1, 300)  # room to add rows; dropdowns and text format reach this far
    for i, col in enumerate(COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(i)
        ws.column_dimensions[letter].width = 40 if col in ("value", "service", "evidence", "submitted_by") else 18
        for row_cells in ws.iter_rows(min_row=2, max_row=last, min_col=i, max_col=i):
            for cell in row_cells:
                cell.number_format = "@"  # text: Excel keeps 2025-03-31 as typed
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    cell.data_type = "s"
    ws.freeze_panes = "A2"

    for line in guidance_lines():
        guide.append([line])
    guide["A1"].font = bold
    guide.append([])
    guide.append(["column", "required", "meaning"])
    for cell in guide[guide.max_row]:
        cell.font = bold
    for column in RETURN.columns:
        guide.append([column.name, requirement(column.name), column.meaning])
    guide.append([])
    guide.append(["field", "value", "meaning"])
    for cell in guide[guide.max_row]:
        cell.font = bold
    ranges: dict[str, str] = {}

    def listing(field_name: str, values: list[tuple[str, str]]) -> None:
        start = guide.max_row + 1
        for value, meaning in values:
            guide.append([field_name, value, meaning])
        ranges[field_name] = f"'{GUIDANCE_SHEET}'!$B${start}:$B${guide.max_row}"

    listing("record", [("fact", "A fact about one dimension."), ("funding", "One funded service.")])
    listing(
        "dimension",
        [
            (d, f"{label}: {meaning}")
            for d, label, meaning in dimensions[["dimension", "label", "meaning"]].itertuples(index=False)
        ],
    )
    for r in attributes.itertuples():
        guide.append([f"attribute of {r.dimension}", r.attribute, f"{r.value_type}: {r.meaning}"])
    for fld in dict.fromkeys(allowed["field"]):
        listing(
            fld, [(v, m) for v, m in allowed.loc[allowed["field"] == fld, ["value", "meaning"]].itertuples(index=False)]
        )
    guide.column_dimensions["A"].width = 34
    guide.column_dimensions["B"].width = 34
    guide.column_dimensions["C"].width = 100

    for heading, fld in (
        ("record", "record"),
        ("dimension", "dimension"),
        ("funder", "funder"),
        ("status", "funding_status"),
    ):
        if fld not in ranges:
            continue
        letter = openpyxl.utils.get_column_letter(COLUMNS.index(heading) + 1)
        dv = DataValidation(
            type="list",
            formula1=ranges[fld],
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"Not a {fld}",
            error=f"Choose a {fld} from the list (see the guidance sheet).",
        )
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template(
    pfa_code: str | None,
    *,
    data_dir: Path | None = None,
    database: Path | None = None,
    as_at: dt.date | None = None,
    db: queries.Database | None = None,
) -> list[dict[str, str]]:
    """Template rows, pre-filled with the force's current position when a force is given."""
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA_DIR
    if pfa_code is None:
        return template_rows()
    db = db or queries.Database(database or paths.DATABASE)
    as_at = as_at or clock.today()
    names = queries.forces(db=db).set_index("pfa_code")["short_name"]
    return template_rows(
        names[pfa_code],
        queries.facts(as_at, pfa_code, db=db),
        queries.funding_streams(as_at, pfa_code=pfa_code, db=db),
    )


def template_xlsx(rows: list[dict[str, str]], data_dir: Path | None = None) -> bytes:
    """The template as a workbook, with the allowed values of data_dir on its guidance sheet."""
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA_DIR
    allowed = pd.DataFrame(read.read_csv(Path(data_dir) / ALLOWED_VALUES.name).rows)
    dimensions = pd.DataFrame(read.read_csv(Path(data_dir) / DIMENSIONS.name).rows)
    attributes = pd.DataFrame(read.read_csv(Path(data_dir) / ATTRIBUTES.name).rows)
    return workbook(rows, allowed, dimensions, attributes)
