"""Guessing the admin passphrase (issue 15, item 8): failures are limited for the whole server,
across sessions, and logged; the limiter (core.ratelimit) is generic, for sign-in later too."""

from __future__ import annotations

import logging
import threading

import pytest
from streamlit.testing.v1 import AppTest

from core import paths
from core.ratelimit import FailureLimiter
from ui import admin

PASSPHRASE = "correct horse battery staple"


class Clock:
    """A clock the test moves by hand: no waiting, no timing in the assertions."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failures_beyond_the_limit_pause_every_attempt_then_it_reopens(caplog):
    clock = Clock()
    limiter = FailureLimiter("test", max_failures=3, window=60, lockout=300, clock=clock)
    caplog.set_level(logging.INFO, logger="stalking.security")
    assert limiter.failed("10.0.0.1").allowed and limiter.failed("10.0.0.2").allowed
    paused = limiter.failed("10.0.0.3")
    assert not paused.allowed and paused.retry_after == 300
    clock.now += 299
    assert limiter.check() == limiter.check() and not limiter.check().allowed
    assert limiter.check().retry_after == 1
    clock.now += 1
    assert limiter.check().allowed
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(warnings) == 3 and "from 10.0.0.3" in warnings[-1].getMessage()
    assert len(errors) == 1 and "refused for 300 s" in errors[0].getMessage()


def test_failures_older_than_the_window_are_forgotten():
    clock = Clock()
    limiter = FailureLimiter("test", max_failures=3, window=60, lockout=300, clock=clock)
    for _ in range(10):  # two a minute for five minutes: never three within a minute
        assert limiter.failed().allowed
        clock.now += 30
    assert limiter.check().allowed


def test_failures_from_many_threads_are_all_counted():
    limiter = FailureLimiter("test", max_failures=50, window=3600, lockout=300, clock=Clock())
    threads = [threading.Thread(target=limiter.failed) for _ in range(49)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert limiter.check().allowed
    assert not limiter.failed().allowed, "the fiftieth failure, from any thread, pauses attempts"


# ---------------------------------------------------------------- the passphrase


@pytest.fixture
def limited(monkeypatch):
    """The passphrase configured, and the server's limiter at 2 failures a minute on a hand-moved clock."""
    monkeypatch.setenv(admin.ENV_VAR, PASSPHRASE)
    clock = Clock()
    monkeypatch.setattr(
        admin, "LIMITER", FailureLimiter("admin passphrase", max_failures=2, window=60, lockout=300, clock=clock)
    )
    return clock


def test_the_passphrase_is_limited_across_sessions_and_never_logged(limited, caplog):
    caplog.set_level(logging.INFO, logger="stalking.security")
    assert admin.attempt("guess one", source="203.0.113.7") == admin.Attempt(False)
    paused = admin.attempt("guess two", source="203.0.113.8")  # another session: counted together
    assert not paused.ok and paused.retry_after == 300
    assert admin.attempt(PASSPHRASE) == admin.Attempt(False, 300), "while paused, even the right one is refused"
    limited.now += 300
    assert admin.attempt(PASSPHRASE) == admin.Attempt(True)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "203.0.113.8" in logged and "refused for 300 s" in logged
    assert "guess" not in logged and PASSPHRASE not in logged


def unlock(at: AppTest, passphrase: str) -> AppTest:
    at.switch_page("app_pages/submit_return.py").run()
    at.text_input[0].input(passphrase)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def session() -> AppTest:
    at = AppTest.from_file(str(paths.REPO_ROOT / "app.py"), default_timeout=60)
    at.secrets = {"unrelated": "x"}
    return at.run()


def test_the_submit_page_pauses_unlocking_for_every_session(built_db, limited):
    first, second, third = session(), session(), session()
    assert "not correct" in unlock(first, "wrong 1").error[0].value
    shown = unlock(second, "wrong 2").error[0].value
    assert "Too many wrong passphrases" in shown and "paused for everyone for 5 minute(s)" in shown
    late = unlock(third, PASSPHRASE)  # a third session, with the right passphrase: still paused
    assert "Too many wrong passphrases" in late.error[0].value
    assert not late.get("file_uploader"), "no upload while unlocking is paused"
    limited.now += 300
    opened = unlock(session(), PASSPHRASE)
    assert opened.get("file_uploader"), "after the pause the right passphrase unlocks the page"
