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

from etl.read import Table
from etl.returns import LICENCE, SECTION, Return
from etl.validate import Reference


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def edition_of_source(source_id: str) -> str:
    return f"source:{source_id}"


def normalise(tables: dict[str, Table], ref: Reference, returns: Sequence[Return] = ()) -> dict[str, pd.DataFrame]:
    """Typed tables keyed by their database table name, accepted returns included."""
    out: dict[str, pd.DataFrame] = {}

    forces = tables["forces.csv"].rows
    out["forces"] = _frame(
        [{k: r[k] for k in ("pfa_code", "force_name", "short_name", "label", "region", "commissioner_body", "commissioner_name")} for r in forces],
        ["pfa_code", "force_name", "short_name", "label", "region", "commissioner_body", "commissioner_name"],
    ).sort_values("pfa_code", ignore_index=True)
    alias_rows = []
    for r in forces:
        for alias in [r["force_name"], r["short_name"]] + [a.strip() for a in r["aliases"].split(";") if a.strip()]:
            alias_rows.append({"alias": alias, "pfa_code": r["pfa_code"]})
    out["force_aliases"] = _frame(alias_rows, ["alias", "pfa_code"]).drop_duplicates(ignore_index=True)
    out["force_neighbours"] = _frame(tables["force_neighbours.csv"].rows, ["pfa_code", "neighbour_code"])

    sources = tables["sources.csv"].rows
    out["sources"] = _frame(
        [{**r, "published": _date(r["published"])} for r in sources],
        ["source_id", "title", "short_title", "publisher", "published", "licence", "document", "description"],
    )
    out["sections"] = _frame(
        [{**r, "position": int(r["position"])} for r in tables["sections.csv"].rows],
        ["source_id", "section", "heading", "position"],
    )
    out["allowed_values"] = _frame(tables["allowed_values.csv"].rows, ["field", "value", "meaning"])
    out["dimensions"] = _frame(tables["dimensions.csv"].rows, ["dimension", "label", "recommendation", "meaning"])
    out["attributes"] = _frame(tables["attributes.csv"].rows, ["dimension", "attribute", "value_type", "cardinality", "meaning"])
    out["glossary"] = _frame(tables["glossary.csv"].rows, ["term", "expansion", "meaning"])

    published = {sid: _date(r["published"]) for sid, r in ref.sources.items()}

    def evidence(r: dict[str, str]) -> dict:
        return {
            "quote": r["quote"],
            "source_id": r["source_id"],
            "section": r["section"],
            "source_date": _date(r["source_date"]),
        }

    fact_rows = []
    for r in tables["curated/facts.csv"].rows:
        value_type = ref.attributes[(r["dimension"], r["attribute"])]
        fact_rows.append(
            {
                "fact_id": r["fact_id"],
                "pfa_code": ref.forces.resolve(r["force"]),
                "force_as_named": r["force"],
                "dimension": r["dimension"],
                "attribute": r["attribute"],
                "value": r["value"],
                "value_number": int(r["value"]) if value_type == "integer" else None,
                "value_wording": r["value_wording"] or None,
                "valid_from": _date(r["valid_from"]) or published[r["source_id"]],
                "edition_id": edition_of_source(r["source_id"]),
                **evidence(r),
                "note": r["note"] or None,
            }
        )
    out["facts"] = _frame(
        fact_rows,
        ["fact_id", "pfa_code", "force_as_named", "dimension", "attribute", "value", "value_number", "value_wording",
         "valid_from", "edition_id", "quote", "source_id", "section", "source_date", "note"],
    )
    out["facts"]["value_number"] = out["facts"]["value_number"].astype("Int64")

    stream_rows = []
    for r in tables["curated/funding_streams.csv"].rows:
        stream_rows.append(
            {
                "stream_id": r["stream_id"],
                "pfa_code": ref.forces.resolve(r["force"]),
                "force_as_named": r["force"],
                "service": r["service"],
                "funder": r["funder"],
                "funder_wording": r["funder_wording"] or None,
                "start_date": _date(r["start_date"]),
                "start_wording": r["start_wording"] or None,
                "start_derived": r["start_derived"] == "yes",
                "end_date": _date(r["end_date"]),
                "end_wording": r["end_wording"] or None,
                "end_derived": r["end_derived"] == "yes",
                "status": r["status"],
                "valid_from": _date(r["valid_from"]) or published[r["source_id"]],
                "edition_id": edition_of_source(r["source_id"]),
                **evidence(r),
                "note": r["note"] or None,
            }
        )
    out["funding_stream_history"] = _frame(
        stream_rows,
        ["stream_id", "pfa_code", "force_as_named", "service", "funder", "funder_wording", "start_date", "start_wording",
         "start_derived", "end_date", "end_wording", "end_derived", "status", "valid_from", "edition_id",
         "quote", "source_id", "section", "source_date", "note"],
    )

    out["timeline"] = _frame(
        [
            {
                "event_id": r["event_id"],
                "date": _date(r["date"]),
                "date_wording": r["date_wording"] or None,
                "date_derived": r["date_derived"] == "yes",
                "kind": r["kind"],
                "event": r["event"],
                "actor": r["actor"],
                **evidence(r),
                "note": r["note"] or None,
            }
            for r in tables["curated/timeline.csv"].rows
        ],
        ["event_id", "date", "date_wording", "date_derived", "kind", "event", "actor", "quote", "source_id", "section", "source_date", "note"],
    )
    out["corrections"] = _frame(
        [{**r, "date": _date(r["date"])} for r in tables["corrections.csv"].rows],
        ["date", "record_id", "change", "reason"],
    )

    used_sources = sorted(set(out["facts"]["source_id"]) | set(out["funding_stream_history"]["source_id"]))
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
        for name, rows in normalise_returns(returns, ref, short_names).items():
            frame = _frame(rows, list(out[name].columns))
            out[name] = pd.concat([out[name], frame], ignore_index=True)
        out["facts"]["value_number"] = out["facts"]["value_number"].astype("Int64")
    out["editions"]["submitted_at"] = pd.to_datetime(out["editions"]["submitted_at"])
    return out


