"""Returns rounds: the APCC asks the offices for their positions, offices answer, reviewers
accept or return, and only accepted returns are published.

Every action here takes the `Actor` doing it and checks, on the server, that the actor
may: an office acts only for its own force, reviewers review, admins open and close
rounds. A refused action is logged in the audit log with the reason, and refusals are
rate-limited globally (across processes, through the audit log). Allowed actions are
logged too: the log is append-only.

Lifecycle of a force in a round: not started → draft → submitted → returned for
changes (→ draft → submitted …) → accepted; "overdue" once the due date has passed
without an accepted or pending return. Accepting publishes: the return is stored
under data/returns/ and the database rebuilt (returns.importing), then marked
accepted; a server killed in between leaves the published data old or new, and the
accept can be retried (it finds the return already stored and finishes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import clock, paths, queries
from core.problems import InputError, Problem
from core.text import printable, slug
from etl.questions import Answers
from etl.read import Table
from etl.schema import RETURN_COLUMNS
from returns import forms, templates, workbook
from returns.access import Actor
from returns.database import AuditEntry, Draft, Identity, Round, RoundForce, Submission, engine
from returns.importing import import_return
from returns.reading import read_return

NOT_STARTED, DRAFT, SUBMITTED, RETURNED, ACCEPTED = (
    "not started",
    "draft",
    "submitted",
    "returned for changes",
    "accepted",
)
STATES = (NOT_STARTED, DRAFT, SUBMITTED, RETURNED, ACCEPTED)
# Refused actions allowed, across all processes, per minute before every action is refused for a while.
REFUSALS_PER_MINUTE = 30
SECURITY_LOG = logging.getLogger("stalking.security")


class Refused(PermissionError):
    """The actor may not do this; the message says why (it is logged)."""


def _now() -> dt.datetime:
    return clock.now()


def _session(url: str | None = None) -> Session:
    return Session(engine(url), expire_on_commit=False)


def audit(
    session: Session,
    actor: Actor,
    action: str,
    outcome: str,
    *,
    round_id: str | None = None,
    pfa_code: str | None = None,
    file_sha256: str | None = None,
    detail: str | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=_now(),
            actor=actor.email or "anonymous",
            role=actor.role,
            action=action,
            round_id=round_id,
            pfa_code=pfa_code,
            file_sha256=file_sha256,
            outcome=outcome,
            detail=(detail or "")[:2000] or None,
        )
    )


def _refuse(session: Session, actor: Actor, action: str, reason: str, **where) -> Refused:
    """Log the refusal (in its own transaction, so it stays whatever happens next) and make the exception.

    It also goes to the `stalking.security` logger, for whoever watches the server's log."""
    SECURITY_LOG.warning(
        "refused %s by %s (%s) %s: %s",
        action,
        printable(actor.email or "anonymous"),
        actor.role,
        " ".join(f"{k}={printable(str(v))}" for k, v in where.items() if v),
        printable(reason),
    )
    session.rollback()
    audit(session, actor, action, "refused", detail=reason, **where)
    session.commit()
    return Refused(reason)


def _rate_limit(session: Session, actor: Actor, action: str) -> None:
    """Refuse everything for a while when too many actions were refused in the last minute (any process)."""
    since = _now() - dt.timedelta(minutes=1)
    refused = session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.outcome == "refused", AuditEntry.at >= since)
    )
    if refused and refused >= REFUSALS_PER_MINUTE:
        raise _refuse(session, actor, action, "too many refused attempts in the last minute; try again later")


def _require(
    session: Session,
    actor: Actor,
    action: str,
    *,
    office_of: str | None = None,
    reviewer: bool = False,
    admin: bool = False,
    round_id: str | None = None,
) -> None:
    """Check that the actor may do `action` (for the force `office_of`, if an office acts); log and raise if not."""
    _rate_limit(session, actor, action)
    where = {"round_id": round_id, "pfa_code": office_of}
    if admin and not actor.is_admin:
        raise _refuse(session, actor, action, "only an admin may do this", **where)
    if reviewer and not actor.is_reviewer:
        raise _refuse(session, actor, action, "only a reviewer or admin may do this", **where)
    if office_of is not None and not actor.is_admin:
        if not actor.is_office:
            raise _refuse(session, actor, action, "only the force's own office (or an admin) may do this", **where)
        if actor.pfa_code != office_of:
            raise _refuse(
                session,
                actor,
                action,
                f"an office for {actor.pfa_code} acting for {office_of}: only its own force is allowed",
                **where,
            )


