"""A visible "Filters" button on a phone, above every page, that opens the sidebar.

Every control lives in the sidebar (ui/state.py), which a phone keeps closed behind a small
icon in the corner with nothing saying what is there. This button says it, and opens it
(it presses Streamlit's own open-the-sidebar button). On a wider screen, where the sidebar
is open beside the page, ui/style.py hides it.
"""

from __future__ import annotations

import streamlit as st

KEY = "phone_filters"

_HTML = '<button type="button" class="filters">☰ Filters: regions, date, force area</button>'
_CSS = """
.filters {
  font: inherit;
  min-height: 44px;
  padding: 0.5rem 1rem;
  border: 1px solid #505A5F;
  border-radius: 0.5rem;
  background: #FFFFFF;
  color: #0B0C0C;
  cursor: pointer;
}
.filters:focus-visible { outline: 2px solid #0B0C0C; outline-offset: 2px; }
"""
_JS = """
export default function (component) {
  const button = component.parentElement.querySelector("button.filters");
  if (!button) return;
  const open = () => {
    const control = document.querySelector('[data-testid="stExpandSidebarButton"]');
    if (control) control.click();
  };
  button.addEventListener("click", open);
  return () => button.removeEventListener("click", open);
}
"""

_component = st.components.v2.component("stalking_filters_button", html=_HTML, css=_CSS, js=_JS)


def show() -> None:
    """The button, at the top of the page (hidden beside an open sidebar by ui/style.py)."""
    with st.container(key=KEY):
        _component(key="phone_filters_button")
