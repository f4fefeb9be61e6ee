"""No signed-in page renders a person's text as Markdown or HTML (issue 28, item 2), in AppTest.

Everything a person types reaches the pages: a round's title (the admin), every text answer and
listing cell of a return, its file's name and its evidence (the office), a reviewer's comment, the
name and e-mail address an identity provider asserts, and the problems that quote them. With each
holding Markdown, HTML, links, images, directives and maths, every page of every role is drawn and
no element Streamlit renders as Markdown (markdown, caption, alerts, headings, metric, expander and
tab labels, widget labels, toasts) carries any of that text unescaped: it went through
ui.evidence_view.md_escape. Elements that show text as text (st.text, st.code, tables, selectbox
options, input values) are not Markdown and are left as they are. The same in a real browser, with
what Streamlit's renderer makes of it: tests/test_markdown_corpus.py.
"""

from __future__ import annotations

import itertools

import pytest

from etl.questions import LISTINGS, SECTIONS
from tests.test_rounds import herts_answers
from tests.workflow_fixtures import (  # noqa: F401 - sandbox is a fixture
    ADMIN_ACTOR,
    HERTS,
    HERTS_OFFICE,
    REVIEWER_ACTOR,
    open_round,
    sandbox,
    signed_in_app,
)
from ui.evidence_view import md_escape
from workflow import review, submitting

pytestmark = pytest.mark.dates

# Each holds a construct Markdown or HTML would act on; none holds a control character (a return refuses them).
HOSTILE = [
    "![x](http://ev.il/i.png)",
    "<img src=http://ev.il/i.png>",
    "**bold** _em_",
    "[link](http://ev.il)",
    ":red[red] :material/home:",
    "$x^2$",
    "# heading",
    "www.ev.il",
    "a@ev.il",
    "a -> b",
    "&amp; &lt;b&gt;",
    "<script>alert(1)</script>",
    "`code`",
    "~~strike~~",
    "| a | b |",
    "<iframe src=http://ev.il></iframe>",
]


def hostile_answers(round_, strings: list[str] | None = None):
    """Hertfordshire's answers with every text answer and every listing's text cells hostile."""
    answers = herts_answers(round_)
    texts = itertools.cycle(strings or HOSTILE)
    for section in SECTIONS:
        for q in section.questions:
            if q.kind == "text":
                answers.values[q.key] = next(texts)[: q.max_length or 400]
        if section.evidence:
            answers.values[section.evidence_key] = next(texts)
        for q in section.questions:  # a theme answered in part needs its required choices answered too
            if q.required and q.kind == "choice" and not answers.values.get(q.key):
                answers.values[q.key] = q.values[-1]
    for key, listing in LISTINGS.items():
        for row in answers.rows.get(key, []):
            for column in listing.columns:
                if column.kind == "text" and row.get(column.key) and not column.key.endswith("_id"):  # ids are keys
                    row[column.key] = next(texts)[: column.max_length or 400]
    return answers


def markdown_bodies(at) -> list[str]:
    """The text of every element of the page Streamlit renders as Markdown."""
    bodies = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "title", "header", "subheader", "toast"):
        bodies += [str(e.value) for e in getattr(at, kind)]
    bodies += [str(m.label) for m in at.metric]
    bodies += [str(e.label) for e in at.expander]
    bodies += [str(t.label) for t in at.tabs]
    for kind in ("button", "text_input", "text_area", "selectbox", "multiselect", "number_input", "date_input"):
        bodies += [str(w.label) for w in getattr(at, kind)]
    return bodies


def unescaped(at) -> list[tuple[str, str]]:
    """(hostile text, element) wherever a hostile text is in a Markdown element other than as md_escape writes it."""
    return [
        (text, body) for body in markdown_bodies(at) for text in HOSTILE if text in body.replace(md_escape(text), "")
    ]


@pytest.fixture
def hostile_round(sandbox):
    """Two open rounds with hostile titles; Hertfordshire's hostile return accepted in the first (so the
    second shows it as previously reported), sent again and returned with a hostile comment."""
    first = open_round(sandbox, [HERTS], title="Round one " + " ".join(HOSTILE[:8]))
    answers = hostile_answers(first)
    sent = submitting.submit(HERTS_OFFICE, first.round_id, HERTS, answers=answers)
    review.accept(REVIEWER_ACTOR, sent.submission_id)
    second = open_round(sandbox, [HERTS], title="Round two " + " ".join(HOSTILE[8:]), days_ago=5)
    second_answers = hostile_answers(second)
    submitting.save_draft(HERTS_OFFICE, second.round_id, HERTS, second_answers)
    sent = submitting.submit(HERTS_OFFICE, second.round_id, HERTS, answers=second_answers)
    review.return_for_changes(REVIEWER_ACTOR, sent.submission_id, "\n".join(HOSTILE))
    from intake import forms, templates

    emailed = templates.template_csv(forms.to_rows(second_answers, HERTS)[0])
    submitting.submit(
        ADMIN_ACTOR, second.round_id, HERTS, file_bytes=emailed, file_name=f"{HOSTILE[1]} {HOSTILE[2]}.csv"
    )
    return first, second


