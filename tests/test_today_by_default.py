"""Today by default (issue 26, item 3): every page opens at today's date, with the positions as
last reported and their age; the source-date view is one click away; when a newer return moves a
figure the page says what moved it; the age banner is a warning once the data is over 12 months old."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from core import changes, clock, paths, queries, rules
from core.text import long_date
from tests.workflow_fixtures import HERTS, HERTS_OFFICE, REVIEWER_ACTOR, open_round, sandbox  # noqa: F401
from ui.site import PAGES
from workflow import review, submitting

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates

PUBLIC = [p for p in PAGES if p.role is None]
NO_POSITIONS = {"data-and-methods", "return-templates"}  # pages that show no force area's position


def open_page(script: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(paths.REPO_ROOT / "app.py"), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if script != PAGES[0].script:
        at.switch_page(script)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def banner(at: AppTest) -> str:
    return " ".join(str(e.value) for e in (*at.info, *at.warning) if "Positions " in str(e.value))


@pytest.mark.parametrize("spec", PUBLIC, ids=lambda p: p.url_path)
def test_every_page_opens_at_todays_date_with_the_positions_as_last_reported(built_db, spec):
    query = {"force": "E23000027"} if spec.script.endswith("force_profile.py") else None
    at = open_page(spec.script, query)
    today = clock.today()
    assert at.session_state["as_at"] == today if "as_at" in at.session_state else True
    date_input = at.sidebar.date_input(key="as_at")
    assert date_input.value == today, "the sidebar's date opens at today"
    if spec.url_path in NO_POSITIONS:
        return
    said = banner(at)
    assert f"Positions at {long_date(today)}, last reported up to {long_date(queries.source_date())}" in said, said


def test_the_source_date_is_one_click_away_and_today_one_click_back(built_db):
    at = open_page("app_pages/funding.py")
    source = queries.source_date()
    at.button(key="banner_source_date").click().run()
    assert at.sidebar.date_input(key="as_at").value == source
    assert f"Positions as at {long_date(source)}" in banner(at)
    assert "Services ending by 31 March 2025" in [m.label for m in at.metric]
    at.button(key="banner_today").click().run()
    assert at.sidebar.date_input(key="as_at").value == clock.today()


def test_the_age_banner_is_a_warning_once_the_data_is_over_12_months_old(built_db, today_is):
    source = queries.source_date()
    today_is(rules.add_months(source, 12) + dt.timedelta(days=1))
    at = open_page("app_pages/overview.py")
    assert [w for w in at.warning if "more than 12 months old" in w.value], "a warning past 12 months"
    today_is(source + dt.timedelta(days=40))
    at = open_page("app_pages/overview.py")
    assert not [w for w in at.warning if "more than 12 months old" in w.value]
    assert [i for i in at.info if "Positions at" in i.value], "information while the data is recent"


def test_at_today_the_page_says_what_the_passing_of_time_moved(built_db):
    at = open_page("app_pages/funding.py")
    (moved,) = [e for e in at.expander if e.label.startswith("What moved the figures since")]
    text = " ".join(m.value for m in moved.markdown).replace("\\", "")
    assert f"since {long_date(queries.source_date())}" in moved.label
    assert "Funding end dates passed between" in text and "funding ended, renewal not reported" in text
    assert "Funding at risk:" in text, "the headline that moved, then and now"


def publish_secure_funding(box) -> dt.date:
    """Hertfordshire's office returns its funded service as secure, ending in two years' time."""
    round_ = open_round(box, [HERTS])
    answers, _ = submitting.prefilled(round_, HERTS)
    answers.values.update(submitted_by="Jane Smith, Policy Officer", signed_off_by="Chief Executive, OPCC")
    for row in answers.rows["funded_services"]:
        row.update(end_date=f"{round_.as_at.year + 2}-03-31", status="secure")
    sub = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=answers)
    review.accept(REVIEWER_ACTOR, sub.submission_id)
    return round_.as_at


def test_when_a_newer_return_moves_a_figure_the_page_says_which_return_and_what(sandbox):  # noqa: F811
    as_at = publish_secure_funding(sandbox)
    at = open_page("app_pages/overview.py")
    (moved,) = [e for e in at.expander if e.label.startswith("What moved the figures since")]
    assert moved.label.endswith("a newer return"), moved.label
    text = " ".join(m.value for m in moved.markdown).replace("\\", "")
    assert f"Hertfordshire's return as at {long_date(as_at)} changed Funding risk:" in text, text
    assert "→ later end date" in text, text


def test_moves_tell_a_return_from_the_date(built_db):
    source = queries.source_date()
    later = dt.date(2026, 12, 1)
    before, after = queries.coverage(source), queries.coverage(later)
    found = changes.moves(before, after)
    assert found and not any(m.by_return for m in found), "only the date moved: no return in the data"
    ended = [m for m in found if m.after == rules.FUNDING_ENDED]
    assert ended and all(m.reported_on is not None and m.reported_on <= source for m in ended)
    words = changes.sentences(found, source, later)
    assert any(w.startswith("Funding end dates passed between 19 December 2024 and 1 December 2026") for w in words)
    kent = next(m for m in ended if m.force == "Kent" and m.theme is rules.FUNDING)
    assert kent.before == "ends within 6 months", "Kent's funding ended with 31 March 2025"
