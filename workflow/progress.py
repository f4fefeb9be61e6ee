"""Where each force asked in a round stands: not started, draft, submitted, returned for
changes or accepted, and overdue once the due date has passed without an accepted or
pending return. A return sent after the due date is taken, and flagged late for good
(its submission's date, in UTC, after the due date), accepted or not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from core import clock, queries
from workflow import guard
from workflow.database import Draft, Submission
from workflow.rounds import forces_asked, get_round

NOT_STARTED, DRAFT, SUBMITTED, RETURNED, ACCEPTED = (
    "not started",
    "draft",
    "submitted",
    "returned for changes",
    "accepted",
)


STATES = (NOT_STARTED, DRAFT, SUBMITTED, RETURNED, ACCEPTED)


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
    late: bool = False  # the force's latest return was sent after the due date


def status(round_id: str, today: dt.date | None = None, url: str | None = None) -> list[ForceState]:
    """Where each force asked in the round stands."""
    today = today or clock.today()
    found = get_round(round_id, url)
    forces = queries.forces().set_index("pfa_code")
    # The body as an accepted return last gave it (bodies change as PCCs are abolished), else as listed.
    bodies = queries.commissioning_bodies(today).set_index("pfa_code")["commissioning_body"]
    with guard.open_session(url) as session:
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
        if sub is not None and sub.state in ("submitted", "accepting", "accepted", "returned"):
            # 'accepting': a reviewer is publishing it; until that is done it is still submitted.
            state = {"submitted": SUBMITTED, "accepting": SUBMITTED, "accepted": ACCEPTED, "returned": RETURNED}[
                sub.state
            ]
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
                commissioning_body=str(bodies.get(code, forces.at[code, "commissioner_name"])),
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
                late=sub is not None and sub.submitted_at.date() > found.due,
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
    "late": "Sent late",
    "updated_at": "Last change",
    "by": "By",
}


def readable_status(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`columns` of a status frame under their readable names, overdue as yes or no (a mail merge
    or a spreadsheet reads words, not True and False)."""
    out = frame[columns].rename(columns=STATUS_LABELS)
    for flag in ("Overdue", "Sent late"):
        if flag in out:
            out[flag] = out[flag].map({True: "yes", False: "no"})
    return out
