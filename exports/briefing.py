"""Briefing packs: one zip for a force, a region or England and Wales.

The zip holds
- a Word brief (exports.word) of at most two A4 pages: the date and age of the
  data, the headline findings in short sentences, one or two charts, and what
  changed since the previous edition;
- a Word annex: the table of force areas, the funders, every quote cited
  (document, section, date) grouped by force, and the sources and licence;
- the charts as PNG and SVG (as interactive HTML instead when no browser is
  installed, with a note saying so);
- the data as CSV and XLSX, each with its source, as-at date and filters;
- README.txt naming the sources, the licence and every file.

What the pack says is gathered by exports.briefing_content; this module makes
the files and the zip.
"""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd

from core import queries, rules
from core.text import long_date
from exports import html as html_export
from exports import images, tables, word
from exports.briefing_content import (
    Briefing,
    evidence_table,
    funders_table,
    gather,
    pack_filename,
    source_urls,
)
from exports.common import LICENCE, LICENCE_URL, NOT_REPORTED_NOTE
from exports.scope import Scope, ScopeError, resolve_scope
from exports.sentences import area_sentences, force_sentences

__all__ = [
    "ZIP_MIME",
    "Briefing",
    "BriefingPack",
    "Scope",
    "ScopeError",
    "area_sentences",
    "build_pack",
    "force_sentences",
    "gather",
    "pack_filename",
    "resolve_scope",
]

ZIP_MIME = "application/zip"


@dataclass
class BriefingPack:
    filename: str
    data: bytes  # the zip; empty when built with zipped=False
    files: list[str]
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    contents: dict[str, bytes] = field(default_factory=dict)  # each file's bytes, by name in the zip


def build_pack(
    scope: Scope,
    as_at: dt.date | None = None,
    *,
    db: queries.Database | None = None,
    images_wanted: bool | None = None,
    timeout: float | None = None,
    deadline: float = 180,
    session: images.ImageSession | None = None,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
    marking: str | None = None,
    zipped: bool = True,
) -> BriefingPack:
    """The briefing pack as zip bytes.

    zipped=False: the files only (`contents`), for a caller that zips them with its own (the round's
    report), so they are not compressed twice.

    images_wanted: None makes PNG and SVG when a browser is installed and
    interactive HTML charts otherwise (with a warning); True requires images
    (raises images.ImageExportUnavailable without a browser); False never
    starts a browser. Each image has `timeout` seconds and all of them together
    `deadline` seconds; a failed or timed-out image raises images.ImageExportError.
    marking: a protective marking (one of exports.word.MARKINGS) printed at the top and foot
    of every page of the Word document; None for none.
    session: an open images.ImageSession to reuse (the app's shared one); by
    default the pack starts its own browser and closes it when done.
    """
    if as_at is not None and (reason := rules.date_out_of_range(as_at)):
        raise ScopeError(f"--as-at {reason}")
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    warnings: list[str] = []
    pngs: dict[str, bytes] = {}
    svgs: dict[str, bytes] = {}
    brief_pngs: dict[str, bytes] = {}
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
                            f"The charts took longer than {deadline:.0f} s in all and were stopped. Try again."
                        )
                    render = session.png if fmt == "png" else session.svg
                    store[chart.name] = render(chart.fig, timeout=min(per_image, left))
                if chart.brief_fig is not None:  # the brief's copy, laid out narrower so its words read larger
                    left = end_by - time.monotonic()
                    if left <= 0:
                        raise images.ImageExportTimeout(
                            f"The charts took longer than {deadline:.0f} s in all and were stopped. Try again."
                        )
                    brief_pngs[chart.name] = session.png(chart.brief_fig, timeout=min(per_image, left))
    finally:
        if session is not None and own_session:
            session.close()
    use_images = session is not None

    files: dict[str, bytes] = {}
    say("Writing the Word brief and its annex")
    files[f"{brief.stem}.docx"] = word.briefing_docx(
        brief, brief_pngs, note=None if use_images or not warnings else warnings[0], marking=marking
    )
    files[word.annex_name(brief)] = word.annex_docx(brief, marking=marking)
    for chart in brief.charts:
        if use_images:
            files[f"charts/{chart.name}.png"] = pngs[chart.name]
            files[f"charts/{chart.name}.svg"] = svgs[chart.name]
        else:
            files[f"charts/{chart.name}.html"] = html_export.to_html(chart.fig)
    place = brief.scope.place
    for name, title, frame in (
        (
            "force-areas",
            f"Force areas in {place}: stalking services as at {long_date(brief.as_at)}",
            brief.forces_table(),
        ),
        (
            "funded-services",
            f"Funded stalking services in {place} as at {long_date(brief.as_at)}",
            brief.services_table(),
        ),
        (
            "funders",
            f"Funded stalking services in {place} by funder, with the annual amounts shared, "
            f"as at {long_date(brief.as_at)}",
            funders_table(brief.streams),
        ),
        (
            "evidence",
            f"Quotes behind the position in {place} as at {long_date(brief.as_at)}",
            evidence_table(brief.evidence),
        ),
    ):
        info = brief.info(title)
        files[f"data/{name}.csv"] = tables.to_csv(frame, info)
        files[f"data/{name}.xlsx"] = tables.to_xlsx(frame, info)
    if brief.demand is not None:  # demand beside provision (issue 27), when imported
        info = replace(brief.info(brief.demand.title), source=brief.demand.source, notes=brief.demand.caveats)
        files["data/demand-beside-provision.csv"] = tables.to_csv(brief.demand.table, info)
        files["data/demand-beside-provision.xlsx"] = tables.to_xlsx(brief.demand.table, info)
    files = {"README.txt": readme(brief, list(files), use_images, warnings).encode("utf-8"), **files}
    if not zipped:
        return BriefingPack(f"{brief.stem}.zip", b"", list(files), warnings, time.perf_counter() - started, files)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        stamp = time.localtime()[:6]
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.compress_type = (
                zipfile.ZIP_STORED if name.endswith((".png", ".docx", ".xlsx")) else zipfile.ZIP_DEFLATED
            )
            entry.external_attr = 0o644 << 16
            zf.writestr(entry, data)
    return BriefingPack(
        f"{brief.stem}.zip", buffer.getvalue(), list(files), warnings, time.perf_counter() - started, files
    )


