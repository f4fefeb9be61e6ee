"""Text from a URL, a return or a data file is shown as written (issue 15, item 4).

One escaping function, ui.evidence_view.md_escape, against a corpus of Markdown, autolinks,
line breaks, character references, directives, icons, emoji and typographic replacements:
rendered by Streamlit's real Markdown renderer in Chromium (streamlit.testing does not run
it), every string's text on the page equals the string, no element that formats or fetches
appears, and no request leaves 127.0.0.1. A fast test checks the escaped form without a browser.

Then every signed-in page (issue 28, item 2), with real sign-in: what people type on them (a round's
title, a return's text answers, a reviewer's comment), what they send (a file's name, a return's every
text answer and listing cell) and what their identity provider claims (name, address) is shown
exactly as typed on Rounds, Your return, Review returns, the Round tracker, the force profile and the
sidebar, nothing is made of it, and no request leaves 127.0.0.1. Before: a title's image was fetched
from another host on Your return.
"""

from __future__ import annotations

import datetime as dt
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


# ---------------------------------------------------------------- every signed-in page (issue 28, item 2)

# The hostile texts a person types, each between two markers (ZQ<n>S … ZQ<n>E) so the browser can find
# it on the page: the text between them must be exactly what was typed, with nothing made of it.
# (One line each, spaced as a form keeps it: a form trims and a title's spaces are collapsed.)
TYPED = [t for t in CORPUS if t.isprintable() and len(t) <= 60 and t == " ".join(t.split())] + [
    "<img src=http://ev.il/typed.png>",
    '<a href="http://ev.il">a</a> <style>*{background:url(http://ev.il/s)}</style>',
]


def marked(n: int) -> str:
    return f"ZQ{n}S {TYPED[n % len(TYPED)]} ZQ{n}E"


def expected(n: int) -> str:
    return f" {TYPED[n % len(TYPED)]} "


FIND_MARKED = """([numbers, forbidden]) => {
    const nodes = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) nodes.push(walker.currentNode);
    const found = [];
    for (const n of numbers) {
        const start = `ZQ${n}S`, end = `ZQ${n}E`;
        nodes.forEach((node, k) => {
            for (let i = node.data.indexOf(start); i >= 0; i = node.data.indexOf(start, i + 1)) {
                const range = document.createRange();
                range.setStart(node, i + start.length);
                let closed = false;
                for (let m = k; m < nodes.length && !closed; m++) {
                    const j = nodes[m].data.indexOf(end, m === k ? i + start.length : 0);
                    if (j >= 0) { range.setEnd(nodes[m], j); closed = true; }
                }
                const part = closed ? range.cloneContents() : null;
                found.push({n, text: closed ? range.toString() : null,
                            made: part ? [...part.querySelectorAll(forbidden)].map(e => e.outerHTML.slice(0, 200)) : []});
            }
        });
    }
    const urls = [];
    for (const el of document.querySelectorAll('*')) {
        for (const attr of ['src', 'href', 'srcset', 'action', 'formaction', 'poster', 'data', 'background', 'style']) {
            const value = el.getAttribute(attr);
            if (value && /ev\\.il/i.test(value)) urls.push(el.outerHTML.slice(0, 200));
        }
    }
    return {found, urls};
}"""
MADE = FORBIDDEN + ", style, span[style], span[class], img, object, embed"


