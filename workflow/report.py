"""The round's report: the draft of the APCC's next collective response, a Word document the APCC edits,
laid out like its response of 19 December 2024, in a zip with the data behind every table as CSV and
the charts as PNG.

- Introduction: the round, its as-at and due dates, and the response rate (asked, submitted, accepted,
  each with its share), with the force areas that did not return, were returned for changes or await
  review listed apart; only accepted returns are reported, and a force not reported is not "none".
- One section per theme of the 2024 response, with the counts of the accepted returns' answers and the
  examples the offices consented to have quoted, each cited to the force, its office, who signed the
  return off and when.
- Recommendations 15, 16 and 25: a table naming every force area asked, by status, with its date and
  outcome sentence.
- The national picture: advocate posts (FTE and headcount) in total and by region, the next funding
  cliff edge with its services and the annual amounts by funder, charts credited to the round's returns.
- What changed since each force's previous edition, named with its date, only where the state changed.
- What the data cannot say.
Force areas are in alphabetical order and named, never by code; every answer shows as the question's
label, never as its stored key. Contents, running header and page numbers come from exports.document.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from charts import figures
from charts.chart_text import ChartText
from core import clock, queries, rules
from core import coverage as coverage_rules
from core.text import long_date
from etl.questions import CONSENTED, EXAMPLE, LISTINGS, QUESTIONS, REC_STATUS, RECOMMENDATION_ITEMS
from exports import demand_tables, images, tables
from exports.common import LICENCE, ExportInfo
from exports.document import Bullets, Contents, Document, Figure, Heading, Paragraph, Quote, Table, to_docx
from workflow import database, progress, review, rounds
from workflow.access import Actor

log = logging.getLogger(__name__)
ZIP_MIME = "application/zip"
RECOMMENDATION_ASKS = {
    "15": "review whether the right specialist services have been commissioned to support stalking victims, "
    "including independent stalking advocates",
    "16": "review commissioning arrangements to embed collaborative working and information sharing between "
    "policing and the services that support stalking victims",
    "25": "improve how the force works with partners in a multi-agency response to stalking",
}
SERVICES = LISTINGS["funded_services"]
NOT_ANSWERED = "Not answered in the return"
SECURED = ("secure", "renewed")
# The words for a force's status on a theme, as the dashboard reports it (never the stored key).
STATUS_WORDS = {
    "commissioned": "Commissioned (running or a pilot)",
    "developing": "Planned or being set up",
    "established": "Running",
    "pilot": "Pilot",
    "exploring": "Exploring",
    "ended": "Ended",
    "none stated": "None",
    "not known": "Not known",
    "prefer not to say": "Prefer not to say",
    rules.FUNDING_ENDED: "Funding ended, renewal not reported",
    rules.NOT_REPORTED: "Not reported",
}


@dataclass
class Report:
    filename: str
    data: bytes
    files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _share(count: int, total: int) -> str:
    return f"{count} of {total} ({count / total:.0%})" if total else f"{count} of {total}"


def _names(names: list[str]) -> str:
    """'A, B and C', alphabetical."""
    ordered = sorted(names)
    return ", ".join(ordered[:-1]) + (" and " if len(ordered) > 1 else "") + ordered[-1] if ordered else "none"


def _money(amount: float) -> str:
    return f"£{amount:,.0f}"


def _date_words(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return ""
    try:
        return long_date(pd.Timestamp(value).date())
    except (ValueError, TypeError):
        return str(value)


def status_words(value: str) -> str:
    return STATUS_WORDS.get(value, value[:1].upper() + value[1:] if value else "")


# ---------------------------------------------------------------- what the report is made from


@dataclass
class Round:
    """Everything the report reads, gathered once: the round, where each force stands, and the accepted
    returns' facts and funded services at the round's as-at date (with the position before it)."""

    round_: database.Round  # the round as stored
    today: dt.date
    states: list[progress.ForceState]
    names: dict[str, str]  # code -> short name
    regions: dict[str, str]
    editions: pd.DataFrame  # the accepted return of each force (its newest), indexed by code
    facts: pd.DataFrame  # the facts of those returns
    streams: pd.DataFrame  # their funded services, with their state at the as-at date
    coverage: pd.DataFrame  # every force's position at the as-at date, indexed by code
    before: pd.DataFrame  # every force's position the day before, indexed by code
    streams_before: pd.DataFrame  # the funded services the day before, with their state at the as-at date
    bodies: dict[str, str]  # code -> the commissioning body at the as-at date

    @property
    def as_at(self) -> dt.date:
        return self.round_.as_at

    @property
    def asked(self) -> list[str]:
        return self.alphabetical(s.pfa_code for s in self.states)

    @property
    def accepted(self) -> list[str]:
        return self.alphabetical(self.editions.index)

    def alphabetical(self, codes) -> list[str]:
        return sorted(dict.fromkeys(codes), key=lambda c: self.names[c])

    def in_state(self, *wanted: str) -> list[str]:
        return self.alphabetical(s.pfa_code for s in self.states if s.state in wanted)

    def answers(self, dimension: str, attribute: str) -> dict[str, list[str]]:
        """Each accepted force's returned values of one attribute (several for a 'choose all' question)."""
        rows = self.facts[(self.facts["dimension"] == dimension) & (self.facts["attribute"] == attribute)]
        out: dict[str, list[str]] = {}
        for code, value in zip(rows["pfa_code"], rows["value"]):
            out.setdefault(code, []).append(str(value))
        return out

    def answered(self, dimension: str) -> set[str]:
        return set(self.facts.loc[self.facts["dimension"] == dimension, "pfa_code"])

    def citation(self, code: str) -> str:
        """'Hertfordshire, Police and Crime Commissioner for Hertfordshire; signed off by …, 3 December 2026'."""
        row = self.editions.loc[code]
        signer = row["signed_off_by"] if isinstance(row["signed_off_by"], str) and row["signed_off_by"] else ""
        when = _date_words(row["submitted_at"]) or long_date(self.as_at)
        return (
            f"{self.names[code]}, {self.bodies.get(code, '')}"
            + (f"; signed off by {signer}" if signer else "")
            + (f", {when}")
        )

    @property
    def source(self) -> str:
        return (
            f"Source: returns of the commissioners' offices to the APCC's round “{self.round_.title}” "
            f"({_n(len(self.accepted), 'return')} accepted), positions as at {long_date(self.as_at)}"
        )


