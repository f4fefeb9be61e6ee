"""The coverage map figure: one trace, geometry once, counts, symbols, selection, offline base map."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from charts.mapfig import PLOTLY_CONFIG, coverage_map, status_counts
from charts.palette import MAP_DIMENSIONS, NOT_REPORTED
from core import paths
from geo import boundaries
from geo.boundaries import BUDGET_BYTES
from tests.geo_helpers import CODES, shared_import  # noqa: F401


@pytest.fixture
def coverage(built_db):
    from core import queries

    return queries.coverage(queries.source_date())


def mixed(coverage: pd.DataFrame, dimension_key: str) -> pd.DataFrame:
    """The real coverage with statuses spread over every category, to exercise the legend."""
    dim = MAP_DIMENSIONS[dimension_key]
    df = coverage.copy()
    df[dim.column] = [dim.order[i % len(dim.order)] for i in range(len(df))]
    return df


def texts(fig) -> list[str]:
    return [t for tr in fig.data if tr.type == "scattergeo" and tr.mode == "text" for t in tr.text]


@pytest.mark.parametrize("key", list(MAP_DIMENSIONS))
def test_tile_map_one_trace_geometry_once_counts(coverage, key):
    df = mixed(coverage, key)
    fig = coverage_map(df, key)
    assert [t.type for t in fig.data].count("choropleth") == 1
    chor = fig.data[0]
    assert chor.featureidkey == "properties.pfa_code"
    assert sorted(chor.locations) == CODES
    text = fig.to_json()
    assert text.count('"FeatureCollection"') == 1
    assert len(text.encode()) < 40_000
    legend = {t.name for t in fig.data if t.showlegend}
    counts = df[MAP_DIMENSIONS[key].column].value_counts()
    dim = MAP_DIMENSIONS[key]
    for status in dim.order:
        assert f"{dim.symbol(status)} {status} ({int(counts.get(status, 0))})" in legend
    assert status_counts(df, key) == {s: int(counts.get(s, 0)) for s in dim.order}
    assert fig.layout.geo.visible is False
    assert fig.layout.geo.projection.type == "equirectangular"
    # Colour scale: each status index lands in a band of its own colour.
    n = len(dim.order)
    for status, z in zip(df.sort_values("pfa_code")[dim.column], chor.z):
        assert dim.order[z] == status
        (lo, c_lo), (hi, c_hi) = chor.colorscale[2 * z], chor.colorscale[2 * z + 1]
        assert (lo, hi) == pytest.approx((z / n, (z + 1) / n))
        assert c_lo == c_hi == dim.colour(status)


def test_not_reported_forces_carry_question_mark(coverage):
    fig = coverage_map(coverage, "isac")
    labels = texts(fig)
    nr = coverage[coverage["isac_status"].fillna(NOT_REPORTED) == NOT_REPORTED]
    assert len(nr) > 0
    for label in nr["label"]:
        assert f"{label}<br>?" in labels
    legend = [t.name for t in fig.data if t.showlegend]
    assert legend[-1] == f"? {NOT_REPORTED} ({len(nr)})"


def test_selected_force_outlined_and_hover(coverage):
    fig = coverage_map(coverage, "isac", selected="E23000014")
    chor = fig.data[0]
    assert chor.locations[-1] == "E23000014"  # drawn last, on top of its neighbours
    widths = list(chor.marker.line.width)
    assert widths[-1] > max(widths[:-1])
    assert chor.marker.line.color[-1] not in ("#FFFFFF", "white")
    assert "Evidence quotes" in chor.hovertemplate and "ISA posts stated: " in chor.hovertemplate
    row = [c for loc, c in zip(chor.locations, chor.customdata) if loc == "E23000002"][0]
    assert row[0] == "Cumbria" and row[2] == "not stated"
    assert fig.layout.uirevision  # zoom survives reruns


def test_region_subset_and_bad_input(coverage):
    london = coverage[coverage["region"] == "London"]
    fig = coverage_map(london, "masip")
    assert sorted(fig.data[0].locations) == ["E23000001", "E23000034"]
    lon = fig.layout.geo.lonaxis.range
    assert lon[1] - lon[0] < 0.5  # framed on the two London tiles
    with pytest.raises(ValueError, match="unknown map dimension"):
        coverage_map(coverage, "nope")
    with pytest.raises(ValueError, match="unknown geometry"):
        coverage_map(coverage, "isac", geometry="globe")
    bad = coverage.copy()
    bad.loc[0, "isac_status"] = "something new"
    with pytest.raises(ValueError, match="something new"):
        coverage_map(bad, "isac")


def test_no_boundaries_means_tiles_only(tmp_path, monkeypatch, coverage):
    monkeypatch.setattr(paths, "BOUNDARIES_GEOJSON", tmp_path / "none.geojson")
    monkeypatch.setattr(paths, "BOUNDARIES_META", tmp_path / "none.meta.json")
    assert boundaries.available_geometries() == ["tiles"]
    with pytest.raises(FileNotFoundError, match="python -m geo import"):
        coverage_map(coverage, "isac", geometry="boundaries")
    assert boundaries.current_attribution().endswith("database right.")


def test_offline_base_map_files():
    for name in ("world_110m.json", "world_50m.json"):
        topo = json.loads((paths.STATIC_DIR / name).read_text(encoding="utf-8"))
        assert topo["type"] == "Topology"
        for layer in ("coastlines", "land", "ocean", "lakes", "rivers", "countries", "subunits"):
            assert topo["objects"][layer] == {"type": "GeometryCollection", "geometries": []}
    assert PLOTLY_CONFIG["topojsonURL"] == "app/static/"
    config = (paths.REPO_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert re.search(r"^enableStaticServing\s*=\s*true", config, re.M)


def test_map_view_selection_and_render(built_db):
    from streamlit.testing.v1 import AppTest

    from ui.map_view import selected_location

    class Event:
        selection = {"points": [{"curve_number": 1, "lon": 0.1}, {"curve_number": 0, "location": "E23000005"}]}

    assert selected_location(Event()) == "E23000005"
    assert selected_location(None) is None

    def page():
        from core import queries
        from ui.map_view import show_coverage_map

        cov = queries.coverage(queries.source_date())
        show_coverage_map(cov, "isac", "tiles", selected="E23000001")

    at = AppTest.from_function(page, default_timeout=60).run()
    assert not at.exception


def test_boundary_map_builds(shared_import, built_db, monkeypatch):
    target, meta, _ = shared_import
    monkeypatch.setattr(paths, "BOUNDARIES_GEOJSON", target)
    monkeypatch.setattr(paths, "BOUNDARIES_META", meta)
    assert boundaries.available_geometries() == ["tiles", "boundaries"]
    from core import queries

    cov = queries.coverage(queries.source_date())
    fig = coverage_map(cov, "funding", geometry="boundaries", selected="E23000001")
    assert [t.type for t in fig.data].count("choropleth") == 1
    text = fig.to_json()
    assert text.count('"FeatureCollection"') == 1
    assert len(text.encode()) < BUDGET_BYTES + 50_000
    assert "Office for National Statistics" in fig.layout.annotations[0].text
    assert fig.layout.geo.projection.type == "mercator"