def remember(actor: Actor, url: str | None = None) -> None:
    """Record the identity the access list resolved at sign-in (who, as what, when last seen)."""
    if not actor.email or actor.role == "public":
        return
    with _session(url) as session:
        found = session.get(Identity, actor.email)
        now = _now()
        if found is None:
            session.add(
                Identity(
                    email=actor.email,
                    name=actor.name,
                    role=actor.role,
                    pfa_code=actor.pfa_code,
                    first_seen=now,
                    last_seen=now,
                )
            )
        else:
            found.name, found.role, found.pfa_code, found.last_seen = actor.name, actor.role, actor.pfa_code, now
        session.commit()


# ---------------------------------------------------------------- rounds


def open_round(
    actor: Actor, title: str, as_at: dt.date, due: dt.date, forces: list[str] | None = None, url: str | None = None
) -> Round:
    """Open a round asking `forces` (ONS codes; default all 43) for their positions as at `as_at`, due by `due`."""
    with _session(url) as session:
        _require(session, actor, "open round", admin=True)
        title = " ".join(title.split())
        problems = []
        if not title:
            problems.append("a title is needed, e.g. 'Stalking services position, March 2027'")
        if due < as_at:
            problems.append(f"the due date {due} is before the as-at date {as_at}; expected it on or after")
        known = set(queries.forces()["pfa_code"])
        asked = list(dict.fromkeys(forces or sorted(known)))
        unknown = [f for f in asked if f not in known]
        if unknown:
            problems.append(f"unknown force code(s) {', '.join(unknown)}; expected ONS codes such as E23000027")
        if problems:
            raise InputError([Problem("round", 0, "", p) for p in problems])
        base = slug(title, 60)
        round_id, n = base, 2
        while session.get(Round, round_id) is not None:
            round_id, n = f"{base}-{n}", n + 1
        made = Round(round_id=round_id, title=title, as_at=as_at, due=due, opened_at=_now(), opened_by=actor.email)
        session.add(made)
        session.add_all(RoundForce(round_id=round_id, pfa_code=code) for code in asked)
        audit(
            session,
            actor,
            "open round",
            "ok",
            round_id=round_id,
            detail=f"{len(asked)} forces; as at {as_at}; due {due}",
        )
        session.commit()
        return made


def rounds(url: str | None = None) -> list[Round]:
    with _session(url) as session:
        return list(session.scalars(sa.select(Round).order_by(Round.opened_at.desc())))


def get_round(round_id: str, url: str | None = None) -> Round:
    with _session(url) as session:
        found = session.get(Round, round_id)
    if found is None:
        raise InputError([Problem("round", 0, "", f"no round '{round_id}'; expected the id `round list` prints")])
    return found


def close_round(actor: Actor, round_id: str, url: str | None = None) -> Round:
    with _session(url) as session:
        _require(session, actor, "close round", admin=True, round_id=round_id)
        found = session.get(Round, round_id)
        if found is None:
            raise InputError([Problem("round", 0, "", f"no round '{round_id}'")])
        found.closed_at, found.closed_by = _now(), actor.email
        audit(session, actor, "close round", "ok", round_id=round_id)
        session.commit()
        return found


def forces_asked(round_id: str, url: str | None = None) -> list[str]:
    with _session(url) as session:
        return list(
            session.scalars(
                sa.select(RoundForce.pfa_code).where(RoundForce.round_id == round_id).order_by(RoundForce.pfa_code)
            )
        )


def open_rounds_for(pfa_code: str, url: str | None = None) -> list[Round]:
    """The open rounds that ask this force."""
    with _session(url) as session:
        return list(
            session.scalars(
                sa.select(Round)
                .join(RoundForce, RoundForce.round_id == Round.round_id)
                .where(RoundForce.pfa_code == pfa_code, Round.closed_at.is_(None))
                .order_by(Round.due)
            )
        )


