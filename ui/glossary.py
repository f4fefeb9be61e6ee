"""Plain words: the abbreviations the pages use, expanded where a page first uses them and kept in
a short glossary in the sidebar of every page (every definition is on Data and methods).

One name for the advocate role: independent stalking advocate (ISA), its statutory name since
2 February 2026. The 2024 sources say independent stalking advocate caseworker (ISAC); the
dashboard keeps ISAC only where it quotes them or uses their categories ("ISACs within wider
services"), and says so where it first names the role. Expansions come from data/glossary.csv,
which expands an abbreviation only as the sources do (tests/test_dataset.py checks); where they
use one without expanding it, the line gives its meaning instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import streamlit as st

from ui import cached_queries as data
from ui.evidence_view import md_escape

# The terms every reader meets, in the order the sidebar and the pages list them.
KEY_TERMS = ("ISA", "ISAC", "MASIP", "DA", "MAPPA", "IDVA", "ISVA")
# How the product writes its own terms where a page first uses them (the others: data/glossary.csv).
FIRST_USE = {
    "ISA": "ISA: independent stalking advocate (the 2024 sources say ISAC, independent stalking advocate caseworker)",
    "MASIP": "MASIP: multi-agency stalking intervention programme",
    "MAPPA": "MAPPA: Multi-Agency Public Protection Arrangements",
}
# The line that expands ISA names ISAC too: one line for the two names of one role.
SAME_LINE = {"ISAC": "ISA"}


def _lower_first(text: str) -> str:
    """'Domestic abuse' -> 'domestic abuse'; a name in capitals ('Independent Domestic Abuse Advocate') stays."""
    return text[:1].lower() + text[1:] if text[1:] == text[1:].lower() else text


def _first_sentence(text: str) -> str:
    """Up to the first full stop that ends a sentence ('reg. 6)' does not)."""
    return re.split(r"\.\s+(?=[A-Z'‘“])", text)[0].rstrip(".")


def first_use(term: str) -> str:
    """How `term` is written where a page first uses it, as plain text: 'DA: domestic abuse',
    'ISVA: a specialist who supports victims of rape and sexual violence (the sources do not expand it)'."""
    term = SAME_LINE.get(term, term)
    if term in FIRST_USE:
        return FIRST_USE[term]
    rows = data.glossary().set_index("term")
    if term not in rows.index:
        return term
    expansion, meaning = rows.at[term, "expansion"], rows.at[term, "meaning"]
    if isinstance(expansion, str) and expansion:
        return f"{term}: {_lower_first(expansion)}"
    if isinstance(meaning, str) and meaning:
        return f"{term}: {_lower_first(_first_sentence(meaning))} (the sources do not expand it)"
    return term


def terms_in(texts: Iterable[object], *, skip: Iterable[str] = ()) -> list[str]:
    """The key terms used in `texts` (as a word, plural or possessive too), in KEY_TERMS order, one
    line each (ISAC goes with ISA), leaving out `skip` (terms a page has expanded already)."""
    joined = "\n".join(t for t in texts if isinstance(t, str))
    done = {SAME_LINE.get(t, t) for t in skip}
    found = []
    for term in KEY_TERMS:
        line = SAME_LINE.get(term, term)
        if line in done or line in found:
            continue
        if re.search(rf"(?<![A-Za-z-]){re.escape(term)}(?:s|'s|’s)?(?![A-Za-z])", joined):
            found.append(line)
    return found


def terms_line(*terms: str) -> str:
    """'ISA: independent stalking advocate (…) · MASIP: …', escaped for a page's caption."""
    return md_escape(" · ".join(first_use(t) for t in dict.fromkeys(SAME_LINE.get(t, t) for t in terms)) + ".")


def _entry(row) -> str:
    expansion = f" ({md_escape(row.expansion)})" if isinstance(row.expansion, str) and row.expansion else ""
    meaning = str(row.meaning) if isinstance(row.meaning, str) else ""
    return f"**{md_escape(row.term)}**{expansion}: {md_escape(_first_sentence(meaning) + '.') if meaning else ''}"


def sidebar() -> None:
    """The short glossary, in the sidebar of every page, with a link to every definition."""
    rows = {r.term: r for r in data.glossary().itertuples()}
    with st.sidebar.expander("Words used here", icon=":material/menu_book:"):
        st.markdown(
            "The dashboard says **ISA** (independent stalking advocate, the role's statutory name); the 2024 "
            "sources say **ISAC** (independent stalking advocate caseworker) for the same role, and their words "
            "are kept where they are quoted."
        )
        st.markdown("\n".join(f"- {_entry(rows[t])}" for t in KEY_TERMS if t in rows))
        st.page_link(
            "app_pages/data_methods.py", label="Every definition, on Data and methods", icon=":material/arrow_forward:"
        )
