"""How a quote and its citation appear on a page: verbatim, escaped, with document, section and date.

Data text is never passed as HTML; it goes through markdown escaped by md_escape, the
one escaping function for text from a URL, a return or a data file, so a quote is shown
exactly as written.
"""

from __future__ import annotations

import functools
import re

import pandas as pd
import streamlit as st

from core.text import long_date, web_address
from ui import cached_queries as data

# Every piece of text that comes from a URL, a return or a data file reaches a page through
# md_escape: Streamlit renders all of it as Markdown (st.markdown, st.caption, st.warning,
# widget labels), so each construct that could change the text is undone here:
#   - every character Markdown gives a meaning is backslash-escaped: no emphasis, link, image,
#     heading, list, table, code, HTML, maths, directive (:red[...]) or character reference
#     (&amp; stays "&amp;"); commas, quotes, slashes and the like are left as they are;
#   - line breaks, tabs and leading or trailing spaces become character references, so they
#     stay in the text but make no structure (no "\r===\r" heading, no indented code); a line
#     break sits in an unstyled span of its own (below), or the spaces beside it would be trimmed;
#   - what Streamlit's renderer rewrites after parsing, in a run of text, is broken into
#     separate runs by wrapping one character in an unstyled span (:color[...] with no colour):
#     a colon (https:// links, :streamlit:, :material_icon:, :emoji:), an at sign (e-mail
#     links), the dot of "www." (www links), and each character of -> <- <-> -- >= <= ~= (which
#     become arrows and dashes). The text a reader sees, and the page's text, are unchanged.
# tests/test_markdown_corpus.py renders a corpus of such strings in a real browser.
_MARKDOWN = re.compile(
    r"(?i)(?P<www>(?<=www)\.)"  # the dot of www.
    r"|(?P<run>[-<>=~]{2,})"  # arrows, dashes, comparisons
    r"|(?P<split>[:@])"  # links, e-mail, icons, emoji
    r"|(?P<punct>[\\`*_{}\[\]()#+.!|<>~$&-])"  # every other character Markdown gives a meaning
    r"|(?P<line>\r\n?|\n)"
    r"|(?P<tab>\t)"
)


def _split(char: str) -> str:
    return f":color[\\{char}]"


def _markdown_free(match: re.Match) -> str:
    kind, text = match.lastgroup, match.group()
    if kind == "punct":
        return "\\" + text
    if kind == "run":
        return "".join(_split(c) for c in text)
    if kind in ("www", "split"):
        return _split(text)
    if kind == "line":  # in a span of its own, so the renderer trims no space beside it
        return ":color[&#13;&#10;]" if text == "\r\n" else ":color[&#13;]" if text == "\r" else ":color[&#10;]"
    return "&#9;"


def md_escape(text: object) -> str:
    """Text that Streamlit's Markdown shows exactly as written: no link, image, emphasis, heading,
    HTML, maths, directive, icon, emoji, character reference or typographic replacement.

    The one escaping function for text from a URL, a return or a data file (see _MARKDOWN).
    A NUL character is shown as U+FFFD, as every Markdown renderer must."""
    text = str(text)
    body = text.strip(" ")
    lead, trail = len(text) - len(text.lstrip(" ")), len(text) - len(text.rstrip(" "))
    if not body:
        return "&#32;" * len(text)
    return "&#32;" * lead + _MARKDOWN.sub(_markdown_free, body) + "&#32;" * trail


def source_link(url: object) -> str:
    """A document's web address as a Markdown link that shows the address as written, or '' when
    it has none. The target is used only when it is a plain https address (core.text.WEB_ADDRESS:
    no character that could close the link or carry markup; etl/validate.py refuses any other in
    data/sources.csv); the words shown go through md_escape, so no autolink or typography
    rewrites them."""
    address = web_address(url.strip() if isinstance(url, str) else url)
    return f"[{md_escape(address)}]({address})" if address else ""


@functools.lru_cache(maxsize=8)
def _urls(version: str) -> dict[str, str]:
    sources = data.sources()
    return {sid: u for sid, u in zip(sources["source_id"], sources["url"]) if isinstance(u, str) and u}


def main_source_link() -> str:
    """The link to the main document (the one published on the source edition's date), or ''."""
    sources = data.sources()
    main = sources[pd.to_datetime(sources["published"]).dt.date == data.source_date()]
    return source_link(main["url"].iloc[0]) if len(main) else ""


def citation(row) -> str:
    """'Short title, 19 December 2024 · Section' for a row with the source's titles, section and date.

    The full title of each document is on the Data and methods page and in every export."""
    date = row["source_date"]
    when = long_date(date) if hasattr(date, "year") else str(date)
    title = row.get("source_short_title") or row["source_title"]
    return f"{title}, {when} · {row['section']}"


def quote_markdown(row, *, label: str | None = None) -> str:
    """One verbatim quote and, on the line below in small grey text, its citation.

    Markdown text rather than elements: a page shows dozens of quotes, and each
    Streamlit element costs the browser time to draw (one element per quote, not
    two, and one per group of quotes where they sit together)."""
    prefix = f"**{md_escape(label)}:** " if label else ""
    url = row.get("source_url") if "source_url" in row else _urls(data.database_version()).get(row.get("source_id"))
    link = source_link(url)
    return f"{prefix}“{md_escape(row['quote'])}”  \n:gray[:small[— {md_escape(citation(row))}{' · ' + link if link else ''}]]"


def quote(row, *, label: str | None = None) -> None:
    """One verbatim quote with its citation."""
    st.markdown(quote_markdown(row, label=label))


def quotes(rows: pd.DataFrame, *, label_column: str | None = None, show: int | None = None) -> None:
    """Each distinct quote once, in order; beyond `show`, the rest behind an expander."""
    seen: set[tuple[str, str]] = set()
    # Plain dicts of the columns used, made a column at a time: iterrows (a Series per
    # row) or to_dict("records") cost milliseconds per call, and a page makes hundreds.
    columns = ["quote", "source_id", "source_title", "source_short_title", "source_url", "section", "source_date"]
    columns = [c for c in dict.fromkeys(columns + ([label_column] if label_column else [])) if c in rows.columns]
    distinct = []
    for values in zip(*(rows[c].tolist() for c in columns)):
        row = dict(zip(columns, values))
        key = (row["quote"], row["source_id"])
        if key not in seen:
            seen.add(key)
            distinct.append(row)
    shown = distinct if show is None else distinct[:show]

    def block(group: list[dict]) -> str:
        return "\n\n".join(quote_markdown(row, label=row[label_column] if label_column else None) for row in group)

    if shown:
        st.markdown(block(shown))
    rest = distinct[len(shown) :]
    if rest:
        with st.expander(f"{len(rest)} more quote{'s' if len(rest) != 1 else ''}"):
            st.markdown(block(rest))


def not_reported(force_name: str, what: str) -> None:
    """The honest empty state: silence in the source is not a gap in provision."""
    st.markdown(
        f"**Not reported.** The sources do not quote {md_escape(force_name)} on {md_escape(what)}. "
        "That is not the same as having none: the APCC response quotes some force areas on each "
        "theme as illustrations."
    )
