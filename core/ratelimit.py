"""A global limit on failed attempts to prove who one is (a passphrase now, a sign-in later).

Failures are counted for the whole process, across every browser session and user, not
per session: a guesser who opens many sessions (or none: a script) gets no more tries.
At most `max_failures` failures in any `window` seconds; the failure that reaches the
limit pauses every attempt, right or wrong, for `lockout` seconds. Each failure is logged
(never what was typed), and so is each pause. The counts live in memory: a restart clears
them, and a deployment with several server processes limits each one.

No Streamlit here: ui/admin.py uses one for the admin passphrase, and sign-in failures can
use another (or the same) when the passphrase is replaced.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

LOG = logging.getLogger("stalking.security")


@dataclass(frozen=True)
class Verdict:
    """Whether an attempt may be made now, and if not, in how many seconds."""

    allowed: bool
    retry_after: float = 0.0


class FailureLimiter:
    """At most `max_failures` failed attempts in `window` seconds, for everyone together; then a pause."""

    def __init__(
        self,
        name: str,
        *,
        max_failures: int = 5,
        window: float = 60.0,
        lockout: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        logger: logging.Logger = LOG,
    ):
        self.name = name
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self.clock = clock
        self.log = logger
        self._lock = threading.Lock()
        self._failures: deque[float] = deque()
        self._paused_until = 0.0

    def _forget_old(self, now: float) -> None:
        while self._failures and self._failures[0] <= now - self.window:
            self._failures.popleft()

    def check(self) -> Verdict:
        """May an attempt be made now? Call before checking what was typed."""
        with self._lock:
            now = self.clock()
            if now < self._paused_until:
                return Verdict(False, self._paused_until - now)
            return Verdict(True)

    def failed(self, source: str | None = None) -> Verdict:
        """Count a failed attempt (and log it); the verdict says whether the next may be made."""
        with self._lock:
            now = self.clock()
            self._forget_old(now)
            self._failures.append(now)
            count = len(self._failures)
            where = f" from {source}" if source else ""
            self.log.warning(
                "%s: failed attempt%s (%d in the last %g s; at most %d)",
                self.name,
                where,
                count,
                self.window,
                self.max_failures,
            )
            if count >= self.max_failures:
                self._paused_until = max(self._paused_until, now + self.lockout)
                self._failures.clear()
                self.log.error(
                    "%s: %d failed attempts in %g s; every attempt is refused for %g s",
                    self.name,
                    count,
                    self.window,
                    self.lockout,
                )
                return Verdict(False, self._paused_until - now)
            return Verdict(True)

    def succeeded(self, source: str | None = None) -> None:
        """Log a successful attempt. It does not clear the failures: they may be someone else's."""
        where = f" from {source}" if source else ""
        self.log.info("%s: successful attempt%s", self.name, where)

    def reset(self) -> None:
        """Forget every failure and pause (for tests, and for an operator after an incident)."""
        with self._lock:
            self._failures.clear()
            self._paused_until = 0.0
