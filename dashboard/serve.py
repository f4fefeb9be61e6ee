"""Start the dashboard: `python -m dashboard.serve [--server.port N ...]` (what `make run` does).

Why not plain `streamlit run app.py`? The page scripts live in `pages/`, which
Streamlit also reads as its legacy multipage convention. On a freshly started
server, until some session has run app.py's `st.navigation`, the first visitor
gets that legacy routing: a deep link such as /force-profile?force=E23000027
shows a "Page not found" dialog and the wrong page. Telling Streamlit up front
that this app does not use the legacy convention makes every link work from the
first request. `streamlit run app.py` still works, with that one caveat.
"""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

from dashboard.paths import REPO_ROOT


def wait_until_healthy(base_url: str, proc: subprocess.Popen | None = None, timeout: float = 90) -> bool:
    """Poll Streamlit's health endpoint until it answers (True), the process exits or time runs out (False).

    Used by the browser tests and the benchmarks, which start the server themselves.
    """
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


def main(argv: list[str]) -> None:
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(REPO_ROOT / "app.py"), *argv]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
