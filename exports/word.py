"""The briefing pack's Word document (python-docx).

Every page carries a running header (the briefing's title and its as-at date), a
footer with the source, the licence and "Page N of M" (Word fields, so the
numbers are right however the document is edited), and, when one is chosen at
export, a protective marking (OFFICIAL, say) at the top and foot of the page.
Each quote is printed once: a quote that another quote of the same force and
document contains is folded into the longer one. A citation ends with the
document's URL where the sources list has one.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from core.text import long_date
from exports.briefing_content import (
    FUNDERS_NOTE,
    Briefing,
    fold_overlapping,
    forces_table,
    funders_table,
    group_evidence,
    source_urls,
)
from exports.common import LICENCE, LICENCE_URL, NOT_REPORTED_NOTE

SUBTLE = RGBColor(0x50, 0x5A, 0x5F)
IMAGE_WIDTH = Cm(16.5)
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Characters XML 1.0 cannot hold.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# Protective markings a briefing may carry (Government Security Classifications: OFFICIAL,
# and OFFICIAL-SENSITIVE for OFFICIAL information needing more care in handling).
MARKINGS = ("OFFICIAL", "OFFICIAL-SENSITIVE")

# Column widths (cm) of the force table, 17 cm in all: names never break inside a word.
FORCE_WIDTHS = (3.1, 2.2, 3.0, 1.6, 2.4, 2.4, 2.3)
FUNDER_WIDTHS = (5.4, 2.4, 2.2, 3.0, 4.0)  # the columns of exports.table_views.funders_table
FORCE_COLUMNS = [
    "Force area",
    "Region",
    "ISAC provision",
    "ISACs stated",
    "Perpetrator programme",
    "MASIP or stalking clinic",
    "Next funding end",
]


def _clean(text: object) -> str:
    return _ILLEGAL_XML.sub("", " ".join(str(text).split()))


def _small(paragraph, text: str, *, italic: bool = False, keep_spaces: bool = False) -> None:
    run = paragraph.add_run(text if keep_spaces else _clean(text))
    run.font.size = Pt(9)
    run.font.color.rgb = SUBTLE
    run.italic = italic


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _alt_text(document, text: str) -> None:
    """Alternative text on the last inline picture, for screen readers."""
    shape = document.inline_shapes[-1]
    shape._inline.docPr.set("descr", _clean(text)[:1000])
    shape._inline.docPr.set("title", _clean(text)[:250])


def quote_citation(title: str, section: str, date: object, url: object = None) -> str:
    """'— document title, section, 19 December 2024', then ', https://…' when the document has a URL."""
    when = long_date(pd.Timestamp(date).date()) if pd.notna(date) else "undated"
    link = f", {url}" if isinstance(url, str) and url.strip() else ""
    return f"— {title}, {section}, {when}{link}"


def _short_titles(brief: Briefing) -> dict[str, str]:
    """{source_id: short title} for citations beside quotes; the full titles are under Sources."""
    if "short_title" not in brief.sources:
        return {}
    return {
        sid: title
        for sid, title in zip(brief.sources["source_id"], brief.sources["short_title"])
        if isinstance(title, str)
    }


def _field(paragraph, code: str, placeholder: str = "1") -> None:
    """A Word field (PAGE, NUMPAGES) whose value Word works out when it lays the document out."""
    for kind, text in (("begin", None), ("instr", code), ("separate", None), ("text", placeholder), ("end", None)):
        run = paragraph.add_run()
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {text} "
            run._r.append(instr)
        elif kind == "text":
            run.text = text
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        run.font.size = Pt(8)
        run.font.color.rgb = SUBTLE


def _marking(container, marking: str | None) -> None:
    if marking:
        p = container.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(_clean(marking))
        run.bold = True
        run.font.size = Pt(10)


def _running_header_and_footer(doc, brief: Briefing, marking: str | None) -> None:
    """Header: marking, then title and date; footer: source and licence, page N of M, marking."""
    section = doc.sections[0]
    header = section.header
    header.is_linked_to_previous = False
    first = header.paragraphs[0]
    if marking:
        first.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = first.add_run(_clean(marking))
        run.bold = True
        run.font.size = Pt(10)
        first = header.add_paragraph()
    _small(first, f"{brief.title} · position as at {long_date(brief.as_at)}")

    footer = section.footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0]
    others = " and the other documents cited" if len(brief.sources) > 1 else ""
    _small(
        p,
        f"Source: {brief.main_source_text()}{others}. Contains public sector information licensed under the {LICENCE}.",
    )
    numbers = footer.add_paragraph()
    numbers.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _small(numbers, "Page ", keep_spaces=True)
    _field(numbers, "PAGE")
    _small(numbers, " of ", keep_spaces=True)
    _field(numbers, "NUMPAGES")
    _marking(footer, marking)


def _table(doc, frame: pd.DataFrame, widths: tuple[float, ...]) -> None:
    """A table with a bold header row repeated on every page, set column widths (cm) and 8.5 pt text."""
    table = doc.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, frame.columns):
        cell.text = ""
        cell.paragraphs[0].add_run(str(name)).bold = True
    _repeat_header(table.rows[0])
    for row in frame.itertuples(index=False):
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = "" if pd.isna(value) else _clean(value)
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = Cm(width)  # the grid (LibreOffice reads it); each cell's width too (Word does)
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Cm(width)
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(8.5)


def _demand(doc, brief: Briefing) -> None:
    """Demand beside provision: the sentences, the table of the scope's areas, its source and limits."""
    section = brief.demand
    doc.add_heading("Demand beside provision", level=1)
    doc.add_paragraph(_clean(section.title))
    for sentence in section.sentences:
        doc.add_paragraph(_clean(sentence), style="List Bullet")
    columns = len(section.table.columns)
    _table(doc, section.table, tuple([2.6] + [14.4 / (columns - 1)] * (columns - 1)))
    _small(doc.add_paragraph(), section.source, italic=True)
    for caveat in section.caveats:
        _small(doc.add_paragraph(), caveat)


