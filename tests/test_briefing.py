"""Briefing packs: the zip's files, the Word document, the sentences, the command line."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import docx
import openpyxl
import pandas as pd
import pytest

from core import coverage as coverage_rules
from core import queries
from core.text import long_date
from exports import briefing, images, tables
from exports.__main__ import main
from tests.browser import require_browser

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates

WELSH_FORCES = {
    "W15000001": "North Wales",
    "W15000002": "Gwent",
    "W15000003": "South Wales",
    "W15000004": "Dyfed-Powys",
}
DATA_FILES = {
    f"data/{name}.{ext}" for name in ("force-areas", "funded-services", "evidence") for ext in ("csv", "xlsx")
}


def doc_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def the_docx(zf: zipfile.ZipFile) -> bytes:
    """The brief (the annex is `the_annex`)."""
    (name,) = [n for n in zf.namelist() if n.endswith(".docx") and not n.endswith("-annex.docx")]
    return zf.read(name)


def the_annex(zf: zipfile.ZipFile) -> bytes:
    (name,) = [n for n in zf.namelist() if n.endswith("-annex.docx")]
    return zf.read(name)


def pack_text(zf: zipfile.ZipFile) -> str:
    """The brief's and the annex's words."""
    return doc_text(the_docx(zf)) + "\n" + doc_text(the_annex(zf))


@pytest.fixture(scope="module")
def as_at(built_db) -> dt.date:
    return queries.source_date()


@pytest.fixture(scope="module")
def wales_pack(built_db, as_at) -> briefing.BriefingPack:
    require_browser()
    return briefing.build_pack(briefing.resolve_scope(region="Wales"), as_at, images_wanted=True)


@pytest.fixture(scope="module")
def wales_zip(wales_pack) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(wales_pack.data))


# ---------------------------------------------------------------- the Wales pack


@pytest.mark.browser
def test_wales_pack_holds_the_expected_files(wales_pack, wales_zip, as_at):
    names = set(wales_zip.namelist())
    assert wales_zip.testzip() is None
    assert wales_pack.filename == f"briefing-wales-{as_at.isoformat()}.zip"
    assert f"briefing-wales-{as_at.isoformat()}.docx" in names
    assert f"briefing-wales-{as_at.isoformat()}-annex.docx" in names
    assert "README.txt" in names
    assert DATA_FILES <= names
    pngs = {n for n in names if n.startswith("charts/") and n.endswith(".png")}
    svgs = {n for n in names if n.startswith("charts/") and n.endswith(".svg")}
    assert len(pngs) >= 4, "a chart per status dimension at least"
    assert {p.removesuffix(".png") for p in pngs} == {s.removesuffix(".svg") for s in svgs}
    for name in pngs:
        assert wales_zip.read(name)[:8] == b"\x89PNG\r\n\x1a\n"
    assert not wales_pack.warnings


@pytest.mark.browser
def test_wales_word_document_names_all_four_forces(wales_zip):
    text = pack_text(wales_zip)
    for code, name in WELSH_FORCES.items():
        assert name in text and code in text, name
    assert "Wales" in text


@pytest.mark.browser
def test_wales_word_document_cites_a_quote_for_every_force_with_evidence(wales_zip, as_at):
    text = doc_text(the_annex(wales_zip))
    evidence = queries.evidence_at(as_at, regions=["Wales"])
    for code in WELSH_FORCES:
        quotes = evidence[evidence["pfa_code"] == code]
        if quotes.empty:
            assert f"do not quote {WELSH_FORCES[code]}" in text
            continue
        cited = [q for q in quotes.itertuples() if f"\u201c{' '.join(q.quote.split())}\u201d" in text]
        assert cited, f"no quote cited for {WELSH_FORCES[code]}"
        q = cited[0]
        short = queries.sources().set_index("source_id").loc[q.source_id, "short_title"]
        citation = f"— {short}, {q.section}, {long_date(pd.Timestamp(q.source_date).date())}"
        assert citation in text, "cited by the document's short title (the full title is under Sources)"


@pytest.mark.browser
def test_wales_brief_has_findings_charts_and_changes_and_the_annex_the_table_and_licence(wales_zip, as_at):
    brief = docx.Document(io.BytesIO(the_docx(wales_zip)))
    text = doc_text(the_docx(wales_zip))
    assert "of the 4 force areas in Wales" in text
    assert "not the same as none" in text
    assert f"Position as at {long_date(as_at)}" in text and "Data as at" in text
    assert "Headline findings" in text and "What changed since the previous edition" in text
    assert 1 <= len(brief.inline_shapes) <= 2, "one or two charts in the brief; every chart is in charts/"
    assert not brief.tables, "the force table is in the annex"
    footer = "\n".join(p.text for p in brief.sections[0].footer.paragraphs)
    assert "Source: " in footer, "every page's footer names the source (each chart image carries its own)"
    annex = docx.Document(io.BytesIO(the_annex(wales_zip)))
    table = annex.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header[0] == "Force area" and header[1].startswith("ISA provision") and "Next funding end" in header
    assert len(table.rows) == 1 + len(WELSH_FORCES)
    annex_text = doc_text(the_annex(wales_zip))
    assert "Sources and licence" in annex_text and "Open Government Licence v3.0" in annex_text


@pytest.mark.browser
def test_wales_readme_names_sources_licence_and_files(wales_zip):
    readme = wales_zip.read("README.txt").decode("utf-8")
    assert "Open Government Licence v3.0" in readme
    for source in queries.sources().itertuples():
        if source.published == queries.source_date():
            assert source.title in readme
    for name in wales_zip.namelist():
        assert name in readme, name


@pytest.mark.browser
def test_wales_data_files_carry_their_metadata(wales_zip):
    wb = openpyxl.load_workbook(io.BytesIO(wales_zip.read("data/force-areas.xlsx")))
    assert wb.sheetnames == [tables.DATA_SHEET, tables.ABOUT_SHEET]
    about = dict(wb[tables.ABOUT_SHEET].iter_rows(min_row=2, values_only=True))
    assert about["Filters"].startswith("Region: Wales")
    forces = pd.read_csv(io.BytesIO(wales_zip.read("data/force-areas.csv")), comment="#", encoding="utf-8-sig")
    assert set(forces["ONS code"]) == set(WELSH_FORCES)


# ---------------------------------------------------------------- without a browser


def test_without_a_browser_the_pack_has_html_charts_and_says_why(built_db, as_at, monkeypatch):
    monkeypatch.setenv(images.BROWSER_ENV, "none")
    pack = briefing.build_pack(briefing.resolve_scope(region="Wales"), as_at)
    names = set(zipfile.ZipFile(io.BytesIO(pack.data)).namelist())
    assert not [n for n in names if n.endswith((".png", ".svg"))]
    assert [n for n in names if n.startswith("charts/") and n.endswith(".html")]
    assert DATA_FILES <= names
    assert pack.warnings and images.UNAVAILABLE_MESSAGE in pack.warnings[0]
    with pytest.raises(images.ImageExportUnavailable):
        briefing.build_pack(briefing.resolve_scope(region="Wales"), as_at, images_wanted=True)


def test_a_force_pack_cites_that_forces_quotes(built_db, as_at):
    evidence = queries.evidence_at(as_at)
    code = evidence["pfa_code"].iloc[0] if len(evidence) else "E23000027"
    pack = briefing.build_pack(briefing.resolve_scope(force=code), as_at, images_wanted=False)
    zf = zipfile.ZipFile(io.BytesIO(pack.data))
    text = doc_text(the_annex(zf))
    for quote in evidence[evidence["pfa_code"] == code]["quote"]:
        # verbatim, on its own or within the passage it runs on into (printed once)
        assert " ".join(quote.split()) in text


def test_an_england_and_wales_pack_covers_all_43_forces(built_db, as_at):
    pack = briefing.build_pack(briefing.Scope.all(), as_at, images_wanted=False)
    zf = zipfile.ZipFile(io.BytesIO(pack.data))
    forces = pd.read_csv(io.BytesIO(zf.read("data/force-areas.csv")), comment="#", encoding="utf-8-sig")
    assert len(forces) == 43
    assert "all 43 police force areas" in doc_text(the_docx(zf))
    assert len(docx.Document(io.BytesIO(the_annex(zf))).tables[0].rows) == 1 + 43


# ---------------------------------------------------------------- fit to paste


TICK = re.compile(r'<g class="[xy]tick"><text[^>]*>([^<]*)</text>')


@pytest.mark.browser
def test_every_exported_chart_has_whole_number_ticks_on_its_count_axis(wales_zip):
    svgs = [n for n in wales_zip.namelist() if n.endswith(".svg")]
    assert svgs
    for name in svgs:
        ticks = TICK.findall(wales_zip.read(name).decode("utf-8"))
        numbers = [t for t in ticks if re.fullmatch(r"[-−]?[\d.,]+", t)]
        fractions = [t for t in numbers if not re.fullmatch(r"[-−]?\d[\d,]*", t)]
        assert not fractions, f"{name}: count ticks that are not whole numbers: {fractions}"


def word_parts(data: bytes) -> dict[str, str]:
    """The XML of the document's parts: body, headers and footers."""
    with zipfile.ZipFile(io.BytesIO(data)) as docx_zip:
        return {n: docx_zip.read(n).decode("utf-8") for n in docx_zip.namelist() if n.endswith(".xml")}


