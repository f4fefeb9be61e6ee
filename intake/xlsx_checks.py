"""Every part of an uploaded XLSX workbook checked before any parser sees it.

An XLSX file is a zip of XML parts. A parser (openpyxl, Excel) grows with what the parts
declare, not with the file's size: a 30 KB upload can hold 17 MB of sheet XML, millions of
empty cells, a merge or a hyperlink over every cell of a sheet (which a parser expands into
17 billion cells), a macro project, or an entity that expands a billion times. So each part
is read here, bounded, before the workbook is opened: its declared size and its real size
(decompressed, with its checksum), and what it holds, counted without parsing it:

- how many parts, and how many bytes unpacked: XML at most MAX_XLSX_XML_BYTES in all, other
  parts (pictures, printer settings) at most MAX_XLSX_OTHER_BYTES in all;
- XML as Excel writes it: UTF-8 or UTF-16, no document type or entity declarations;
- cells, rows, shared strings and cell formats, and the area every merge and hyperlink
  covers, each bounded (a full return is about 14,000 cells; the workbook form about 1,100);
- no macros: no VBA project (by name, by content type, by relationship, or by its binary
  signature under any name), no Excel 4.0 macro sheets, no ActiveX controls, no embedded
  OLE objects, no macro-enabled content type.

What passes is then read in a worker process with CPU and memory limits (intake.isolated),
for whatever a parser might still make of it.
"""

from __future__ import annotations

import io
import re
import zipfile

from core.problems import Problem

MAX_XLSX_PARTS = 200  # Excel writes about 25 for a workbook like the return's
MAX_XLSX_UNPACKED_BYTES = 5 * 1024 * 1024  # every part, unpacked
# What a parser is given at most: the XML of a workbook (a full return of 1,000 rows is about 1.3 MB).
MAX_XLSX_XML_BYTES = 4 * 1024 * 1024
MAX_XLSX_OTHER_BYTES = 1024 * 1024  # pictures, printer settings, thumbnails: the upload's own size
MAX_XLSX_CELLS = 100_000  # cells written, and cells covered by merges and hyperlinks
MAX_XLSX_ROWS = 50_000  # row elements, in every sheet together
MAX_XLSX_STRINGS = 100_000  # entries of the shared strings table
MAX_XLSX_FORMATS = 65_000  # cell formats (Excel's own limit is about 64,000)
XML_SUFFIXES = (".xml", ".rels", ".vml")
# Parts that hold macros or active content: VBA projects, Excel 4.0 macro sheets, ActiveX controls,
# embedded OLE objects.
MACRO_PART = re.compile(r"(?i)(vbaProject[^/]*\.bin$|vbaData\.xml$|/macrosheets/|/activeX/|/embeddings/.*\.bin$)")
MACRO_TYPE = re.compile(rb"(?i)(macroEnabled|vbaProject|vbaData|ms-office\.activeX|macrosheet|\.oleObject)")
# An OLE compound file (a VBA project, an embedded object, an old .xls), under whatever name.
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
EXPECTED = "expected a workbook saved from Excel as .xlsx ('Excel Workbook')"

_CELL = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_ROW = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")
_STRING = re.compile(rb"<(?:[\w.-]+:)?si[\s/>]")
_FORMAT = re.compile(rb"<(?:[\w.-]+:)?xf[\s/>]")
_COVERING = re.compile(rb"<(?:[\w.-]+:)?(?:mergeCell|hyperlink)\s[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_RANGE = re.compile(r"\$?([A-Za-z]{1,3})?\$?(\d{1,7})?")
_DECLARATION = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']+)[\"']", re.I)
UTF8_NAMES = {"utf-8", "utf8", "us-ascii", "ascii"}
UTF16_NAMES = {"utf-16", "utf16", "utf-16le", "utf-16be"}


