"""A chart as one standalone, interactive HTML file that works offline.

plotly.js is inlined (about 4.7 MB), so the file opens without a network or
the dashboard; geo figures get their (empty) base map inlined too. The title,
subtitle, source line and data date are drawn inside the figure, as in the app.
No browser is needed to make it.

The charts' font (charts.fonts) is inlined too (about 1.1 MB), and a chart laid out
for a width (its words wrapped to it) is drawn at that width, so its words fit
whichever fonts the reader's machine has and however narrow the window: a window
narrower than the chart scrolls rather than cutting the words off.
"""

from __future__ import annotations

import base64
import functools
import html

import plotly.graph_objects as go

from charts import fonts
from exports import geo

HTML_MIME = "text/html"
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


@functools.lru_cache(maxsize=1)
def font_faces() -> str:
    """@font-face rules for the charts' fonts, each file inlined as a data URL."""
    return "".join(
        f'@font-face {{ font-family: "{face.family}"; font-weight: {face.weight}; font-style: normal; '
        f"src: url(data:font/ttf;base64,{base64.b64encode(face.path.read_bytes()).decode()}) format('truetype'); }}\n"
        for face in fonts.FACES
    )


def to_html(fig: go.Figure, *, title: str | None = None) -> bytes:
    """The figure as a standalone HTML page (UTF-8), plotly.js included."""
    height = int(fig.layout.height or 520)
    meta = fig.layout.meta
    laid_out = meta.get("width") if isinstance(meta, dict) else None
    page = fig.to_html(
        include_plotlyjs=True,
        full_html=True,
        config={**CONFIG, "responsive": not laid_out},
        default_width=f"{int(laid_out)}px" if laid_out else "100%",
        default_height=f"{height}px",
        validate=False,
    )
    if title is None:
        title = meta.get("chart_title") if isinstance(meta, dict) else None
    head = ['<meta name="viewport" content="width=device-width, initial-scale=1">', f"<style>{font_faces()}</style>"]
    if title:
        head.append(f"<title>{html.escape(str(title))}</title>")
    if geo.has_geo(fig):
        head.append(f"<script>{geo.geo_assets_script()}</script>")
    page = page.replace("<head>", "<head>\n" + "\n".join(head), 1)
    page = page.replace("<html>", '<html lang="en">', 1)
    return page.encode("utf-8")