@pytest.fixture(scope="module")
def signed_in_world(tmp_path_factory):
    """The dashboard with real sign-in (dev/signin's provider) and a round whose return holds typed text."""
    chromium = require_browser()
    from core import clock, paths
    from dev import signin as dev_signin
    from etl import pipeline
    from tests.browser import sign_in
    from tests.test_signed_in_text import hostile_answers
    from ui.health import free_port
    from workflow import database, review, rounds, submitting
    from workflow.access import ADMIN, OFFICE, REVIEWER, Actor

    base = tmp_path_factory.mktemp("signed-in-corpus")
    env = {
        "STALKING_BUILD_DIR": str(base / "build"),
        "STALKING_RETURNS_DIR": str(base / "returns"),
        "STALKING_WORKFLOW_URL": f"sqlite:///{base / 'workflow.sqlite'}",
        "STALKING_ACCESS_FILE": str(base / "access.toml"),
        "STALKING_FORM_KEY": "corpus-form-key",
    }
    issuer, provider = dev_signin.serve(0)
    (base / "access.toml").write_text(dev_signin.access_toml(issuer), encoding="utf-8")
    saved = {k: getattr(paths, k) for k in ("DATABASE", "RETURNS_DIR", "WORKFLOW_URL", "ACCESS_FILE")}
    paths.DATABASE, paths.RETURNS_DIR = base / "build" / "stalking.duckdb", base / "returns"
    paths.WORKFLOW_URL, paths.ACCESS_FILE = env["STALKING_WORKFLOW_URL"], base / "access.toml"
    pipeline.build(paths.DATA_DIR, paths.DATABASE)
    herts = Actor("herts.office@example.org", OFFICE, "E23000027")
    reviewer, admin = Actor("reviewer@example.org", REVIEWER), Actor("admin@example.org", ADMIN)
    today = clock.today()
    # Round one, its hostile return accepted: the next round shows its answers as previously reported.
    first = rounds.open_round(
        admin, marked(0) + marked(1), today - dt.timedelta(days=10), today + dt.timedelta(days=40), ["E23000027"]
    )
    sent = submitting.submit(
        herts, first.round_id, "E23000027", answers=hostile_answers(first, [marked(n) for n in range(10, 40)])
    )
    review.accept(reviewer, sent.submission_id)
    database.dispose_all()
    port = free_port()
    secrets_file = base / "secrets.toml"
    secrets_file.write_text(dev_signin.secrets_toml(issuer, port), encoding="utf-8")
    from playwright.sync_api import sync_playwright

    with streamlit_app("app.py", base / "streamlit.log", env, ("--secrets.files", str(secrets_file)), port=port) as app:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            yield {"app": app, "issuer": issuer, "browser": browser, "sign_in": sign_in, "first": first, "base": base}
            browser.close()
    provider.shutdown()
    for k, v in saved.items():
        setattr(paths, k, v)
    database.dispose_all()


