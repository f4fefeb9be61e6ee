"""A return as an office answers it (etl.questions.Answers), and the rows it becomes.

- `prefill`: the answers as the force's published position gives them, so an office
  edits only what changed, with each question's previous answer in words;
- `check_answers`: what a form can tell before the rows exist (a required answer missing);
- `to_rows`: the answers as rows of the return format, the one format every way in
  (browser form, workbook, CSV) is checked and stored in;
- `to_csv`: those rows as the return's CSV.

The browser form (app_pages/office_return.py) and the workbook (returns/workbook.py)
both go through here, so the same answers make the same stored return.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from core.problems import Problem
from core.text import slug
from etl.questions import (
    ADVOCACY,
    BODY,
    CONSENTED,
    EXAMPLE,
    FUNDING,
    LISTINGS,
    MULTI_AGENCY,
    PROGRAMMES,
    QUESTIONS,
    RECOMMENDATION_ITEMS,
    RECOMMENDATIONS,
    SCALAR_THEMES,
    SECTIONS,
    Answers,
    Question,
    Section,
)
from etl.read import cell_text
from etl.schema import RETURN_COLUMNS
from intake import workbook

SEVERAL = "; "  # how several choices or names are written in one answer


@dataclass(frozen=True)
class Origin:
    """Where a row of the return came from in the form: a question, or a listing's row and column."""

    section: str
    key: str  # the question key, or the listing key
    row: int | None = None  # 1-based position of the row among the listing's rows as the form holds them
    column: str | None = None

    def __str__(self) -> str:
        if self.row is None:
            return self.key
        return f"{self.key} row {self.row}" + (f" / {self.column}" if self.column else "")

    @property
    def anchor(self) -> str:
        """The id of the question on the browser form (a listing's problems sit under its table)."""
        return f"q-{self.key}"


@dataclass(frozen=True)
class Told:
    """A problem told as the office reads it: the question in its words (and the cell, in a workbook)."""

    origin: Origin
    question: str  # e.g. "Funded services: Funder, for the service 'Kent Stalking Advocacy Service'"
    message: str
    cell: str | None = None  # "Funding!F11" when the answer came from a workbook

    @property
    def where(self) -> str:
        return f"{self.cell}: {self.question}" if self.cell else self.question

    @property
    def line(self) -> str:
        return f"{self.where}: {self.message}"

    def problem(self, file: str) -> Problem:
        """As a Problem of the file: 'herts.xlsx:11:Funding!F11: Funded services: Funder, …: message'."""
        row = int("".join(ch for ch in self.cell.split("!")[-1] if ch.isdigit()) or 0) if self.cell else 0
        return Problem(file, row, self.cell or "", f"{self.question}: {self.message}")


def _text(value) -> str:
    """A cell of the form's data editor as answer text (etl.read.cell_text; a date is a date only)."""
    return cell_text(value, dates_only=True)


def _answered(answers: Answers, section: Section) -> bool:
    keys = [q.key for q in section.questions] + ([section.evidence_key] if section.evidence else [])
    rows = answers.rows.get(section.listing.key, []) if section.listing else []
    return any(answers.values.get(k) for k in keys) or any(any(r.values()) for r in rows)


def filled_rows(answers: Answers, listing_key: str) -> list[dict[str, str]]:
    """The rows of a listing with anything in them (blank rows of a form are left out)."""
    return [r for _, r in filled(answers, listing_key)]


def filled(answers: Answers, listing_key: str) -> list[tuple[int, dict[str, str]]]:
    """(position, row) of the rows of a listing with anything in them; the position (1-based) is the row's
    place among all the rows the form holds, blank ones included (a workbook's table row)."""
    return [
        (i, r) for i, r in enumerate(answers.rows.get(listing_key, []), start=1) if any(_text(v) for v in r.values())
    ]


def paragraph(text: str) -> str:
    """A paragraph as one line: its line breaks and runs of spaces as single spaces (a return's values are
    one line each; an example typed in paragraphs keeps its words)."""
    return " ".join(text.split())


