"""The Streamlit user interface: shared sidebar state, widgets, cached queries, the
evidence view, the map view, notices, and the list of pages (site.py).

The only package (with app.py and the page scripts in app_pages/) that imports
streamlit. Pages lay out the UI from these pieces; data comes from core.queries
through ui.cached_queries, charts from charts, files from exports.
"""
