"""The return asks every theme of the APCC's December 2024 response, each with an example the APCC may
quote only with the office's consent (issue 25, item 1), and tells every problem in words, at its cell
(item 3). The questions are defined once (etl/questions.py) and reach the form, the workbook, the CSV,
the dictionary and the checks from there."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from core import clock, paths, queries
from etl.questions import CONSENTED, EXAMPLE, EXAMPLE_MAX, SECTIONS
from etl.read import read_csv
from intake import forms, templates, workbook
from tests.test_rounds import herts_answers
from tests.workflow_fixtures import (  # noqa: F401 - sandbox is a fixture
    HERTS,
    HERTS_OFFICE,
    REVIEWER_ACTOR,
    open_round,
    sandbox,
    signed_in_app,
)
from workflow import review, submitting

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates

# The themes of the APCC's December 2024 response, and the sections of the return that ask about each.
THEMES_2024 = {
    "Availability of Services": ("advocacy", "programmes"),
    "Co-Commissioning": ("co_commissioning",),
    "Funding": ("funding",),
    "Multi-Agency Working": ("multi_agency",),
    "Data and Information Sharing": ("information_sharing",),
    "Scrutiny and Accountability": ("scrutiny",),
    "Raising Awareness and Training Opportunities": ("awareness_training",),
}
NEW_THEMES = ("co_commissioning", "information_sharing", "scrutiny", "awareness_training")
# Words that must never reach an office: keys of questions and tables, a row 0.
KEYS = re.compile(r"funded_services|signed_off_by|submitted_by|_example|cocom_|:0:|\brow \d+ /")


def theme_answers(round_):
    """Hertfordshire's return with the four new themes answered, an example with consent and one without."""
    return herts_answers(
        round_,
        cocom_status="in place",
        cocom_partners="local authorities; other commissioners",
        cocom_areas="Bedfordshire; Cambridgeshire",
        cocom_contracts="2",
        co_commissioning_example="We commission the stalking service with Bedfordshire's PCC.\n\nOne contract.",
        co_commissioning_example_consent="yes",
        sharing_status="in place",
        sharing_what="referrals; risk assessments",
        scrutiny_means="chief constable meetings",
        scrutiny_review="completed",
        scrutiny_reviewer="Suzy Lamplugh Trust, 2025",
        scrutiny_example="A private account of our review.",
        scrutiny_example_consent="no",
        training_status="commissioned",
        training_for="police",
        training_count="120",
        training_providers="Paladin",
    )


def test_the_return_asks_every_theme_of_the_2024_response_with_an_example_and_consent():
    seeds_themes = set(THEMES_2024)
    keys = {s.key: s for s in SECTIONS}
    attributes = {
        (r["dimension"], r["attribute"]): r["value_type"] for r in read_csv(paths.DATA_DIR / "attributes.csv").rows
    }
    allowed: dict[str, set[str]] = {}
    for r in read_csv(paths.DATA_DIR / "allowed_values.csv").rows:
        allowed.setdefault(r["field"], set()).add(r["value"])
    assert len(seeds_themes) == 7
    for theme, sections in THEMES_2024.items():
        for key in sections:
            section = keys[key]
            kinds = {q.attribute: q for q in section.questions}
            assert EXAMPLE in kinds and CONSENTED in kinds, f"{theme}: an example and the consent to quote it"
            assert kinds[EXAMPLE].max_length == EXAMPLE_MAX == 1000 and kinds[EXAMPLE].kind == "paragraph"
            for q in section.questions:
                if q.dimension is None:
                    continue
                value_type = attributes[(q.dimension, q.attribute)]  # every fact it becomes is in data/
                if value_type.startswith("enum:"):
                    assert set(q.values) <= allowed[value_type[5:]], (q.key, set(q.values) - allowed[value_type[5:]])
                assert len(q.prompt) < 140, f"{q.key}: a short, plain question"