# ---------------------------------------------------------------- checks a form can make


NEEDED = "an answer is needed"


def _answer_problem(q: Question, value: str) -> str | None:
    """What is wrong with one given answer for its question (the form's own checks: a choice it offers,
    a length it allows), or None. The rows the answers become are checked again by etl.validate."""
    if q.kind == "choice" and value not in q.values:
        return f"'{value[:60]}' is not one of the choices ({', '.join(c.label for c in q.choices)})"
    if q.kind == "choices":
        wrong = [p.strip() for p in value.split(";") if p.strip() and p.strip() not in q.values]
        if wrong:
            return f"'{wrong[0][:60]}' is not one of the choices ({', '.join(c.label for c in q.choices)})"
    text = paragraph(value) if q.kind == "paragraph" else value
    if q.max_length and len(text) > q.max_length:
        return f"the answer is {len(text):,} characters; at most {q.max_length:,} are allowed"
    return None


def check_answers(answers: Answers) -> list[tuple[Origin, str]]:
    """What a form can tell before the rows are made: required answers missing, answers its questions do
    not offer, answers too long, an example without the consent to quote it (the rows are checked after)."""
    problems: list[tuple[Origin, str]] = []
    for section in SECTIONS:
        if section.key in ("body", "sign_off") or _answered(answers, section):
            for q in section.questions:
                if q.required and not answers.values.get(q.key):
                    problems.append((Origin(section.key, q.key), NEEDED))
        for q in section.questions:
            value = _text(answers.values.get(q.key))
            if value and (reason := _answer_problem(q, value)):
                problems.append((Origin(section.key, q.key), reason))
            if q.attribute == EXAMPLE and value and not answers.values.get(f"{q.key}_consent"):
                problems.append(
                    (Origin(section.key, f"{q.key}_consent"), f"{NEEDED} when you give an example (Yes or No)")
                )
        if section.listing:
            for i, row in filled(answers, section.listing.key):
                for column in section.listing.columns:
                    value = _text(row.get(column.key))
                    if column.required and not value:
                        problems.append((Origin(section.key, section.listing.key, i, column.key), NEEDED))
                    elif value and (reason := _answer_problem(column, value)):
                        problems.append((Origin(section.key, section.listing.key, i, column.key), reason))
                if (
                    section.listing.key == "funded_services"
                    and row.get("funder") == "other"
                    and not _text(row.get("funder_detail"))
                ):
                    problems.append(
                        (
                            Origin(section.key, "funded_services", i, "funder_detail"),
                            "name the funder when the funder is Other",
                        )
                    )
    return problems


def check_warnings(answers: Answers, as_at: dt.date | None = None) -> list[tuple[Origin, str]]:
    """What is allowed but probably a slip, told to the office without stopping the return: a funded
    service marked secure whose end date has passed by the as-at date."""
    as_at = as_at or _date(answers.values.get("as_at", ""))
    warnings: list[tuple[Origin, str]] = []
    if as_at is None:
        return warnings
    for i, row in filled(answers, "funded_services"):
        end = _date(_text(row.get("end_date")))
        if _text(row.get("status")) == "secure" and end is not None and end < as_at:
            warnings.append(
                (
                    Origin(FUNDING.key, "funded_services", i, "status"),
                    f"marked Secure, but its end date ({end:%d/%m/%Y}) has passed by the as-at date "
                    f"({as_at:%d/%m/%Y}); if it was renewed or extended, give the new end date, or choose "
                    "Ended or Renewed or extended",
                )
            )
    return warnings


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text and text != "ongoing" else None
    except ValueError:
        return None


