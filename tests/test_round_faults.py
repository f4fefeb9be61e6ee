"""Two faults of the published data found by a simulated round (issue 25, item 6): a status an office
returns beats a status worked out from its funding, and the round's status list and reminder CSV
name the commissioning body an accepted return gave, not the one in data/forces.csv."""

from __future__ import annotations

import pytest

from core import clock, queries, rules
from tests.test_rounds import fill, herts_answers
from tests.workflow_fixtures import (  # noqa: F401 - sandbox is a fixture
    ESSEX,
    HERTS,
    HERTS_OFFICE,
    REVIEWER_ACTOR,
    open_round,
    sandbox,
)
from workflow import access, progress, review, submitting

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates

CAMBS = "E23000023"
CAMBS_OFFICE = access.Actor("cambs.office@example.org", access.OFFICE, CAMBS, "Cambridgeshire OPCC")


def test_a_returned_running_panel_is_not_read_as_funding_ended(sandbox):
    """Cambridgeshire's multi-agency programme was funded to March 2025; its office returns it running
    after that date. The office's word stands: it is not 'funding ended, renewal not reported'."""
    round_ = open_round(sandbox, [CAMBS])
    answers = fill(submitting.prefilled(round_, CAMBS)[0])
    (panel,) = answers.rows["arrangements"]
    assert panel["status"] == "running", "the pre-filled panel is running, as the position says"
    services = [r for r in answers.rows["funded_services"] if r["provision"] == "multi_agency"]
    assert services and all(r["end_date"] < round_.as_at.isoformat() for r in services), "its funding ended"
    sub = submitting.submit(CAMBS_OFFICE, round_.round_id, CAMBS, answers=answers)
    review.accept(REVIEWER_ACTOR, sub.submission_id)

    position = queries.coverage(clock.today()).set_index("pfa_code").loc[CAMBS]
    assert position["masip_status"] == "established", position["masip_status"]
    assert position["masip_status"] != rules.FUNDING_ENDED


def test_a_status_reported_before_its_funding_ended_still_reads_funding_ended(sandbox):
    """The other side of the rule: the December 2024 position said 'established' before the March 2025
    end, so at a date after it (no return) the programme is not counted as running."""
    position = queries.coverage(clock.today()).set_index("pfa_code").loc[CAMBS]
    assert position["masip_status"] == rules.FUNDING_ENDED


def test_the_status_list_and_reminder_csv_name_the_returned_commissioning_body(sandbox):
    round_ = open_round(sandbox, [HERTS, ESSEX])
    answers = herts_answers(round_, body_name="Hertfordshire Policing Board", body_kind="Policing board")
    sub = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=answers)
    review.accept(REVIEWER_ACTOR, sub.submission_id)

    frame = progress.status_frame(round_.round_id)
    owed = progress.readable_status(frame, ["pfa_code", "short_name", "commissioning_body", "state", "overdue"])
    bodies = owed.set_index("ONS code")["Commissioning body"]
    assert bodies[HERTS] == "Hertfordshire Policing Board"
    assert bodies[ESSEX] == queries.forces().set_index("pfa_code").at[ESSEX, "commissioner_name"], (
        "no return: as listed"
    )
