"""The coverage map as a plotly figure (no Streamlit import, so exports and tests can use it).

One `go.Choropleth` trace draws every force with the geometry embedded once and a
stepped colour scale (one step per status, in legend order). A `go.Scattergeo`
text trace writes each force's label and status symbol on it, so the status never
depends on colour alone; `not reported` is light grey with a "?". The legend
lists each status with its count. The base map is hidden and nothing is fetched
from the network except the empty base-map topology that plotly's geo subplot
always requests: pass PLOTLY_CONFIG to st.plotly_chart so that request goes to
the app's own static/ folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import math
import os
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
import shapely.geometry

from charts.chart_text import text_width, wrap
from charts.figure_cache import cached_figure
from charts.fonts import FAMILY
from charts.palette import ALL_DIMENSIONS as MAP_DIMENSIONS
from charts.palette import (
    DATED_HATCH,
    DATED_HATCH_ON_DARK,
    DATED_SYMBOL,
    NOT_REPORTED,
    TEXT_DARK,
    TEXT_LIGHT,
    MapDimension,
    text_colour,
)
from core import paths, rules
from geo.boundaries import GEOMETRIES, current_attribution, feature_bounds, label_points, load_geometry
from geo.tiles import CELL_DEG

# For st.plotly_chart(config=...). topojsonURL is relative to the page, so it
# also works behind a server.baseUrlPath; static/ holds world_110m.json and
# world_50m.json with empty layers, which is all a hidden base map needs.
# plotly's own camera button is removed: its PNG has no title, source or date. The page's
# PNG, SVG and HTML downloads (ui.widgets.chart_downloads) are the titled exports.
PLOTLY_CONFIG = {
    "topojsonURL": "app/static/",
    "displaylogo": False,
    "scrollZoom": False,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "toImage"],
}

OUTLINE = "#FFFFFF"
SELECTED_OUTLINE = "#0B0C0C"
NOTE_GREY = "#505A5F"
KEY_FIGURE_LABELS = {
    "isac_count": "ISA posts stated",
    "next_funding_end": "Next funding end",
    "earliest_funding_end": "Earliest funding end",
    "funded_services": "Funded services",
    "stalking_rate_text": "Recorded stalking",  # the demand maps (issue 27)
    "advocate_rate_text": "Advocate posts",
}
HATCH_STEP_DEG = CELL_DEG / 5  # spacing of the hatching on a tile: five lines across
LEGEND_FONT = 13
LEGEND_SWATCH = 48  # px plotly gives a legend entry beside its text: the marker and the gaps
DERIVED_NOTE = " (derived, not stated)"
TILE_NOTE = "One hexagon per police force area, all the same size;<br>positions are approximate, not geographic."


def _key_figure(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "not stated"
    if isinstance(value, (pd.Timestamp, dt.date)):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def _statuses(coverage: pd.DataFrame, dim: MapDimension) -> pd.Series:
    status = coverage[dim.column].astype("object").where(coverage[dim.column].notna(), NOT_REPORTED)
    unknown = sorted(set(status) - set(dim.order))
    if unknown:
        raise ValueError(f"{dim.column}: values not in the {dim.key!r} legend: {unknown}")
    return status


def _dated(df: pd.DataFrame, dim: MapDimension) -> pd.Series:
    """True for forces whose status on this theme was last reported more than 12 months before the date shown."""
    column = dim.theme.current_column
    if column not in df:
        return pd.Series(False, index=df.index)
    return (df["_status"] != NOT_REPORTED) & ~df[column].astype(bool)


def _reported_on(df: pd.DataFrame, dim: MapDimension) -> list:
    column = dim.theme.reported_on
    return list(df[column]) if column in df else [None] * len(df)


def _fte_line(value) -> str:
    """The hover's line for stalking advocate posts in FTE (from returns), empty when none was returned."""
    if value is None or pd.isna(value):
        return ""
    return f"Stalking advocate posts (FTE): {value:g}<br>"


def _reported_words(status: str, reported_on, dated: bool) -> str:
    """The hover's 'Last reported' line (with its trailing line break), empty when not reported."""
    if status == NOT_REPORTED or reported_on is None or pd.isna(reported_on):
        return ""
    when = pd.Timestamp(reported_on)
    text = f"Last reported {when.day} {when:%B %Y}"
    if dated:
        text += f" {DATED_SYMBOL} (more than 12 months before the date shown)"
    return text + "<br>"


