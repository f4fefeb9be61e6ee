"""Shared helpers for the map-layer tests (geo/).

Tests that need real boundaries read ../shared/geo (core.paths.SHARED_GEO_DIR)
and skip when it is absent; nothing derived from it is stored in the repository.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from core import paths

FORCES = pd.read_csv(paths.FORCES_CSV)
CODES = sorted(FORCES["pfa_code"])
SHARED_GEOJSON = paths.SHARED_GEO_DIR / "pfa_boundaries_ew.geojson"


def needs_shared_geo():
    if not SHARED_GEOJSON.is_file():
        pytest.skip(f"shared test geography not present at {paths.SHARED_GEO_DIR}")


def exterior_clockwise(geom) -> bool:
    """Outer rings clockwise and holes anticlockwise, as plotly's geo subplot needs."""
    polys = getattr(geom, "geoms", [geom])
    return all(not p.exterior.is_ccw and all(r.is_ccw for r in p.interiors) for p in polys)


def squares(field: str = "PFA23CD", codes: list[str] = CODES, crs: str | None = "EPSG:27700") -> gpd.GeoDataFrame:
    """One 10 km square per code on a 7-wide grid in British National Grid: a clean coverage."""
    geoms = [
        box(
            400_000 + (i % 7) * 10_000,
            300_000 + (i // 7) * 10_000,
            410_000 + (i % 7) * 10_000,
            310_000 + (i // 7) * 10_000,
        )
        for i in range(len(codes))
    ]
    return gpd.GeoDataFrame(
        {field: codes, "PFA23NM": [f"area {i}" for i in range(len(codes))]}, geometry=geoms, crs=crs
    )


@pytest.fixture(scope="module")
def shared_import(tmp_path_factory):
    needs_shared_geo()
    folder = tmp_path_factory.mktemp("shared-import")
    target, meta = folder / "boundaries.geojson", folder / "boundaries.meta.json"
    from geo.boundaries import import_boundaries

    report = import_boundaries(SHARED_GEOJSON, target, meta)
    return target, meta, report