def test_every_signed_in_page_shows_what_people_typed_as_written(signed_in_world):
    """Typed on the pages: a round's title (Rounds), the office's text answers (Your return), a reviewer's
    comment (Review returns); sent: a file's name, a return's every text answer and listing cell; claimed:
    an identity's name and address. On every signed-in page, each is shown exactly as typed, nothing is
    made of it (no image, link, emphasis, heading, style), and no request leaves 127.0.0.1."""
    import json
    import urllib.request

    from playwright.sync_api import expect

    from tests.browser import IDLE
    from tests.test_signed_in_text import hostile_answers
    from workflow import database, rounds, submitting
    from workflow.access import ADMIN, Actor

    world = signed_in_world
    app, issuer = world["app"], world["issuer"]
    off_host: list[str] = []
    problems: list[str] = []
    seen: set[int] = set()

    def tab():
        context = world["browser"].new_context(viewport={"width": 1400, "height": 1000})
        # The provider's own sign-in page asks a CDN for a stylesheet: refused, and not counted.
        context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/]).*"), lambda route: route.abort())
        page = context.new_page()

        def record(request) -> None:
            url, frame = urlsplit(request.url), request.frame.url if request.frame else ""
            if url.hostname not in ("127.0.0.1", None) and not frame.startswith(issuer):
                off_host.append(f"{request.url} (from {frame})")

        page.on("request", record)
        return page

    def idle(page) -> None:
        page.wait_for_selector(IDLE, timeout=120_000)

    def choose_round(page, marker: str) -> None:
        """Pick the round whose title holds `marker` in the page's Round selector (two rounds are open)."""
        chooser = page.get_by_role("combobox", name="Round")
        chooser.wait_for(state="visible", timeout=60_000)
        chooser.click()
        page.keyboard.type(marker)
        page.keyboard.press("Enter")
        idle(page)
        expect(chooser).to_have_value(re.compile(marker), timeout=60_000)
        idle(page)

    def check(page, where: str, must_show: set[int]) -> None:
        page.wait_for_timeout(500)  # let anything the page made start its request
        result = page.evaluate(FIND_MARKED, [list(range(60)), MADE])
        shown = {f["n"] for f in result["found"]}
        seen.update(shown)
        for f in result["found"]:
            if f["text"] != expected(f["n"]) or f["made"]:
                problems.append(f"{where}: ZQ{f['n']} shown as {f['text']!r}, made {f['made']}")
        problems.extend(f"{where}: {u}" for u in result["urls"])
        missing = must_show - shown
        if missing:
            problems.append(f"{where}: not shown at all: {sorted(missing)}")

    # The admin types a round's title on the Rounds page.
    admin = tab()
    world["sign_in"](admin, app, issuer, "admin@example.org")
    admin.goto(f"{app}/rounds")
    idle(admin)
    admin.get_by_role("textbox", name="Title").fill(marked(2) + marked(3))
    admin.get_by_role("button", name="Open the round").click()
    idle(admin)
    check(admin, "Rounds", {0, 1, 2, 3})
    second = next(r for r in rounds.rounds() if "ZQ2S" in r.title)

    # The office types into every text answer of the second round, saves, and sends it.
    office = tab()
    world["sign_in"](office, app, issuer, "herts.office@example.org")
    office.goto(f"{app}/your-return")
    idle(office)
    choose_round(office, "ZQ2S")
    check(office, "Your return (second round)", {2, 3})
    inputs = office.locator('[data-testid="stMain"] [data-testid="stTextInput"] input')
    for i in range(inputs.count()):
        field = inputs.nth(i)
        limit = int(field.get_attribute("maxlength") or 400)
        text = marked(40 + i)
        if len(text) <= limit:
            field.fill(text)
            field.press("Tab")
            idle(office)
    office.get_by_role("button", name=re.compile("Save draft")).click()
    idle(office)
    office.get_by_role("button", name=re.compile("Submit for review")).click()
    idle(office)
    check(office, "Your return (after sending)", {2, 3})

    # Then the office emails it too, under a hostile file name: the admin enters it (superseding the one sent).
    from intake import forms, templates

    emailed = templates.template_csv(
        forms.to_rows(hostile_answers(second, [marked(n) for n in range(10, 40)]), "E23000027")[0]
    )
    submitting.submit(
        Actor("admin@example.org", ADMIN),
        second.round_id,
        "E23000027",
        file_bytes=emailed,
        file_name=f"{marked(4)}.csv",
    )
    database.dispose_all()

    # The reviewer types a comment and returns the emailed return; then the tracker.
    reviewer = tab()
    world["sign_in"](reviewer, app, issuer, "reviewer@example.org")
    reviewer.goto(f"{app}/review-returns")
    idle(reviewer)
    choose_round(reviewer, "ZQ2S")
    check(reviewer, "Review returns", {4})  # the title is in the selector's input, not its text
    reviewer.get_by_role("textbox", name="Comment for the office").first.fill(marked(5))
    reviewer.get_by_role("button", name=re.compile("Return for changes")).first.click()
    idle(reviewer)
    check(reviewer, "Review returns (after returning)", set())
    reviewer.goto(f"{app}/round-tracker")
    idle(reviewer)
    check(reviewer, "Round tracker", {2, 3})

    # The office sees the comment; the profile shows the accepted return's answers.
    office.goto(f"{app}/your-return")
    idle(office)
    choose_round(office, "ZQ2S")
    check(office, "Your return (returned)", {2, 3, 5})
    office.goto(f"{app}/force-profile?force=E23000027")
    idle(office)
    check(office, "Force profile", set())

    # An identity the access list does not name, whose provider claims a hostile name and address.
    claims = {"email": marked(6), "name": marked(7)}
    request = urllib.request.Request(
        f"{issuer}/users/corpus-stranger",
        data=json.dumps(claims).encode(),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=10).close()
    stranger = tab()
    world["sign_in"](stranger, app, issuer, "corpus-stranger")
    check(stranger, "Sidebar of an identity not on the list", {6})

    for page in (admin, office, reviewer, stranger):
        page.context.close()
    assert seen >= {0, 1, 2, 3, 4, 5, 6}, f"some typed text was never on a page: {sorted({0, 1, 2, 3, 4, 5, 6} - seen)}"
    assert any(n >= 10 for n in seen), "the accepted return's answers were never on a page"
    assert not problems, "\n".join(problems[:40])
    assert off_host == [], off_host