def test_the_new_themes_reach_the_workbook_the_csv_the_dictionary_and_the_checks(sandbox):
    round_ = open_round(sandbox, [HERTS])
    book = openpyxl.load_workbook(io.BytesIO(submitting.template(HERTS_OFFICE, round_.round_id, HERTS)))
    dictionary = paths.DICTIONARY_MD.read_text(encoding="utf-8")
    for key in NEW_THEMES:
        section = next(s for s in SECTIONS if s.key == key)
        sheet = book[workbook.SHEET_NAMES[key]]
        prompts = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
        for q in section.questions:
            assert q.prompt in prompts, f"{q.key} in the workbook"
            assert q.prompt in dictionary, f"{q.key} in data/DICTIONARY.md"

    answers = theme_answers(round_)
    rows, _ = forms.to_rows(answers, "Hertfordshire")
    facts = {(r["dimension"], r["attribute"], r["value"]) for r in rows if r["record"] == "fact"}
    assert ("co_commissioning", "status", "in place") in facts
    assert {
        ("co_commissioning", "partner_area", "Bedfordshire"),
        ("co_commissioning", "partner_area", "Cambridgeshire"),
    } <= facts
    assert (
        "co_commissioning",
        EXAMPLE,
        "We commission the stalking service with Bedfordshire's PCC. One contract.",
    ) in facts
    assert ("information_sharing", "shared", "risk assessments") in facts and (
        "awareness_training",
        "trained",
        "120",
    ) in facts
    assert not any(d == "scrutiny" and a == EXAMPLE for d, a, _ in facts), "no consent: not in the return's rows"
    csv = templates.template_csv(rows).decode("utf-8-sig")
    assert "co_commissioning,,partner_area,Bedfordshire" in csv

    answers.values.pop("co_commissioning_example_consent")
    answers.values["awareness_training_example"] = "x" * (EXAMPLE_MAX + 1)
    answers.values["awareness_training_example_consent"] = "yes"
    answers.values["sharing_status"] = "maybe"
    told = {t.question: t.message for t in forms.tell(forms.check_answers(answers), answers)}
    consent = "Co-commissioning: May the APCC quote your example on co-commissioning and name your office?"
    assert told[consent].startswith("an answer is needed when you give an example")
    too_long = (
        "Awareness and training: An example of your work on awareness and training that the APCC may quote (optional)"
    )
    assert "1,001 characters; at most 1,000" in told[too_long]
    assert "'maybe' is not one of the choices" in next(
        m for q, m in told.items() if "information-sharing agreement" in q
    )


def test_an_example_is_published_only_with_consent_and_every_card_cites_the_offices_words(sandbox):
    round_ = open_round(sandbox, [HERTS])
    sub = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=theme_answers(round_))
    assert review.examples_withheld(sub) == [("Scrutiny and accountability", "A private account of our review.")]
    review.accept(REVIEWER_ACTOR, sub.submission_id)
    facts = queries.facts(clock.today(), HERTS)
    returned = facts[facts["source_id"].str.startswith("return-")]
    example = returned[(returned["dimension"] == "co_commissioning") & (returned["attribute"] == EXAMPLE)]
    assert example["quote"].tolist() == ["We commission the stalking service with Bedfordshire's PCC. One contract."]
    assert returned[(returned["dimension"] == "scrutiny") & (returned["attribute"] == EXAMPLE)].empty
    assert not any("private account" in q for q in facts["quote"]), "an example without consent is never published"
    assert not any(q.startswith("Return submitted by") for q in returned["quote"]), "the office's words, not a stamp"
    status = returned[(returned["dimension"] == "co_commissioning") & (returned["attribute"] == "status")]
    assert status["quote"].iloc[0] == (
        "Does your office commission any stalking service jointly with another body? "
        "Yes, at least one service is commissioned jointly"
    )
    streams = queries.funding_streams(clock.today(), pfa_code=HERTS)
    assert all("funded by" in q for q in streams["quote"]), streams["quote"].tolist()


def as_read(markdown: str) -> str:
    """Escaped text as the reader sees it (ui.evidence_view.md_escape undone)."""
    return re.sub(r"\\(.)", r"\1", re.sub(r":color\[\\?(.)\]", r"\1", markdown))


