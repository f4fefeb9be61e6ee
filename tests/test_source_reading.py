"""The source read right (issue 14): each correction of an independent re-reading of the APCC
response, held in the data and in what the dashboard and packs say."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pandas as pd
import pytest

from core import paths, queries
from exports import briefing

SOURCE = dt.date(2024, 12, 19)


def facts() -> list[dict[str, str]]:
    with (paths.CURATED_DIR / "facts.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def rows(path: str) -> list[dict[str, str]]:
    with (paths.DATA_DIR / path).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def cov(built_db) -> pd.DataFrame:
    return queries.coverage(SOURCE).set_index("short_name")


def test_suffolk_accredited_idvas_are_not_isacs(cov):
    suffolk = cov.loc["Suffolk"]
    assert pd.isna(suffolk["isac_count"]), "two accredited IDVAs are not counted as ISACs"
    assert suffolk["isac_status"] == "stalking support within wider services"
    assert suffolk["apcc_grouping"] == "without specialist stalking support"


def test_south_yorkshire_isac_provision_is_not_reported(cov):
    assert cov.loc["South Yorkshire", "isac_status"] == "not reported"
    iva = next(f for f in facts() if f["fact_id"] == "humberside-isac-detail-iva")
    assert "historical" in iva["value"], "Humberside's own sentence, in the past tense"


def test_northumbria_schools_pilot_has_no_funding_end(built_db):
    streams = queries.funding_streams(SOURCE, pfa_code="E23000007")
    pilot = streams.set_index("stream_id").loc["northumbria-art-schools-pilot"]
    assert pd.isna(pilot["end_date"]), "'by March 2025' is a delivery target"
    assert queries.coverage(SOURCE).set_index("short_name").loc["Northumbria", "funding_risk"] != "ends within 6 months"


def test_dyfed_powys_end_is_derived_and_never_called_stated(built_db):
    pilot = queries.funding_streams(SOURCE, pfa_code="W15000004").set_index("stream_id").loc["dp-paladin-pilot"]
    assert pilot["end_derived"] and pilot["end_date"].date() == dt.date(2025, 8, 31)
    june = dt.date(2025, 6, 1)
    row = queries.coverage(june).set_index("pfa_code").loc["W15000004"]
    assert row["funding_risk"] == "ends within 6 months" and row["next_funding_end_derived"]
    pack = briefing.build_pack(briefing.resolve_scope(force="W15000004"), june, images_wanted=False)
    with zipfile.ZipFile(io.BytesIO(pack.data)) as zf:
        forces = zf.read("data/force-areas.csv").decode("utf-8-sig")
        document = zf.read(next(n for n in zf.namelist() if n.endswith(".docx")))
    assert "2025-08-31 (derived)" in forces
    import docx

    text = "\n".join(p.text for p in docx.Document(io.BytesIO(document)).paragraphs)
    assert "31 August 2025 (derived from the source's words, not stated)" in text
    assert "stated end" not in text.lower()


@pytest.mark.parametrize("name", ["Gwent", "Merseyside", "Suffolk", "Derbyshire"])
def test_funding_constraints_are_not_described_as_funded_services(cov, name):
    force = cov.loc[name]
    assert force["funded_services"] == 0
    assert force["funding_risk"] == "funding constraint stated"
    out = briefing.force_sentences(
        queries.coverage(SOURCE)
        .set_index("short_name")
        .loc[name]
        .rename(name)
        .to_frame()
        .T.reset_index(names="short_name")
        .iloc[0],
        pd.DataFrame(),
        SOURCE,
    )
    assert not any("reported funded stalking services" in s for s in out)
    assert any("funding limits or prevents" in s for s in out)


def test_gloucestershire_reports_statements_only(cov):
    assert cov.loc["Gloucestershire", "funding_risk"] == "statements only"


def test_cambridgeshire_post_is_not_an_isac(cov):
    cambs = cov.loc["Cambridgeshire"]
    assert pd.isna(cambs["isac_count"]) and cambs["dedicated_stalking_posts"] == 1
    assert int(cov["isac_count"].fillna(0).sum()) == 7, (
        "ISACs stated: Hertfordshire 3, Cheshire 2, Dyfed-Powys 1, Devon and Cornwall 1"
    )


def test_thames_valley_grant_funder_is_not_named(built_db):
    grant = (
        queries.funding_streams(SOURCE, pfa_code="E23000029").set_index("stream_id").loc["tv-stalking-service-grant"]
    )
    assert grant["funder"] == "grant (funder not stated)"


def test_isacs_within_wider_services_only_where_isacs_are_stated(cov):
    within = set(cov.index[cov["isac_status"] == "ISACs within wider services"])
    assert within == {"Lincolnshire", "Essex", "Devon and Cornwall"}
    assert {"Dorset", "Humberside", "Suffolk"} <= set(
        cov.index[cov["isac_status"] == "stalking support within wider services"]
    )


def test_the_apccs_own_groupings_are_evidence_for_each_named_force(cov):
    groups = cov["apcc_grouping"].dropna()
    assert set(groups[groups == "standalone specialist services"].index) == {
        "Sussex",
        "Hertfordshire",
        "Humberside",
        "Cheshire",
        "Dyfed-Powys",
    }
    assert set(groups[groups == "without specialist stalking support"].index) == {
        "Suffolk",
        "North Wales",
        "Dorset",
        "Lincolnshire",
    }
    assert set(groups[groups == "upskilling to ISACs"].index) == {"Cambridgeshire", "Essex", "Devon and Cornwall"}
    assert set(groups[groups == "rural upskilling"].index) == {"North Yorkshire"}


def test_timeline_dates_carry_their_precision_and_letters_are_not_publications():
    events = {r["event_id"]: r for r in rows("curated/timeline.csv")}
    assert events["report-29-recommendations"]["date_precision"] == "month"
    assert events["findings-sent-to-apcc"]["kind"] == "correspondence"
    assert all(e["date_precision"] != "day" or e["date_wording"] for e in events.values() if e["date_derived"] == "yes")


def test_glossary_says_isac_and_isa_are_the_same_role():
    terms = {r["term"]: r for r in rows("glossary.csv")}
    assert "Victims and Prisoners Act 2024" in terms["ISA"]["meaning"] and "2 February 2026" in terms["ISA"]["meaning"]
    assert "ISA" in terms["ISAC"]["meaning"]