@pytest.mark.browser
def test_the_word_pack_has_a_running_header_page_numbers_and_a_footer_with_source_and_licence(wales_zip, as_at):
    document = docx.Document(io.BytesIO(the_docx(wales_zip)))
    section = document.sections[0]
    header = "\n".join(p.text for p in section.header.paragraphs)
    footer = "\n".join(p.text for p in section.footer.paragraphs)
    assert "Stalking services in Wales: briefing" in header and long_date(as_at) in header
    assert "Source: " in footer and "Open Government Licence v3.0" in footer and "Page " in footer
    xml = "".join(v for k, v in word_parts(the_docx(wales_zip)).items() if "footer" in k)
    assert " PAGE " in xml and " NUMPAGES " in xml, "page numbers are Word fields"
    assert "OFFICIAL" not in header + footer, "no protective marking unless one is chosen"


def test_a_protective_marking_chosen_at_export_heads_and_foots_every_page(built_db, as_at):
    pack = briefing.build_pack(briefing.resolve_scope(region="Wales"), as_at, images_wanted=False, marking="OFFICIAL")
    zf = zipfile.ZipFile(io.BytesIO(pack.data))
    for data in (the_docx(zf), the_annex(zf)):
        section = docx.Document(io.BytesIO(data)).sections[0]
        assert section.header.paragraphs[0].text == "OFFICIAL"
        assert section.footer.paragraphs[-1].text == "OFFICIAL"


