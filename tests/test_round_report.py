"""The round's report is the draft collective response (issue 25, item 4): a generated round of 43 (varied
answers, mistakes corrected, returns for changes, returns awaiting review, drafts and forces that never
started) is run end to end through the workflow, and the Word report is checked against what the offices
sent: every section, the response rate and its lists, each theme's counts, each recommendation's
force-by-status table, the national figures, the cliff edge and its amounts, the examples quoted only
with consent, what changed, and that no internal code appears. Rendered in LibreOffice, a picture of every
page is kept in test-artifacts/round-report/ for people to look at."""

from __future__ import annotations

import collections
import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile

import docx
import pytest

from core import paths, rules
from core.text import long_date
from etl.questions import LISTINGS, QUESTIONS
from etl.read import read_csv
from tests import round_generator
from tests.browser import drives, require
from tests.workflow_fixtures import REVIEWER_ACTOR, make_sandbox, sandbox  # noqa: F401 - sandbox is a fixture
from workflow import database, report

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates

ARTIFACTS = paths.REPO_ROOT / "test-artifacts" / "round-report"
SECTIONS = [
    "Contents",
    "Introduction",
    "Availability of services",
    "Co-commissioning",
    "Funding",
    "Multi-agency working",
    "Data and information sharing",
    "Scrutiny and accountability",
    "Raising awareness and training",
    "Recommendations 15, 16 and 25",
    "The national picture",
    "What changed since the previous edition",
    "What the data cannot say",
]
ONS_CODE = re.compile(r"\b(E23|W15)\d{6}\b")
# Stored keys whose label differs: none may reach the reader (funders, statuses, dimensions, attributes).
KEYS = (
    "commissioner core",
    "commissioner (source not stated)",
    "grant (funder not stated)",
    "Home Office (other)",
    "(local authority)",
    "ISACs within wider services",
    "none stated",
    "model not stated",
    "masip",
    "isac",
)


def _underscored_keys() -> set[str]:
    keys = set()
    for row in read_csv(paths.DATA_DIR / "attributes.csv").rows:
        keys |= {k for k in (row["dimension"], row["attribute"]) if "_" in k}
    return keys


class Read:
    """A Word document read back: its headings, its paragraphs' text, and each table by its caption."""

    def __init__(self, data: bytes):
        self.doc = docx.Document(io.BytesIO(data))
        self.headings = [p.text for p in self.doc.paragraphs if p.style.name.startswith("Heading")]
        self.text = "\n".join(p.text for p in self.doc.paragraphs)
        self.tables: dict[str, list[dict[str, str]]] = {}
        self.captions: list[str] = []  # every table's, an empty one ("None.") included
        caption = None
        body = self.doc.element.body
        for child in body.iterchildren():
            tag = child.tag.split("}")[-1]
            if tag == "p":
                text = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t"))
                if re.match(r"Table \d+: ", text):
                    caption = text.split(": ", 1)[1]
                    self.captions.append(caption)
            elif tag == "tbl" and caption:
                table = docx.table.Table(child, self.doc)
                rows = [[c.text for c in row.cells] for row in table.rows]
                self.tables[caption] = [dict(zip(rows[0], r)) for r in rows[1:]]
                caption = None
        self.all_text = (
            self.text
            + "\n"
            + "\n".join(" | ".join(v for row in rows for v in row.values()) for rows in self.tables.values())
        )

    def table(self, start: str) -> list[dict[str, str]]:
        """The table whose caption is `start`, or else the one caption that starts with it."""
        if start in self.tables:
            return self.tables[start]
        (found,) = [rows for caption, rows in self.tables.items() if caption.startswith(start)]
        return found


@pytest.fixture(scope="module")
def generated_round(tmp_path_factory):
    """A generated round of 43 played through the workflow in its own sandbox, and its report (no charts)."""
    patch = pytest.MonkeyPatch()
    tmp = tmp_path_factory.mktemp("generated-round")
    data = tmp / "data"
    shutil.copytree(paths.DATA_DIR, data, ignore=shutil.ignore_patterns("build", "returns", "templates", "*.md"))
    make_sandbox(data, tmp, patch)
    try:
        played = round_generator.run_round(seed=25)
        made = report.build(REVIEWER_ACTOR, played.round_id, images_wanted=False)
        yield played, made
    finally:
        database.dispose_all()
        patch.undo()


