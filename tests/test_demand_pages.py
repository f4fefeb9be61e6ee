"""Demand beside provision on the pages (issue 27), in AppTest: with an imported fixture, and without
one ("not imported", with the two download pages and the command)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from streamlit.testing.v1 import AppTest

from charts import demand as demand_charts
from charts.chart_text import ChartText
from core import paths, queries, rules
from demand import store
from etl import pipeline
from exports import briefing
from exports.scope import resolve_scope
from tests import demand_files as files
from ui.evidence_view import md_escape

pytestmark = pytest.mark.dates
HERTS = "E23000027"
# A date after the last period of the fixtures (year ending March 2025), whatever the default date is.
AS_AT = {"as_at": "2025-06-01"}


@pytest.fixture
def imported(tmp_path: Path, monkeypatch) -> Path:
    """The app's database with the official-layout fixtures imported (a database of its own)."""
    database = tmp_path / "build" / "stalking.duckdb"
    pipeline.build(paths.DATA_DIR, database)
    store.import_files(
        files.official_files(tmp_path, years=range(2018, 2025)), database=database, released=dt.date(2025, 6, 26)
    )
    pipeline.build(paths.DATA_DIR, database)
    monkeypatch.setattr(paths, "DATABASE", database)
    return database


@pytest.fixture
def not_imported(tmp_path: Path, monkeypatch) -> Path:
    database = tmp_path / "build" / "stalking.duckdb"
    pipeline.build(paths.DATA_DIR, database)
    monkeypatch.setattr(paths, "DATABASE", database)
    return database


def run(script: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(paths.REPO_ROOT / "app.py"), default_timeout=90)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if script != "app_pages/overview.py":
        at.switch_page(script)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def words(at: AppTest) -> str:
    return "\n".join(
        [m.value for m in at.markdown]
        + [m.value for m in at.caption]
        + [m.value for m in at.info]
        + [h.value for h in at.header]
    )


def frames(at: AppTest) -> list:
    return [d.value for d in at.dataframe] + [t.value for t in at.table]


PAGES = [
    ("app_pages/overview.py", {}, "Need beside provision"),
    ("app_pages/force_profile.py", {"force": HERTS}, "Demand beside provision"),
    ("app_pages/regions.py", {}, "Need beside provision, by region"),
]


@pytest.mark.parametrize(("script", "query", "header"), PAGES, ids=["overview", "profile", "regions"])
def test_each_page_says_not_imported_and_how_to_import(not_imported, script, query, header):
    at = run(script, query)
    text = words(at)
    assert header in text
    info = "\n".join(i.value for i in at.info)
    for needed in ("not imported", rules.RECORDED_CRIME_PAGE, rules.POPULATION_PAGE, "python -m demand import"):
        assert needed in info, needed


def test_overview_maps_both_rates_with_a_table_behind(imported):
    at = run("app_pages/overview.py", AS_AT)
    text = words(at)
    assert "Need beside provision" in text and "not imported" not in "\n".join(i.value for i in at.info)
    ew = queries.demand(dt.date(2025, 6, 1), db=queries.Database(imported))
    assert "recorded stalking offences per 1,000 people, year ending March 2025" in text
    charts = [
        c
        for c in at.get("plotly_chart")
        if '"stalking_rate' in c.proto.spec or "Recorded stalking per 1,000 people" in c.proto.spec
    ]
    assert charts, "the demand map is drawn"
    at.radio(key="overview_demand_measure").set_value("advocate_rate").run()
    assert not at.exception
    assert "No force area has returned its advocate posts" in words(at), "none returned: not reported"
    table_run = run("app_pages/overview.py", {**AS_AT, "overview_demand_view": "Table"})
    shown = next(f for f in frames(table_run) if "Per 1,000 people" in f.columns)
    assert len(shown) == 43 and set(shown["Advocate FTE per 1,000 offences"]) == {rules.NOT_REPORTED}
    assert len(ew) == 43


