"""The return an office fills in (issue 17): the same answers make the same stored return from the
workbook, the browser form and a CSV; a tampered workbook is refused naming the cell; the workbook
opens in LibreOffice."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import openpyxl
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from core import paths
from core.problems import InputError
from intake import forms, templates, workbook
from tests.browser import drives, require
from tests.workflow_fixtures import HERTS, HERTS_OFFICE, REVIEWER_ACTOR, open_round, sandbox, signed_in_app  # noqa: F401
from workflow import review, submitting
from workflow.database import engine

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates

ARTIFACTS = paths.REPO_ROOT / "test-artifacts"
STREAM = "herts-moj-stalking-service"


def answer_cell(book, key: str):
    """The worksheet cell of an answer, as the workbook's manifest records it."""
    spec = workbook.read.__globals__["json"].loads(
        "".join(
            str(book[workbook.MANIFEST].cell(row=r, column=1).value or "")
            for r in range(2, book[workbook.MANIFEST].max_row + 1)
        )
    )
    sheet, cell = spec["answers"][key].split("!")
    return book[sheet][cell]


def filled_workbook(round_) -> bytes:
    """Hertfordshire's workbook, filled in as a user would: FTE changed, a funding end extended,
    Recommendation 15 marked complete, and the return signed."""
    book = openpyxl.load_workbook(io.BytesIO(submitting.template(HERTS_OFFICE, round_.round_id, HERTS)))
    answer_cell(book, "isa_fte").value = 3.5
    row = next(i for i in range(1, 31) if answer_cell(book, f"funded_services#{i}.stream_id").value == STREAM)
    answer_cell(book, f"funded_services#{row}.end_date").value = dt.datetime(2027, 3, 31)
    answer_cell(book, f"funded_services#{row}.status").value = "Secure"
    answer_cell(book, "rec15_status").value = "Complete"
    answer_cell(book, "rec15_date").value = dt.datetime(2026, 6, 30)
    answer_cell(book, "submitted_by").value = "Jane Smith, Policy Officer"
    answer_cell(book, "signed_off_by").value = "Chief Executive, OPCC"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def same_answers(round_):
    answers, _ = submitting.prefilled(round_, HERTS)
    answers.values.update(
        isa_fte="3.5",
        rec15_status="complete",
        rec15_date="2026-06-30",
        submitted_by="Jane Smith, Policy Officer",
        signed_off_by="Chief Executive, OPCC",
    )
    for r in answers.rows["funded_services"]:
        if r["stream_id"] == STREAM:
            r.update(end_date="2027-03-31", status="secure")
    return answers


def office_app() -> AppTest:
    at = signed_in_app(HERTS_OFFICE.email)
    at.switch_page("app_pages/office_return.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_workbook_browser_form_and_csv_make_the_same_stored_return(sandbox):
    round_ = open_round(sandbox, [HERTS])
    at = office_app()
    at.number_input(key="q:isa_fte").set_value(3.5)
    at.selectbox(key="q:rec15_status").set_value("complete")
    at.date_input(key="q:rec15_date").set_value(dt.date(2026, 6, 30))
    at.text_input(key="q:submitted_by").set_value("Jane Smith, Policy Officer")
    at.text_input(key="q:signed_off_by").set_value("Chief Executive, OPCC")
    services = at.session_state["rows:funded_services"]
    services.loc[services["stream_id"] == STREAM, ["end_date", "status"]] = ["2027-03-31", "secure"]
    at.session_state["rows:funded_services"] = services
    at.run()
    next(b for b in at.button if b.label == "Submit for review").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Submitted for review" in s.value for s in at.success), [e.value for e in at.error]
    assert any("sent for review" in i.value for i in at.info), "the page says where the return stands at once"
    assert not [b for b in at.button if b.label == "Submit for review"], "and locks the form"
    from_browser = review.submissions_of(HERTS_OFFICE, round_.round_id, HERTS)[-1]
    rows = from_browser.rows
    assert any(r["attribute"] == "isa_fte" and r["value"] == "3.5" for r in rows)
    assert any(r["stream_id"] == STREAM and r["end_date"] == "2027-03-31" for r in rows)
    assert any(r["item"] == "rec15" and r["attribute"] == "status" and r["value"] == "complete" for r in rows)

    from_workbook = submitting.submit(
        HERTS_OFFICE, round_.round_id, HERTS, file_bytes=filled_workbook(round_), file_name="herts.xlsx"
    )
    assert from_workbook.rows == rows

    csv = templates.template_csv(forms.to_rows(same_answers(round_), "Hertfordshire")[0])
    from_csv = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, file_bytes=csv, file_name="herts.csv")
    assert from_csv.rows == rows

    accepted = review.accept(REVIEWER_ACTOR, from_csv.submission_id)
    assert accepted.state == "accepted"


