"""The return as an Excel workbook an office fills in, and reading it back.

`build` writes one sheet per theme laid out as question | previously reported |
your answer | help, with dropdowns from the dictionary, date and number checks,
every cell but the answers protected, and the force and round locked on the
Instructions sheet. A hidden Manifest sheet records every protected cell and
where each answer goes, signed with the server's form key (HMAC).

`read` trusts nothing in the file: it checks the sheets are the template's, the
manifest's signature, that no protected cell was changed (a row inserted or a
value typed over a question is reported with its cell, e.g. `Funding!D7`), that
answers are of their kind (a date typed as text, a choice pasted over a
dropdown, a formula are refused) and returns the answers, which then go through
the same checks as every other way in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import hmac
import io
import json
import secrets
import zipfile
from copy import copy
from dataclasses import dataclass, field

from core import atomic, clock, paths, settings
from core.problems import InputError, Problem
from etl.questions import SECTIONS, Answers, Question, Section
from etl.read import cell_text
from intake import isolated, xlsx_checks

TEMPLATE_VERSION = "stalking-return-form/1"
INSTRUCTIONS, LISTS, MANIFEST = "Instructions", "Lists", "Manifest"
SHEET_NAMES = {
    "advocacy": "Advocacy",
    "programmes": "Interventions",
    "multi_agency": "Multi-agency",
    "funding": "Funding",
    "co_commissioning": "Co-commissioning",
    "information_sharing": "Information sharing",
    "scrutiny": "Scrutiny",
    "awareness_training": "Awareness and training",
    "recommendations": "Recommendations",
    "body": "Body and sign-off",
}
SHEETS = [INSTRUCTIONS, *SHEET_NAMES.values(), LISTS, MANIFEST]
YES, NO = "Yes", "No"
ANSWER_FILL = "FFF7D6"  # answer cells: pale yellow; everything else is protected
HEADER_FILL = "E1E5EA"
DATE_FORMAT = "DD/MM/YYYY"
MAX_BYTES = 1024 * 1024


def form_key() -> bytes:
    """The server's key for signing workbook manifests: STALKING_FORM_KEY, or a key file in the state folder
    (made on first use). Replicas must share it, as they share the returns folder."""
    given = settings.current().form_key
    if given:
        return given.encode("utf-8")
    path = paths.FORM_KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        atomic.write_atomic(path, secrets.token_bytes(32), mode=0o600)
        return path.read_bytes()


def _sign(payload: str, key: bytes) -> str:
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass
class FormMeta:
    """What a workbook says about itself: whose return, which round, as at when."""

    pfa_code: str
    force_name: str
    round_id: str | None
    round_title: str | None
    as_at: str
    due: str | None
    # Where each answer is: answer key -> "Sheet!D7", a table's cell as "listing#row.column" -> "Funding!F11"
    cells: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- writing


def _question_rows(section: Section) -> list[tuple[str, Question, str | None]]:
    """(answer key, question, choice value) for each row of a section sheet: a question with several
    choices takes one Yes/No row per choice."""
    out = []
    for q in section.questions:
        if section.key == "sign_off":
            continue
        if q.kind == "choices":
            out += [(f"{q.key}:{c.value}", q, c.value) for c in q.choices]
        else:
            out.append((q.key, q, None))
    if section.evidence:
        out.append(
            (
                section.evidence_key,
                Question(
                    section.evidence_key,
                    "Evidence for these answers (link or document reference)",
                    "Optional.",
                    "text",
                    max_length=400,
                ),
                None,
            )
        )
    return out


def build(
    answers: Answers,
    previous: dict[str, str],
    *,
    force_name: str,
    round_id: str | None = None,
    round_title: str | None = None,
    due: dt.date | None = None,
    key: bytes | None = None,
) -> bytes:
    """The workbook, pre-filled with `answers` (the force's position) and showing `previous`."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    key = key or form_key()
    wb = Workbook()
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    answer_fill = PatternFill("solid", fgColor=ANSWER_FILL)
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    protected: dict[str, dict[str, str]] = {}
    answer_cells: dict[str, str] = {}  # answer key -> "Sheet!D7"; listing cells as "listing#row.column"
    lists_ws = wb.create_sheet(LISTS)
    list_ranges: dict[tuple[str, ...], str] = {}

    def list_range(options: tuple[str, ...]) -> str:
        if options not in list_ranges:
            col = get_column_letter(len(list_ranges) + 1)
            for i, option in enumerate(options, start=1):
                lists_ws[f"{col}{i}"] = option
            list_ranges[options] = f"{LISTS}!${col}$1:${col}${len(options)}"
        return list_ranges[options]

    def record(ws, cell: str, value) -> None:
        _cell(ws, cell).value = value
        protected.setdefault(ws.title, {})[cell] = "" if value is None else str(value)

    # Every answer cell of a kind looks the same: its style is made once and copied (setting
    # fill, protection and alignment cell by cell was most of the time a workbook took), and
    # each kind of check is one data validation for all the cells that take it.
    answer_styles: dict[str, object] = {}
    validations: dict[tuple[str, tuple], list[str]] = {}

    def styled(c, number_format: str | None) -> None:
        made = answer_styles.get(number_format or "")
        if made is not None:
            c._style = copy(made)  # noqa: SLF001 - openpyxl's own way to copy a cell's style
            return
        c.protection = Protection(locked=False)
        c.fill = answer_fill
        c.alignment = wrap
        if number_format:
            c.number_format = number_format
        answer_styles[number_format or ""] = copy(c._style)  # noqa: SLF001

    def put(c, value) -> None:
        if value is not None:  # a new cell is empty already: most answer cells stay so
            c.value = value

    def validate(ws, cell: str, **rule) -> None:
        validations.setdefault((ws.title, tuple(sorted(rule.items()))), []).append(cell)

    def answer(ws, cell: str, q: Question, value: str, choice: str | None = None) -> None:
        c = _cell(ws, cell)
        if choice is not None:  # one choice of several: Yes / No
            styled(c, None)
            put(c, YES if choice in [p.strip() for p in value.split(";")] else None)
            validate(ws, cell, type="list", formula1=list_range((YES, NO)), allow_blank=True, showErrorMessage=True)
        elif q.kind == "choice":
            styled(c, None)
            put(c, q.label_of(value) if value else None)
            validate(
                ws,
                cell,
                type="list",
                formula1=list_range(tuple(ch.label for ch in q.choices)),
                allow_blank=True,
                showErrorMessage=True,
                error="Choose from the list.",
            )
        elif q.kind == "date":
            styled(c, DATE_FORMAT)
            put(c, dt.date.fromisoformat(value) if value else None)
            validate(
                ws,
                cell,
                type="date",
                operator="greaterThan",
                formula1="36526",
                allow_blank=True,
                showErrorMessage=True,
                error="A date, DD/MM/YYYY, from 2000 on.",
            )
        elif q.kind == "date_or_ongoing":
            styled(c, DATE_FORMAT)
            put(c, dt.date.fromisoformat(value) if value and value != "ongoing" else (value or None))
        elif q.kind == "integer":
            styled(c, None)
            put(c, int(value) if value else None)
            validate(
                ws,
                cell,
                type="whole",
                operator="between",
                formula1="0",
                formula2="999999999",
                allow_blank=True,
                showErrorMessage=True,
                error="A whole number of 0 or more.",
            )
        elif q.kind == "decimal":
            styled(c, None)
            put(c, float(value) if value else None)
            validate(
                ws,
                cell,
                type="decimal",
                operator="between",
                formula1="0",
                formula2="9999",
                allow_blank=True,
                showErrorMessage=True,
                error="A number of 0 or more, e.g. 2.5.",
            )
        elif q.kind == "amount":
            styled(c, None)
            put(c, int(value) if value.isdigit() else (value or None))
        else:
            styled(c, "@")
            put(c, value or None)
            if q.max_length:
                validate(
                    ws,
                    cell,
                    type="textLength",
                    operator="lessThanOrEqual",
                    formula1=str(q.max_length or 400),
                    allow_blank=True,
                    showErrorMessage=True,
                    error=f"At most {q.max_length or 400} characters.",
                )

    # Instructions
    ws = wb.active
    ws.title = INSTRUCTIONS
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 90
    record(ws, "A1", "Stalking services: a return for one police force area")
    ws["A1"].font = Font(bold=True, size=14)
    meta_rows = [
        ("Force area", f"{force_name} ({answers.force})"),
        ("Round", round_title or "(no round: a return sent on its own)"),
        ("Answers describe the position as at", answers.values.get("as_at", "")),
        ("Due", due.isoformat() if due else ""),
    ]
    for i, (label, value) in enumerate(meta_rows, start=3):
        record(ws, f"A{i}", label)
        record(ws, f"B{i}", value)
        ws[f"A{i}"].font = bold
    lines = [
        "How to fill it in",
        "Answer in the yellow cells only: every other cell is protected, and a return with a changed question, "
        "a moved row or a renamed sheet is refused, naming the cell.",
        "Each sheet asks about one theme. 'Previously reported' shows the position the dashboard publishes now; "
        "the yellow cells start with it filled in, so change only what has changed.",
        "'Not known' and 'Prefer not to say' are answers of their own, never read as 'none'.",
        "Dates as DD/MM/YYYY. Choose answers from the dropdowns; do not paste over them.",
        "In a table, add a row for a new service or programme in the next empty yellow row; to record one that "
        "has ended, keep its row and set its status to Ended.",
        "Save as .xlsx and upload it on the dashboard's return page, or email it to the APCC.",
    ]
    for i, line in enumerate(lines, start=9):
        record(ws, f"A{i}" if i == 9 else f"B{i}", line)
        ws[f"A{i}" if i == 9 else f"B{i}"].alignment = wrap
    ws["A9"].font = bold

    # One sheet per theme
    for section in SECTIONS:
        if section.key == "sign_off":
            continue
        ws = wb.create_sheet(SHEET_NAMES[section.key])
        for col, width in zip("ABCDE", (4, 60, 34, 34, 50)):
            ws.column_dimensions[col].width = width
        ws.column_dimensions["A"].hidden = True
        record(ws, "B1", section.title)
        ws["B1"].font = Font(bold=True, size=13)
        record(ws, "B2", section.intro)
        ws["B2"].alignment = wrap
        questions = _question_rows(section)
        if section.key == "body":
            from etl.questions import SIGN_OFF

            questions += [(q.key, q, None) for q in SIGN_OFF.questions]
        header = 4
        for col, label in zip("ABCDE", ("key", "Question", "Previously reported", "Your answer", "Help")):
            record(ws, f"{col}{header}", label)
            ws[f"{col}{header}"].font = bold
            ws[f"{col}{header}"].fill = header_fill
        row = header + 1
        for answer_key, q, choice in questions:
            base = answer_key.split(":")[0]
            prompt = q.prompt + (f" — {q.label_of(choice)}" if choice else "") + (" *" if q.required else "")
            prev = previous.get(base, "")
            if choice is not None:  # previously reported: Yes for a choice that was given, No for the others
                given = [part.strip() for part in prev.split(";")]
                prev = YES if q.label_of(choice) in given else (NO if prev else "")
            record(ws, f"A{row}", answer_key)
            record(ws, f"B{row}", prompt)
            record(ws, f"C{row}", prev)
            record(ws, f"E{row}", q.help)
            for col in "BCE":
                ws[f"{col}{row}"].alignment = wrap
            answer(ws, f"D{row}", q, answers.values.get(base, ""), choice)
            answer_cells[answer_key] = f"{ws.title}!D{row}"
            if q.kind == "paragraph":  # room for a paragraph of the office's own words
                ws.row_dimensions[row].height = 120
            row += 1
        if section.listing:
            listing = section.listing
            row += 1
            record(ws, f"B{row}", listing.prompt + ": " + listing.help)
            ws[f"B{row}"].font = bold
            row += 1
            keys_row, header_row = row, row + 1
            for i, column in enumerate(listing.columns):
                letter = get_column_letter(i + 2)
                record(ws, f"{letter}{keys_row}", column.key)
                record(ws, f"{letter}{header_row}", column.prompt + (" *" if column.required else ""))
                ws[f"{letter}{header_row}"].font = bold
                ws[f"{letter}{header_row}"].fill = header_fill
                ws[f"{letter}{header_row}"].alignment = wrap
                ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, 18)
            ws.row_dimensions[keys_row].hidden = True
            prefilled = answers.rows.get(listing.key, [])
            for r in range(listing.max_rows):
                excel_row = header_row + 1 + r
                values = prefilled[r] if r < len(prefilled) else {}
                for i, column in enumerate(listing.columns):
                    cell = f"{get_column_letter(i + 2)}{excel_row}"
                    answer(ws, cell, column, str(values.get(column.key, "") or ""))
                    answer_cells[f"{listing.key}#{r + 1}.{column.key}"] = f"{ws.title}!{cell}"
            row = header_row + listing.max_rows + 2
            if prefilled:
                record(ws, f"B{row}", "Previously reported (for reference; not read back)")
                ws[f"B{row}"].font = bold
                for r, values in enumerate(prefilled, start=1):
                    for i, column in enumerate(listing.columns):
                        record(ws, f"{get_column_letter(i + 2)}{row + r}", str(values.get(column.key, "") or ""))
        ws.protection.sheet = True
        ws.protection.formatColumns = False
        ws.freeze_panes = "B5"

    for (title, rule), cells in validations.items():
        wb[title].add_data_validation(DataValidation(sqref=_ranges(cells), **dict(rule)))

    # Manifest: every protected cell and where each answer goes, signed.
    manifest = wb.create_sheet(MANIFEST)
    payload = json.dumps(
        {
            "version": TEMPLATE_VERSION,
            "force": answers.force,
            "force_name": force_name,
            "round_id": round_id,
            "round_title": round_title,
            "as_at": answers.values.get("as_at", ""),
            "due": due.isoformat() if due else None,
            "protected": protected,
            "answers": answer_cells,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    chunks = [payload[i : i + 30000] for i in range(0, len(payload), 30000)]  # a cell holds 32,767 characters
    manifest["A1"] = _sign(payload, key)
    for i, chunk in enumerate(chunks, start=2):
        manifest[f"A{i}"] = chunk
    manifest.sheet_state = "veryHidden"
    lists_ws.sheet_state = "veryHidden"
    wb._sheets = [wb[name] for name in SHEETS]  # noqa: SLF001 - the order the reader expects
    wb[INSTRUCTIONS].protection.sheet = True
    return save(wb)


def save(wb) -> bytes:
    """The workbook's bytes, as openpyxl's `Workbook.save` writes them, each sheet's XML made in memory.

    openpyxl writes every sheet to a temporary file on disk first and reads it back into the
    zip (a round's 43 workbooks are 387 sheets); in memory a save took about a third less time
    on this machine. tests/test_round_workbooks.py checks they read back as openpyxl's own."""
    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.writer.excel import ExcelWriter

    class InMemory(ExcelWriter):
        def write_worksheet(self, ws):  # ExcelWriter.write_worksheet, with the sheet's XML in memory
            ws._drawing = SpreadsheetDrawing()  # noqa: SLF001 - as openpyxl's own writer does
            ws._drawing.charts = ws._charts  # noqa: SLF001
            ws._drawing.images = ws._images  # noqa: SLF001
            xml = io.BytesIO()
            writer = WorksheetWriter(ws, out=xml)
            writer.write()
            ws._rels = writer._rels  # noqa: SLF001
            self._archive.writestr(ws.path[1:], xml.getvalue())
            self.manifest.append(ws)

    out = io.BytesIO()
    wb.properties.modified = clock.now()  # as openpyxl's save stamps it: UTC, no time zone
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        InMemory(wb, archive).write_data()
    return out.getvalue()


@functools.cache
def _row_column(coordinate: str) -> tuple[int, int]:
    """'D7' -> (7, 4). Every round workbook has the same cells, so each is worked out once."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    column, row = coordinate_from_string(coordinate)
    return row, column_index_from_string(column)


def _cell(ws, coordinate: str):
    """ws[coordinate], without parsing the coordinate again for each of the 43 workbooks."""
    row, column = _row_column(coordinate)
    return ws.cell(row=row, column=column)


def _ranges(cells: list[str]) -> str:
    """Cells as few ranges (D5 D6 D7 F9 -> D5:D7 F9), as a data validation lists them."""
    rows_of: dict[str, list[int]] = {}
    for cell in cells:
        column = cell.rstrip("0123456789")
        rows_of.setdefault(column, []).append(int(cell[len(column) :]))
    out = []
    for column, rows in rows_of.items():
        rows = sorted(set(rows))
        start = prev = rows[0]
        for row in [*rows[1:], None]:
            if row is not None and row == prev + 1:
                prev = row
                continue
            out.append(f"{column}{start}" if start == prev else f"{column}{start}:{column}{prev}")
            if row is not None:
                start = prev = row
    return " ".join(out)


# ---------------------------------------------------------------- reading


def reference(sheet: str, cell: str) -> str:
    """A cell as Excel names it: Funding!F11, 'Body and sign-off'!D9 (a sheet name with spaces is quoted)."""
    return f"{sheet}!{cell}" if sheet.isalnum() else f"'{sheet}'!{cell}"


def answer_cells(book) -> dict[str, str]:
    """Where each answer of an (openpyxl) workbook is, as its manifest records it: key -> 'Sheet!D7'."""
    manifest = book[MANIFEST]
    payload = "".join(_cell_text(manifest.cell(row=r, column=1).value) for r in range(2, manifest.max_row + 1))
    return dict(json.loads(payload)["answers"])


def _cell_text(value) -> str:
    """An answer cell as text: etl.read.cell_text, with a date question's answer a date only."""
    return cell_text(value, dates_only=True)


def read(raw: bytes, name: str, *, key: bytes | None = None) -> tuple[FormMeta, Answers]:
    """The answers in a filled-in workbook; InputError naming the cell of every problem.

    Every part is checked before anything parses it (intake.xlsx_checks), and what passes is
    read in a worker process with CPU and memory limits (intake.isolated, running _read)."""
    key = key or form_key()
    if len(raw) > MAX_BYTES:
        raise InputError([Problem(name, 0, "", f"file is {len(raw):,} bytes; expected at most {MAX_BYTES:,}")])
    problems = xlsx_checks.inspect(raw, name)
    if problems:
        raise InputError(problems)
    read = isolated.run("form", raw, name, key=key.hex())
    return FormMeta(**read["meta"]), Answers.from_json(read["answers"])


def read_in_worker(raw: bytes, name: str, *, key: str) -> dict:
    """_read in the worker (intake.isolated), as JSON."""
    meta, answers = _read(raw, name, key=bytes.fromhex(key))
    return {"meta": dataclasses.asdict(meta), "answers": answers.to_json()}


def _read(raw: bytes, name: str, *, key: bytes) -> tuple[FormMeta, Answers]:
    """The answers in a workbook that passed intake.xlsx_checks (run in the worker)."""
    import openpyxl

    def fail(problems: list[Problem]):
        raise InputError(problems)

    try:
        wb = openpyxl.load_workbook(io.BytesIO(raw), data_only=False)
    except MemoryError:  # the worker's memory limit (intake.isolated) says so itself
        raise
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds of error for a damaged file
        fail(
            [
                Problem(
                    name,
                    0,
                    "",
                    f"file could not be read as a workbook ({type(err).__name__}); expected the return workbook",
                )
            ]
        )
    if wb.sheetnames != SHEETS:
        missing = [s for s in SHEETS if s not in wb.sheetnames]
        extra = [s for s in wb.sheetnames if s not in SHEETS]
        detail = "; ".join(
            ([f"missing or renamed: {', '.join(missing)}"] if missing else [])
            + ([f"not in the template: {', '.join(extra)}"] if extra else [])
            + ([] if missing or extra else ["in a different order"])
        )
        fail([Problem(name, 0, "", f"the sheets are not the template's ({detail}); expected {', '.join(SHEETS)}")])
    manifest = wb[MANIFEST]
    signature = _cell_text(manifest["A1"].value)
    payload = "".join(_cell_text(manifest.cell(row=r, column=1).value) for r in range(2, manifest.max_row + 1))
    if not hmac.compare_digest(signature, _sign(payload, key)):
        fail(
            [
                Problem(
                    name,
                    0,
                    f"{MANIFEST}!A1",
                    "the workbook's manifest does not match its signature; expected a "
                    "workbook made by the dashboard for this return, unchanged outside the answer cells",
                )
            ]
        )
    spec = json.loads(payload)

    problems: list[Problem] = []
    for sheet, cells in spec["protected"].items():
        ws = wb[sheet]
        for cell, expected in cells.items():
            found = _cell_text(ws[cell].value)
            if found != expected:
                problems.append(
                    Problem(
                        name,
                        ws[cell].row,
                        f"{sheet}!{cell}",
                        f"'{found[:60]}' is not what the template holds here ('{expected[:60]}'); "
                        "expected answers only in the yellow cells (was a row inserted or a "
                        "question changed?)",
                    )
                )
    if problems:
        fail(
            problems[:20]
            + ([Problem(name, 0, "", f"and {len(problems) - 20} more cells changed")] if len(problems) > 20 else [])
        )

    questions = {q.key: q for s in SECTIONS for q in s.questions}
    listing_columns = {s.listing.key: {c.key: c for c in s.listing.columns} for s in SECTIONS if s.listing}
    listings = {s.listing.key: s.listing.prompt for s in SECTIONS if s.listing}
    answers = Answers(spec["force"], {}, {k: [] for k in listing_columns})
    several: dict[str, list[str]] = {}
    rows: dict[str, dict[int, dict[str, str]]] = {}
    for answer_key, ref in spec["answers"].items():
        sheet, cell = ref.split("!")
        c = wb[sheet][cell]
        if "#" in answer_key:
            listing, rest = answer_key.split("#")
            index, column = rest.split(".")
            q = listing_columns[listing][column]
            words = f"{listings[listing]}: {q.prompt}"
        else:
            base, _, choice = answer_key.partition(":")
            q = questions.get(base) or Question(base, "Evidence for these answers", kind="text", max_length=400)
            words = q.prompt + (f" ({q.label_of(choice)})" if choice else "")
        text, problem = _typed(c, q, choice=answer_key.partition(":")[2] if "#" not in answer_key else "")
        if problem:
            # The cell and the question as the office reads it: "Funding!F11: Funded services: Funder: …"
            problems.append(Problem(name, c.row, reference(sheet, cell), f"{words}: {problem}"))
            continue
        if "#" in answer_key:
            rows.setdefault(listing, {}).setdefault(int(index), {})[column] = text
        elif ":" in answer_key:
            if text == YES:
                several.setdefault(base, []).append(answer_key.partition(":")[2])
        elif text:
            answers.values[answer_key] = text
    if problems:
        fail(problems)
    for base, chosen in several.items():
        answers.values[base] = "; ".join(chosen)
    for listing, by_index in rows.items():
        answers.rows[listing] = [by_index[i] for i in sorted(by_index)]
    meta = FormMeta(
        spec["force"],
        spec["force_name"],
        spec.get("round_id"),
        spec.get("round_title"),
        spec.get("as_at", ""),
        spec.get("due"),
        dict(spec["answers"]),
    )
    return meta, answers


def _typed(cell, q: Question, choice: str = "") -> tuple[str, str | None]:
    """The answer in a cell as text of its question's kind, or why it cannot be."""
    value = cell.value
    if cell.data_type == "f" or (isinstance(value, str) and value.startswith("=")):
        return "", "a formula; expected a typed answer (spreadsheets run formulas)"
    if value is None or (isinstance(value, str) and not value.strip()):
        return "", None
    if choice:
        text = _cell_text(value)
        return (
            (text, None)
            if text in (YES, NO)
            else ("", f"'{text[:60]}' is not Yes or No; expected a choice from the list")
        )
    if q.kind == "choice":
        text = _cell_text(value)
        for c in q.choices:
            if text in (c.label, c.value):
                return c.value, None
        return (
            "",
            f"'{text[:60]}' is not one of the choices ({', '.join(c.label for c in q.choices)}); expected a choice from the dropdown",
        )
    if q.kind == "date" or (
        q.kind == "date_or_ongoing" and not (isinstance(value, str) and value.strip().lower() == "ongoing")
    ):
        if isinstance(value, dt.datetime | dt.date):
            return _cell_text(value), None
        return "", f"'{_cell_text(value)[:60]}' is text, not a date; expected a date typed as DD/MM/YYYY" + (
            " or 'ongoing'" if q.kind == "date_or_ongoing" else ""
        )
    if q.kind == "date_or_ongoing":
        return "ongoing", None
    if q.kind in ("integer", "decimal"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "", f"'{_cell_text(value)[:60]}' is not a number; expected a number of 0 or more"
        if q.kind == "integer" and not float(value).is_integer():
            return "", f"{value} is not a whole number; expected a whole number"
        return _cell_text(round(value, 2) if q.kind == "decimal" else int(value)), None
    if q.kind == "amount":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(int(value)), None
        text = _cell_text(value).lower()
        if text in ("prefer not to say", "not known"):
            return text, None
        return (
            "",
            f"'{_cell_text(value)[:60]}' is not an amount; expected whole pounds, 'prefer not to say' or 'not known'",
        )
    return _cell_text(value), None
