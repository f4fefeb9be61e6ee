"""The dashboard's pages, declared once. app.py builds st.navigation from this list
and the tests walk it, so a page cannot exist without being reachable and tested.

URL paths never equal a script's file name: Streamlit also knows the legacy
`pages/` directory convention, and on a freshly started server a first request
to /<file name> would run that script alone, without app.py and its sidebar.
"""
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
    PageSpec("pages/overview.py", "Overview", "coverage-map", ":material/map:"),
    PageSpec("pages/funding.py", "Funding cliff edge", "funding-cliff-edge", ":material/event_busy:"),
    PageSpec("pages/force_profile.py", "Force profile", "force-profile", ":material/local_police:"),
    PageSpec("pages/regions.py", "Regional comparison", "regional-comparison", ":material/compare:"),
    PageSpec("pages/recommendations.py", "Recommendations", "recommendations-15-16-25", ":material/checklist:"),
    PageSpec("pages/data_methods.py", "Data and methods", "data-and-methods", ":material/menu_book:"),
    PageSpec("pages/return_templates.py", "Return templates", "return-templates", ":material/download:"),
    PageSpec("pages/submit_return.py", "Submit a return", "submit-return", ":material/upload_file:", admin_only=True),
)
