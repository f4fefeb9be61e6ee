"""Plain words and links (issue 26, item 6): a short glossary on every page, the terms expanded where a
page first uses them, one name for the advocate role (ISA, with the sources' ISAC explained), and every
citation of a document with a web address links to it."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from core import paths, queries, rules
from tests.workflow_fixtures import ADMIN_ACTOR, ESSEX, HERTS, open_round, sandbox, signed_in_app  # noqa: F401 - sandbox is a fixture
from ui import evidence_view, glossary
from ui.evidence_view import md_escape
from ui.site import PAGES

PUBLIC = [p for p in PAGES if p.role is None]
SIGNED_IN = [p for p in PAGES if p.role is not None]


def open_page(script: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(paths.REPO_ROOT / "app.py"), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if script != PAGES[0].script:
        at.switch_page(script)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("spec", PUBLIC, ids=lambda p: p.url_path)
def test_every_page_has_the_short_glossary_in_its_sidebar(built_db, spec):
    at = open_page(spec.script, {"force": "E23000027"} if spec.script.endswith("force_profile.py") else None)
    assert_short_glossary(at, spec.url_path)


def assert_short_glossary(at: AppTest, where: str) -> None:
    (words,) = [e for e in at.sidebar.expander if e.label == "Words used here"]
    text = " ".join(m.value for m in words.markdown).replace("\\", "")
    for term in glossary.KEY_TERMS:
        assert f"**{term}**" in text, (where, term)
    assert "independent stalking advocate" in text and "ISAC" in text, "ISA, with the sources' ISAC explained"
    links = [link.proto.page for link in words.get("page_link")]
    assert links == ["data-and-methods"], "every definition, one click away"


@pytest.mark.parametrize("spec", SIGNED_IN, ids=lambda p: p.url_path)
def test_every_signed_in_page_has_the_short_glossary_too(sandbox, spec):  # noqa: F811
    """The office, reviewer and admin pages (an admin reaches them all) carry it as the public ones do."""
    open_round(sandbox, [HERTS, ESSEX])
    at = signed_in_app(ADMIN_ACTOR.email)
    at.switch_page(spec.script)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert_short_glossary(at, spec.url_path)


def _plain(text: str) -> str:
    """Markdown as a reader sees it: md_escape's spans and backslashes undone."""
    text = re.sub(r":color\[\\?(.)\]", r"\1", text)
    return re.sub(r"\\(.)", r"\1", text)


def _main_texts(at: AppTest) -> list[str]:
    """The text of every element in the page's main area, in page order (labels, values, help)."""
    out: list[str] = []

    def walk(node) -> None:
        for attr in ("label", "value", "help"):
            value = getattr(node, attr, None)
            if isinstance(value, str) and value:
                out.append(_plain(value))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at.main)
    return out


def _used(term: str, text: str) -> bool:
    return re.search(rf"(?<![A-Za-z-]){re.escape(term)}(?:s|'s|’s)?(?![A-Za-z])", text) is not None


def assert_each_term_expanded_at_its_first_use(at: AppTest, where: str) -> None:
    """For each key term the page's main area uses, the element where it first appears, or one
    before it, expands it (glossary.first_use, or the glossary's own entry on Data and methods)."""
    texts = _main_texts(at)
    for term in glossary.KEY_TERMS:
        first = next((i for i, t in enumerate(texts) if _used(term, t)), None)
        if first is None:
            continue
        line = glossary.first_use(term)
        entry = (f"**{term}** (", f"**{term}**:")
        assert any(line in t or t.startswith("- **") and any(e in t for e in entry) for t in texts[: first + 1]), (
            f"{where}: {term} first used in {texts[first][:160]!r} unexpanded"
        )


@pytest.mark.parametrize("spec", PUBLIC, ids=lambda p: p.url_path)
def test_each_term_is_expanded_where_a_page_first_uses_it(built_db, spec):
    at = open_page(spec.script, {"force": "E23000027"} if spec.script.endswith("force_profile.py") else None)
    assert_each_term_expanded_at_its_first_use(at, spec.url_path)


