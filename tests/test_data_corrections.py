"""Data and set-up corrections (issue 26, item 7): derived end dates marked derived wherever they
appear, one-off grants in the past not read as funding in place, Cambridgeshire's notes agreeing,
the first-use lines following the glossary, and the README's counts generated from the data."""

from __future__ import annotations

import csv
import datetime as dt
import re

import pandas as pd
import pytest

from charts import ChartText, figures
from charts.alt_text import timeline_alt
from charts.mapfig import coverage_map
from core import coverage as coverage_rules
from core import paths, queries, rules
from etl import docs

DERIVED = "derived"
# The derived end dates the audit found shown unmarked in the funding map's hover.
DERIVED_ENDS = {
    "Dyfed-Powys": "31 August 2025",
    "Thames Valley": "31 March 2025",
    "West Midlands": "31 March 2025",
    "Cambridgeshire": "31 March 2025",
}
ONE_OFF_GRANTS = ("nyorks-just-a-kiss", "lincs-isac-training", "hants-masp-home-office")


def _hover(fig) -> dict[str, list]:
    return {row[0]: row for row in fig.data[0].customdata}


def test_the_funding_maps_hover_marks_a_derived_next_end_for_every_force(built_db):
    """All 43: the hover's next funding end says 'derived' exactly where the date is derived."""
    cov = queries.coverage(queries.source_date())
    assert len(cov) == 43
    fig = coverage_map(cov, "funding")
    assert "Next funding end: %{customdata[2]}" in fig.data[0].hovertemplate
    shown = _hover(fig)
    for row in cov.itertuples():
        text = shown[row.short_name][2]
        assert (DERIVED in text) == bool(row.next_funding_end_derived), (row.short_name, text)
    for name, date in DERIVED_ENDS.items():
        assert shown[name][2].startswith(date) and DERIVED in shown[name][2], (name, shown[name][2])
    assert DERIVED not in shown["Kent"][2] and shown["Kent"][2].startswith("31 March 2025"), "Kent's is stated"


def test_the_funding_timeline_hover_and_its_alt_text_mark_derived_dates(built_db):
    as_at = queries.source_date()
    streams = queries.funding_streams(as_at)
    dated = streams[streams["end_date"].notna()]
    fig = figures.funding_timeline(dated, as_at, ChartText("t", "s", data_date=as_at), rules.CLIFF_EDGE)
    bars = [t for t in fig.data if t.type == "bar" and t.customdata is not None]  # not the legend's
    ends = {row[0]: row[1] for t in bars for row in t.customdata}
    starts = {row[0]: row[3] for t in bars for row in t.customdata}
    assert len(ends) == len(dated)
    for r in dated.itertuples():
        key = f"{r.short_name}: {r.service}"
        assert (DERIVED in ends[key]) == bool(r.end_derived), (key, ends[key])
        if pd.notna(r.start_date):
            assert (DERIVED in starts[key]) == bool(r.start_derived), (key, starts[key])
    alt = timeline_alt(dated)
    assert "ends 31 August 2025 (derived" in alt, "Dyfed-Powys's one-year pilot"
    assert "ends 31 January 2025 (derived" not in alt and "ends 31 January 2025" in alt, "South Yorkshire's is stated"


@pytest.mark.parametrize("as_at", [dt.date(2024, 12, 19), dt.date(2026, 12, 7), dt.date(2030, 1, 1)])
def test_a_one_off_grant_in_the_past_is_not_funding_in_place(built_db, as_at):
    """North Yorkshire's Safer Streets film, Lincolnshire's ISAC training and Hampshire and Isle of
    Wight's 2023 MASP grant: the source gives each only in the past, with no period."""
    streams = queries.funding_streams(as_at).set_index("stream_id")
    cov = queries.coverage(as_at).set_index("pfa_code")
    for stream_id in ONE_OFF_GRANTS:
        row = streams.loc[stream_id]
        assert row["status"] == rules.ONE_OFF_GRANT, stream_id
        assert row["state"] == rules.SERVICE_PAST_GRANT, stream_id
        words = coverage_rules.service_when(row["state"], row["end_date"], bool(row["end_derived"]), row["end_wording"])
        assert "one-off grant" in words and "not stated" in words, words
        risk = cov.loc[row["pfa_code"], "funding_risk"]
        assert risk not in ("no end date reported", "later end date", *rules.FUNDING_AT_RISK), (stream_id, risk)


def test_the_rule_reads_a_one_off_grant_apart_from_funding_in_place():
    assert rules.service_state(None, rules.ONE_OFF_GRANT, dt.date(2024, 12, 19)) == rules.SERVICE_PAST_GRANT
    assert rules.service_state(None, "funded", dt.date(2024, 12, 19)) == rules.SERVICE_NO_END
    assert rules.funding_risk([rules.SERVICE_PAST_GRANT], 0, 0, 0) == "statements only"
    assert rules.funding_risk([rules.SERVICE_PAST_GRANT, rules.SERVICE_NO_END], 0, 0, 0) == "no end date reported"
    assert rules.funding_risk([rules.SERVICE_PAST_GRANT, rules.SERVICE_ENDED], 0, 0, 0) == rules.FUNDING_ENDED


def test_cambridgeshires_notes_on_its_multi_agency_team_agree():
    """The source says the dedicated post worked in 'a multi-agency stalking team' and, elsewhere,
    that a 'multi-agency Stalking Intervention Programme' is funded to March 2025; it never says
    they are one arrangement, and no note may say they are."""
    rows = [
        r
        for r in csv.DictReader(open(paths.DATA_DIR / "curated/facts.csv", encoding="utf-8"))
        if r["force"].startswith("Cambridgeshire")
    ]
    assert rows
    for r in rows:
        if r["dimension"] == "multi_agency" and "team" in r["note"]:
            assert "does not say" in r["note"], (r["fact_id"], r["note"])
    masip = next(r for r in rows if r["fact_id"] == "cambs-masip-status")
    assert "team" not in masip["note"] or "does not say" in masip["note"], masip["note"]


def test_the_first_use_lines_follow_the_glossary():
    """The pages' own first-use lines expand a term as data/glossary.csv does (its expansions are
    checked against the sources in test_dataset.py), so no page expands what the sources do not."""
    from ui import glossary

    rows = {r["term"]: r for r in csv.DictReader(open(paths.DATA_DIR / "glossary.csv", encoding="utf-8"))}
    for term, line in glossary.FIRST_USE.items():
        expansion = rows[term]["expansion"]
        assert expansion, f"{term}: the sources do not expand it, so no page may"
        assert line.lower().startswith(f"{term.lower()}: {expansion.lower()}"), (term, line)


def _count(name: str) -> int:
    with open(paths.DATA_DIR / name, encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


def test_the_readmes_dataset_counts_are_generated_from_the_data(built_db):
    text = (paths.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- BEGIN generated: dataset in numbers -->(.*?)<!-- END generated -->", text, re.S)
    assert block, "README.md's dataset counts are a generated block"
    words = " ".join(block.group(1).split())
    assert f"{_count('forces.csv')} force areas" in words
    assert f"{_count('curated/facts.csv')} facts" in words
    assert f"{_count('curated/funding_streams.csv')} funded services" in words
    assert f"{_count('curated/timeline.csv')} dated national events" in words
    assert docs.update(paths.REPO_ROOT / "README.md", check=True), "README.md is stale: run `python -m etl docs`"
    assert "Every force area is quoted on at least one theme." in text
    quoted = queries.default_db().scalar("SELECT count(DISTINCT pfa_code) FROM facts")
    assert quoted == _count("forces.csv"), "the sentence after the counts holds"
