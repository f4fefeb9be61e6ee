"""The signed-in pages in AppTest (issue 16): each role reaches its pages and no others, every page a
role reaches runs without exception, the tracker counts what the workflow holds, and an admin opens
and closes a round from the Rounds page. The whole round in a browser is tests/test_e2e_rounds.py.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.problems import InputError
from tests.test_rounds import herts_answers
from tests.workflow_fixtures import (  # noqa: F401 - sandbox is a fixture
    ADMIN_ACTOR,
    ESSEX,
    HERTS,
    HERTS_OFFICE,
    REVIEWER_ACTOR,
    open_round,
    sandbox,
    signed_in_app,
)
from ui.site import PAGES
from workflow import progress, review, rounds, submitting

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates

ROLE_PAGES = [p.script for p in PAGES if p.role is not None]
REACHES = {
    HERTS_OFFICE.email: {"app_pages/office_return.py"},
    REVIEWER_ACTOR.email: {"app_pages/review.py", "app_pages/tracker.py"},
    # An admin also enters a return an office emailed, on the office's behalf.
    ADMIN_ACTOR.email: set(ROLE_PAGES),
    "someone@example.org": set(),  # signed in, not on the access list: the public dashboard only
}


def open_page(at, script: str):
    at.switch_page(script)
    at.run()
    assert not at.exception, (script, [e.value for e in at.exception])
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("email", list(REACHES))
def test_each_role_reaches_its_pages_and_no_others(sandbox, email):
    open_round(sandbox, [HERTS, ESSEX])
    at = signed_in_app(email)
    reached = set()
    for script in ROLE_PAGES:
        try:
            open_page(at, script)
        except ValueError as err:  # not registered with st.navigation: the URL does not exist for this user
            assert "Could not find a navigation page" in str(err)
            continue
        reached.add(script)
        assert not at.error, (script, [e.value for e in at.error])
    assert reached == REACHES[email]


def test_the_tracker_counts_each_state_and_lists_who_still_owes(sandbox):
    round_ = open_round(sandbox, [HERTS, ESSEX])
    at = open_page(signed_in_app(REVIEWER_ACTOR.email), "app_pages/tracker.py")
    shown = metrics(at)
    assert shown["Not started"] == "2 of 2" and shown["Accepted"] == "0 of 2" and shown["Overdue"] == "0 of 2"
    assert any(s.value == "Still owed (2)" for s in at.subheader)
    tiles = json.loads(next(el.proto.spec for el in at.get("plotly_chart")))["data"][0]
    states = [row[1] for row in tiles["customdata"]]
    assert len(states) == 43, "the map keeps all 43 force areas, the ones not asked marked so"
    assert states.count("○ not started") == 2 and states.count("– not asked") == 41

    submitted = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=herts_answers(round_))
    review.accept(REVIEWER_ACTOR, submitted.submission_id)
    at.run()
    shown = metrics(at)
    assert shown["Accepted"] == "1 of 2" and shown["Not started"] == "1 of 2"
    assert any(s.value == "Still owed (1)" for s in at.subheader)


def test_the_reminder_list_reads_as_words_for_a_mail_merge(sandbox):
    round_ = open_round(sandbox, [HERTS, ESSEX])
    frame = progress.status_frame(round_.round_id, today=round_.due)
    owed = progress.readable_status(frame, ["pfa_code", "short_name", "commissioning_body", "state", "overdue"])
    assert list(owed.columns) == ["ONS code", "Force area", "Commissioning body", "State", "Overdue"]
    assert set(owed["Overdue"]) == {"no"} and set(owed["State"]) == {"not started"}
    late = progress.readable_status(
        progress.status_frame(round_.round_id, today=round_.due + dt.timedelta(days=365)), ["overdue"]
    )
    assert set(late["Overdue"]) == {"yes"}
    assert owed.set_index("ONS code").at[HERTS, "Commissioning body"].startswith("Police and Crime Commissioner")


def test_an_admin_opens_and_closes_a_round_from_the_page(sandbox):
    at = open_page(signed_in_app(ADMIN_ACTOR.email), "app_pages/rounds_admin.py")
    at.text_input[0].input("")
    at.button[0].click()  # the form's submit: no title
    at.run()
    assert any(e.value.startswith("Not opened:") for e in at.error) and rounds.rounds() == []

    at.text_input[0].input("Stalking services position, June 2027")
    at.multiselect[0].select(HERTS)
    next(b for b in at.button if b.label == "Open the round").click()
    at.run()
    assert not at.exception and any(s.value.startswith("Opened ") for s in at.success)
    (made,) = rounds.rounds()
    assert made.title == "Stalking services position, June 2027" and made.closed_at is None
    assert [s.pfa_code for s in progress.status(made.round_id)] == [HERTS]

    next(b for b in at.button if b.label == "Open the round").click()  # pressed again: refused, not a twin
    at.run()
    assert any("is already open" in e.value for e in at.error) and len(rounds.rounds()) == 1

    next(b for b in at.button if b.label == "Close the round").click()
    at.run()
    assert rounds.rounds()[0].closed_at is None, "closing asks first"
    assert any("Offices can no longer save or submit" in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Yes, close it").click()
    at.run()
    assert not at.exception and rounds.rounds()[0].closed_at is not None


def test_selectors_start_at_the_open_round_and_say_which_are_closed(sandbox):
    older = rounds.open_round(
        ADMIN_ACTOR, "Position, June 2026", dt.date(2026, 6, 30), dt.date(2026, 8, 31), [HERTS, ESSEX]
    )
    current = open_round(sandbox, [HERTS, ESSEX])
    rounds.close_round(ADMIN_ACTOR, older.round_id)
    newest = rounds.open_round(ADMIN_ACTOR, "Closed at once", current.as_at - dt.timedelta(days=1), current.due)
    rounds.close_round(ADMIN_ACTOR, newest.round_id)  # the newest round is closed: the open one is still chosen
    for script in ("app_pages/review.py", "app_pages/tracker.py"):
        at = open_page(signed_in_app(REVIEWER_ACTOR.email), script)
        chosen = at.selectbox(key="review_round" if "review" in script else "tracker_round")
        assert chosen.value.round_id == current.round_id, script
        assert any("closed" in option for option in chosen.options) and any("open" in o for o in chosen.options)


def test_the_review_page_names_the_service_and_the_signed_names_and_asks_before_publishing(sandbox):
    round_ = open_round(sandbox, [HERTS])
    answers = herts_answers(round_)
    service = answers.rows["funded_services"][0]
    service["status"] = "ended" if service["status"] != "ended" else "at risk"
    sub = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=answers)
    at = open_page(signed_in_app(REVIEWER_ACTOR.email), "app_pages/review.py")
    changed = at.dataframe[0].value
    assert f"Funded services: '{service['service']}': Status" in set(changed["Field"]), set(changed["Field"])
    assert {"Ended", "At risk"} & set(changed["In this return"]), "in words, not the stored value"
    shown = "\n".join(t.value for t in at.text)
    assert "Completed by: Jane Smith, Policy Officer" in shown and "Signed off by: Chief Executive, OPCC" in shown
    next(b for b in at.button if b.label == "Accept and publish").click()
    at.run()
    assert review.submission(REVIEWER_ACTOR, sub.submission_id).state == "submitted", "accepting asks first"
    next(b for b in at.button if b.label == "Yes, publish").click()
    at.run()
    assert not at.exception and review.submission(REVIEWER_ACTOR, sub.submission_id).state == "accepted"


def test_the_office_page_names_the_force_and_says_where_the_return_stands(sandbox):
    round_ = open_round(sandbox, [HERTS])
    at = open_page(signed_in_app(HERTS_OFFICE.email), "app_pages/office_return.py")
    assert any("office for Hertfordshire" in c.value for c in at.sidebar.caption), "a name, not E23000027"
    sub = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=herts_answers(round_))
    at.run()
    assert any("sent for review" in i.value for i in at.info)
    assert not [b for b in at.button if b.label in ("Submit for review", "Save draft")], "locked for review"
    review.accept(REVIEWER_ACTOR, sub.submission_id)
    at.run()
    assert any("accepted and published" in s.value for s in at.success)
    assert not [b for b in at.button if b.label == "Submit for review"], "locked once accepted"
    links = [el for el in at.get("page_link")]
    assert links and "published profile" in links[0].proto.label


def test_a_rounds_title_and_as_at_date_are_unique_among_open_rounds(sandbox):
    first = open_round(sandbox, [HERTS])
    with pytest.raises(InputError, match="is already open"):
        rounds.open_round(ADMIN_ACTOR, f"  {first.title.upper()} ", first.as_at - dt.timedelta(days=1), first.due)
    with pytest.raises(InputError, match="already asks for positions as at"):
        rounds.open_round(ADMIN_ACTOR, "Another title", first.as_at, first.due)
    rounds.close_round(ADMIN_ACTOR, first.round_id)
    again = rounds.open_round(ADMIN_ACTOR, first.title, first.as_at, first.due)  # once closed, both may recur
    assert again.round_id != first.round_id


@pytest.mark.slow
def test_an_admin_opens_the_return_of_every_force_of_a_round_of_43(sandbox):
    """An admin enters a return for any office: the form opens for each of the 43 forces (a table none of
    whose rows fills a column, e.g. partners, was read as numbers and the editor refused it)."""
    from core import queries

    open_round(sandbox)
    at = signed_in_app(ADMIN_ACTOR.email)
    at.switch_page("app_pages/office_return.py").run()
    failed = {}
    for code in queries.forces()["pfa_code"]:
        at.selectbox(key="office_force").set_value(code).run()
        if at.exception:
            failed[code] = at.exception[0].value[:160]
    assert not failed, failed
