"""Validated once (issue 24 item 2): a submission is checked once, in full; the accept that publishes
it reads what it is checked against once, under the writer lock, and builds the database once,
with no database built in memory beside it. Counted, not timed (the times are in bench/)."""

from __future__ import annotations

import collections

import pytest

from etl import load, pipeline, stored_returns
from intake import comparing
from tests.workflow_fixtures import HERTS, HERTS_OFFICE, REVIEWER_ACTOR, open_round, sandbox  # noqa: F401
from workflow import review, submitting

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates


@pytest.fixture
def calls(monkeypatch) -> collections.Counter:
    """How many times each stage of reading, checking and building runs."""
    counted: collections.Counter = collections.Counter()
    for module, name in (
        (pipeline, "read_inputs"),
        (pipeline, "validate_inputs"),
        (pipeline, "read_returns"),
        (stored_returns, "read_all"),
        (load, "create"),
        (load, "in_memory"),
        (comparing, "preview"),
    ):
        original = getattr(module, name)

        def counting(*args, _original=original, _name=name, **kwargs):
            counted[_name] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counting)
    return counted


def herts_answers(round_):
    answers, _ = submitting.prefilled(round_, HERTS)
    answers.values.update(submitted_by="Jane Smith", signed_off_by="Chief Executive", isa_fte="3.5")
    answers.values.setdefault("isa_model", "not known")
    return answers


def test_a_submission_is_checked_once_in_full(sandbox, calls):
    round_ = open_round(sandbox, [HERTS])
    answers = herts_answers(round_)
    calls.clear()
    submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=answers)
    assert dict(calls) == {"read_inputs": 1, "validate_inputs": 1, "read_returns": 1, "read_all": 1}


def test_an_accept_reads_once_and_builds_the_database_once(sandbox, calls):
    round_ = open_round(sandbox, [HERTS])
    sub = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=herts_answers(round_))
    calls.clear()
    done = review.accept(REVIEWER_ACTOR, sub.submission_id)
    assert done.state == "accepted"
    assert dict(calls) == {"read_inputs": 1, "validate_inputs": 1, "read_returns": 1, "read_all": 1, "create": 1}
    assert pipeline.is_current(sandbox.data_dir, sandbox.database), "built from exactly the inputs there are"