def gather(round_id: str, today: dt.date) -> Round:
    found = rounds.get_round(round_id)
    states = progress.status(round_id, today)
    forces = queries.forces().set_index("pfa_code")
    editions = queries.editions()
    mine = editions[(editions["kind"] == "return") & (editions.get("round_id") == round_id)]
    mine = mine[mine["as_at"].dt.date <= found.as_at] if len(mine) else mine
    mine = mine.sort_values("edition_order").groupby("pfa_code").tail(1).set_index("pfa_code")
    accepted_codes = {s.pfa_code for s in states if s.state == progress.ACCEPTED}
    mine = mine[mine.index.isin(accepted_codes)]
    facts = queries.facts(found.as_at)
    facts = facts[facts["edition_id"].isin(mine["edition_id"])]
    streams = queries.funding_streams(found.as_at)
    streams = streams[streams["edition_id"].isin(mine["edition_id"])]
    day_before = found.as_at - dt.timedelta(days=1)
    before_streams = queries.funding_streams(day_before)
    before_streams = coverage_rules.streams_at(before_streams.drop(columns=["state", "at_risk"]), found.as_at)
    bodies = queries.commissioning_bodies(found.as_at).set_index("pfa_code")["commissioning_body"]
    return Round(
        round_=found,
        today=today,
        states=states,
        names=forces["short_name"].to_dict(),
        regions=forces["region"].to_dict(),
        editions=mine,
        facts=facts,
        streams=streams,
        coverage=queries.coverage(found.as_at).set_index("pfa_code"),
        before=queries.coverage(day_before).set_index("pfa_code"),
        streams_before=before_streams,
        bodies=bodies.to_dict(),
    )


# ---------------------------------------------------------------- tables of counts


def count_table(
    r: Round, by_force: dict[str, list[str]], label: Callable[[str], str], order: list[str]
) -> pd.DataFrame:
    """Answer | Force areas | Share of accepted returns | Named: the accepted returns by their answer (a force
    answering several choices counts under each), then those that did not answer, alphabetical."""
    total = len(r.accepted)
    rows = []
    values = list(dict.fromkeys([*order, *(v for vs in by_force.values() for v in vs)]))
    for value in values:
        codes = r.alphabetical(c for c, vs in by_force.items() if value in vs)
        if codes:
            rows.append((label(value), len(codes), codes))
    silent = [c for c in r.accepted if c not in by_force]
    if silent:
        rows.append((NOT_ANSWERED, len(silent), silent))
    return pd.DataFrame(
        [
            {
                "Answer": answer,
                "Force areas": n,
                "Share of accepted returns": f"{n / total:.0%}" if total else "",
                "Named": ", ".join(r.names[c] for c in codes),
            }
            for answer, n, codes in rows
        ],
        columns=["Answer", "Force areas", "Share of accepted returns", "Named"],
    )


def _question_label(key: str) -> Callable[[str], str]:
    return QUESTIONS[key].label_of


def question_counts(r: Round, dimension: str, attribute: str, key: str) -> pd.DataFrame:
    """count_table of one question's answers (the fact `dimension`/`attribute`), its choices in the
    question's order and labelled as the form labels them."""
    return count_table(r, r.answers(dimension, attribute), _question_label(key), QUESTIONS[key].values)


def _counts_sentence(r: Round, answered: set[str], theme: str) -> Paragraph:
    n = len([c for c in r.accepted if c in answered])
    return Paragraph.of(
        f"{_share(n, len(r.accepted))} accepted returns answered on {theme}. "
        "A return that does not answer a theme is not reported on it, which is not the same as none."
    )


def examples(r: Round, dimension: str) -> list:
    """The examples offices consented to have quoted (and their office named), each cited inline."""
    rows = r.facts[(r.facts["dimension"] == dimension) & (r.facts["attribute"] == EXAMPLE)]
    consented = set(
        r.facts.loc[
            (r.facts["dimension"] == dimension) & (r.facts["attribute"] == CONSENTED) & (r.facts["value"] == "yes"),
            "pfa_code",
        ]
    )
    out: list = []
    for code in r.alphabetical(c for c in rows["pfa_code"] if c in consented):
        for text in rows.loc[rows["pfa_code"] == code, "value"]:
            out.append(Quote(str(text), r.citation(code)))
    if out:
        return [Paragraph.of(("Examples from the returns", "bold"), " (quoted with the offices' consent):"), *out]
    return [Paragraph.of(("No office gave an example on this theme that it consented to have quoted.", "italic"))]


# ---------------------------------------------------------------- the sections


THEMES_2024 = (
    "Availability of services",
    "Co-commissioning",
    "Funding",
    "Multi-agency working",
    "Data and information sharing",
    "Scrutiny and accountability",
    "Raising awareness and training",
)


