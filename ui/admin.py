"""Who may write from the browser: only someone who knows the admin passphrase,
and only when one is configured.

The passphrase comes from the environment variable STALKING_ADMIN_PASSPHRASE or
from st.secrets["admin_passphrase"] (.streamlit/secrets.toml, git-ignored).
Without one, app.py leaves the admin-only pages out of the navigation and those
pages refuse to run. The passphrase is compared in constant time and is never
logged, echoed or returned by anything here.
"""

from __future__ import annotations

import hashlib
import hmac
import os

ENV_VAR = "STALKING_ADMIN_PASSPHRASE"
SECRET_KEY = "admin_passphrase"


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
