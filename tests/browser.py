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

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import paths
from exports import images
from ui.health import free_port, wait_until_healthy

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


# The test being run (set by tests/conftest.py), so a helper can check the test carries its marker.
CURRENT_TEST: list[pytest.Item | None] = [None]


def drives(kind: str) -> None:
    """Fail the running test unless it is marked `kind` (browser, postgres, container, replicas,
    libreoffice, killloop): `make test-fast` selects on these markers, so an unmarked test that
    starts a browser would make the fast loop slow without anyone noticing."""
    item = CURRENT_TEST[0]
    if item is not None and item.get_closest_marker(kind) is None:
        pytest.fail(
            f"{item.nodeid} drives {kind} but is not marked: add @pytest.mark.{kind} (or pytestmark) to it",
            pytrace=False,
        )


def browser_path() -> str | None:
    """The browser tests would use: STALKING_BROWSER when it names one, else the installed one."""
    return images.find_browser() or images.installed_browser()


def require_browser() -> str:
    """The browser's path; skips the calling test without one, or fails it when CI=true."""
    drives("browser")
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
    drives("browser")
    require(AXE_JS.is_file(), AXE_MISSING.format(path=AXE_JS, version=AXE_VERSION))
    return AXE_JS


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
    """Sign in through the local OpenID Connect provider (dev.signin) as `email`: the
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


@contextlib.contextmanager
def streamlit_app(
    script: str, log: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = (), port: int | None = None
) -> Iterator[str]:
    """Serve `script` (a path from the repository root) on 127.0.0.1, everything it prints in `log`
    (a file, so a chatty server never blocks on a full pipe); yields its base URL, stops it after.
    Pass `port` when the configuration must name it first (a sign-in redirect)."""
    drives("browser")
    port = port or free_port()
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.address", "127.0.0.1"]
    command += ["--server.port", str(port), "--server.headless", "true", *args]
    with log.open("ab") as out:
        proc = subprocess.Popen(
            command, cwd=paths.REPO_ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            if not wait_until_healthy(base, proc, timeout=60):
                proc.kill()
                pytest.fail(f"{script} was not served: " + log.read_text(errors="replace")[-2000:], pytrace=False)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
