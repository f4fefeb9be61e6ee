"""What a briefing pack says: its charts, tables, cited evidence and sources, gathered once.

Everything comes through core.queries; nothing here writes SQL or files. The
Word document (exports.word) and the zip (exports.briefing) are made from the
`Briefing` this module gathers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from charts import figures, palette
from charts.chart_text import EXPORT_WIDTH, ChartText
from core import changes, clock, headlines, queries, rules
from core import coverage as coverage_rules
from core.rules import CLIFF_EDGE, PROVISION_MEASURES
from core.text import data_as_at_line, long_date, slug
from exports import table_views
from exports.common import LICENCE, NOT_REPORTED_NOTE, ExportInfo
from exports.demand_tables import DemandSection, demand_section
from exports.scope import Scope
from exports.sentences import (
    area_findings,
    area_sentences,
    count_of,
    force_findings,
    force_sentences,
    report_dates,
)

BRIEF_WIDTH = 720  # px: the brief's charts are laid out narrower than the files, so their words read larger
BRIEF_TIMELINE_ROWS = 6  # a funding timeline of more services than this is too tall for the brief


@dataclass
class Chart:
    """One chart of a pack: its figure, its words and a short file name."""

    name: str  # file stem inside charts/, e.g. "01-isac-provision"
    fig: go.Figure
    text: ChartText
    brief_fig: go.Figure | None = None  # the same chart laid out at BRIEF_WIDTH, when the brief shows it


def _positions(as_at: dt.date, data_date: dt.date) -> str:
    """'as at 19 December 2024', or 'at 1 December 2026, last reported up to 19 December 2024'."""
    if as_at == data_date:
        return f"as at {long_date(as_at)}"
    return f"at {long_date(as_at)}, last reported up to {long_date(data_date)}"


DATED_NOTE = f"{rules.DATED_MARK} hatched: last reported more than 12 months before the date shown."


Made = tuple[Callable[[int], go.Figure], ChartText]  # the chart at a width, and its words


def _status_chart(
    cov: pd.DataFrame, dim: palette.MapDimension, place: str, label: str, as_at: dt.date, data_date: dt.date
) -> Made:
    notes = (rules.AT_RISK_DEFINITION,) if dim is palette.FUNDING else ()
    measure = dim.label if dim.label.split()[0].isupper() else dim.label[0].lower() + dim.label[1:]
    text = ChartText(
        headlines.finding(cov, dim.key, place),
        f"Force areas by {measure}, {label}, positions {_positions(as_at, data_date)}",
        data_date,
        notes=(*notes, NOT_REPORTED_NOTE, DATED_NOTE),
    )
    return (lambda width: figures.status_bar(cov, dim, text, width=width)), text


def _timeline_chart(
    streams: pd.DataFrame, place: str, label: str, as_at: dt.date, data_date: dt.date, today: dt.date
) -> Made | None:
    dated = streams[streams["end_date"].notna()]
    if dated.empty:
        return None
    upcoming = dated[dated["state"] != rules.SERVICE_ENDED].sort_values("end_date")
    if len(upcoming):
        first = upcoming.iloc[0]
        derived = " (derived)" if first["end_derived"] else ""
        end = pd.Timestamp(first["end_date"]).date()
        if end < today:  # read later than it was due: said in the past tense, and marked as passed
            title = f"Stalking funding in {place} was next due to end on {long_date(end)}{derived}, a date now passed"
        else:
            title = f"Next end of stalking funding in {place}: {long_date(end)}{derived}"
    else:
        title = f"Every end of stalking funding in {place} has passed by {long_date(as_at)}, with no renewal reported"
    ends = pd.to_datetime(dated["end_date"]).dt.date
    j = int((ends <= CLIFF_EDGE).sum())
    fall = "fell" if CLIFF_EDGE < today else "fall"
    notes = (f"{j} of {len(dated)} end dates {fall} on or before {long_date(CLIFF_EDGE)}.",) if len(dated) > 1 else ()
    derived_ends = int(dated["end_derived"].sum())
    if derived_ends:
        notes = (
            *notes,
            f"{derived_ends} of the end dates {'is' if derived_ends == 1 else 'are'} derived from the source's words, not stated.",
        )
    text = ChartText(
        title,
        f"Funded services from start (where known) to end date, {label}, positions {_positions(as_at, data_date)}",
        data_date,
        notes=notes,
    )
    return (lambda width: figures.funding_timeline(streams, as_at, text, CLIFF_EDGE, width=width)), text


def _quarter_chart(
    streams: pd.DataFrame, place: str, label: str, as_at: dt.date, data_date: dt.date, today: dt.date
) -> Made | None:
    dated = streams[streams["end_date"].notna()]
    if len(dated) < 2:
        return None
    quarters = pd.PeriodIndex(pd.to_datetime(dated["end_date"]), freq="Q")
    top = pd.Series(1, index=quarters).groupby(level=0).sum().sort_values(ascending=False, kind="stable")
    q, c = top.index[0], int(top.iloc[0])
    fall = "fell" if q.end_time.date() < today else "fall"
    title = f"{c} of {len(dated)} funding end dates in {place} {fall} in {q.year} Q{q.quarter}"
    text = ChartText(
        title,
        f"Funded services by the quarter of their end date, {label}, positions {_positions(as_at, data_date)}",
        data_date,
    )
    return (lambda width: figures.ending_per_quarter(streams, text, width=width)), text


def _grid_chart(cov: pd.DataFrame, region_order: list[str], as_at: dt.date, data_date: dt.date) -> Made:
    shares = headlines.region_shares(cov, region_order, list(PROVISION_MEASURES))
    isac, programme, masip = (headlines.count(cov, k) for k in ("isac", "programme", "masip"))
    title = f"ISAs or a stalking service are reported in {isac.line} force areas"
    text = ChartText(
        title,
        f"Share of force areas in each region reporting each provision, positions {_positions(as_at, data_date)}",
        data_date,
        notes=(
            f"Across England and Wales: perpetrator programmes in {programme.line}; "
            f"MASIP or stalking clinics in {masip.line}.",
            NOT_REPORTED_NOTE,
        ),
    )
    return (lambda width: figures.region_grid(shares, text, width=width)), text


def build_charts(
    scope: Scope,
    cov_scope: pd.DataFrame,
    cov_region: pd.DataFrame,
    streams: pd.DataFrame,
    as_at: dt.date,
    data_date: dt.date,
    region_order: list[str],
    today: dt.date | None = None,
) -> list[Chart]:
    """The pack's charts, at the export width; the one or two the brief shows also at BRIEF_WIDTH.

    The brief shows what a reader needs first: the victim support chart, then the funding
    ends (the timeline when it is short enough to read on a page, otherwise the quarters)."""
    today = today or clock.today()
    made: list[tuple[str, Made | None]] = []
    brief: list[str] = []
    timeline = _timeline_chart(streams, scope.place, scope.label, as_at, data_date, today)
    short_timeline = timeline is not None and int(streams["end_date"].notna().sum()) <= BRIEF_TIMELINE_ROWS
    if scope.kind == "force":
        region_place = (
            scope.region if scope.region in {"London", "Wales", "Yorkshire and The Humber"} else f"the {scope.region}"
        )
        made.append(
            (
                "isac-provision-in-region",
                _status_chart(cov_region, palette.ISAC, region_place, scope.region, as_at, data_date),
            )
        )
        made.append(("funding-timeline", timeline))
        brief = ["isac-provision-in-region", "funding-timeline"]
    else:
        if scope.kind == "all":
            made.append(("provision-by-region", _grid_chart(cov_scope, region_order, as_at, data_date)))
        for dim in (palette.ISAC, palette.PROGRAMME, palette.MASIP, palette.FUNDING):
            made.append(
                (slug(dim.label, 40), _status_chart(cov_scope, dim, scope.place, scope.label, as_at, data_date))
            )
        made.append(("funding-timeline", timeline))
        quarters = _quarter_chart(streams, scope.place, scope.label, as_at, data_date, today)
        if scope.kind == "all":
            made.append(("funding-ends-per-quarter", quarters))
        funding = "funding-timeline" if short_timeline or quarters is None else "funding-ends-per-quarter"
        if funding == "funding-ends-per-quarter" and scope.kind != "all":
            funding = slug(palette.FUNDING.label, 40)
        brief = [slug(palette.ISAC.label, 40), funding]
    out: list[Chart] = []
    for name, pair in made:
        if pair is None:
            continue
        make, text = pair
        out.append(
            Chart(
                f"{len(out) + 1:02d}-{slug(name, 40)}",
                make(EXPORT_WIDTH),
                text,
                make(BRIEF_WIDTH) if name in brief else None,
            )
        )
    return out


def pack_filename(scope: Scope, as_at: dt.date) -> str:
    return f"briefing-{scope.slug}-{as_at.isoformat()}.zip"


# ---------------------------------------------------------------- tables


FUNDERS_NOTE = (
    "Annual amounts are summed only where a commissioner's office shared one in a return; the others are not "
    "estimated, so a sum is not a funder's total."
)


def funders_table(streams: pd.DataFrame) -> pd.DataFrame:
    """The funded services per funder, with the annual amounts shared (core.coverage.by_funder)."""
    return table_views.funders_table(coverage_rules.by_funder(streams))


def group_evidence(ev: pd.DataFrame) -> pd.DataFrame:
    """One row per force and quote; a quote cited for several themes lists them all."""
    if ev.empty:
        return ev.assign(themes=pd.Series(dtype=object))
    keys = [
        "pfa_code",
        "short_name",
        "region",
        "quote",
        "source_id",
        "source_title",
        "publisher",
        "section",
        "source_date",
    ]
    keys += ["source_url"] if "source_url" in ev else []
    grouped = (
        ev.groupby(keys, sort=False, dropna=False)
        .agg(
            themes=("dimension_label", lambda s: "; ".join(dict.fromkeys(s))),
            record_ids=("record_ids", lambda s: ";".join(s)),
        )
        .reset_index()
    )
    return grouped


def _squash(text: str) -> str:
    return " ".join(str(text).split())


def _overlap(head: str, tail: str, least: int = 25) -> int:
    """How many characters the end of `head` shares with the start of `tail` (0 when fewer than
    `least`, or when the shared text does not start at a word)."""
    most = min(len(head), len(tail)) - 1
    for size in range(most, least - 1, -1):
        if head.endswith(tail[:size]) and (size == len(head) or head[-size - 1] == " "):
            return size
    return 0


def fold_overlapping(grouped: pd.DataFrame) -> pd.DataFrame:
    """Each passage of a document once per force: no quote printed twice in overlapping forms.

    Within one force and one document, a quote that another contains is folded into the longer
    one, and two quotes where one's end is the other's start (at least 25 characters, from a word,
    in the same section) are joined into the passage they are both cut from. Themes and record
    ids are merged. The result is verbatim still: each kept text is a quote, or two quotes that
    run on in the document.
    """
    if grouped.empty:
        return grouped
    out = []
    by_document: dict[tuple, list[dict]] = {}  # (force, document) -> its rows, in order; as groupby, not NaN
    for r in grouped.to_dict("records"):  # once: a frame per group cost more than the folding
        if not (pd.isna(r["pfa_code"]) or pd.isna(r["source_id"])):
            by_document.setdefault((r["pfa_code"], r["source_id"]), []).append(r)
    for rows in by_document.values():
        for r in rows:
            r["quote"] = _squash(r["quote"])
        changed = True
        while changed:
            changed = False
            for i, a in enumerate(rows):
                for j, b in enumerate(rows):
                    if i == j:
                        continue
                    joined = None
                    if b["quote"] in a["quote"]:
                        joined = a["quote"]
                    elif a["section"] == b["section"] and (size := _overlap(a["quote"], b["quote"])):
                        joined = a["quote"] + b["quote"][size:]
                    if joined is None:
                        continue
                    a["quote"] = joined
                    a["themes"] = "; ".join(dict.fromkeys([*a["themes"].split("; "), *b["themes"].split("; ")]))
                    a["record_ids"] = ";".join(
                        dict.fromkeys([*a["record_ids"].split(";"), *b["record_ids"].split(";")])
                    )
                    del rows[j]
                    changed = True
                    break
                if changed:
                    break
        out.extend(rows)
    return pd.DataFrame(out, columns=grouped.columns).reset_index(drop=True)


def source_urls(sources: pd.DataFrame) -> dict[str, str]:
    """{source_id: web address} for the documents that have one."""
    if "url" not in sources:
        return {}
    return {
        sid: url.strip()
        for sid, url in zip(sources["source_id"], sources["url"])
        if isinstance(url, str) and url.strip()
    }


def evidence_table(ev: pd.DataFrame) -> pd.DataFrame:
    g = group_evidence(ev)
    return pd.DataFrame(
        {
            "Force area": g["short_name"],
            "ONS code": g["pfa_code"],
            "Themes": g["themes"],
            "Quote": g["quote"],
            "Document": g["source_title"],
            "Publisher": g["publisher"],
            "Section": g["section"],
            "Document date": g["source_date"],
            "Document address": table_views.addresses(g),
            "Records": g["record_ids"],
        }
    ).reset_index(drop=True)


# ---------------------------------------------------------------- the pack's content


@dataclass
class Briefing:
    """Everything a pack says, gathered from the database once."""

    scope: Scope
    as_at: dt.date
    data_date: dt.date
    today: dt.date
    coverage: pd.DataFrame
    streams: pd.DataFrame
    evidence: pd.DataFrame
    sources: pd.DataFrame  # the documents cited, main source first
    sentences: list[str]
    charts: list[Chart]
    findings: list[str] = field(default_factory=list)  # the brief's headline findings, short sentences
    changes: list[str] = field(default_factory=list)  # what changed since the previous edition
    report_line: str = ""  # when the positions were last reported, said once
    # Demand beside provision (issue 27), when the official figures have been imported.
    demand: DemandSection | None = None
    region_order: list[str] = field(default_factory=list)  # north to south, Wales last (queries.regions)

    def forces_table(self) -> pd.DataFrame:
        """The force areas concerned: the same frame as the regional comparison page's table."""
        return table_views.forces_table(self.coverage, self.region_order)

    def services_table(self) -> pd.DataFrame:
        """The funded services concerned: the same frame as the funding page's table."""
        return table_views.services_table(self.streams, self.as_at)

    @property
    def title(self) -> str:
        return f"Stalking services in {self.scope.place}: briefing"

    @property
    def stem(self) -> str:
        return pack_filename(self.scope, self.as_at).removesuffix(".zip")

    @property
    def scope_line(self) -> str:
        n = len(self.coverage)
        if self.scope.kind == "force":
            return f"Scope: {self.scope.name} police force area ({self.scope.code}), in {self.scope.region}."
        names = ", ".join(self.coverage["short_name"])
        if self.scope.kind == "all":
            return f"Scope: all {n} police force areas of England and Wales."
        return f"Scope: the {n} police force areas in {self.scope.place}: {names}."

    @property
    def age_line(self) -> str:
        return f"Position as at {long_date(self.as_at)}. {data_as_at_line(self.data_date, self.today)}"

    def main_source_text(self) -> str:
        """'APCC, Super Complaint: … (19 December 2024)': the main document, for running footers."""
        if self.sources.empty:
            return ""
        r = self.sources.iloc[0]
        return f"{r['publisher']}, {r['title']} ({long_date(pd.Timestamp(r['published']).date())})"

    def source_text(self) -> str:
        parts = [
            f"{r.publisher}, {r.title} ({long_date(pd.Timestamp(r.published).date())})"
            for r in self.sources.itertuples()
        ]
        return "; ".join(parts) + f". {LICENCE}"

    def info(self, title: str) -> ExportInfo:
        return ExportInfo(
            title=title,
            source=self.source_text(),
            data_date=self.data_date,
            subtitle=self.scope_line.removeprefix("Scope: "),
            notes=(NOT_REPORTED_NOTE,),
            filters=self.scope.filters(self.as_at),
            as_at=self.as_at,
        )


