"""Who may write from the browser: only someone who knows the admin passphrase,
and only when one is configured.

The passphrase comes from the environment variable STALKING_ADMIN_PASSPHRASE or
from st.secrets["admin_passphrase"] (.streamlit/secrets.toml, git-ignored).
Without one, app.py leaves the admin-only pages out of the navigation and those
pages refuse to run. The passphrase is compared in constant time and is never
logged, echoed or returned by anything here.

Wrong passphrases are limited for the whole server, across every session
(core.ratelimit): at most 5 in a minute, then every attempt, right or wrong, is
refused for 5 minutes; each failure and each pause is logged (logger
"stalking.security"). Whatever replaces the passphrase (per-office sign-in) should
count its failures the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from core.ratelimit import FailureLimiter

ENV_VAR = "STALKING_ADMIN_PASSPHRASE"
SECRET_KEY = "admin_passphrase"
# One limiter for the whole server process: every session's failures count together.
LIMITER = FailureLimiter("admin passphrase", max_failures=5, window=60.0, lockout=300.0)


def _configured() -> str | None:
    value = os.environ.get(ENV_VAR, "")
    if value.strip():
        return value
    try:
        import streamlit as st

        # load_if_toml_exists() is Streamlit's quiet probe: no secrets file is not an error here.
        if not st.secrets.load_if_toml_exists():
            return None
        value = st.secrets.get(SECRET_KEY, "")
    except Exception:  # noqa: BLE001 - an unreadable secrets file means no passphrase, not a crash
        return None
    return value if isinstance(value, str) and value.strip() else None


def is_configured() -> bool:
    """True when an admin passphrase is set, so admin-only pages may be shown."""
    return _configured() is not None


def check(candidate: str | None) -> bool:
    """True when candidate is the configured passphrase. Constant time in the candidate's content:
    both sides are hashed first, so even their lengths are not compared directly."""
    expected = _configured()
    if expected is None or not candidate:
        return False
    return hmac.compare_digest(
        hashlib.sha256(candidate.encode("utf-8")).digest(),
        hashlib.sha256(expected.encode("utf-8")).digest(),
    )


@dataclass(frozen=True)
class Attempt:
    """The outcome of entering a passphrase: right or not, and, while attempts are paused, for how long."""

    ok: bool
    retry_after: float = 0.0


def attempt(candidate: str | None, source: str | None = None) -> Attempt:
    """Check a passphrase under the global failure limit (LIMITER). While attempts are paused,
    nothing is compared, so a right guess then teaches nothing. `source` (a client address,
    where known) goes into the log, the candidate never."""
    verdict = LIMITER.check()
    if not verdict.allowed:
        return Attempt(False, verdict.retry_after)
    if check(candidate):
        LIMITER.succeeded(source)
        return Attempt(True)
    after = LIMITER.failed(source)
    return Attempt(False, after.retry_after)