def _docx(made) -> bytes:
    with zipfile.ZipFile(io.BytesIO(made.data)) as zf:
        return zf.read(next(n for n in zf.namelist() if n.endswith(".docx")))


def test_the_round_was_played_as_generated(generated_round):
    played, _ = generated_round
    counts = collections.Counter(s.state for s in played.sent.values())
    assert counts == round_generator.DEFAULT_MIX
    assert any(s.mistakes for s in played.sent.values()), "offices made mistakes and corrected them"
    for s in played.sent.values():
        assert all(not ONS_CODE.search(m.split(":", 1)[1]) for m in s.mistakes), s.mistakes


def test_the_report_has_every_section_and_the_response_rate(generated_round):
    played, made = generated_round
    read = Read(_docx(made))
    level1 = [h for h, p in zip(read.headings, read.doc.paragraphs) if h] and [
        p.text for p in read.doc.paragraphs if p.style.name == "Heading 1"
    ]
    assert [h for h in level1 if h in SECTIONS] == SECTIONS, level1
    for rec in ("15", "16", "25"):
        assert f"Recommendation {rec}" in read.headings

    total, accepted = 43, len(played.accepted)
    submitted = accepted + len(played.in_state("awaiting")) + len(played.in_state("returned"))
    rate = {row[""]: (row["Force areas"], row["Share"]) for row in read.table("Response rate")}
    assert rate == {
        "Asked": ("43", "100%"),
        "Submitted a return": (str(submitted), f"{submitted / total:.0%}"),
        "Return accepted": (str(accepted), f"{accepted / total:.0%}"),
    }
    outstanding = {
        row["Where the return stands"]: row["Named"] for row in read.table("Force areas without an accepted return")
    }
    names = lambda *states: ", ".join(sorted(s.name for st in states for s in played.in_state(st)))  # noqa: E731
    assert outstanding == {
        "Not returned": names("draft", "not started"),
        "Returned to the office for changes": names("returned"),
        "Awaiting review": names("awaiting"),
    }
    assert f"{submitted} of 43 ({submitted / 43:.0%}) force areas submitted a return" in read.text


def test_every_recommendation_table_names_every_force_by_status_with_date_and_outcome(generated_round):
    played, made = generated_round
    read = Read(_docx(made))
    waiting = {"awaiting": "Awaiting review", "returned": "Returned for changes"}
    for rec in ("15", "16", "25"):
        rows = read.table(f"Recommendation {rec}: every force area by status")
        assert sorted(r["Force area"] for r in rows) == sorted(s.name for s in played.sent.values()), "all 43 named"
        for row in rows:
            sent = next(s for s in played.sent.values() if s.name == row["Force area"])
            if sent.state != "accepted":
                assert row["Status"] == waiting.get(sent.state, "Not returned")
                continue
            v = sent.answers.values
            status = v.get(f"rec{rec}_status")
            assert row["Status"] == (
                QUESTIONS[f"rec{rec}_status"].label_of(status) if status else "Not answered in the return"
            )
            date = v.get(f"rec{rec}_date")
            assert row["Completed on (or planned for)"] == (long_date(dt.date.fromisoformat(date)) if date else "")
            assert row["Outcome"] == v.get(f"rec{rec}_outcome", "")
        order = [r["Status"] for r in rows]
        assert order.index("Not returned") > max(i for i, s in enumerate(order) if s == "Complete"), "by status"
        complete = [r["Force area"] for r in rows if r["Status"] == "Complete"]
        assert complete == sorted(complete), "alphabetical within each status"


