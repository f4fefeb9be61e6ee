"""Stage 3: turn validated text rows into typed tables ready to load.

Force names become ONS codes, empty valid_from dates become the source's date,
numbers and dates get their types, and every row is tied to the edition
(source document or return) it came from. Accepted returns add their rows
after the curated ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import pyarrow as pa

from etl import questions, schema
from etl.read import Table
from etl.validate import Reference, Return

# How a return appears among the sources: one document with one section.
RETURN_SECTION = "Return"
RETURN_LICENCE = "Submitted return"


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _dates(values: list[str]) -> list[dt.date | None]:
    """_date of each value, parsing each distinct value once."""
    parsed = {v: _date(v) for v in set(values)}
    return [parsed[v] for v in values]


def _text(values: list[str | None]) -> pd.api.extensions.ExtensionArray | list:
    """A text column as pandas' default string array, made through Arrow (much faster than
    pandas' own inference for large columns). All-empty columns stay plain lists, which
    pandas types as object, as it always did."""
    if values.count(None) == len(values):
        return values
    return pd.array(pa.array(values, type=pa.large_string()), dtype="str")


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def edition_of_source(source_id: str) -> str:
    return f"source:{source_id}"


def normalise(tables: dict[str, Table], ref: Reference, returns: Sequence[Return] = ()) -> dict[str, pd.DataFrame]:
    """Typed tables keyed by their database table name, accepted returns included."""
    out: dict[str, pd.DataFrame] = {}

    forces = tables[schema.FORCES.name].rows
    out[schema.FORCES.table] = _frame(forces, schema.FORCES.table_columns).sort_values("pfa_code", ignore_index=True)
    alias_rows = []
    for r in forces:
        for alias in [r["force_name"], r["short_name"]] + [a.strip() for a in r["aliases"].split(";") if a.strip()]:
            alias_rows.append({"alias": alias, "pfa_code": r["pfa_code"]})
    out["force_aliases"] = _frame(alias_rows, ["alias", "pfa_code"]).drop_duplicates(ignore_index=True)
    sources = [
        {**r, "published": _date(r["published"]), "url": r.get("url") or None} for r in tables[schema.SOURCES.name].rows
    ]
    sections = [{**r, "position": int(r["position"])} for r in tables[schema.SECTIONS.name].rows]
    # The reference tables hold their files' columns as they are (dates and numbers typed).
    for file, rows in (
        (schema.NEIGHBOURS, tables[schema.NEIGHBOURS.name].rows),
        (schema.SOURCES, sources),
        (schema.SECTIONS, sections),
        (schema.ALLOWED_VALUES, tables[schema.ALLOWED_VALUES.name].rows),
        (schema.DIMENSIONS, tables[schema.DIMENSIONS.name].rows),
        (schema.ATTRIBUTES, tables[schema.ATTRIBUTES.name].rows),
        (schema.GLOSSARY, tables[schema.GLOSSARY.name].rows),
    ):
        out[file.table] = _frame(rows, file.table_columns)

    published = {sid: _date(r["published"]) for sid, r in ref.sources.items()}

    # The curated tables are the large ones: they are built a column at a time.
    def evidence(table: Table) -> dict[str, object]:
        return {
            "quote": _text(table.column("quote")),
            "source_id": _text(table.column("source_id")),
            "section": _text(table.column("section")),
            "source_date": _dates(table.column("source_date")),
        }

    def valid_from(table: Table) -> list[dt.date]:
        return [d or published[s] for d, s in zip(_dates(table.column("valid_from")), table.column("source_id"))]

    def editions(table: Table) -> pd.api.extensions.ExtensionArray:
        ids = {s: edition_of_source(s) for s in set(table.column("source_id"))}
        return _text([ids[s] for s in table.column("source_id")])

    def forces_of(table: Table) -> pd.api.extensions.ExtensionArray:
        codes = {name: ref.forces.resolve(name) for name in set(table.column("force"))}
        return _text([codes[name] for name in table.column("force")])

    def text(table: Table, name: str, empty_is_none: bool = False) -> pd.api.extensions.ExtensionArray | list:
        values = table.column(name)
        return _text([v or None for v in values] if empty_is_none else values)

    def yes(table: Table, name: str) -> list[bool]:
        return [v == "yes" for v in table.column(name)]

    t = tables["curated/facts.csv"]
    value_types = [ref.attributes[key] for key in zip(t.column("dimension"), t.column("attribute"))]
    out["facts"] = pd.DataFrame(
        {
            "fact_id": text(t, "fact_id"),
            "pfa_code": forces_of(t),
            "force_as_named": text(t, "force"),
            "dimension": text(t, "dimension"),
            "attribute": text(t, "attribute"),
            "value": text(t, "value"),
            "value_number": [int(v) if vt == "integer" else None for v, vt in zip(t.column("value"), value_types)],
            "value_wording": text(t, "value_wording", empty_is_none=True),
            "valid_from": valid_from(t),
            "edition_id": editions(t),
            **evidence(t),
            "note": text(t, "note", empty_is_none=True),
        },
    )
    out["facts"]["value_number"] = out["facts"]["value_number"].astype("Int64")

    t = t_streams = tables["curated/funding_streams.csv"]
    out["funding_stream_history"] = pd.DataFrame(
        {
            "stream_id": text(t, "stream_id"),
            "pfa_code": forces_of(t),
            "force_as_named": text(t, "force"),
            "service": text(t, "service"),
            "provision": text(t, "provision"),
            "funder": text(t, "funder"),
            "funder_wording": text(t, "funder_wording", empty_is_none=True),
            "start_date": _dates(t.column("start_date")),
            "start_wording": text(t, "start_wording", empty_is_none=True),
            "start_derived": yes(t, "start_derived"),
            "end_date": _dates(t.column("end_date")),
            "end_wording": text(t, "end_wording", empty_is_none=True),
            "end_derived": yes(t, "end_derived"),
            "status": text(t, "status"),
            "valid_from": valid_from(t),
            "edition_id": editions(t),
            **evidence(t),
            "note": text(t, "note", empty_is_none=True),
        },
    )

    t = tables["curated/timeline.csv"]
    out["timeline"] = pd.DataFrame(
        {
            "event_id": text(t, "event_id"),
            "date": _dates(t.column("date")),
            "date_wording": text(t, "date_wording", empty_is_none=True),
            "date_derived": yes(t, "date_derived"),
            "date_precision": text(t, "date_precision"),
            "kind": text(t, "kind"),
            "event": text(t, "event"),
            "actor": text(t, "actor"),
            **evidence(t),
            "note": text(t, "note", empty_is_none=True),
        },
    )
    out[schema.CORRECTIONS.table] = _frame(
        [{**r, "date": _date(r["date"])} for r in tables[schema.CORRECTIONS.name].rows],
        schema.CORRECTIONS.table_columns,
    )

    used_sources = sorted(
        set(tables["curated/facts.csv"].column("source_id"))
        | set(tables["curated/funding_streams.csv"].column("source_id"))
    )
    out["editions"] = _frame(
        [
            {
                "edition_id": edition_of_source(sid),
                "kind": "source",
                "pfa_code": None,
                "as_at": published[sid],
                "submitted_by": ref.sources[sid]["publisher"],
                "submitted_at": None,
                "file_name": ref.sources[sid]["document"],
                "sha256": None,
                "note": ref.sources[sid]["title"],
            }
            for sid in used_sources
        ],
        ["edition_id", "kind", "pfa_code", "as_at", "submitted_by", "submitted_at", "file_name", "sha256", "note"],
    )
    if returns:
        short_names = {r["pfa_code"]: r["short_name"] for r in forces}
        provision = dict(zip(t_streams.column("stream_id"), t_streams.column("provision")))
        for name, rows in normalise_returns(returns, ref, short_names, provision).items():
            columns = list(dict.fromkeys([*out[name].columns, *(rows[0] if rows else {})]))
            curated = out[name].reindex(columns=columns).astype({c: object for c in columns if c not in out[name]})
            out[name] = pd.concat([curated, _frame(rows, columns)], ignore_index=True)
        out["facts"]["value_number"] = out["facts"]["value_number"].astype("Int64")
    out["editions"]["submitted_at"] = pd.to_datetime(out["editions"]["submitted_at"])
    return out


def _in_words(ret: Return, row: dict, words: str) -> str:
    """The evidence a row of a return cites: what the office answered, in its words, then the link or
    document it gave as evidence, if any (never only who sent the return and when)."""
    evidence = row.get("evidence") or ret.evidence
    return f"{words} (evidence: {evidence})" if evidence else words


def normalise_returns(
    returns: Sequence[Return], ref: Reference, short_names: dict[str, str], provision: dict[str, str] | None = None
) -> dict[str, list[dict]]:
    """Rows of the accepted returns (etl.validate.Return), typed like the curated ones.

    A return has no document to quote: every row cites the return's evidence note
    (or who submitted it and when), and the return is registered as a source with
    one section, so every join on sources and sections works for it as for a document.
    A funded service keeps the theme (`provision`) it was curated with; a new one from a
    return has none until the return format asks for it.
    """
    provision = dict(provision or {})
    facts, streams, editions, sources, sections = [], [], [], [], []
    for r in returns:
        quote = r.quote()
        names = {
            f.get("item"): f["value"]
            for f in r.facts
            if f.get("item") and f["attribute"] in ("programme", "arrangement")
        }
        common = {
            "pfa_code": r.pfa_code,
            "valid_from": r.as_at,
            "edition_id": r.edition_id,
            "quote": quote,
            "source_id": r.source_id,
            "section": RETURN_SECTION,
            "source_date": r.as_at,
            "note": None,
        }
        for f in r.facts:
            value_type = ref.attributes[(f["dimension"], f["attribute"])]
            facts.append(
                {
                    "fact_id": f"{r.source_id}-{f['line']}",
                    "force_as_named": f["force_as_named"],
                    "dimension": f["dimension"],
                    "attribute": f["attribute"],
                    "value": f["value"],
                    "value_number": int(f["value"]) if value_type == "integer" else None,
                    "value_wording": None,
                    "item": f.get("item") or None,
                    **common,
                    "quote": _in_words(
                        r,
                        f,
                        questions.answer_words(
                            f["dimension"], f["attribute"], f["value"], f.get("item"), names.get(f.get("item"), "")
                        ),
                    ),
                    "note": f.get("note") or None,
                }
            )
        for s in r.streams:
            streams.append(
                {
                    "stream_id": s["stream_id"],
                    "force_as_named": s["force_as_named"],
                    "service": s["service"],
                    "provision": s.get("provision") or provision.get(s["stream_id"]),
                    "provider": s.get("provider") or None,
                    "amount": int(s["amount"]) if (s.get("amount") or "").isdigit() else None,
                    "amount_disclosure": ("shared" if (s.get("amount") or "").isdigit() else (s.get("amount") or None)),
                    "funder": s["funder"],
                    "funder_wording": s.get("funder_detail") or None,
                    "start_date": _date(s["start_date"]),
                    "start_wording": None,
                    "start_derived": False,
                    "end_date": _date(s["end_date"]) if s["end_date"] != "ongoing" else None,
                    "end_wording": "ongoing" if s["end_date"] == "ongoing" else None,
                    "end_derived": False,
                    "status": s["status"],
                    **common,
                    "quote": _in_words(r, s, questions.service_words(s)),
                    "note": s.get("note") or None,
                }
            )
        editions.append(
            {
                "edition_id": r.edition_id,
                "kind": "return",
                "pfa_code": r.pfa_code,
                "as_at": r.as_at,
                "submitted_by": r.submitted_by,
                "submitted_at": r.submitted_at,
                "file_name": r.path.name,
                "sha256": r.sha256,
                "note": r.evidence,
                "signed_off_by": r.signed_off_by,
                "entered_by": r.entered_by,
                "round_id": r.round_id,
            }
        )
        sources.append(
            {
                "source_id": r.source_id,
                "title": f"Return for {short_names[r.pfa_code]} as at {r.as_at.isoformat()}",
                "short_title": f"Return from {short_names[r.pfa_code]}",
                "publisher": r.submitted_by,
                "published": r.as_at,
                "licence": RETURN_LICENCE,
                "document": r.path.name,
                "description": r.evidence,
                "url": None,
            }
        )
        sections.append({"source_id": r.source_id, "section": RETURN_SECTION, "heading": RETURN_SECTION, "position": 1})
    return {
        "facts": facts,
        "funding_stream_history": streams,
        "editions": editions,
        "sources": sources,
        "sections": sections,
    }
