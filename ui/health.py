"""Serve and wait for a dashboard: a free port to serve on and a wait until it answers, used by
the browser tests and the benchmarks, which start `streamlit run app.py` themselves. No Streamlit import."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request


def wait_until_healthy(base_url: str, proc: subprocess.Popen | None = None, timeout: float = 90) -> bool:
    """Poll Streamlit's health endpoint until it answers (True), the process exits or time runs out (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now (the OS picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