PAGES = {
    HERTS_OFFICE.email: ["app_pages/office_return.py", "app_pages/force_profile.py"],
    REVIEWER_ACTOR.email: ["app_pages/review.py", "app_pages/tracker.py"],
    ADMIN_ACTOR.email: ["app_pages/rounds_admin.py", "app_pages/office_return.py", "app_pages/review.py"],
}


@pytest.mark.parametrize("email", list(PAGES))
def test_no_signed_in_page_renders_a_persons_text_as_markdown(hostile_round, email):
    at = signed_in_app(email, name=HOSTILE[0])
    found = []
    for script in PAGES[email]:
        at.switch_page(script)
        at.query_params["force"] = HERTS
        at.run()
        assert not at.exception, (script, [e.value for e in at.exception])
        found += [(script, *pair) for pair in unescaped(at)]
        rounds_shown = [w for w in at.selectbox if w.key == "office_round"]
        if rounds_shown and len(rounds_shown[0].options) > 1:
            at.selectbox(key="office_round").select_index(1).run()  # the other round too
            found += [(script, *pair) for pair in unescaped(at)]
    assert not found, "\n".join(repr(f) for f in found[:20])


def test_the_titles_and_comments_are_on_the_pages_escaped(hostile_round):
    """The test above would pass on pages that showed nothing: the text is there, as md_escape makes it."""
    first, second = hostile_round
    at = signed_in_app(HERTS_OFFICE.email)
    at.switch_page("app_pages/office_return.py").run()
    shown = " ".join(markdown_bodies(at)) + " ".join(t.value for t in at.text)
    title = at.selectbox(key="office_round").value.title
    assert md_escape(title) in shown, "the chosen round's title, escaped"
    assert any(md_escape(h) in shown for h in HOSTILE), "a previously reported answer, escaped"
    admin = signed_in_app(ADMIN_ACTOR.email)
    admin.switch_page("app_pages/rounds_admin.py").run()
    assert md_escape(first.title) in " ".join(markdown_bodies(admin)) and md_escape(second.title) in " ".join(
        markdown_bodies(admin)
    )


def test_problems_beside_a_question_are_escaped(hostile_round):
    """A problem quotes what was typed: shown beside its question, escaped."""
    _, second = hostile_round
    at = signed_in_app(HERTS_OFFICE.email)
    at.switch_page("app_pages/office_return.py").run()
    chosen = at.selectbox(key="office_round").value
    at.session_state[f"_problems_{chosen.round_id}_{HERTS}"] = [  # as the page keeps a submit's problems
        {
            "key": "isa_providers",
            "anchor": "q-isa_providers",
            "where": f"Advocacy: {HOSTILE[3]}",
            "message": f"'{HOSTILE[1]}' is not a provider",
            "beside": f"'{HOSTILE[1]}' is not a provider",
        },
        {
            "key": "advocacy",
            "anchor": "q-advocacy",
            "where": HOSTILE[4],
            "message": f"'{HOSTILE[0]}' {HOSTILE[2]}",
            "beside": f"'{HOSTILE[0]}' {HOSTILE[2]}",
        },
    ]
    at.run()
    errors = [e.value for e in at.error]
    assert md_escape(f"'{HOSTILE[1]}' is not a provider") in errors, "beside its question"
    assert any(md_escape(f"Advocacy: {HOSTILE[3]}") in e for e in errors), "in the summary at the top"
    assert not unescaped(at)


def test_an_identitys_claimed_name_and_address_are_escaped_in_the_sidebar(sandbox):
    at = signed_in_app("stranger", name=HOSTILE[1], claims={"email": "<img src=http://ev.il/x>@ev.il", "sub": "s1"})
    assert not unescaped(at)
    assert md_escape("<img src=http://ev.il/x>@ev.il") in at.sidebar.caption[0].value
    assert "not on the access list" in at.sidebar.caption[0].value
