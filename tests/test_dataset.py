"""The curated dataset itself: every quote is in its document and under its section,
every force is covered, the checkable figures hold, and silence stays silence.

The quote checks read the plain-text source documents in ../shared/seeds
(core.paths.SOURCE_DOCUMENTS_DIR); they are skipped only when that folder is absent,
and fail under CI (CI=true).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from functools import cache
from pathlib import Path

import duckdb
import pytest

from core import paths
from tests.browser import require

CURATED_FILES = ("facts.csv", "funding_streams.csv", "timeline.csv")
ID_COLUMN = {"facts.csv": "fact_id", "funding_streams.csv": "stream_id", "timeline.csv": "event_id"}

# Forces whose quotes say there is no ISAC provision (Gwent: "the introduction of
# ISACs would have likely be at the expense of funding other advocate services").
NONE_STATED_ISAC = {"W15000002"}

HERTFORDSHIRE, CHESHIRE, DYFED_POWYS = "E23000027", "E23000006", "W15000004"
SOUTH_YORKSHIRE, THAMES_VALLEY, KENT = "E23000011", "E23000029", "E23000032"
WEST_MIDLANDS, CAMBRIDGESHIRE = "E23000014", "E23000023"


# ---------------------------------------------------------------- helpers


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def collapse(text: str) -> str:
    """Runs of whitespace become one space; nothing else is normalised."""
    return re.sub(r"\s+", " ", text).strip()


def heading_text(line: str) -> str:
    """A line as a heading: markup (<u>, '#', '*', bullets) and surrounding whitespace removed."""
    return re.sub(r"</?u>", "", line).strip().strip("#*•").strip().strip("#*•").strip()


@cache
def sources() -> dict[str, dict[str, str]]:
    return {r["source_id"]: r for r in read_csv(paths.SOURCES_CSV)}


@cache
def document(source_id: str) -> tuple[str, tuple[tuple[int, str], ...]]:
    """The document with whitespace collapsed, and (offset in it, heading text) of every non-empty line."""
    text = (paths.SOURCE_DOCUMENTS_DIR / sources()[source_id]["document"]).read_text(encoding="utf-8")
    parts, lines, offset = [], [], 0
    for raw in text.splitlines():
        piece = collapse(raw)
        if not piece:
            continue
        lines.append((offset, heading_text(raw)))
        parts.append(piece)
        offset += len(piece) + 1
    collapsed = " ".join(parts)
    assert collapsed == collapse(text)
    return collapsed, tuple(lines)


@cache
def section_ranges(source_id: str) -> dict[str, tuple[int, int]]:
    """Section -> (start, end) offsets in the collapsed document.

    Each heading is found as a whole line. Headings also occur in a table of
    contents, so each takes its LAST occurrence that still keeps the headings in
    increasing order (assigned from the last section backwards). An empty heading
    is the text before the first heading.
    """
    collapsed, lines = document(source_id)
    rows = sorted(
        (r for r in read_csv(paths.SECTIONS_CSV) if r["source_id"] == source_id), key=lambda r: int(r["position"])
    )
    starts: dict[str, int] = {}
    limit = len(collapsed) + 1
    for row in reversed(rows):
        if not row["heading"]:
            starts[row["section"]] = 0
            limit = 0
            continue
        found = [off for off, line in lines if line == row["heading"].strip() and off < limit]
        assert found, f"heading {row['heading']!r} of {source_id} not found as a whole line before offset {limit}"
        starts[row["section"]] = limit = max(found)
    ordered = [r["section"] for r in rows]
    ranges = {}
    for i, section in enumerate(ordered):
        end = starts[ordered[i + 1]] if i + 1 < len(ordered) else len(collapsed)
        ranges[section] = (starts[section], end)
    return ranges


def curated_rows():
    for name in CURATED_FILES:
        for line, row in enumerate(read_csv(paths.CURATED_DIR / name), start=2):
            yield pytest.param(row, id=f"{name}:{line}:{row[ID_COLUMN[name]]}")


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture
def seeds() -> Path:
    """The source documents the quotes are checked against: skipped without them, except under CI
    (CI=true), where a missing folder fails every quote check, as a missing browser does."""
    require(paths.SOURCE_DOCUMENTS_DIR.is_dir(), f"source documents not available at {paths.SOURCE_DOCUMENTS_DIR}")
    return paths.SOURCE_DOCUMENTS_DIR


# ---------------------------------------------------------------- quotes


@pytest.mark.parametrize("row", list(curated_rows()))
def test_quote_is_verbatim_in_its_document(seeds, row):
    collapsed, _ = document(row["source_id"])
    assert collapse(row["quote"]) in collapsed, f"quote not found verbatim in {row['source_id']}: {row['quote']!r}"


@pytest.mark.parametrize("row", list(curated_rows()))
def test_quote_sits_within_its_section(seeds, row):
    collapsed, _ = document(row["source_id"])
    quote = collapse(row["quote"])
    start, end = section_ranges(row["source_id"])[row["section"]]
    positions = [m.start() for m in re.finditer(re.escape(quote), collapsed)]
    assert positions, f"quote not found in {row['source_id']}"
    assert any((start < p or start == 0) and p + len(quote) <= end for p in positions), (
        f"quote at {positions} is not within section {row['section']!r} ({start}-{end})"
    )


def test_every_section_heading_is_found(seeds):
    for source_id in sources():
        assert section_ranges(source_id)


def test_source_dates_match_documents():
    for name in CURATED_FILES:
        for row in read_csv(paths.CURATED_DIR / name):
            assert row["source_date"] == sources()[row["source_id"]]["published"], row


# ---------------------------------------------------------------- forces and values


def test_every_force_resolves_and_all_43_are_covered(built_db):
    unknown = query(
        built_db,
        """
        SELECT pfa_code FROM facts WHERE pfa_code NOT IN (SELECT pfa_code FROM forces)
        UNION ALL SELECT pfa_code FROM funding_stream_history WHERE pfa_code NOT IN (SELECT pfa_code FROM forces)""",
    )
    assert not unknown
    assert query(built_db, "SELECT count(DISTINCT pfa_code) FROM force_coverage")[0][0] == 43
    assert query(built_db, "SELECT count(*) FROM coverage_at(DATE '2024-12-19')")[0][0] == 43
    without = query(
        built_db, "SELECT pfa_code FROM forces WHERE pfa_code NOT IN (SELECT pfa_code FROM facts) ORDER BY 1"
    )
    assert not without, f"forces with no fact: {without}"


def test_no_value_outside_the_dictionary(built_db):
    bad_facts = query(
        built_db,
        """
        SELECT f.fact_id, f.value FROM facts f JOIN attributes a USING (dimension, attribute)
        WHERE a.value_type LIKE 'enum:%'
          AND f.value NOT IN (SELECT value FROM allowed_values WHERE field = substr(a.value_type, 6))""",
    )
    assert not bad_facts
    bad_types = query(
        built_db,
        """
        SELECT fact_id FROM facts f LEFT JOIN attributes a USING (dimension, attribute) WHERE a.attribute IS NULL
        UNION ALL SELECT fact_id FROM facts f JOIN attributes a USING (dimension, attribute)
        WHERE a.value_type = 'integer' AND f.value_number IS NULL""",
    )
    assert not bad_types
    checks = {
        "funding_stream_history": [("funder", "funder"), ("status", "funding_status")],
        "timeline": [("kind", "event_kind"), ("date_precision", "date_precision")],
        "force_coverage": [
            ("isac_status", "isac_status"),
            ("perpetrator_programme_status", "programme_status"),
            ("masip_status", "masip_status"),
        ],
    }
    # The statuses worked out at a date (core.rules) are defined in the dictionary too.
    from core import queries

    db = queries.Database(built_db)
    for as_at in (queries.source_date(db), dt.date(2025, 6, 1), dt.date(2026, 12, 1)):
        cov = queries.coverage(as_at, db=db)
        for column, field in checks["force_coverage"] + [("funding_risk", "funding_risk")]:
            allowed = set(queries.allowed_values(field, db=db)["value"])
            assert set(cov[column]) <= allowed, (as_at, column, set(cov[column]) - allowed)
    for table, columns in checks.items():
        for column, field in columns:
            bad = query(
                built_db,
                f"SELECT DISTINCT {column} FROM {table} "  # names are constants above
                f"WHERE {column} NOT IN (SELECT value FROM allowed_values WHERE field = ?)",
                [field],
            )
            assert not bad, (table, column, bad)


def test_one_status_per_force_and_date(built_db):
    for dimension, attribute in (
        ("isac_provision", "status"),
        ("perpetrator_programme", "status"),
        ("multi_agency", "masip_status"),
        ("isac_provision", "isac_count"),
    ):
        dupes = query(
            built_db,
            """SELECT pfa_code, valid_from, count(*) FROM facts
            WHERE dimension = ? AND attribute = ? GROUP BY ALL HAVING count(*) > 1""",
            [dimension, attribute],
        )
        assert not dupes, (dimension, attribute, dupes)
    for dimension in ("isac_provision", "perpetrator_programme"):
        missing = query(
            built_db,
            """SELECT DISTINCT pfa_code FROM facts WHERE dimension = ?
            EXCEPT SELECT pfa_code FROM facts WHERE dimension = ? AND attribute = 'status'""",
            [dimension, dimension],
        )
        assert not missing, f"{dimension} facts without a status row: {missing}"


# ---------------------------------------------------------------- checkable figures


def coverage(db: Path, code: str, date: str = "2024-12-19") -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute(f"SELECT * FROM coverage_at(DATE '{date}') WHERE pfa_code = ?", [code])  # date is a constant
        return dict(zip([d[0] for d in cur.description], cur.fetchone()))


def streams(db: Path, code: str) -> list[dict]:
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute("SELECT * FROM funding_stream_history WHERE pfa_code = ?", [code])
        return [dict(zip([d[0] for d in cur.description], r)) for r in cur.fetchall()]


def test_hertfordshire(built_db):
    assert coverage(built_db, HERTFORDSHIRE)["isac_count"] == 3
    assert any(
        s["funder"] == "MoJ victims grant" and str(s["end_date"]) == "2025-03-31"
        for s in streams(built_db, HERTFORDSHIRE)
    )


def test_cheshire(built_db):
    assert coverage(built_db, CHESHIRE)["isac_count"] == 2


def test_dyfed_powys(built_db):
    assert coverage(built_db, DYFED_POWYS)["isac_count"] == 1
    assert any(
        str(s["start_date"]) == "2024-09-01" and str(s["end_date"]) == "2025-08-31" and s["end_derived"]
        for s in streams(built_db, DYFED_POWYS)
    )


def test_south_yorkshire_perpetrator_programme(built_db):
    assert any(
        str(s["end_date"]) == "2025-01-31" and "perpetrator" in s["service"].lower()
        for s in streams(built_db, SOUTH_YORKSHIRE)
    )


@pytest.mark.parametrize("code", [THAMES_VALLEY, KENT, WEST_MIDLANDS, CAMBRIDGESHIRE])
def test_stream_ending_in_march_2025(built_db, code):
    assert any(s["end_date"] is not None and str(s["end_date"]).startswith("2025-03") for s in streams(built_db, code))


def test_cambridgeshire_post_moves_into_the_idva_service(built_db):
    assert coverage(built_db, CAMBRIDGESHIRE, "2024-12-19")["isac_status"] == "dedicated service"
    assert coverage(built_db, CAMBRIDGESHIRE, "2025-04-01")["isac_status"] == "stalking support within wider services"


# ---------------------------------------------------------------- silence stays silence


def test_silence_is_not_reported(built_db):
    rows = query(
        built_db,
        """SELECT c.pfa_code, c.isac_status FROM coverage_at(DATE '2024-12-19') c
        WHERE c.pfa_code NOT IN (SELECT pfa_code FROM facts WHERE dimension = 'isac_provision')""",
    )
    assert rows, "expected some forces the sources do not quote on ISAC provision"
    assert all(status == "not reported" for _, status in rows), rows


def test_none_stated_only_where_the_quote_says_so(built_db):
    none_isac = {
        r[0]
        for r in query(
            built_db,
            "SELECT pfa_code FROM facts WHERE attribute = 'status' AND dimension = 'isac_provision' AND value = 'none stated'",
        )
    }
    assert none_isac == NONE_STATED_ISAC
    others = query(
        built_db,
        """SELECT fact_id FROM facts WHERE value = 'none stated'
        AND NOT (dimension = 'isac_provision' AND attribute = 'status')""",
    )
    assert not others, others
    notes = query(built_db, "SELECT fact_id FROM facts WHERE value = 'none stated' AND coalesce(note, '') = ''")
    assert not notes, "a 'none stated' fact must explain itself in its note"


def test_no_not_reported_rows_are_stored(built_db):
    assert not query(built_db, "SELECT fact_id FROM facts WHERE value = 'not reported' OR value ILIKE '%not reported%'")


# ---------------------------------------------------------------- the glossary


def _words(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _given_beside(expansion: str, term: str, documents: str) -> bool:
    """True when a document writes `expansion` beside `term` (within three words, either way round,
    plurals allowed): 'Independent Stalking Advocates (ISAs)', 'MASIP [Multi-agency Stalking
    Intervention Programme]', '[The Harm Reduction Unit] The HRU'. Case and punctuation aside."""
    e, t = re.escape(_words(expansion)), re.escape(_words(term))
    gap = r"(?: [a-z0-9]+){0,3}"
    return re.search(rf"\b{e}s?{gap} {t}s?\b|\b{t}s?{gap} {e}s?\b", documents) is not None


