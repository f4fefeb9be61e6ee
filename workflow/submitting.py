"""The office's return in a round: the pre-filled answers and workbook, drafts, and sending a
return for review (the browser form's answers, the workbook, or a CSV of rows). Nothing is
stored if any check fails.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from pathlib import Path

import sqlalchemy as sa

from core import clock, paths, queries
from core.problems import InputError, Problem
from core.text import printable, slug
from etl.questions import Answers
from etl.schema import RETURN_COLUMNS
from intake import checking, forms, templates, workbook
from intake.checking import Checked
from intake.reading import read_return
from intake.xlsx_checks import MAX_XLSX_XML_BYTES
from workflow import guard, rounds
from workflow.access import Actor
from workflow.database import ACCEPTING, SUBMITTED, SUPERSEDED, Draft, Round, RoundForce, Submission
from workflow.rounds import forces_asked, get_round


def prefilled(round_: Round, pfa_code: str, db: queries.Database | None = None) -> tuple[Answers, dict[str, str]]:
    """The force's published position at the round's as-at date, as answers, and the previous answers in words."""
    facts = queries.facts(round_.as_at, pfa_code, db=db)
    streams = queries.funding_streams(round_.as_at, pfa_code=pfa_code, db=db)
    force = queries.forces(db).set_index("pfa_code").loc[pfa_code]
    return forms.prefill(pfa_code, facts, streams, force, round_.as_at)


def prefilled_all(round_: Round, codes: list[str], db: queries.Database | None = None):
    """`prefilled` for each of `codes`, from one reading of the published position (the same rows,
    in the same order, as reading it force by force). Yields (code, answers, previous)."""
    facts = queries.facts(round_.as_at, db=db)
    streams = queries.funding_streams(round_.as_at, db=db)
    forces = queries.forces(db).set_index("pfa_code")
    facts_of = {code: rows.reset_index(drop=True) for code, rows in facts.groupby("pfa_code", sort=False)}
    streams_of = {code: rows.reset_index(drop=True) for code, rows in streams.groupby("pfa_code", sort=False)}
    for code in codes:
        mine_facts = facts_of.get(code, facts.iloc[0:0])
        mine_streams = streams_of.get(code, streams.iloc[0:0])
        yield (code, *forms.prefill(code, mine_facts, mine_streams, forces.loc[code], round_.as_at))


def template(actor: Actor, round_id: str, pfa_code: str, url: str | None = None) -> bytes:
    """The force's pre-filled workbook for the round (its office, a reviewer or an admin)."""
    with guard.open_session(url) as session:
        if not actor.is_reviewer:
            guard.require(session, actor, "download template", office_of=pfa_code, round_id=round_id)
        found = rounds.check_open(session, actor, "download template", round_id, pfa_code)
        guard.audit(session, actor, "download template", "ok", round_id=round_id, pfa_code=pfa_code)
        session.commit()
    answers, previous = prefilled(found, pfa_code)
    name = queries.forces().set_index("pfa_code").at[pfa_code, "short_name"]
    return workbook.build(
        answers, previous, force_name=name, round_id=found.round_id, round_title=found.title, due=found.due
    )


def templates_zip(actor: Actor, round_id: str, url: str | None = None) -> bytes:
    """Every asked force's pre-filled workbook, in one zip (admin)."""
    with guard.open_session(url) as session:
        guard.require(session, actor, "download all templates", admin=True, round_id=round_id)
        session.commit()
    found = get_round(round_id, url)
    names = queries.forces().set_index("pfa_code")["short_name"]
    buffer = io.BytesIO()
    # Workbooks are zip archives already: stored as they are, not compressed again.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for code, answers, previous in prefilled_all(found, forces_asked(round_id, url)):
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
    with guard.open_session(url) as session:
        if not actor.is_reviewer:
            guard.require(session, actor, "open draft", office_of=pfa_code, round_id=round_id)
        found = session.get(Round, round_id)
        draft = session.get(Draft, (round_id, pfa_code))
        session.commit()
    if draft is not None:
        return Answers.from_json(draft.answers), True
    return prefilled(found, pfa_code)[0], False


