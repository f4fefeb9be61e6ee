"""The signed-in pages in AppTest (issue 16): each role reaches its pages and no others, every page a
role reaches runs without exception, the tracker counts what the workflow holds, and an admin opens
and closes a round from the Rounds page. The whole round in a browser is tests/test_e2e_rounds.py.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

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

    next(b for b in at.button if b.label == "Close the round").click()
    at.run()
    assert not at.exception and rounds.rounds()[0].closed_at is not None