@dataclass
class ForceState:
    pfa_code: str
    short_name: str
    region: str
    commissioning_body: str
    state: str
    overdue: bool
    updated_at: dt.datetime | None
    by: str | None
    submission_id: int | None
    comment: str | None


def status(round_id: str, today: dt.date | None = None, url: str | None = None) -> list[ForceState]:
    """Where each force asked in the round stands."""
    today = today or clock.today()
    found = get_round(round_id, url)
    forces = queries.forces().set_index("pfa_code")
    with _session(url) as session:
        asked = forces_asked(round_id, url)
        drafts = {d.pfa_code: d for d in session.scalars(sa.select(Draft).where(Draft.round_id == round_id))}
        latest: dict[str, Submission] = {}
        for sub in session.scalars(
            sa.select(Submission).where(Submission.round_id == round_id).order_by(Submission.submission_id)
        ):
            latest[sub.pfa_code] = sub
    out = []
    for code in asked:
        sub, draft = latest.get(code), drafts.get(code)
        if sub is not None and sub.state in ("submitted", "accepted", "returned"):
            state = {"submitted": SUBMITTED, "accepted": ACCEPTED, "returned": RETURNED}[sub.state]
            if (
                sub.state == "returned"
                and draft is not None
                and draft.updated_at > (sub.reviewed_at or sub.submitted_at)
            ):
                state = RETURNED  # edited since, but not yet sent back
        else:
            state = DRAFT if draft is not None else NOT_STARTED
        when = max(
            [
                t
                for t in (
                    sub.reviewed_at if sub else None,
                    sub.submitted_at if sub else None,
                    draft.updated_at if draft else None,
                )
                if t
            ],
            default=None,
        )
        out.append(
            ForceState(
                pfa_code=code,
                short_name=str(forces.at[code, "short_name"]),
                region=str(forces.at[code, "region"]),
                commissioning_body=str(forces.at[code, "commissioner_name"]),
                state=state,
                overdue=state in (NOT_STARTED, DRAFT, RETURNED) and today > found.due,
                updated_at=when,
                by=(
                    sub.reviewed_by
                    if sub and sub.reviewed_by
                    else sub.submitted_by
                    if sub
                    else draft.updated_by
                    if draft
                    else None
                ),
                submission_id=sub.submission_id if sub else None,
                comment=sub.comment if sub and sub.state == "returned" else None,
            )
        )
    return out


def status_frame(round_id: str, today: dt.date | None = None, url: str | None = None) -> pd.DataFrame:
    rows = status(round_id, today, url)
    return pd.DataFrame([r.__dict__ for r in rows])


# A status frame's columns as named in the files people open (the tracker's download, `round status --csv`).
STATUS_LABELS = {
    "pfa_code": "ONS code",
    "short_name": "Force area",
    "commissioning_body": "Commissioning body",
    "state": "State",
    "overdue": "Overdue",
    "updated_at": "Last change",
    "by": "By",
}