def save_draft(actor: Actor, round_id: str, pfa_code: str, answers: Answers, url: str | None = None) -> None:
    """Keep the office's answers in progress (they survive a restart and a dropped connection)."""
    with guard.open_session(url) as session:
        guard.require(session, actor, "save draft", office_of=pfa_code, round_id=round_id)
        rounds.check_open(session, actor, "save draft", round_id, pfa_code)
        if answers.force != pfa_code:
            raise guard.refuse(
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
                    updated_at=clock.now(),
                    updated_by=actor.email,
                )
            )
        else:
            draft.answers, draft.updated_at, draft.updated_by = answers.to_json(), clock.now(), actor.email
        guard.audit(session, actor, "save draft", "ok", round_id=round_id, pfa_code=pfa_code)
        session.commit()


class FormProblems(InputError):
    """A return's problems, each told against the question or cell it comes from, in words."""

    def __init__(self, problems: list[Problem], by_origin: list[tuple[str, str]], told: list | None = None):
        super().__init__(problems)
        self.by_origin = by_origin  # (where in the form, in words, message)
        self.told: list[forms.Told] = list(told or [])  # with the question each concerns (for links beside it)

    @classmethod
    def of(cls, told: list[forms.Told], name: str) -> FormProblems:
        return cls([t.problem(name) for t in told], [(t.where, t.message) for t in told], told)


def answers_file_name(pfa_code: str, round_id: str) -> str:
    """The name of the CSV a return's answers make: what is stored when it is accepted."""
    return f"return-{pfa_code}-{round_id}.csv"


def check_answers(
    answers: Answers,
    *,
    today: dt.date | None = None,
    name: str = "return",
    stored_name: str = "return.csv",
    data_dir: Path | None = None,
    cells: dict[str, str] | None = None,
) -> tuple[Checked, bytes]:
    """The answers as a checked return (the whole check, against the returns accepted too) and its
    CSV, as stored when it is accepted. Raises FormProblems, each told with its question in words
    (and, for a workbook, its cell: `cells` from workbook.read's FormMeta).

    `name`: what the problems name (the workbook, or the form); `stored_name`: the CSV's name."""
    names = queries.forces().set_index("pfa_code")["short_name"]
    missing = forms.check_answers(answers)
    rows, origins = forms.to_rows(answers, names.get(answers.force, answers.force))
    raw = templates.template_csv(rows)
    if missing:
        raise FormProblems.of(forms.tell(missing, answers, cells), name)
    table = checking.rows_table(rows, name, hashlib.sha256(raw).hexdigest(), path=Path(stored_name))
    try:
        checked = checking.check(raw, stored_name, table=table, data_dir=data_dir, today=today)
    except InputError as err:
        told = forms.tell(forms.problems_by_origin(err.problems, origins), answers, cells)
        raise FormProblems.of(told, name) from None
    return checked, raw


def warnings(answers: Answers, cells: dict[str, str] | None = None) -> list[forms.Told]:
    """What the office should look at again, though the return can be sent (a secure service whose end
    date has passed), told as the office reads it."""
    return forms.tell(forms.check_warnings(answers), answers, cells)


def _refuse(url: str | None, actor: Actor, reason: str, round_id: str, pfa_code: str) -> guard.Refused:
    with guard.open_session(url) as session:
        return guard.refuse(session, actor, "submit", reason, round_id=round_id, pfa_code=pfa_code)


def _locked_facts(url, actor: Actor, found: Round, pfa_code: str, *, force: str, as_at: str, what: str) -> None:
    """The round's own facts are locked: a return in it is for the force it asks and as at the round's date."""
    if force != pfa_code:
        said = (
            f"answers for {force} submitted as {pfa_code}"
            if what == "the answers"
            else f"{what} is a return for {force}, not {pfa_code}"
        )
        raise _refuse(url, actor, said, found.round_id, pfa_code)
    if as_at != found.as_at.isoformat():
        raise _refuse(
            url,
            actor,
            f"{what} describes the position as at {as_at or '(no date)'}, not the round's {found.as_at}; "
            "expected the round's as-at date, unchanged",
            found.round_id,
            pfa_code,
        )


