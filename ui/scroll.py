"""Opening a page at its top.

Streamlit keeps the main column's scroll position when one page replaces another, so a
force clicked on the Overview's map opened its profile half-way down, with no force name
in view. A component with no visible content, keyed by what the page shows (the force),
scrolls the main column to the top when it is first drawn: on opening a profile from the
map, the sidebar or a link, and on choosing another force, but not on a rerun of the same
view (an expander opened further down stays in view). `data-page-top` on the page tells
a browser test it ran.
"""

from __future__ import annotations

import streamlit as st

_JS = """
// The views each mounted instance has shown (its root is new each time the page is opened).
const shown = new WeakMap();

export default function (component) {
  const { data, parentElement } = component;
  // Called again on a rerun of the same view: only the first call scrolls.
  if (shown.get(parentElement) === data.view) return;
  shown.set(parentElement, data.view);
  const top = () => {
    const main = document.querySelector('[data-testid="stMain"]');
    if (main) main.scrollTo({ top: 0, left: 0, behavior: "instant" });
    window.scrollTo({ top: 0, left: 0, behavior: "instant" });
    document.documentElement.dataset.pageTop = data.view;
  };
  top();
  // Once more after the page's own elements are drawn (they may arrive after this one).
  const timer = setTimeout(top, 150);
  return () => clearTimeout(timer);
}
"""

_component = st.components.v2.component("stalking_page_top", js=_JS)


def open_at_top(view: str) -> None:
    """Scroll to the top when `view` (a force's code, say) is first drawn in this session's page."""
    with st.sidebar:
        _component(key=f"_page_top_{view}", data={"view": view}, height=0)
