"""Find Debian's chromium for browser tests and image export checks.

Without it the tests skip with the reason; under CI (CI=true) they fail,
because a missing browser there means the CI set-up is broken.
"""
from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def require_browser() -> str:
    path = chromium_path()
    if path:
        return path
    reason = "Debian chromium is not installed (apt-get install chromium); browser tests need it"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + " and CI=true requires it")
    pytest.skip(reason)
