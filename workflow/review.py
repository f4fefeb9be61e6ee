"""Review: reviewers see what each submission changes, return it with a comment or accept it.
Accepting publishes: the return is stored and the database rebuilt (intake.importing), then
marked accepted; a server killed in between leaves the published data old or new, and the
accept can be retried (it finds the return already stored and finishes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from core import clock, paths, queries
from core.problems import InputError, Problem
from etl.questions import Answers
from intake import forms
from intake.importing import import_return
from workflow import guard
from workflow.access import Actor
from workflow.database import Round, Submission
from workflow.submitting import prefilled, rows_table


def queue(actor: Actor, round_id: str | None = None, url: str | None = None) -> list[Submission]:
    """Submissions waiting for review, oldest first (reviewers)."""
    with guard.open_session(url) as session:
        guard.require(session, actor, "view queue", reviewer=True, round_id=round_id)
        query = sa.select(Submission).where(Submission.state == "submitted")
        if round_id:
            query = query.where(Submission.round_id == round_id)
        found = list(session.scalars(query.order_by(Submission.submitted_at)))
        session.commit()
        return found


def submission(actor: Actor, submission_id: int, url: str | None = None) -> Submission:
    """One submission: its reviewer, or its own office."""
    with guard.open_session(url) as session:
        sub = session.get(Submission, submission_id)
        if sub is None:
            raise InputError([Problem("submission", 0, "", f"no submission {submission_id}")])
        if not actor.is_reviewer:
            guard.require(session, actor, "view submission", office_of=sub.pfa_code, round_id=sub.round_id)
        session.commit()
        return sub


def submissions_of(actor: Actor, round_id: str, pfa_code: str, url: str | None = None) -> list[Submission]:
    with guard.open_session(url) as session:
        if not actor.is_reviewer:
            guard.require(session, actor, "view submissions", office_of=pfa_code, round_id=round_id)
        found = list(
            session.scalars(
                sa.select(Submission)
                .where(Submission.round_id == round_id, Submission.pfa_code == pfa_code)
                .order_by(Submission.submission_id)
            )
        )
        session.commit()
        return found


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


def changes(sub: Submission, round_: Round) -> list[FieldChange]:
    """Field by field, what the submission changes from the published position (unchanged fields left out)."""
    from etl.questions import LISTINGS, QUESTIONS

    before, _ = prefilled(round_, sub.pfa_code)
    if sub.answers:
        after = Answers.from_json(sub.answers)
    else:  # a CSV of rows: show it row by row against the rows the published position makes
        names = queries.forces().set_index("pfa_code")["short_name"]
        old_rows = {_row_key(r) for r in forms.to_rows(before, names[sub.pfa_code])[0]}
        new_rows = {_row_key(r) for r in sub.rows}
        return [FieldChange(k, "", "added") for k in sorted(new_rows - old_rows)] + [
            FieldChange(k, "removed", "") for k in sorted(old_rows - new_rows)
        ]
    out = []
    for key, q in QUESTIONS.items():
        if key in ("as_at", "submitted_by", "signed_off_by", "return_evidence"):
            continue
        old, new = before.values.get(key, ""), after.values.get(key, "")
        if old != new:
            out.append(FieldChange(q.prompt, q.label_of(old) if old else "", q.label_of(new) if new else ""))
    for key, listing in LISTINGS.items():
        olds = forms.filled_rows(before, key)
        news = forms.filled_rows(after, key)
        for i in range(max(len(olds), len(news))):
            old = olds[i] if i < len(olds) else {}
            new = news[i] if i < len(news) else {}
            for column in listing.columns:
                a, b = str(old.get(column.key, "") or ""), str(new.get(column.key, "") or "")
                if a != b:
                    out.append(FieldChange(f"{listing.prompt} row {i + 1}: {column.prompt}", a, b))
    return out


def _row_key(row: dict) -> str:
    if row.get("record") == "funding":
        return " / ".join(str(row.get(c, "")) for c in ("stream_id", "service", "funder", "end_date", "status"))
    return " / ".join(str(row.get(c, "")) for c in ("dimension", "item", "attribute", "value"))


def return_for_changes(actor: Actor, submission_id: int, comment: str, url: str | None = None) -> Submission:
    """Send a submission back to its office with a comment."""
    with guard.open_session(url) as session:
        sub = session.get(Submission, submission_id)
        guard.require(session, actor, "return for changes", reviewer=True, round_id=sub.round_id if sub else None)
        if sub is None or sub.state != "submitted":
            raise guard.refuse(
                session, actor, "return for changes", f"submission {submission_id} is not waiting for review"
            )
        if not comment.strip():
            raise InputError([Problem("comment", 0, "", "a comment is needed; expected what the office should change")])
        sub.state, sub.reviewed_at, sub.reviewed_by, sub.comment = "returned", clock.now(), actor.email, comment.strip()
        guard.audit(
            session,
            actor,
            "return for changes",
            "ok",
            round_id=sub.round_id,
            pfa_code=sub.pfa_code,
            file_sha256=sub.file_sha256,
            detail=comment.strip(),
        )
        session.commit()
        return sub


def _second_person(session, actor: Actor, sub: Submission) -> None:
    """With STALKING_SECOND_PERSON_REVIEW set, refuse an accept by the identity that entered or sent the return.

    Off by default: one analyst may enter a return an office emailed and accept it (recorded as
    entered on the office's behalf, and the accept under the same name, in the audit log)."""
    if paths.SECOND_PERSON_REVIEW and actor.who in {sub.submitted_by, sub.entered_by}:
        raise guard.refuse(
            session,
            actor,
            "accept",
            f"{actor.who} entered submission {sub.submission_id}, so a second person must accept it "
            "(STALKING_SECOND_PERSON_REVIEW is set)",
            round_id=sub.round_id,
            pfa_code=sub.pfa_code,
        )


def accept(
    actor: Actor,
    submission_id: int,
    *,
    url: str | None = None,
    data_dir: Path | None = None,
    database: Path | None = None,
    today: dt.date | None = None,
) -> Submission:
    """Publish a submission: store it, rebuild the database, mark it accepted. Safe to retry."""
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA_DIR
    database = database or paths.DATABASE
    with guard.open_session(url) as session:
        sub = session.get(Submission, submission_id)
        guard.require(session, actor, "accept", reviewer=True, round_id=sub.round_id if sub else None)
        if sub is None:
            raise InputError([Problem("submission", 0, "", f"no submission {submission_id}")])
        if sub.state == "accepted":
            return sub
        _second_person(session, actor, sub)
        if sub.state != "submitted":
            raise guard.refuse(
                session,
                actor,
                "accept",
                f"submission {submission_id} is {sub.state}, not waiting for review",
                round_id=sub.round_id,
                pfa_code=sub.pfa_code,
            )
        session.commit()
    table = rows_table(sub.rows, sub.file_name, sub.file_sha256)
    stored_as = None
    try:
        result = import_return(
            sub.file_bytes,
            sub.file_name,
            data_dir=data_dir,
            database=database,
            table=table,
            entered_by=sub.entered_by,
            round_id=sub.round_id,
            today=today,
            name=sub.file_name,
        )
        stored_as = result.stored.name
    except InputError as err:
        already = [p for p in err.problems if "already imported" in p.message]
        if not already or len(already) != len(err.problems):
            with guard.open_session(url) as session:
                guard.audit(
                    session,
                    actor,
                    "accept",
                    "failed",
                    round_id=sub.round_id,
                    pfa_code=sub.pfa_code,
                    file_sha256=sub.file_sha256,
                    detail="; ".join(str(p) for p in err.problems),
                )
                session.commit()
            raise
        # Stored by an accept that stopped before it was marked: finish it (the import caught the database up).
        stored_as = already[0].message.split("stored as ")[-1].split(")")[0]
    with guard.open_session(url) as session:
        sub = session.get(Submission, submission_id)
        for earlier in session.scalars(
            sa.select(Submission).where(
                Submission.round_id == sub.round_id,
                Submission.pfa_code == sub.pfa_code,
                Submission.state == "accepted",
                Submission.submission_id != submission_id,
            )
        ):
            earlier.state = "superseded"
        sub.state, sub.reviewed_at, sub.reviewed_by, sub.stored_as = "accepted", clock.now(), actor.email, stored_as
        guard.audit(
            session,
            actor,
            "accept",
            "ok",
            round_id=sub.round_id,
            pfa_code=sub.pfa_code,
            file_sha256=sub.file_sha256,
            detail=f"published as {stored_as}",
        )
        session.commit()
        return sub
