"""The round's report: from the accepted returns of a round, the draft of the APCC's next
collective response, as a Word document in a zip with the England and Wales briefing
pack's charts and data at the round's date.

It counts, per recommendation, how many force areas report the review or action
complete (and when), in progress, not started or not known; says what changed since
the previous edition (services newly funded, ended or at risk, advocate posts added
or lost); lists the forces that did not return as such, never counting them as
"none"; and cites every statement to its return (force, who submitted it, when).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field

import pandas as pd
from docx import Document
from docx.shared import Cm, Pt

from core import clock, queries
from core.text import long_date
from etl.questions import REC_STATUS, RECOMMENDATION_ITEMS
from exports import briefing, tables
from exports.common import LICENCE, ExportInfo
from exports.word import quote_citation
from workflow import progress, review, rounds
from workflow.access import Actor

ZIP_MIME = "application/zip"
RECOMMENDATION_ASKS = {
    "15": "review stalking victim services, including independent stalking advocates",
    "16": "embed information sharing with victim services in commissioning",
    "25": "improve multi-agency working on stalking perpetrators",
}


@dataclass
class Report:
    filename: str
    data: bytes
    files: list[str] = field(default_factory=list)


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


Positions = dict[tuple[dt.date, str], tuple[pd.DataFrame, pd.DataFrame]]


def positions_at(*dates: dt.date) -> Positions:
    """Every force's facts and funded services at each date, read once for the whole report:
    {(date, pfa_code): (facts, streams)}, the rows as reading one force at a time gives them."""
    out: Positions = {}
    for d in dates:
        facts, streams = queries.facts(d), queries.funding_streams(d)
        facts_of = dict(tuple(facts.groupby("pfa_code", sort=False)))
        streams_of = dict(tuple(streams.groupby("pfa_code", sort=False)))
        for code in set(facts_of) | set(streams_of):
            out[(d, code)] = (facts_of.get(code, facts.iloc[0:0]), streams_of.get(code, streams.iloc[0:0]))
        out[(d, "")] = (facts.iloc[0:0], streams.iloc[0:0])  # a force with nothing at the date
    return out


def _position(as_at: dt.date, code: str, positions: Positions | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    if positions is not None and (as_at, "") in positions:
        return positions.get((as_at, code), positions[(as_at, "")])
    return queries.facts(as_at, code), queries.funding_streams(as_at, pfa_code=code)


def _isa(facts: pd.DataFrame) -> tuple[str, str]:
    """(FTE, headcount) stated in a position's facts, as text ('' when not stated)."""

    def value(attribute: str) -> str:
        rows = facts[(facts["dimension"] == "isac_provision") & (facts["attribute"] == attribute)]
        return str(rows["value"].iloc[0]) if len(rows) else ""

    return value("isa_fte"), value("isac_count")


def changes_since(code: str, as_at: dt.date, name: str, positions: Positions | None = None) -> list[str]:
    """What a force's accepted return changed, in sentences: the position at `as_at` against the day before.

    `positions`: every force's position at both dates (positions_at), when the report asks for many forces."""
    before_facts, before_streams = _position(as_at - dt.timedelta(days=1), code, positions)
    after_facts, after_streams = _position(as_at, code, positions)
    out = []
    old_ids, new_ids = set(before_streams["stream_id"]), set(after_streams["stream_id"])
    for row in after_streams[~after_streams["stream_id"].isin(old_ids)].itertuples():
        out.append(f"{name}: newly funded: {row.service} ({row.funder}).")
    gone = before_streams[~before_streams["stream_id"].isin(new_ids)]
    for row in gone.itertuples():
        out.append(f"{name}: no longer listed: {row.service}.")
    for row in after_streams.itertuples():
        if row.status == "ended" or row.state == "ended":
            was = before_streams[before_streams["stream_id"] == row.stream_id]
            if was.empty or (was["status"].iloc[0] != "ended"):
                out.append(f"{name}: ended: {row.service}.")
        elif row.status == "at risk":
            out.append(f"{name}: at risk: {row.service}.")
    fte_before, heads_before = _isa(before_facts)
    fte_after, heads_after = _isa(after_facts)
    for label, old, new in (
        ("independent stalking advocate posts (FTE)", fte_before, fte_after),
        ("independent stalking advocates (headcount)", heads_before, heads_after),
    ):
        if new and old and new != old:
            direction = "added" if float(new) > float(old) else "lost"
            out.append(f"{name}: {label} {old} → {new} ({direction}).")
        elif new and not old:
            out.append(f"{name}: {label} stated for the first time: {new}.")
    return out