TAMPERING = {
    "a formula in an answer cell": (lambda book: setattr(answer_cell(book, "isa_fte"), "value", "=1+1"), "a formula"),
    "a value typed into a protected cell": (
        lambda book: book["Advocacy"].__setitem__("B5", "Something else"),
        "Advocacy!B5",
    ),
    "a sheet renamed": (lambda book: setattr(book["Funding"], "title", "Money"), "missing or renamed: Funding"),
    "a sheet deleted": (lambda book: book.remove(book["Recommendations"]), "missing or renamed: Recommendations"),
    "a row inserted above the questions": (lambda book: book["Advocacy"].insert_rows(3), "Advocacy!"),
    "a date typed as text": (
        lambda book: setattr(answer_cell(book, "rec15_date"), "value", "30/06/2026"),
        "is text, not a date",
    ),
    "a dropdown bypassed by pasting": (
        lambda book: setattr(answer_cell(book, "isa_model"), "value", "Excellent"),
        "is not one of the choices",
    ),
}


@pytest.mark.parametrize("case", list(TAMPERING), ids=list(TAMPERING))
def test_a_tampered_workbook_is_refused_naming_the_cell_and_nothing_is_stored(sandbox, case):
    round_ = open_round(sandbox, [HERTS])
    book = openpyxl.load_workbook(io.BytesIO(filled_workbook(round_)))
    change, expected = TAMPERING[case]
    change(book)
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(InputError) as err:
        submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, file_bytes=out.getvalue(), file_name="herts.xlsx")
    lines = [str(p) for p in err.value.problems]
    assert any(expected in line for line in lines), lines
    with engine().connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM submissions")).scalar() == 0


def test_a_workbook_signed_by_another_key_is_refused(sandbox):
    round_ = open_round(sandbox, [HERTS])
    answers, previous = submitting.prefilled(round_, HERTS)
    forged = workbook.build(answers, previous, force_name="Hertfordshire", round_id=round_.round_id, key=b"other")
    with pytest.raises(InputError, match="signature"):
        workbook.read(forged, "forged.xlsx")


def test_the_workbook_asks_in_plain_words_with_dropdowns_dates_and_protection(sandbox):
    round_ = open_round(sandbox, [HERTS])
    book = openpyxl.load_workbook(io.BytesIO(submitting.template(HERTS_OFFICE, round_.round_id, HERTS)))
    assert book.sheetnames == workbook.SHEETS
    advocacy = book["Advocacy"]
    assert [c.value for c in advocacy[4]][1:4] == ["Question", "Previously reported", "Your answer"]
    assert advocacy.protection.sheet and not answer_cell(book, "isa_fte").protection.locked
    assert book["Advocacy"]["B5"].protection.locked
    assert advocacy.data_validations.dataValidation, "dropdowns and number checks"
    assert answer_cell(book, "rec15_date").number_format == workbook.DATE_FORMAT
    assert "Hertfordshire (E23000027)" in str(book["Instructions"]["B3"].value), "the force is locked on the sheet"
    assert book[workbook.MANIFEST].sheet_state == "veryHidden"
    assert answer_cell(book, "isa_model").value == "A dedicated stalking advocacy service", "pre-filled"


def test_not_known_and_prefer_not_to_say_are_stored_as_such_not_as_none(sandbox):
    round_ = open_round(sandbox, [HERTS])
    answers, _ = submitting.prefilled(round_, HERTS)
    answers.values.update(
        isa_model="prefer not to say", programmes_none="not known", submitted_by="J", signed_off_by="C"
    )
    rows, _ = forms.to_rows(answers, "Hertfordshire")
    values = {(r["dimension"], r["attribute"]): r["value"] for r in rows if r["record"] == "fact"}
    assert values[("isac_provision", "status")] == "prefer not to say"
    assert values[("perpetrator_programme", "status")] == "not known"


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.libreoffice
def test_the_workbook_opens_in_libreoffice_and_a_picture_of_it_is_kept(sandbox, tmp_path):
    drives("libreoffice")
    office = soffice()
    require(office is not None, "LibreOffice is not installed (Debian: apt-get install libreoffice-calc)")
    round_ = open_round(sandbox, [HERTS])
    path = tmp_path / "herts.xlsx"
    path.write_bytes(submitting.template(HERTS_OFFICE, round_.round_id, HERTS))
    done = subprocess.run(
        [
            office,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = tmp_path / "herts.pdf"
    assert done.returncode == 0 and pdf.exists() and pdf.stat().st_size > 1000, done.stderr
    assert "repair" not in (done.stdout + done.stderr).lower()
    if shutil.which("pdftoppm"):
        ARTIFACTS.mkdir(exist_ok=True)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "2",
                "-l",
                "2",
                str(pdf),
                str(ARTIFACTS / "return-workbook-advocacy"),
            ],
            check=True,
            timeout=120,
        )
        assert list(ARTIFACTS.glob("return-workbook-advocacy*.png"))


def test_the_office_page_shows_problems_beside_their_question(sandbox):
    open_round(sandbox, [HERTS])
    at = office_app()
    at.text_input(key="q:submitted_by").set_value("")
    at.run()
    next(b for b in at.button if b.label == "Submit for review").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("signed_off_by" in e or "Signed off by" in e for e in errors), errors