def _signed(data: bytes, changes: dict[str, object]) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    cells = workbook.answer_cells(book)
    for key, value in {"submitted_by": "Jane Smith, Policy Officer", **changes}.items():
        sheet, cell = cells[key].split("!")
        book[sheet][cell].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_every_problem_in_a_workbook_names_its_cell_and_the_question_in_words(sandbox):
    round_ = open_round(sandbox, [HERTS])
    answers, _ = submitting.prefilled(round_, HERTS)
    service = answers.rows["funded_services"][0]["service"]
    raw = submitting.template(HERTS_OFFICE, round_.round_id, HERTS)
    cells = workbook.answer_cells(openpyxl.load_workbook(io.BytesIO(raw)))
    blank = _signed(raw, {"funded_services#1.funder": None, "signed_off_by": None})
    with pytest.raises(submitting.FormProblems) as err:
        submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, file_bytes=blank, file_name="herts.xlsx")
    lines = [str(p) for p in err.value.problems]
    funder_cell = cells["funded_services#1.funder"]  # the Funder column (F) of the table's first row
    assert funder_cell.startswith("Funding!F")
    row = funder_cell.removeprefix("Funding!F")
    assert (
        f"herts.xlsx:{row}:{funder_cell}: Funded services: Funder, for the service '{service}': an answer is needed"
        in lines
    )
    sign_off = cells["signed_off_by"].split("!")[1]
    assert any(
        line.endswith(f"'Body and sign-off'!{sign_off}: Signed off by (name and role): an answer is needed")
        for line in lines
    ), lines
    assert not [line for line in lines if KEYS.search(line)], lines

    pasted = _signed(raw, {"funded_services#1.funder": "Excellent", "signed_off_by": "Chief Executive"})
    with pytest.raises(submitting.InputError) as err:
        submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, file_bytes=pasted, file_name="herts.xlsx")
    (line,) = [str(p) for p in err.value.problems]
    assert line.startswith(
        f"herts.xlsx:{row}:{funder_cell}: Funded services: Funder: 'Excellent' is not one of the choices"
    )


def test_the_browser_form_lists_every_problem_at_the_top_with_a_link_to_its_question(sandbox):
    open_round(sandbox, [HERTS])
    at = signed_in_app(HERTS_OFFICE.email)
    at.switch_page("app_pages/office_return.py")
    at.run()
    services = at.session_state["rows:funded_services"]
    service = services["service"].iloc[0]
    services.loc[services.index[0], "funder"] = None
    at.session_state["rows:funded_services"] = services
    at.text_input(key="q:submitted_by").set_value("Jane Smith, Policy Officer")
    at.run()
    next(b for b in at.button if b.label == "Submit for review").click().run()
    assert not at.exception, [e.value for e in at.exception]
    summary = as_read(at.error[0].value)
    assert "2 problems; nothing was submitted" in summary, summary
    assert "[Signed off by (name and role)](#q-signed_off_by): an answer is needed" in summary
    assert f"[Funded services: Funder, for the service '{service}'](#q-funded_services)" in summary
    shown = re.sub(r"\]\(#q-[a-z0-9_]+\)", "]", " ".join(as_read(e.value) for e in at.error))
    assert not KEYS.search(shown), shown
    beside = [e.value for e in at.error[1:]]
    assert "an answer is needed" in beside, "and beside the question"


def test_a_secure_service_whose_end_date_has_passed_is_a_warning_not_a_refusal(sandbox):
    round_ = open_round(sandbox, [HERTS])
    answers = herts_answers(round_)
    row = answers.rows["funded_services"][0]
    row.update(status="secure", end_date=f"{round_.as_at.year - 1}-03-31")
    assert not forms.check_answers(answers)
    (warning,) = submitting.warnings(answers)
    assert warning.question == f"Funded services: Status, for the service '{row['service']}'"
    assert warning.message.startswith("marked Secure, but its end date")
    submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=answers)  # taken: it is only a warning