def readme(brief: Briefing, names: list[str], with_images: bool, warnings: list[str]) -> str:
    charts_by_name = {c.name: c for c in brief.charts}
    describe = {
        "brief": "Word brief, at most two A4 pages: the date and age of the data, the headline findings, "
        "one or two charts and what changed since the previous edition.",
        "annex": "Word annex: the table of force areas, the funders, every quote cited (document, section, "
        "date), sources and licence.",
    }
    lines = [
        brief.title,
        "=" * len(brief.title),
        "",
        brief.scope_line,
        brief.age_line,
        f"Generated {brief.today.isoformat()} by the stalking services dashboard (python -m exports briefing).",
        "",
        NOT_REPORTED_NOTE,
        "",
        "Files",
        "-----",
        "README.txt  This file.",
    ]
    for name in names:
        stem, _, ext = name.rpartition(".")
        ext = "." + ext
        if ext == ".docx":
            text = describe["annex" if stem.endswith("-annex") else "brief"]
        elif name.startswith("charts/"):
            chart = charts_by_name.get(stem.removeprefix("charts/"))
            kind = {
                ".png": "PNG image, 2x scale for print",
                ".svg": "SVG vector image",
                ".html": "interactive HTML (works offline)",
            }[ext]
            text = f"Chart, {kind}: {chart.text.title if chart else stem}."
        elif name.startswith("data/"):
            what = {
                "force-areas": "one row per force area: statuses, ISAs stated, stalking advocate posts (FTE) where "
                "returned, funding risk, next funding end (the columns of the Regional comparison page's table)",
                "funded-services": "one row per funded service: funder, provider, start, end, status, "
                "annual amount where shared, quote (the columns of the Funding page's table)",
                "funders": "one row per funder: funded services, force areas, annual amounts shared (summed only "
                "where shared, never estimated)",
                "evidence": "one row per quote: force area, themes, quote, document, section, date",
            }
            kind = (
                "CSV ('# ' header lines give the source, as-at date and filters)"
                if ext == ".csv"
                else "Excel workbook (sheet 'data'; sheet 'about' gives the source, as-at date and filters)"
            )
            text = f"{kind}: {what.get(stem.removeprefix('data/'), stem)}."
        else:
            text = ""
        lines.append(f"{name}  {text}")
    if warnings:
        lines += ["", "Notes", "-----", *warnings]
    lines += ["", "Sources", "-------"]
    urls = source_urls(brief.sources)
    for r in brief.sources.itertuples():
        url = urls.get(r.source_id)
        lines.append(
            f"- {r.title}. {r.publisher}, {long_date(pd.Timestamp(r.published).date())}. {r.licence}."
            + (f" {url}" if url else "")
        )
    lines += [
        "",
        "Licence",
        "-------",
        f"Contains public sector information licensed under the {LICENCE}:",
        LICENCE_URL,
        "Quotes are reproduced verbatim from the documents above; cite the document, section and date given with each.",
        "",
    ]
    return "\n".join(lines)
