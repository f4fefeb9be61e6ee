"""Briefing packs: one zip for a force, a region or England and Wales.

The zip holds
- a Word document: scope, as-at date and data age, key figures as sentences,
  the charts as images with their source lines, a table of the force areas,
  every quote cited (document, section, date) grouped by force, and the
  sources and licence;
- the charts as PNG and SVG (as interactive HTML instead when no browser is
  installed, with a note saying so);
- the data as CSV and XLSX, each with its source, as-at date and filters;
- README.txt naming the sources, the licence and every file.

All data comes through dashboard.queries; nothing here writes SQL.
"""
from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
import plotly.graph_objects as go

from dashboard import charts, headlines, palette, queries
from dashboard.charts import ChartText, data_as_at_line, long_date
from exports import html as html_export
from exports import images, tables
from exports.common import LICENCE, LICENCE_URL, NOT_REPORTED_NOTE, ExportInfo, slug

NOT_REPORTED = palette.NOT_REPORTED
CLIFF_EDGE = dt.date(2025, 3, 31)  # the end of the MoJ victims grant year most stalking funding ran to
ZIP_MIME = "application/zip"

# Statuses counted as "provision" in the key figures and the region grid.
PROVISION = headlines.PROVIDED  # what counts as provision, shared with the pages


class ScopeError(ValueError):
    """The force or region asked for does not exist."""


# ---------------------------------------------------------------- scope

@dataclass(frozen=True)
class Scope:
    """What a pack covers: one force, one region, or all 43 force areas."""

    kind: str  # "force", "region" or "all"
    code: str | None = None  # ONS code of the force, or the region's name
    name: str = "England and Wales"  # display name
    region: str | None = None  # the force's region, for a force

    @classmethod
    def all(cls) -> "Scope":
        return cls("all")

    @property
    def label(self) -> str:
        return self.name

    @property
    def place(self) -> str:
        """'Wales', 'the North West', 'England and Wales', 'Dyfed-Powys': for "in …"."""
        if self.kind == "region" and self.name not in {"London", "Wales", "Yorkshire and The Humber"}:
            return f"the {self.name}"
        return self.name

    @property
    def regions(self) -> list[str] | None:
        return [self.code] if self.kind == "region" else None

    @property
    def pfa_code(self) -> str | None:
        return self.code if self.kind == "force" else None

    @property
    def slug(self) -> str:
        return slug(self.name)

    def filters(self, as_at: dt.date) -> dict[str, object]:
        scope = {"force": "Force area", "region": "Region", "all": "Scope"}[self.kind]
        value = f"{self.name} ({self.code})" if self.kind == "force" else self.name
        return {scope: value, "Position as at": as_at}


def resolve_scope(*, force: str | None = None, region: str | None = None, all_areas: bool = False,
                  db: queries.Database | None = None) -> Scope:
    """The scope for a force (ONS code or name), a region (name) or all areas; ScopeError if unknown."""
    chosen = [bool(force), bool(region), bool(all_areas)]
    if sum(chosen) != 1:
        raise ScopeError("Choose exactly one of a force, a region or all of England and Wales.")
    if all_areas:
        return Scope.all()
    if region:
        known = queries.regions(db)
        match = [r for r in known if r.lower() == region.strip().lower()]
        if not match:
            raise ScopeError(f"Unknown region {region!r}. Regions: {', '.join(known)}.")
        return Scope("region", match[0], match[0])
    forces = queries.forces(db)
    code = queries.resolve_force(force, db)
    hit = forces[forces["pfa_code"] == code]
    if hit.empty:
        raise ScopeError(f"Unknown force {force!r}: give an ONS code (E23000001–E23000039, "
                         f"W15000001–W15000004) or a force name such as {forces['short_name'].iloc[0]!r}.")
    row = hit.iloc[0]
    return Scope("force", row["pfa_code"], row["short_name"], row["region"])


# ---------------------------------------------------------------- words