@lru_cache(maxsize=512)
def _hatch_lines(geometry: str, stamp: tuple, code: str) -> tuple[list, list]:
    """Diagonal lines across one force's shape, clipped to it: (lons, lats) with None between lines."""
    feature = next(f for f in load_geometry(geometry)["features"] if f["properties"]["pfa_code"] == code)
    shape = shapely.geometry.shape(feature["geometry"]).buffer(0)
    minx, miny, maxx, maxy = shape.bounds
    step = HATCH_STEP_DEG if geometry == "tiles" else max(0.04, min(maxx - minx, maxy - miny) / 6)
    lons: list = []
    lats: list = []
    offset = minx - (maxy - miny)
    while offset < maxx:
        line = shapely.geometry.LineString([(offset, miny), (offset + (maxy - miny), maxy)])
        piece = line.intersection(shape)
        for part in getattr(piece, "geoms", [piece]):
            if part.is_empty or part.geom_type != "LineString":
                continue
            xs, ys = part.xy
            lons += [round(x, 4) for x in xs] + [None]
            lats += [round(y, 4) for y in ys] + [None]
        offset += step
    return lons, lats


def _hatching(geometry: str, codes: tuple[str, ...]) -> tuple[list, list]:
    stamp = _geometry_files(None, "", geometry)
    lons: list = []
    lats: list = []
    for code in codes:
        a, b = _hatch_lines(geometry, stamp, code)
        lons += a
        lats += b
    return lons, lats


def status_counts(coverage: pd.DataFrame, dimension_key: str) -> dict[str, int]:
    """{status: number of forces} in legend order, zeros included."""
    dim = MAP_DIMENSIONS[dimension_key]
    counts = _statuses(coverage, dim).value_counts()
    return {s: int(counts.get(s, 0)) for s in dim.order}


def legend_label(dim: MapDimension, status: str, count: int) -> str:
    return f"{dim.symbol(status)} {status} ({count})"


def _view(bounds: dict[str, tuple[float, float, float, float]], codes) -> dict:
    """Lon/lat ranges framing the given forces, with a 3% margin.

    plotly's own fitbounds="locations" framed these shapes at about half the
    available height, pinned to the top (plotly.js 3.8, seen in Chromium), so the
    view is computed here: with explicit ranges and scale 1 the shapes fill the frame.
    """
    boxes = [bounds[c] for c in codes if c in bounds] or list(bounds.values())
    minx, miny = min(b[0] for b in boxes), min(b[1] for b in boxes)
    maxx, maxy = max(b[2] for b in boxes), max(b[3] for b in boxes)
    padx, pady = (maxx - minx) * 0.03 or 0.01, (maxy - miny) * 0.03 or 0.01
    return {
        "lon": [round(minx - padx, 5), round(maxx + padx, 5)],
        "lat": [round(miny - pady, 5), round(maxy + pady, 5)],
        "center": {"lon": round((minx + maxx) / 2, 5), "lat": round((miny + maxy) / 2, 5)},
        "key": hashlib.sha1(",".join(sorted(map(str, codes))).encode()).hexdigest()[:10],
    }


def _geometry_files(
    coverage: pd.DataFrame,
    dimension_key: str,
    geometry: str = "tiles",
    selected: str | None = None,
    height: int = 620,
    width: int | None = None,
) -> tuple:
    """The versions of the files a map of this geometry is drawn from (part of the figure cache key)."""
    files = (
        (paths.TILES_CSV, paths.FORCES_CSV)
        if geometry == "tiles"
        else (paths.BOUNDARIES_GEOJSON, paths.BOUNDARIES_META)
    )
    versions: list[tuple[object, ...]] = []  # (path, inode, mtime, size), or (path, None) when missing
    for path in files:
        try:
            st = os.stat(path)
            versions.append((str(path), st.st_ino, st.st_mtime_ns, st.st_size))
        except OSError:
            versions.append((str(path), None))
    return tuple(versions)


