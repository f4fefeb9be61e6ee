"""Stage 2: check every file against its schema, then the rules that span files.

Returns are checked here too (`check_return`): a return, however it arrived
(CSV, workbook or the browser form), is rows in the return format, held to the
same rules as the curated files, so it cannot say anything they could not.

Nothing here writes anything. Each check adds a Problem naming the file, line,
column, what was found and what was expected; the pipeline stops if any exist.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core import clock, rules
from core.problems import InputError, Problem
from core.text import WEB_ADDRESS, alias_key, char_name, unprintable
from etl.read import Table
from etl.schema import (
    CONTENT_COLUMNS,
    FACT_COLUMNS,
    FACT_ONLY,
    FUNDING_ONLY,
    FUNDING_REQUIRED,
    ID,
    PARAGRAPH_MAX,
    RETURN,
    VALUE_MAX,
    FileSchema,
    is_pfa_code,
)
from etl.stored_returns import stored_stem

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only: '٢' is not 2
WHOLE_NUMBER = re.compile(r"[0-9]+")
EXPECTED_FORCES = 43


def parse_date(value: str) -> tuple[dt.date | None, str | None]:
    """A date from YYYY-MM-DD text within the dates the data can hold (core.rules), or the reason it is not one."""
    if not ISO_DATE.fullmatch(value):
        return None, f"'{value}' is not a date in YYYY-MM-DD form; expected e.g. 2025-03-31"
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        return None, f"'{value}' is not a real calendar date; expected a date that exists, e.g. 2025-02-28"
    reason = rules.date_out_of_range(date)
    return (None, reason) if reason else (date, None)


@dataclass
class ForceResolver:
    """Maps every known name, alias and code of a force to its ONS code."""

    codes: set[str] = field(default_factory=set)
    by_key: dict[str, str] = field(default_factory=dict)

    def resolve(self, name: str) -> str | None:
        if name in self.codes:
            return name
        return self.by_key.get(alias_key(name))


@dataclass
class Reference:
    """What the curated files are checked against, built from the reference files."""

    allowed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    dimensions: set[str] = field(default_factory=set)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)  # -> value type
    single_valued: set[tuple[str, str]] = field(default_factory=set)  # cardinality "one"
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    sections: set[tuple[str, str]] = field(default_factory=set)
    forces: ForceResolver = field(default_factory=ForceResolver)


def check_value(kind: str, value: str, ref: Reference) -> str | None:
    """Why a non-empty value does not fit its column kind, or None when it fits."""
    if kind == "text":
        return None
    if kind == "paragraph":  # an office's example, in its own words
        if len(value) > PARAGRAPH_MAX:
            return f"value is {len(value):,} characters; expected a paragraph of at most {PARAGRAPH_MAX:,}"
        return None
    if kind == "integer":
        if not WHOLE_NUMBER.fullmatch(value):
            return f"'{value}' is not a whole number; expected an integer of 0 or more, in the digits 0-9"
        if len(value) > len(str(rules.MAX_COUNT)) or int(value) > rules.MAX_COUNT:
            return f"'{value}' is too large; expected a whole number from 0 to {rules.MAX_COUNT:,}"
        return None
    if kind == "date":
        return parse_date(value)[1]
    if kind == "date_or_ongoing":
        return None if value == "ongoing" else parse_date(value)[1]
    if kind == "decimal":
        if not re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,2})?", value):
            return f"'{value}' is not a number of posts; expected a number of 0 or more with at most two decimal places, e.g. 2.5"
        return None
    if kind == "amount":
        if value in ("prefer not to say", "not known") or re.fullmatch(r"[0-9]{1,9}", value):
            return None
        return f"'{value}' is not an amount; expected whole pounds (e.g. 45000), 'prefer not to say' or 'not known'"
    if kind == "url":
        return (
            None
            if WEB_ADDRESS.fullmatch(value)
            else f"'{value}' is not a web address; expected https:// then a host and a path of letters, digits "
            "and . - _ ~ % / (no query, fragment, space, quote or bracket)"
        )
    if kind == "yesno":
        return None if value in ("yes", "no") else f"'{value}' is not allowed; expected yes or no"
    if kind == "id":
        return (
            None
            if ID.fullmatch(value)
            else f"'{value}' is not a key; expected lower-case letters, digits, hyphens and underscores"
        )
    if kind == "code":
        return (
            None
            if is_pfa_code(value)
            else (f"'{value}' is not a police force area code; expected E23000001-E23000039 or W15000001-W15000004")
        )
    if kind == "force":
        if ref.forces.resolve(value) is None:
            return f"unknown force '{value}'; expected a name, alias or ONS code listed in data/forces.csv"
        return None
    if kind == "source":
        return None if value in ref.sources else f"unknown source '{value}'; expected a source_id in data/sources.csv"
    if kind == "dimension":
        return (
            None
            if value in ref.dimensions
            else (f"unknown dimension '{value}'; expected one of {sorted(ref.dimensions)}")
        )
    if kind == "attribute":
        return None  # checked with the row's dimension in check_facts
    if kind.startswith("choice:"):
        words = kind[7:].split("|")
        return None if value in words else f"'{value}' is not allowed; expected {' or '.join(words)}"
    if kind.startswith("enum:"):
        fld = kind[5:]
        allowed = ref.allowed.get(fld, set())
        if value not in allowed:
            return f"'{value}' is not a defined {fld}; expected one of: {', '.join(sorted(allowed))}"
        return None
    raise ValueError(f"unknown column kind {kind}")


def _value_problems(col, value: str, ref: Reference) -> list[str]:
    """What is wrong with one non-empty value of a column, in the order the checks report it."""
    messages = []
    bad = unprintable(value)
    if bad:
        messages.append(
            f"value holds the control character {char_name(bad)}; expected printable text on one line "
            "(no control characters, line breaks, terminal escapes or direction overrides)"
        )
    if col.max_length and len(value) > col.max_length:
        messages.append(f"value is {len(value)} characters; expected at most {col.max_length}")
    reason = check_value(col.kind, value, ref)
    if reason:
        messages.append(reason)
    if value[0] in "=+@" or (value[0] == "-" and col.kind == "text" and len(value) > 1 and not value[1].isspace()):
        messages.append(f"value starts with '{value[0]}', which spreadsheets run as a formula; expected plain text")
    return messages


def check_table(table: Table, schema: FileSchema, ref: Reference) -> list[Problem]:
    """Columns present and known, required values filled, every value of its kind, keys unique.

    Checked a column at a time, each distinct value once (a value's problems depend
    only on the value and its column), and reported in row order, then column order.
    """
    problems: list[Problem] = []
    if table.problems:
        return list(table.problems)
    missing = [c.name for c in schema.columns if c.in_header and c.name not in table.columns]
    for name in missing:
        problems.append(
            Problem(
                table.name, 1, name, "required column is missing; expected header: " + ",".join(schema.column_names)
            )
        )
    for name in table.columns:
        if name not in schema.column_names:
            problems.append(
                Problem(table.name, 1, name, "unknown column; expected only: " + ",".join(schema.column_names))
            )
    if missing:
        return problems
    if not table.rows and not schema.may_be_empty:
        problems.append(Problem(table.name, 2, "", "file has a header but no rows; expected at least one row"))
    lines = table.lines
    found: list[tuple[int, int, int, Problem]] = []  # (row index, column index, order within the cell, problem)
    columns: dict[str, list[str]] = {}
    for ci, col in enumerate(schema.columns):
        if col.name not in table.columns:  # a column files may leave out
            values = columns[col.name] = [""] * len(table.rows)
            continue
        values = columns[col.name] = table.column(col.name)
        distinct = set(values)
        if "" in distinct:
            distinct.discard("")
            if col.required:
                found += [
                    (i, ci, 0, Problem(table.name, lines[i], col.name, "value is empty; expected a value"))
                    for i, v in enumerate(values)
                    if v == ""
                ]
        bad = {v: m for v in distinct if (m := _value_problems(col, v, ref))}
        if bad:
            for i, v in enumerate(values):
                for k, message in enumerate(bad.get(v, ())):
                    found.append((i, ci, k + 1, Problem(table.name, lines[i], col.name, message)))
    if schema.key:
        keys = list(zip(*(columns[c] for c in schema.key)))
        if len(set(keys)) != len(keys):
            seen: dict[tuple[str, ...], int] = {}
            for i, key in enumerate(keys):
                if key in seen:
                    found.append(
                        (
                            i,
                            len(schema.columns),
                            0,
                            Problem(
                                table.name,
                                lines[i],
                                schema.key[0],
                                f"duplicate key {'/'.join(key)} (first on line {seen[key]}); expected each key once",
                            ),
                        )
                    )
                else:
                    seen[key] = lines[i]
    found.sort(key=lambda f: f[:3])
    return problems + [f[3] for f in found]


def build_reference(tables: dict[str, Table]) -> tuple[Reference, list[Problem]]:
    """Reference data from the (already schema-checked) reference files, with their own cross-checks."""
    ref = Reference()
    problems: list[Problem] = []
    for row in tables["allowed_values.csv"].rows:
        ref.allowed[row["field"]].add(row["value"])
    ref.dimensions = {row["dimension"] for row in tables["dimensions.csv"].rows}
    for row in tables["attributes.csv"].rows:
        ref.attributes[(row["dimension"], row["attribute"])] = row["value_type"]
        if row["cardinality"] == "one":
            ref.single_valued.add((row["dimension"], row["attribute"]))
    for row in tables["sources.csv"].rows:
        ref.sources[row["source_id"]] = row
    for row in tables["sections.csv"].rows:
        ref.sections.add((row["source_id"], row["section"]))

    attrs = tables["attributes.csv"]
    for row, line in zip(attrs.rows, attrs.lines):
        vt = row["value_type"]
        if vt not in ("text", "paragraph", "integer", "decimal", "date") and not (
            vt.startswith("enum:") and vt[5:] in ref.allowed
        ):
            problems.append(
                Problem(
                    attrs.name,
                    line,
                    "value_type",
                    f"'{vt}' is not a value type; expected text, paragraph, integer, date or enum:FIELD with FIELD "
                    "in allowed_values.csv",
                )
            )

    forces = tables["forces.csv"]
    owner: dict[str, tuple[str, int]] = {}
    for row, line in zip(forces.rows, forces.lines):
        code = row["pfa_code"]
        ref.forces.codes.add(code)
        names = [row["force_name"], row["short_name"], code] + [
            a.strip() for a in row["aliases"].split(";") if a.strip()
        ]
        for name in names:
            key = alias_key(name)
            if key in owner and owner[key][0] != code:
                problems.append(
                    Problem(
                        forces.name,
                        line,
                        "aliases",
                        f"name '{name}' also belongs to {owner[key][0]} (line {owner[key][1]}); expected each name to resolve to exactly one force",
                    )
                )
                continue
            owner[key] = (code, line)
            ref.forces.by_key[key] = code
    if not forces.problems and len(ref.forces.codes) != EXPECTED_FORCES:
        problems.append(
            Problem(
                forces.name,
                0,
                "pfa_code",
                f"{len(ref.forces.codes)} forces listed; expected all {EXPECTED_FORCES} police force areas of England and Wales",
            )
        )
    return ref, problems


def check_evidence(table: Table, ref: Reference) -> list[Problem]:
    """The quoted document exists, the section is in its outline, and the date is the document's."""
    problems: list[Problem] = []
    columns = (table.column("source_id"), table.column("section"), table.column("source_date"))
    for line, source_id, section, source_date in zip(table.lines, *columns):
        source = ref.sources.get(source_id)
        if source is None:
            continue
        if (source_id, section) not in ref.sections:
            problems.append(
                Problem(
                    table.name,
                    line,
                    "section",
                    f"'{section}' is not a section of {source_id}; expected one listed in data/sections.csv",
                )
            )
        if source_date and source_date != source["published"]:
            problems.append(
                Problem(
                    table.name,
                    line,
                    "source_date",
                    f"'{source_date}' differs from the date of {source_id}; expected {source['published']}",
                )
            )
    return problems