def test_each_theme_counts_what_the_accepted_returns_answered(generated_round):
    played, made = generated_round
    read = Read(_docx(made))
    accepted = played.accepted

    def counted(caption: str) -> dict[str, int]:
        return {row["Answer"]: int(row["Force areas"]) for row in read.table(caption)}

    for caption, key in (
        ("How independent stalking advocacy is provided", "isa_model"),
        ("Stalking services commissioned jointly", "cocom_status"),
        ("Information-sharing agreements", "sharing_status"),
        ("Independent reviews", "scrutiny_review"),
        ("Stalking training or awareness", "training_status"),
    ):
        q = QUESTIONS[key]
        expected = collections.Counter(q.label_of(s.answers.values[key]) for s in accepted if s.answers.values.get(key))
        silent = sum(1 for s in accepted if not s.answers.values.get(key))
        if silent:
            expected["Not answered in the return"] = silent
        assert counted(caption) == dict(expected), caption
    for caption, key in (
        ("Who the offices commission", "cocom_partners"),
        ("What the police and the providers share", "sharing_what"),
        ("Who the training", "training_for"),
    ):
        q = QUESTIONS[key]
        expected = collections.Counter(
            q.label_of(part)
            for s in accepted
            for part in dict.fromkeys(p.strip() for p in s.answers.values.get(key, "").split(";") if p.strip())
        )
        got = {k: v for k, v in counted(caption).items() if k != "Not answered in the return"}
        assert got == dict(expected), caption

    trained = sum(int(s.answers.values["training_count"]) for s in accepted if s.answers.values.get("training_count"))
    assert f"{trained:,} in all" in read.text
    contracts = sum(
        int(s.answers.values["cocom_contracts"]) for s in accepted if s.answers.values.get("cocom_contracts")
    )
    assert f"{contracts} contracts in all" in read.text or f"{contracts} contract in all" in read.text


def test_the_national_picture_adds_up_to_the_returns(generated_round):
    played, made = generated_round
    read = Read(_docx(made))
    accepted = played.accepted
    regions = {row["Region"]: row for row in read.table("Advocate posts (FTE) and advocates (headcount) by region")}
    fte = sum(float(s.answers.values["isa_fte"]) for s in accepted if s.answers.values.get("isa_fte"))
    heads = sum(int(s.answers.values["isa_headcount"]) for s in accepted if s.answers.values.get("isa_headcount"))
    total = regions["England and Wales"]
    assert (total["Force areas asked"], total["Accepted returns"]) == ("43", str(len(accepted)))
    assert total["Advocate posts (FTE)"] == f"{fte:g}" and total["Advocates (headcount)"] == str(heads)
    assert sum(
        float(r["Advocate posts (FTE)"])
        for k, r in regions.items()
        if k != "England and Wales" and r["Advocate posts (FTE)"] != "not stated"
    ) == pytest.approx(fte)

    services = [row for s in accepted for row in s.answers.rows.get("funded_services", []) if row.get("service")]
    ends = [dt.date.fromisoformat(r["end_date"]) for r in services if r.get("end_date") not in (None, "", "ongoing")]
    edge = rules.next_cliff_edge(ends, played.as_at)
    ending = [r for r in services if r.get("end_date") == edge.isoformat()]
    assert f"The next cliff edge is {long_date(edge)}: {len(ending)} funded services" in read.text
    listed = read.table(f"Funded services ending on {long_date(edge)}")
    assert sorted(r["Service"] for r in listed) == sorted(r["service"] for r in ending)
    label = LISTINGS["funded_services"].column("funder").label_of
    shared: dict[str, int] = collections.defaultdict(int)
    for r in ending:
        if str(r.get("amount", "")).isdigit():
            shared[label(r["funder"])] += int(r["amount"])
    by_funder = {
        row["Funder"]: row["Annual amount shared"]
        for row in read.table(f"Funded services ending on {long_date(edge)}, by funder")
    }
    assert {k: v for k, v in by_funder.items() if v != "none shared"} == {k: f"£{v:,}" for k, v in shared.items()}


def test_examples_are_quoted_only_with_consent_and_cited_to_force_office_signer_and_date(generated_round):
    played, made = generated_round
    read = Read(_docx(made))
    quoted = 0
    for sent in played.sent.values():
        if not sent.answers:
            continue
        for key, text in sent.answers.values.items():
            if not key.endswith("_example") or not text:
                continue
            consented = sent.answers.values.get(f"{key}_consent") == "yes"
            if sent.state == "accepted" and consented:
                line = next(p.text for p in read.doc.paragraphs if text in p.text)
                assert sent.name in line and f"signed off by {sent.answers.values['signed_off_by']}" in line, line
                assert re.search(r"\d{1,2} \w+ \d{4}\)$", line), "and the date"
                quoted += 1
            else:
                assert text not in read.all_text, f"{sent.name}: quoted without consent or an accepted return"
    assert quoted > 5


