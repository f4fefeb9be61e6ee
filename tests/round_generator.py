"""A simulated returns round of the 43 force areas, run through the real workflow: offices answer with
varied positions (by the browser form's answers or the workbook), make mistakes and correct them, are
returned for changes, resubmit or not, and some never return. What each office finally sent is kept,
so a test can check the round's report against the inputs.

`run_round(seed, mix)` is deterministic for a seed; `mix` says how many forces end in each state.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field

import openpyxl

from core import queries
from core.problems import InputError
from etl.questions import LISTINGS, QUESTIONS, Answers
from intake import workbook
from tests.workflow_fixtures import ADMIN_ACTOR, REVIEWER_ACTOR
from workflow import access, review, rounds, submitting

# How many force areas end in each state (43 in all): accepted, awaiting review, returned for changes
# (not sent again), a draft saved but never sent, and not started.
DEFAULT_MIX = {"accepted": 33, "awaiting": 2, "returned": 3, "draft": 2, "not started": 3}
PROGRAMMES = (
    "COBI",
    "Letting Go",
    "C-DAIR",
    "PLSI",
    "Stalking Perpetrator Programme",
    "Cognitive Behavioural Intervention",
)
ARRANGEMENTS = ("MASIP", "Stalking Clinic", "Stalking Triage Panel", "Multi-Agency Stalking Partnership")
PROVIDERS = ("Paladin", "Suzy Lamplugh Trust", "Victim Support", "Alice Ruggles Trust", "Veritas")
EXAMPLES = (
    "We commissioned a dedicated advocacy service with two partners; referrals rose and waiting times fell.",
    "Our stalking clinic meets fortnightly with probation, health and the CPS to plan for each high-risk case.",
    "The police and our providers now share risk assessments within a day of referral, under one agreement.",
    "Training for 200 officers, delivered with Paladin, was followed by more stalking protection orders.",
)


@dataclass
class Sent:
    """What one office finally sent (its answers), how, and where its return ended."""

    code: str
    name: str
    state: str
    answers: Answers | None = None
    via: str = ""
    mistakes: list[str] = field(default_factory=list)
    submission_id: int | None = None


@dataclass
class GeneratedRound:
    round_id: str
    as_at: dt.date
    sent: dict[str, Sent]

    def in_state(self, state: str) -> list[Sent]:
        return sorted((s for s in self.sent.values() if s.state == state), key=lambda s: s.name)

    @property
    def accepted(self) -> list[Sent]:
        return self.in_state("accepted")


def _office(code: str) -> access.Actor:
    return access.Actor(f"office-{code.lower()}@example.org", access.OFFICE, code, f"Office {code}")


def _choose(rng: random.Random, key: str, weights: dict[str, int] | None = None) -> str:
    values = QUESTIONS[key].values
    return rng.choices(values, [(weights or {}).get(v, 1) for v in values])[0]


def _subset(rng: random.Random, key: str) -> str:
    values = QUESTIONS[key].values
    return "; ".join(v for v in values if rng.random() < 0.45)


def vary(answers: Answers, rng: random.Random, as_at: dt.date, names: list[str], i: int, name: str) -> Answers:
    """The office's position as it has moved since the pre-fill: advocacy, interventions, funding ended,
    extended, at risk and new (some on the same cliff-edge date), the new themes, recommendations, a body."""
    v = answers.values
    v["isa_model"] = _choose(
        rng, "isa_model", {"dedicated service": 5, "ISACs within wider services": 4, "not known": 1}
    )
    if rng.random() < 0.8:
        v["isa_fte"] = f"{rng.choice([0.5, 1, 1.5, 2, 2.5, 3, 4, 6.5]):g}"
    if rng.random() < 0.7:
        v["isa_headcount"] = str(rng.randint(0, 8))
    if rng.random() < 0.5:
        v["isa_providers"] = "; ".join(rng.sample(PROVIDERS, rng.randint(1, 2)))
    v["risk_forums"] = _subset(rng, "risk_forums") or "MAPPA"
    for row in answers.rows.get("programmes", []):
        row["status"] = row.get("status") or "running"
    if rng.random() < 0.6:
        answers.rows.setdefault("programmes", []).append(
            {"name": rng.choice(PROGRAMMES), "status": rng.choice(["running", "pilot", "planned"])}
        )
    for row in answers.rows.get("arrangements", []):
        row["status"] = rng.choice(["running", "pilot", "being set up", row.get("status") or "exploring"])
    if rng.random() < 0.4:
        answers.rows.setdefault("arrangements", []).append(
            {
                "name": rng.choice(ARRANGEMENTS),
                "kind": rng.choice(["MASIP", "stalking clinic", "stalking panel"]),
                "status": "running",
            }
        )
    edge = dt.date(as_at.year + 1, 3, 31)  # the end of the next financial year: most new funding ends then
    for row in answers.rows.get("funded_services", []):
        roll = rng.random()
        if roll < 0.3:
            row.update(end_date=edge.isoformat(), status="secure", amount=str(rng.choice([30000, 45000, 120000])))
        elif roll < 0.45:
            row.update(status="ended")
        elif roll < 0.6:
            row.update(end_date=(as_at + dt.timedelta(days=90)).isoformat(), status="at risk")
    if rng.random() < 0.5:
        answers.rows.setdefault("funded_services", []).append(
            {
                "service": f"Stalking advocacy service {i}",
                "provider": rng.choice(PROVIDERS),
                "provision": "isac_provision",
                "funder": rng.choice(
                    ["MoJ victims grant", "commissioner core", "local authority", "Home Office perpetrator fund"]
                ),
                "amount": rng.choice(["60000", "prefer not to say", "25000"]),
                "start_date": (as_at - dt.timedelta(days=200)).isoformat(),
                "end_date": edge.isoformat(),
                "status": rng.choice(["secure", "at risk"]),
            }
        )
    v["cocom_status"] = _choose(rng, "cocom_status", {"in place": 3, "planned or exploring": 2})
    if v["cocom_status"] == "in place":
        v["cocom_partners"] = _subset(rng, "cocom_partners") or "local authorities"
        v["cocom_areas"] = "; ".join(rng.sample(names, 2))
        v["cocom_contracts"] = str(rng.randint(1, 3))
    v["sharing_status"] = _choose(rng, "sharing_status", {"in place": 4})
    v["sharing_what"] = _subset(rng, "sharing_what")
    v["scrutiny_means"] = _subset(rng, "scrutiny_means") or "chief constable meetings"
    v["scrutiny_review"] = _choose(rng, "scrutiny_review")
    if v["scrutiny_review"] in ("completed", "under way"):
        v["scrutiny_reviewer"] = rng.choice(["Suzy Lamplugh Trust, 2025", "Paladin, 2026", "HMICFRS inspection, 2025"])
    v["training_status"] = _choose(rng, "training_status", {"commissioned": 4})
    if v["training_status"] == "commissioned":
        v["training_for"] = _subset(rng, "training_for") or "police"
        v["training_count"] = str(rng.randint(10, 300))
        v["training_providers"] = rng.choice(PROVIDERS)
    for key in ("advocacy", "co_commissioning", "information_sharing", "awareness_training", "multi_agency"):
        if rng.random() < 0.35:
            v[f"{key}_example"] = f"{rng.choice(EXAMPLES)} (an example from {name}, {key.replace('_', ' ')})"
            v[f"{key}_example_consent"] = rng.choice(["yes", "yes", "no"])
    for rec in ("15", "16", "25"):
        status = _choose(rng, f"rec{rec}_status", {"complete": 3, "in progress": 3})
        if rng.random() < 0.1:
            continue  # left unanswered
        v[f"rec{rec}_status"] = status
        if status == "complete":
            v[f"rec{rec}_date"] = (as_at - dt.timedelta(days=rng.randint(30, 500))).isoformat()
            v[f"rec{rec}_outcome"] = f"Review completed; {rng.randint(1, 4)} actions agreed with partners."
        elif status == "in progress":
            v[f"rec{rec}_date"] = (as_at + dt.timedelta(days=rng.randint(30, 300))).isoformat()
    if i % 11 == 3:
        v["body_name"] = f"{name} Policing Board"
        v["body_kind"] = "Policing board"
    v["submitted_by"] = f"Officer {i}, Policy Officer"
    v["signed_off_by"] = f"Chief Executive {i}"
    return answers


def _workbook(answers: Answers, previous: dict, round_, name: str) -> bytes:
    return workbook.build(
        answers, previous, force_name=name, round_id=round_.round_id, round_title=round_.title, due=round_.due
    )


def _send(office, round_, code, answers, previous, name, via) -> int:
    if via == "workbook":
        made = submitting.submit(
            office,
            round_.round_id,
            code,
            file_bytes=_workbook(answers, previous, round_, name),
            file_name=f"{code}.xlsx",
        )
    else:
        made = submitting.submit(office, round_.round_id, code, answers=answers)
    return made.submission_id


def _blank_in_workbook(data: bytes, key: str) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet, cell = workbook.answer_cells(book)[key].split("!")
    book[sheet][cell].value = None
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_round(
    seed: int = 25, mix: dict[str, int] | None = None, title: str = "Stalking services position, round two"
) -> GeneratedRound:
    """Open a round of all 43 forces and play it out; accepted returns are published."""
    mix = dict(mix or DEFAULT_MIX)
    assert sum(mix.values()) == 43, mix
    rng = random.Random(seed)
    forces = queries.forces().set_index("pfa_code")["short_name"]
    codes = list(forces.index)
    rng.shuffle(codes)
    from core import clock

    today = clock.today()
    round_ = rounds.open_round(ADMIN_ACTOR, title, today - dt.timedelta(days=6), today + dt.timedelta(days=56))
    ends = [state for state, n in mix.items() for _ in range(n)]
    sent: dict[str, Sent] = {}
    names = list(forces)
    for i, (code, end) in enumerate(zip(codes, ends)):
        record = Sent(code, forces[code], end)
        sent[code] = record
        if end == "not started":
            continue
        office = _office(code)
        answers, previous = submitting.prefilled(round_, code)
        answers = vary(answers, rng, round_.as_at, [n for n in names if n != forces[code]], i, forces[code])
        if end == "draft":
            submitting.save_draft(office, round_.round_id, code, answers)
            continue
        via = "workbook" if i % 4 == 1 else "form"
        record.via = via
        if i % 3 == 0:  # a mistake first: no sign-off; refused with the question named, then corrected
            signed = answers.values.pop("signed_off_by")
            try:
                if via == "workbook":
                    raw = _blank_in_workbook(_workbook(answers, previous, round_, forces[code]), "signed_off_by")
                    submitting.submit(office, round_.round_id, code, file_bytes=raw, file_name=f"{code}.xlsx")
                else:
                    submitting.submit(office, round_.round_id, code, answers=answers)
            except InputError as err:
                record.mistakes += [str(p) for p in err.problems]
            else:
                raise AssertionError(f"{code}: a return without its sign-off was taken")
            answers.values["signed_off_by"] = signed
        if i % 5 == 2 and answers.rows.get("funded_services"):  # another mistake: a funder 'Other' not named
            row = answers.rows["funded_services"][-1]
            kept = dict(row)
            row.update(funder="other", funder_detail="")
            try:
                submitting.submit(office, round_.round_id, code, answers=answers)
            except InputError as err:
                record.mistakes += [str(p) for p in err.problems]
            row.clear()
            row.update(kept)
        sub_id = _send(office, round_, code, answers, previous, forces[code], via)
        if end == "returned" or (end == "accepted" and i % 7 == 0):
            review.return_for_changes(REVIEWER_ACTOR, sub_id, "Please give the advocates' FTE and the providers.")
            if end == "returned":
                record.answers, record.submission_id = answers, sub_id
                continue
            answers.values["isa_fte"] = answers.values.get("isa_fte") or "1.5"
            answers.values["isa_providers"] = answers.values.get("isa_providers") or "Victim Support"
            sub_id = _send(office, round_, code, answers, previous, forces[code], via)
        record.answers, record.submission_id = answers, sub_id
        if end == "accepted":
            review.accept(REVIEWER_ACTOR, sub_id)
    return GeneratedRound(round_.round_id, round_.as_at, sent)


def funder_label(value: str) -> str:
    return LISTINGS["funded_services"].column("funder").label_of(value)
