"""Entry point: `streamlit run app.py`. Declares the pages (from ui/site.py),
draws the shared sidebar controls, then runs the chosen page."""

from __future__ import annotations

import streamlit as st

from charts.chart_text import MAIN_SOURCE
from core import paths, queries
from core.text import data_as_at_line
from ui import auth, state
from ui.site import PAGES

st.set_page_config(
    page_title="Stalking services: commissioning gaps",
    page_icon=str(paths.FAVICON),
    layout="wide",
)

# The returns pages are offered to the roles the access list gives (returns/access.py);
# every action on them is checked again on the server.
actor = auth.current_actor()
pages = [
    st.Page(p.script, title=p.title, url_path=p.url_path, icon=p.icon, default=(i == 0))
    for i, p in enumerate(PAGES)
    if p.offered_to(actor)
]
navigation = st.navigation(pages)

try:
    filters = state.sidebar()
except queries.DatabaseMissing as err:
    st.error(str(err))
    st.stop()

auth.sidebar(actor)
with st.sidebar:
    st.caption(MAIN_SOURCE + ". Illustrative evidence: a force not quoted is *not reported*, not *none*.")
    st.caption(data_as_at_line(filters.data_date))

navigation.run()
