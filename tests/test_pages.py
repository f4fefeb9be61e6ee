"""Every page declared in ui/site.py runs in AppTest without an exception."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core import paths
from ui.site import PAGES

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates


def run_page(script: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(paths.REPO_ROOT / "app.py"), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()  # the default page first: AppTest drops query parameters on switch_page
    if script != PAGES[0].script:
        at.switch_page(script)
        at.run()
    return at


@pytest.mark.parametrize("page", [p for p in PAGES if p.role is None], ids=lambda p: p.url_path)
def test_page_runs_without_exception(built_db, page):
    at = run_page(page.script)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title or at.header, "every page states what it shows"


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [m.value for m in at.caption] + [str(m.value) for m in at.metric])


def test_force_query_param_opens_that_profile(built_db):
    at = run_page("app_pages/force_profile.py", {"force": "E23000027"})
    assert not at.exception
    assert at.title[0].value == "Hertfordshire"
    body = texts(at)
    assert "3 ISAs stated" in body, "Hertfordshire states three ISAs (in the summary strip)"
    assert body.count("3 ISAs") == 1 and not [m for m in at.metric if "ISA" in m.label], "said once"
    assert "31 March 2025" in body, "its MoJ funding ends on 31 March 2025"


def metric(at: AppTest, label: str) -> str:
    return next(str(m.value) for m in at.metric if m.label.startswith(label))


def test_region_filter_counts_exactly_the_welsh_forces(built_db):
    at = run_page("app_pages/overview.py", {"region": "Wales"})
    assert not at.exception
    assert metric(at, "Dedicated stalking service").endswith(" of 4")
    everywhere = run_page("app_pages/overview.py")
    assert metric(everywhere, "Dedicated stalking service").endswith(" of 43")
    everywhere.sidebar.multiselect(key="region").set_value(["Wales"]).run()  # the same through the widget
    assert metric(everywhere, "Dedicated stalking service").endswith(" of 4")


def test_as_at_date_changes_the_funding_count_as_the_data_says(built_db):
    import datetime as dt

    from core import headlines, queries

    def expected(as_at):
        return headlines.count(queries.coverage(as_at), "funding_at_risk")

    source = queries.source_date()
    later = dt.date(2025, 6, 1)
    assert expected(source).count != expected(later).count, "the fixture data must make the two dates differ"
    at = run_page("app_pages/overview.py", {"as_at": source.isoformat()})
    assert metric(at, "Funding at risk") == str(expected(source))
    at = run_page("app_pages/overview.py", {"as_at": later.isoformat()})
    assert metric(at, "Funding at risk") == str(expected(later))


def test_every_page_script_is_declared_and_no_url_path_is_a_file_name():
    scripts = {p.script for p in PAGES}
    on_disk = {f"app_pages/{f.name}" for f in (paths.REPO_ROOT / "app_pages").glob("*.py")}
    assert on_disk == scripts, "every script in app_pages/ is declared once in ui/site.py"
    stems = {f.split("/")[-1][:-3] for f in on_disk}
    assert not stems & {p.url_path for p in PAGES}, "a URL path equal to a file name triggers legacy routing"


def test_a_geometry_switch_appears_once_boundaries_are_imported(built_db):
    shared = paths.SHARED_GEO_DIR / "pfa_boundaries_ew.geojson"
    if not shared.exists():
        pytest.skip(f"shared test geography not present at {paths.SHARED_GEO_DIR}")
    from geo import boundaries

    without = run_page("app_pages/overview.py")
    assert "Map geometry" not in [r.label for r in without.sidebar.radio], "no switch with the tile map alone"
    boundaries.import_boundaries(shared)
    try:
        at = run_page("app_pages/overview.py", {"geo": "Boundaries"})
        assert not at.exception
        switch = next(r for r in at.sidebar.radio if r.label == "Map geometry")
        assert switch.options == ["Tile map", "Boundaries"] and switch.value == "Boundaries"
        figure = next(el for el in at.get("plotly_chart") if "choropleth" in el.proto.spec)
        assert "Office for National Statistics" in figure.proto.spec, "imported boundaries carry the ONS attribution"
    finally:
        paths.BOUNDARIES_GEOJSON.unlink(missing_ok=True)
        paths.BOUNDARIES_META.unlink(missing_ok=True)


def test_regional_force_table_is_built_when_its_tab_is_opened(built_db):
    at = run_page("app_pages/regions.py", {"region": "Wales"})
    assert not at.exception

    def force_table() -> str:
        return next((m.value for m in at.markdown if m.value.startswith("| Force area |")), "")

    assert not force_table(), "the force table waits for its tab"
    at.session_state["regions_view"] = "Force areas"
    at.run()
    rows = [line for line in force_table().splitlines()[2:] if line.startswith("| [")]
    names = {line.split("](")[0].removeprefix("| [").replace("\\", "") for line in rows}
    assert names == {"North Wales", "Gwent", "South Wales", "Dyfed-Powys"}, names
    assert all("](force-profile?" in line for line in rows), "each name a link to its profile"


def test_return_template_follows_the_sidebar_force(built_db):
    at = run_page("app_pages/return_templates.py")
    assert not at.exception
    page_force = next(s for s in at.selectbox if s.label == "Force")
    assert page_force.value is None, "no force is pre-chosen when the sidebar has none"
    assert not at.dataframe, "no pre-filled table until a force is chosen"
    at = run_page("app_pages/return_templates.py", {"force": "W15000004"})
    assert not at.exception
    page_force = next(s for s in at.selectbox if s.label == "Force")
    assert page_force.value == "W15000004"
    table = at.dataframe[0].value
    assert len(table) and set(table["force"]) == {"Dyfed-Powys"}, "the pre-filled rows are that force's"
