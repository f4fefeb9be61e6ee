"""Review: reviewers see what each submission changes, return it with a comment or accept it.
Accepting publishes: the return is stored and the database rebuilt (intake.importing), then
marked accepted; a server killed in between leaves the published data old or new, and the
accept can be retried (it finds the return already stored and finishes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from core import clock, paths, queries, settings
from core.problems import InputError, Problem
from etl.questions import Answers
from intake import checking, forms, templates
from intake.checking import Table
from intake.importing import AlreadyImported, publish
from workflow import guard
from workflow.access import Actor
from workflow.database import (
    ACCEPTED,
    ACCEPTING,
    PENDING,
    RETURNED,
    SUBMITTED,
    SUPERSEDED,
    Round,
    Submission,
)
from workflow.submitting import answers_file_name, prefilled


def queue(actor: Actor, round_id: str | None = None, url: str | None = None) -> list[Submission]:
    """Submissions waiting for review, oldest first (reviewers); one being accepted too (accepting it
    again finishes an accept that stopped half way)."""
    with guard.open_session(url) as session:
        guard.require(session, actor, "view queue", reviewer=True, round_id=round_id)
        query = sa.select(Submission).where(Submission.state.in_(PENDING))  # an accept that stopped: again
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
        for old_row, new_row in _paired(forms.filled_rows(before, key), forms.filled_rows(after, key), key):
            name = (
                str((new_row or old_row).get("service") or (new_row or old_row).get("name") or "").strip()
                or "a new row"
            )
            for column in listing.columns:
                if column.key == "stream_id":
                    continue
                a, b = str(old_row.get(column.key, "") or ""), str(new_row.get(column.key, "") or "")
                if a != b:
                    out.append(
                        FieldChange(
                            f"{listing.prompt}: '{name}': {column.prompt}",
                            column.label_of(a) if a else "",
                            column.label_of(b) if b else "",
                        )
                    )
    return out


def _paired(olds: list[dict], news: list[dict], key: str) -> list[tuple[dict, dict]]:
    """The rows of a table before and after, paired: funded services by their key (a service added or
    dropped pairs with nothing), interventions and arrangements by name, then by position."""
    ident = "stream_id" if key == "funded_services" else "name"
    pairs, left = [], list(olds)
    for new in news:
        match = next((o for o in left if new.get(ident) and o.get(ident) == new.get(ident)), None)
        if match is None and key != "funded_services" and left and not new.get(ident):
            match = left[0]
        if match is not None:
            left.remove(match)
        pairs.append((match or {}, new))
    return pairs + [(o, {}) for o in left]


def examples_withheld(sub: Submission) -> list[tuple[str, str]]:
    """(theme, example) the office gave without consent to quote it: the reviewers read them; they are
    not in the return's rows, so never published."""
    from etl.questions import EXAMPLE, SECTIONS

    values = sub.answers.get("values", {}) if sub.answers else {}
    return [
        (section.title, str(values[q.key]))
        for section in SECTIONS
        for q in section.questions
        if q.attribute == EXAMPLE and values.get(q.key) and values.get(f"{q.key}_consent") != "yes"
    ]


def signed_names(sub: Submission) -> tuple[str, str]:
    """(who completed it, who signed it off), as the return gives them (not the signed-in identity)."""
    first = sub.rows[0] if sub.rows else {}
    answers = sub.answers.get("values", {}) if sub.answers else {}
    return (
        str(answers.get("submitted_by") or first.get("submitted_by") or ""),
        str(answers.get("signed_off_by") or first.get("signed_off_by") or ""),
    )


def _row_key(row: dict) -> str:
    if row.get("record") == "funding":
        return " / ".join(str(row.get(c, "")) for c in ("stream_id", "service", "funder", "end_date", "status"))
    return " / ".join(str(row.get(c, "")) for c in ("dimension", "item", "attribute", "value"))


