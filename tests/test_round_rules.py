"""The rules of a round the issue asked us to decide (issue 28, item 9), one test each:

- a return sent while the round was open is still reviewed after it closes: accepted (published) or
  returned; a returned one cannot be sent again into the closed round;
- one identity may enter a return and accept it, unless STALKING_SECOND_PERSON_REVIEW is set: then the
  identity that entered or sent a return cannot accept it (a second person must);
- a return sent after the due date is taken and flagged late, and the office's page says so before it
  is sent;
- a submission refused for its problems is written to the audit log (how many problems, where, the
  file's name, size and hash), never the file's content.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
import sqlalchemy as sa

from core import paths
from core.problems import InputError
from tests.test_rounds import herts_answers
from tests.workflow_fixtures import (  # noqa: F401 - sandbox is a fixture
    ADMIN_ACTOR,
    HERTS,
    HERTS_OFFICE,
    REVIEWER_ACTOR,
    open_round,
    sandbox,
    signed_in_app,
)
from workflow import guard, progress, review, rounds, submitting
from workflow.database import AuditEntry, engine

pytestmark = pytest.mark.dates


def refused_entries(url=None) -> list[tuple]:
    with engine(url).connect() as conn:
        return conn.execute(
            sa.select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail, AuditEntry.file_sha256)
            .where(AuditEntry.outcome == "refused")
            .order_by(AuditEntry.entry_id)
        ).all()


# ---------------------------------------------------------------- after the close


def test_a_return_sent_before_the_close_is_accepted_after_it(sandbox):
    round_ = open_round(sandbox, [HERTS])
    sent = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=herts_answers(round_, isa_fte="4.5"))
    rounds.close_round(ADMIN_ACTOR, round_.round_id)
    done = review.accept(REVIEWER_ACTOR, sent.submission_id)
    assert done.state == "accepted" and done.stored_as, "closing stops new returns, not the review of those sent"


def test_a_return_sent_back_after_the_close_cannot_be_sent_again_into_it(sandbox):
    round_ = open_round(sandbox, [HERTS])
    answers = herts_answers(round_)
    sent = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=answers)
    rounds.close_round(ADMIN_ACTOR, round_.round_id)
    review.return_for_changes(REVIEWER_ACTOR, sent.submission_id, "Name the provider.")
    with pytest.raises(guard.Refused, match="is closed"):
        submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=answers)


# ---------------------------------------------------------------- a second person


def test_one_identity_may_enter_and_accept_a_return_by_default(sandbox, monkeypatch):
    monkeypatch.setattr(paths, "SECOND_PERSON_REVIEW", False)
    round_ = open_round(sandbox, [HERTS])
    entered = submitting.submit(ADMIN_ACTOR, round_.round_id, HERTS, answers=herts_answers(round_))
    assert review.accept(ADMIN_ACTOR, entered.submission_id).state == "accepted"


def test_with_the_second_person_setting_who_entered_a_return_cannot_accept_it(sandbox, monkeypatch):
    """Before: no such setting; the admin who entered an emailed return could always accept it."""
    monkeypatch.setattr(paths, "SECOND_PERSON_REVIEW", True)
    round_ = open_round(sandbox, [HERTS])
    entered = submitting.submit(ADMIN_ACTOR, round_.round_id, HERTS, answers=herts_answers(round_))
    with pytest.raises(guard.Refused, match="a second person must accept it"):
        review.accept(ADMIN_ACTOR, entered.submission_id)
    assert review.submission(ADMIN_ACTOR, entered.submission_id).state == "submitted", "nothing changed"
    assert review.accept(REVIEWER_ACTOR, entered.submission_id).state == "accepted"


def test_the_second_person_setting_holds_on_the_command_line(sandbox, tmp_path):
    from intake import forms, templates
    from tests.test_rounds import run_cli

    round_ = open_round(sandbox, [HERTS])
    emailed = tmp_path / "herts.csv"
    emailed.write_bytes(templates.template_csv(forms.to_rows(herts_answers(round_), HERTS)[0]))
    assert run_cli("submit", str(emailed), "--round", round_.round_id, box=sandbox).returncode == 0
    code = (
        "import os, sys\nos.environ['STALKING_SECOND_PERSON_REVIEW'] = '1'\nfrom pathlib import Path\n"
        "from core import paths\n"
        f"paths.DATA_DIR = Path({str(sandbox.data_dir)!r}); paths.DATABASE = Path({str(sandbox.database)!r})\n"
        f"paths.WORKFLOW_URL = {sandbox.url!r}\n"
        "from returns.__main__ import main\nsys.exit(main(sys.argv[1:]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "review", round_.round_id, HERTS, "--accept"],
        cwd=paths.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("refused: ") and "a second person must accept it" in done.stderr, done.stderr


# ---------------------------------------------------------------- late


def test_a_return_sent_after_the_due_date_is_taken_and_flagged_late(sandbox, today_is):
    round_ = open_round(sandbox, [HERTS])
    today_is(round_.due + dt.timedelta(days=3))
    before = {s.pfa_code: s for s in progress.status(round_.round_id)}[HERTS]
    assert before.overdue and not before.late
    sent = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=herts_answers(round_))
    assert sent.state == "submitted", "a late return is taken"
    state = {s.pfa_code: s for s in progress.status(round_.round_id)}[HERTS]
    assert state.late and not state.overdue, "sent late: no longer owed, but flagged"
    frame = progress.status_frame(round_.round_id)
    assert progress.readable_status(frame, ["pfa_code", "state", "late"])["Sent late"].tolist() == ["yes"]
    review.accept(REVIEWER_ACTOR, sent.submission_id)
    assert {s.pfa_code: s for s in progress.status(round_.round_id)}[HERTS].late, "still late once accepted"


def test_the_office_page_says_a_return_is_late_before_and_after_it_is_sent(sandbox, today_is):
    round_ = open_round(sandbox, [HERTS])
    today_is(round_.due + dt.timedelta(days=1))
    at = signed_in_app(HERTS_OFFICE.email)
    at.switch_page("app_pages/office_return.py").run()
    warnings = " ".join(w.value for w in at.warning)
    assert "The due date has passed" in warnings and "still taken" in warnings and "marked late" in warnings
    submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=herts_answers(round_))
    at.run()
    said = " ".join(m.value for m in [*at.markdown, *at.caption, *at.info])
    assert "sent late" in said.lower(), said


def test_a_return_sent_on_the_due_date_is_not_late(sandbox, today_is):
    round_ = open_round(sandbox, [HERTS])
    today_is(round_.due)
    submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=herts_answers(round_))
    assert not {s.pfa_code: s for s in progress.status(round_.round_id)}[HERTS].late


# ---------------------------------------------------------------- refused for its problems


SECRET = "Operation Kestrel at 14 Acacia Avenue"


def test_a_submission_refused_for_its_problems_is_logged_without_its_content(sandbox):
    """Before: nothing in the audit log for a return refused for its problems."""
    from intake import forms, templates

    round_ = open_round(sandbox, [HERTS])
    rows = forms.to_rows(herts_answers(round_), HERTS)[0]
    rows[0]["value"], rows[0]["evidence"] = SECRET, SECRET + "\x1b[2J"
    data = templates.template_csv(rows)
    with pytest.raises(InputError) as refused:
        submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, file_bytes=data, file_name="herts.csv")
    assert refused.value.problems
    answers = herts_answers(round_, isa_fte="many " + SECRET)
    with pytest.raises(InputError):
        submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=answers)
    entries = refused_entries()
    assert [(who, action) for who, action, *_ in entries] == [(HERTS_OFFICE.email, "submit")] * 2, entries
    file_entry, form_entry = entries
    assert file_entry.file_sha256 and "herts.csv" in file_entry.detail and f"{len(data):,} bytes" in file_entry.detail
    assert "problem" in file_entry.detail and "problem" in form_entry.detail
    for entry in entries:
        assert SECRET not in entry.detail and "Kestrel" not in entry.detail and "\x1b" not in entry.detail, entry
    assert review.queue(REVIEWER_ACTOR, round_.round_id) == [], "nothing submitted"