def build(actor: Actor, round_id: str, *, today: dt.date | None = None) -> Report:
    """The report for a round, from its accepted returns (a reviewer or admin)."""
    today = today or clock.today()
    round_ = rounds.get_round(round_id)
    states = progress.status(round_id, today)
    review.queue(actor, round_id)  # the reviewer check, logged
    accepted = [s for s in states if s.state == progress.ACCEPTED]
    missing = [s for s in states if s.state != progress.ACCEPTED]
    as_at = round_.as_at
    facts = queries.facts(as_at)
    editions = queries.editions()
    round_editions = editions[editions["round_id"] == round_id] if "round_id" in editions else editions.iloc[0:0]
    returned = set(round_editions["pfa_code"])
    recs = facts[(facts["dimension"] == "recommendations") & facts["edition_id"].isin(round_editions["edition_id"])]

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    title = f"{round_.title}: the round's report"
    doc.core_properties.title = title
    doc.add_heading(title, level=0)
    doc.add_paragraph(
        f"Positions as at {long_date(as_at)}, from the returns of the commissioners' offices accepted by "
        f"{long_date(today)}. The round asked {_n(len(states), 'force area')}; "
        f"{len(accepted)} returned a position that was accepted. Draft of the APCC's collective response: "
        "check every statement against the return it cites before publishing."
    )

    doc.add_heading("Recommendations 15, 16 and 25", level=1)
    for rec in RECOMMENDATION_ITEMS:
        mine = recs[recs["item"] == f"rec{rec}"]
        status = mine[mine["attribute"] == "status"].set_index("pfa_code")["value"]
        dates = mine[mine["attribute"] == "completed_on"].set_index("pfa_code")["value"]
        counts = {c.value: int((status == c.value).sum()) for c in REC_STATUS}
        not_answered = len(returned) - int(status.size)
        p = doc.add_paragraph(style="List Bullet")
        p.add_run(f"Recommendation {rec} ({RECOMMENDATION_ASKS[rec]}): ").bold = True
        p.add_run(
            f"{counts['complete']} of {len(states)} force areas report it complete, {counts['in progress']} in "
            f"progress, {counts['not started']} not started, {counts['not known']} not known; "
            f"{not_answered} returned without answering it and {len(states) - len(returned)} did not return."
        )
        done = sorted((str(dates.get(code, "")), code) for code in status.index[status == "complete"])
        if done:
            names = queries.forces().set_index("pfa_code")["short_name"]
            doc.add_paragraph(
                "Completed: "
                + "; ".join(
                    f"{names[c]} ({long_date(dt.date.fromisoformat(d)) if d else 'date not given'})" for d, c in done
                )
                + "."
            )

    doc.add_heading("What changed since the previous edition", level=1)
    changes = []
    positions = positions_at(as_at - dt.timedelta(days=1), as_at) if accepted else None
    for s in accepted:
        changes += changes_since(s.pfa_code, as_at, s.short_name, positions)
    if not changes:
        doc.add_paragraph("No change in funded services or advocate posts is reported in the accepted returns.")
    for line in changes:
        doc.add_paragraph(line, style="List Bullet")

    doc.add_heading("Force areas that did not return", level=1)
    doc.add_paragraph(
        f"{_n(len(missing), 'force area')} had no accepted return by {long_date(today)}. Their positions are not "
        "reported in this round, which is not the same as none: the previous edition's position is shown, dated, "
        "on the dashboard."
    )
    for s in missing:
        doc.add_paragraph(
            f"{s.short_name} ({s.pfa_code}): {s.state}{' (overdue)' if s.overdue else ''}", style="List Bullet"
        )

    doc.add_heading("Every statement, cited to its return", level=1)
    evidence = queries.evidence_at(as_at)
    evidence = evidence[evidence["source_id"].str.startswith("return-") & evidence["pfa_code"].isin(returned)]
    by_source = round_editions.assign(source_id="return-" + round_editions["sha256"].str[:12]).set_index("source_id")
    for code, group in evidence.groupby("pfa_code", sort=True):
        doc.add_heading(f"{group['short_name'].iloc[0]} ({code})", level=2)
        for q in group.itertuples():
            who = by_source.loc[q.source_id] if q.source_id in by_source.index else None
            p = doc.add_paragraph()
            p.paragraph_format.left_indent = Cm(0.5)
            p.add_run(f"{q.dimension_label}: ").bold = True
            p.add_run(f"\u201c{q.quote}\u201d ")
            cite = (
                f"submitted by {who['submitted_by']}, {long_date(pd.Timestamp(who['submitted_at']).date())}"
                if who is not None
                else ""
            )
            run = p.add_run(quote_citation(q.source_title, q.section, q.source_date) + (f"; {cite}" if cite else ""))
            run.italic = True
            run.font.size = Pt(9)
    doc.add_paragraph(f"Contains public sector information licensed under the {LICENCE}.")
    buffer = io.BytesIO()
    doc.save(buffer)

    files: dict[str, bytes] = {f"report-{round_id}.docx": buffer.getvalue()}
    frame = progress.status_frame(round_id, today)
    info = ExportInfo(
        title=f"{round_.title}: where each force stands",
        source="Returns workflow of the dashboard",
        data_date=as_at,
        as_at=as_at,
    )
    files["data/round-status.csv"] = tables.to_csv(frame, info)
    pack = briefing.build_pack(briefing.Scope.all(), as_at, images_wanted=False, zipped=False)
    for name, data in pack.contents.items():
        files[f"briefing/{name}"] = data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return Report(f"report-{round_id}.zip", out.getvalue(), list(files))
