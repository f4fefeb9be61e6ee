"""The dashboard's pages, declared once. app.py builds st.navigation from this list
and the tests walk it, so a page cannot exist without being reachable and tested.

Each page is served at its url_path, the first included: the root URL forwards to it
(app.py), because Streamlit gives a default page no URL of its own.

The page scripts live in app_pages/, not pages/: Streamlit reads a folder named
pages/ as its legacy multipage convention, which on a freshly started server
sent the first visitor of a deep link to the wrong page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    script: str  # path from the repository root
    title: str
    url_path: str
    icon: str
    role: str | None = None  # None: public; "office", "reviewer" or "admin": offered to that role when signed in

    def offered_to(self, actor) -> bool:
        """Whether the navigation offers this page to `actor` (the actions on it are checked again on the server)."""
        if self.role is None:
            return True
        if self.role == "office":
            return actor.is_office or actor.is_admin
        if self.role == "reviewer":
            return actor.is_reviewer
        return actor.is_admin


SITE_TITLE = "Stalking services: commissioning gaps"


def page_title(*parts: str) -> str:
    """The browser tab's title: 'Hertfordshire · Force profile · Stalking services: commissioning gaps'."""
    return " · ".join([*(p for p in parts if p), SITE_TITLE])


PAGES: tuple[PageSpec, ...] = (
    PageSpec("app_pages/overview.py", "Overview", "coverage-map", ":material/map:"),
    PageSpec("app_pages/funding.py", "Funding cliff edge", "funding-cliff-edge", ":material/event_busy:"),
    PageSpec("app_pages/force_profile.py", "Force profile", "force-profile", ":material/local_police:"),
    PageSpec("app_pages/regions.py", "Regional comparison", "regional-comparison", ":material/compare:"),
    PageSpec("app_pages/recommendations.py", "Recommendations", "recommendations-15-16-25", ":material/checklist:"),
    PageSpec("app_pages/data_methods.py", "Data and methods", "data-and-methods", ":material/menu_book:"),
    PageSpec("app_pages/return_templates.py", "Return templates", "return-templates", ":material/download:"),
    PageSpec("app_pages/office_return.py", "Your return", "your-return", ":material/edit_document:", role="office"),
    PageSpec("app_pages/review.py", "Review returns", "review-returns", ":material/fact_check:", role="reviewer"),
    PageSpec("app_pages/tracker.py", "Round tracker", "round-tracker", ":material/monitoring:", role="reviewer"),
    PageSpec("app_pages/rounds_admin.py", "Rounds", "rounds", ":material/event_note:", role="admin"),
)