def _n(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


def _verb(count: int, singular: str, plural: str) -> str:
    return singular if count == 1 else plural


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _others(counts: pd.Series, phrases: dict[str, Callable[[int], str]], skip: tuple[str, ...]) -> str:
    """'1 reports training or champions only and 2 are not reported' for the statuses not counted."""
    parts = [phrases[status](int(counts.get(status, 0))) for status in phrases
             if status not in skip and counts.get(status, 0)]
    return _join(parts)


_ISAC_OTHERS = {
    "training or champions only": lambda c: f"{c} {_verb(c, 'reports', 'report')} stalking training or champions only",
    "model not stated": lambda c: f"{c} {_verb(c, 'reports', 'report')} stalking advocates without saying how they are provided",
    "none stated": lambda c: f"{c} {_verb(c, 'states', 'state')} there is no ISAC or specialist stalking service",
    NOT_REPORTED: lambda c: f"{c} {_verb(c, 'is', 'are')} not reported",
}
_PROGRAMME_OTHERS = {
    "developing": lambda c: f"{c} {_verb(c, 'is', 'are')} developing one",
    "none stated": lambda c: f"{c} {_verb(c, 'states', 'state')} there is none",
    NOT_REPORTED: lambda c: f"{c} {_verb(c, 'is', 'are')} not reported",
}
_MASIP_OTHERS = {
    "developing": lambda c: f"{c} {_verb(c, 'is', 'are')} setting one up",
    "exploring": lambda c: f"{c} {_verb(c, 'is', 'are')} exploring one",
    "none stated": lambda c: f"{c} {_verb(c, 'states', 'state')} there is none",
    NOT_REPORTED: lambda c: f"{c} {_verb(c, 'is', 'are')} not reported",
}

_FUNDING_OTHERS = {
    "later end date": lambda c: f"{c} {_verb(c, 'reports', 'report')} end dates more than six months away",
    "no end date reported": lambda c: f"{c} {_verb(c, 'reports', 'report')} funding with no end date or risk stated",
    NOT_REPORTED: lambda c: f"{c} {_verb(c, 'is', 'are')} not reported on funding",
}


def _sentence(main: str, others: str) -> str:
    return f"{main}; {others}." if others else f"{main}."


def area_sentences(cov: pd.DataFrame, streams: pd.DataFrame, scope: Scope, as_at: dt.date) -> list[str]:
    """Key figures for a region or England and Wales, as sentences."""
    n = len(cov)
    where = f"the {n} force areas in {scope.place}" if n != 1 else f"the 1 force area in {scope.place}"
    out = []

    isac = cov["isac_status"].value_counts()
    k = sum(int(isac.get(s, 0)) for s in PROVISION["isac"])
    detail = _detail(isac, {"dedicated service": "dedicated service", "within wider services": "within wider services"})
    out.append(_sentence(f"{k} of {where} {_verb(k, 'reports', 'report')} a dedicated stalking service or ISACs "
                         f"within wider services{detail}", _others(isac, _ISAC_OTHERS, PROVISION["isac"])))
    counts = cov["isac_count"].dropna()
    if len(counts):
        out.append(f"Where a number is stated, {_n(int(counts.sum()), 'ISAC or dedicated stalking advocate post')} "
                   f"{_verb(int(counts.sum()), 'is', 'are')} reported across {_n(len(counts), 'force area')}.")

    prog = cov["perpetrator_programme_status"].value_counts()
    k = int(prog.get("commissioned", 0))
    out.append(_sentence(f"{k} of {where} {_verb(k, 'reports', 'report')} a commissioned stalking perpetrator programme",
                         _others(prog, _PROGRAMME_OTHERS, PROVISION["programme"])))

    masip = cov["masip_status"].value_counts()
    k = sum(int(masip.get(s, 0)) for s in PROVISION["masip"])
    detail = _detail(masip, {"established": "established", "pilot": "pilot"})
    out.append(_sentence(f"{k} of {where} {_verb(k, 'reports', 'report')} a multi-agency stalking intervention "
                         f"programme (MASIP), stalking clinic or panel that is running{detail}",
                         _others(masip, _MASIP_OTHERS, PROVISION["masip"])))

    risk = cov["funding_risk"].value_counts()
    k = int(cov["funding_at_risk"].sum())
    parts = [f"{int(risk.get(s, 0))} {label}" for s, label in (
        ("ends within 6 months", "with a funded service ending within six months"),
        ("end date passed", "with a stated end date already passed"),
        ("at risk, no date", "at risk with no end date stated")) if risk.get(s, 0)]
    main = f"As at {long_date(as_at)}, {k} of {where} {_verb(k, 'has', 'have')} stalking funding at risk"
    main += f" ({_join(parts)})" if parts else ""
    out.append(_sentence(main, _others(risk, _FUNDING_OTHERS, ())))
    out.extend(_stream_sentences(streams, scope, as_at))
    return out


def _detail(counts: pd.Series, labels: dict[str, str]) -> str:
    """' (1 dedicated service, 2 within wider services)': the non-zero parts of a total."""
    parts = [f"{int(counts.get(s, 0))} {label}" for s, label in labels.items() if counts.get(s, 0)]
    return f" ({', '.join(parts)})" if parts else ""


def _stream_sentences(streams: pd.DataFrame, scope: Scope, as_at: dt.date) -> list[str]:
    if streams.empty:
        return [f"No funded stalking services are reported for {scope.place}: not reported, which is not the same as none."]
    dated = streams[streams["end_date"].notna()]
    ends = pd.to_datetime(dated["end_date"]).dt.date
    within = int(((ends >= as_at) & (ends <= _add_months(as_at, 6))).sum())
    out = f"{_n(len(streams), 'funded stalking service')} {_verb(len(streams), 'is', 'are')} reported for {scope.place}"
    if len(dated):
        out += (f"; {len(dated)} {_verb(len(dated), 'has', 'have')} a stated end date, and {within} "
                f"{_verb(within, 'ends', 'end')} within six months after {long_date(as_at)}")
        if (ends < as_at).any():
            out += f" ({int((ends < as_at).sum())} already past {_verb(int((ends < as_at).sum()), 'its', 'their')} end date)"
    return [out + "."]


def _add_months(d: dt.date, months: int) -> dt.date:
    return (pd.Timestamp(d) + pd.DateOffset(months=months)).date()


_FORCE_ISAC = {
    "dedicated service": "{name} reports a dedicated stalking service for victims{count}.",
    "within wider services": "{name} supports stalking victims within wider victim or domestic abuse services{count}.",
    "training or champions only": "{name} reports stalking training or champions in wider services, with no ISAC or specialist advocate stated.",
    "model not stated": "{name} reports stalking advocates, but the source does not say how they are provided{count}.",
    "none stated": "The source indicates {name} has no ISAC or specialist stalking service.",
}
_FORCE_PROGRAMME = {
    "commissioned": "{name} reports a commissioned stalking perpetrator programme.",
    "developing": "{name} reports a stalking perpetrator programme being procured, designed or scoped.",
    "none stated": "The source indicates {name} has no stalking perpetrator intervention.",
}
_FORCE_MASIP = {
    "established": "{name} reports an established MASIP, stalking clinic or panel.",
    "pilot": "{name} reports a MASIP, stalking clinic or panel running as a pilot.",
    "developing": "{name} reports a MASIP, stalking clinic or panel being set up.",
    "exploring": "{name} is exploring a MASIP or stalking clinic.",
    "none stated": "The source indicates {name} has no MASIP, stalking clinic or panel.",
}


def force_sentences(row: pd.Series, streams: pd.DataFrame, as_at: dt.date) -> list[str]:
    """Key figures for one force, as sentences."""
    name = row["short_name"]
    count = row["isac_count"]
    count_text = "" if pd.isna(count) else f", with {_n(int(count), 'ISAC or dedicated stalking advocate post')} stated"

    def pick(templates: dict[str, str], status: str, theme: str) -> str:
        if status == NOT_REPORTED or status not in templates:
            return (f"{theme} in {name}: not reported. The sources do not quote {name} on this, "
                    "which is not the same as none.")
        return templates[status].format(name=name, count=count_text)

    out = [pick(_FORCE_ISAC, row["isac_status"], "Support for stalking victims"),
           pick(_FORCE_PROGRAMME, row["perpetrator_programme_status"], "A stalking perpetrator programme"),
           pick(_FORCE_MASIP, row["masip_status"], "A MASIP or stalking clinic")]
    risk = row["funding_risk"]
    nxt = row["next_funding_end"]
    nxt_text = long_date(pd.Timestamp(nxt).date()) if pd.notna(nxt) else None
    earliest = row["earliest_funding_end"]
    if risk == "ends within 6 months":
        out.append(f"{name} has a funded stalking service ending within six months after {long_date(as_at)}: "
                   f"the next stated end date is {nxt_text}.")
    elif risk == "end date passed":
        passed = long_date(pd.Timestamp(earliest).date()) if pd.notna(earliest) else "an earlier date"
        out.append(f"A funded stalking service in {name} had a stated end date before {long_date(as_at)} "
                   f"({passed}), and no later return reports what happened.")
    elif risk == "at risk, no date":
        out.append(f"{name} reports stalking funding at risk or unconfirmed, with no end date stated.")
    elif risk == "later end date":
        out.append(f"Every stated end date for funded stalking services in {name} is more than six months after "
                   f"{long_date(as_at)}; the next is {nxt_text}.")
    elif risk == "no end date reported":
        out.append(f"{name} reports funded stalking services with no end date and no risk stated.")
    else:
        out.append(f"Funding for stalking services in {name}: not reported. The sources do not quote {name} on "
                   "funding, which is not the same as no funding.")
    if len(streams):
        out.append(f"{_n(len(streams), 'funded stalking service')} {_verb(len(streams), 'is', 'are')} reported for {name}.")
    return out


# ---------------------------------------------------------------- charts

@dataclass
class Chart:
    """One chart of a pack: its figure, its words and a short file name."""

    name: str  # file stem inside charts/, e.g. "01-isac-provision"
    fig: go.Figure
    text: ChartText


def _status_chart(cov: pd.DataFrame, dim: palette.MapDimension, place: str, label: str, as_at: dt.date,
                  data_date: dt.date) -> tuple[go.Figure, ChartText]:
    n = len(cov)
    counts = cov[dim.column].value_counts()
    if dim is palette.FUNDING:
        k = int(cov["funding_at_risk"].sum())
        title = f"{k} of {n} force areas in {place} have stalking funding at risk"
        notes = ("At risk: a funded service ends within six months after the as-at date, its end date has passed, "
                 "or the source says funding is at risk.", NOT_REPORTED_NOTE)
    else:
        key = {palette.ISAC.key: "isac", palette.PROGRAMME.key: "programme", palette.MASIP.key: "masip"}[dim.key]
        k = sum(int(counts.get(s, 0)) for s in PROVISION[key])
        what = {"isac": "ISACs or a stalking service",
                "programme": "a commissioned perpetrator programme",
                "masip": "a running MASIP or stalking clinic"}[key]
        title = f"{k} of {n} force areas in {place} report {what}"
        notes = (NOT_REPORTED_NOTE,)
    measure = dim.label if dim.label.split()[0].isupper() else dim.label[0].lower() + dim.label[1:]
    text = ChartText(title, f"Force areas by {measure}, {label}, as at {long_date(as_at)}", data_date,
                     notes=notes)
    return charts.status_bar(cov, dim, text), text


def _timeline_chart(streams: pd.DataFrame, place: str, label: str, as_at: dt.date,
                    data_date: dt.date) -> tuple[go.Figure, ChartText] | None:
    dated = streams[streams["end_date"].notna()]
    if dated.empty:
        return None
    ends = pd.to_datetime(dated["end_date"]).dt.date
    upcoming = sorted(e for e in ends if e >= as_at)
    if upcoming:
        title = f"Next stated end of stalking funding in {place}: {long_date(upcoming[0])}"
    else:
        title = f"All stated ends of stalking funding in {place} are before {long_date(as_at)}"
    j = int((ends <= CLIFF_EDGE).sum())
    notes = ((f"{j} of {len(dated)} stated end dates fall on or before {long_date(CLIFF_EDGE)}.",) if len(dated) > 1 else ())
    text = ChartText(title, f"Funded services from start (where known) to stated end date, {label}, "
                            f"as at {long_date(as_at)}", data_date,
                     notes=(*notes, "Dotted bars: start not stated; drawn as the 90 days before the end."))
    return charts.funding_timeline(streams, as_at, text, CLIFF_EDGE), text


def _quarter_chart(streams: pd.DataFrame, place: str, label: str, as_at: dt.date,
                   data_date: dt.date) -> tuple[go.Figure, ChartText] | None:
    dated = streams[streams["end_date"].notna()]
    if len(dated) < 2:
        return None
    quarters = pd.PeriodIndex(pd.to_datetime(dated["end_date"]), freq="Q")
    top = pd.Series(1, index=quarters).groupby(level=0).sum().sort_values(ascending=False, kind="stable")
    q, c = top.index[0], int(top.iloc[0])
    title = f"{c} of {len(dated)} stated funding end dates in {place} fall in {q.year} Q{q.quarter}"
    text = ChartText(title, f"Funded services by the quarter of their stated end date, {label}, "
                            f"as at {long_date(as_at)}", data_date)
    return charts.ending_per_quarter(streams, text), text


def _grid_chart(cov: pd.DataFrame, region_order: list[str], as_at: dt.date,
                data_date: dt.date) -> tuple[go.Figure, ChartText]:
    shares = headlines.region_shares(cov, region_order, headlines.PROVISION_MEASURES)
    n = len(cov)
    a, b, c = (int(cov[d.column].isin(PROVISION[k]).sum())
               for k, d in (("isac", palette.ISAC), ("programme", palette.PROGRAMME), ("masip", palette.MASIP)))
    title = f"ISACs or a stalking service are reported in {a} of {n} force areas"
    text = ChartText(title, f"Share of force areas in each region reporting each provision, as at {long_date(as_at)}",
                     data_date, notes=(f"Across England and Wales: perpetrator programmes in {b} of {n} force areas, "
                                       f"MASIP or stalking clinics in {c}.", NOT_REPORTED_NOTE))
    return charts.region_grid(shares, text), text


def build_charts(scope: Scope, cov_scope: pd.DataFrame, cov_region: pd.DataFrame, streams: pd.DataFrame,
                 as_at: dt.date, data_date: dt.date, region_order: list[str]) -> list[Chart]:
    made: list[tuple[str, tuple[go.Figure, ChartText] | None]] = []
    if scope.kind == "force":
        region_place = scope.region if scope.region in {"London", "Wales", "Yorkshire and The Humber"} else f"the {scope.region}"
        made.append(("isac-provision-in-region",
                     _status_chart(cov_region, palette.ISAC, region_place, scope.region, as_at, data_date)))
        made.append(("funding-timeline", _timeline_chart(streams, scope.place, scope.label, as_at, data_date)))
    else:
        if scope.kind == "all":
            made.append(("provision-by-region", _grid_chart(cov_scope, region_order, as_at, data_date)))
        for dim in (palette.ISAC, palette.PROGRAMME, palette.MASIP, palette.FUNDING):
            made.append((dim.label, _status_chart(cov_scope, dim, scope.place, scope.label, as_at, data_date)))
        made.append(("funding-timeline", _timeline_chart(streams, scope.place, scope.label, as_at, data_date)))
        if scope.kind == "all":
            made.append(("funding-ends-per-quarter", _quarter_chart(streams, scope.place, scope.label, as_at, data_date)))
    out = []
    for name, pair in made:
        if pair is not None:
            out.append(Chart(f"{len(out) + 1:02d}-{slug(name, 40)}", pair[0], pair[1]))
    return out


# ---------------------------------------------------------------- tables

def _date_text(value: object) -> str:
    return long_date(pd.Timestamp(value).date()) if pd.notna(value) else ""


def forces_table(cov: pd.DataFrame) -> pd.DataFrame:
    """The force areas concerned, for the Word document and the data files."""
    def next_end(row: pd.Series) -> str:
        if pd.notna(row["next_funding_end"]):
            return pd.Timestamp(row["next_funding_end"]).date().isoformat()
        if row["funding_risk"] == NOT_REPORTED:
            return NOT_REPORTED
        if row["funding_risk"] == "end date passed" and pd.notna(row["earliest_funding_end"]):
            return f"passed ({pd.Timestamp(row['earliest_funding_end']).date().isoformat()})"
        return "no date stated"

    return pd.DataFrame({
        "Force area": cov["short_name"],
        "ONS code": cov["pfa_code"],
        "Region": cov["region"],
        "ISAC provision": cov["isac_status"],
        "ISACs stated": cov["isac_count"],
        "Perpetrator programme": cov["perpetrator_programme_status"],
        "MASIP or stalking clinic": cov["masip_status"],
        "Funding risk": cov["funding_risk"],
        "Next funding end": cov.apply(next_end, axis=1) if len(cov) else pd.Series(dtype=object),
        "Funded services": cov["funded_services"],
        "Quotes": cov["evidence_quotes"],
    }).reset_index(drop=True)


def streams_table(streams: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Force area": streams["short_name"], "ONS code": streams["pfa_code"], "Service": streams["service"],
        "Funder": streams["funder"], "Funder (source's words)": streams["funder_wording"],
        "Start": streams["start_date"], "Start (source's words)": streams["start_wording"],
        "End": streams["end_date"], "End (source's words)": streams["end_wording"],
        "Status": streams["status"], "Quote": streams["quote"], "Document": streams["source_title"],
        "Section": streams["section"], "Document date": streams["source_date"],
    }).reset_index(drop=True)