def submit(actor: Actor, round_id: str, pfa_code: str, **given) -> Submission:
    """Send a return for review (see _submit). A return refused for its problems is written to the
    audit log as refused: how many problems, where, and the file's name, size and hash; never the
    file's content or the problems' words, which quote it."""
    try:
        return _submit(actor, round_id, pfa_code, **given)
    except InputError as err:
        _log_problems(actor, round_id, pfa_code, err, given)
        raise


def _log_problems(actor: Actor, round_id: str, pfa_code: str, err: InputError, given: dict) -> None:
    raw, name = given.get("file_bytes"), given.get("file_name")
    where = sorted({_place(p) for p in err.problems})
    what = f"{name} ({len(raw):,} bytes)" if raw is not None else "the browser form's answers"
    detail = f"{len(err.problems)} problem(s) in {what}; at {', '.join(where[:10])}" + (
        f" and {len(where) - 10} more places" if len(where) > 10 else ""
    )
    with guard.open_session(given.get("url")) as session:
        guard.refuse(
            session,
            actor,
            "submit",
            printable(detail),
            round_id=round_id,
            pfa_code=pfa_code,
            file_sha256=hashlib.sha256(raw).hexdigest() if raw is not None else None,
        )


def _place(problem: Problem) -> str:
    """Where a problem is, for the audit log: its row, and its column or cell only when the return
    format or the workbook names it (a header the file made up is the file's content, not logged)."""
    from etl.questions import LISTINGS, QUESTIONS

    known = set(RETURN_COLUMNS) | set(QUESTIONS) | set(LISTINGS)
    column = problem.column
    named = column in known or re.fullmatch(
        rf"({'|'.join(map(re.escape, workbook.SHEETS))})![A-Z]{{1,3}}\d{{1,7}}", column
    )
    return f"row {problem.row}" + (f" {column}" if named and column else "")