def _describe(origin: Origin, answers: Answers, cells: dict[str, str], message: str) -> Told:
    """Where a problem is, as the office reads it: the question's words (a table's column with the row's
    service or programme), after the workbook's cell when the answers came from one."""
    section = next((s for s in SECTIONS if s.key == origin.section), None)
    listing = LISTINGS.get(origin.key)
    cell = None
    if listing is not None and origin.row is not None:
        rows = answers.rows.get(listing.key, [])
        row = rows[origin.row - 1] if 0 < origin.row <= len(rows) else {}
        name = _text(row.get("service") or row.get("name"))
        column = next((c for c in listing.columns if c.key == origin.column), None)
        first = listing.columns[1] if listing.record == "funding" else listing.columns[0]
        column = column or first
        what = {"funded_services": "service", "programmes": "intervention", "arrangements": "arrangement"}[listing.key]
        words = f"{listing.prompt}: {column.prompt}, " + (f"for the {what} '{name}'" if name else f"for a new {what}")
        cell = cells.get(f"{listing.key}#{origin.row}.{column.key}")
        if not cell and not name:
            words += f" (row {origin.row} of the table)"
    elif origin.key in QUESTIONS:
        q = QUESTIONS[origin.key]
        title = section.title if section else ""
        words = f"{title}: {q.prompt}" if title and section.key not in ("sign_off", "body") else q.prompt
        cell = cells.get(origin.key)
    elif section is not None and section.evidence and origin.key == section.evidence_key:
        words = f"{section.title}: Evidence for these answers (link or document reference)"
        cell = cells.get(origin.key)
    else:
        words = "The return as a whole"
    if cell:
        sheet, _, ref = cell.partition("!")
        cell = workbook.reference(sheet, ref)
    return Told(origin, words, message, cell)


def tell(problems: list[tuple[Origin, str]], answers: Answers, cells: dict[str, str] | None = None) -> list[Told]:
    """Problems (or warnings) as the office reads them, in the order of the form."""
    told = [_describe(o, answers, cells or {}, m) for o, m in problems]
    return sorted(told, key=lambda t: (FORM_ORDER.get(t.origin.key, len(FORM_ORDER)), t.origin.row or 0))


# Every question and table in the order the form asks them (problems are listed in this order).
FORM_ORDER = {
    key: i
    for i, key in enumerate(
        k
        for s in SECTIONS
        for k in (
            *(q.key for q in s.questions),
            *((s.listing.key,) if s.listing else ()),
            *((s.evidence_key,) if s.evidence else ()),
        )
    )
}


# ---------------------------------------------------------------- answers -> rows


PROGRAMME_STATUS = {"running": "commissioned", "pilot": "commissioned", "planned": "developing", "ended": "ended"}
ARRANGEMENT_STATUS = {
    "running": "established",
    "pilot": "pilot",
    "being set up": "developing",
    "exploring": "exploring",
    "ended": "ended",
}


# The other way: a force's published status as the status of each of its programmes or arrangements.
ITEM_STATUS_OF = {
    "programmes": {"commissioned": "running", "developing": "planned", "ended": "ended"},
    "arrangements": {
        "established": "running",
        "pilot": "pilot",
        "developing": "being set up",
        "exploring": "exploring",
        "ended": "ended",
    },
}


def _derived(statuses: list[str], mapping: dict[str, str]) -> str | None:
    """The force's status for a theme from its items', in the mapping's order of precedence."""
    for item_status, force_status in mapping.items():
        if item_status in statuses:
            return force_status
    return None


def new_stream_id(pfa_code: str, service: str, taken: set[str]) -> str:
    """A key for a new funded service: the force's code and the service's name, made unique."""
    base = f"{pfa_code.lower()}-{slug(service, 40)}"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    taken.add(key)
    return key


