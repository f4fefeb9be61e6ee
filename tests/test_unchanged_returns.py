"""Every office can send its unchanged return (issue 25, item 2): what the pre-fill writes is a valid
answer for every force, so the return an office sends with only the sign-off typed in, from the browser
form or as the workbook, is taken and accepted for all 43 force areas, and restates the published
position. One sandbox (one database) serves the 43 forces."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from core import queries
from core.problems import InputError
from intake import forms, workbook
from tests.workflow_fixtures import REVIEWER_ACTOR, open_round, sandbox  # noqa: F401 - sandbox is a fixture
from ui import return_form
from workflow import access, progress, review, submitting

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates

SIGNED = {"submitted_by": "Jane Smith, Policy Officer", "signed_off_by": "Chief Executive of the office"}
# What an unchanged return restates of the published position (the statuses as reported, the counts).
RESTATED = [
    "isac_status_reported",
    "perpetrator_programme_status_reported",
    "masip_status_reported",
    "isac_count",
    "isa_fte",
    "funded_services",
]


def signed_workbook(data: bytes) -> bytes:
    """The pre-filled workbook with only the sign-off typed in, as an office would send it unchanged."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    meta_cells = workbook.answer_cells(book)
    for key, value in SIGNED.items():
        sheet, cell = meta_cells[key].split("!")
        book[sheet][cell].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.slow
def test_every_pre_filled_answer_is_one_the_form_takes_for_all_43_forces(sandbox):
    """The pre-fill itself: no choice it writes is missing from its dropdown, no text is too long, for
    any force (before anything is signed, the only problems are the sign-off's own)."""
    round_ = open_round(sandbox)
    for code in queries.forces()["pfa_code"]:
        answers, _ = submitting.prefilled(round_, code)
        problems = [(str(o), m) for o, m in forms.check_answers(answers)]
        assert problems == [("submitted_by", forms.NEEDED), ("signed_off_by", forms.NEEDED)], (code, problems)


@pytest.mark.slow
def test_all_43_unchanged_returns_are_accepted_from_the_form_and_the_workbook(sandbox):
    round_ = open_round(sandbox)
    codes = queries.forces()["pfa_code"].tolist()
    before = queries.coverage(round_.as_at).set_index("pfa_code")
    refused: dict[str, list[str]] = {}
    for i, code in enumerate(codes):
        office = access.Actor(f"office-{code}@example.org", access.OFFICE, code)
        answers, _ = submitting.prefilled(round_, code)
        from_form = return_form.round_trip(answers)  # the browser form, loaded and read back unchanged
        from_form.values.update(SIGNED)
        book = signed_workbook(submitting.template(office, round_.round_id, code))
        sends = [dict(answers=from_form), dict(file_bytes=book, file_name=f"{code}.xlsx")]
        if i % 2:  # half the forces send the workbook last, half the form: each way is accepted for real
            sends.reverse()
        try:
            first, last = (submitting.submit(office, round_.round_id, code, **send) for send in sends)
        except InputError as err:
            refused[code] = [str(p) for p in err.problems]
            continue
        assert first.rows == last.rows, f"{code}: the form and the workbook make the same return"
        review.accept(REVIEWER_ACTOR, last.submission_id)
    assert refused == {}, refused

    states = progress.status(round_.round_id)
    assert [s.state for s in states] == [progress.ACCEPTED] * 43
    after = queries.coverage(round_.as_at).set_index("pfa_code")
    for column in RESTATED:
        changed = before[column].compare(after[column]) if column in before else pd.DataFrame()
        assert changed.empty, f"an unchanged return restates {column}:\n{changed}"
