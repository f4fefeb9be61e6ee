"""The round's 43 workbooks (issue 24 item 2), made in one reading of the published position and
saved in memory: the same workbooks as one force at a time through openpyxl's own save."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from core import queries
from intake import workbook
from tests.workflow_fixtures import ADMIN_ACTOR, open_round, sandbox  # noqa: F401
from workflow import submitting

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates


def cells(data: bytes) -> dict:
    """Every cell's value and look, every sheet's state and every data validation, as read back."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    out = {}
    for ws in book.worksheets:
        out[ws.title] = (ws.sheet_state, ws.protection.sheet, ws.freeze_panes)
        for dv in ws.data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                for row, column in (
                    (r, c) for r in range(rng.min_row, rng.max_row + 1) for c in range(rng.min_col, rng.max_col + 1)
                ):
                    out[(ws.title, row, column, "validation")] = (dv.type, dv.formula1, dv.formula2, dv.error)
        for row in ws.iter_rows():
            for c in row:
                out[(ws.title, c.coordinate)] = (
                    c.value,
                    c.number_format,
                    c.protection.locked,
                    c.fill.fgColor.rgb,
                    c.alignment.wrap_text,
                )
    return out


def test_a_workbook_saved_in_memory_reads_back_as_openpyxls_own_save(sandbox, monkeypatch):
    round_ = open_round(sandbox)
    answers, previous = submitting.prefilled(round_, "E23000027")
    made = []
    monkeypatch.setattr(workbook, "save", lambda wb, _save=workbook.save: made.append(wb) or _save(wb))
    ours = workbook.build(answers, previous, force_name="Hertfordshire", round_id=round_.round_id)
    theirs = io.BytesIO()
    made[0].save(theirs)
    assert cells(ours) == cells(theirs.getvalue())
    with zipfile.ZipFile(io.BytesIO(ours)) as a, zipfile.ZipFile(theirs) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())
    meta, read = workbook.read(ours, "herts.xlsx")
    assert meta.round_id == round_.round_id and read.force == "E23000027"


def test_every_forces_answers_from_one_reading_are_its_answers_read_alone(sandbox):
    round_ = open_round(sandbox)
    codes = queries.forces()["pfa_code"].tolist()
    assert len(codes) == 43
    together = {
        code: (answers.to_json(), previous) for code, answers, previous in submitting.prefilled_all(round_, codes)
    }
    for code in codes:
        answers, previous = submitting.prefilled(round_, code)
        assert together[code] == (answers.to_json(), previous), code