@pytest.mark.browser
def test_no_quote_is_printed_twice_in_overlapping_forms(wales_zip, as_at):
    text = doc_text(the_annex(wales_zip))
    # Dyfed-Powys is quoted on its pilot in a short form and in a longer one that contains it.
    short = "Since the 1st September 2024, the PCC has commissioned Paladin National Stalking Advocacy Service"
    assert text.count(short) == 1
    from exports.briefing_content import fold_overlapping, group_evidence

    folded = fold_overlapping(group_evidence(queries.evidence_at(as_at)))
    for _, group in folded.groupby(["pfa_code", "source_id"]):
        quotes = list(group["quote"])
        for i, a in enumerate(quotes):
            for j, b in enumerate(quotes):
                assert i == j or a not in b, f"printed twice: {a!r} within {b!r}"


def test_a_citation_carries_the_documents_url_where_it_has_one(built_db, as_at):
    from exports import word

    brief = briefing.gather(briefing.resolve_scope(region="Wales"), as_at)
    address = brief.sources.set_index("source_id").loc["apcc-response-2024-12", "url"]
    assert address.startswith("https://www.gov.uk/"), "data/sources.csv's address reaches the database"
    text = doc_text(word.annex_docx(brief))
    assert f"19 December 2024, {address}" in text, "beside each quote"
    readme = briefing.readme(brief, [], False, [])
    for source in brief.sources.itertuples():
        line = next(line for line in readme.splitlines() if line.startswith(f"- {source.title}."))
        assert (source.url in line) if isinstance(source.url, str) else "https://" not in line, line
    assert word.quote_citation("Title", "Section", as_at) == f"— Title, Section, {long_date(as_at)}"


# ---------------------------------------------------------------- sentences