def introduction(r: Round) -> list:
    asked = r.asked
    total = len(asked)
    submitted = r.in_state(progress.SUBMITTED, progress.RETURNED, progress.ACCEPTED)
    accepted = r.accepted
    awaiting = r.in_state(progress.SUBMITTED)
    returned = r.in_state(progress.RETURNED)
    not_returned = r.in_state(progress.NOT_STARTED, progress.DRAFT)
    rnd = r.round_
    closed = f"; it closed on {long_date(rnd.closed_at.date())}" if rnd.closed_at else ""
    rate = pd.DataFrame(
        [
            {"": "Asked", "Force areas": total, "Share": "100%" if total else ""},
            {"": "Submitted a return", "Force areas": len(submitted), "Share": f"{len(submitted) / total:.0%}"},
            {"": "Return accepted", "Force areas": len(accepted), "Share": f"{len(accepted) / total:.0%}"},
        ]
    )
    lists = pd.DataFrame(
        [
            {"Where the return stands": what, "Force areas": len(codes), "Named": ", ".join(r.names[c] for c in codes)}
            for what, codes in (
                ("Not returned", not_returned),
                ("Returned to the office for changes", returned),
                ("Awaiting review", awaiting),
            )
        ]
    )
    return [
        Heading("Introduction"),
        Paragraph.of(
            "In November 2022 the Suzy Lamplugh Trust, for the National Stalking Consortium, made a super-complaint "
            "on the police response to stalking. The report of the IOPC, HMICFRS and the College of Policing "
            "(September 2024) made three recommendations to Police and Crime Commissioners and their equivalents "
            f"(PCCs): Recommendation 15, to {RECOMMENDATION_ASKS['15']}; Recommendation 16, to "
            f"{RECOMMENDATION_ASKS['16']}; and Recommendation 25, to {RECOMMENDATION_ASKS['25']}. All 43 PCCs "
            "accepted them, and the APCC's collective response of 19 December 2024 set out how they were "
            "meeting them."
        ),
        Paragraph.of(
            f"This draft collects the PCCs' positions again. The APCC's round “{rnd.title}” was opened on "
            f"{long_date(rnd.opened_at.date())} and asked {_n(total, 'force area')} for their positions as at "
            f"{long_date(r.as_at)}, due by {long_date(rnd.due)}{closed}. It reports the returns accepted by "
            f"{long_date(r.today)}: {_share(len(submitted), total)} force areas submitted a return and "
            f"{_share(len(accepted), total)} returns were accepted."
        ),
        Table("response-rate", "Response rate", rate),
        Table("returns-outstanding", "Force areas without an accepted return", lists),
        Paragraph.of(
            "A force area without an accepted return is not reported in this response: its position is not "
            "known from this round, which is not the same as none. The dashboard shows its previous position, "
            "dated. Each section counts the accepted returns' answers; the examples are the offices' own words, "
            "quoted only where the office consented to be quoted and named. Draft for the APCC to edit: check "
            "every statement against the return it cites before publishing."
        ),
    ]


def availability(r: Round) -> list:
    model = r.answers("isac_provision", "status")
    programmes = r.answers("perpetrator_programme", "status")
    names = r.facts[(r.facts["dimension"] == "perpetrator_programme") & (r.facts["attribute"] == "programme")]
    by_name: dict[str, tuple[str, set[str]]] = {}
    for code, value in zip(names["pfa_code"], names["value"]):
        shown, codes = by_name.setdefault(str(value).strip().casefold(), (str(value).strip(), set()))
        codes.add(code)
    named = pd.DataFrame(
        [
            {
                "Intervention": shown,
                "Force areas": len(codes),
                "Named": ", ".join(r.names[c] for c in r.alphabetical(codes)),
            }
            for shown, codes in sorted(by_name.values(), key=lambda x: (-len(x[1]), x[0].casefold()))
        ],
        columns=["Intervention", "Force areas", "Named"],
    )
    fte, heads = r.answers("isac_provision", "isa_fte"), r.answers("isac_provision", "isac_count")
    total_fte = sum(float(v[0]) for v in fte.values())
    total_heads = sum(int(v[0]) for v in heads.values())
    return [
        Heading("Availability of services"),
        Heading("Independent stalking advocates", 2),
        _counts_sentence(r, r.answered("isac_provision"), "stalking advocacy"),
        Table(
            "advocacy-by-model",
            "How independent stalking advocacy is provided",
            count_table(r, model, _question_label("isa_model"), QUESTIONS["isa_model"].values),
        ),
        Paragraph.of(
            f"{_share(len(fte), len(r.accepted))} accepted returns state their advocate posts in full-time "
            f"equivalents, {total_fte:g} FTE in all; {_share(len(heads), len(r.accepted))} state the number of "
            f"people in post, {total_heads} in all (by region under The national picture)."
        ),
        *examples(r, "isac_provision"),
        Heading("Perpetrator interventions", 2),
        _counts_sentence(r, r.answered("perpetrator_programme"), "perpetrator interventions"),
        Table(
            "perpetrator-interventions-by-status",
            "Stalking perpetrator interventions, by the force area's status",
            count_table(r, programmes, status_words, list(rules.PROGRAMME.statuses) + ["ended", "not known"]),
        ),
        Table("perpetrator-interventions-named", "The interventions the returns name", named),
        *examples(r, "perpetrator_programme"),
    ]


def co_commissioning(r: Round) -> list:
    areas = r.answers("co_commissioning", "partner_area")
    contracts = r.answers("co_commissioning", "joint_contracts")
    across = pd.DataFrame(
        [
            {"Force area": r.names[c], "Other force areas its jointly commissioned services cover": "; ".join(areas[c])}
            for c in r.alphabetical(areas)
        ],
        columns=["Force area", "Other force areas its jointly commissioned services cover"],
    )
    total = sum(int(v[0]) for v in contracts.values())
    return [
        Heading("Co-commissioning"),
        _counts_sentence(r, r.answered("co_commissioning"), "co-commissioning"),
        Table(
            "co-commissioning-by-status",
            "Stalking services commissioned jointly with another body",
            question_counts(r, "co_commissioning", "status", "cocom_status"),
        ),
        Table(
            "co-commissioning-partners",
            "Who the offices commission stalking services with",
            question_counts(r, "co_commissioning", "partner", "cocom_partners"),
        ),
        Table("co-commissioning-across-borders", "Jointly commissioned services across force boundaries", across),
        Paragraph.of(
            f"{_share(len(contracts), len(r.accepted))} accepted returns state how many joint contracts for "
            f"stalking services are in place: {_n(total, 'contract')} in all."
        ),
        *examples(r, "co_commissioning"),
    ]


