"""Shared helper for tests that need Chrome or Chromium (image export, Playwright).

    from tests.browser import require_browser

    def test_png(...):
        chromium = require_browser()   # the browser's path

Without a browser the test is skipped with the reason, except under CI
(`CI=true`), where a missing browser fails the test: CI installs Debian's
chromium, so its absence there is a broken build, not a reason to skip.
STALKING_BROWSER=none (which makes the app behave as if no browser were
installed) does not hide a real browser from the tests.
"""

from __future__ import annotations

import os

import pytest

from exports import images

MISSING = (
    "No Chrome or Chromium found on PATH (looked for {names}) or by kaleido's lookup. "
    "Install it: sudo apt-get install chromium"
)


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def browser_path() -> str | None:
    """The browser tests would use: STALKING_BROWSER when it names one, else the installed one."""
    return images.find_browser() or images.installed_browser()


def require_browser() -> str:
    """The browser's path; skips the calling test without one, or fails it when CI=true."""
    path = browser_path()
    if path:
        return path
    reason = MISSING.format(names=", ".join(images.BROWSER_NAMES))
    if on_ci():
        pytest.fail(f"{reason}. CI=true: a missing browser fails the run.", pytrace=False)
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