def group_evidence(ev: pd.DataFrame) -> pd.DataFrame:
    """One row per force and quote; a quote cited for several themes lists them all."""
    if ev.empty:
        return ev.assign(themes=pd.Series(dtype=object))
    keys = ["pfa_code", "short_name", "region", "quote", "source_id", "source_title", "publisher", "section", "source_date"]
    grouped = (ev.groupby(keys, sort=False, dropna=False)
               .agg(themes=("dimension_label", lambda s: "; ".join(dict.fromkeys(s))),
                    record_ids=("record_ids", lambda s: ";".join(s)))
               .reset_index())
    return grouped


def evidence_table(ev: pd.DataFrame) -> pd.DataFrame:
    g = group_evidence(ev)
    return pd.DataFrame({
        "Force area": g["short_name"], "ONS code": g["pfa_code"], "Themes": g["themes"], "Quote": g["quote"],
        "Document": g["source_title"], "Publisher": g["publisher"], "Section": g["section"],
        "Document date": g["source_date"], "Records": g["record_ids"],
    }).reset_index(drop=True)


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
            return (f"Scope: {self.scope.name} police force area ({self.scope.code}), "
                    f"in {self.scope.region}.")
        names = ", ".join(self.coverage["short_name"])
        if self.scope.kind == "all":
            return f"Scope: all {n} police force areas of England and Wales."
        return f"Scope: the {n} police force areas in {self.scope.place}: {names}."

    @property
    def age_line(self) -> str:
        return (f"Position as at {long_date(self.as_at)}. "
                f"{data_as_at_line(self.data_date, self.today)}")

    def source_text(self) -> str:
        parts = [f"{r.publisher}, {r.title} ({long_date(pd.Timestamp(r.published).date())})"
                 for r in self.sources.itertuples()]
        return "; ".join(parts) + f". {LICENCE}"

    def info(self, title: str) -> ExportInfo:
        return ExportInfo(title=title, source=self.source_text(), data_date=self.data_date,
                          subtitle=self.scope_line.removeprefix("Scope: "), notes=(NOT_REPORTED_NOTE,),
                          filters=self.scope.filters(self.as_at), as_at=self.as_at)