def funding(r: Round) -> list:
    s = r.streams
    label = SERVICES.column("status").label_of
    by_status = pd.DataFrame(
        [
            {
                "Status as returned": label(v),
                "Funded services": int((s["status"] == v).sum()),
                "Force areas": int(s.loc[s["status"] == v, "pfa_code"].nunique()),
            }
            for v in SERVICES.column("status").values
            if (s["status"] == v).any()
        ],
        columns=["Status as returned", "Funded services", "Force areas"],
    )
    at_risk = s[s["at_risk"]] if len(s) else s
    ended = s[s["state"] == rules.SERVICE_ENDED] if len(s) else s
    return [
        Heading("Funding"),
        _counts_sentence(r, r.answered("funding") | set(s["pfa_code"]), "funding"),
        Paragraph.of(
            f"The accepted returns list {_n(len(s), 'funded stalking service')} in "
            f"{_n(s['pfa_code'].nunique(), 'force area')}. At {long_date(r.as_at)}, "
            f"{_n(len(at_risk), 'service')} in {_n(at_risk['pfa_code'].nunique(), 'force area')} "
            f"{'is' if len(at_risk) == 1 else 'are'} at risk (ending within {rules.AT_RISK_WINDOW_WORDS} or said to "
            f"be at risk) and {_n(len(ended), 'service')} {'has' if len(ended) == 1 else 'have'} ended. The next "
            "funding cliff edge and the amounts by funder are under The national picture."
        ),
        Table("funded-services-by-status", "Funded services by the status the offices returned", by_status),
        *examples(r, "funding"),
    ]


def multi_agency(r: Round) -> list:
    kinds = r.facts[(r.facts["dimension"] == "multi_agency") & (r.facts["attribute"] == "arrangement_kind")]
    kind_label = LISTINGS["arrangements"].column("kind").label_of
    by_kind: dict[str, list[str]] = {}
    for code, value in zip(kinds["pfa_code"], kinds["value"]):
        by_kind.setdefault(code, []).append(str(value))
    return [
        Heading("Multi-agency working"),
        _counts_sentence(r, r.answered("multi_agency"), "multi-agency working"),
        Table(
            "multi-agency-programmes-by-status",
            "Multi-agency stalking intervention programmes, clinics and panels, by the force area's status",
            count_table(
                r,
                r.answers("multi_agency", "masip_status"),
                status_words,
                list(rules.MASIP.statuses) + ["ended", "not known"],
            ),
        ),
        Table(
            "multi-agency-arrangements-by-kind",
            "The kinds of arrangement the returns name",
            count_table(r, by_kind, kind_label, LISTINGS["arrangements"].column("kind").values),
        ),
        Table(
            "risk-forums",
            "Multi-agency risk forums used for stalking cases",
            question_counts(r, "multi_agency", "risk_forum", "risk_forums"),
        ),
        *examples(r, "multi_agency"),
    ]


def information_sharing(r: Round) -> list:
    return [
        Heading("Data and information sharing"),
        Paragraph.of(
            "Recommendation 16 asks PCCs to embed information sharing between policing and the services that support stalking victims."
        ),
        _counts_sentence(r, r.answered("information_sharing"), "data and information sharing"),
        Table(
            "information-sharing-agreements",
            "Information-sharing agreements between the police, the office and the providers",
            question_counts(r, "information_sharing", "status", "sharing_status"),
        ),
        Table(
            "information-shared",
            "What the police and the providers share",
            question_counts(r, "information_sharing", "shared", "sharing_what"),
        ),
        *examples(r, "information_sharing"),
    ]


def scrutiny(r: Round) -> list:
    reviewers = r.answers("scrutiny", "reviewer")
    named = pd.DataFrame(
        [
            {"Force area": r.names[c], "Independent review, as the office describes it": "; ".join(reviewers[c])}
            for c in r.alphabetical(reviewers)
        ],
        columns=["Force area", "Independent review, as the office describes it"],
    )
    return [
        Heading("Scrutiny and accountability"),
        _counts_sentence(r, r.answered("scrutiny"), "scrutiny and accountability"),
        Table(
            "scrutiny-means",
            "How the offices scrutinise the response to stalking",
            question_counts(r, "scrutiny", "means", "scrutiny_means"),
        ),
        Table(
            "independent-reviews",
            "Independent reviews of the response to stalking (for example by the Suzy Lamplugh Trust)",
            question_counts(r, "scrutiny", "review_status", "scrutiny_review"),
        ),
        Table("independent-reviewers", "Who carried out the reviews", named),
        *examples(r, "scrutiny"),
    ]


def awareness(r: Round) -> list:
    trained = r.answers("awareness_training", "trained")
    providers = r.answers("awareness_training", "provider")
    by_provider: dict[str, tuple[str, set[str]]] = {}
    for code, values in providers.items():
        for value in values:
            by_provider.setdefault(value.casefold(), (value, set()))[1].add(code)
    named = pd.DataFrame(
        [
            {
                "Delivered by": shown,
                "Force areas": len(codes),
                "Named": ", ".join(r.names[c] for c in r.alphabetical(codes)),
            }
            for shown, codes in sorted(by_provider.values(), key=lambda x: (-len(x[1]), x[0].casefold()))
        ],
        columns=["Delivered by", "Force areas", "Named"],
    )
    return [
        Heading("Raising awareness and training"),
        _counts_sentence(r, r.answered("awareness_training"), "awareness and training"),
        Table(
            "training-by-status",
            "Stalking training or awareness commissioned or funded in the 12 months before the as-at date",
            question_counts(r, "awareness_training", "status", "training_status"),
        ),
        Table(
            "training-audiences",
            "Who the training or awareness was for",
            question_counts(r, "awareness_training", "audience", "training_for"),
        ),
        Paragraph.of(
            f"{_share(len(trained), len(r.accepted))} accepted returns state how many people were trained: "
            f"{sum(int(v[0]) for v in trained.values()):,} in all."
        ),
        Table("training-providers", "Who delivered the training", named),
        *examples(r, "awareness_training"),
    ]


WAITING = {progress.SUBMITTED: "Awaiting review", progress.RETURNED: "Returned for changes"}


