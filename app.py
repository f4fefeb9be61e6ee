"""Entry point: `streamlit run app.py`. Declares the pages and the shared sidebar."""
from __future__ import annotations

import streamlit as st

from dashboard import admin
from dashboard.site import PAGES

st.set_page_config(
    page_title="Stalking services: commissioning gaps",
    page_icon=":material/shield_person:",
    layout="wide",
)

# Admin-only pages (writing returns) exist only when an admin passphrase is configured.
show_admin = admin.is_configured()
pages = [
    st.Page(p.script, title=p.title, url_path=p.url_path, icon=p.icon, default=(i == 0))
    for i, p in enumerate(PAGES)
    if show_admin or not p.admin_only
]
navigation = st.navigation(pages)
navigation.run()
