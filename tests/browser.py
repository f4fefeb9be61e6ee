"""Shared helper for tests that need Chrome or Chromium (image export, Playwright).

    from tests.browser import require_browser

    def test_png(...):
        chromium = require_browser()   # the browser's path

    def test_accessible(...):
        axe_js = require_axe()          # axe-core's script, to inject into a page

Without a browser the test is skipped with the reason, except under CI
(`CI=true`), where a missing browser fails the test: CI installs Debian's
chromium, so its absence there is a broken build, not a reason to skip.
STALKING_BROWSER=none (which makes the app behave as if no browser were
installed) does not hide a real browser from the tests.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exports import images

MISSING = (
    "No Chrome or Chromium found on PATH (looked for {names}) or by kaleido's lookup. "
    "Install it: sudo apt-get install chromium"
)


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip the calling test with `reason` unless `condition`; under CI (CI=true) fail instead:
    .ci/run installs every tool the tests drive, so one missing there is a broken build."""
    if condition:
        return
    if on_ci():
        pytest.fail(f"{reason}. CI=true: required.", pytrace=False)
    pytest.skip(reason)


def browser_path() -> str | None:
    """The browser tests would use: STALKING_BROWSER when it names one, else the installed one."""
    return images.find_browser() or images.installed_browser()


def require_browser() -> str:
    """The browser's path; skips the calling test without one, or fails it when CI=true."""
    path = browser_path()
    require(path is not None, MISSING.format(names=", ".join(images.BROWSER_NAMES)))
    return path


# axe-core, installed by .ci/run from the npm registry (pinned) into a git-ignored folder.
AXE_VERSION = "4.14.1"
AXE_JS = Path(__file__).parent / ".axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_MISSING = (
    "axe-core is not installed at {path}. Install it (as .ci/run does): "
    "npm install --prefix tests/.axe --no-save --no-package-lock axe-core@{version}"
)


def require_axe() -> Path:
    """axe.min.js; skips the calling test without it, or fails it when CI=true."""
    if AXE_JS.is_file():
        return AXE_JS
    reason = AXE_MISSING.format(path=AXE_JS, version=AXE_VERSION)
    if on_ci():
        pytest.fail(f"{reason}. CI=true: a missing axe-core fails the run.", pytrace=False)
    pytest.skip(reason)


# Chromium flags for Playwright as root with no network (see ../shared/PITFALLS.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# The page is drawn and idle (every browser test waits for this after an action).
IDLE = '[data-testid="stApp"][data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]'


def sign_in(page, app: str, issuer: str, email: str) -> None:
    """Sign in through the local OpenID Connect provider (returns.dev_signin) as `email`: the
    dashboard at `app` sends the browser to the provider and back, to the first page."""
    import re

    page.goto(app + "/")
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_role("button", name=re.compile("Sign in")).click()
    page.wait_for_url(re.compile(re.escape(issuer) + r"/oauth2/authorize"), timeout=30_000)
    page.fill('input[name="sub"]', email)
    page.get_by_role("button", name="Authorize", exact=True).click()
    page.wait_for_url(re.compile(re.escape(app) + r"/(coverage-map)?$"), timeout=30_000)
    page.wait_for_selector(IDLE, timeout=60_000)