def recommendation_table(r: Round, rec: str) -> pd.DataFrame:
    """Every force area asked, by status (complete first), alphabetical within each, with date and outcome."""
    mine = r.facts[(r.facts["dimension"] == "recommendations") & (r.facts["item"] == f"rec{rec}")]
    values = {(c, a): str(v) for c, a, v in zip(mine["pfa_code"], mine["attribute"], mine["value"])}
    label = QUESTIONS[f"rec{rec}_status"].label_of
    state = {s.pfa_code: s.state for s in r.states}
    order = [
        *(label(c.value) for c in REC_STATUS),
        NOT_ANSWERED,
        "Awaiting review",
        "Returned for changes",
        "Not returned",
    ]
    rows = []
    for code in r.asked:
        if code in r.editions.index:
            status = label(values[(code, "status")]) if (code, "status") in values else NOT_ANSWERED
        else:
            status = WAITING.get(state[code], "Not returned")
        rows.append(
            {
                "Force area": r.names[code],
                "Status": status,
                "Completed on (or planned for)": _date_words(values.get((code, "completed_on"), "")),
                "Outcome": values.get((code, "outcome"), ""),
            }
        )
    frame = pd.DataFrame(rows, columns=["Force area", "Status", "Completed on (or planned for)", "Outcome"])
    if frame.empty:
        return frame
    frame["_order"] = frame["Status"].map(order.index)
    return frame.sort_values(["_order", "Force area"]).drop(columns="_order").reset_index(drop=True)


def recommendations(r: Round) -> list:
    out: list = [
        Heading("Recommendations 15, 16 and 25"),
        Paragraph.of(
            "Where each force area's review or action on the three recommendations stands, as its accepted return "
            "gives it; every force area asked is named, those without an accepted return as such."
        ),
    ]
    for rec in RECOMMENDATION_ITEMS:
        frame = recommendation_table(r, rec)
        counts = frame["Status"].value_counts() if len(frame) else pd.Series(dtype=int)
        label = QUESTIONS[f"rec{rec}_status"].label_of
        parts = [f"{int(counts.get(label(c.value), 0))} {label(c.value).lower()}" for c in REC_STATUS]
        out += [
            Heading(f"Recommendation {rec}", 2),
            Paragraph.of(
                f"Recommendation {rec} asks PCCs to {RECOMMENDATION_ASKS[rec]}. Of {_n(len(r.asked), 'force area')} "
                f"asked, {', '.join(parts)}; {int(counts.get(NOT_ANSWERED, 0))} returned without answering it and "
                f"{len(r.asked) - len(r.accepted)} have no accepted return."
            ),
            Table(f"recommendation-{rec}-by-force", f"Recommendation {rec}: every force area by status", frame),
        ]
    return out


def advocates_by_region(r: Round) -> pd.DataFrame:
    fte, heads = r.answers("isac_provision", "isa_fte"), r.answers("isac_provision", "isac_count")
    rows = []
    regions = sorted({r.regions[c] for c in r.asked}, key=lambda x: (x == "Wales", x))
    for region in [*regions, None]:
        codes = [c for c in r.asked if region is None or r.regions[c] == region]
        accepted = [c for c in codes if c in r.editions.index]
        with_fte = [c for c in accepted if c in fte]
        with_heads = [c for c in accepted if c in heads]
        rows.append(
            {
                "Region": region or "England and Wales",
                "Force areas asked": len(codes),
                "Accepted returns": len(accepted),
                "Stating FTE": len(with_fte),
                "Advocate posts (FTE)": f"{sum(float(fte[c][0]) for c in with_fte):g}" if with_fte else "not stated",
                "Stating headcount": len(with_heads),
                "Advocates (headcount)": str(sum(int(heads[c][0]) for c in with_heads)) if with_heads else "not stated",
            }
        )
    return pd.DataFrame(rows)


def cliff_edge(r: Round) -> tuple[dt.date | None, pd.DataFrame, pd.DataFrame]:
    """The next funding cliff edge (the date after the as-at date on which most funded services end), its
    services, and the annual amounts by funder (summed where shared, never estimated)."""
    s = r.streams
    ends = [pd.Timestamp(e).date() for e in s["end_date"].dropna()] if len(s) else []
    edge = rules.next_cliff_edge(ends, r.as_at)
    columns = ["Force area", "Service", "Funder", "Annual amount"]
    if edge is None:
        return None, pd.DataFrame(columns=columns), pd.DataFrame()
    ending = s[pd.to_datetime(s["end_date"]).dt.date == edge].copy()
    ending["_name"] = ending["pfa_code"].map(r.names)
    ending = ending.sort_values(["_name", "service"])
    funder = SERVICES.column("funder").label_of

    def amount(row) -> str:
        if pd.notna(row.get("amount")):
            return _money(float(row["amount"]))
        words = row.get("amount_disclosure")
        return str(words) if isinstance(words, str) and words else "not given"

    services = pd.DataFrame(
        [
            {
                "Force area": row["_name"],
                "Service": row["service"],
                "Funder": row["funder_wording"]
                if row["funder"] == "other" and isinstance(row["funder_wording"], str)
                else funder(row["funder"]),
                "Annual amount": amount(row),
            }
            for _, row in ending.iterrows()
        ],
        columns=columns,
    )
    grouped = coverage_rules.by_funder(ending)
    by_funder = pd.DataFrame(
        [
            {
                "Funder": funder(g.funder),
                "Services": int(g.services),
                "Force areas": int(g.forces),
                "Services with an amount shared": int(g.services_with_amount),
                "Annual amount shared": _money(g.amount_shared) if pd.notna(g.amount_shared) else "none shared",
            }
            for g in grouped.itertuples()
        ]
    )
    return edge, services, by_funder