def _cited_sources(all_sources: pd.DataFrame, ev: pd.DataFrame, main_date: dt.date) -> pd.DataFrame:
    cited = set(ev["source_id"]) if len(ev) else set()
    published = pd.to_datetime(all_sources["published"]).dt.date
    main = all_sources[published == main_date]
    used = all_sources[all_sources["source_id"].isin(cited) & ~all_sources["source_id"].isin(main["source_id"])]
    return pd.concat([main, used]).drop_duplicates("source_id").reset_index(drop=True)


def gather(scope: Scope, as_at: dt.date | None = None, *, db: queries.Database | None = None,
           today: dt.date | None = None) -> Briefing:
    """Read everything the pack needs through dashboard.queries."""
    main_date = queries.source_date(db)
    as_at = as_at or main_date
    today = today or dt.date.today()
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
        sentences.append(f"These figures rest on {_n(len(grouped), 'quote')} from "
                         f"{_n(grouped['source_id'].nunique(), 'document')}; each is cited under Evidence below.")
    chart_list = build_charts(scope, cov, cov_region, streams, as_at, data_date, region_order)
    return Briefing(scope, as_at, data_date, today, cov, streams, ev, sources, sentences, chart_list)


# ---------------------------------------------------------------- the zip

@dataclass
class BriefingPack:
    filename: str
    data: bytes
    files: list[str]
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def pack_filename(scope: Scope, as_at: dt.date) -> str:
    return f"briefing-{scope.slug}-{as_at.isoformat()}.zip"


