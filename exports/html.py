"""A chart as one standalone, interactive HTML file that works offline.

plotly.js is inlined (about 4.7 MB), so the file opens without a network or
the dashboard; geo figures get their (empty) base map inlined too. The title,
subtitle, source line and data date are drawn inside the figure, as in the app.
No browser is needed to make it.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from exports import geo

HTML_MIME = "text/html"
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def to_html(fig: go.Figure, *, title: str | None = None) -> bytes:
    """The figure as a standalone HTML page (UTF-8), plotly.js included."""
    height = int(fig.layout.height or 520)
    page = fig.to_html(
        include_plotlyjs=True,
        full_html=True,
        config=CONFIG,
        default_width="100%",
        default_height=f"{height}px",
        validate=False,
    )
    if title is None:
        meta = fig.layout.meta
        title = meta.get("chart_title") if isinstance(meta, dict) else None
    head = ['<meta name="viewport" content="width=device-width, initial-scale=1">']
    if title:
        head.append(f"<title>{html.escape(str(title))}</title>")
    if geo.has_geo(fig):
        head.append(f"<script>{geo.geo_assets_script()}</script>")
    page = page.replace("<head>", "<head>\n" + "\n".join(head), 1)
    page = page.replace("<html>", '<html lang="en">', 1)
    return page.encode("utf-8")