def test_the_glossary_expands_an_abbreviation_only_as_the_sources_do(seeds):
    """Every expansion in data/glossary.csv is one a source document gives beside the abbreviation
    (a guess such as 'Independent stalking and harassment advocate' for Northumbria's ISHA, or
    'Stalking Threat Assessment Centre' where the APCC wrote 'Theatre', fails); where the glossary
    says the sources do not expand an abbreviation, they use it and never expand it in brackets."""
    raw = " ".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(seeds.glob("*.txt")))
    documents = _words(raw)
    rows = read_csv(paths.DATA_DIR / "glossary.csv")
    unsourced = [r["term"] for r in rows if r["expansion"] and not _given_beside(r["expansion"], r["term"], documents)]
    assert not unsourced, f"expanded although no source expands them so: {unsourced}"
    quoted = [
        (r["term"], m.group(1))
        for r in rows
        for m in [re.search(r"expands it as '([^']+)'", r["meaning"])]
        if m and not _given_beside(m.group(1), r["term"], documents)
    ]
    assert not quoted, f"the source's expansion is not the one quoted: {quoted}"
    for r in rows:
        if re.search(r"do(es)? not expand the abbreviation|abbreviation without expanding it", r["meaning"]):
            term = re.escape(r["term"])
            assert re.search(rf"\b{term}\b", raw), f"{r['term']}: the sources do not use it at all"
            assert not re.search(rf"[(\[]{term}s?[)\]]|\b{term} [(\[]", raw), f"{r['term']}: a source expands it"
            assert not r["expansion"], r["term"]
    terms = {r["term"] for r in rows}
    assert {"ISA", "ISAC", "MASIP", "DA", "MAPPA", "IDVA", "ISVA"} <= terms, "the terms every page uses"
