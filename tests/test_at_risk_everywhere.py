"""One meaning of "at risk": the Overview, the Regional comparison, the Funding page, every force
profile and the England and Wales briefing pack give the same at-risk force areas for the same
date, at the source date and two years on (issue 14). The rule is core.rules; these tests read
what each page and the pack actually show."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import paths, queries
from core.text import long_date
from exports import briefing
from tests.page_tables import markdown_table

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates

TODAY = dt.date(2026, 12, 1)


def run(script: str, query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(paths.REPO_ROOT / "app.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if script != "app_pages/overview.py":
        at.switch_page(script)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module", params=["source", "today"])
def as_at(request, built_db) -> dt.date:
    return queries.source_date() if request.param == "source" else TODAY


@pytest.fixture(scope="module")
def expected(as_at) -> set[str]:
    cov = queries.coverage(as_at)
    return set(cov.loc[cov["funding_at_risk"], "short_name"])


def test_the_two_dates_differ_as_the_source_says(built_db):
    at_source = queries.coverage(queries.source_date())
    today = queries.coverage(TODAY)
    assert set(at_source.loc[at_source["funding_at_risk"], "short_name"]) > set(
        today.loc[today["funding_at_risk"], "short_name"]
    )
    kent = today.set_index("short_name").loc["Kent"]
    assert kent["funding_risk"] == "funding ended, renewal not reported", "its only funding ended in March 2025"


def test_overview_counts_the_same_forces(as_at, expected):
    at = run("app_pages/overview.py", {"as_at": as_at.isoformat()})
    metric = next(m for m in at.metric if m.label == "Funding at risk")
    assert metric.value == f"{len(expected)} of 43"


def test_regional_comparison_counts_the_same_forces(as_at, expected):
    at = run("app_pages/regions.py", {"as_at": as_at.isoformat()})
    traces = json.loads(next(el.proto.spec for el in at.get("plotly_chart")))["data"]
    grid = next(t for t in traces if t["type"] == "heatmap" and any("risk" in x for x in t["x"]))  # its own hue
    row = grid["y"].index("England and Wales")
    column = next(i for i, label in enumerate(grid["x"]) if label.replace("<br>", " ") == "Funding at risk")
    assert grid["text"][row][column] == f"{len(expected)} of 43", "the England and Wales cell of the grid"
    at.session_state["regions_view"] = "Force areas"
    at.run()
    table = markdown_table(at, "Force area")
    assert len(table) == 43
    assert all("force-profile?" in link for link in table["Force area link"]), "each name links to its profile"
    at_risk = {
        name
        for name, funding in zip(table["Force area"], table["Funding risk"])
        if "ends within 6 months" in funding or "at risk, no date" in funding
    }
    assert at_risk == expected


def test_funding_page_lists_the_same_forces(as_at, expected):
    at = run("app_pages/funding.py", {"as_at": as_at.isoformat()})
    listed = {m.group(1) for el in at.markdown for m in [re.match(r"\*\*(.+?)\*\* · ", el.value)] if m}
    assert listed == expected
    metric = next(m for m in at.metric if m.label == "Funding at risk")
    assert metric.value == f"{len(expected)} of 43"


@pytest.mark.slow
def test_every_force_profile_says_the_same(as_at, expected):
    forces = queries.forces()
    said_at_risk = set()
    for code, name in zip(forces["pfa_code"], forces["short_name"]):
        at = run("app_pages/force_profile.py", {"force": code, "as_at": as_at.isoformat()})
        headings = [m.value for m in at.markdown if m.value.startswith("### ")]
        funding = headings[3]  # after the three provision themes
        if "Ends within 6 months" in funding or "At risk, no date" in funding:
            said_at_risk.add(name)
    assert said_at_risk == expected


@pytest.mark.slow
def test_england_and_wales_pack_names_the_same_forces(as_at, expected):
    pack = briefing.build_pack(briefing.Scope.all(), as_at, images_wanted=False)
    with zipfile.ZipFile(io.BytesIO(pack.data)) as zf:
        table = pd.read_csv(io.BytesIO(zf.read("data/force-areas.csv")), comment="#", encoding="utf-8-sig")
        readme = zf.read("README.txt").decode()
    assert set(table.loc[table["Funding at risk"] == "yes", "Force area"]) == expected
    assert f"Position as at {long_date(as_at)}." in readme, "the pack says the date it describes"
