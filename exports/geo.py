"""Offline base maps for plotly's geo subplot, for exported HTML and images.

plotly.js fetches a base map (`world_110m.json` and friends) from its CDN for
every figure with a geo subplot, even when the base map is hidden; offline the
map then draws nothing. The dashboard serves an empty topology from static/;
exports need their own: HTML files get it inlined (`window.PlotlyGeoAssets`),
kaleido gets a file:// URL to a temporary folder holding it.
"""

from __future__ import annotations

import json
import tempfile
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go

from core import paths

# plotly.js asks for "<scope with spaces as dashes>_<resolution>m", e.g. "north-america_50m".
SCOPES = ("world", "usa", "europe", "asia", "africa", "north america", "south america")
RESOLUTIONS = ("110m", "50m")
_OBJECTS = ("coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits")


def has_geo(fig: go.Figure) -> bool:
    """True when the figure draws on a geo subplot (and so needs a base map)."""
    return any(trace.type in {"choropleth", "scattergeo"} for trace in fig.data)


def empty_topology() -> dict:
    """A valid topology whose objects are all empty: enough when no base map is drawn."""
    return {
        "type": "Topology",
        "arcs": [],
        "transform": {"scale": [1, 1], "translate": [0, 0]},
        "objects": {name: {"type": "GeometryCollection", "geometries": []} for name in _OBJECTS},
    }


def topology_names() -> list[str]:
    return [f"{scope.replace(' ', '-')}_{res}" for scope in SCOPES for res in RESOLUTIONS]


def _static_topology(name: str) -> dict | None:
    candidate = paths.STATIC_DIR / f"{name}.json"
    if candidate.is_file():
        try:
            return json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
    return None


def geo_assets_script() -> str:
    """JavaScript that hands plotly.js every base map it may ask for, so it never fetches one."""
    topologies = {name: _static_topology(name) or empty_topology() for name in topology_names()}
    payload = json.dumps(topologies, separators=(",", ":")).replace("</", "<\\/")
    return (
        "window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};\n"
        f"Object.assign(window.PlotlyGeoAssets.topojson, {payload});"
    )


@lru_cache(maxsize=1)
def topojson_dir() -> Path:
    """A folder holding every base map plotly.js may ask for (for kaleido's topojson URL)."""
    folder = Path(tempfile.mkdtemp(prefix="stalking-topojson-"))
    for name in topology_names():
        (folder / f"{name}.json").write_text(json.dumps(_static_topology(name) or empty_topology()), encoding="utf-8")
    return folder


def topojson_url() -> str:
    return topojson_dir().as_uri() + "/"
