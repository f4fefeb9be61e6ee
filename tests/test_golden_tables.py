"""One table, three places: what a page's table shows, what its CSV and XLSX downloads hold and what
the briefing pack's data files hold are the same headings and the same values (issue 24, item 4).

For a force (Hertfordshire: its row of its region's table, and the force's pack), a region (the
East of England) and England and Wales, at the source date and at a later date. The page is run in
AppTest; its downloads are the bytes the page's download buttons would send (ui.widgets makes them
on click, so the test keeps the makers and calls them); the pack is built without images.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import paths, queries
from exports import briefing, tables
from tests.page_tables import markdown_table
from ui import widgets

HERTS = "E23000027"
REGION = "East of England"
LATER = dt.date(2026, 12, 1)


def run(script: str, query: dict[str, str], monkeypatch) -> tuple[AppTest, dict[str, bytes]]:
    """The page, and the bytes of each of its table downloads, by the button's key."""
    makers = {}

    def keep(make, key):
        makers[key] = make
        return make

    monkeypatch.setattr(widgets, "_deferred", keep)
    at = AppTest.from_file(str(paths.REPO_ROOT / "app.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(script)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at, {key: make() for key, make in makers.items() if key.endswith(("_csv", "_xlsx"))}


def text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the words a reader sees ('3', not 3)."""
    return frame.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))


def from_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), comment="#", encoding="utf-8-sig", dtype=str, keep_default_na=False)


def from_xlsx(data: bytes) -> pd.DataFrame:
    sheet = openpyxl.load_workbook(io.BytesIO(data))[tables.DATA_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    return text_frame(pd.DataFrame(rows[1:], columns=rows[0]))


def pack_file(scope: briefing.Scope, as_at: dt.date, name: str) -> dict[str, pd.DataFrame]:
    pack = briefing.build_pack(scope, as_at, images_wanted=False, zipped=False, today=max(as_at, LATER))
    return {
        "pack CSV": from_csv(pack.contents[f"data/{name}.csv"]),
        "pack XLSX": from_xlsx(pack.contents[f"data/{name}.xlsx"]),
    }


def same(tables_by_place: dict[str, pd.DataFrame]) -> None:
    """Every table has the first one's headings, in order, and its values, row by row."""
    (first_place, first), *others = tables_by_place.items()
    assert len(first), f"{first_place} is empty"
    for place, table in others:
        assert list(table.columns) == list(first.columns), f"{place} has other headings than {first_place}"
        pd.testing.assert_frame_equal(
            table.reset_index(drop=True), first.reset_index(drop=True), obj=f"{place} against {first_place}"
        )


@pytest.fixture(scope="module", params=["source", "later"])
def as_at(request, built_db) -> dt.date:
    return queries.source_date() if request.param == "source" else LATER


def forces_on_the_page(query: dict[str, str], as_at: dt.date, monkeypatch) -> dict[str, pd.DataFrame]:
    at, downloads = run(
        "app_pages/regions.py", {**query, "as_at": as_at.isoformat(), "regions_view": "Force areas"}, monkeypatch
    )
    page = markdown_table(at, "Force area")
    csv, xlsx = from_csv(downloads["regions_forces_csv"]), from_xlsx(downloads["regions_forces_xlsx"])
    # The page leaves the ONS code to the downloads and links each name to the profile of that code.
    assert [link.rsplit("force=", 1)[1] for link in page.pop("Force area link")] == list(csv["ONS code"])
    page.insert(1, "ONS code", csv["ONS code"])
    return {"page": page, "page CSV": csv, "page XLSX": xlsx}


@pytest.mark.parametrize("kind", ["force", "region", "all"])
def test_the_force_areas_table_is_the_same_on_the_page_in_its_downloads_and_in_the_pack(kind, as_at, monkeypatch):
    if kind == "all":
        shown = forces_on_the_page({}, as_at, monkeypatch)
        scope = briefing.Scope.all()
    else:
        shown = forces_on_the_page({"region": REGION}, as_at, monkeypatch)
        scope = briefing.resolve_scope(region=REGION)
    if kind == "force":  # the force's row of its region's table, beside the force's own pack
        shown = {place: t[t["ONS code"] == HERTS] for place, t in shown.items()}
        scope = briefing.resolve_scope(force=HERTS)
    found = {**shown, **pack_file(scope, as_at, "force-areas")}
    same(found)
    rows = found["page"]
    cov = queries.coverage(as_at)
    assert len(rows) == {"force": 1, "region": int((cov["region"] == REGION).sum()), "all": 43}[kind]
    herts = found["pack CSV"].set_index("ONS code").loc[HERTS] if kind != "all" else None
    if herts is not None:  # the words that once differed between the page and the pack
        assert herts["ISA provision"].split(" ", 1)[1].startswith("dedicated service"), "with its symbol"
        assert herts["Stalking advocate posts (FTE)"] == "not stated"


def test_the_funded_services_table_is_the_same_on_the_page_in_its_downloads_and_in_the_pack(as_at, monkeypatch):
    """The Funding page's timeline table (the dated services of the region) and the region's pack."""
    _, downloads = run(
        "app_pages/funding.py",
        {"region": REGION, "as_at": as_at.isoformat(), "funding_timeline_view": "Table"},
        monkeypatch,
    )
    found = {
        "page CSV": from_csv(downloads["funding_timeline_csv"]),
        "page XLSX": from_xlsx(downloads["funding_timeline_xlsx"]),
        **pack_file(briefing.resolve_scope(region=REGION), as_at, "funded-services"),
    }
    for place in ("pack CSV", "pack XLSX"):  # the page charts the services with an end date
        found[place] = found[place][found[place]["End"] != "not stated"]
    same(found)