def charts(r: Round, session: images.ImageSession | None, why_not: str) -> list[Figure]:
    """Charts of the accepted returns, credited to the round's returns (not to the 2024 response): advocate
    posts by region, how advocacy is provided, and funding ends by quarter (when any end is dated)."""
    if not r.accepted:
        return []
    made = []
    regions = advocates_by_region(r)
    by_region = regions[regions["Region"] != "England and Wales"]
    fte = [float(v) if v != "not stated" else 0.0 for v in by_region["Advocate posts (FTE)"]]
    total = regions.iloc[-1]
    text = ChartText(
        f"The accepted returns state {total['Advocate posts (FTE)']} independent stalking advocate posts (FTE)"
        if total["Advocate posts (FTE)"] != "not stated"
        else "No accepted return states its advocate posts in full-time equivalents",
        f"Advocate posts (FTE) by region, {_n(int(total['Stating FTE']), 'force area')} stating them, "
        f"positions as at {long_date(r.as_at)}",
        r.as_at,
        source=r.source,
        notes=("A region's force areas without an accepted return, or not stating FTE, are not counted.",),
    )
    notes = [
        f"({n} of {a} force areas)" if v != "not stated" else "not stated"
        for v, n, a in zip(by_region["Advocate posts (FTE)"], by_region["Stating FTE"], by_region["Force areas asked"])
    ]
    made.append(
        (
            "01-advocate-posts-by-region",
            text,
            figures.labelled_bars(list(by_region["Region"]), fte, text, "Advocate posts (FTE)", notes),
        )
    )

    model = question_counts(r, "isac_provision", "status", "isa_model")
    answered = model[model["Answer"] != NOT_ANSWERED]
    if len(answered):
        top = answered.loc[answered["Force areas"].idxmax()]
        text = ChartText(
            f"{top['Answer']}: the most common answer, {top['Force areas']} of {len(r.accepted)} accepted returns",
            f"Accepted returns by how independent stalking advocacy is provided, positions as at {long_date(r.as_at)}",
            r.as_at,
            source=r.source,
        )
        made.append(
            (
                "02-how-advocacy-is-provided",
                text,
                figures.labelled_bars(
                    list(model["Answer"]), [float(n) for n in model["Force areas"]], text, "Accepted returns"
                ),
            )
        )
    dated = r.streams[r.streams["end_date"].notna()] if len(r.streams) else r.streams
    if len(dated):
        quarters = pd.PeriodIndex(pd.to_datetime(dated["end_date"]), freq="Q")
        top_q = pd.Series(1, index=quarters).groupby(level=0).sum().sort_values(ascending=False, kind="stable")
        q = top_q.index[0]
        text = ChartText(
            f"{int(top_q.iloc[0])} of {len(dated)} dated funding ends fall in {q.year} Q{q.quarter}",
            f"Funded services in the accepted returns by the quarter their funding ends, positions as at {long_date(r.as_at)}",
            r.as_at,
            source=r.source,
        )
        made.append(("03-funding-ends-by-quarter", text, figures.ending_per_quarter(dated, text)))
    out = []
    for name, text, fig in made:
        png = session.png(fig) if session is not None else None
        out.append(Figure(name, text.title, f"{text.title}. {text.subtitle}. {text.source}.", png, why_not))
    return out


def demand(r: Round) -> list:
    """Need beside provision: recorded stalking per 1,000 people and advocate posts per 1,000 offences
    (issue 27, exports.demand_tables), by region, when the official tables are imported."""
    section = demand_tables.demand_section("all", None, r.as_at)
    out: list = [Heading("Need beside provision", 2)]
    if not section.imported:
        return [
            *out,
            Paragraph.of(
                "Recorded stalking per force area (the Home Office's police recorded crime tables) is not imported, "
                "so this draft sets no need beside the advocate posts returned."
            ),
        ]
    return [
        *out,
        *(Paragraph.of(sentence) for sentence in section.sentences),
        Table("demand-by-region", section.title, section.table),
        Paragraph.of((section.source, "small")),
        Bullets(section.caveats),
    ]


def national_picture(r: Round, figures_: list[Figure]) -> list:
    edge, services, by_funder = cliff_edge(r)
    out: list = [
        Heading("The national picture"),
        Heading("Advocate posts", 2),
        Paragraph.of(
            "Independent stalking advocate posts as the accepted returns state them, in full-time equivalents and "
            "people in post; a force area that did not state them is not counted (not the same as none)."
        ),
        Table(
            "advocates-by-region", "Advocate posts (FTE) and advocates (headcount) by region", advocates_by_region(r)
        ),
        Heading("The next funding cliff edge", 2),
    ]
    if edge is None:
        out.append(Paragraph.of(f"No funded service in the accepted returns ends after {long_date(r.as_at)}."))
    else:
        out += [
            Paragraph.of(
                f"The next cliff edge is {long_date(edge)}: {_n(len(services), 'funded service')} in "
                f"{_n(services['Force area'].nunique(), 'force area')} end on that date, more than on any other "
                f"date after {long_date(r.as_at)}. Annual amounts are summed only where the office shared them, "
                "never estimated."
            ),
            Table("cliff-edge-services", f"Funded services ending on {long_date(edge)}", services),
            Table("cliff-edge-by-funder", f"Funded services ending on {long_date(edge)}, by funder", by_funder),
        ]
    out.append(Heading("Charts", 2))
    out += figures_ or [Paragraph.of("No chart: no return was accepted.")]
    out += demand(r)
    return out


# ---------------------------------------------------------------- what changed


def _was(r: Round, code: str, editions: pd.DataFrame) -> str:
    """The previous edition of a force's position: its kind and date."""
    older = editions[
        (editions["pfa_code"].isna() | (editions["pfa_code"] == code)) & (editions["as_at"].dt.date < r.as_at)
    ]
    if older.empty:
        return "no earlier position"
    last = older.sort_values("edition_order").iloc[-1]
    when = long_date(pd.Timestamp(last["as_at"]).date())
    return f"a return as at {when}" if last["kind"] == "return" else f"the APCC's response of {when}"


