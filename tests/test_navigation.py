"""Navigation that does what it says, in AppTest: links, the sidebar's force, the date, page wording.

The browser-only parts (the URL of the open tab, the root URL forwarding, keyboard
use, axe-core) are in tests/test_e2e.py.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from streamlit.elements.lib import policies
from streamlit.testing.v1 import AppTest

from core import clock, paths, queries
from core.text import long_date
from ui.evidence_view import md_escape
from ui.site import PAGES

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates


def run_page(script: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(paths.REPO_ROOT / "app.py"), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if script != PAGES[0].script:
        at.switch_page(script)
        at.run()
    return at


def warnings(at: AppTest) -> str:
    """The page's warnings, the data's age aside (a warning once the data is more than 12 months old)."""
    return "\n".join(w.value for w in at.warning if "more than 12 months old" not in w.value)


@pytest.mark.parametrize("name", ["Hertfordshire", "hertfordshire", "Herts", "E23000027"])
def test_a_link_may_name_the_force_as_the_command_line_does(built_db, name):
    at = run_page("app_pages/force_profile.py", {"force": name})
    assert not at.exception
    assert at.title[0].value == "Hertfordshire"
    assert not warnings(at)


def test_an_unknown_force_in_a_link_is_quoted_whole(built_db):
    asked = "Hertfordshire Constabulary of the Southern Marches"
    at = run_page("app_pages/force_profile.py", {"force": asked})
    assert not at.exception
    assert f"“{asked}”" in warnings(at).replace("\\", ""), "the whole input, not the first 12 characters"


@pytest.mark.parametrize(
    ("asked", "reason"),
    [("tomorrow", "after today"), ("2020-01-01", "before the APCC response"), ("31/12/2025", "YYYY-MM-DD")],
)
def test_a_date_in_a_link_that_cannot_be_used_is_refused_with_the_reason(built_db, asked, reason):
    if asked == "tomorrow":
        asked = (clock.today() + dt.timedelta(days=1)).isoformat()
    at = run_page("app_pages/funding.py", {"as_at": asked})
    assert not at.exception
    said = warnings(at).replace("\\", "")
    assert reason in said, said
    assert f"Showing positions as at {long_date(clock.today())} instead" in said, "today, the default"


def test_choosing_a_force_in_the_sidebar_opens_its_profile(built_db):
    at = run_page("app_pages/funding.py")
    at.sidebar.selectbox(key="force").set_value("E23000032").run()
    assert not at.exception
    assert at.title[0].value == "Kent", "the help text says the choice opens the force's profile"


def test_the_date_buttons_set_the_date_without_a_session_state_warning(built_db, monkeypatch):
    logged: list[str] = []
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    monkeypatch.setattr(policies._LOGGER, "warning", lambda message, *args, **kwargs: logged.append(message % args))
    at = run_page("app_pages/overview.py")
    today = next(b for b in at.sidebar.button if b.label == "Today")
    today.click().run()
    assert not at.exception
    assert at.sidebar.date_input(key="as_at").value == clock.today()
    next(b for b in at.sidebar.button if b.label == "Source date").click().run()
    assert at.sidebar.date_input(key="as_at").value == queries.source_date()
    assert not [m for m in logged if "Session State" in m], logged


@pytest.mark.parametrize("page", [p for p in PAGES if p.role is None], ids=lambda p: p.url_path)
def test_every_chart_has_alt_text(built_db, page):
    at = run_page(page.script, {"force": "E23000027"})
    for chart in at.get("plotly_chart"):
        assert chart.proto.alt.strip(), f"a chart on {page.title} has no alt text"


def test_chart_tables_link_force_names_and_say_not_stated(built_db):
    at = run_page("app_pages/funding.py")
    at.session_state["funding_timeline_view"] = "Table"
    at.run()
    table = at.dataframe[0].value
    assert all(link.startswith("force-profile?") and "force=" in link for link in table["Force area"])
    assert "not stated" in set(table["Start"]), "a missing start reads 'not stated', never 'None'"
    assert not [c for c in table.columns if "_" in c], f"readable column names: {list(table.columns)}"
    assert list(table["End"]) == sorted(table["End"]), "sorted by end date"


def test_the_masip_card_does_not_say_not_reported_above_a_mappa_quote(built_db):
    at = run_page("app_pages/force_profile.py", {"force": "E23000027"})
    headings = [m.value for m in at.markdown if m.value.startswith("### ")]
    masip = headings[2]  # after victim support and perpetrator programmes
    assert "No MASIP or stalking clinic reported" in masip, masip
    assert "Related evidence" in "\n".join(c.value for c in at.caption)


def test_each_page_declares_a_url_of_its_own():
    paths_ = [p.url_path for p in PAGES]
    assert all(paths_) and len(set(paths_)) == len(paths_)


def test_the_map_names_its_tile_codes_without_hovering(built_db):
    at = run_page("app_pages/overview.py")
    key = next(c.value for c in at.caption if c.value.startswith("**Tile labels:**"))
    coverage = queries.coverage(queries.source_date())
    for code, name in zip(coverage["label"], coverage["short_name"]):
        assert f"**{md_escape(code)}** {md_escape(name)}" in key, code
    assert json.loads(next(el.proto.spec for el in at.get("plotly_chart")))  # the map is drawn
