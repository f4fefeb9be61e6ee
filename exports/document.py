"""A document as a list of blocks (headings, paragraphs, bullets, tables, figures, quotes), written to
Word: what a long report needs and a briefing pack does not (a contents list, numbered tables and
figures whose data goes beside the document as CSV).

Whoever gathers the content (the round's collective response, workflow/report.py) builds the blocks;
this module only lays them out, with the house's running header, "Page N of M" footer and table
style from exports.word. No Streamlit, no SQL.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import pandas as pd
from docx import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from exports import word

WIDTH_CM = 17.0  # the text width of an A4 page with 2 cm margins


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1: a section (listed in the contents), 2: a subsection (listed too), 3: not listed


@dataclass(frozen=True)
class Paragraph:
    """Text as runs: plain strings, or (text, style) with style "bold", "italic" or "small"."""

    runs: tuple[str | tuple[str, str], ...]

    @classmethod
    def of(cls, *runs: str | tuple[str, str]) -> Paragraph:
        return cls(tuple(runs))


@dataclass(frozen=True)
class Bullets:
    items: tuple[Paragraph | str, ...]


@dataclass(frozen=True)
class Table:
    """A table with a caption; its data also goes beside the document as `data/<name>.csv`."""

    name: str  # file stem of its CSV, e.g. "rec15-by-force"
    caption: str  # "Table 3: …" is added in front
    frame: pd.DataFrame
    widths: tuple[float, ...] | None = None  # cm; by default shared out by the columns' text lengths


@dataclass(frozen=True)
class Figure:
    """A chart as an image (PNG) with its alternative text; without an image, its title and why."""

    name: str
    title: str
    alt: str
    png: bytes | None = None
    missing: str = ""


@dataclass(frozen=True)
class Quote:
    text: str
    citation: str


@dataclass(frozen=True)
class Contents:
    """The contents list: the headings of levels 1 and 2, as a Word table-of-contents field (Word adds the
    page numbers when it updates the field; until then, and in LibreOffice, the headings are listed)."""


@dataclass
class Document:
    title: str
    subtitle: str
    header: str  # the running header on every page
    footer: str  # the source line above the page numbers
    created: dt.date
    blocks: list = field(default_factory=list)
    author: str = "Stalking services dashboard"

    def add(self, *blocks) -> None:
        self.blocks.extend(blocks)

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]


CHAR_CM = 0.17  # the width of a character of the tables' 8.5 pt text, a little generous
BOLD_CM = 0.21  # of the bold header row, in its widest letters
PAD_CM = 0.45  # a cell's left and right margins (Word's and LibreOffice's defaults), and a little


def _widths(frame: pd.DataFrame) -> tuple[float, ...]:
    """Column widths (cm) for the page: every column fits its longest word (a name never breaks inside a
    word), and the room left goes to the columns whose cells would otherwise wrap, by how much they need."""
    least, ideal = [], []
    for column in frame.columns:
        values = [str(v) for v in frame[column] if not pd.isna(v) and str(v)]
        header = max((len(w) for w in str(column).split()), default=1) * BOLD_CM
        body = max((len(w) for t in values for w in t.split()), default=1) * CHAR_CM * 1.12
        least.append(max(header, body) + PAD_CM)
        longest = max((len(t) for t in values), default=0)
        ideal.append(max(least[-1], min(longest, 48) * CHAR_CM + PAD_CM))
    if sum(ideal) <= WIDTH_CM:
        spare = (WIDTH_CM - sum(ideal)) / len(ideal)
        return tuple(round(w + spare, 2) for w in ideal)
    room = WIDTH_CM - sum(least)
    if room <= 0:
        return tuple(round(WIDTH_CM * w / sum(least), 2) for w in least)
    wants = [i - m for i, m in zip(ideal, least)]
    return tuple(round(m + room * w / sum(wants), 2) for m, w in zip(least, wants))


def _text(text: object) -> str:
    """A run's text as Word can hold it: its spaces at either end kept (runs join into one line)."""
    text = str(text)
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    body = word.clean(text)
    return (" " if lead and body else "") + body + (" " if trail and body else "")


