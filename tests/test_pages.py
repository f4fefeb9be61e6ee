"""Every page declared in dashboard/site.py runs in AppTest without an exception."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import paths
from dashboard.site import PAGES


def run_page(script: str, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(paths.REPO_ROOT / "app.py"), default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if script != PAGES[0].script:
        at.switch_page(script)
        at.run()
    return at


@pytest.mark.parametrize("page", [p for p in PAGES if not p.admin_only], ids=lambda p: p.url_path)
def test_page_runs_without_exception(built_db, page):
    at = run_page(page.script)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title or at.header, "every page states what it shows"