@pytest.mark.slow
def test_each_term_is_expanded_where_each_force_profile_first_uses_it(built_db):
    """The terms a profile uses depend on the force's evidence: all 43."""
    codes = list(queries.forces()["pfa_code"])
    assert len(codes) == 43
    names = dict(zip(queries.forces()["pfa_code"], queries.forces()["short_name"]))
    at = open_page("app_pages/force_profile.py", {"force": codes[0]})
    for code in codes:
        at.query_params["force"] = code  # a new link: the profile follows it
        at.run()
        assert not at.exception, (code, [e.value for e in at.exception])
        assert at.title[0].value == names[code]
        assert_each_term_expanded_at_its_first_use(at, code)


def test_the_first_use_lines_say_what_the_sources_say():
    assert glossary.first_use("ISA").startswith("ISA: independent stalking advocate (the 2024 sources say ISAC")
    assert glossary.first_use("ISAC") == glossary.first_use("ISA"), "one line for the two names of one role"


def test_the_product_names_the_role_isa_and_keeps_isac_for_the_sources_words():
    assert rules.ISAC.label == "ISA provision"
    assert "ISAs" in rules.MEASURES["isac"].label and "ISAC" not in rules.MEASURES["isac"].label
    assert rules.ATTRIBUTE_LABELS["isac_count"] == "Stalking advocate (ISA) posts"
    assert "ISACs within wider services" in rules.ISAC.statuses, "the sources' category, kept as written"


def test_every_source_but_one_has_its_web_address_and_citations_show_it(built_db):
    """The APCC, Home Office and College of Policing pages (checked by hand against the public pages);
    the Home Secretary's reply to the coroner has no address known for certain, so it has none."""
    sources = queries.sources().set_index("source_id")
    with_url = sources["url"].dropna()
    assert set(with_url.index) == {
        "apcc-response-2024-12",
        "apcc-letter-2024-11",
        "govt-response-2024-11",
        "college-news-2024-12",
    }
    assert all(
        u.startswith(("https://www.gov.uk/government/publications/", "https://www.college.police.uk/"))
        for u in with_url
    )
    address = sources.loc["apcc-response-2024-12", "url"]
    shown = f"[{md_escape(address)}]({address})"  # the address as written, never an autolink of data text
    at = open_page("app_pages/force_profile.py", {"force": "E23000027"})
    text = " ".join(m.value for m in at.markdown)
    assert shown in text, "each quote's citation shows its document's address"
    assert re.search(r"(?<!\]\()(?<!\[)https://", text.replace(shown, "")) is None, "no bare address in the text"
    sidebar = " ".join(m.value for m in at.sidebar.markdown)
    assert f":small[Online: {shown}]" in sidebar, "the sidebar's main source links to it, on every page"
    methods = open_page("app_pages/data_methods.py")
    listed = " ".join(m.value for m in methods.markdown)
    for url in with_url:
        assert f"[{md_escape(url)}]({url})" in listed, url


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/a)](javascript:alert(1)",
        "https://example.org/a b",
        "http://example.org/page",
        "https://example.org/page?q=1",
        "javascript:alert(1)",
        "https://example.org/<b>",
    ],
)
def test_an_address_that_could_carry_markup_is_never_a_link(url):
    assert evidence_view.source_link(url) == ""


def test_tables_and_downloads_that_cite_a_document_give_its_address(built_db):
    """The funded-services and evidence tables (page downloads and the pack's data files) carry each
    row's document address beside its title, '' for a document without one."""
    from exports import briefing_content, table_views

    as_at = queries.source_date()
    urls = queries.sources().set_index("title")["url"]
    streams = queries.funding_streams(as_at)
    evidence = queries.evidence_at(as_at)
    for table in (
        table_views.services_table(streams, as_at),
        briefing_content.evidence_table(evidence),
    ):
        assert len(table) and "Document address" in table.columns
        expected = [u if isinstance(u, str) else "" for u in urls.reindex(table["Document"])]
        assert list(table["Document address"]) == expected
        assert any(a.startswith("https://") for a in table["Document address"])
