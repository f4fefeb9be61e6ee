"""Workbooks made to exhaust the server (issue 28, item 3), for tests/test_workbook_limits.py and
bench/hostile_upload.py. Each is at most 1 MB on the wire (the upload limit), so each is refused for
what it holds, not for its size.

The four the issue names: an unsigned workbook with a sheet named "Manifest" and 4.4 million empty
cells; a signed return workbook carrying 17.7 MB of sheet XML, one carrying a 6 MB extra part, and one
carrying a macro project. The rest are made the same way against the parts a parser expands.
"""

from __future__ import annotations

import io
import re
import zipfile

MB = 1024 * 1024


def rezip(raw: bytes, change=None, add: dict[str, bytes] | None = None) -> bytes:
    """The workbook with each part passed through change(name, data), and parts added."""
    change = change or (lambda _name, data: data)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info)), compresslevel=9)
        for name, data in (add or {}).items():
            dst.writestr(name, data, compresslevel=9)
    return out.getvalue()


def in_part(part: str, old: bytes, new: bytes):
    def change(name: str, data: bytes) -> bytes:
        if name == part:
            assert old in data, (part, data[:300])
            return data.replace(old, new, 1)
        return data

    return change


def sheet_of(raw: bytes, title: str) -> str:
    """The part holding the sheet named `title` (by the workbook's relationships)."""
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        book = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet[^>]*name="{re.escape(title)}"[^>]*r:id="([^"]+)"', book).group(1)
    target = re.search(rf'<Relationship[^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship[^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels
    )
    path = target.group(1).lstrip("/")
    return path if path.startswith("xl/") else f"xl/{path}"


def filled(form: bytes) -> bytes:
    """The dashboard's signed workbook with the answers a return needs (who completed and signed it off):
    as it is, a submission of it is taken; each hostile variant below starts from it."""
    import json

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(form))
    manifest = book["Manifest"]
    spec = json.loads("".join(str(manifest.cell(row=r, column=1).value or "") for r in range(2, manifest.max_row + 1)))
    for key, value in (("submitted_by", "Jane Smith, Policy Officer"), ("signed_off_by", "Chief Executive, OPCC")):
        sheet, cell = spec["answers"][key].split("!")
        book[sheet][cell] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def empty_cells_manifest(cells: int = 4_400_000) -> bytes:
    """Unsigned: a sheet named 'Manifest' (so it is taken for the return workbook) and `cells` empty cells."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Instructions"
    book.create_sheet("Manifest")["A1"] = "x"
    out = io.BytesIO()
    book.save(out)
    raw = out.getvalue()
    part = sheet_of(raw, "Manifest")
    per_row = 1000
    rows = b"".join(b"<row>" + b"<c/>" * per_row + b"</row>" for _ in range(cells // per_row))
    return rezip(raw, in_part(part, b"</sheetData>", rows + b"</sheetData>"))


def padded_sheet_xml(form: bytes, size: int = int(17.7 * MB)) -> bytes:
    """A signed workbook whose first answer sheet carries `size` bytes of XML (blank space between rows)."""
    part = sheet_of(form, "Advocacy")
    return rezip(form, in_part(part, b"</sheetData>", b" " * size + b"</sheetData>"))


def extra_part(form: bytes, size: int = 6 * MB) -> bytes:
    """A signed workbook carrying a part of `size` bytes that no sheet uses."""
    return rezip(form, add={"xl/media/image1.png": b"\0" * size})


VBA = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    + b"\0" * 504
    + b'Attribute VB_Name = "Module1"\r\nSub AutoOpen()\r\nEnd Sub\r\n'
)


def macro_project(form: bytes) -> bytes:
    """A signed workbook carrying a VBA project, declared as Excel declares one (macro-enabled content type)."""
    main = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    macro_main = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"

    def change(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            data = data.replace(main, macro_main).replace(
                b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
            )
        if name == "xl/_rels/workbook.xml.rels":
            data = data.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
                b'Target="vbaProject.bin"/></Relationships>',
            )
        return data

    return rezip(form, change, add={"xl/vbaProject.bin": VBA})


def renamed_macro_project(form: bytes) -> bytes:
    """The VBA project under an innocent name, with no content type saying what it is."""
    return rezip(form, add={"xl/media/logo.png": VBA})


def merged_cells(form: bytes) -> bytes:
    """A signed workbook merging the whole of a sheet: a parser that expands merges makes 17 billion cells."""
    part = sheet_of(form, "Advocacy")
    return rezip(
        form,
        in_part(
            part, b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
        ),
    )


def hyperlinked_range(form: bytes) -> bytes:
    """A signed workbook with one hyperlink over a million rows: a parser binds it to every cell."""
    part = sheet_of(form, "Advocacy")

    def change(name: str, data: bytes) -> bytes:
        if name == part:
            data = re.sub(
                rb"(</sheetData>(?:<sheetProtection[^>]*/>)?)",
                rb'\1<hyperlinks><hyperlink ref="B1:XFD1048576" location="\'Advocacy\'!A1"/></hyperlinks>',
                data,
                count=1,
            )
        return data

    return rezip(form, change)


def many_parts(form: bytes, parts: int = 5_000) -> bytes:
    """A signed workbook with 5,000 tiny parts (each one an entry the zip's directory lists)."""
    return rezip(form, add={f"customXml/item{i}.xml": b"<a/>" for i in range(parts)})


def shared_strings(form: bytes, strings: int = 120_000) -> bytes:
    """A signed workbook whose shared strings table holds 120,000 strings none of its cells uses."""
    table = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + b"<si><t>x</t></si>" * strings
        + b"</sst>"
    )

    def change(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml" and b"sharedStrings" not in data:
            data = data.replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
            )
        if name == "xl/_rels/workbook.xml.rels" and b"sharedStrings" not in data:
            data = data.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
            )
        return data

    return rezip(form, change, add={"xl/sharedStrings.xml": table})