def changes(r: Round) -> list:
    accepted = r.accepted
    out: list = [
        Heading("What changed since the previous edition"),
        Paragraph.of(
            "Each accepted return is compared with the position published for its force area before "
            f"{long_date(r.as_at)}, its previous edition, both read at {long_date(r.as_at)}. Only what changed is "
            "listed; a force area without an accepted return is not compared."
        ),
    ]
    if not accepted:
        return [*out, Paragraph.of("No return was accepted, so nothing is compared.")]
    editions = queries.editions()
    previous = pd.DataFrame([{"Force area": r.names[c], "Previous edition": _was(r, c, editions)} for c in accepted])
    counted = previous["Previous edition"].value_counts()
    out.append(
        Paragraph.of(
            "Previous editions: "
            + "; ".join(f"{edition} for {_n(int(n), 'force area')}" for edition, n in counted.items())
            + "."
        )
    )
    before, after = r.streams_before, r.streams
    funder = SERVICES.column("funder").label_of
    status = SERVICES.column("status").label_of

    def service_rows(pairs) -> pd.DataFrame:
        rows = [
            {
                "Force area": r.names[code],
                "Service": service,
                "Funder": funder(fund),
                "Was": was,
                "Now": now,
            }
            for code, service, fund, was, now in pairs
        ]
        frame = pd.DataFrame(rows, columns=["Force area", "Service", "Funder", "Was", "Now"])
        return frame.sort_values(["Force area", "Service"]).reset_index(drop=True)

    def words(row) -> str:
        end = _date_words(row["end_date"])
        return f"{status(row['status'])}" + (f", ends {end}" if end else "") + f" ({row['state']})"

    newly, secured, ended, at_risk, dropped = [], [], [], [], []
    for code in accepted:
        old = before[before["pfa_code"] == code].set_index("stream_id")
        new = after[after["pfa_code"] == code].set_index("stream_id")
        for sid, row in new.iterrows():
            if sid not in old.index:
                newly.append((code, row["service"], row["funder"], "not listed", words(row)))
                continue
            was = old.loc[sid]
            later = pd.notna(row["end_date"]) and pd.notna(was["end_date"]) and row["end_date"] > was["end_date"]
            if (
                (row["status"] in SECURED and was["status"] not in SECURED)
                or later
                or (pd.isna(row["end_date"]) and pd.notna(was["end_date"]) and row["state"] != rules.SERVICE_ENDED)
            ):
                secured.append((code, row["service"], row["funder"], words(was), words(row)))
            if row["state"] == rules.SERVICE_ENDED and was["state"] != rules.SERVICE_ENDED:
                ended.append((code, row["service"], row["funder"], words(was), words(row)))
            if row["at_risk"] and not was["at_risk"]:
                at_risk.append((code, row["service"], row["funder"], words(was), words(row)))
        for sid, was in old.iterrows():
            if sid not in new.index:
                dropped.append((code, was["service"], was["funder"], words(was), "not listed"))
    out += [
        Heading("Funded services", 2),
        Table("changed-newly-funded", "Newly funded services", service_rows(newly)),
        Table("changed-secured-or-extended", "Services secured or extended", service_rows(secured)),
        Table("changed-ended", "Services that ended", service_rows(ended)),
        Table("changed-newly-at-risk", "Services newly at risk", service_rows(at_risk)),
        Table("changed-no-longer-listed", "Services no longer listed in the return", service_rows(dropped)),
    ]

    isa_label = QUESTIONS["isa_model"].label_of
    model_rows, post_rows, status_rows, body_rows = [], [], [], []
    first_fte = 0
    for code in accepted:
        was, now = r.before.loc[code], r.coverage.loc[code]
        if was["isac_status_reported"] != now["isac_status_reported"]:
            model_rows.append(
                {
                    "Force area": r.names[code],
                    "Was": isa_label(was["isac_status_reported"])
                    if was["isac_status_reported"] != rules.NOT_REPORTED
                    else "Not reported",
                    "Now": isa_label(now["isac_status_reported"])
                    if now["isac_status_reported"] != rules.NOT_REPORTED
                    else "Not reported",
                }
            )
        for column, measure in (("isa_fte", "Advocate posts (FTE)"), ("isac_count", "Advocates (headcount)")):
            a, b = was[column], now[column]
            if pd.notna(a) and pd.notna(b) and float(a) != float(b):
                post_rows.append(
                    {"Force area": r.names[code], "Measure": measure, "Was": f"{float(a):g}", "Now": f"{float(b):g}"}
                )
        first_fte += int(pd.isna(was["isa_fte"]) and pd.notna(now["isa_fte"]))
        for theme, column in (
            ("Perpetrator interventions", "perpetrator_programme_status"),
            ("MASIP, clinics and panels", "masip_status"),
        ):
            if was[column] != now[column]:
                status_rows.append(
                    {
                        "Force area": r.names[code],
                        "Theme": theme,
                        "Was": status_words(was[column]),
                        "Now": status_words(now[column]),
                    }
                )
        was_body = was["body_returned"] if isinstance(was["body_returned"], str) else queries_body(code)
        now_body = now["body_returned"] if isinstance(now["body_returned"], str) else was_body
        if was_body != now_body:
            body_rows.append({"Force area": r.names[code], "Was": was_body, "Now": now_body})
    out += [
        Heading("How advocacy is provided", 2),
        Table(
            "changed-advocacy-model",
            "Force areas whose advocacy is now provided differently",
            pd.DataFrame(model_rows, columns=["Force area", "Was", "Now"]),
        ),
        Table(
            "changed-advocate-posts",
            "Advocate posts that changed (where both editions state them)",
            pd.DataFrame(post_rows, columns=["Force area", "Measure", "Was", "Now"]),
        ),
        Paragraph.of(
            f"{_n(first_fte, 'force area')} state advocate posts in full-time equivalents for the first time."
        ),
        Heading("MASIP and perpetrator programme status", 2),
        Table(
            "changed-programme-and-multi-agency-status",
            "Perpetrator interventions and MASIP status that changed",
            pd.DataFrame(status_rows, columns=["Force area", "Theme", "Was", "Now"]),
        ),
        Heading("Commissioning body", 2),
        Table(
            "changed-commissioning-body",
            "Commissioning bodies that changed",
            pd.DataFrame(body_rows, columns=["Force area", "Was", "Now"]),
        ),
    ]
    firsts = []
    for dimension, theme in (
        ("co_commissioning", "co-commissioning"),
        ("information_sharing", "information sharing"),
        ("scrutiny", "scrutiny and accountability"),
        ("awareness_training", "awareness and training"),
    ):
        n = len([c for c in accepted if c in r.answered(dimension)])
        if n:
            firsts.append(f"{theme}, {_n(n, 'force area')}")
    if firsts:
        out.append(
            Paragraph.of(
                "The round asked for the first time about co-commissioning, information sharing, scrutiny and "
                "awareness and training; the accepted returns answer on " + "; ".join(firsts) + "."
            )
        )
    return out