def _coverage(statuses: list[str], as_at: dt.date = dt.date(2024, 12, 19)) -> pd.DataFrame:
    """A coverage frame for len(statuses) Welsh forces, read at `as_at` by the rules (core.coverage),
    all reported on 19 December 2024; the first has one funded service ending 31 March 2025."""
    n = len(statuses)
    reported = pd.Timestamp("2024-12-19")
    raw = pd.DataFrame(
        {
            "pfa_code": [f"W1500000{i + 1}" for i in range(n)],
            "short_name": list(WELSH_FORCES.values())[:n],
            "region": ["Wales"] * n,
            "isac_status": statuses,
            "isac_count": pd.array([2, None, None, None][:n], dtype="Int64"),
            "dedicated_stalking_posts": pd.array([None] * n, dtype="Int64"),
            "isac_reported_on": [reported if s != "not reported" else pd.NaT for s in statuses],
            "perpetrator_programme_status": ["not reported"] * n,
            "programme_reported_on": [pd.NaT] * n,
            "masip_status": ["pilot"] + ["not reported"] * (n - 1),
            "masip_reported_on": [reported] + [pd.NaT] * (n - 1),
            "funded_services": [1] + [0] * (n - 1),
            "funding_statements": [0] * n,
            "funding_risk_statements": [0] * n,
            "funding_constraint_statements": [0] * n,
            "earliest_funding_end": pd.to_datetime(["2025-03-31"] + [None] * (n - 1)),
            "funding_reported_on": [reported] + [pd.NaT] * (n - 1),
            "evidence_quotes": [2] + [0] * (n - 1),
            "as_at": [pd.Timestamp(as_at)] * n,
        }
    )
    streams = pd.DataFrame(
        {
            "pfa_code": ["W15000001"],
            "provision": ["isac_provision"],
            "end_date": pd.to_datetime(["2025-03-31"]),
            "end_derived": [False],
            "status": ["at risk"],
        }
    )
    return coverage_rules.classify(raw, streams, as_at)


NO_STREAMS = pd.DataFrame(columns=["end_date", "state", "end_derived"])


def test_area_sentences_count_provision_and_keep_not_reported_apart_from_none():
    scope = briefing.Scope("region", "Wales", "Wales")
    cov = _coverage(["dedicated service", "dedicated service", "ISACs within wider services", "not reported"])
    out = briefing.area_sentences(cov, NO_STREAMS, scope, dt.date(2024, 12, 19))
    assert out[0] == (
        "3 of the 4 force areas in Wales reported a dedicated stalking service or ISAs within wider "
        "services (2 dedicated services, 1 with ISAs within wider services; 3 of them reported in the last 12 months); "
        "1 is not reported."
    )
    assert any("2 ISAs are reported across 1 force area" in s for s in out)
    assert any(
        s.startswith(
            "0 of the 4 force areas in Wales reported a commissioned stalking perpetrator programme; 4 are not reported"
        )
        for s in out
    )
    assert any("1 of the 4 force areas in Wales has stalking funding at risk" in s for s in out)
    assert any("not the same as none" in s for s in out), "no funded services reported is not none"
    assert not any("none stated" in s for s in out)


def test_area_sentences_name_a_stated_none_as_none():
    scope = briefing.Scope("region", "Wales", "Wales")
    cov = _coverage(["none stated", "not reported"])
    first = briefing.area_sentences(cov, NO_STREAMS, scope, dt.date(2024, 12, 19))[0]
    assert first == (
        "0 of the 2 force areas in Wales reported a dedicated stalking service or ISAs within wider "
        "services; 1 indicated there is no ISA or specialist stalking service and 1 is not reported."
    )


def test_force_sentences_say_not_reported_is_not_none():
    row = _coverage(["not reported"]).iloc[0]
    out = briefing.force_sentences(row.replace({"funding_risk": "not reported"}), pd.DataFrame(), dt.date(2024, 12, 19))
    assert out[0].startswith("Support for stalking victims in North Wales: not reported")
    assert "not the same as none" in out[0]


def test_two_years_on_a_passed_end_reads_ended_and_every_status_says_when_it_was_reported():
    today = dt.date(2026, 12, 1)
    cov = _coverage(["dedicated service", "not reported"], as_at=today)
    first = cov.iloc[0]
    assert first["funding_risk"] == "funding ended, renewal not reported" and not first["funding_at_risk"]
    assert first["isac_status"] == "funding ended, renewal not reported", "its only funded service has ended"
    assert first["isac_status_reported"] == "dedicated service"
    out = briefing.force_sentences(first, pd.DataFrame(), today)
    assert "last reported 19 Dec 2024, more than 12 months before 1 December 2026" in out[0]
    assert any("ended 31 March 2025 — renewal not reported" in s for s in out)
    assert not any("within six months" in s or "at risk" in s for s in out)


# ---------------------------------------------------------------- scope and command line


def test_scopes_resolve_by_code_name_and_region(built_db):
    assert briefing.resolve_scope(force="E23000027").name == "Hertfordshire"
    assert briefing.resolve_scope(force="dyfed-powys").code == "W15000004"
    assert briefing.resolve_scope(region="north west").place == "the North West"
    assert briefing.resolve_scope(all_areas=True).place == "England and Wales"
    with pytest.raises(briefing.ScopeError, match="Unknown region"):
        briefing.resolve_scope(region="Narnia")
    with pytest.raises(briefing.ScopeError, match="Unknown force"):
        briefing.resolve_scope(force="E99999999")
    with pytest.raises(briefing.ScopeError):
        briefing.resolve_scope(force="E23000027", region="Wales")