def doctype_in_a_part_not_named_xml(form: bytes) -> bytes:
    """Entity expansion in a sheet stored under a name that does not end in .xml."""
    part = sheet_of(form, "Advocacy")
    laughs = b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'

    def change(name: str, data: bytes) -> bytes:
        if name == part:
            return re.sub(rb"^(<\?xml[^>]*\?>)?", lambda m: (m.group(0) or b"") + laughs, data, count=1)
        return data

    return rezip(form, change)


def utf16_doctype(form: bytes) -> bytes:
    """A sheet in UTF-16 with a document type declaration."""
    part = sheet_of(form, "Advocacy")

    def change(name: str, data: bytes) -> bytes:
        if name == part:
            text = re.sub(r"^<\?xml[^>]*\?>", "", data.decode("utf-8"))
            head = (
                '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE worksheet [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            )
            return (head + text).encode("utf-16")
        return data

    return rezip(form, change)


def many_styles(form: bytes, styles: int = 70_000) -> bytes:
    """A style sheet with 70,000 cell formats (Excel itself stops at about 64,000)."""

    def change(name: str, data: bytes) -> bytes:
        if name == "xl/styles.xml":
            return re.sub(
                rb'<cellXfs count="\d+">',
                lambda m: (
                    b'<cellXfs count="%d">' % styles + b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>' * styles
                ),
                data,
                count=1,
            )
        return data

    return rezip(form, change)


# The four, then the others: name -> (make from a signed form, what the refusal says).
NAMED = {
    "4.4 million empty cells in a 'Manifest' sheet": (lambda form: empty_cells_manifest(), "unpacks to"),
    "17.7 MB of sheet XML": (padded_sheet_xml, "unpacks to"),
    "a 6 MB extra part": (extra_part, "unpacks to"),
    "a macro project": (macro_project, "macros"),
}
OTHERS = {
    "a macro project under another name": (renamed_macro_project, "macros"),
    "a merge over the whole sheet": (merged_cells, "merges or links"),
    "a hyperlink over a million rows": (hyperlinked_range, "merges or links"),
    "5,000 parts": (many_parts, "parts"),
    "120,000 shared strings": (shared_strings, "strings"),
    "a document type in a sheet": (doctype_in_a_part_not_named_xml, "document type"),
    "a document type in UTF-16": (utf16_doctype, "document type"),
    "70,000 cell formats": (many_styles, "formats"),
}
HOSTILE = {**NAMED, **OTHERS}