def _submit(
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

    The return is checked in full here, once: the rules every return obeys, the funded services
    and files accepted already, and the round's own facts (its force, its round and its as-at
    date, locked). An office submits for its own force; an admin may enter a return an office
    emailed (recorded as entered on the office's behalf). Nothing is stored if any check fails."""
    data_dir = Path(data_dir) if data_dir is not None else paths.DATA_DIR
    action = "submit"
    with guard.open_session(url) as session:
        guard.require(session, actor, action, office_of=pfa_code, round_id=round_id)
        found = rounds.check_open(session, actor, action, round_id, pfa_code)
        session.commit()
    if answers is None and file_bytes is None:
        raise InputError([Problem("return", 0, "", "nothing to submit; expected answers or a file")])
    stored_name = answers_file_name(pfa_code, round_id)
    if answers is None:  # a file: the workbook form, or rows of the return format
        name = file_name or "return"
        if name.lower().endswith(".xlsx") and _is_form(file_bytes):
            meta, answers = workbook.read(file_bytes, name)
            if meta.pfa_code != pfa_code or meta.round_id != round_id:
                made_for = f"round {meta.round_id}" if meta.round_id else "no round"
                raise _refuse(
                    url,
                    actor,
                    f"the workbook is for {meta.pfa_code} ({made_for}), not {pfa_code} (round {round_id}); "
                    "expected the workbook downloaded for this round",
                    round_id,
                    pfa_code,
                )
            _locked_facts(
                url,
                actor,
                found,
                pfa_code,
                force=answers.force,
                as_at=answers.values.get("as_at", ""),
                what="the workbook",
            )
            checked, _ = check_answers(
                answers, today=today, name=name, stored_name=stored_name, data_dir=data_dir, cells=meta.cells
            )
            raw = file_bytes  # kept as received; its answers' CSV is what is published
        else:
            table = read_return(file_bytes, name)
            if table.problems:
                raise InputError(table.problems)
            checked = checking.check(file_bytes, name, table=table, data_dir=data_dir, today=today)
            raw = file_bytes
            _locked_facts(
                url,
                actor,
                found,
                pfa_code,
                force=checked.ret.pfa_code,
                as_at=checked.ret.as_at.isoformat(),
                what="the file",
            )
        rows = checking.return_rows(checked.table)
    else:
        _locked_facts(
            url, actor, found, pfa_code, force=answers.force, as_at=answers.values.get("as_at", ""), what="the answers"
        )
        checked, raw = check_answers(answers, today=today, name=stored_name, stored_name=stored_name, data_dir=data_dir)
        rows, name = [dict(r) for r in checked.table.rows], stored_name
    return _record(actor, found, pfa_code, raw, name, answers, rows, url)


def _record(
    actor: Actor,
    found: Round,
    pfa_code: str,
    raw: bytes,
    name: str,
    answers: Answers | None,
    rows: list[dict[str, str]],
    url: str | None,
) -> Submission:
    """Keep a checked return as the force's one submission waiting for review.

    The one waiting before it is superseded, by an update that checks it is still waiting; one
    being accepted refuses it. Submissions for one force and round are made one at a time (a lock
    on the round's row for the force on PostgreSQL; SQLite has one writer at a time), and the
    database's index of pending submissions holds whatever happens: of two that got in together,
    the second is refused, saying so."""
    sha = hashlib.sha256(raw).hexdigest()
    round_id, action = found.round_id, "submit"
    with guard.open_session(url) as session:
        session.execute(
            sa.select(RoundForce.pfa_code)
            .where(RoundForce.round_id == round_id, RoundForce.pfa_code == pfa_code)
            .with_for_update()
        )
        session.execute(
            sa.update(Submission)
            .where(Submission.round_id == round_id, Submission.pfa_code == pfa_code, Submission.state == SUBMITTED)
            .values(state=SUPERSEDED)
            .execution_options(synchronize_session=False)
        )
        accepting = session.scalars(
            sa.select(Submission.submission_id).where(
                Submission.round_id == round_id, Submission.pfa_code == pfa_code, Submission.state == ACCEPTING
            )
        ).first()
        if accepting is not None:
            raise guard.refuse(
                session,
                actor,
                action,
                f"submission {accepting} for {pfa_code} is being accepted now; "
                "send this return again once it is published",
                round_id=round_id,
                pfa_code=pfa_code,
            )
        sub = Submission(
            round_id=round_id,
            pfa_code=pfa_code,
            submitted_at=clock.now(),
            submitted_by=actor.email,
            entered_by=actor.email if actor.is_admin else None,
            file_name=name,
            file_sha256=sha,
            file_bytes=raw,
            answers=answers.to_json() if answers else None,
            rows=rows,
            state=SUBMITTED,
        )
        session.add(sub)
        guard.audit(
            session,
            actor,
            action,
            "ok",
            round_id=round_id,
            pfa_code=pfa_code,
            file_sha256=sha,
            detail=f"{found.title}: {len(rows)} rows from {name}",
        )
        try:
            session.commit()
        except sa.exc.IntegrityError:  # another submission for the force got in at the same moment
            raise guard.refuse(
                session,
                actor,
                action,
                f"another return for {pfa_code} was submitted at the same moment and is waiting for review; "
                "yours was not kept: look at the round's page and send it again if it is still needed",
                round_id=round_id,
                pfa_code=pfa_code,
            ) from None
        return sub


def _is_form(data: bytes) -> bool:
    """True when an .xlsx file is the return workbook (it has the hidden Manifest sheet)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("xl/workbook.xml")
            if info.file_size > MAX_XLSX_XML_BYTES:  # not read here: the checks refuse it, naming why
                return False
            workbook_xml = archive.read(info)
    except (zipfile.BadZipFile, KeyError, NotImplementedError, ValueError, OSError, EOFError):
        return False
    return f'name="{workbook.MANIFEST}"'.encode() in workbook_xml