def build_pack(scope: Scope, as_at: dt.date | None = None, *, db: queries.Database | None = None,
               images_wanted: bool | None = None, timeout: float | None = None, deadline: float = 180,
               session: images.ImageSession | None = None, today: dt.date | None = None,
               progress: Callable[[str], None] | None = None) -> BriefingPack:
    """The briefing pack as zip bytes.

    images_wanted: None makes PNG and SVG when a browser is installed and
    interactive HTML charts otherwise (with a warning); True requires images
    (raises images.ImageExportUnavailable without a browser); False never
    starts a browser. Each image has `timeout` seconds and all of them together
    `deadline` seconds; a failed or timed-out image raises images.ImageExportError.
    session: an open images.ImageSession to reuse (the app's shared one); by
    default the pack starts its own browser and closes it when done.
    """
    from exports import word

    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    warnings: list[str] = []
    pngs: dict[str, bytes] = {}
    svgs: dict[str, bytes] = {}
    own_session = session is None
    if images_wanted is False:
        session = None
    elif session is None:
        if images.image_export_available():
            session = images.ImageSession(timeout=timeout)
            session.start()  # the browser starts while the data is read
        elif images_wanted:
            raise images.ImageExportUnavailable()
        else:
            warnings.append("Charts are included as interactive HTML, not PNG and SVG: " + images.UNAVAILABLE_MESSAGE)
    try:
        say("Reading the data")
        brief = gather(scope, as_at, db=db, today=today)
        if session is not None:
            end_by = time.monotonic() + deadline
            per_image = timeout or session.timeout
            for chart in brief.charts:
                say(f"Drawing {chart.name}")
                for fmt, store in (("png", pngs), ("svg", svgs)):
                    left = end_by - time.monotonic()
                    if left <= 0:
                        raise images.ImageExportTimeout(
                            f"The charts took longer than {deadline:.0f} s in all and were stopped. Try again.")
                    render = session.png if fmt == "png" else session.svg
                    store[chart.name] = render(chart.fig, timeout=min(per_image, left))
    finally:
        if session is not None and own_session:
            session.close()
    use_images = session is not None

    files: dict[str, bytes] = {}
    say("Writing the Word document")
    files[f"{brief.stem}.docx"] = word.briefing_docx(brief, pngs, note=None if use_images or not warnings else warnings[0])
    for chart in brief.charts:
        if use_images:
            files[f"charts/{chart.name}.png"] = pngs[chart.name]
            files[f"charts/{chart.name}.svg"] = svgs[chart.name]
        else:
            files[f"charts/{chart.name}.html"] = html_export.to_html(chart.fig)
    place = brief.scope.place
    for name, title, frame in (
        ("force-areas", f"Force areas in {place}: stalking services as at {long_date(brief.as_at)}", forces_table(brief.coverage)),
        ("funded-services", f"Funded stalking services in {place} as at {long_date(brief.as_at)}", streams_table(brief.streams)),
        ("evidence", f"Quotes behind the position in {place} as at {long_date(brief.as_at)}", evidence_table(brief.evidence)),
    ):
        info = brief.info(title)
        files[f"data/{name}.csv"] = tables.to_csv(frame, info)
        files[f"data/{name}.xlsx"] = tables.to_xlsx(frame, info)
    files = {"README.txt": readme(brief, list(files), use_images, warnings).encode("utf-8"), **files}

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        stamp = time.localtime()[:6]
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if name.endswith((".png", ".docx", ".xlsx")) else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return BriefingPack(f"{brief.stem}.zip", buffer.getvalue(), list(files), warnings,
                        time.perf_counter() - started)


