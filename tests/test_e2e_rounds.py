"""A returns round end to end in a real browser (issue 16): real OpenID Connect sign-in against a
local provider (oidc-provider-mock), Playwright driving Debian's chromium, all on 127.0.0.1.

An office signs in, edits its draft and submits; a reviewer returns it with a comment; the office
fixes it and resubmits; the reviewer accepts; the public Overview then shows the new position with
its as-at date; another force's office cannot see or submit it.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import pytest

from core import paths
from tests.browser import CHROMIUM_ARGS, IDLE, require_browser, streamlit_app
from tests.browser import sign_in as browser_sign_in
from tests.test_e2e import ARTIFACTS, settle
from ui.health import free_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A provider, a database with an open round, and the dashboard serving them."""
    chromium = require_browser()
    from dev import signin as dev_signin
    from etl import pipeline
    from workflow import database, rounds
    from workflow.access import ADMIN, Actor

    base = tmp_path_factory.mktemp("rounds-e2e")
    build, returns_dir = base / "build", base / "returns"
    env_paths = {
        "STALKING_BUILD_DIR": str(build),
        "STALKING_RETURNS_DIR": str(returns_dir),
        "STALKING_WORKFLOW_URL": f"sqlite:///{base / 'workflow.sqlite'}",
        "STALKING_ACCESS_FILE": str(base / "access.toml"),
        "STALKING_FORM_KEY": "e2e-form-key",
    }
    issuer, provider = dev_signin.serve(0)
    (base / "access.toml").write_text(dev_signin.access_toml(issuer), encoding="utf-8")  # the demo identities
    saved = {k: getattr(paths, k) for k in ("DATABASE", "RETURNS_DIR", "WORKFLOW_URL", "ACCESS_FILE")}
    paths.DATABASE, paths.RETURNS_DIR = build / "stalking.duckdb", returns_dir
    paths.WORKFLOW_URL, paths.ACCESS_FILE = env_paths["STALKING_WORKFLOW_URL"], base / "access.toml"
    pipeline.build(paths.DATA_DIR, paths.DATABASE)
    made = rounds.open_round(
        Actor("admin@example.org", ADMIN),
        "Stalking services position, March 2027",
        dt.date(2026, 11, 30),
        dt.date(2027, 1, 31),
        ["E23000027", "E23000028"],
    )
    database.dispose_all()

    port = free_port()
    secrets_file = base / "secrets.toml"
    secrets_file.write_text(dev_signin.secrets_toml(issuer, port), encoding="utf-8")
    from playwright.sync_api import sync_playwright

    log = base / "streamlit.log"
    with streamlit_app("app.py", log, env_paths, ("--secrets.files", str(secrets_file)), port=port) as app:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            yield {"app": app, "issuer": issuer, "browser": browser, "round": made, "build": build}
            browser.close()
    provider.shutdown()
    for k, v in saved.items():
        setattr(paths, k, v)


def session(world):
    context = world["browser"].new_context(viewport={"width": 1400, "height": 1000})
    # The provider's own pages ask a CDN for a stylesheet: nothing may leave 127.0.0.1.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/]).*"), lambda route: route.abort())
    return context.new_page()


def idle(page) -> None:
    page.wait_for_selector(IDLE, timeout=60_000)


def sign_in(page, world, email: str) -> None:
    browser_sign_in(page, world["app"], world["issuer"], email)


def go(page, world, path: str) -> None:
    page.goto(f"{world['app']}/{path}")
    idle(page)