def check_facts(table: Table, ref: Reference) -> list[Problem]:
    """Each attribute belongs to its dimension and its value has the attribute's type; one status per position."""
    problems: list[Problem] = []
    singles: dict[tuple[str, ...], int] = {}
    reasons: dict[tuple[str, str], str | None] = {}  # a value's type check depends only on the type and the value
    force_keys = {name: ref.forces.resolve(name) or name for name in set(table.column("force"))}
    columns = [table.column(c) for c in ("force", "dimension", "attribute", "value", "valid_from", "source_id")]
    items = [r.get("item", "") for r in table.rows]
    for line, force, dim, attr, value, valid_from, source_id, item in zip(table.lines, *columns, items):
        value_type = ref.attributes.get((dim, attr))
        if dim in ref.dimensions and value_type is None:
            allowed = sorted(a for d, a in ref.attributes if d == dim)
            problems.append(
                Problem(
                    table.name,
                    line,
                    "attribute",
                    f"'{attr}' is not an attribute of {dim}; expected one of: {', '.join(allowed)}",
                )
            )
            continue
        if value_type and value:
            checked = (value_type, value)
            if checked not in reasons:
                reasons[checked] = check_value(value_type, value, ref)
                if not reasons[checked] and value_type != "paragraph" and len(value) > VALUE_MAX:
                    # Only a paragraph (an example) may be longer than a value of any other type.
                    reasons[checked] = f"value is {len(value)} characters; expected at most {VALUE_MAX}"
            if reasons[checked]:
                problems.append(Problem(table.name, line, "value", reasons[checked]))
        if (dim, attr) in ref.single_valued:
            # A force has one status and one count per dimension at any date.
            key = (force_keys[force], dim, attr, valid_from, source_id, item)
            if key in singles:
                problems.append(
                    Problem(
                        table.name,
                        line,
                        "attribute",
                        f"second {attr} for this force and date (first on line {singles[key]}); expected one",
                    )
                )
            else:
                singles[key] = line
    return problems


