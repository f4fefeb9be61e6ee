"""Shared fixtures. The tests build their own database in a temporary directory,
so `make test` never touches data/build/ or data/returns/. The settings are read when used
(core/settings.py), so setting them here, after the imports, is enough; the processes the
tests start inherit them."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import time_machine

from core import clock, paths, settings
from etl import pipeline
from tests import browser as _browser

_BUILD = Path(tempfile.mkdtemp(prefix="stalking-test-build-"))
os.environ["STALKING_BUILD_DIR"] = str(_BUILD)
# Builds of the repository's data/ keep their returns (and the writer lock) here, not in data/returns/.
os.environ["STALKING_RETURNS_DIR"] = str(_BUILD / "returns")

# What each marker says a test drives; `make test-fast` leaves these out, `make test` runs them all.
# A test that starts one of these without its marker fails (tests/browser.py: drives), so the
# fast loop can never quietly start a browser.
DRIVES = {
    "browser": "Chromium (Playwright or image export)",
    "postgres": "a throwaway PostgreSQL server",
    "container": "podman and a container image",
    "replicas": "several dashboard processes behind HAProxy",
    "libreoffice": "LibreOffice",
    "killloop": "the kill -9 loop",
}
# What a `slow` test is: several seconds of one core each, so `make test-fast` leaves them out too
# (4 of its 10 CPU-minutes in 62 of 1,362 tests); `make test` and `make test-dates` run them.
SLOW = (
    "a sweep of all 43 forces or of a whole generated round, a benchmark's quick run, or several "
    "processes at once (command-line rounds, locks, races, memory-bounded workers)"
)
# Fixtures that make a test what a marker says: a test that uses one carries the marker without saying
# so (PostgreSQL is started by the first two; the third plays a round of 43 through the workflow).
_MARKED_BY_FIXTURE = {"postgres_server": "postgres", "postgres_url": "postgres", "generated_round": "slow"}


def pytest_addoption(parser):
    parser.addoption(
        "--today",
        metavar="YYYY-MM-DD",
        help="run with the product's clock at this date (core/clock.py), in this process and the ones it starts",
    )


def pytest_configure(config):
    for name, what in DRIVES.items():
        config.addinivalue_line("markers", f"{name}: drives {what} (left out of make test-fast)")
    config.addinivalue_line(
        "markers", "dates: depends on the date it runs (make test-dates runs these again at two later dates)"
    )
    config.addinivalue_line("markers", f"slow: {SLOW} (left out of make test-fast)")
    _renders_are_marked()
    today = config.getoption("--today")
    if today:
        try:
            day = dt.date.fromisoformat(today)
        except ValueError:
            raise pytest.UsageError(f"--today {today!r}: expected a date as YYYY-MM-DD") from None
        os.environ[clock.TODAY_SETTING] = day.isoformat()  # the processes the tests start
        traveller = time_machine.travel(dt.datetime.combine(day, dt.time(12)), tick=True)
        traveller.start()  # this process, including anything that reads the system clock itself
        config.add_cleanup(traveller.stop)


def _renders_are_marked() -> None:
    """Every image rendered in a test checks that the test is marked `browser` (the packs render
    their charts whenever a browser is installed, without asking for one)."""
    from exports import images

    render = images.ImageSession.render

    def checked(self, *args, **kwargs):
        _browser.drives("browser")
        return render(self, *args, **kwargs)

    images.ImageSession.render = checked


def pytest_collection_modifyitems(config, items):
    for item in items:
        for fixture in set(getattr(item, "fixturenames", ())) & _MARKED_BY_FIXTURE.keys():
            item.add_marker(_MARKED_BY_FIXTURE[fixture])


def pytest_runtest_setup(item):
    _browser.CURRENT_TEST[0] = item


def pytest_runtest_teardown(item):
    _browser.CURRENT_TEST[0] = None


@pytest.fixture
def today_is(monkeypatch):
    """Set the product's clock for one test: `today_is(dt.date(2026, 12, 1))`. The date holds in this
    process (time-machine) and in every process the test starts afterwards (STALKING_TODAY)."""
    travellers = []

    def set_today(day: dt.date) -> dt.date:
        monkeypatch.setenv(clock.TODAY_SETTING, day.isoformat())
        traveller = time_machine.travel(dt.datetime.combine(day, dt.time(12)), tick=True)
        traveller.start()
        travellers.append(traveller)
        return day

    yield set_today
    for traveller in reversed(travellers):
        traveller.stop()


@pytest.fixture
def use_settings():
    """Change settings for one test: `use_settings(read_only=True)` (core.settings.use), undone after it.

    In this process only (AppTest included); a process the test starts reads its environment."""
    with contextlib.ExitStack() as stack:
        yield lambda **changes: stack.enter_context(settings.use(**changes))


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
