"""How quotes reach the page: verbatim, escaped, one markdown element per group."""

from __future__ import annotations

import datetime as dt
import re

from streamlit.testing.v1 import AppTest

from ui.evidence_view import md_escape, quote_markdown

HOSTILE = "**bold** [link](http://example.org) :red[red] <b>html</b> $x$ a_b `code` # heading"


def _row(quote: str, section: str = "Funding") -> dict:
    return {
        "quote": quote,
        "source_id": "apcc",
        "source_title": "APCC response",
        "source_short_title": "APCC response",
        "section": section,
        "source_date": dt.date(2024, 12, 19),
    }


def unsplit(escaped: str) -> str:
    """md_escape's text without the unstyled spans it splits runs of text with (:color[\\x])."""
    return re.sub(r":color\[(\\.)\]", r"\1", escaped)


def test_md_escape_leaves_no_markdown_active_character_unescaped():
    escaped = unsplit(md_escape(HOSTILE))
    for i, char in enumerate(escaped):
        if char in "*[]():<>$_`#!|~{}+-.":
            assert escaped[i - 1] == "\\", f"{char!r} at {i} is not escaped in {escaped!r}"


def test_a_quote_cannot_break_out_of_its_citation_styling():
    # The citation sits inside :gray[:small[...]]; a "]" in the data must not close it early.
    text = quote_markdown(_row(HOSTILE, section="Annex] :red[B"))
    body, citation = text.split("  \n")
    assert body == f"“{md_escape(HOSTILE)}”"
    assert citation.startswith(":gray[:small[— ") and citation.endswith("]]")
    inner = unsplit(citation[len(":gray[:small[") : -2])
    assert "Annex\\] \\:red\\[B" in inner
    assert all(inner[i - 1] == "\\" for i, c in enumerate(inner) if c in "[]")


def test_quotes_shows_each_distinct_quote_once_in_one_element_and_the_rest_behind_an_expander():
    def page():  # AppTest runs this function's source on its own, so it makes its own rows
        import pandas as pd

        from ui import evidence_view

        rows = pd.DataFrame(
            {
                "quote": ["First.", "First.", "Second.", "Third.", "Fourth."],
                "source_id": "apcc",
                "source_title": "APCC response",
                "source_short_title": "APCC response",
                "section": "Funding",
                "source_date": pd.Timestamp("2024-12-19"),
            }
        )
        evidence_view.quotes(rows, show=2)

    at = AppTest.from_function(page)
    at.run()
    assert not at.exception
    assert len(at.markdown) == 2  # the two shown, then the two behind the expander
    shown, rest = at.markdown[0].value, at.markdown[1].value
    assert shown.count("First") == 1 and "Second" in shown and "Third" not in shown
    assert "Third" in rest and "Fourth" in rest
    assert at.expander[0].label == "2 more quotes"
