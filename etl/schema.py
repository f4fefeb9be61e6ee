"""The explicit schema of every input file: its columns, their types and rules.

Each column has a kind:
  text       free text (max_length applies)
  paragraph  free text of up to 1,000 characters (a fact value: an example an office gives in its own words)
  integer    a whole number >= 0
  date       an ISO calendar date, YYYY-MM-DD
  yesno      "yes" or "no"
  enum:F     one of the values defined for field F in data/allowed_values.csv
  force      a force name, alias or ONS code from data/forces.csv
  code       an ONS police force area code (E23000001..E23000039, W15000001..W15000004)
  source     a source_id from data/sources.csv
  id         a key: lower-case letters, digits and hyphens
  dimension  a dimension from data/dimensions.csv
  attribute  an attribute from data/attributes.csv (valid for the row's dimension)
  choice:A|B one of the listed words (for values that belong to a file format, not the data)
  decimal    a number >= 0 with at most two decimal places (FTE posts)
  amount     a whole number of pounds >= 0, or "prefer not to say" or "not known"
  date_or_ongoing  a date, or "ongoing" (funding with no end)

The same schema validates the curated data and the returns that update it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = True
    max_length: int | None = None
    meaning: str = ""
    in_header: bool = True  # False: a file may leave the column out (returns made before it existed)
    in_table: bool = True  # False: not a column of the file's table (forces' aliases become force_aliases)


@dataclass(frozen=True)
class FileSchema:
    name: str  # path relative to the data directory
    columns: tuple[Column, ...]
    # Columns whose values are unique together; empty when the caller checks duplicates
    # itself (a return's key depends on the kind of row).
    key: tuple[str, ...]
    meaning: str = ""
    may_be_empty: bool = False  # a header with no rows is valid
    # The database table its rows become (etl/sql/tables.sql), its columns in the same order; a
    # `force` column becomes pfa_code and force_as_named. Empty for a return (its rows join the
    # curated tables). tests/test_columns_agree.py checks the file, the DDL and normalise agree.
    table: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def table_columns(self) -> list[str]:
        """The file's columns as its table has them: a force named in the file becomes its ONS
        code and the name as written."""
        names = [c.name for c in self.columns if c.in_table]
        return [n for name in names for n in (("pfa_code", "force_as_named") if name == "force" else (name,))]


PFA_CODE = re.compile(r"^(E230000(0[1-9]|[1-3][0-9])|W1500000[1-4])$")
ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
QUOTE_MAX = 400
VALUE_MAX = 300  # a fact's value, of any type but a paragraph
PARAGRAPH_MAX = 1000  # an example an office gives in its own words (value type "paragraph")


def is_pfa_code(value: str) -> bool:
    return bool(PFA_CODE.fullmatch(value))


EVIDENCE_COLUMNS = (
    Column("quote", "text", max_length=QUOTE_MAX, meaning="Verbatim quote from the source, at most 400 characters."),
    Column("source_id", "source", meaning="The document quoted (data/sources.csv)."),
    Column("section", "text", max_length=200, meaning="The heading the quote sits under (data/sections.csv)."),
    Column("source_date", "date", meaning="The document's date; must equal its published date in data/sources.csv."),
)

FORCES = FileSchema(
    "forces.csv",
    (
        Column("pfa_code", "code", meaning="ONS code of the police force area."),
        Column("force_name", "text", max_length=80, meaning="Official ONS name."),
        Column("short_name", "text", max_length=40, meaning="Name for display."),
        Column("label", "text", max_length=4, meaning="Abbreviation shown on the tile map."),
        Column("region", "enum:region", meaning="ONS region, or Wales."),
        Column("commissioner_body", "enum:commissioner_body", meaning="Kind of body that commissions services."),
        Column("commissioner_name", "text", max_length=120, meaning="The commissioning body by name."),
        Column(
            "aliases",
            "text",
            required=False,
            max_length=400,
            meaning="Other names the sources use, separated by ';'.",
            in_table=False,  # each becomes a row of force_aliases
        ),
    ),
    key=("pfa_code",),
    meaning="The 43 police force areas of England and Wales.",
    table="forces",
)

SOURCES = FileSchema(
    "sources.csv",
    (
        Column("source_id", "id", meaning="Short key of the document."),
        Column("title", "text", max_length=300),
        Column("short_title", "text", max_length=80, meaning="Short form of the title for citations beside quotes."),
        Column("publisher", "text", max_length=120),
        Column("published", "date", meaning="Date on the document."),
        Column("licence", "text", max_length=120),
        Column(
            "document",
            "text",
            max_length=120,
            meaning="File name of the plain-text copy the quotes are checked against.",
        ),
        Column("description", "text", required=False, max_length=400),
        Column(
            "url",
            "url",
            required=False,
            max_length=400,
            meaning="The document's web address (https://…), where it has one; printed with every citation of it.",
        ),
    ),
    key=("source_id",),
    meaning="The documents every fact is quoted from (the origin of the data).",
    table="sources",
)

SECTIONS = FileSchema(
    "sections.csv",
    (
        Column("source_id", "source"),
        Column("section", "text", max_length=200, meaning="Section as cited, 'Heading > Subheading'."),
        Column(
            "heading",
            "text",
            required=False,
            max_length=200,
            meaning="The heading line as it appears in the document; empty for text before the first heading.",
        ),
        Column("position", "integer", meaning="Order of the section in the document."),
    ),
    key=("source_id", "section"),
    meaning="The outline of each document, so every quote's section can be checked.",
    table="sections",
)

ALLOWED_VALUES = FileSchema(
    "allowed_values.csv",
    (
        Column("field", "id"),
        Column("value", "text", max_length=80),
        Column("meaning", "text", max_length=400),
    ),
    key=("field", "value"),
    meaning="Every value an enumerated column may take.",
    table="allowed_values",
)

DIMENSIONS = FileSchema(
    "dimensions.csv",
    (
        Column("dimension", "id"),
        Column("label", "text", max_length=60),
        Column(
            "recommendation",
            "text",
            required=False,
            max_length=10,
            meaning="Super-complaint recommendation the evidence bears on (15, 16 or 25).",
        ),
        Column("meaning", "text", max_length=400),
    ),
    key=("dimension",),
    meaning="The themes facts are grouped under.",
    table="dimensions",
)

ATTRIBUTES = FileSchema(
    "attributes.csv",
    (
        Column("dimension", "dimension"),
        Column("attribute", "id"),
        Column("value_type", "text", max_length=40, meaning="text, paragraph, integer, decimal, date, or enum:FIELD."),
        Column(
            "cardinality",
            "enum:cardinality",
            meaning="one: a force has at most one value per date (a status, a count); many: several are allowed.",
        ),
        Column("meaning", "text", max_length=400),
    ),
    key=("dimension", "attribute"),
    meaning="What each fact attribute records and the type of its value.",
    table="attributes",
)

NEIGHBOURS = FileSchema(
    "force_neighbours.csv",
    (
        Column("pfa_code", "code"),
        Column("neighbour_code", "code"),
    ),
    key=("pfa_code", "neighbour_code"),
    meaning="Force areas that share a land border.",
    table="force_neighbours",
)

GLOSSARY = FileSchema(
    "glossary.csv",
    (
        Column("term", "text", max_length=40),
        Column("expansion", "text", required=False, max_length=120),
        Column("meaning", "text", required=False, max_length=400),
    ),
    key=("term",),
    meaning="Terms and abbreviations used in the sources and on the dashboard.",
    table="glossary",
)

CORRECTIONS = FileSchema(
    "corrections.csv",
    (
        Column("date", "date"),
        Column("record_id", "text", max_length=80, meaning="fact_id, stream_id or event_id corrected."),
        Column("change", "text", max_length=400),
        Column("reason", "text", max_length=400),
    ),
    key=("date", "record_id", "change"),
    meaning="Corrections made to the curated data after first publication.",
    may_be_empty=True,
    table="corrections",
)

FACTS = FileSchema(
    "curated/facts.csv",
    (
        Column("fact_id", "id", meaning="Stable key of the fact."),
        Column("force", "force", meaning="Force the fact is about (name, alias or ONS code)."),
        Column("dimension", "dimension"),
        Column("attribute", "attribute"),
        Column("value", "text", max_length=300, meaning="The value, typed by the attribute (data/attributes.csv)."),
        Column(
            "value_wording",
            "text",
            required=False,
            max_length=300,
            meaning="The source's own words when the value was normalised or derived.",
        ),
        Column(
            "valid_from", "date", required=False, meaning="Date the fact applies from; empty means the source's date."
        ),
        *EVIDENCE_COLUMNS,
        Column("note", "text", required=False, max_length=400, meaning="Curator's note: why the value was chosen."),
    ),
    key=("fact_id",),
    meaning="One fact about one force per row, with its evidence.",
    table="facts",
)

FUNDING_STREAMS = FileSchema(
    "curated/funding_streams.csv",
    (
        Column("stream_id", "id"),
        Column("force", "force"),
        Column("service", "text", max_length=160, meaning="The funded service or post."),
        Column(
            "provision",
            "dimension",
            meaning="The theme the service provides (isac_provision, perpetrator_programme, multi_agency, awareness_training, …): "
            "when every funded service of a theme has ended, the theme is no longer counted as running.",
        ),
        Column("funder", "enum:funder"),
        Column("funder_wording", "text", required=False, max_length=200),
        Column("start_date", "date", required=False),
        Column("start_wording", "text", required=False, max_length=200),
        Column("start_derived", "yesno", meaning="yes when start_date was worked out from wording, not stated."),
        Column("end_date", "date", required=False),
        Column("end_wording", "text", required=False, max_length=200),
        Column("end_derived", "yesno", meaning="yes when end_date was worked out from wording, not stated."),
        Column("status", "enum:funding_status"),
        Column("valid_from", "date", required=False),
        *EVIDENCE_COLUMNS,
        Column("note", "text", required=False, max_length=400),
    ),
    key=("stream_id",),
    meaning="One funded service per row: funder, dates and status, with evidence.",
    table="funding_stream_history",
)

TIMELINE = FileSchema(
    "curated/timeline.csv",
    (
        Column("event_id", "id"),
        Column("date", "date"),
        Column("date_wording", "text", required=False, max_length=200),
        Column("date_derived", "yesno"),
        Column(
            "date_precision",
            "enum:date_precision",
            meaning="How exactly the source dates the event: day, month, year, or 'by date' (on or before it).",
        ),
        Column("kind", "enum:event_kind"),
        Column("event", "text", max_length=300),
        Column("actor", "text", max_length=160),
        *EVIDENCE_COLUMNS,
        Column("note", "text", required=False, max_length=400),
    ),
    key=("event_id",),
    meaning="National events, deadlines and commitments.",
    table="timeline",
)

# A return: an updated position for one force, submitted by a commissioner's office
# (python -m etl import-return). One row per fact or funded service; every row repeats
# the force, the as-at date and who submitted it. Fact rows use the facts vocabulary,
# funding rows the funding_streams one, so a return is checked by the same rules.
RETURN = FileSchema(
    "returns/<return>.csv or .xlsx",
    (
        Column(
            "force", "force", meaning="The force the return is for (name, alias or ONS code); the same on every row."
        ),
        Column("as_at", "date", meaning="The date the position is as at; the same on every row, not in the future."),
        Column(
            "submitted_by",
            "text",
            max_length=120,
            meaning="Who submitted the return (person and office); the same on every row.",
        ),
        Column(
            "signed_off_by",
            "text",
            required=False,
            max_length=120,
            in_header=False,
            meaning="Who signed the return off in the office; the same on every row.",
        ),
        Column(
            "evidence",
            "text",
            required=False,
            max_length=QUOTE_MAX,
            meaning="Optional link or document reference backing the row's statement; the row cites it as its evidence.",
        ),
        Column("record", "choice:fact|funding", meaning="fact: a fact about a dimension; funding: one funded service."),
        Column("dimension", "dimension", required=False, meaning="Fact rows: the dimension (data/dimensions.csv)."),
        Column(
            "item",
            "id",
            required=False,
            max_length=40,
            in_header=False,
            meaning="Fact rows: a key shared by the rows that describe one programme, arrangement or recommendation.",
        ),
        Column(
            "attribute",
            "attribute",
            required=False,
            meaning="Fact rows: the attribute, valid for the dimension (data/attributes.csv).",
        ),
        Column(
            "value",
            "text",
            required=False,
            max_length=PARAGRAPH_MAX,
            meaning=f"Fact rows: the value, typed by the attribute; at most {VALUE_MAX} characters, or "
            f"{PARAGRAPH_MAX:,} for a paragraph (an example); a fact row with no value is skipped.",
        ),
        Column(
            "stream_id",
            "id",
            required=False,
            max_length=80,
            meaning="Funding rows: the funded service's key; reuse an existing one to update it, a new one for a new service.",
        ),
        Column("service", "text", required=False, max_length=160, meaning="Funding rows: the funded service or post."),
        Column(
            "provider",
            "text",
            required=False,
            max_length=160,
            in_header=False,
            meaning="Funding rows: the organisation that delivers the service (360Giving: Recipient Org:Name).",
        ),
        Column(
            "provision",
            "dimension",
            required=False,
            in_header=False,
            meaning="Funding rows: the theme the service provides (isac_provision, perpetrator_programme, multi_agency, …).",
        ),
        Column(
            "funder", "enum:funder", required=False, meaning="Funding rows: who funds it (360Giving: Funding Org:Name)."
        ),
        Column(
            "funder_detail",
            "text",
            required=False,
            max_length=200,
            in_header=False,
            meaning="Funding rows: the funder's name when funder is 'other'.",
        ),
        Column(
            "amount",
            "amount",
            required=False,
            in_header=False,
            meaning="Funding rows: the annual amount in pounds, if the office will share it (360Giving: Amount Awarded); "
            "or 'prefer not to say' or 'not known'.",
        ),
        Column(
            "start_date",
            "date",
            required=False,
            meaning="Funding rows: when the funding started, where known (360Giving: Planned Dates:Start Date).",
        ),
        Column(
            "end_date",
            "date_or_ongoing",
            required=False,
            meaning="Funding rows: when it ends, where known, or 'ongoing'; not before start_date "
            "(360Giving: Planned Dates:End Date).",
        ),
        Column(
            "note",
            "text",
            required=False,
            max_length=QUOTE_MAX,
            in_header=False,
            meaning="Any row: a note on the statement, shown with it.",
        ),
        Column("status", "enum:funding_status", required=False, meaning="Funding rows: the funding's status."),
    ),
    key=(),
    meaning="An updated position for one force, submitted by a commissioner's office.",
)

# The parts of a return row, by kind of row.
RETURN_COLUMNS = tuple(c.name for c in RETURN.columns)
FACT_COLUMNS = ("dimension", "attribute", "value")  # required on fact rows
FACT_ONLY = (*FACT_COLUMNS, "item")  # only on fact rows
FUNDING_COLUMNS = ("stream_id", "service", "funder", "start_date", "end_date", "status")
FUNDING_ONLY = (*FUNDING_COLUMNS, "provider", "provision", "funder_detail", "amount")  # only on funding rows
FUNDING_REQUIRED = ("stream_id", "service", "funder", "status")
# A row with none of these filled in is a template row left blank: it is skipped.
CONTENT_COLUMNS = ("value",) + FUNDING_COLUMNS
STREAM_FIELDS = ("service", "funder", "start_date", "end_date", "status")


def requirement(column: str) -> str:
    """When a return's column must be filled in, in words (for the dictionary and the guidance sheet)."""
    if column in ("force", "as_at", "submitted_by", "record"):
        return "yes"
    if column == "funder_detail":
        return "when funder is 'other'"
    if column in FACT_COLUMNS:
        return "on fact rows"
    if column in FUNDING_REQUIRED:
        return "on funding rows"
    return "no"


REFERENCE_FILES = (ALLOWED_VALUES, DIMENSIONS, ATTRIBUTES, SOURCES, SECTIONS, FORCES, NEIGHBOURS, GLOSSARY)
CURATED_FILES = (FACTS, FUNDING_STREAMS, TIMELINE, CORRECTIONS)
ALL_FILES = REFERENCE_FILES + CURATED_FILES