def test_profile_shows_demand_beside_provision_with_region_england_and_wales_and_a_caseload(imported):
    at = run("app_pages/force_profile.py", {"force": HERTS, **AS_AT})
    text = words(at)
    offences = sum(files.stalking_count(HERTS, 2024, q) for q in (1, 2, 3, 4))
    said = f"Hertfordshire: {offences:,} stalking offences were recorded by the police in the year ending March 2025"
    assert md_escape(said) in text
    table = next(f for f in frames(at) if "Area" in f.columns and "Per 1,000 people" in f.columns)
    assert list(table["Area"]) == ["Hertfordshire", "East of England", "England and Wales"]
    caseload = at.number_input(key=f"caseload_{HERTS}")
    assert caseload.value is None, "no default caseload: no statutory standard exists"
    assert "assumption" in caseload.label
    caseload.set_value(40).run()
    assert not at.exception
    table = next(f for f in frames(at) if "Area" in f.columns and "Per 1,000 people" in f.columns)
    needed = "Posts needed at 40 cases each (assumption)"
    assert needed in table.columns and table[needed].iloc[0] == f"{offences / 40:.1f}"
    assert "an assumption, not a standard" in words(at)


def test_regions_rank_by_both(imported):
    at = run("app_pages/regions.py", AS_AT)
    text = words(at)
    assert "Need beside provision, by region" in text
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Recorded stalking offences per 1,000 people" in s for s in specs)
    assert any("Advocate posts (FTE, from returns) per 1,000 recorded stalking offences" in s for s in specs)
    table = run("app_pages/regions.py", {**AS_AT, "regions_demand_rate_view": "Table"})
    shown = next(f for f in frames(table) if "Rank by stalking per 1,000 people" in f.columns)
    ranks = shown.set_index("Area")["Rank by stalking per 1,000 people"]
    assert ranks["England and Wales"] == "" and sorted(ranks.drop("England and Wales")) == sorted(
        f"{i} of 10" for i in range(1, 11)
    )
    assert set(shown["Rank by advocate FTE per 1,000 offences"]) - {""} == {rules.NOT_REPORTED}


def test_the_series_chart_draws_no_line_across_the_break(imported):
    db = queries.Database(imported)
    lines = {"Hertfordshire": queries.demand_series(HERTS, db=db), "England and Wales": queries.demand_series(db=db)}
    text = ChartText("t", "s", dt.date(2025, 3, 31))
    fig = demand_charts.stalking_series(lines, text, "offences")
    for trace in fig.data:
        ends = [dt.date.fromisoformat(str(x)[:10]) for x in trace.x]
        assert all(e < rules.SERIES_BREAK for e in ends) or all(e >= rules.SERIES_BREAK for e in ends), trace.name
    sides = {t.meta["series_side"] for t in fig.data}
    assert sides == {"comparable", "before the break"}


def test_the_pack_includes_demand_when_imported(imported):
    pack = briefing.build_pack(
        resolve_scope(force=HERTS), dt.date(2026, 12, 1), db=queries.Database(imported), images_wanted=False
    )
    z = zipfile.ZipFile(io.BytesIO(pack.data))
    assert "data/demand-beside-provision.csv" in z.namelist()
    csv_text = z.read("data/demand-beside-provision.csv").decode("utf-8-sig")
    assert "Home Office, Police recorded crime and outcomes open data tables" in csv_text
    assert "Hertfordshire" in csv_text and "East of England" in csv_text
    doc = Document(io.BytesIO(z.read(next(n for n in z.namelist() if n.endswith("-annex.docx")))))  # tables: annex
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Demand beside provision" in body and "Recorded crime is not prevalence" in body


def test_the_pack_has_no_demand_section_before_an_import(not_imported):
    pack = briefing.build_pack(
        resolve_scope(force=HERTS), dt.date(2026, 12, 1), db=queries.Database(not_imported), images_wanted=False
    )
    assert "data/demand-beside-provision.csv" not in zipfile.ZipFile(io.BytesIO(pack.data)).namelist()
