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
    PageSpec("pages/funding.py", "Funding cliff edge", "funding", ":material/event_busy:"),
    PageSpec("pages/force_profile.py", "Force profile", "force", ":material/local_police:"),
    PageSpec("pages/regions.py", "Regional comparison", "regions", ":material/compare:"),
    PageSpec("pages/recommendations.py", "Recommendations", "recommendations", ":material/checklist:"),
    PageSpec("pages/data_methods.py", "Data and methods", "data", ":material/menu_book:"),
)