def briefing_docx(
    brief: Briefing, pngs: dict[str, bytes], note: str | None = None, *, marking: str | None = None
) -> bytes:
    """The Word document: scope, dates, key figures, charts, force table, evidence, sources and licence.

    `marking`: a protective marking printed at the top and foot of every page (None for none)."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    props = doc.core_properties
    props.title = brief.title
    props.subject = f"Stalking services, {brief.scope.place}, as at {brief.as_at.isoformat()}"
    props.author = "Stalking services dashboard"
    props.created = dt.datetime.combine(brief.today, dt.time(0))
    _running_header_and_footer(doc, brief, marking)

    doc.add_heading(brief.title, level=0)
    doc.add_paragraph(brief.scope_line)
    doc.add_paragraph(brief.age_line)

    doc.add_heading("Key figures", level=1)
    for sentence in brief.sentences:
        doc.add_paragraph(_clean(sentence), style="List Bullet")
    p = doc.add_paragraph()
    p.add_run("Not reported is not none. ").bold = True
    p.add_run(NOT_REPORTED_NOTE)

    if brief.charts:
        doc.add_heading("Charts", level=1)
        if note:
            doc.add_paragraph(_clean(note))
        for chart in brief.charts:
            png = pngs.get(chart.name)
            if png:
                doc.add_picture(io.BytesIO(png), width=IMAGE_WIDTH)
                _alt_text(doc, f"{chart.text.title}. {chart.text.subtitle}")
            else:
                p = doc.add_paragraph()
                p.add_run(_clean(chart.text.title)).bold = True
                _small(p, f"  (interactive chart: charts/{chart.name}.html)")
            if png:
                continue  # the image carries its own source line and notes: not printed twice
            caption = doc.add_paragraph()
            lines = chart.text.source_lines(brief.today)
            for i, line in enumerate(lines):
                _small(caption, line, italic=True)
                if i < len(lines) - 1:
                    caption.runs[-1].add_break(WD_BREAK.LINE)

    doc.add_heading("Force areas", level=1)
    _table(doc, forces_table(brief.coverage)[FORCE_COLUMNS], FORCE_WIDTHS)
    doc.add_paragraph(NOT_REPORTED_NOTE)

    if brief.demand is not None:  # demand beside provision (issue 27), when imported
        _demand(doc, brief)

    funders = funders_table(brief.streams)
    if len(funders):
        doc.add_heading("Funded services by funder", level=1)
        _table(doc, funders, FUNDER_WIDTHS)
        doc.add_paragraph(FUNDERS_NOTE)

    doc.add_heading("Evidence", level=1)
    doc.add_paragraph(
        "Every quote behind the position above, verbatim, with the document (its full title is under "
        "Sources and licence), section and date it comes from. Quotes marked (...) or [...] are as the "
        "document has them; where two quotes run on in the document they are printed once, as one passage."
    )
    grouped = fold_overlapping(group_evidence(brief.evidence))
    urls = source_urls(brief.sources)
    short = _short_titles(brief)
    for force in brief.coverage.itertuples():
        doc.add_heading(f"{force.short_name} ({force.pfa_code})", level=2)
        quotes = grouped[grouped["pfa_code"] == force.pfa_code]
        if quotes.empty:
            doc.add_paragraph(
                f"No quotes: the sources do not quote {force.short_name} on these themes. "
                "Its position is not reported, which is not the same as none."
            )
            continue
        for q in quotes.itertuples():
            p = doc.add_paragraph()
            p.paragraph_format.left_indent = Cm(0.5)
            p.add_run(f"{_clean(q.themes)}: ").bold = True
            p.add_run(f"\u201c{_clean(q.quote)}\u201d ")
            title = short.get(q.source_id, q.source_title)
            cite = p.add_run(_clean(quote_citation(title, q.section, q.source_date, urls.get(q.source_id))))
            cite.italic = True

    doc.add_heading("Sources and licence", level=1)
    for r in brief.sources.itertuples():
        url = urls.get(r.source_id)
        doc.add_paragraph(
            _clean(
                f"{r.title}. {r.publisher}, {long_date(pd.Timestamp(r.published).date())}. {r.licence}."
                + (f" {url}" if url else "")
            ),
            style="List Bullet",
        )
    doc.add_paragraph(f"Contains public sector information licensed under the {LICENCE}: {LICENCE_URL}")
    doc.add_paragraph(
        f"Generated on {long_date(brief.today)} by the stalking services dashboard. The charts, "
        "data files (CSV and XLSX) and a README are in the same zip file."
    )

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
