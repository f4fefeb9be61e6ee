"""The briefing pack's Word documents (python-docx): a brief, then an annex.

The brief is what a reader takes in first and fits on two A4 pages: the headline
findings in short sentences, one or two charts, what changed since the previous
edition, and the date and age of the data. The annex holds the rest: the table of
force areas, the funders, every quote with its citation, and the sources. Tables
are laid out so that words wrap whole: each column is at least as wide as its
longest word, measured with the document's font (Arial, drawn by LibreOffice as the
metric-compatible Liberation Sans; charts.fonts), and a report date common to a
whole column is said once, in its heading, not in every cell.

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
from docx.document import Document as DocxDocument  # the type; docx.Document() makes one
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from charts import fonts
from core import rules
from core.text import long_date, short_date
from exports.briefing_content import (
    FUNDERS_NOTE,
    Briefing,
    fold_overlapping,
    funders_table,
    group_evidence,
    source_urls,
)
from exports.common import LICENCE, LICENCE_URL, NOT_REPORTED_NOTE

SUBTLE = RGBColor(0x50, 0x5A, 0x5F)
IMAGE_WIDTH = Cm(16.5)
BRIEF_IMAGE_WIDTH = Cm(15)
BRIEF_IMAGE_HEIGHT = Cm(9)
FONT = "Arial"  # metric-compatible with the Liberation Sans the tables are measured with
TEXT_WIDTH_CM = 17.0  # A4 less 2 cm margins
CELL_PADDING_PT = 2 * 5.4 + 1.5  # Word's and LibreOffice's default cell margins (0.19 cm a side), and a little
TABLE_PT = 8.5
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Characters XML 1.0 cannot hold.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# Protective markings a briefing may carry (Government Security Classifications: OFFICIAL,
# and OFFICIAL-SENSITIVE for OFFICIAL information needing more care in handling).
MARKINGS = ("OFFICIAL", "OFFICIAL-SENSITIVE")

# The force table's status columns: (heading, theme); each cell holds the status alone, and the
# date it was last reported is said once, in the heading, unless a cell's date differs.
FORCE_STATUS_COLUMNS = (
    ("ISA provision", rules.ISAC),
    ("Perpetrator programme", rules.PROGRAMME),
    ("MASIP or stalking clinic", rules.MASIP),
    ("Funding", rules.FUNDING),
)


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


def least_widths(frame: pd.DataFrame, size: float = TABLE_PT) -> list[float]:
    """Each column's width (cm) for its longest word, the heading's in bold, at `size` pt."""
    per_pt = 2.54 / 72
    out = []
    for name in frame.columns:
        words = [(w, False) for v in frame[name] if not pd.isna(v) for w in _clean(v).split()]
        words += [(w, True) for w in str(name).split()]
        widest = max((fonts.text_width(w, size, bold) for w, bold in words), default=0.0)
        out.append((widest + CELL_PADDING_PT) * per_pt)
    return out


def column_widths(frame: pd.DataFrame, total_cm: float = TEXT_WIDTH_CM, size: float = TABLE_PT) -> list[float]:
    """Column widths (cm) adding up to `total_cm`, in which no word has to break.

    Each column is first given room for its longest word (least_widths), measured with the
    document's font; what is left goes to the columns with the most text to wrap, in proportion
    to it, so short columns stay narrow and long ones get the lines."""
    per_pt = 2.54 / 72
    least = least_widths(frame, size)
    want = []
    for name, low in zip(frame.columns, least):
        cells = ["" if pd.isna(v) else _clean(v) for v in frame[name]]
        longest = max([fonts.text_width(c, size) for c in cells] + [fonts.text_width(str(name), size, True)])
        want.append(max((longest + CELL_PADDING_PT) * per_pt, low))
    spare = total_cm - sum(least)
    if spare < 0:
        raise ValueError(f"the columns' longest words need {sum(least):.1f} cm, more than the {total_cm} cm there is")
    extra = [w - m for w, m in zip(want, least)]
    if sum(extra) <= spare:  # everything fits on one line: share out what is left evenly
        return [w + (spare - sum(extra)) / len(want) for w in want]
    return [m + spare * e / sum(extra) for m, e in zip(least, extra)]


def _table(doc, frame: pd.DataFrame, widths: list[float] | None = None, *, size: float = TABLE_PT) -> None:
    """A table with a bold header row repeated on every page and `size` pt text, its columns wide
    enough that words wrap whole (column_widths)."""
    widths = widths or column_widths(frame, size=size)
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
                p.paragraph_format.space_after = Pt(0)
                for run in p.runs:
                    run.font.size = Pt(size)


def _use_font(doc) -> None:
    """Arial everywhere: in the default run properties and every style that names a theme font
    (the template's Calibri and Cambria), so Word and LibreOffice lay the text out alike."""
    for fonts_element in doc.styles.element.iter(qn("w:rFonts")):
        for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            fonts_element.attrib.pop(qn(f"w:{attribute}"), None)
        for attribute in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts_element.set(qn(f"w:{attribute}"), FONT)
    for style in doc.styles:
        if getattr(style, "font", None) is not None and style.type == 1:
            style.font.name = FONT


def _demand(doc, brief: Briefing) -> None:
    """Demand beside provision: the sentences, the table of the scope's areas, its source and limits."""
    section = brief.demand
    doc.add_heading("Demand beside provision", level=1)
    doc.add_paragraph(_clean(section.title))
    for sentence in section.sentences:
        doc.add_paragraph(_clean(sentence), style="List Bullet")
    _table(doc, section.table)
    _small(doc.add_paragraph(), section.source, italic=True)
    for caveat in section.caveats:
        _small(doc.add_paragraph(), caveat)


def _document(brief: Briefing, title: str, marking: str | None) -> DocxDocument:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    _use_font(doc)
    doc.styles["Normal"].font.size = Pt(10)
    doc.styles["Normal"].paragraph_format.space_after = Pt(4)
    doc.styles["Title"].font.size = Pt(20)
    for name, size in (("Heading 1", 13), ("Heading 2", 11)):
        doc.styles[name].font.size = Pt(size)
        doc.styles[name].paragraph_format.space_before = Pt(8)
        doc.styles[name].paragraph_format.space_after = Pt(3)
    props = doc.core_properties
    props.title = title
    props.subject = f"Stalking services, {brief.scope.place}, as at {brief.as_at.isoformat()}"
    props.author = "Stalking services dashboard"
    props.created = dt.datetime.combine(brief.today, dt.time(0))
    _running_header_and_footer(doc, brief, marking)
    doc.add_heading(title, level=0)
    return doc


def _bytes(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _age_warning(brief: Briefing) -> str | None:
    """Said in bold at the top of the brief when the newest report is more than 12 months old."""
    if rules.is_current(brief.data_date, brief.today):
        return None
    return (
        f"This information is more than 12 months old: the newest report is of {long_date(brief.data_date)}. "
        "Check current positions with the commissioners' offices before relying on it."
    )


def brief_image_width(fig) -> Cm:
    """The width to print a brief's chart at: 15 cm, or narrower for a tall chart, so each is at most
    BRIEF_IMAGE_HEIGHT high and two of them, with the findings, fit on two pages."""
    meta = fig.layout.meta if isinstance(fig.layout.meta, dict) else {}
    width_px, height_px = float(meta.get("width") or 720), float(fig.layout.height or 500)
    return Cm(min(BRIEF_IMAGE_WIDTH.cm, BRIEF_IMAGE_HEIGHT.cm * width_px / height_px))


def annex_name(brief: Briefing) -> str:
    return f"{brief.stem}-annex.docx"


def briefing_docx(
    brief: Briefing, pngs: dict[str, bytes], note: str | None = None, *, marking: str | None = None
) -> bytes:
    """The brief, at most two A4 pages: the date and age of the data, the headline findings, one or
    two charts (`pngs`: the brief's PNGs by chart name, laid out at BRIEF_WIDTH), what changed
    since the previous edition, and where the rest is (the annex).

    `marking`: a protective marking printed at the top and foot of every page (None for none)."""
    doc = _document(brief, brief.title, marking)
    doc.add_paragraph(brief.scope_line)
    doc.add_paragraph(f"{brief.age_line} {brief.report_line}")
    if warning := _age_warning(brief):
        doc.add_paragraph().add_run(warning).bold = True

    doc.add_heading("Headline findings", level=1)
    for sentence in brief.findings:
        doc.add_paragraph(_clean(sentence), style="List Bullet")
    p = doc.add_paragraph()
    p.add_run("Not reported is not none. ").bold = True
    p.add_run(NOT_REPORTED_NOTE)

    shown = [c for c in brief.charts if c.brief_fig is not None]
    if note:
        doc.add_paragraph(_clean(note))
    for chart in shown:
        png = pngs.get(chart.name)
        if png:
            doc.add_picture(io.BytesIO(png), width=brief_image_width(chart.brief_fig))
            _alt_text(doc, f"{chart.text.title}. {chart.text.subtitle}")
        else:
            p = doc.add_paragraph()
            p.add_run(_clean(chart.text.title)).bold = True
            _small(p, f"  (interactive chart: charts/{chart.name}.html)")

    doc.add_heading("What changed since the previous edition", level=1)
    for i, line in enumerate(brief.changes):
        doc.add_paragraph(_clean(line), style=None if i == 0 and line.endswith(":") else "List Bullet")

    closing = doc.add_paragraph()
    _small(
        closing,
        f"The table of force areas, the funders, every quote with its document, section and date, and the "
        f"sources are in the annex ({annex_name(brief)}); the charts and data are in the same zip file. "
        f"Contains public sector information licensed under the {LICENCE}. Generated on {long_date(brief.today)} "
        "by the stalking services dashboard.",
    )
    return _bytes(doc)


def _status_columns(cov: pd.DataFrame, today: dt.date) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Each status column's cells, and its heading with the report date most of its cells share
    (said once; a cell reported on another date says its own, and a dated one carries the mark)."""
    cells: dict[str, list[str]] = {}
    headings: dict[str, str] = {}
    for heading, theme in FORCE_STATUS_COLUMNS:
        dates = [pd.Timestamp(v).date() if pd.notna(v) else None for v in cov[theme.reported_on]]
        known = [d for d in dates if d is not None]
        common = max(set(known), key=known.count) if known else None
        column = []
        for status, when, current in zip(cov[theme.column], dates, cov[theme.current_column]):
            text = str(status)
            if status == rules.NOT_REPORTED:
                column.append(text)
                continue
            if when is not None and when != common:
                text += f" (reported {short_date(when)})"
            if when is not None and not current:
                text += f" {rules.DATED_MARK}"
            column.append(text)
        cells[heading] = column
        headings[heading] = f"{heading}, reported {short_date(common)}" if common else heading
    return cells, headings


def _next_end(row, today: dt.date) -> str:
    if pd.notna(row.next_funding_end):
        end = pd.Timestamp(row.next_funding_end).date()
        text = short_date(end) + (" (derived)" if row.next_funding_end_derived else "")
        return text + (" (passed)" if end < today else "")
    if row.funding_risk == rules.NOT_REPORTED:
        return rules.NOT_REPORTED
    if pd.notna(row.last_funding_end_passed):
        return f"ended {short_date(pd.Timestamp(row.last_funding_end_passed).date())}, renewal not reported"
    return "no date stated"


def annex_forces_table(brief: Briefing) -> pd.DataFrame:
    """The annex's table of force areas: statuses alone in their cells, the report date in the headings."""
    cov = brief.coverage
    cells, headings = _status_columns(cov, brief.today)
    frame = {"Force area": list(cov["short_name"])}
    if brief.scope.kind == "all":
        frame["Region"] = list(cov["region"])
    frame[headings["ISA provision"]] = cells["ISA provision"]
    frame["ISAs stated"] = ["" if pd.isna(v) else str(int(v)) for v in cov["isac_count"]]
    for heading in ("Perpetrator programme", "MASIP or stalking clinic", "Funding"):
        frame[headings[heading]] = cells[heading]
    frame["Next funding end"] = [_next_end(r, brief.today) for r in cov.itertuples()]
    return pd.DataFrame(frame)


def annex_docx(brief: Briefing, *, marking: str | None = None) -> bytes:
    """The annex: the force areas, the funders, every quote with its citation, the sources and licence."""
    doc = _document(brief, f"{brief.title}: annex", marking)
    doc.add_paragraph(brief.scope_line)
    doc.add_paragraph(brief.age_line)

    doc.add_heading("Force areas", level=1)
    doc.add_paragraph(
        "Each heading gives the date most of its column was last reported; a cell reported on another date "
        f"says so. {rules.DATED_MARK} marks a report more than 12 months before {long_date(brief.as_at)}. "
        f"{NOT_REPORTED_NOTE}"
    )
    _table(doc, annex_forces_table(brief))

    if brief.demand is not None:  # demand beside provision (issue 27), when imported
        _demand(doc, brief)

    if brief.demand is not None:  # demand beside provision (issue 27), when imported
        _demand(doc, brief)

    funders = funders_table(brief.streams)
    if len(funders):
        doc.add_heading("Funded services by funder", level=1)
        _table(doc, funders)
        doc.add_paragraph(FUNDERS_NOTE)

    doc.add_heading("Evidence", level=1)
    doc.add_paragraph(
        "Every quote behind the position, verbatim, with the document (its full title is under Sources and "
        "licence), section and date it comes from. Quotes marked (...) or [...] are as the document has them; "
        "where two quotes run on in the document they are printed once, as one passage."
    )
    grouped = fold_overlapping(group_evidence(brief.evidence))
    urls = source_urls(brief.sources)
    short = _short_titles(brief)
    for force in brief.coverage.itertuples():
        quotes = grouped[grouped["pfa_code"] == force.pfa_code]
        doc.add_heading(f"{force.short_name} ({force.pfa_code})", level=2)
        if quotes.empty:
            doc.add_paragraph(
                f"No quotes: the sources do not quote {force.short_name} on these themes. "
                "Its position is not reported, which is not the same as none."
            )
            continue
        rows = [
            (
                _clean(q.themes),
                f"\u201c{_clean(q.quote)}\u201d",
                _clean(
                    quote_citation(
                        short.get(q.source_id, q.source_title), q.section, q.source_date, urls.get(q.source_id)
                    )
                ),
            )
            for q in quotes.itertuples()
        ]
        frame = pd.DataFrame(rows, columns=["Theme", "Quote", "Document, section and date"])
        _table(doc, frame, _evidence_widths(frame))

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
        f"Generated on {long_date(brief.today)} by the stalking services dashboard, with the brief "
        f"({brief.stem}.docx). The charts, data files (CSV and XLSX) and a README are in the same zip file."
    )
    return _bytes(doc)


# ---------------------------------------------------------------- for other documents (exports.document)


def clean(text: object) -> str:
    """Text as one line Word can hold (no characters XML 1.0 refuses, runs of spaces as one)."""
    return _clean(text)


def add_table(doc, frame: pd.DataFrame, widths: tuple[float, ...]) -> None:
    """The house table: bold header row repeated on every page, set column widths (cm), 8.5 pt text."""
    _table(doc, frame, list(widths))


def alt_text(doc, text: str) -> None:
    """Alternative text on the last picture added, for screen readers."""
    _alt_text(doc, text)


def running_header_and_footer(doc, header: str, footer: str) -> None:
    """`header` on every page; `footer` (the source) above 'Page N of M' (Word fields) on every page."""
    section = doc.sections[0]
    section.header.is_linked_to_previous = False
    _small(section.header.paragraphs[0], header)
    section.footer.is_linked_to_previous = False
    _small(section.footer.paragraphs[0], footer)
    numbers = section.footer.add_paragraph()
    numbers.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _small(numbers, "Page ", keep_spaces=True)
    _field(numbers, "PAGE")
    _small(numbers, " of ", keep_spaces=True)
    _field(numbers, "NUMPAGES")


def _evidence_widths(frame: pd.DataFrame) -> list[float]:
    """The quote gets the room: the theme and citation columns only as wide as their longest words
    (a web address in a citation may still break), within a few centimetres."""
    theme = max(least_widths(frame)[0], 3.0)
    cite = 4.2
    return [theme, TEXT_WIDTH_CM - theme - cite, cite]
