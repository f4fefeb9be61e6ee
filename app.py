"""Entry point: `streamlit run app.py`. Declares the pages (from ui/site.py),
draws the shared sidebar controls, then runs the chosen page."""

from __future__ import annotations

import streamlit as st

from charts.chart_text import MAIN_SOURCE
from core import paths, queries
from core.text import data_as_at_line
from ui import auth, evidence_view, filters_button, glossary, site, state, style, viewport

st.set_page_config(page_title=site.SITE_TITLE, page_icon=str(paths.FAVICON), layout="wide")

# The returns pages are offered to the roles the access list gives (returns/access.py);
# every action on them is checked again on the server.
actor = auth.current_actor()
specs = [p for p in site.PAGES if p.offered_to(actor)]
pages = [st.Page(p.script, title=p.title, url_path=p.url_path, icon=p.icon) for p in specs]


def home() -> None:
    """The root URL opens the first page at its own URL (/coverage-map), with the link's query."""
    st.switch_page(pages[0], query_params=st.query_params.to_dict())


# The root URL is a hidden page that forwards to the first page, so every page, the first
# included, is served at the URL ui/site.py declares for it (a default page has no URL of its own).
navigation = st.navigation(
    [st.Page(home, title=specs[0].title, url_path="home", default=True, visibility="hidden"), *pages]
)
if navigation.url_path == "":
    navigation.run()  # forwards; nothing else runs

st.set_page_config(page_title=site.page_title(navigation.title))
style.apply()

try:
    filters = state.sidebar()
except queries.DatabaseMissing as err:
    st.error(str(err))
    st.stop()

auth.sidebar(actor)
with st.sidebar:
    link = evidence_view.main_source_link()
    st.caption(
        MAIN_SOURCE
        + (f" ({link})" if link else "")
        + ". Illustrative evidence: a force not quoted is *not reported*, not *none*."
    )
    st.caption(data_as_at_line(filters.data_date))
    viewport.track()
glossary.sidebar()  # the short glossary, on every page

filters_button.show()  # on a phone: says where the controls are, and opens them
state.open_profile_if_requested(next((p.script for p in specs if p.url_path == navigation.url_path), None))
state.link_problems()
navigation.run()