def inspect(raw: bytes, name: str) -> list[Problem]:
    """What is wrong with an XLSX file's parts, found without parsing any: [] when it may be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            found = _archive_problems(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError, OSError) as err:
        kind = (
            "not a zip archive" if isinstance(err, zipfile.BadZipFile) else f"damaged zip archive: {type(err).__name__}"
        )
        if isinstance(err, zipfile.BadZipFile) and "CRC" in str(err):
            kind = "a part does not match its checksum"
        found = [f"file is not an XLSX workbook ({kind}); {EXPECTED}"]
    return [Problem(name, 0, "", message) for message in found]


def _archive_problems(archive: zipfile.ZipFile) -> list[str]:
    infos = archive.infolist()
    if len(infos) > MAX_XLSX_PARTS:
        return [f"the workbook holds {len(infos):,} parts; expected at most {MAX_XLSX_PARTS}: {EXPECTED}"]
    names = [i.filename for i in infos]
    twice = sorted({n for n in names if names.count(n) > 1} | _case_twins(names))
    if twice:
        return [f"the workbook holds two parts named {twice[0]!r}; {EXPECTED}"]
    odd = [
        i.filename
        for i in infos
        if i.flag_bits & 0x1 or i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
    ]
    if odd:
        return [f"the part {odd[0]!r} is encrypted or compressed in a way Excel does not write; {EXPECTED}"]
    declared = sum(i.file_size for i in infos)
    if declared > MAX_XLSX_UNPACKED_BYTES:
        return [f"workbook unpacks to {declared:,} bytes; expected at most {MAX_XLSX_UNPACKED_BYTES:,}"]

    problems: list[str] = []
    xml_bytes = other_bytes = 0
    counts = {"cells": 0, "rows": 0, "strings": 0, "formats": 0, "covered": 0}
    macros = [n for n in names if MACRO_PART.search(n)]
    for info in infos:
        data = _read_part(archive, info)
        if data is None:
            return [f"the part {info.filename!r} holds more than it declares; {EXPECTED}"]
        if data.startswith(OLE_SIGNATURE):
            macros.append(f"{info.filename} (an OLE compound file)")
        text, encoding_problem = _as_xml(info.filename, data)
        if text is None:
            other_bytes += len(data)
            if other_bytes > MAX_XLSX_OTHER_BYTES:
                return [
                    f"parts that are not XML (pictures, printer settings, embedded files) hold {other_bytes:,} bytes "
                    f"or more; expected at most {MAX_XLSX_OTHER_BYTES:,}"
                ]
            continue
        if encoding_problem:
            problems.append(encoding_problem)
            continue
        xml_bytes += len(data)
        if xml_bytes > MAX_XLSX_XML_BYTES:
            return [
                f"workbook holds {xml_bytes:,} bytes of XML or more; expected at most {MAX_XLSX_XML_BYTES:,} "
                "(a return of 1,000 rows needs well under that)"
            ]
        lower = text.lower()
        if b"<!doctype" in lower or b"<!entity" in lower:
            problems.append(
                f"{info.filename} declares a document type or entities (<!DOCTYPE or <!ENTITY); expected XML as "
                "Excel writes it, without them"
            )
            continue
        if info.filename == "[Content_Types].xml" or info.filename.endswith(".rels"):
            if MACRO_TYPE.search(text):
                macros.append(f"{info.filename} (declares macro or embedded content)")
        counts["cells"] += len(_CELL.findall(text))
        counts["rows"] += len(_ROW.findall(text))
        counts["strings"] += len(_STRING.findall(text))
        counts["formats"] += len(_FORMAT.findall(text))
        counts["covered"] += sum(_area(ref) for ref in _COVERING.findall(text))
    if macros:
        problems.append(
            f"the workbook holds macros or embedded objects ({', '.join(macros[:3])}); expected a plain workbook: "
            "save it as 'Excel Workbook (.xlsx)'"
        )
    limits = (
        ("cells", MAX_XLSX_CELLS, "cells"),
        ("rows", MAX_XLSX_ROWS, "rows"),
        ("strings", MAX_XLSX_STRINGS, "shared strings"),
        ("formats", MAX_XLSX_FORMATS, "cell formats"),
        ("covered", MAX_XLSX_CELLS, "cells under merges or links"),
    )
    for key, limit, what in limits:
        if counts[key] > limit:
            problems.append(
                f"the workbook holds {counts[key]:,} {what}; expected at most {limit:,} "
                "(a return of 1,000 rows needs well under that)"
            )
    return problems


def _case_twins(names: list[str]) -> set[str]:
    """Part names that differ only in case (one reader takes one, another the other)."""
    seen: dict[str, str] = {}
    twins = set()
    for n in names:
        if n.lower() in seen and seen[n.lower()] != n:
            twins.add(n)
        seen.setdefault(n.lower(), n)
    return twins


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """The part decompressed, at most one byte beyond what it declares (None when it holds more); its
    checksum is checked by zipfile when the whole part has been read."""
    with archive.open(info) as part:
        data = part.read(info.file_size + 1)
    return None if len(data) > info.file_size else data


def _as_xml(part: str, data: bytes) -> tuple[bytes | None, str | None]:
    """The part as UTF-8 XML bytes to look at, or (None, None) when it is not XML; a problem when it is
    XML in an encoding Excel does not write (where '<!DOCTYPE' would not be seen as bytes)."""
    head = data[:4]
    refused = f"{part} is XML in an encoding Excel does not write; expected UTF-8"
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") and head != b"\xff\xfe\x00\x00":
        try:
            return data.decode("utf-16").encode("utf-8"), None
        except UnicodeDecodeError:
            return b"", refused
    if (
        head in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")
        or head[:2] in (b"<\x00", b"\x00<")
        or head == b"\x00\x00\x00<"
    ):
        return b"", refused  # UTF-32, or UTF-16 without its byte order mark
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    stripped = body.lstrip(b" \t\r\n")
    if not stripped.startswith(b"<"):
        if part.lower().endswith(XML_SUFFIXES):
            return b"", f"{part} is not XML; {EXPECTED}"
        return None, None
    declared = _DECLARATION.match(stripped)
    if declared and declared.group(1).decode("ascii", "replace").lower() not in UTF8_NAMES | UTF16_NAMES:
        return b"", refused
    if declared and declared.group(1).decode("ascii", "replace").lower() in UTF16_NAMES:
        return b"", refused  # says UTF-16 but is written as single bytes: a parser would read it otherwise
    return body, None


def _area(ref: bytes) -> int:
    """The cells a reference such as 'A1:XFD1048576' (or several, space-separated) covers."""
    total = 0
    for piece in ref.decode("ascii", "replace").split():
        ends = piece.split(":")
        if len(ends) > 2:
            total += MAX_XLSX_CELLS + 1
            continue
        points = [_point(end, start=i == 0 and len(ends) == 2) for i, end in enumerate(ends)]
        if None in points:
            total += MAX_XLSX_CELLS + 1  # not a reference a spreadsheet writes
            continue
        (c1, r1), (c2, r2) = points[0], points[-1]
        total += (abs(c2 - c1) + 1) * (abs(r2 - r1) + 1)
    return total


def _point(end: str, *, start: bool) -> tuple[int, int] | None:
    """(column, row) of 'B7' or '$B$7'; of a whole column 'B' or a whole row '7', the sheet's first or
    last row or column, as the point starts or ends a range."""
    found = _RANGE.fullmatch(end.strip())
    if not found or not (found.group(1) or found.group(2)):
        return None
    letters, digits = found.group(1), found.group(2)
    column = (1 if start else 16_384) if letters is None else _column_number(letters)
    row = (1 if start else 1_048_576) if digits is None else int(digits)
    return column, row


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - ord("A") + 1
    return number