def check_funding_dates(table: Table) -> list[Problem]:
    """An end is not before its start."""
    problems: list[Problem] = []
    for row, line in zip(table.rows, table.lines):
        start, _ = parse_date(row["start_date"]) if row["start_date"] else (None, None)
        end, _ = parse_date(row["end_date"]) if row["end_date"] and row["end_date"] != "ongoing" else (None, None)
        if start and end and end < start:
            problems.append(
                Problem(
                    table.name,
                    line,
                    "end_date",
                    f"{row['end_date']} is before start_date {row['start_date']}; expected an end on or after the start",
                )
            )
        for which in ("start", "end"):
            if row.get(f"{which}_derived") == "yes" and not row.get(f"{which}_wording"):
                problems.append(
                    Problem(
                        table.name,
                        line,
                        f"{which}_wording",
                        f"{which}_date is derived but the source's wording is empty; expected the original words",
                    )
                )
    return problems


def check_neighbours(table: Table, ref: Reference) -> list[Problem]:
    """Every code is a known force, no force borders itself, and borders are listed both ways."""
    problems: list[Problem] = []
    pairs = {(r["pfa_code"], r["neighbour_code"]) for r in table.rows}
    for row, line in zip(table.rows, table.lines):
        a, b = row["pfa_code"], row["neighbour_code"]
        for col, code in (("pfa_code", a), ("neighbour_code", b)):
            if code not in ref.forces.codes:
                problems.append(
                    Problem(table.name, line, col, f"'{code}' is not in data/forces.csv; expected a listed force")
                )
        if a == b:
            problems.append(
                Problem(table.name, line, "neighbour_code", "a force cannot border itself; expected another force")
            )
        elif (b, a) not in pairs:
            problems.append(
                Problem(
                    table.name,
                    line,
                    "neighbour_code",
                    f"{b} borders {a} but the reverse row is missing; expected both directions",
                )
            )
    return problems