@cached_figure(extra=_geometry_files)
def coverage_map(
    coverage: pd.DataFrame,
    dimension_key: str,
    geometry: str = "tiles",
    selected: str | None = None,
    height: int = 620,
    width: int | None = None,
) -> go.Figure:
    """A map of one coverage dimension: one coloured shape per force, labelled with its status symbol.

    coverage: rows of core.queries.coverage() (one per force; a region filter
    simply leaves forces out and the map zooms to the rest). dimension_key: a key
    of charts.palette.MAP_DIMENSIONS. geometry: "tiles" (default, always
    available) or "boundaries" (after `python -m geo import FILE`). selected: a
    pfa_code drawn with a thick dark outline. width: the px the map is drawn at on a page;
    a legend entry too long for it is wrapped (plotly wraps a legend between entries, never
    within one), measured with the charts' font (charts.chart_text).
    """
    if dimension_key not in MAP_DIMENSIONS:
        raise ValueError(f"unknown map dimension {dimension_key!r}; expected one of {', '.join(MAP_DIMENSIONS)}")
    if geometry not in GEOMETRIES:
        raise ValueError(f"unknown geometry {geometry!r}; expected one of {', '.join(GEOMETRIES)}")
    dim = MAP_DIMENSIONS[dimension_key]
    geojson = load_geometry(geometry)
    points = label_points(geometry)
    tiles = geometry == "tiles"

    df = coverage.reset_index(drop=True).copy()
    df["_status"] = _statuses(df, dim)
    # The selected force goes last so its thick outline is drawn over its neighbours'.
    df["_selected"] = df["pfa_code"] == selected
    df = df.sort_values(["_selected", "pfa_code"], kind="stable").reset_index(drop=True)
    n = len(dim.order)
    z = [dim.order.index(s) for s in df["_status"]]
    colorscale = []
    for i, status in enumerate(dim.order):
        colorscale += [[i / n, dim.colour(status)], [(i + 1) / n, dim.colour(status)]]
    names = df["short_name"] if "short_name" in df else df["force_name"]
    key_label = KEY_FIGURE_LABELS.get(dim.key_figure, dim.key_figure.replace("_", " ").capitalize())
    show_key = dim.key_figure != dim.column
    dated = _dated(df, dim)
    # On the advocacy map, the posts in FTE an office returned (the sources give none).
    fte = df["isa_fte"] if dim.theme is rules.ISAC and "isa_fte" in df else [None] * len(df)
    # A key figure derived from the source's words (an end date from "end of March 2025" or "the
    # [one-year] pilot") says so, as it does everywhere else it is shown.
    derived_column = f"{dim.key_figure}_derived"
    derived = df[derived_column].fillna(False).astype(bool) if derived_column in df else [False] * len(df)
    customdata = [
        [
            name,
            f"{dim.symbol(s)} {s}",
            (_key_figure(k) + (DERIVED_NOTE if x and _key_figure(k) != "not stated" else "")) if show_key else "",
            int(q) if pd.notna(q) else 0,
            _reported_words(s, r, d),
            _fte_line(f),
        ]
        for name, s, k, x, q, r, d, f in zip(
            names,
            df["_status"],
            df[dim.key_figure],
            derived,
            df["evidence_quotes"],
            _reported_on(df, dim),
            dated,
            fte,
        )
    ]
    hover = (
        "<b>%{customdata[0]}</b><br>"
        f"{dim.label}: %{{customdata[1]}}<br>"
        + (f"{key_label}: %{{customdata[2]}}<br>" if show_key else "")
        + "%{customdata[5]}%{customdata[4]}Evidence quotes: %{customdata[3]}<extra></extra>"
    )
    normal_width = 1.5 if tiles else 0.6
    fig = go.Figure()
    fig.add_trace(
        go.Choropleth(
            geojson=geojson,
            featureidkey="properties.pfa_code",
            locations=df["pfa_code"].tolist(),
            z=z,
            zmin=-0.5,
            zmax=n - 0.5,
            colorscale=colorscale,
            showscale=False,
            marker={
                "line": {
                    "color": [SELECTED_OUTLINE if s else OUTLINE for s in df["_selected"]],
                    "width": [4 if s else normal_width for s in df["_selected"]],
                }
            },
            customdata=customdata,
            hovertemplate=hover,
            # A click selects a force; the others fade a little but stay legible.
            unselected={"marker": {"opacity": 0.6}},
            name=dim.label,
            showlegend=False,
        )
    )

    # Status symbols (and, on tiles, the force label) so colour is never the only cue.
    # One text trace per text colour, so a click selection (which fades unselected
    # points) can be told to leave the labels as they are.
    placed = df[df["pfa_code"].isin(points.keys())]
    ink = [text_colour(dim.colour(s)) for s in placed["_status"]]
    symbols = [
        dim.symbol(s) + (f" {DATED_SYMBOL}" if d else "") for s, d in zip(placed["_status"], dated[placed.index])
    ]
    text = [f"{lab}<br>{sym}" for lab, sym in zip(placed["label"], symbols)] if tiles else symbols
    for colour in sorted(set(ink)):
        rows = [i for i, c in enumerate(ink) if c == colour]
        fig.add_trace(
            go.Scattergeo(
                lon=[points[placed["pfa_code"].iloc[i]][0] for i in rows],
                lat=[points[placed["pfa_code"].iloc[i]][1] for i in rows],
                text=[text[i] for i in rows],
                mode="text",
                textfont={"size": 12 if tiles else 11, "color": colour},
                selected={"textfont": {"color": colour}},
                unselected={"textfont": {"color": colour}},
                hoverinfo="skip",
                showlegend=False,
                name="labels",
            )
        )

    # Dated reports (more than 12 months before the date shown): hatched, and marked ◷ above.
    hatched = df.loc[dated, "pfa_code"].tolist()
    # Dark lines on light fills, light lines on dark ones, so the hatching shows on every colour.
    for light in (False, True):
        codes = tuple(
            code
            for code, status in zip(df.loc[dated, "pfa_code"], df.loc[dated, "_status"])
            if (text_colour(dim.colour(status)) == TEXT_LIGHT) == light
        )
        if not codes:
            continue
        lon, lat = _hatching(geometry, codes)
        fig.add_trace(
            go.Scattergeo(
                lon=lon,
                lat=lat,
                mode="lines",
                line={"color": DATED_HATCH_ON_DARK if light else DATED_HATCH, "width": 1},
                hoverinfo="skip",
                showlegend=False,
                name="dated",
            )
        )

    # Legend: one marker-only entry per status, with its count; no data of its own.
    counts = df["_status"].value_counts()
    for status in dim.order:
        fig.add_trace(
            go.Scattergeo(
                lon=[None],
                lat=[None],
                mode="markers",
                marker={
                    "symbol": "square",
                    "size": 15,
                    "color": dim.colour(status),
                    "line": {"color": "#6F777B", "width": 1},
                },
                name=legend_label(dim, status, int(counts.get(status, 0))),
                hoverinfo="skip",
                showlegend=True,
            )
        )

    if hatched:
        fig.add_trace(
            go.Scattergeo(
                lon=[None],
                lat=[None],
                mode="markers",
                marker={"symbol": "square-open", "size": 15, "color": TEXT_DARK, "line": {"width": 1}},
                name=f"{DATED_SYMBOL} hatched: last reported more than 12 months before the date shown ({len(hatched)})",
                hoverinfo="skip",
                showlegend=True,
            )
        )

    if width:
        room = width - LEGEND_SWATCH
        for trace in fig.data:
            if trace.showlegend and trace.name and text_width(html.unescape(trace.name), LEGEND_FONT) > room:
                trace.name = wrap(html.unescape(trace.name), room, LEGEND_FONT)

    # Two short lines, so the note fits a narrow column (annotations do not wrap).
    note = TILE_NOTE if tiles else current_attribution().replace(" Contains OS data", "<br>Contains OS data")
    view = _view(feature_bounds(geometry), df["pfa_code"])
    fig.update_layout(
        height=height,
        margin={"l": 0, "r": 0, "t": 8, "b": 40},
        paper_bgcolor="white",
        # Keeps the user's zoom and pan across reruns (a new dimension or selection);
        # a different geometry or set of forces (region filter) starts a fresh view.
        uirevision=f"coverage-map-{geometry}-{view['key']}",
        geo={
            "visible": False,
            "fitbounds": False,
            "lonaxis": {"range": view["lon"]},
            "lataxis": {"range": view["lat"]},
            "center": view["center"],
            "projection": {"type": "equirectangular" if tiles else "mercator", "scale": 1},
            "bgcolor": "rgba(0,0,0,0)",
            "domain": {"x": [0, 1], "y": [0, 1]},
        },
        # Above the map, wrapping to the width: it never covers a force, whatever
        # the container width or region filter.
        legend={
            "title": {"text": f"<b>{dim.label}</b> (number of forces)", "side": "top"},
            "orientation": "h",
            "x": 0.0,
            "y": 1.0,
            "xanchor": "left",
            "yanchor": "bottom",
            "itemclick": False,
            "itemdoubleclick": False,
            "font": {"size": LEGEND_FONT},
        },
        font={"family": FAMILY},
        hoverlabel={"bgcolor": "white", "font": {"family": FAMILY, "color": TEXT_DARK}},
        annotations=[
            {
                "text": note,
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0,
                "y": 0,
                "xanchor": "left",
                "yanchor": "top",
                "yshift": -6,
                "font": {"size": 11, "color": NOTE_GREY},
                "align": "left",
            }
        ],
        dragmode="pan",
    )
    return fig