def test_cli_writes_a_pack(built_db, tmp_path, capsys):
    out = tmp_path / "wales.zip"
    assert main(["briefing", "--region", "Wales", "--out", str(out), "--no-images", "--as-at", "2024-12-19"]) == 0
    assert zipfile.ZipFile(out).testzip() is None
    assert f"Wrote {out}" in capsys.readouterr().out


def test_cli_reports_an_error_in_one_line_and_exits_non_zero(built_db, tmp_path, capsys):
    assert main(["briefing", "--region", "Narnia", "--out", str(tmp_path / "x.zip")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: Unknown region 'Narnia'")
    assert not (tmp_path / "x.zip").exists()
    assert main(["briefing", "--force", "E23000027", "--no-images", "--out", str(tmp_path / "no" / "x.zip")]) == 1
    assert capsys.readouterr().err.strip().startswith("error:")


def test_cli_requires_images_only_when_asked(built_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(images.BROWSER_ENV, "none")
    assert main(["briefing", "--region", "Wales", "--require-images", "--out", str(tmp_path / "x.zip")]) == 1
    assert "apt-get install chromium" in capsys.readouterr().err
    assert main(["briefing", "--region", "Wales", "--quiet", "--out", str(tmp_path / "y.zip")]) == 0
    assert capsys.readouterr().err.startswith("warning: Charts are included as interactive HTML")


def test_cli_usage_errors_are_one_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["briefing", "--all", "--as-at", "2025-13-01"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: argument --as-at: not a date")


# ---------------------------------------------------------------- the brief: tense, the annex table


def test_a_brief_read_after_its_dates_says_they_have_passed(built_db, as_at, today_is):
    today_is(dt.date(2026, 12, 1))
    brief = briefing.gather(briefing.resolve_scope(force="E23000027"), as_at)
    text = " ".join(brief.findings)
    assert "was due to end on 31 March 2025; that date has passed and no renewal is reported" in text
    assert "were due by 27 March 2025, a deadline that has passed" in text
    timeline = next(c for c in brief.charts if c.name.endswith("funding-timeline"))
    assert "was next due to end on 31 March 2025" in timeline.text.title and "passed" in timeline.text.title
    assert not any("Next end of stalking funding" in c.text.title for c in brief.charts)


def test_a_brief_read_before_its_dates_says_they_are_due(built_db, as_at, today_is):
    today_is(dt.date(2025, 1, 10))
    brief = briefing.gather(briefing.resolve_scope(force="E23000027"), as_at)
    text = " ".join(brief.findings)
    assert "passed" not in text
    assert "The next end of funding is 31 March 2025" in text and "are due by 27 March 2025" in text
    timeline = next(c for c in brief.charts if c.name.endswith("funding-timeline"))
    assert timeline.text.title == "Next end of stalking funding in Hertfordshire: 31 March 2025"


def test_the_annex_states_each_columns_report_date_once_and_wraps_names_whole(built_db, as_at):
    from charts import fonts
    from exports import word

    brief = briefing.gather(briefing.Scope.all(), as_at)
    table = word.annex_forces_table(brief)
    assert "ISA provision, reported 19 Dec 2024" in table.columns
    cells = table.astype(str).to_numpy().ravel().tolist()
    assert not [c for c in cells if "last reported" in c or "19 Dec 2024" in c], "the date is in the heading"
    widths = word.column_widths(table)
    assert abs(sum(widths) - word.TEXT_WIDTH_CM) < 0.01
    force = fonts.text_width("Northamptonshire", word.TABLE_PT) * 2.54 / 72
    assert widths[0] >= force + 0.38, "the longest name fits its column with the cell's margins"


def test_the_brief_findings_are_short_sentences_with_at_most_one_bracket(built_db, as_at):
    for scope in (briefing.Scope.all(), briefing.resolve_scope(region="Wales"), briefing.resolve_scope(force="Kent")):
        brief = briefing.gather(scope, as_at)
        assert 4 <= len(brief.findings) <= 9
        for sentence in brief.findings:
            assert sentence.count("(") <= 1, sentence
            assert len(sentence.split()) <= 40, sentence