# ---------------------------------------------------------------- returns


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
    facts: list[dict[str, Any]]  # dimension, item, attribute, value, evidence, note, force_as_named (text); line (int)
    streams: list[dict[str, Any]]  # stream_id, service, funder, start_date, end_date, status, force_as_named; line
    rows: int = 0
    signed_off_by: str | None = None
    entered_by: str | None = None  # who entered it on the office's behalf (an admin), if not the office
    round_id: str | None = None  # the returns round it answers, if any
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

    def quote(self, submitted_at: dt.datetime | None = None, row: dict | None = None) -> str:
        """The evidence a row of the return cites: the row's own evidence, the return's note,
        or who submitted it and when."""
        if row and row.get("evidence"):
            return row["evidence"]
        if self.evidence:
            return self.evidence
        when = submitted_at or self.submitted_at or clock.now().replace(tzinfo=dt.UTC)
        return f"Return submitted by {self.submitted_by} on {when:%Y-%m-%d}"

    def stored_stem(self, submitted_at: dt.datetime) -> str:
        """The name the return is stored under, without its extension."""
        return stored_stem(submitted_at, self.pfa_code, self.sha256)


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
            problems.append(
                Problem(
                    name,
                    line,
                    column,
                    f"'{value}' differs from '{first[0]}' on line {first[1]}; expected the same {column} on every row",
                )
            )
    return problems


