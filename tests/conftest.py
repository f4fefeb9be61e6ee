"""Shared fixtures. The tests build their own database in a temporary directory,
so `make test` never touches data/build/ or data/returns/ (set before any project import)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

_BUILD = Path(tempfile.mkdtemp(prefix="stalking-test-build-"))
os.environ["STALKING_BUILD_DIR"] = str(_BUILD)
# Builds of the repository's data/ keep their returns (and the writer lock) here, not in data/returns/.
os.environ["STALKING_RETURNS_DIR"] = str(_BUILD / "returns")

import pytest  # noqa: E402

from core import paths  # noqa: E402
from etl import pipeline  # noqa: E402


@pytest.fixture(scope="session")
def built_db() -> Path:
    """The database built from the real data in data/, once per test session."""
    if not paths.DATABASE.exists():
        pipeline.build(paths.DATA_DIR, paths.DATABASE)
    return paths.DATABASE


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of data/ (inputs only) for tests that break one file."""
    target = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, target, ignore=shutil.ignore_patterns("build", "returns", "templates", "*.md"))
    return target


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(_BUILD, ignore_errors=True)


# AppTest shows the real error rather than the redacted message the config asks for in production.
from streamlit import config as _streamlit_config  # noqa: E402

_streamlit_config.set_option("client.showErrorDetails", "full")