def _cited_sources(all_sources: pd.DataFrame, ev: pd.DataFrame, main_date: dt.date) -> pd.DataFrame:
    cited = set(ev["source_id"]) if len(ev) else set()
    published = pd.to_datetime(all_sources["published"]).dt.date
    main = all_sources[published == main_date]
    used = all_sources[all_sources["source_id"].isin(cited) & ~all_sources["source_id"].isin(main["source_id"])]
    return pd.concat([main, used]).drop_duplicates("source_id").reset_index(drop=True)


def gather(
    scope: Scope, as_at: dt.date | None = None, *, db: queries.Database | None = None, today: dt.date | None = None
) -> Briefing:
    """Read everything the pack needs through core.queries."""
    main_date = queries.source_date(db)
    today = today or clock.today()
    as_at = as_at or today  # today by default, as every page opens
    data_date = queries.data_date(as_at, db) or as_at
    region_order = queries.regions(db)
    order = {r: i for i, r in enumerate(region_order)}
    cov_all = queries.coverage(as_at, db=db)
    cov_all = cov_all.assign(_r=cov_all["region"].map(order)).sort_values(["_r", "pfa_code"]).drop(columns="_r")
    if scope.kind == "force":
        cov = cov_all[cov_all["pfa_code"] == scope.code].reset_index(drop=True)
        cov_region = cov_all[cov_all["region"] == scope.region].reset_index(drop=True)
    elif scope.kind == "region":
        cov = cov_region = cov_all[cov_all["region"] == scope.code].reset_index(drop=True)
    else:
        cov = cov_region = cov_all.reset_index(drop=True)
    streams = queries.funding_streams(as_at, regions=scope.regions, pfa_code=scope.pfa_code, db=db)
    ev = queries.evidence_at(as_at, regions=scope.regions, pfa_code=scope.pfa_code, db=db)
    sources = _cited_sources(queries.sources(db), ev, main_date)
    if scope.kind == "force":
        sentences = force_sentences(cov.iloc[0], streams, as_at) if len(cov) else []
    else:
        sentences = area_sentences(cov, streams, scope, as_at)
    grouped = group_evidence(ev)
    if len(grouped):
        sentences.append(
            f"These figures rest on {count_of(len(grouped), 'quote')} from "
            f"{count_of(grouped['source_id'].nunique(), 'document')}; each is cited under Evidence below."
        )
    chart_list = build_charts(scope, cov, cov_region, streams, as_at, data_date, region_order, today)
    recs = queries.recommendation_status(as_at, regions=scope.regions, db=db)
    if scope.kind == "force":
        recs = recs[recs["pfa_code"] == scope.code]
        findings = force_findings(cov.iloc[0], streams, as_at, today, recs) if len(cov) else []
    else:
        findings = area_findings(cov, streams, scope, as_at, today, recs)
    demand = demand_section(scope.kind, scope.code, as_at, db=db)
    return Briefing(
        scope,
        as_at,
        data_date,
        today,
        cov,
        streams,
        ev,
        sources,
        sentences,
        chart_list,
        findings=findings,
        changes=what_changed(cov, as_at, main_date, db),
        report_line=report_dates(cov, as_at),
        demand=demand if demand.imported else None,
        region_order=region_order,
    )


def what_changed(cov: pd.DataFrame, as_at: dt.date, main_date: dt.date, db: queries.Database | None) -> list[str]:
    """What changed since the previous edition (a return, or the APCC response when there is no
    other), for the force areas of `cov`: what each newer return changed, and what the date moved."""
    editions = list(pd.to_datetime(queries.editions(db)["as_at"]).dt.date)
    since = changes.baseline(editions, as_at, main_date)
    if since >= as_at:
        return [
            f"This is the first edition, the APCC response of {long_date(main_date)}: there is no earlier one "
            "to compare it with."
        ]
    before = queries.coverage(since, db=db)
    before = before[before["pfa_code"].isin(cov["pfa_code"])]
    moved = changes.sentences(changes.moves(before, cov), since, as_at)
    lead = (
        f"Since the previous edition, as at {long_date(since)}:"
        if since != main_date or any(d > main_date for d in editions if d <= as_at)
        else f"No return is newer than the APCC response of {long_date(main_date)}. Read at {long_date(as_at)}:"
    )
    return [lead, *(moved or ["no figure has moved."])]