def _move(session, submission_id: int, expected: tuple[str, ...], **values) -> bool:
    """Change a submission only if it is still in one of the `expected` states; False if it is not
    (someone else acted on it first)."""
    done = session.execute(
        sa.update(Submission)
        .where(Submission.submission_id == submission_id, Submission.state.in_(expected))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def _not_waiting(session, submission_id: int) -> str:
    """Why a submission is not waiting for review any more, in words (for the one who lost a race)."""
    session.expire_all()
    sub = session.get(Submission, submission_id)
    if sub is None:
        return f"no submission {submission_id}"
    by = f" by {sub.reviewed_by}" if sub.reviewed_by else ""
    return {
        ACCEPTING: f"submission {submission_id} is being accepted{by}; it was not returned",
        ACCEPTED: f"submission {submission_id} was accepted{by}",
        RETURNED: f"submission {submission_id} was returned for changes{by}",
        SUPERSEDED: f"submission {submission_id} was superseded by a later one from its office",
    }.get(sub.state, f"submission {submission_id} is {sub.state}, not waiting for review")


def return_for_changes(actor: Actor, submission_id: int, comment: str, url: str | None = None) -> Submission:
    """Send a submission back to its office with a comment: only while it is waiting for review
    (an update guarded by that state, so it cannot undo an accept running at the same moment)."""
    with guard.open_session(url) as session:
        sub = session.get(Submission, submission_id)
        guard.require(session, actor, "return for changes", reviewer=True, round_id=sub.round_id if sub else None)
        if not comment.strip():
            raise InputError([Problem("comment", 0, "", "a comment is needed; expected what the office should change")])
        moved = sub is not None and _move(
            session,
            submission_id,
            (SUBMITTED,),
            state=RETURNED,
            reviewed_at=clock.now(),
            reviewed_by=actor.email,
            comment=comment.strip(),
        )
        if not moved:
            raise guard.refuse(
                session,
                actor,
                "return for changes",
                _not_waiting(session, submission_id) + ": it is not waiting for review",
                round_id=sub.round_id if sub else None,
                pfa_code=sub.pfa_code if sub else None,
            )
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
        session.refresh(sub)
        return sub


def _second_person(session, actor: Actor, sub: Submission) -> None:
    """With STALKING_SECOND_PERSON_REVIEW set, refuse an accept by the identity that entered or sent the return.

    Off by default: one analyst may enter a return an office emailed and accept it (recorded as
    entered on the office's behalf, and the accept under the same name, in the audit log)."""
    if settings.current().second_person_review and actor.who in {sub.submitted_by, sub.entered_by}:
        raise guard.refuse(
            session,
            actor,
            "accept",
            f"{actor.who} entered submission {sub.submission_id}, so a second person must accept it "
            "(STALKING_SECOND_PERSON_REVIEW is set)",
            round_id=sub.round_id,
            pfa_code=sub.pfa_code,
        )


def stored_form(sub: Submission) -> tuple[bytes, Table, dict[str, str] | None]:
    """What accepting a submission stores: its file, or, for answers (the browser form or the round's
    workbook), the CSV of the rows they made; the rows as checked at submit; and the workbook received,
    when that is not what is stored."""
    if sub.answers is None:
        return sub.file_bytes, checking.rows_table(sub.rows, sub.file_name, sub.file_sha256), None
    raw = templates.template_csv(sub.rows)
    sha = hashlib.sha256(raw).hexdigest()
    name = answers_file_name(sub.pfa_code, sub.round_id)
    received = None if sha == sub.file_sha256 else {"file_name": sub.file_name, "sha256": sub.file_sha256}
    return raw, checking.rows_table(sub.rows, sub.file_name, sha, path=Path(name)), received


def accept(
    actor: Actor,
    submission_id: int,
    *,
    url: str | None = None,
    data_dir: Path | None = None,
    database: Path | None = None,
    today: dt.date | None = None,
) -> Submission:
    """Publish a submission: store it, rebuild the database, mark it accepted. Safe to retry.

    The submission is claimed first ('accepting', an update guarded by its state), so a reviewer
    returning it at the same moment is refused rather than left with a comment on a published return;
    an accept that stopped half way (or one running in another reviewer's browser) is finished by
    accepting again: the return already stored is found (intake.AlreadyImported) and marked."""
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA_DIR
    database = database or paths.DATABASE
    with guard.open_session(url) as session:
        sub = session.get(Submission, submission_id)
        guard.require(session, actor, "accept", reviewer=True, round_id=sub.round_id if sub else None)
        if sub is None:
            raise InputError([Problem("submission", 0, "", f"no submission {submission_id}")])
        if sub.state == ACCEPTED:
            return sub
        _second_person(session, actor, sub)
        if not _move(session, submission_id, PENDING, state=ACCEPTING, reviewed_by=actor.email):
            raise guard.refuse(
                session,
                actor,
                "accept",
                _not_waiting(session, submission_id) + ": it is not waiting for review",
                round_id=sub.round_id,
                pfa_code=sub.pfa_code,
            )
        session.commit()
    raw, table, received = stored_form(sub)
    try:
        stored_as = publish(
            raw,
            table,
            data_dir=data_dir,
            database=database,
            today=today,
            entered_by=sub.entered_by,
            round_id=sub.round_id,
            received=received,
        ).stored.name
    except AlreadyImported as already:  # stored by an accept that stopped before it was marked: finish it
        stored_as = already.stored_as
    except BaseException as err:
        with guard.open_session(url) as session:
            _move(session, submission_id, (ACCEPTING,), state=SUBMITTED, reviewed_by=None)  # waiting again
            if isinstance(err, InputError):
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
    with guard.open_session(url) as session:
        if _move(
            session,
            submission_id,
            (ACCEPTING,),
            state=ACCEPTED,
            reviewed_at=clock.now(),
            reviewed_by=actor.email,
            stored_as=stored_as,
        ):
            session.execute(
                sa.update(Submission)
                .where(
                    Submission.round_id == sub.round_id,
                    Submission.pfa_code == sub.pfa_code,
                    Submission.state == ACCEPTED,
                    Submission.submission_id != submission_id,
                )
                .values(state=SUPERSEDED)
                .execution_options(synchronize_session=False)
            )
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
        session.commit()  # else another reviewer's accept of it marked it first
        done = session.get(Submission, submission_id)
        session.refresh(done)
        return done