def text_of(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_a_round_in_the_browser_from_draft_to_published(world):
    from playwright.sync_api import expect

    office = session(world)
    sign_in(office, world, "herts.office@example.org")
    go(office, world, "your-return")
    expect(office.get_by_role("heading", name="Your return")).to_be_visible()
    office.get_by_role("button", name=re.compile("Submit for review")).click()  # not signed yet
    idle(office)
    expect(office.get_by_text(re.compile("2 problems; nothing was submitted"))).to_be_visible(timeout=30_000)
    link = office.locator('a[href="#q-signed_off_by"]')
    expect(link).to_have_text("Signed off by (name and role)")
    assert office.locator("#q-signed_off_by").count() == 1, "the summary links to the question"
    link.click()
    expect(office.get_by_role("textbox", name=re.compile(r"Signed off by"))).to_be_in_viewport()
    fte = office.get_by_role("spinbutton", name=re.compile("full-time equivalents"))
    fte.fill("2.5")
    fte.press("Tab")
    idle(office)
    office.get_by_role("textbox", name=re.compile("Your name and role")).fill("Jane Smith, Policy Officer")
    office.get_by_role("textbox", name=re.compile(r"Signed off by")).fill("Chief Executive, OPCC")
    office.keyboard.press("Tab")
    idle(office)
    office.get_by_role("button", name=re.compile("Save draft")).click()
    idle(office)
    expect(office.get_by_text("Draft saved")).to_be_visible()
    office.get_by_role("button", name=re.compile("Submit for review")).click()
    idle(office)
    expect(office.get_by_text(re.compile("Submitted for review"))).to_be_visible(timeout=30_000)
    expect(office.get_by_text(re.compile("sent for review"))).to_be_visible()  # the state, at once
    # Locked once sent: waits for the rerun to remove the form (a count taken at once can see the old one).
    expect(office.get_by_role("button", name=re.compile("Submit for review"))).to_have_count(0)

    reviewer = session(world)
    sign_in(reviewer, world, "reviewer@example.org")
    go(reviewer, world, "review-returns")
    expect(reviewer.get_by_text(re.compile("Hertfordshire"))).to_be_visible()
    reviewer.get_by_role("textbox", name="Comment for the office").first.fill("Please name the provider.")
    reviewer.get_by_role("button", name=re.compile("Return for changes")).first.click()
    idle(reviewer)

    go(office, world, "your-return")
    expect(office.get_by_text("Please name the provider.")).to_be_visible()
    office.get_by_role("textbox", name=re.compile("Which organisations provide")).fill("Victim Support")
    office.keyboard.press("Tab")
    idle(office)
    office.get_by_role("button", name=re.compile("Submit for review")).click()
    idle(office)
    expect(office.get_by_text(re.compile("Submitted for review"))).to_be_visible(timeout=30_000)

    go(reviewer, world, "review-returns")
    expect(reviewer.get_by_text("Signed off by: Chief Executive, OPCC")).to_be_visible()
    reviewer.get_by_role("button", name=re.compile("Accept and publish")).first.click()
    idle(reviewer)
    reviewer.get_by_role("button", name=re.compile("Yes, publish")).first.click()  # confirmed, then done
    idle(reviewer)
    expect(reviewer.get_by_text(re.compile("Accepted and published"))).to_be_visible(timeout=60_000)
    go(office, world, "your-return")
    expect(office.get_by_text(re.compile("accepted and published"))).to_be_visible()
    expect(office.get_by_role("link", name=re.compile("published profile"))).to_be_visible(timeout=30_000)
    go(reviewer, world, "round-tracker")
    settle(reviewer)
    expect(reviewer.get_by_text("Still owed (1)")).to_be_visible()  # Essex; Hertfordshire is accepted
    assert reviewer.locator('[data-testid="stException"]').count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    reviewer.screenshot(path=str(ARTIFACTS / "page-round-tracker-desktop.png"), full_page=True)

    public = session(world)
    go(public, world, "")
    banner = text_of(public)
    assert "returns from 1 commissioner's office" in banner and "30 November 2026" in banner, banner[:600]
    go(public, world, "force-profile?force=E23000027")
    assert "Victim Support" in text_of(public)
    assert "Your return" not in public.locator('[data-testid="stSidebarNav"]').inner_text()

    essex = session(world)
    sign_in(essex, world, "essex.office@example.org")
    go(essex, world, "your-return")
    body = text_of(essex)
    assert "Essex" in body and "Hertfordshire" not in body, "an office sees only its own force"
    assert "Review returns" not in essex.locator('[data-testid="stSidebarNav"]').inner_text()
    go(essex, world, "review-returns")  # the page does not exist for an office: Streamlit opens the first page
    assert essex.locator('[data-testid="stMain"] h1').first.inner_text().strip() != "Review returns"
    assert "Accept and publish" not in text_of(essex)

    admin = session(world)  # the round's report, downloaded from the admin's page
    sign_in(admin, world, "admin@example.org")
    go(admin, world, "rounds")
    with admin.expect_download(timeout=60_000) as download:
        admin.get_by_role("button", name=re.compile("The round's report")).click()
    with zipfile.ZipFile(download.value.path()) as zf:
        status = zf.read("data/round-status.csv").decode("utf-8-sig")
        assert f"report-{world['round'].round_id}.docx" in zf.namelist()
    assert "Hertfordshire" in status and "accepted" in status and "Essex" in status
    for page in (office, reviewer, public, essex, admin):
        page.context.close()


def test_an_unverified_email_asserting_the_admin_is_not_signed_in_as_admin(world):
    """Issue 28, item 1, through a real OpenID Connect provider: an identity of its own (`sub`) whose
    provider says its address `admin@example.org` is not verified gets the public dashboard only; the
    access list keys on the issuer and subject. Before: signed in as admin and served the Rounds page."""
    import json
    import urllib.request

    claims = {"email": "admin@example.org", "email_verified": False, "name": "Not the admin"}
    request = urllib.request.Request(
        f"{world['issuer']}/users/impostor-sub",
        data=json.dumps(claims).encode(),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 204
    page = session(world)
    sign_in(page, world, "impostor-sub")
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "not on the access list" in sidebar and "impostor-sub" in sidebar, sidebar
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert not {"Rounds", "Review returns", "Round tracker", "Your return"} & set(nav.splitlines()), nav
    go(page, world, "rounds")  # not a page for this identity: Streamlit opens the first page instead
    assert page.locator('[data-testid="stMain"] h1').first.inner_text().strip() != "Rounds"
    assert "Open a round" not in text_of(page)
    page.context.close()