def _runs(paragraph, runs) -> None:
    for run in runs:
        text, style = (run, "") if isinstance(run, str) else run
        made = paragraph.add_run(_text(text))
        if style == "bold":
            made.bold = True
        elif style == "italic":
            made.italic = True
        elif style == "small":
            made.font.size = Pt(9)
            made.font.color.rgb = word.SUBTLE


def _contents(doc, headings: list[Heading]) -> None:
    """A TOC field whose shown result lists the headings (Word updates it, with page numbers, on opening)."""
    first = doc.add_paragraph()
    run = first.add_run()
    for kind in ("begin", "instr", "separate"):
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = ' TOC \\o "1-2" \\h \\z \\u '
            run._r.append(instr)
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
    for i, heading in enumerate(headings):
        p = first if i == 0 else doc.add_paragraph()
        p.paragraph_format.left_indent = Cm(0.6 * (heading.level - 1))
        p.paragraph_format.space_after = Pt(2)
        p.add_run(word.clean(heading.text))
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    (doc.paragraphs[-1].add_run())._r.append(end)
    settings = doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def to_docx(document: Document) -> bytes:
    """The document as Word: A4, 2 cm margins, running header, 'Page N of M', numbered tables and figures."""
    doc = WordDocument()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    props = doc.core_properties
    props.title, props.subject, props.author = document.title, document.subtitle, document.author
    props.created = dt.datetime.combine(document.created, dt.time(0))
    word.running_header_and_footer(doc, document.header, document.footer)

    doc.add_heading(word.clean(document.title), level=0)
    if document.subtitle:
        doc.add_paragraph(word.clean(document.subtitle))
    listed = (
        document.blocks[document.blocks.index(next(b for b in document.blocks if isinstance(b, Contents))) + 1 :]
        if any(isinstance(b, Contents) for b in document.blocks)
        else []
    )
    headings = [b for b in listed if isinstance(b, Heading) and b.level <= 2]  # those after the contents
    tables = figures = 0
    for block in document.blocks:
        if isinstance(block, Heading):
            doc.add_heading(word.clean(block.text), level=block.level)
        elif isinstance(block, Paragraph):
            _runs(doc.add_paragraph(), block.runs)
        elif isinstance(block, Bullets):
            for item in block.items:
                _runs(doc.add_paragraph(style="List Bullet"), item.runs if isinstance(item, Paragraph) else (item,))
        elif isinstance(block, Table):
            tables += 1
            caption = doc.add_paragraph()
            caption.paragraph_format.keep_with_next = True
            _runs(caption, ((f"Table {tables}: ", "bold"), (block.caption, "bold")))
            if block.frame.empty:
                _runs(doc.add_paragraph(), (("None.", "italic"),))
            else:
                word.add_table(doc, block.frame, block.widths or _widths(block.frame))
            _runs(doc.add_paragraph(), ((f"The data: data/{block.name}.csv in the same zip file.", "small"),))
        elif isinstance(block, Figure):
            figures += 1
            if block.png:
                doc.add_picture(io.BytesIO(block.png), width=word.IMAGE_WIDTH)
                doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                word.alt_text(doc, block.alt)
            caption = doc.add_paragraph()
            _runs(caption, ((f"Figure {figures}: ", "bold"), (block.title, "")))
            if not block.png:
                _runs(caption, ((f" ({block.missing})", "small"),))
        elif isinstance(block, Quote):
            p = doc.add_paragraph()
            p.paragraph_format.left_indent = Cm(0.75)
            _runs(p, ((f"\u201c{block.text}\u201d", "italic"), (f" ({block.citation})", "")))
        elif isinstance(block, Contents):
            _contents(doc, headings)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