def readable_status(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`columns` of a status frame under their readable names, overdue as yes or no (a mail merge
    or a spreadsheet reads words, not True and False)."""
    out = frame[columns].rename(columns=STATUS_LABELS)
    return out.assign(Overdue=out["Overdue"].map({True: "yes", False: "no"})) if "Overdue" in out else out


# ---------------------------------------------------------------- the office's return


def prefilled(round_: Round, pfa_code: str, db: queries.Database | None = None) -> tuple[Answers, dict[str, str]]:
    """The force's published position at the round's as-at date, as answers, and the previous answers in words."""
    facts = queries.facts(round_.as_at, pfa_code, db=db)
    streams = queries.funding_streams(round_.as_at, pfa_code=pfa_code, db=db)
    force = queries.forces(db).set_index("pfa_code").loc[pfa_code]
    return forms.prefill(pfa_code, facts, streams, force, round_.as_at)


def _check_open(session: Session, actor: Actor, action: str, round_id: str, pfa_code: str) -> Round:
    found = session.get(Round, round_id)
    if found is None:
        raise _refuse(session, actor, action, f"no round '{round_id}'", round_id=round_id, pfa_code=pfa_code)
    if found.closed_at is not None:
        raise _refuse(session, actor, action, f"round '{round_id}' is closed", round_id=round_id, pfa_code=pfa_code)
    if session.get(RoundForce, (round_id, pfa_code)) is None:
        raise _refuse(
            session, actor, action, f"round '{round_id}' does not ask {pfa_code}", round_id=round_id, pfa_code=pfa_code
        )
    return found


def template(actor: Actor, round_id: str, pfa_code: str, url: str | None = None) -> bytes:
    """The force's pre-filled workbook for the round (its office, a reviewer or an admin)."""
    with _session(url) as session:
        if not actor.is_reviewer:
            _require(session, actor, "download template", office_of=pfa_code, round_id=round_id)
        found = _check_open(session, actor, "download template", round_id, pfa_code)
        audit(session, actor, "download template", "ok", round_id=round_id, pfa_code=pfa_code)
        session.commit()
    answers, previous = prefilled(found, pfa_code)
    name = queries.forces().set_index("pfa_code").at[pfa_code, "short_name"]
    return workbook.build(
        answers, previous, force_name=name, round_id=found.round_id, round_title=found.title, due=found.due
    )


def templates_zip(actor: Actor, round_id: str, url: str | None = None) -> bytes:
    """Every asked force's pre-filled workbook, in one zip (admin)."""
    with _session(url) as session:
        _require(session, actor, "download all templates", admin=True, round_id=round_id)
        session.commit()
    found = get_round(round_id, url)
    names = queries.forces().set_index("pfa_code")["short_name"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for code in forces_asked(round_id, url):
            answers, previous = prefilled(found, code)
            data = workbook.build(
                answers,
                previous,
                force_name=names[code],
                round_id=found.round_id,
                round_title=found.title,
                due=found.due,
            )
            zf.writestr(f"return-{slug(names[code], 40)}-{code}-{round_id}.xlsx", data)
    return buffer.getvalue()


def load_draft(actor: Actor, round_id: str, pfa_code: str, url: str | None = None) -> tuple[Answers, bool]:
    """The office's draft (True), or the pre-filled answers when it has none (False)."""
    with _session(url) as session:
        if not actor.is_reviewer:
            _require(session, actor, "open draft", office_of=pfa_code, round_id=round_id)
        found = session.get(Round, round_id)
        draft = session.get(Draft, (round_id, pfa_code))
        session.commit()
    if draft is not None:
        return Answers.from_json(draft.answers), True
    return prefilled(found, pfa_code)[0], False


def save_draft(actor: Actor, round_id: str, pfa_code: str, answers: Answers, url: str | None = None) -> None:
    """Keep the office's answers in progress (they survive a restart and a dropped connection)."""
    with _session(url) as session:
        _require(session, actor, "save draft", office_of=pfa_code, round_id=round_id)
        _check_open(session, actor, "save draft", round_id, pfa_code)
        if answers.force != pfa_code:
            raise _refuse(
                session,
                actor,
                "save draft",
                f"answers for {answers.force} saved as {pfa_code}",
                round_id=round_id,
                pfa_code=pfa_code,
            )
        draft = session.get(Draft, (round_id, pfa_code))
        if draft is None:
            session.add(
                Draft(
                    round_id=round_id,
                    pfa_code=pfa_code,
                    answers=answers.to_json(),
                    updated_at=_now(),
                    updated_by=actor.email,
                )
            )
        else:
            draft.answers, draft.updated_at, draft.updated_by = answers.to_json(), _now(), actor.email
        audit(session, actor, "save draft", "ok", round_id=round_id, pfa_code=pfa_code)
        session.commit()


class FormProblems(InputError):
    """A return's problems, each told against the question or cell it comes from."""

    def __init__(self, problems: list[Problem], by_origin: list[tuple[str, str]]):
        super().__init__(problems)
        self.by_origin = by_origin  # (where in the form, message)


def rows_table(rows: list[dict[str, str]], name: str, sha256: str) -> Table:
    return Table(
        path=Path(name),
        name=name,
        columns=list(RETURN_COLUMNS),
        rows=[dict(r) for r in rows],
        lines=list(range(2, len(rows) + 2)),
        sha256=sha256,
    )


def check_answers(
    answers: Answers, *, today: dt.date | None = None, name: str = "return", data_dir: Path | None = None
) -> tuple[list[dict[str, str]], bytes]:
    """The answers as a checked return: its rows and its CSV. Raises FormProblems, each with its question."""
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA_DIR
    from etl import pipeline, validate

    names = queries.forces().set_index("pfa_code")["short_name"]
    missing = forms.check_answers(answers)
    rows, origins = forms.to_rows(answers, names.get(answers.force, answers.force))
    raw = templates.template_csv(rows)
    if missing:
        raise FormProblems([Problem(name, 0, str(o), m) for o, m in missing], [(str(o), m) for o, m in missing])
    tables = pipeline.read_inputs(data_dir)
    ref = pipeline.validate_inputs(tables)
    try:
        validate.check_return(
            rows_table(rows, name, hashlib.sha256(raw).hexdigest()), ref, today=today or clock.today()
        )
    except InputError as err:
        told = forms.problems_by_origin(err.problems, origins)
        raise FormProblems(err.problems, [(str(o), m) for o, m in told]) from None
    return rows, raw


def submit(
    actor: Actor,
    round_id: str,
    pfa_code: str,
    *,
    answers: Answers | None = None,
    file_bytes: bytes | None = None,
    file_name: str | None = None,
    today: dt.date | None = None,
    url: str | None = None,
    data_dir: Path | None = None,
) -> Submission:
    """Send a return for review: the browser form's answers, or a file (the workbook or a CSV of rows).

    An office submits for its own force; an admin may enter a return an office emailed (recorded
    as entered on the office's behalf). Nothing is stored if any check fails."""
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA_DIR
    action = "submit"
    with _session(url) as session:
        _require(session, actor, action, office_of=pfa_code, round_id=round_id)
        found = _check_open(session, actor, action, round_id, pfa_code)
        session.commit()
    if answers is None and file_bytes is None:
        raise InputError([Problem("return", 0, "", "nothing to submit; expected answers or a file")])
    if answers is None:  # a file: the workbook form, or rows of the return format
        name = file_name or "return"
        if name.lower().endswith(".xlsx") and _is_form(file_bytes):
            meta, answers = workbook.read(file_bytes, name)
            if meta.pfa_code != pfa_code or (meta.round_id and meta.round_id != round_id):
                with _session(url) as session:
                    raise _refuse(
                        session,
                        actor,
                        action,
                        f"the workbook is for {meta.pfa_code} (round {meta.round_id}), not {pfa_code} "
                        f"(round {round_id})",
                        round_id=round_id,
                        pfa_code=pfa_code,
                    )
            rows, _ = check_answers(answers, today=today, name=name, data_dir=data_dir)
            raw = file_bytes
        else:
            table = read_return(file_bytes, name)
            if table.problems:
                raise InputError(table.problems)
            from etl import pipeline, validate

            ref = pipeline.validate_inputs(pipeline.read_inputs(data_dir))
            ret = validate.check_return(table, ref, today=today or clock.today())
            if ret.pfa_code != pfa_code:
                with _session(url) as session:
                    raise _refuse(
                        session,
                        actor,
                        action,
                        f"the file is a return for {ret.pfa_code}, not {pfa_code}",
                        round_id=round_id,
                        pfa_code=pfa_code,
                    )
            rows, raw = [{c: r.get(c, "") for c in RETURN_COLUMNS} for r in table.rows], file_bytes
    else:
        if answers.force != pfa_code:
            with _session(url) as session:
                raise _refuse(
                    session,
                    actor,
                    action,
                    f"answers for {answers.force} submitted as {pfa_code}",
                    round_id=round_id,
                    pfa_code=pfa_code,
                )
        rows, raw = check_answers(answers, today=today, data_dir=data_dir)
        name = f"return-{pfa_code}-{round_id}.csv"
    sha = hashlib.sha256(raw).hexdigest()
    with _session(url) as session:
        for earlier in session.scalars(
            sa.select(Submission).where(
                Submission.round_id == round_id, Submission.pfa_code == pfa_code, Submission.state == "submitted"
            )
        ):
            earlier.state = "superseded"
        sub = Submission(
            round_id=round_id,
            pfa_code=pfa_code,
            submitted_at=_now(),
            submitted_by=actor.email,
            entered_by=actor.email if actor.is_admin else None,
            file_name=name,
            file_sha256=sha,
            file_bytes=raw,
            answers=answers.to_json() if answers else None,
            rows=rows,
            state="submitted",
        )
        session.add(sub)
        audit(
            session,
            actor,
            action,
            "ok",
            round_id=round_id,
            pfa_code=pfa_code,
            file_sha256=sha,
            detail=f"{found.title}: {len(rows)} rows from {name}",
        )
        session.commit()
        return sub


def _is_form(data: bytes) -> bool:
    """True when an .xlsx file is the return workbook (it has the hidden Manifest sheet)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            workbook_xml = archive.read("xl/workbook.xml")
    except (zipfile.BadZipFile, KeyError):
        return False
    return f'name="{workbook.MANIFEST}"'.encode() in workbook_xml


# ---------------------------------------------------------------- review


def queue(actor: Actor, round_id: str | None = None, url: str | None = None) -> list[Submission]:
    """Submissions waiting for review, oldest first (reviewers)."""
    with _session(url) as session:
        _require(session, actor, "view queue", reviewer=True, round_id=round_id)
        query = sa.select(Submission).where(Submission.state == "submitted")
        if round_id:
            query = query.where(Submission.round_id == round_id)
        found = list(session.scalars(query.order_by(Submission.submitted_at)))
        session.commit()
        return found


def submission(actor: Actor, submission_id: int, url: str | None = None) -> Submission:
    """One submission: its reviewer, or its own office."""
    with _session(url) as session:
        sub = session.get(Submission, submission_id)
        if sub is None:
            raise InputError([Problem("submission", 0, "", f"no submission {submission_id}")])
        if not actor.is_reviewer:
            _require(session, actor, "view submission", office_of=sub.pfa_code, round_id=sub.round_id)
        session.commit()
        return sub


def submissions_of(actor: Actor, round_id: str, pfa_code: str, url: str | None = None) -> list[Submission]:
    with _session(url) as session:
        if not actor.is_reviewer:
            _require(session, actor, "view submissions", office_of=pfa_code, round_id=round_id)
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
    with _session(url) as session:
        sub = session.get(Submission, submission_id)
        _require(session, actor, "return for changes", reviewer=True, round_id=sub.round_id if sub else None)
        if sub is None or sub.state != "submitted":
            raise _refuse(session, actor, "return for changes", f"submission {submission_id} is not waiting for review")
        if not comment.strip():
            raise InputError([Problem("comment", 0, "", "a comment is needed; expected what the office should change")])
        sub.state, sub.reviewed_at, sub.reviewed_by, sub.comment = "returned", _now(), actor.email, comment.strip()
        audit(
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
    with _session(url) as session:
        sub = session.get(Submission, submission_id)
        _require(session, actor, "accept", reviewer=True, round_id=sub.round_id if sub else None)
        if sub is None:
            raise InputError([Problem("submission", 0, "", f"no submission {submission_id}")])
        if sub.state == "accepted":
            return sub
        if sub.state != "submitted":
            raise _refuse(
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
            with _session(url) as session:
                audit(
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
    with _session(url) as session:
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
        sub.state, sub.reviewed_at, sub.reviewed_by, sub.stored_as = "accepted", _now(), actor.email, stored_as
        audit(
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


def audit_log(actor: Actor, limit: int = 200, url: str | None = None) -> pd.DataFrame:
    with _session(url) as session:
        _require(session, actor, "view audit log", reviewer=True)
        rows = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.entry_id.desc()).limit(limit))
        frame = pd.DataFrame(
            [
                {
                    c: getattr(r, c)
                    for c in ("at", "actor", "role", "action", "round_id", "pfa_code", "outcome", "detail")
                }
                for r in rows
            ]
        )
        session.commit()
        return frame
