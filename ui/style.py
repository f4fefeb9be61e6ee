"""The few style rules Streamlit's theme options cannot set (.streamlit/config.toml has the rest).

Only fixed CSS, never data text. Each rule answers a WCAG 2.2 check that the
theme alone fails:

- target size (2.5.8): the date input's day, month and year boxes are about 18 px
  wide; each needs 24 px;
- a focus ring (2.4.7, 2.4.11): every control shows a 2 px ring in near-black
  when reached by keyboard, whatever Streamlit draws itself.

And one that is not about WCAG: the charts' own font (charts.fonts), declared from
the files Streamlit serves at app/static/fonts/, so the page draws chart text in
the very font its words were measured and wrapped with, on any machine. The width
reporter (ui/viewport.py) asks the browser to load every face as soon as these rules
are in, and has the charts drawn again if one was drawn before they arrived.

The rules arrive a moment after the first widgets are drawn (st.html renders after
the elements before it); `--dashboard-style` on :root tells a browser test they are in.
"""

from __future__ import annotations

import streamlit as st

from charts import fonts


def _font_faces() -> str:
    return "".join(
        f'@font-face {{ font-family: "{face.family}"; src: url("{face.url}") format("truetype"); '
        f"font-weight: {face.weight}; font-style: normal; font-display: block; }}\n"
        for face in fonts.FACES
    )


CSS = (
    """
<style>
"""
    + _font_faces()
    + """
:root {
  --dashboard-style: loaded; /* browser tests wait for it: the page's own rules are in */
}
[data-testid="stDateInput"] [role="spinbutton"] {
  display: inline-block;
  min-width: 24px;
  min-height: 24px;
  line-height: 24px;
  text-align: center;
}
/* A wide table people read across (ui/widgets.wrapped_table): set a size smaller, so its twelve
   columns of whole words fit a 1440 px window without an inner scroll. */
[class*="_wrapped"] table { font-size: 0.875rem; }
/* The phone's "Filters" button (ui/filters_button.py): only where the sidebar is closed by default. */
@media (min-width: 769px) {  /* Streamlit closes the sidebar by default up to 768 px */
  .st-key-phone_filters { display: none; }
}
:focus-visible {
  outline: 2px solid #0B0C0C !important;
  outline-offset: 2px;
}
</style>
"""
)


def apply() -> None:
    st.html(CSS)
