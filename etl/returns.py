"""Returns: an updated position for one force, submitted by a commissioner's office.

A return (CSV or XLSX) is read into the same text rows as a curated file and
checked by the same schema and rules (etl.schema.RETURN, etl.validate), so a
return cannot say anything the curated data could not. This module reads,
checks, compares with the current position, stores and templates returns;
etl.pipeline orchestrates an import (lock, store, rebuild) and reads every
stored return on each build, so a rebuild from scratch gives the same database.

Stored returns are the submitted bytes, unchanged, named
<submitted_at UTC>_<pfa_code>_<first 12 hex of SHA-256>.csv|.xlsx; the build
refuses a stored file whose content no longer matches the hash in its name.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl import validate
from etl.problems import InputError, Problem, display_path
from etl.read import Table, parse_csv
from etl.schema import RETURN
from etl.validate import Reference

# One megabyte as Streamlit counts it, so the upload page and the CLI refuse the same files.
MAX_RETURN_MB = 1
MAX_RETURN_BYTES = MAX_RETURN_MB * 1024 * 1024
MAX_RETURN_ROWS = 1_000
MAX_XLSX_UNPACKED_BYTES = 20 * 1024 * 1024  # an XLSX is a zip: refuse one that inflates far beyond its size
SUFFIXES = (".csv", ".xlsx")
SHEET = "return"
GUIDANCE_SHEET = "guidance"
LOCK_FILE = ".import.lock"
SECTION = "Return"
LICENCE = "Submitted return"

COLUMNS = tuple(RETURN.column_names)
FACT_COLUMNS = ("dimension", "attribute", "value")
FUNDING_COLUMNS = ("stream_id", "service", "funder", "start_date", "end_date", "status")
FUNDING_REQUIRED = ("stream_id", "service", "funder", "status")
# A row with none of these filled in is a template row left blank: it is skipped.
CONTENT_COLUMNS = ("value",) + FUNDING_COLUMNS
STREAM_FIELDS = ("service", "funder", "start_date", "end_date", "status")


def requirement(column: str) -> str:
    """When a return's column must be filled in, in words (for the dictionary and the guidance sheet)."""
    if column in ("force", "as_at", "submitted_by", "record"):
        return "yes"
    if column in FACT_COLUMNS:
        return "on fact rows"
    if column in FUNDING_REQUIRED:
        return "on funding rows"
    return "no"
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
STORED_NAME = re.compile(
    r"^(?P<at>\d{8}T\d{12}Z)_(?P<pfa>(?:E23|W15)\d{6})_(?P<sha>[0-9a-f]{12})\.(?P<ext>csv|xlsx)$"
)
STAMP = "%Y%m%dT%H%M%S%fZ"


@dataclass
class Return:
    """A return that passed every check: one force, one as-at date, its facts and funded services."""

    name: str  # the file as named in messages
    sha256: str
    suffix: str  # .csv or .xlsx
    pfa_code: str
    force_as_named: str
    as_at: dt.date
    submitted_by: str
    evidence: str | None
    facts: list[dict[str, str]]  # dimension, attribute, value, force_as_named, line
    streams: list[dict[str, str]]  # stream_id, service, funder, start_date, end_date, status, force_as_named, line
    rows: int = 0
    path: Path | None = None  # where it is stored, once stored
    submitted_at: dt.datetime | None = None  # UTC, once accepted

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]

    @property
    def edition_id(self) -> str:
        return f"return:{self.short_hash}"

    @property
    def source_id(self) -> str:
        return f"return-{self.short_hash}"

    @property
    def dimensions(self) -> list[str]:
        return list(dict.fromkeys(f["dimension"] for f in self.facts))

    def quote(self, submitted_at: dt.datetime | None = None) -> str:
        """The evidence every row of the return cites: its note, or who submitted it and when."""
        if self.evidence:
            return self.evidence
        when = submitted_at or self.submitted_at or dt.datetime.now(dt.timezone.utc)
        return f"Return submitted by {self.submitted_by} on {when:%Y-%m-%d}"

    def stored_name(self, submitted_at: dt.datetime) -> str:
        return f"{submitted_at.strftime(STAMP)}_{self.pfa_code}_{self.short_hash}{self.suffix}"