def test_what_changed_lists_only_changes_by_theme(generated_round):
    played, made = generated_round
    read = Read(_docx(made))
    bodies = {row["Force area"]: row["Now"] for row in read.table("Commissioning bodies that changed")}
    expected = {
        s.name: s.answers.values["body_name"]
        for s in played.accepted
        if s.answers.values["body_name"].endswith("Policing Board")
    }
    assert bodies == expected
    newly = read.table("Newly funded services")
    added = {
        (s.name, r["service"])
        for s in played.accepted
        for r in s.answers.rows["funded_services"]
        if not r.get("stream_id")
    }
    assert {(r["Force area"], r["Service"]) for r in newly} == added
    ended = read.table("Services that ended")
    assert all(r["Now"].startswith("Ended") or "(ended)" in r["Now"] for r in ended)
    assert "Previous editions: the APCC's response of 19 December 2024" in read.text


def test_no_internal_code_appears_and_every_table_has_its_data(generated_round):
    played, made = generated_round
    read = Read(_docx(made))
    header_footer = " ".join(p.text for s in read.doc.sections for p in (*s.header.paragraphs, *s.footer.paragraphs))
    everything = read.all_text + "\n" + header_footer
    assert not ONS_CODE.search(everything), ONS_CODE.search(everything)
    found = [k for k in KEYS if k in everything] + [k for k in _underscored_keys() if k in everything]
    assert found == [], found
    assert "APCC 19 December 2024" not in everything
    with zipfile.ZipFile(io.BytesIO(made.data)) as zf:
        csvs = [n for n in zf.namelist() if n.startswith("data/") and n.endswith(".csv")]
    assert len(csvs) == len(read.captions) + 1, "one CSV per table, and the round's status"
    footer = "".join(s.footer._element.xml for s in read.doc.sections)
    assert "PAGE" in footer and "NUMPAGES" in footer, "page numbers"
    assert played.round_id and "Draft collective response" in header_footer, "a running header"
    assert "TOC \\o" in read.doc.element.xml, "a contents list"


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.browser
@pytest.mark.libreoffice
def test_the_report_has_its_charts_and_every_page_is_kept_as_a_picture(generated_round, tmp_path):
    drives("browser")
    drives("libreoffice")
    from exports import images

    require(images.image_export_available(), images.UNAVAILABLE_MESSAGE)
    office = soffice()
    require(office is not None, "LibreOffice is not installed (Debian: apt-get install libreoffice-writer)")
    require(shutil.which("pdftoppm") is not None, "pdftoppm is not installed (Debian: apt-get install poppler-utils)")
    played, _ = generated_round
    made = report.build(REVIEWER_ACTOR, played.round_id, images_wanted=True)
    data = _docx(made)
    read = Read(data)
    assert len(read.doc.inline_shapes) >= 2, "at least two charts, embedded as images"
    with zipfile.ZipFile(io.BytesIO(made.data)) as zf:
        assert len([n for n in zf.namelist() if n.startswith("charts/") and n.endswith(".png")]) >= 2
    source = tmp_path / "round-report.docx"
    source.write_bytes(data)
    done = subprocess.run(
        [
            office,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    pdf = tmp_path / "round-report.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    shutil.copy(pdf, ARTIFACTS / "round-report.pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(ARTIFACTS / "page")], check=True, timeout=300)
    pages = sorted(ARTIFACTS.glob("page-*.png"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert len(pages) == count > 5, "a picture of every page"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert f"Page 1 of {count}" in text and f"Page {count} of {count}" in text, "page numbers, worked out"
        assert "Draft collective response" in text


def test_the_report_sets_need_beside_provision_once_demand_is_imported(sandbox, tmp_path):  # noqa: F811
    """Issue 27's figures have their place under The national picture: by region, with their source and
    caveats, once the official tables are imported; until then the draft says they are not."""
    from demand import store
    from etl import pipeline
    from tests import demand_files
    from tests.test_rounds import herts_answers
    from tests.workflow_fixtures import HERTS, HERTS_OFFICE, open_round
    from workflow import review, submitting

    round_ = open_round(sandbox, [HERTS])
    sub = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=herts_answers(round_, isa_fte="3.5"))
    review.accept(REVIEWER_ACTOR, sub.submission_id)
    before = Read(_docx(report.build(REVIEWER_ACTOR, round_.round_id, images_wanted=False)))
    assert (
        "Recorded stalking per force area (the Home Office's police recorded crime tables) is not imported"
        in before.text
    )

    store.import_files(demand_files.official_files(tmp_path), database=sandbox.database, released=dt.date(2025, 6, 26))
    pipeline.build(sandbox.data_dir, sandbox.database)
    after = Read(_docx(report.build(REVIEWER_ACTOR, round_.round_id, images_wanted=False)))
    (caption,) = [c for c in after.tables if c.startswith("Demand beside provision")]
    areas = {row["Area"]: row for row in after.tables[caption]}
    assert "England and Wales" in areas and "East of England" in areas
    assert areas["East of England"]["Advocate posts (FTE)"] == "3.5"
    assert "Recorded crime is not prevalence" in after.text


def test_the_report_holds_when_nobody_returned(sandbox):  # noqa: F811
    from tests.workflow_fixtures import open_round

    round_ = open_round(sandbox)
    read = Read(_docx(report.build(REVIEWER_ACTOR, round_.round_id, images_wanted=False)))
    assert [h for h in SECTIONS if h in read.headings] == SECTIONS
    rate = {row[""]: (row["Force areas"], row["Share"]) for row in read.table("Response rate")}
    assert rate["Submitted a return"] == ("0", "0%") and rate["Return accepted"] == ("0", "0%")
    for rec in ("15", "16", "25"):
        rows = read.table(f"Recommendation {rec}: every force area by status")
        assert len(rows) == 43 and {r["Status"] for r in rows} == {"Not returned"}
    assert "No return was accepted, so nothing is compared." in read.text
    assert "No chart: no return was accepted." in read.text


def test_the_report_holds_for_bare_and_unusual_answers(sandbox):  # noqa: F811
    """A return that answers only what it must, and one whose words hold quotes, ampersands, brackets,
    a link and a paragraph break: the report counts the first as not answered on every theme, and shows
    the second's words as written, in the document and in its CSV."""
    from etl.questions import Answers
    from tests.workflow_fixtures import ESSEX, open_round
    from workflow import access, review, submitting

    gwent = "W15000002"
    round_ = open_round(sandbox, [gwent, ESSEX])
    prefilled = submitting.prefilled(round_, gwent)[0].values
    bare = Answers(
        gwent,
        {
            "as_at": prefilled["as_at"],
            "body_name": prefilled["body_name"],
            "body_kind": prefilled["body_kind"],
            "submitted_by": "A Officer",
            "signed_off_by": "B Chief",
            "isa_model": "not known",
            "funding_none": "none stated",
        },
    )
    odd = submitting.prefilled(round_, ESSEX)[0]
    outcome = "Review “done” ✓ — 1+1 = 2 & more [see](http://example.org) *now*"
    odd.values.update(
        submitted_by="Jo «Bloggs» & co",
        signed_off_by="Chief <Executive>",
        rec15_status="complete",
        rec15_outcome=outcome,
        advocacy_example="First paragraph.\n\nSecond — with “quotes”, <b>tags</b> & *stars*.",
        advocacy_example_consent="yes",
    )
    for code, answers in ((gwent, bare), (ESSEX, odd)):
        sub = submitting.submit(
            access.Actor(f"o-{code}@example.org", access.OFFICE, code), round_.round_id, code, answers=answers
        )
        review.accept(REVIEWER_ACTOR, sub.submission_id)
    made = report.build(REVIEWER_ACTOR, round_.round_id, images_wanted=False)
    read = Read(_docx(made))
    co = {row["Answer"]: row["Named"] for row in read.table("Stalking services commissioned jointly")}
    assert list(co) == ["Not answered in the return"] and "Gwent" in co["Not answered in the return"]
    (essex,) = [r for r in read.table("Recommendation 15: every force area by status") if r["Force area"] == "Essex"]
    assert essex["Outcome"] == outcome
    assert "First paragraph. Second — with “quotes”, <b>tags</b> & *stars*." in read.text
    assert "signed off by Chief <Executive>" in read.text
    with zipfile.ZipFile(io.BytesIO(made.data)) as zf:
        assert outcome in zf.read("data/recommendation-15-by-force.csv").decode("utf-8-sig")