def normalise_returns(returns: Sequence[Return], ref: Reference, short_names: dict[str, str]) -> dict[str, list[dict]]:
    """Rows of the accepted returns (etl.returns.Return), typed like the curated ones.

    A return has no document to quote: every row cites the return's evidence note
    (or who submitted it and when), and the return is registered as a source with
    one section, so every join on sources and sections works for it as for a document.
    """
    facts, streams, editions, sources, sections = [], [], [], [], []
    for r in returns:
        quote = r.quote()
        common = {"pfa_code": r.pfa_code, "valid_from": r.as_at, "edition_id": r.edition_id, "quote": quote,
                  "source_id": r.source_id, "section": SECTION, "source_date": r.as_at, "note": None}
        for f in r.facts:
            value_type = ref.attributes[(f["dimension"], f["attribute"])]
            facts.append({
                "fact_id": f"{r.source_id}-{f['line']}", "force_as_named": f["force_as_named"],
                "dimension": f["dimension"], "attribute": f["attribute"], "value": f["value"],
                "value_number": int(f["value"]) if value_type == "integer" else None, "value_wording": None,
                **common,
            })
        for s in r.streams:
            streams.append({
                "stream_id": s["stream_id"], "force_as_named": s["force_as_named"], "service": s["service"],
                "funder": s["funder"], "funder_wording": None,
                "start_date": _date(s["start_date"]), "start_wording": None, "start_derived": False,
                "end_date": _date(s["end_date"]), "end_wording": None, "end_derived": False,
                "status": s["status"], **common,
            })
        editions.append({
            "edition_id": r.edition_id, "kind": "return", "pfa_code": r.pfa_code, "as_at": r.as_at,
            "submitted_by": r.submitted_by, "submitted_at": r.submitted_at, "file_name": r.path.name,
            "sha256": r.sha256, "note": r.evidence,
        })
        sources.append({
            "source_id": r.source_id, "title": f"Return for {short_names[r.pfa_code]} as at {r.as_at.isoformat()}",
            "short_title": f"Return from {short_names[r.pfa_code]}",
            "publisher": r.submitted_by, "published": r.as_at, "licence": LICENCE, "document": r.path.name,
            "description": r.evidence,
        })
        sections.append({"source_id": r.source_id, "section": SECTION, "heading": SECTION, "position": 1})
    return {"facts": facts, "funding_stream_history": streams, "editions": editions, "sources": sources, "sections": sections}
