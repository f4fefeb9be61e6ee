"""Text from a URL, a return or a data file is shown as written (issue 15, item 4).

One escaping function, ui.evidence_view.md_escape, against a corpus of Markdown, autolinks,
line breaks, character references, directives, icons, emoji and typographic replacements:
rendered by Streamlit's real Markdown renderer in Chromium (streamlit.testing does not run
it), every string's text on the page equals the string, no element that formats or fetches
appears, and no request leaves 127.0.0.1. A fast test checks the escaped form without a browser.
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlsplit

import pytest

from tests.browser import CHROMIUM_ARGS, require_browser, streamlit_app
from tests.test_e2e import SCRIPT_DONE
from ui.evidence_view import md_escape

pytestmark = pytest.mark.browser

CORPUS = [
    # URL text (?force=...) and return text from the issue
    "![](//ev.il)",
    "?force=![](//ev.il)",
    "![x](http://ev.il/x.png)",
    "[link](http://ev.il)",
    "[ref][1]\n\n[1]: http://ev.il",
    ":red[red] :blue-background[blue] :green-badge[badge] :rainbow[rainbow] :gray[:small[small]]",
    ":color[x]{foreground=red} :shimmer[x] :help[x]",
    "**bold** *em* _em_ __strong__ ~~strike~~ ~sub~",
    "www.ev.il",
    "Visit www.ev.il/path?q=1 today, or WWW.EV.IL.",
    "https://ev.il",
    "see http://ev.il/a_(b)?c=d#e.",
    "a@ev.il and mailto:a@ev.il",
    "<http://ev.il> <a@ev.il>",
    "Title\r===\r",
    "Title\n===",
    "Title\r\n---\r\n",
    "&amp; &lt;b&gt; &#60;script&#62; &copy; &#x41; &nbsp;",
    # HTML
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '<iframe src="http://ev.il"></iframe>',
    "<!-- comment --> <b>b</b> <a href='http://ev.il'>a</a>",
    # blocks
    "# heading",
    "###### h6",
    "> quote",
    "- item",
    "+ item",
    "* item",
    "1. item",
    "1) item",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "- [ ] task",
    "    indented code",
    "\tindented with a tab",
    "```\nfenced\n```",
    "~~~\nfenced\n~~~",
    "***",
    "___",
    "---",
    "`code`",
    "[^1]\n\n[^1]: a footnote",
    # maths, icons, emoji, Streamlit's own
    "$x^2$ and $$y$$",
    "costs $5 and $6",
    ":material/home: :material_home: :streamlit: :smile: :+1: :red_circle:",
    # typographic replacements
    "a -> b <- c <-> d -- e >= f <= g ~= h",
    "-> at the start",
    "ends with <-",
    "--",
    # backslashes and brackets
    "\\*not em\\*",
    "back\\slash \\",
    "[x]",
    "{}",
    "trailing  ",
    "  leading",
    "line\nbreak",
    "hard  \nbreak",
    "two\n\nparagraphs",
    # ordinary text that must stay as it is
    "O'Neill & Sons — “quotes”, 50% (approx.); a/b",
    "\u0663 \uff13 é 𝔘 ☃",
    "\x1b[31mred\x1b[0m",
    "%3Cscript%3E %20",
    "javascript:alert(1)",
    "a\n= b",
    "x ^ y, 1.5 and 3) three; 2 = 2",
]

FORBIDDEN = "a, img, h1, h2, h3, h4, h5, h6, strong, em, del, iframe, script, code, pre, table, ul, ol, li, blockquote, hr, input, svg, br, [role=img]"


def test_md_escape_escapes_every_construct_without_a_browser():
    for text in CORPUS:
        escaped = md_escape(text)
        bare = re.sub(r":color\[(\\.|(?:&#[0-9]+;)+)\]", r"\1", escaped)  # the unstyled spans that split runs of text
        leftover = re.sub(r"\\[!-/:-@\[-`{-~]|&#[0-9]+;", "", bare)  # escapes and character references
        assert not re.search(r"[\\`*_{}\[\]()#+.!|<>~$&:@-]", leftover), (text, escaped)
        assert "\n" not in escaped and "\r" not in escaped and "\t" not in escaped
        # Each run of text between the splitting spans is what Streamlit's rewriting sees: none
        # holds a link, an e-mail address, an icon, an emoji or an arrow to rewrite.
        for run in re.split(r":color\[(?:\\.|(?:&#[0-9]+;)+)\]", escaped):
            plain = html.unescape(re.sub(r"\\(.)", r"\1", run)).lower()
            for pattern in ("www.", ":", "@", "->", "<-", "--", ">=", "<=", "~="):
                assert pattern not in plain, (text, escaped, run)
    assert md_escape("&amp;") == "\\&amp;"
    assert md_escape("a\r===\r") == "a:color[&#13;]:color[\\=]:color[\\=]:color[\\=]:color[&#13;]"


@pytest.fixture(scope="module")
def corpus_page(tmp_path_factory):
    require_browser()
    corpus = tmp_path_factory.mktemp("corpus") / "corpus.json"
    corpus.write_text(json.dumps(CORPUS), encoding="utf-8")
    env = {"STALKING_MARKDOWN_CORPUS": str(corpus)}
    with streamlit_app("tests/markdown_corpus_page.py", corpus.with_name("streamlit.log"), env) as base:
        yield base


def test_every_string_is_shown_as_written_in_the_browser(corpus_page):
    from playwright.sync_api import sync_playwright

    off_host: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=require_browser(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})

            def record(request) -> None:
                url = urlsplit(request.url)
                if url.scheme in ("http", "https", "ws", "wss") and url.hostname != "127.0.0.1":
                    off_host.append(request.url)

            page.on("request", record)
            page.goto(corpus_page)
            page.wait_for_selector(SCRIPT_DONE, timeout=60_000)
            page.wait_for_selector(f".st-key-sidebar-{len(CORPUS) - 1} [data-testid='stMarkdownContainer']")
            page.wait_for_timeout(500)  # let any image or iframe the Markdown made start its request
            rendered = page.evaluate(
                """([count, forbidden]) => {
                    const out = [];
                    for (let i = 0; i < count; i++) {
                        for (const way of ['markdown', 'caption', 'warning', 'sidebar']) {
                            const box = document.querySelector(`.st-key-${way}-${i}`);
                            const md = box && box.querySelector(
                                '[data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"]');
                            out.push({i, way, text: md ? md.textContent : null,
                                      found: md ? [...md.querySelectorAll(forbidden)].map(e => e.outerHTML) : [],
                                      styled: md ? [...md.querySelectorAll('span[style], span[class]')]
                                          .map(e => e.outerHTML) : []});
                        }
                    }
                    return out;
                }""",
                [len(CORPUS), FORBIDDEN],
            )
        finally:
            browser.close()
    wrong = [
        (CORPUS[r["i"]], r["way"], r["text"], r["found"], r["styled"])
        for r in rendered
        if r["text"] != CORPUS[r["i"]] or r["found"] or r["styled"]
    ]
    assert not wrong, "\n".join(repr(w) for w in wrong)
    assert off_host == [], off_host
