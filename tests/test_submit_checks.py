"""Checks at submit as strong as at accept (issue 28 item 6): a return is checked fully once,
when it is submitted (against the funded services and files accepted already too), and the
round's own facts are locked: its force, its round and its as-at date."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
import sqlalchemy as sa

from core.problems import InputError
from intake import templates, workbook
from tests.test_returns import fact, funding
from tests.workflow_fixtures import (  # noqa: F401
    HERTS,
    HERTS_OFFICE,
    REVIEWER_ACTOR,
    open_round,
    sandbox,
)
from workflow import guard, review, submitting
from workflow.database import engine

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates


def submissions() -> list[tuple]:
    with engine().connect() as conn:
        return conn.execute(sa.text("SELECT pfa_code, state FROM submissions")).all()


def herts_csv(round_, *rows) -> bytes:
    """A CSV of rows for Hertfordshire as at the round's date."""
    dated = [r | {"as_at": round_.as_at.isoformat()} for r in rows]
    return templates.template_csv(dated)


def answer_cell(book, key: str):
    manifest = book[workbook.MANIFEST]
    spec = json.loads("".join(str(manifest.cell(row=r, column=1).value or "") for r in range(2, manifest.max_row + 1)))
    sheet, cell = spec["answers"][key].split("!")
    return book[sheet][cell]


def signed(data: bytes, **cells) -> bytes:
    """A workbook with its sign-off filled in (and any other answer cells given)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    answer_cell(book, "submitted_by").value = "Jane Smith, Policy Officer"
    answer_cell(book, "signed_off_by").value = "Chief Executive, OPCC"
    answer_cell(book, "isa_model").value = answer_cell(book, "isa_model").value or "Not known"
    for key, value in cells.items():
        answer_cell(book, key).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_return_naming_another_forces_funded_service_is_refused_at_submit(sandbox):
    round_ = open_round(sandbox, [HERTS])
    raw = herts_csv(round_, funding(stream_id="kent-stalking-advocacy-moj", service="Kent's service"))
    with pytest.raises(InputError, match="'kent-stalking-advocacy-moj' is a funded service of E23000032"):
        submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, file_bytes=raw, file_name="herts.csv")
    assert submissions() == [], "nothing stored"


def test_a_file_already_published_is_refused_at_submit(sandbox):
    round_ = open_round(sandbox, [HERTS])
    raw = herts_csv(round_, fact("isac_provision", "isac_count", "4"))
    sub = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, file_bytes=raw, file_name="herts.csv")
    review.accept(REVIEWER_ACTOR, sub.submission_id)
    with pytest.raises(InputError, match="already imported"):
        submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, file_bytes=raw, file_name="herts-again.csv")


def test_a_round_workbook_whose_as_at_was_changed_is_refused(sandbox):
    round_ = open_round(sandbox, [HERTS])
    data = signed(submitting.template(HERTS_OFFICE, round_.round_id, HERTS), as_at=dt.datetime(2000, 1, 1))
    with pytest.raises(guard.Refused, match=f"as at 2000-01-01, not the round's {round_.as_at}"):
        submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, file_bytes=data, file_name="herts.xlsx")
    assert submissions() == []
    unchanged = signed(submitting.template(HERTS_OFFICE, round_.round_id, HERTS))
    sub = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, file_bytes=unchanged, file_name="herts.xlsx")
    assert sub.state == "submitted", "the same workbook with its date as the round set it is taken"


def test_a_workbook_made_for_no_round_or_another_round_is_refused_into_a_round(sandbox):
    round_ = open_round(sandbox, [HERTS])
    other = open_round(sandbox, [HERTS], title="Another round", days_ago=5)
    answers, previous = submitting.prefilled(round_, HERTS)
    for round_id, said in ((None, "no round"), (other.round_id, f"round {other.round_id}")):
        data = signed(workbook.build(answers, previous, force_name="Hertfordshire", round_id=round_id))
        with pytest.raises(guard.Refused, match=f"the workbook is for {HERTS} \\({said}\\), not {HERTS}"):
            submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, file_bytes=data, file_name="herts.xlsx")
    assert submissions() == []


def test_a_csv_or_the_forms_answers_as_at_another_date_are_refused_into_a_round(sandbox):
    round_ = open_round(sandbox, [HERTS])
    raw = templates.template_csv([fact("isac_provision", "isac_count", "4") | {"as_at": "2025-05-01"}])
    with pytest.raises(guard.Refused, match=f"as at 2025-05-01, not the round's {round_.as_at}"):
        submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, file_bytes=raw, file_name="herts.csv")
    answers, _ = submitting.prefilled(round_, HERTS)
    answers.values.update(as_at="2025-05-01", submitted_by="Jane Smith", signed_off_by="Chief Executive")
    with pytest.raises(guard.Refused, match=f"as at 2025-05-01, not the round's {round_.as_at}"):
        submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=answers)
    assert submissions() == []