def to_rows(answers: Answers, force_name: str) -> tuple[list[dict[str, str]], list[Origin]]:
    """The answers as rows of the return format, and where each row came from."""
    v = {k: _text(x) for k, x in answers.values.items()}
    common = {
        "force": force_name,
        "as_at": v.get("as_at", ""),
        "submitted_by": v.get("submitted_by", ""),
        "signed_off_by": v.get("signed_off_by", ""),
    }
    rows: list[dict[str, str]] = []
    origins: list[Origin] = []

    def add(origin: Origin, evidence: str, **values: str) -> None:
        rows.append(
            {c: "" for c in RETURN_COLUMNS} | common | values | {"evidence": evidence or v.get("return_evidence", "")}
        )
        origins.append(origin)

    def fact(
        section: Section,
        key: str,
        dimension: str,
        attribute: str,
        value: str,
        *,
        item: str = "",
        evidence: str = "",
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        add(
            Origin(section.key, key, row, column),
            evidence or v.get(section.evidence_key, ""),
            record="fact",
            dimension=dimension,
            item=item,
            attribute=attribute,
            value=value,
        )

    def scalar(section: Section, q: Question) -> None:
        value = v.get(q.key, "")
        if not value or q.attribute in (EXAMPLE, CONSENTED):
            return
        parts = [p.strip() for p in value.split(";")] if q.kind == "choices" or q.several else [value]
        if q.kind == "choices":  # in the order the question offers them, however they were ticked
            parts = sorted(parts, key=lambda p: q.values.index(p) if p in q.values else len(q.values))
        for part in dict.fromkeys(p for p in parts if p):
            fact(section, q.key, q.dimension, q.attribute, part)

    def example(section: Section) -> None:
        """The section's example, published only with the office's consent to quote it and name the office
        (an example without it stays in the submission, for the reviewers)."""
        for q in section.questions:
            text = paragraph(v.get(q.key, "")) if q.attribute == EXAMPLE else ""
            if text and v.get(f"{q.key}_consent") == "yes":
                fact(section, q.key, q.dimension, EXAMPLE, text)
                fact(section, f"{q.key}_consent", q.dimension, CONSENTED, "yes")

    # Stalking advocacy: the model and its figures, when the section is answered.
    if _answered(answers, ADVOCACY):
        for q in ADVOCACY.questions:
            scalar(ADVOCACY, q)
        example(ADVOCACY)

    # Interventions and arrangements: one item per row; the force's status follows from the items'.
    for section, listing_key, none_key, mapping, status_attribute in (
        (PROGRAMMES, "programmes", "programmes_none", PROGRAMME_STATUS, "status"),
        (MULTI_AGENCY, "arrangements", "arrangements_none", ARRANGEMENT_STATUS, "masip_status"),
    ):
        listing = LISTINGS[listing_key]
        positioned = filled(answers, listing_key)
        items = [r for _, r in positioned]
        dimension = listing.dimension
        derived = _derived([_text(r.get("status")) for r in items], mapping)
        if items and derived:
            fact(section, listing_key, dimension, status_attribute, derived)
        elif v.get(none_key):
            fact(section, none_key, dimension, status_attribute, v[none_key])
        for n, (i, row) in enumerate(positioned, start=1):
            item = f"{listing_key[:-1]}-{n}"
            evidence = _text(row.get("evidence"))
            for column in listing.columns:
                value = _text(row.get(column.key))
                if not value or not column.attribute:
                    continue
                parts = (
                    [p.strip() for p in value.split(";")]
                    if column.kind == "choices" or column.key == "partners"
                    else [value]
                )
                for part in dict.fromkeys(p for p in parts if p):
                    joined = SEVERAL.join(parts) if column.key == "partners" else part
                    fact(
                        section,
                        listing_key,
                        dimension,
                        column.attribute,
                        joined,
                        item=item,
                        evidence=evidence,
                        row=i,
                        column=column.key,
                    )
                    if column.key == "partners":
                        break
        if section is PROGRAMMES:
            example(PROGRAMMES)
    if _answered(answers, MULTI_AGENCY):
        scalar(MULTI_AGENCY, QUESTIONS["risk_forums"])
        example(MULTI_AGENCY)

    # Funded services: one funding row each.
    positioned = filled(answers, "funded_services")
    services = [r for _, r in positioned]
    taken = {_text(r.get("stream_id")) for r in services if _text(r.get("stream_id"))}
    for i, row in positioned:
        cells = {c.key: _text(row.get(c.key)) for c in FUNDING.listing.columns}
        stream_id = cells["stream_id"] or new_stream_id(answers.force, cells["service"], taken)
        add(
            Origin(FUNDING.key, "funded_services", i),
            cells["evidence"],
            record="funding",
            stream_id=stream_id,
            service=cells["service"],
            provider=cells["provider"],
            provision=cells["provision"],
            funder=cells["funder"],
            funder_detail=cells["funder_detail"],
            amount=cells["amount"],
            start_date=cells["start_date"],
            end_date=cells["end_date"],
            status=cells["status"],
            note=cells["note"],
        )
    if not services and v.get("funding_none"):
        words = {
            "none stated": "No funded stalking service (returned)",
            "not known": "Not known (returned)",
            "prefer not to say": "Prefer not to say (returned)",
        }[v["funding_none"]]
        fact(FUNDING, "funding_none", "funding", "statement", words)
    example(FUNDING)

    # Co-commissioning, information sharing, scrutiny, awareness and training: one fact per answer.
    for section in SCALAR_THEMES:
        if _answered(answers, section):
            for q in section.questions:
                scalar(section, q)
            example(section)

    # Recommendations: one item each.
    for rec in RECOMMENDATION_ITEMS:
        for part, attribute in (("status", "status"), ("date", "completed_on"), ("outcome", "outcome")):
            value = v.get(f"rec{rec}_{part}", "")
            if value:
                fact(RECOMMENDATIONS, f"rec{rec}_{part}", "recommendations", attribute, value, item=f"rec{rec}")

    for q in BODY.questions:
        scalar(BODY, q)
    return rows, origins


def problems_by_origin(problems: list[Problem], origins: list[Origin], first_line: int = 2) -> list[tuple[Origin, str]]:
    """Problems of the rows (as check_return reports them, by line) told against the form's questions."""
    out = []
    for p in problems:
        index = p.row - first_line
        origin = origins[index] if 0 <= index < len(origins) else Origin("sign_off", "return")
        if p.column in ("as_at", "submitted_by", "signed_off_by"):  # the return's own answers, on every row
            origin = Origin("sign_off", p.column)
        elif p.column == "evidence" and origin.row is None:
            section = next(s for s in SECTIONS if s.key == origin.section)
            origin = Origin(section.key, section.evidence_key if section.evidence else "return_evidence")
        elif origin.row is not None and p.column and p.column not in ("value", "attribute", "dimension", "item"):
            origin = Origin(origin.section, origin.key, origin.row, p.column)  # a column of a funded service
        out.append((origin, p.message))
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------- the published position -> answers


def _values(facts: pd.DataFrame, dimension: str, attribute: str, item: str | None = None) -> list[str]:
    # Row by row rather than by frame masks: a force's facts are a few dozen rows, and a prefill
    # asks this about forty times (masks cost more to set up than the rows take to read).
    by_item = item is not None and "item" in facts
    items = facts["item"] if by_item else [None] * len(facts)
    found = (
        v
        for d, a, i, v in zip(facts["dimension"], facts["attribute"], items, facts["value"])
        if d == dimension and a == attribute and (not by_item or _item(i) == item)
    )
    return list(dict.fromkeys(_text(x) for x in found))


def _item(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def prefill(
    pfa_code: str, facts: pd.DataFrame, streams: pd.DataFrame, force: pd.Series, as_at: dt.date
) -> tuple[Answers, dict[str, str]]:
    """The answers the force's published position gives, and each question's previous answer in words."""
    values: dict[str, str] = {"as_at": as_at.isoformat()}
    previous: dict[str, str] = {}
    facts = facts if "item" in facts else facts.assign(item=None)

    def one(key: str, dimension: str, attribute: str, item: str | None = None) -> None:
        found = _values(facts, dimension, attribute, item)
        if not found:
            return
        q = QUESTIONS[key]
        previous[key] = SEVERAL.join(q.label_of(x) for x in found)
        if q.kind == "choices":
            kept = SEVERAL.join(x for x in found if x in q.values)
        elif q.kind == "choice":  # a status the form does not offer (say 'model not stated') is left for the office
            kept = found[0] if found[0] in q.values else ""
        else:
            kept = SEVERAL.join(found)
        if kept:
            values[key] = kept

    for q in ADVOCACY.questions:
        one(q.key, q.dimension, q.attribute)
    for key, dimension, attribute in (
        ("programmes_none", "perpetrator_programme", "status"),
        ("arrangements_none", "multi_agency", "masip_status"),
        ("risk_forums", "multi_agency", "risk_forum"),
    ):
        one(key, dimension, attribute)
        if key.endswith("_none") and values.get(key) not in ("none stated", "not known", "prefer not to say"):
            values.pop(key, None)
    for section in (PROGRAMMES, MULTI_AGENCY, FUNDING, *SCALAR_THEMES):
        for q in section.questions:
            if q.attribute in (EXAMPLE, CONSENTED) or section in SCALAR_THEMES:
                one(q.key, q.dimension, q.attribute)
        # What the sources said on the theme (the APCC's 2024 response quotes activity, not answers).
        activity = _values(facts, section.key, "activity") if section in SCALAR_THEMES else []
        if activity and f"{section.key}_example" not in previous:
            previous[f"{section.key}_example"] = SEVERAL.join(activity)
    for rec in RECOMMENDATION_ITEMS:
        for part, attribute in (("status", "status"), ("date", "completed_on"), ("outcome", "outcome")):
            one(f"rec{rec}_{part}", "recommendations", attribute, f"rec{rec}")

    body_name = _values(facts, "commissioning_body", "name") or [_text(force.get("commissioner_name"))]
    body_kind = _values(facts, "commissioning_body", "kind") or [_text(force.get("commissioner_body"))]
    values["body_name"], values["body_kind"] = body_name[0], body_kind[0]
    previous["body_name"], previous["body_kind"] = body_name[0], body_kind[0]

    rows: dict[str, list[dict[str, str]]] = {}
    for listing_key, name_attribute in (("programmes", "programme"), ("arrangements", "arrangement")):
        listing = LISTINGS[listing_key]
        mine = facts[facts["dimension"] == listing.dimension]
        items = [i for i in dict.fromkeys(mine["item"].dropna()) if i]
        out = []
        for item in items:
            row = {}
            for column in listing.columns:
                if column.attribute:
                    found = _values(mine, listing.dimension, column.attribute, item)
                    row[column.key] = SEVERAL.join(found)
            out.append(row)
        if not items:  # curated facts name programmes and arrangements without items: each takes the force's status
            force_status = _values(mine, listing.dimension, "status" if listing_key == "programmes" else "masip_status")
            status = ITEM_STATUS_OF[listing_key].get(force_status[0], "") if force_status else ""
            out = [
                {"name": name, "status": status}
                for name in _values(mine[mine["item"].isna()], listing.dimension, name_attribute)
            ]
        rows[listing_key] = out
    rows["funded_services"] = [
        {
            "stream_id": _text(s.stream_id),
            "service": _text(s.service),
            "provider": _text(getattr(s, "provider", "")),
            "provision": _text(getattr(s, "provision", "")),
            "funder": _text(s.funder),
            "funder_detail": _text(s.funder_wording) if s.funder == "other" else "",
            "amount": _text(getattr(s, "amount", ""))
            or (
                _text(getattr(s, "amount_disclosure", ""))
                if _text(getattr(s, "amount_disclosure", "")) != "shared"
                else ""
            ),
            "start_date": _text(s.start_date),
            "end_date": "ongoing" if _text(s.end_wording) == "ongoing" else _text(s.end_date),
            "status": _text(s.status),
            "note": "",
            "evidence": "",
        }
        for s in streams.itertuples()
    ]
    return Answers(pfa_code, values, rows), previous
