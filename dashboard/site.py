"""The dashboard's pages, declared once. app.py builds st.navigation from this list
and the tests walk it, so a page cannot exist without being reachable and tested."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    script: str  # path from the repository root
    title: str
    url_path: str
    icon: str
    admin_only: bool = False  # shown only when an admin passphrase is configured


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "Overview", "overview", ":material/map:"),
    PageSpec("pages/return_templates.py", "Return templates", "return-templates", ":material/download:"),
    PageSpec("pages/submit_return.py", "Submit a return", "submit-return", ":material/upload_file:", admin_only=True),
)