def queries_body(code: str) -> str:
    forces = queries.forces().set_index("pfa_code")
    return str(forces.at[code, "commissioner_name"])


def cannot_say(r: Round) -> list:
    amounts = int(r.streams["amount"].notna().sum()) if len(r.streams) and "amount" in r.streams else 0
    return [
        Heading("What the data cannot say"),
        Bullets(
            (
                f"Silence is not none. {_n(len(r.asked) - len(r.accepted), 'force area')} of {len(r.asked)} have no "
                "accepted return in this round, and an accepted return may leave a theme unanswered: neither is a "
                "report of no provision.",
                "The returns are the offices' own statements, signed off in each office; the APCC has not verified "
                "them. Each is cited to its force, office, signer and date so it can be checked.",
                "Counts of force areas say whether something is in place, not how much or how good it is. Advocate "
                "posts set beside recorded stalking (where it is imported) are not a caseload: recorded crime is "
                "not prevalence, and no statutory caseload for advocates exists.",
                f"Annual amounts were shared for {_n(amounts, 'funded service')} of {len(r.streams)}; the others "
                "are not estimated, so no total of spending can be drawn from these returns.",
                "The examples are illustrative, as in the APCC's 2024 response: quoted where offices consented, "
                "they do not describe every force area.",
                f"Positions are as at {long_date(r.as_at)}; funding decisions made after that date are not in them.",
            )
        ),
        Paragraph.of(f"Contains public sector information licensed under the {LICENCE}."),
    ]


def returns_cited(r: Round) -> list:
    rows = []
    for code in r.accepted:
        e = r.editions.loc[code]
        sub = next(s for s in r.states if s.pfa_code == code)
        rows.append(
            {
                "Force area": r.names[code],
                "Office": r.bodies.get(code, ""),
                "Completed by": e["submitted_by"],
                "Signed off by": e["signed_off_by"] if isinstance(e["signed_off_by"], str) else "",
                "Returned on": _date_words(e["submitted_at"]),
                "Accepted on": _date_words(sub.updated_at) if sub.updated_at else "",
            }
        )
    frame = pd.DataFrame(
        rows, columns=["Force area", "Office", "Completed by", "Signed off by", "Returned on", "Accepted on"]
    )
    return [Heading("Annex: the returns cited"), Table("returns-cited", "The accepted returns this draft cites", frame)]


def document(r: Round, figures_: list[Figure]) -> Document:
    title = "Super-complaint: the police response to stalking"
    doc = Document(
        title=title,
        subtitle=(
            f"Draft collective response of the Association of Police and Crime Commissioners, from the returns of "
            f"its round “{r.round_.title}”: positions as at {long_date(r.as_at)}. Prepared on {long_date(r.today)}."
        ),
        header=f"Draft collective response · {r.round_.title} · positions as at {long_date(r.as_at)}",
        footer=r.source + ".",
        created=r.today,
    )
    doc.add(Heading("Contents"), Contents())
    doc.add(*introduction(r))
    for part in (availability, co_commissioning, funding, multi_agency, information_sharing, scrutiny, awareness):
        doc.add(*part(r))
    doc.add(*recommendations(r))
    doc.add(*national_picture(r, figures_))
    doc.add(*changes(r))
    doc.add(*cannot_say(r))
    doc.add(*returns_cited(r))
    return doc


def build(actor: Actor, round_id: str, *, today: dt.date | None = None, images_wanted: bool | None = None) -> Report:
    """The report for a round, from its accepted returns (a reviewer or admin).

    images_wanted: None draws the charts when a browser is installed (and says why not otherwise);
    True requires it; False never starts one."""
    today = today or clock.today()
    review.queue(actor, round_id)  # the reviewer check, logged
    r = gather(round_id, today)
    warnings: list[str] = []
    why_not = "the chart needs Chromium to be drawn; it was left out"
    session = None
    if images_wanted is not False and images.image_export_available():
        session = images.ImageSession()
    elif images_wanted:
        raise images.ImageExportUnavailable()
    elif images_wanted is None:
        warnings.append(images.UNAVAILABLE_MESSAGE)
    try:
        figures_ = charts(r, session, why_not if images_wanted is not False else "charts were not drawn for this draft")
    finally:
        if session is not None:
            session.close()
    doc = document(r, figures_)
    files: dict[str, bytes] = {f"report-{round_id}.docx": to_docx(doc)}
    for table in doc.tables:
        info = ExportInfo(title=table.caption, source=r.source, data_date=r.as_at, as_at=r.as_at)
        files[f"data/{table.name}.csv"] = tables.to_csv(table.frame, info)
    status = progress.readable_status(
        progress.status_frame(round_id, today),
        ["pfa_code", "short_name", "commissioning_body", "state", "overdue", "updated_at", "by"],
    )
    files["data/round-status.csv"] = tables.to_csv(
        status,
        ExportInfo(
            title=f"{r.round_.title}: where each force stands", source=r.source, data_date=r.as_at, as_at=r.as_at
        ),
    )
    for figure in figures_:
        if figure.png:
            files[f"charts/{figure.name}.png"] = figure.png
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return Report(f"report-{round_id}.zip", out.getvalue(), list(files), warnings)