# ---------------------------------------------------------------- read


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
            Problem(name, 0, "", f"workbook unpacks to {unpacked:,} bytes; expected at most {MAX_XLSX_UNPACKED_BYTES:,}")
        )
        return table
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Exception as err:  # openpyxl raises many kinds of error for a damaged file
        table.problems.append(Problem(name, 0, "", f"file could not be read as a workbook ({type(err).__name__}); {expected}"))
        return table
    try:
        if SHEET not in workbook.sheetnames:
            found = ", ".join(f"'{s}'" for s in workbook.sheetnames)
            table.problems.append(Problem(name, 0, "", f"no sheet named '{SHEET}' (found {found}); expected the template's '{SHEET}' sheet"))
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
                table.problems.append(Problem(name, line, "", f"more than {MAX_RETURN_ROWS} rows; expected a return for one force"))
                break
            extra = [i for i, t in enumerate(texts) if t and i >= len(header)]
            if extra:
                table.problems.append(
                    Problem(name, line, "", f"a value in column {extra[0] + 1}, which has no header; expected values only under the header's {len(header)} columns")
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
    empty = Table(path=Path(file_name), name=name, columns=[], rows=[], lines=[], sha256=hashlib.sha256(raw).hexdigest())
    if suffix not in SUFFIXES:
        empty.problems.append(Problem(name, 0, "", f"'{suffix or 'no extension'}' is not a return format; expected a .csv or .xlsx file"))
        return empty
    if len(raw) > MAX_RETURN_BYTES:
        empty.problems.append(Problem(name, 0, "", f"file is {len(raw):,} bytes; expected at most {MAX_RETURN_BYTES:,} ({MAX_RETURN_MB} MB)"))
        return empty
    if not raw.strip():
        empty.problems.append(Problem(name, 1, "", "file is empty; expected a header row and data rows"))
        return empty
    if suffix == ".xlsx":
        return read_xlsx(raw, name, Path(file_name))
    table = parse_csv(raw, name, Path(file_name), max_bytes=MAX_RETURN_BYTES)
    if len(table.rows) > MAX_RETURN_ROWS:
        table.problems.append(Problem(name, table.lines[MAX_RETURN_ROWS], "", f"more than {MAX_RETURN_ROWS} rows; expected a return for one force"))
    return table


# ---------------------------------------------------------------- check


def _same_on_every_row(rows, lines, column: str, name: str, *, optional: bool = False) -> list[Problem]:
    """The return-wide columns hold one value; the first row that has one sets it."""
    problems: list[Problem] = []
    first: tuple[str, int] | None = None
    for row, line in zip(rows, lines):
        value = row[column]
        if optional and not value:
            continue
        if first is None:
            first = (value, line)
        elif value != first[0]:
            problems.append(Problem(name, line, column, f"'{value}' differs from '{first[0]}' on line {first[1]}; expected the same {column} on every row"))
    return problems


def check_return(table: Table, ref: Reference, *, today: dt.date) -> Return:
    """Check a return against the schema and dictionary; raise InputError listing every problem."""
    if table.problems:
        raise InputError(table.problems)
    filled = [(r, l) for r, l in zip(table.rows, table.lines) if any(r.get(c, "") for c in CONTENT_COLUMNS)]
    subset = Table(path=table.path, name=table.name, columns=table.columns,
                   rows=[r for r, _ in filled], lines=[l for _, l in filled], sha256=table.sha256)
    problems = validate.check_table(subset, RETURN, ref)
    if any(p.row == 1 for p in problems):  # the header is wrong: the rows cannot be read by column
        raise InputError(problems)
    if table.rows and not subset.rows:
        problems = [Problem(table.name, table.lines[0], "", "no row is filled in; expected at least one fact with a value or one funded service")]
    if problems and not subset.rows:
        raise InputError(problems)
    name, rows, lines = table.name, subset.rows, subset.lines

    code = None
    for row, line in zip(rows, lines):
        this = ref.forces.resolve(row["force"]) if row["force"] else None
        if this and code is None:
            code, code_line = this, line
        elif this and this != code:
            problems.append(Problem(name, line, "force", f"'{row['force']}' is {this}, but line {code_line} is for {code}; expected one force per return"))
    for column in ("as_at", "submitted_by"):
        problems += _same_on_every_row(rows, lines, column, name)
    problems += _same_on_every_row(rows, lines, "evidence", name, optional=True)
    as_at, _ = validate.parse_date(rows[0]["as_at"])
    if as_at and as_at > today:
        problems.append(Problem(name, lines[0], "as_at", f"{as_at} is in the future; expected the date the position is as at, {today} at the latest"))

    facts: list[tuple[dict, int]] = []
    streams: list[tuple[dict, int]] = []
    seen_facts: dict[tuple[str, str, str], int] = {}
    seen_streams: dict[str, int] = {}
    for row, line in zip(rows, lines):
        record = row["record"]
        own, other = (FACT_COLUMNS, FUNDING_COLUMNS) if record == "fact" else (FUNDING_REQUIRED, FACT_COLUMNS)
        if record not in ("fact", "funding"):
            continue  # already reported by the schema check
        for col in own:
            if not row[col]:
                problems.append(Problem(name, line, col, f"value is empty; expected a value on a {record} row"))
        for col in other:
            if row[col]:
                problems.append(Problem(name, line, col, f"a {record} row has a {col}; expected {col} only on {'funding' if record == 'fact' else 'fact'} rows"))
        if record == "fact":
            key = (row["dimension"], row["attribute"], row["value"])
            if key in seen_facts:
                problems.append(Problem(name, line, "value", f"duplicate of line {seen_facts[key]} (same dimension, attribute and value); expected each fact once"))
            else:
                seen_facts[key] = line
                facts.append((row, line))
        else:
            sid = row["stream_id"]
            if sid and sid in seen_streams:
                problems.append(Problem(name, line, "stream_id", f"'{sid}' appears twice (first on line {seen_streams[sid]}); expected each funded service once"))
            else:
                seen_streams[sid] = line
                streams.append((row, line))

    # The rules the curated files obey: attribute of its dimension, value of its type,
    # one status and one count at a time; an end not before its start.
    fact_table = Table(path=table.path, name=name, columns=[], sha256=table.sha256,
                       rows=[{**r, "valid_from": "", "source_id": ""} for r, _ in facts], lines=[l for _, l in facts])
    problems += validate.check_facts(fact_table, ref)
    problems += validate.check_funding_dates(Table(path=table.path, name=name, columns=[], sha256=table.sha256,
                                                   rows=[r for r, _ in streams], lines=[l for _, l in streams]))
    if problems:
        raise InputError(problems)

    first = rows[0]
    evidence = next((r["evidence"] for r in rows if r["evidence"]), None)
    return Return(
        name=name,
        sha256=table.sha256,
        suffix=table.path.suffix.lower(),
        pfa_code=code,
        force_as_named=first["force"],
        as_at=as_at,
        submitted_by=first["submitted_by"],
        evidence=evidence,
        facts=[{**{c: r[c] for c in FACT_COLUMNS}, "force_as_named": r["force"], "line": l} for r, l in facts],
        streams=[{**{c: r[c] for c in FUNDING_COLUMNS}, "force_as_named": r["force"], "line": l} for r, l in streams],
        rows=len(rows),
    )


@dataclass
class Ledger:
    """What is already accepted: the funded services each force owns and the returns stored."""

    owners: dict[str, str] = field(default_factory=dict)  # stream_id -> pfa_code
    stored: dict[str, str] = field(default_factory=dict)  # sha256 -> stored file name
    latest_submitted_at: dt.datetime | None = None


def check_against(ret: Return, ledger: Ledger) -> list[Problem]:
    """Problems that depend on what is already accepted: a repeat import, another force's stream_id."""
    problems: list[Problem] = []
    if ret.sha256 in ledger.stored:
        problems.append(Problem(ret.name, 0, "", f"this file was already imported (stored as {ledger.stored[ret.sha256]}); expected a new return"))
    elif any(s[:12] == ret.short_hash for s in ledger.stored):
        problems.append(Problem(ret.name, 0, "", "a stored return's hash starts with the same 12 digits; change the file (for example its evidence note) and import it again"))
    for s in ret.streams:
        owner = ledger.owners.get(s["stream_id"])
        if owner and owner != ret.pfa_code:
            problems.append(Problem(ret.name, s["line"], "stream_id", f"'{s['stream_id']}' is a funded service of {owner}; expected one of this force's stream_ids or a new one"))
    return problems


def stored_files(returns_dir: Path) -> list[Path]:
    """The stored returns, oldest first (their names start with when they were accepted)."""
    if not returns_dir.is_dir():
        return []
    return sorted(p for p in returns_dir.iterdir() if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in SUFFIXES)


def read_stored(returns_dir: Path, ref: Reference, ledger: Ledger) -> list[Return]:
    """Every stored return, checked again as when it was accepted; raise InputError on any problem.

    The ledger starts with the curated funded services and is updated with each return.
    """
    accepted: list[Return] = []
    problems: list[Problem] = []
    for path in stored_files(returns_dir):
        name = display_path(path)
        match = STORED_NAME.match(path.name)
        if not match:
            problems.append(Problem(name, 0, "", "not a stored return's name; expected only files written by `python -m etl import-return` (<submitted_at>_<pfa_code>_<hash>.csv or .xlsx)"))
            continue
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest[:12] != match["sha"]:
            problems.append(Problem(name, 0, "", f"content has SHA-256 {digest[:12]}…, not the {match['sha']} in its name; expected a stored return to be left unchanged"))
            continue
        submitted_at = dt.datetime.strptime(match["at"], STAMP)
        try:
            # As when it was accepted: its as-at date was not after the day it was submitted
            # (a day's grace, as submitted_at is UTC and the check used the local date).
            ret = check_return(read_return(raw, path.name, name=name), ref, today=submitted_at.date() + dt.timedelta(days=1))
        except InputError as err:
            problems += err.problems
            continue
        if ret.pfa_code != match["pfa"]:
            problems.append(Problem(name, 0, "", f"the file is for {ret.pfa_code}, not the {match['pfa']} in its name; expected a stored return to be left unchanged"))
            continue
        problems += check_against(ret, ledger)
        ret.path, ret.submitted_at = path, submitted_at
        ledger.stored[ret.sha256] = path.name
        ledger.owners.update({s["stream_id"]: ret.pfa_code for s in ret.streams})
        ledger.latest_submitted_at = submitted_at
        accepted.append(ret)
    if problems:
        raise InputError(problems)
    return accepted


# ---------------------------------------------------------------- compare


@dataclass(frozen=True)
class Change:
    """One line of the preview: what the force's position says now, and what the return says."""

    dimension: str  # a dimension, or "funding" for funded services
    item: str  # the attribute, or the stream_id and field
    old: str
    new: str

    @property
    def kind(self) -> str:
        if self.old == self.new:
            return "unchanged"
        return "added" if not self.old else "removed" if not self.new else "changed"

    def __str__(self) -> str:
        if self.kind == "unchanged":
            return f"{self.dimension} / {self.item}: {self.old} (unchanged)"
        return f"{self.dimension} / {self.item}: {self.old or '(none)'} → {self.new or '(none)'}"


def _stream_summary(s: dict) -> str:
    dates = f"{s.get('start_date') or '?'} to {s.get('end_date') or '?'}"
    return f"{s['service']}; {s['funder']}; {dates}; {s['status']}"


def _text(value) -> str:
    """A database value as the text a return would hold (dates come back as timestamps)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def compare(ret: Return, current_facts: pd.DataFrame, current_streams: pd.DataFrame) -> list[Change]:
    """The return against the force's position as at the return's date.

    Facts: each dimension in the return is replaced as a whole, so an attribute the
    return leaves out is removed. Funding: the return's services replace the whole list.
    """
    changes: list[Change] = []
    for dim in ret.dimensions:
        old: dict[str, list[str]] = {}
        for r in current_facts[current_facts["dimension"] == dim].itertuples():
            old.setdefault(r.attribute, []).append(str(r.value))
        new: dict[str, list[str]] = {}
        for f in ret.facts:
            if f["dimension"] == dim:
                new.setdefault(f["attribute"], []).append(f["value"])
        for attr in list(dict.fromkeys([*new, *old])):
            changes.append(Change(dim, attr, "; ".join(sorted(old.get(attr, []))), "; ".join(sorted(new.get(attr, [])))))
    if ret.streams:
        old_streams = {r["stream_id"]: {k: _text(r[k]) for k in STREAM_FIELDS} for r in current_streams.to_dict("records")}
        for s in ret.streams:
            before = old_streams.pop(s["stream_id"], None)
            if before is None:
                changes.append(Change("funding", s["stream_id"], "", _stream_summary(s)))
                continue
            fields = [Change("funding", f"{s['stream_id']} / {k}", before[k], s[k]) for k in STREAM_FIELDS]
            moved = [c for c in fields if c.kind != "unchanged"]
            changes += moved or [Change("funding", s["stream_id"], _stream_summary(before), _stream_summary(before))]
        for sid, before in old_streams.items():
            changes.append(Change("funding", sid, _stream_summary(before), ""))
    return changes


# ---------------------------------------------------------------- store


def store(raw: bytes, ret: Return, returns_dir: Path, submitted_at: dt.datetime) -> Path:
    """Write the submitted bytes, unchanged and read-only, under a name that holds their hash."""
    returns_dir.mkdir(parents=True, exist_ok=True)
    target = returns_dir / ret.stored_name(submitted_at)
    tmp = returns_dir / f".{target.name}.{os.getpid()}.tmp"
    try:
        with open(tmp, "xb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


# ---------------------------------------------------------------- templates


def template_rows(force_name: str = "", facts: pd.DataFrame | None = None, streams: pd.DataFrame | None = None) -> list[dict[str, str]]:
    """Rows of a template: the force's current ISAC, perpetrator-programme, MASIP and funding
    position where given (so submitters edit rather than retype), with empty rows for what is missing.

    Every current fact of those dimensions is listed, because a return replaces a dimension whole.
    """
    def row(**values: str) -> dict[str, str]:
        return {c: values.get(c, "") for c in COLUMNS} | {"force": force_name}

    facts = facts if facts is not None else pd.DataFrame(columns=["dimension", "attribute", "value"])
    rows: list[dict[str, str]] = []
    for dim in dict.fromkeys(d for d, _ in TEMPLATE_FACTS):
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


def template_xlsx(rows: list[dict[str, str]], allowed: pd.DataFrame, dimensions: pd.DataFrame, attributes: pd.DataFrame) -> bytes:
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
    for col in RETURN.columns:
        guide.append([col.name, requirement(col.name), col.meaning])
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
    listing("dimension", [(d, f"{label}: {meaning}") for d, label, meaning in dimensions[["dimension", "label", "meaning"]].itertuples(index=False)])
    for r in attributes.itertuples():
        guide.append([f"attribute of {r.dimension}", r.attribute, f"{r.value_type}: {r.meaning}"])
    for fld in dict.fromkeys(allowed["field"]):
        listing(fld, [(v, m) for v, m in allowed.loc[allowed["field"] == fld, ["value", "meaning"]].itertuples(index=False)])
    guide.column_dimensions["A"].width = 34
    guide.column_dimensions["B"].width = 34
    guide.column_dimensions["C"].width = 100

    for column, fld in (("record", "record"), ("dimension", "dimension"), ("funder", "funder"), ("status", "funding_status")):
        if fld not in ranges:
            continue
        letter = openpyxl.utils.get_column_letter(COLUMNS.index(column) + 1)
        dv = DataValidation(type="list", formula1=ranges[fld], allow_blank=True, showErrorMessage=True,
                            errorTitle=f"Not a {fld}", error=f"Choose a {fld} from the list (see the guidance sheet).")
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
