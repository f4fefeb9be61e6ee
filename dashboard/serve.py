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

import sys

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

from dashboard.paths import REPO_ROOT


def main(argv: list[str]) -> None:
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(REPO_ROOT / "app.py"), *argv]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
