"""Returns rounds: the APCC asks the offices for their positions as at a date, by a due date.

An admin opens and closes rounds; `check_open` is what every office action asks first:
the round exists, is open, and asks this force.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import clock, queries
from core.problems import InputError, Problem
from core.text import slug
from workflow import guard
from workflow.access import Actor
from workflow.database import Round, RoundForce


def open_round(
    actor: Actor, title: str, as_at: dt.date, due: dt.date, forces: list[str] | None = None, url: str | None = None
) -> Round:
    """Open a round asking `forces` (ONS codes; default all 43) for their positions as at `as_at`, due by `due`."""
    with guard.open_session(url) as session:
        guard.require(session, actor, "open round", admin=True)
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
        problems += _clashes(session, title, as_at)
        if problems:
            raise InputError([Problem("round", 0, "", p) for p in problems])
        base = slug(title, 60)
        round_id, n = base, 2
        while session.get(Round, round_id) is not None:
            round_id, n = f"{base}-{n}", n + 1
        made = Round(round_id=round_id, title=title, as_at=as_at, due=due, opened_at=clock.now(), opened_by=actor.email)
        session.add(made)
        session.add_all(RoundForce(round_id=round_id, pfa_code=code) for code in asked)
        guard.audit(
            session,
            actor,
            "open round",
            "ok",
            round_id=round_id,
            detail=f"{len(asked)} forces; as at {as_at}; due {due}",
        )
        session.commit()
        return made


def _clashes(session: Session, title: str, as_at: dt.date) -> list[str]:
    """Why a new round would be mistaken for one already open: the same title, or the same as-at date (two
    rounds asking for the same positions). A closed round may be followed by one with its title or date."""
    problems = []
    for other in session.scalars(sa.select(Round).where(Round.closed_at.is_(None))):
        if " ".join(other.title.split()).casefold() == title.casefold():
            problems.append(f"a round titled '{other.title}' is already open; expected a title of its own")
        if other.as_at == as_at:
            problems.append(
                f"the round '{other.title}' already asks for positions as at {as_at}; expected another as-at "
                "date, or close that round first"
            )
    return problems


def is_open(round_: Round) -> bool:
    return round_.closed_at is None


def state_words(round_: Round) -> str:
    """'open' or 'closed 3 Dec 2026', for a round's selector and list."""
    return "open" if round_.closed_at is None else f"closed {round_.closed_at:%d %b %Y}"


def default_index(found: list[Round]) -> int:
    """The round a selector starts at: the newest open round (rounds come newest first), else the newest."""
    return next((i for i, r in enumerate(found) if r.closed_at is None), 0)


def rounds(url: str | None = None) -> list[Round]:
    with guard.open_session(url) as session:
        return list(session.scalars(sa.select(Round).order_by(Round.opened_at.desc())))


def get_round(round_id: str, url: str | None = None) -> Round:
    with guard.open_session(url) as session:
        found = session.get(Round, round_id)
    if found is None:
        raise InputError([Problem("round", 0, "", f"no round '{round_id}'; expected the id `round list` prints")])
    return found


def close_round(actor: Actor, round_id: str, url: str | None = None) -> Round:
    with guard.open_session(url) as session:
        guard.require(session, actor, "close round", admin=True, round_id=round_id)
        found = session.get(Round, round_id)
        if found is None:
            raise InputError([Problem("round", 0, "", f"no round '{round_id}'")])
        found.closed_at, found.closed_by = clock.now(), actor.email
        guard.audit(session, actor, "close round", "ok", round_id=round_id)
        session.commit()
        return found


def forces_asked(round_id: str, url: str | None = None) -> list[str]:
    with guard.open_session(url) as session:
        return list(
            session.scalars(
                sa.select(RoundForce.pfa_code).where(RoundForce.round_id == round_id).order_by(RoundForce.pfa_code)
            )
        )


def open_rounds_for(pfa_code: str, url: str | None = None) -> list[Round]:
    """The open rounds that ask this force."""
    with guard.open_session(url) as session:
        return list(
            session.scalars(
                sa.select(Round)
                .join(RoundForce, RoundForce.round_id == Round.round_id)
                .where(RoundForce.pfa_code == pfa_code, Round.closed_at.is_(None))
                .order_by(Round.due)
            )
        )


def check_open(session: Session, actor: Actor, action: str, round_id: str, pfa_code: str) -> Round:
    found = session.get(Round, round_id)
    if found is None:
        raise guard.refuse(session, actor, action, f"no round '{round_id}'", round_id=round_id, pfa_code=pfa_code)
    if found.closed_at is not None:
        raise guard.refuse(
            session, actor, action, f"round '{round_id}' is closed", round_id=round_id, pfa_code=pfa_code
        )
    if session.get(RoundForce, (round_id, pfa_code)) is None:
        raise guard.refuse(
            session, actor, action, f"round '{round_id}' does not ask {pfa_code}", round_id=round_id, pfa_code=pfa_code
        )
    return found
