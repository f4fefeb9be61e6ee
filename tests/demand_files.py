"""Files in the official layouts, made in the test (and by bench/demand_bench.py): no figure is real.

- The Home Office's police force area tables (police recorded crime and outcomes open data
  tables): one sheet per financial year named `2024_25`, a header row `Financial Year,
  Financial Quarter, Force Name, Offence Description, Offence Group, Offence Subgroup,
  Offence Code, Number of Offences`, one row per year, quarter, force and offence; force
  names as the Home Office writes them (`London, City of`, `Devon and Cornwall`), and rows
  for British Transport Police and the fraud bodies (Action Fraud, CIFAS, UK Finance).
- The ONS mid-year estimates, sheet `MYE2 - Persons`: title rows, then `Code, Name,
  Geography, All ages, 0, 1, …`, one row per area (country, region, county, local authority).
- The ONS lookup `LAD24CD, LAD24NM, CSP24CD, CSP24NM, PFA24CD, PFA24NM, ObjectId` (CSV).

The local authorities here are made up (two per force area, codes E069xxxxx/W069xxxxx);
the layouts are the publishers'.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from core import paths

HEADER = [
    "Financial Year",
    "Financial Quarter",
    "Force Name",
    "Offence Description",
    "Offence Group",
    "Offence Subgroup",
    "Offence Code",
    "Number of Offences",
]
# The 43 force areas as the Home Office's tables name them (in data/forces.csv order).
HOME_OFFICE_NAMES = {
    "E23000001": "Metropolitan Police",
    "E23000002": "Cumbria",
    "E23000003": "Lancashire",
    "E23000004": "Merseyside",
    "E23000005": "Greater Manchester",
    "E23000006": "Cheshire",
    "E23000007": "Northumbria",
    "E23000008": "Durham",
    "E23000009": "North Yorkshire",
    "E23000010": "West Yorkshire",
    "E23000011": "South Yorkshire",
    "E23000012": "Humberside",
    "E23000013": "Cleveland",
    "E23000014": "West Midlands",
    "E23000015": "Staffordshire",
    "E23000016": "West Mercia",
    "E23000017": "Warwickshire",
    "E23000018": "Derbyshire",
    "E23000019": "Nottinghamshire",
    "E23000020": "Lincolnshire",
    "E23000021": "Leicestershire",
    "E23000022": "Northamptonshire",
    "E23000023": "Cambridgeshire",
    "E23000024": "Norfolk",
    "E23000025": "Suffolk",
    "E23000026": "Bedfordshire",
    "E23000027": "Hertfordshire",
    "E23000028": "Essex",
    "E23000029": "Thames Valley",
    "E23000030": "Hampshire",
    "E23000031": "Surrey",
    "E23000032": "Kent",
    "E23000033": "Sussex",
    "E23000034": "London, City of",
    "E23000035": "Devon and Cornwall",
    "E23000036": "Avon and Somerset",
    "E23000037": "Gloucestershire",
    "E23000038": "Wiltshire",
    "E23000039": "Dorset",
    "W15000001": "North Wales",
    "W15000002": "Gwent",
    "W15000003": "South Wales",
    "W15000004": "Dyfed-Powys",
}
CODES = list(HOME_OFFICE_NAMES)
NON_FORCE = ("British Transport Police",)
FRAUD_BODIES = ("Action Fraud", "CIFAS", "UK Finance")
STALKING = ("Stalking", "Violence against the person", "Stalking and harassment", "8Q")
HARASSMENT = ("Harassment", "Violence against the person", "Stalking and harassment", "8L")


def stalking_count(code: str, year: int, quarter: int) -> int:
    """A made-up count, different for every force, year and quarter (whole and non-negative)."""
    i = CODES.index(code)
    return 40 + 7 * i + 3 * (year - 2013) + quarter


def filler_offences(n: int) -> list[tuple[str, str, str, str]]:
    """`n` other offences (description, group, subgroup, code), as the tables hold about 130."""
    # Words as long as the tables' own ("Assault with injury on a constable", "Violence against the person").
    return [
        (
            f"Other offence number {k} described at the length the tables use",
            "Miscellaneous crimes against society",
            "Miscellaneous crimes against society",
            f"{100 + k}",
        )
        for k in range(n)
    ]


def crime_sheets(
    years: range = range(2019, 2025),
    quarters: tuple[int, ...] = (1, 2, 3, 4),
    *,
    others: int = 1,
    last_year_quarters: tuple[int, ...] | None = None,
    names: dict[str, str] | None = None,
    count=stalking_count,
) -> dict[str, list[list]]:
    """{sheet name: rows, the header first} of a police force area table."""
    names = names or HOME_OFFICE_NAMES
    offences = [STALKING, HARASSMENT, *filler_offences(others)]
    sheets: dict[str, list[list]] = {}
    for year in years:
        fy = f"{year}/{(year + 1) % 100:02d}"
        rows: list[list] = [list(HEADER)]
        qs = last_year_quarters if (last_year_quarters and year == years[-1]) else quarters
        for q in qs:
            for code, name in names.items():
                for desc, group, sub, oc in offences:
                    n = count(code, year, q) if oc == "8Q" else (2 * count(code, year, q) if oc == "8L" else 5)
                    rows.append([fy, q, name, desc, group, sub, oc, n])
            for body in NON_FORCE:
                rows.append([fy, q, body, *STALKING, 3])
            for body in FRAUD_BODIES:
                rows.append([fy, q, body, "Fraud", "Fraud offences", f"Fraud: {body}", "53A", 1000])
        sheets[f"{year}_{(year + 1) % 100:02d}"] = rows
    return sheets


def with_cover(sheets: dict[str, list[list]]) -> dict[str, list[list]]:
    """A cover sheet and notes first, as the published workbooks have."""
    return {
        "Cover_sheet": [
            ["Police recorded crime and outcomes: police force area open data tables"],
            ["Source: Home Office"],
        ],
        "Notes": [["Note number", "Note text"], ["Note 1", "Figures are not comparable across the series break."]],
        **sheets,
    }


# ---------------------------------------------------------------- writers


def _ods_cell(value) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}" calcext:value-type="float">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string" calcext:value-type="string">'
        f"<text:p>{escape(str(value))}</text:p></table:table-cell>"
    )


def write_ods(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A minimal OpenDocument spreadsheet, written as LibreOffice lays one out (trailing empty rows
    repeated a million times, as published files have)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" office:version="1.3"'
    )
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {ns}><office:body><office:spreadsheet>']
    for name, rows in sheets.items():
        parts.append(f"<table:table table:name={quoteattr(name)}><table:table-column/>")
        for row in rows:
            parts.append("<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>")
        parts.append(
            '<table:table-row table:number-rows-repeated="1048000">'
            '<table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table>'
        )
    parts.append("</office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", "".join(parts), compress_type=zipfile.ZIP_DEFLATED)
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    import openpyxl

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook(write_only=True)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return path


def crime_csv(path: Path, sheets: dict[str, list[list]]) -> Path:
    """The same table as one CSV (one header, every year's rows)."""
    rows = [HEADER] + [r for s in sheets.values() for r in s[1:]]
    return write_csv(path, rows)


# ---------------------------------------------------------------- population and the lookup


def local_authorities() -> list[tuple[str, str, str]]:
    """(LAD code, name, PFA code): two made-up local authorities per force area."""
    out = []
    for i, code in enumerate(CODES):
        country = "W" if code.startswith("W") else "E"
        for k in (1, 2):
            out.append((f"{country}069{i:02d}{k:03d}", f"{HOME_OFFICE_NAMES[code]} district {k}", code))
    return out


def population_of(lad: str, mid_year: int) -> int:
    return 100_000 + int(lad[-5:]) * 37 + (mid_year - 2020) * 500


def mye2_sheets(mid_year: int = 2023, *, lads=None, extra_rows=()) -> dict[str, list[list]]:
    """The ONS mid-year estimates workbook: a contents sheet and `MYE2 - Persons`."""
    lads = lads if lads is not None else local_authorities()
    rows: list[list] = [
        [
            f"MYE2: Population estimates: Persons by single year of age and sex for local authorities in the UK, mid-{mid_year}"
        ],
        ["Source: Office for National Statistics"],
        [],
        ["Code", "Name", "Geography", "All ages", 0, 1, 2],
        ["K04000001", "ENGLAND AND WALES", "Country", 60_000_000, 600_000, 600_000, 600_000],
        ["E92000001", "ENGLAND", "Country", 57_000_000, 570_000, 570_000, 570_000],
        ["E12000006", "EAST OF ENGLAND", "Region", 6_400_000, 64_000, 64_000, 64_000],
        ["E10000015", "Hertfordshire", "County", 1_200_000, 12_000, 12_000, 12_000],
    ]
    for lad, name, _ in lads:
        total = population_of(lad, mid_year)
        rows.append([lad, name, "Unitary Authority", total, total // 100, total // 100, total // 100])
    rows += [list(r) for r in extra_rows]
    rows.append(["S12000033", "Aberdeen City", "Council Area", 227_000, 2_000, 2_000, 2_000])
    return {"Contents": [["Contents"], ["MYE2 - Persons"]], "MYE2 - Persons": rows}


def lookup_rows(lads=None) -> list[list]:
    lads = lads if lads is not None else local_authorities()
    rows = [["LAD24CD", "LAD24NM", "CSP24CD", "CSP24NM", "PFA24CD", "PFA24NM", "ObjectId"]]
    for n, (lad, name, pfa) in enumerate(lads, start=1):
        rows.append([lad, name, f"{lad[0]}2200{n:04d}", f"{name} CSP", pfa, HOME_OFFICE_NAMES[pfa], n])
    return rows


def expected_population(code: str, mid_year: int) -> int:
    return sum(population_of(lad, mid_year) for lad, _, pfa in local_authorities() if pfa == code)


def official_files(folder: Path, *, years: range = range(2019, 2025), mid_year: int = 2023) -> list[Path]:
    """A recorded crime ODS (named as the Home Office names its releases), a population XLSX and the lookup CSV."""
    crime = write_ods(folder / "prc-pfa-mar2013-onwards-tables-240725.ods", with_cover(crime_sheets(years)))
    population = write_xlsx(folder / f"mye{mid_year % 100}tablesuk.xlsx", mye2_sheets(mid_year))
    lookup = write_csv(folder / "LAD_to_CSP_to_PFA_(December_2024)_Lookup_in_EW.csv", lookup_rows())
    return [crime, population, lookup]


assert len(CODES) == 43 and paths.FORCES_CSV.is_file()