def readme(brief: Briefing, names: list[str], with_images: bool, warnings: list[str]) -> str:
    charts_by_name = {c.name: c for c in brief.charts}
    describe = {
        ".docx": "Word briefing: key figures as sentences, the charts with their source lines, "
                 "a table of the force areas, every quote cited (document, section, date), sources and licence.",
    }
    lines = [
        brief.title, "=" * len(brief.title), "",
        brief.scope_line, brief.age_line,
        f"Generated {brief.today.isoformat()} by the stalking services dashboard (python -m exports briefing).", "",
        NOT_REPORTED_NOTE, "",
        "Files", "-----",
        "README.txt  This file.",
    ]
    for name in names:
        stem, _, ext = name.rpartition(".")
        ext = "." + ext
        if ext == ".docx":
            text = describe[".docx"]
        elif name.startswith("charts/"):
            chart = charts_by_name.get(stem.removeprefix("charts/"))
            kind = {".png": "PNG image, 2x scale for print", ".svg": "SVG vector image",
                    ".html": "interactive HTML (works offline)"}[ext]
            text = f"Chart, {kind}: {chart.text.title if chart else stem}."
        elif name.startswith("data/"):
            what = {"force-areas": "one row per force area: statuses, ISACs stated, funding risk, next funding end",
                    "funded-services": "one row per funded service: funder, start, end, status, quote",
                    "evidence": "one row per quote: force area, themes, quote, document, section, date"}
            kind = "CSV ('# ' header lines give the source, as-at date and filters)" if ext == ".csv" \
                else "Excel workbook (sheet 'data'; sheet 'about' gives the source, as-at date and filters)"
            text = f"{kind}: {what.get(stem.removeprefix('data/'), stem)}."
        else:
            text = ""
        lines.append(f"{name}  {text}")
    if warnings:
        lines += ["", "Notes", "-----", *warnings]
    lines += ["", "Sources", "-------"]
    for r in brief.sources.itertuples():
        lines.append(f"- {r.title}. {r.publisher}, {long_date(pd.Timestamp(r.published).date())}. {r.licence}.")
    lines += [
        "", "Licence", "-------",
        f"Contains public sector information licensed under the {LICENCE}:",
        LICENCE_URL,
        "Quotes are reproduced verbatim from the documents above; cite the document, section and date given with each.",
        "",
    ]
    return "\n".join(lines)
