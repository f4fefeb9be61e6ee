"""End to end in a real browser: Playwright driving Debian's chromium against `streamlit run`.

Skips, with the reason, when chromium is not installed; under CI (CI=true) a
missing browser fails instead. Screenshots of every page are saved under
test-artifacts/ for people to look at.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from core import paths
from tests.browser import CHROMIUM_ARGS, require_browser
from ui.health import wait_until_healthy
from ui.site import PAGES

ARTIFACTS = paths.REPO_ROOT / "test-artifacts"
SCRIPT_DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(built_db: Path):
    """The dashboard served on 127.0.0.1 on a free port, on the test database."""
    port = free_port()
    env = {**os.environ, "STALKING_BUILD_DIR": str(built_db.parent)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
        ],
        cwd=paths.REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    if not wait_until_healthy(base, proc, timeout=60):
        proc.kill()
        pytest.fail("streamlit did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    yield base
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    executable = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def off_host_requests(page) -> list[str]:
    """Every URL the page asks for beyond 127.0.0.1: there must be none (no network at run time)."""
    urls: list[str] = []

    def record(request) -> None:
        url = urlsplit(request.url)  # data: and blob: URLs stay in the page
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname != "127.0.0.1":
            urls.append(request.url)

    page.on("request", record)
    return urls


def settle(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit's script has finished and every plotly chart has drawn."""
    page.wait_for_selector(SCRIPT_DONE, timeout=timeout)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                 .filter(el => el.offsetParent !== null)
                 .every(el => el.querySelector('.main-svg'))""",
        timeout=timeout,
    )
    page.wait_for_timeout(300)
    page.wait_for_selector(SCRIPT_DONE, timeout=timeout)


def full_screenshot(page, name: str) -> None:
    """Streamlit scrolls inside its main container, so grow the viewport to the content first."""
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(max(height + 40, 1000), 15000)})
    settle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def no_exception(page) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.first.inner_text()


def test_a_deep_link_works_as_the_first_request_to_a_fresh_server(server, page):
    # Must run first in this module: a folder named pages/ once sent this first request to the wrong page
    # (Streamlit's legacy multipage convention); the page scripts live in app_pages/ so that it cannot.
    page.goto(f"{server}/force-profile?force=E23000027")
    settle(page)
    assert page.get_by_text("Page not found").count() == 0
    assert page.locator("h1").first.inner_text().strip() == "Hertfordshire"


@pytest.mark.parametrize("spec", [p for p in PAGES if p.role is None], ids=lambda p: p.url_path)
def test_every_page_renders_without_an_exception(server, page, spec, off_host_requests):
    query = "?force=E23000027" if spec.script.endswith("force_profile.py") else ""
    path = "" if spec == PAGES[0] else spec.url_path  # the default page lives at the root URL
    page.goto(f"{server}/{path}{query}")
    settle(page)
    assert page.get_by_text("Page not found").count() == 0
    no_exception(page)
    assert page.locator("h1").first.inner_text().strip()
    full_screenshot(page, f"page-{spec.url_path}")
    assert off_host_requests == [], f"the page fetched from beyond 127.0.0.1: {off_host_requests}"


def test_map_draws_all_43_force_areas(server, page):
    page.goto(f"{server}/")
    settle(page)
    page.wait_for_selector(".choroplethlayer path", timeout=30_000)
    assert page.locator(".choroplethlayer path").count() == 43


def test_region_choice_goes_into_the_url_and_survives_a_reload(server, page):
    page.goto(f"{server}/")
    settle(page)
    regions = page.get_by_role("combobox", name=re.compile("Regions"))
    regions.click()
    page.get_by_role("option", name="Wales", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"[?&]region=Wales"), timeout=15_000)
    settle(page)
    assert "of 4" in page.get_by_test_id("stMetric").first.inner_text()

    page.reload()
    settle(page)
    assert "region=Wales" in page.url
    assert "of 4" in page.get_by_test_id("stMetric").first.inner_text()
    no_exception(page)


def test_a_force_link_opens_its_profile_on_any_page(server, page):
    page.goto(f"{server}/force-profile?force=W15000004")
    settle(page)
    assert page.locator("h1").first.inner_text().strip() == "Dyfed-Powys"
    page.get_by_role("link", name="Funding cliff edge").click()
    settle(page)
    assert "force=W15000004" in page.url, "the selected force travels with the view"


def test_make_run_serves_the_home_page(built_db: Path, browser, tmp_path: Path):
    """The README's command, end to end: `make run` builds what is missing and serves the dashboard."""
    import signal

    if not (paths.REPO_ROOT / ".venv" / ".requirements-installed").exists():
        pytest.skip("the virtual environment was not made by make; run the suite with `make test`")
    port = free_port()
    env = {**os.environ, "STALKING_BUILD_DIR": str(tmp_path / "build")}
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=paths.REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        if not wait_until_healthy(base, proc, timeout=120):
            pytest.fail("make run did not serve the dashboard")
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(base)
        settle(page)
        no_exception(page)
        assert "where the gaps are" in page.locator("h1").first.inner_text()
        context.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        output = proc.communicate(timeout=30)[0].decode(errors="replace")
    assert f"http://127.0.0.1:{port}" in output, "make run prints the URL"