def check_return(table: Table, ref: Reference, *, today: dt.date) -> Return:
    """Check a return against the schema and dictionary; raise InputError listing every problem.

    The same rules whichever way the return came (CSV, the workbook form, the browser form),
    and again at every build for every stored return."""
    if table.problems:
        raise InputError(table.problems)
    # Columns a file may leave out (added after the first templates) read as empty.
    absent = [c.name for c in RETURN.columns if not c.in_header and c.name not in table.columns]
    all_rows = [{**r, **dict.fromkeys(absent, "")} for r in table.rows] if absent else table.rows
    filled = [(r, line) for r, line in zip(all_rows, table.lines) if any(r.get(c, "") for c in CONTENT_COLUMNS)]
    subset = Table(
        path=table.path,
        name=table.name,
        columns=table.columns,
        rows=[r for r, _ in filled],
        lines=[line for _, line in filled],
        sha256=table.sha256,
    )
    problems = check_table(subset, RETURN, ref)
    if any(p.row == 1 for p in problems):  # the header is wrong: the rows cannot be read by column
        raise InputError(problems)
    if table.rows and not subset.rows:
        problems = [
            Problem(
                table.name,
                table.lines[0],
                "",
                "no row is filled in; expected at least one fact with a value or one funded service",
            )
        ]
    if problems and not subset.rows:
        raise InputError(problems)
    name, rows, lines = table.name, subset.rows, subset.lines

    code = None
    for row, line in zip(rows, lines):
        this = ref.forces.resolve(row["force"]) if row["force"] else None
        if this and code is None:
            code, code_line = this, line
        elif this and this != code:
            problems.append(
                Problem(
                    name,
                    line,
                    "force",
                    f"'{row['force']}' is {this}, but line {code_line} is for {code}; expected one force per return",
                )
            )
    for column in ("as_at", "submitted_by"):
        problems += _same_on_every_row(rows, lines, column, name)
    problems += _same_on_every_row(rows, lines, "signed_off_by", name, optional=True)
    as_at, _ = parse_date(rows[0]["as_at"])
    if as_at and as_at > today:
        problems.append(
            Problem(
                name,
                lines[0],
                "as_at",
                f"{as_at} is in the future; expected the date the position is as at, {today} at the latest",
            )
        )

    facts: list[tuple[dict, int]] = []
    streams: list[tuple[dict, int]] = []
    seen_facts: dict[tuple[str, str, str, str], int] = {}
    seen_streams: dict[str, int] = {}
    for row, line in zip(rows, lines):
        record = row["record"]
        if record not in ("fact", "funding"):
            continue  # already reported by the schema check
        own, other = (FACT_COLUMNS, FUNDING_ONLY) if record == "fact" else (FUNDING_REQUIRED, FACT_ONLY)
        for col in own:
            if not row[col]:
                problems.append(Problem(name, line, col, f"value is empty; expected a value on a {record} row"))
        for col in other:
            if row[col]:
                problems.append(
                    Problem(
                        name,
                        line,
                        col,
                        f"a {record} row has a {col}; expected {col} only on {'funding' if record == 'fact' else 'fact'} rows",
                    )
                )
        if record == "fact":
            key = (row["dimension"], row["item"], row["attribute"], row["value"])
            if key in seen_facts:
                problems.append(
                    Problem(
                        name,
                        line,
                        "value",
                        f"duplicate of line {seen_facts[key]} (same dimension, attribute and value); expected each fact once",
                    )
                )
            else:
                seen_facts[key] = line
                facts.append((row, line))
        else:
            if row["funder"] == "other" and not row["funder_detail"]:
                problems.append(
                    Problem(
                        name, line, "funder_detail", "value is empty; expected the funder's name when funder is 'other'"
                    )
                )
            sid = row["stream_id"]
            if sid and sid in seen_streams:
                problems.append(
                    Problem(
                        name,
                        line,
                        "stream_id",
                        f"'{sid}' appears twice (first on line {seen_streams[sid]}); expected each funded service once",
                    )
                )
            else:
                seen_streams[sid] = line
                streams.append((row, line))

    # The rules the curated files obey: attribute of its dimension, value of its type,
    # one status and one count at a time (per item); an end not before its start.
    fact_table = Table(
        path=table.path,
        name=name,
        columns=[],
        sha256=table.sha256,
        rows=[{**r, "valid_from": "", "source_id": ""} for r, _ in facts],
        lines=[line for _, line in facts],
    )
    problems += check_facts(fact_table, ref)
    problems += check_funding_dates(
        Table(
            path=table.path,
            name=name,
            columns=[],
            sha256=table.sha256,
            rows=[r for r, _ in streams],
            lines=[line for _, line in streams],
        )
    )
    if problems:
        raise InputError(problems)

    first = rows[0]
    evidence = {r["evidence"] for r in rows}
    return Return(
        name=name,
        sha256=table.sha256,
        suffix=table.path.suffix.lower(),
        pfa_code=code,
        force_as_named=first["force"],
        as_at=as_at,
        submitted_by=first["submitted_by"],
        # The return-wide note: the evidence every row gives, when they all give the same.
        evidence=evidence.pop() if len(evidence) == 1 and "" not in evidence else None,
        signed_off_by=next((r["signed_off_by"] for r in rows if r["signed_off_by"]), None),
        facts=[
            {**{c: r[c] for c in (*FACT_ONLY, "evidence", "note")}, "force_as_named": r["force"], "line": line}
            for r, line in facts
        ],
        streams=[
            {**{c: r[c] for c in (*FUNDING_ONLY, "evidence", "note")}, "force_as_named": r["force"], "line": line}
            for r, line in streams
        ],
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
        problems.append(
            Problem(
                ret.name,
                0,
                "",
                f"this file was already imported (stored as {ledger.stored[ret.sha256]}); expected a new return",
            )
        )
    elif any(s[:12] == ret.short_hash for s in ledger.stored):
        problems.append(
            Problem(
                ret.name,
                0,
                "",
                "a stored return's hash starts with the same 12 digits; change the file (for example its evidence note) and import it again",
            )
        )
    for s in ret.streams:
        owner = ledger.owners.get(s["stream_id"])
        if owner and owner != ret.pfa_code:
            problems.append(
                Problem(
                    ret.name,
                    s["line"],
                    "stream_id",
                    f"'{s['stream_id']}' is a funded service of {owner}; expected one of this force's stream_ids or a new one",
                )
            )
    return problems
