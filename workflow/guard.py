"""Every action of the returns workflow checked on the server, and the append-only audit log.

Every action takes the `Actor` doing it; `require` checks that the actor may (an office
acts only for its own force, reviewers review, admins open and close rounds). A refused
action is logged with the reason, in its own transaction so it stays whatever happens
next, and to the `stalking.security` logger. Allowed actions are logged too.

Refusals are limited per identity, across processes, through the audit log: an identity
refused REFUSALS_PER_MINUTE times in the last minute is refused everything for a while,
and no one else is. An identity the access list does not name is also limited by the
address its requests come from, where that is known (REFUSALS_PER_MINUTE_PER_ADDRESS), so
one machine cannot make refusals without end under fresh identities. A listed identity is
never limited by its address: offices share addresses (a county's network, a proxy), and
an address is the easiest thing to claim.
"""

from __future__ import annotations

import datetime as dt
import logging

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from core import clock
from core.text import printable
from workflow.access import PUBLIC, Actor
from workflow.database import AuditEntry, Identity, engine

# Refused actions one identity may have, across all processes, per minute before its every action is
# refused for a while; and the same for one address, for identities the access list does not name.
REFUSALS_PER_MINUTE = 30
REFUSALS_PER_MINUTE_PER_ADDRESS = 60


SECURITY_LOG = logging.getLogger("stalking.security")


class Refused(PermissionError):
    """The actor may not do this; the message says why (it is logged)."""


def open_session(url: str | None = None) -> Session:
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
            at=clock.now(),
            actor=actor.who,
            role=actor.role,
            action=action,
            round_id=round_id,
            pfa_code=pfa_code,
            file_sha256=file_sha256,
            outcome=outcome,
            detail=(detail or "")[:2000] or None,
            address=(actor.address or "")[:64] or None,
        )
    )


def refuse(session: Session, actor: Actor, action: str, reason: str, **where) -> Refused:
    """Log the refusal (in its own transaction, so it stays whatever happens next) and make the exception.

    It also goes to the `stalking.security` logger, for whoever watches the server's log."""
    SECURITY_LOG.warning(
        "refused %s by %s (%s) %s: %s",
        action,
        printable(actor.who),
        actor.role,
        " ".join(f"{k}={printable(str(v))}" for k, v in where.items() if v),
        printable(reason),
    )
    session.rollback()
    audit(session, actor, action, "refused", detail=reason, **where)
    session.commit()
    return Refused(reason)


def _refusals_since(session: Session, since: dt.datetime, *where) -> int:
    query = sa.select(sa.func.count()).select_from(AuditEntry)
    return session.scalar(query.where(AuditEntry.outcome == "refused", AuditEntry.at >= since, *where)) or 0


def _rate_limit(session: Session, actor: Actor, action: str) -> None:
    """Refuse this identity everything for a while when it was refused too often in the last minute (any
    process); an identity the access list does not name, also when its address was. Never anyone else."""
    since = clock.now() - dt.timedelta(minutes=1)
    if _refusals_since(session, since, AuditEntry.actor == actor.who) >= REFUSALS_PER_MINUTE:
        raise refuse(session, actor, action, "too many refused attempts in the last minute; try again later")
    if actor.role == PUBLIC and actor.address:
        if _refusals_since(session, since, AuditEntry.address == actor.address) >= REFUSALS_PER_MINUTE_PER_ADDRESS:
            raise refuse(
                session,
                actor,
                action,
                "too many refused attempts from this address in the last minute; try again later",
            )


def require(
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
        raise refuse(session, actor, action, "only an admin may do this", **where)
    if reviewer and not actor.is_reviewer:
        raise refuse(session, actor, action, "only a reviewer or admin may do this", **where)
    if office_of is not None and not actor.is_admin:
        if not actor.is_office:
            raise refuse(session, actor, action, "only the force's own office (or an admin) may do this", **where)
        if actor.pfa_code != office_of:
            raise refuse(
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
    with open_session(url) as session:
        found = session.get(Identity, actor.email)
        now = clock.now()
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


def audit_log(actor: Actor, limit: int = 200, url: str | None = None) -> pd.DataFrame:
    with open_session(url) as session:
        require(session, actor, "view audit log", reviewer=True)
        rows = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.entry_id.desc()).limit(limit))
        frame = pd.DataFrame(
            [
                {
                    c: getattr(r, c)
                    for c in ("at", "actor", "role", "action", "round_id", "pfa_code", "outcome", "detail", "address")
                }
                for r in rows
            ]
        )
        session.commit()
        return frame
