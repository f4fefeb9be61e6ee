"""Importing official boundaries: formats, repairs, the budget, and clear refusals that write nothing.

Boundary files are made here from synthetic squares; the real-shaped check uses
../shared/geo and skips when it is absent.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon, box, shape

from core import paths
from geo import boundaries
from geo.boundaries import BUDGET_BYTES, ImportProblem, import_boundaries
from tests.geo_helpers import CODES, SHARED_GEOJSON, exterior_clockwise, needs_shared_geo, shared_import, squares  # noqa: F401


@pytest.fixture
def store(tmp_path):
    """A target that already holds an import of the synthetic squares (to prove failures leave it alone)."""
    target = tmp_path / "build" / "boundaries.geojson"
    meta = tmp_path / "build" / "boundaries.meta.json"
    src = tmp_path / "good.geojson"
    squares().to_file(src, driver="GeoJSON")
    import_boundaries(src, target, meta)
    before = {p.name: p.read_bytes() for p in target.parent.iterdir()}

    def unchanged():
        after = {p.name: p.read_bytes() for p in target.parent.iterdir()}
        assert after == before, "a failed import changed or left files in the build folder"

    return target, meta, unchanged


def fails(store, source: Path, *patterns: str) -> str:
    target, meta, unchanged = store
    with pytest.raises(ImportProblem) as err:
        import_boundaries(source, target, meta)
    text = "\n".join(err.value.problems)
    for pattern in patterns:
        assert re.search(pattern, text), f"{pattern!r} not in {text!r}"
    unchanged()
    return text


def read_store(target: Path) -> dict[str, object]:
    fc = json.loads(target.read_text(encoding="utf-8"))
    return {f["properties"]["pfa_code"]: shape(f["geometry"]) for f in fc["features"]}


def test_import_synthetic_geojson_pfa23cd(store):
    target, meta, _ = store
    geoms = read_store(target)
    assert sorted(geoms) == CODES
    assert all(g.is_valid and exterior_clockwise(g) for g in geoms.values())
    info = json.loads(meta.read_text(encoding="utf-8"))
    assert info["code_field"] == "PFA23CD"
    assert info["vintage_year"] == 2023 and info["attribution_year"] == 2023
    assert info["source_file"] == "good.geojson" and len(info["source_sha256"]) == 64
    assert info["source_crs"] == "EPSG:27700" and info["imported_at"]
    assert info["bytes"] == target.stat().st_size < BUDGET_BYTES
    assert "2023" in boundaries.attribution(info["attribution_year"])


@pytest.mark.parametrize("kind", ["shp", "gpkg", "zip", "wgs84"])
def test_import_other_formats(tmp_path, kind):
    gdf = squares(field="PFA15CD")
    if kind == "shp":
        src = tmp_path / "pfa.shp"
        gdf.to_file(src)
    elif kind == "gpkg":
        src = tmp_path / "pfa.gpkg"
        gdf.to_file(src, driver="GPKG", layer="PFA_2015")
    elif kind == "zip":
        shp_dir = tmp_path / "shp"
        shp_dir.mkdir()
        gdf.to_file(shp_dir / "Police_Force_Areas.shp")
        src = tmp_path / "download.zip"
        with zipfile.ZipFile(src, "w") as zf:
            for f in shp_dir.iterdir():
                zf.write(f, f"Police_Force_Areas/{f.name}")
    else:
        src = tmp_path / "pfa.geojson"
        gdf.to_crs("EPSG:4326").to_file(src, driver="GeoJSON")
    target = tmp_path / "out" / "boundaries.geojson"
    report = import_boundaries(src, target)
    assert report.code_field == "PFA15CD" and report.vintage_year == 2015
    geoms = read_store(target)
    assert sorted(geoms) == CODES
    assert all(g.is_valid and exterior_clockwise(g) for g in geoms.values())


def test_bow_tie_is_repaired_and_duplicates_dissolved(tmp_path):
    gdf = squares()
    x0, y0, x1, y1 = gdf.geometry[5].bounds
    gdf.loc[5, "geometry"] = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])  # self-intersecting bow-tie
    assert not gdf.geometry[5].is_valid
    extra = gdf.iloc[[7]].copy()
    extra["geometry"] = [box(0, 0, 1, 1).buffer(0)]  # placeholder, replaced below
    left, bottom, right, top = gdf.geometry[7].bounds
    gdf.loc[7, "geometry"] = box(left, bottom, (left + right) / 2, top)
    extra["geometry"] = [box((left + right) / 2, bottom, right, top)]
    gdf = pd.concat([gdf, extra], ignore_index=True)
    src = tmp_path / "bowtie.geojson"
    gdf.to_file(src, driver="GeoJSON")
    target = tmp_path / "boundaries.geojson"
    report = import_boundaries(src, target)
    assert report.repaired_features == 1
    assert report.duplicate_codes_dissolved == 1
    geoms = read_store(target)
    assert len(geoms) == 43
    assert geoms[CODES[5]].is_valid and geoms[CODES[5]].area > 0
    assert geoms[CODES[7]].geom_type == "Polygon"  # the two halves were merged into one square


def test_one_force_missing(tmp_path, store):
    src = tmp_path / "missing.geojson"
    squares(codes=CODES[:-1]).to_file(src, driver="GeoJSON")
    fails(store, src, rf"missing 1 of the 43 police force areas: {CODES[-1]} \(Dyfed-Powys\)")


def test_unknown_44th_code(tmp_path, store):
    src = tmp_path / "extra.geojson"
    squares(codes=CODES + ["E23000099"]).to_file(src, driver="GeoJSON")
    fails(store, src, r"1 code\(s\) in field PFA23CD are not in data/forces.csv: E23000099")


def test_bng_metres_without_declared_crs(tmp_path, store):
    gdf = squares()
    fc = json.loads(gdf.to_json())
    fc.pop("crs", None)  # plain GeoJSON with British National Grid numbers and no CRS
    src = tmp_path / "bng.geojson"
    src.write_text(json.dumps(fc), encoding="utf-8")
    fails(store, src, r"coordinate reference system is not declared", r"British National Grid metres")


@pytest.mark.filterwarnings("ignore:.crs. was not provided")
def test_shapefile_without_prj(tmp_path, store):
    src = tmp_path / "noprj.shp"
    squares(crs=None).to_file(src)
    assert not src.with_suffix(".prj").exists()
    fails(
        store,
        src,
        r"coordinate reference system is not declared \(coordinates look like British National Grid metres\)",
    )


def test_unsupported_crs(tmp_path, store):
    src = tmp_path / "webmerc.gpkg"
    squares().to_crs("EPSG:3857").to_file(src, driver="GPKG")
    fails(store, src, r"unsupported coordinate reference system EPSG:3857")


def test_empty_feature_collection(tmp_path, store):
    src = tmp_path / "empty.geojson"
    src.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    fails(store, src, r"empty.geojson: (holds no features|no police force area code field)")


def test_csv_renamed_geojson(tmp_path, store):
    src = tmp_path / "forces.geojson"
    src.write_bytes(paths.FORCES_CSV.read_bytes())
    fails(store, src, r"forces.geojson: cannot be read as GeoJSON")


def test_no_code_field_and_unsupported_type(tmp_path, store):
    src = tmp_path / "nocode.geojson"
    squares(field="LAD23CD").to_file(src, driver="GeoJSON")
    fails(store, src, r"no police force area code field .* fields found: LAD23CD, PFA23NM")
    txt = tmp_path / "pfa.txt"
    txt.write_text("nothing", encoding="utf-8")
    fails(store, txt, r"unsupported file type .txt")
    bad_zip = tmp_path / "broken.zip"
    bad_zip.write_bytes(b"PK not really")
    fails(store, bad_zip, r"not a readable zip file")


def test_cli_prints_one_line_per_problem_and_no_traceback(tmp_path):
    build = tmp_path / "build"
    env = dict(os.environ, STALKING_BUILD_DIR=str(build))
    bad = tmp_path / "bad.geojson"
    squares(codes=CODES[2:] + ["E23000099"]).to_file(bad, driver="GeoJSON")
    run = subprocess.run(
        [sys.executable, "-m", "geo", "import", str(bad)],
        cwd=paths.REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 2, run.stderr  # missing codes, unknown code
    assert not build.exists() or not any(build.iterdir())
    good = tmp_path / "good.gpkg"
    squares().to_file(good, driver="GPKG")
    run = subprocess.run(
        [sys.executable, "-m", "geo", "import", str(good)],
        cwd=paths.REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert (build / "boundaries.geojson").is_file() and (build / "boundaries.meta.json").is_file()
    assert sorted(p.name for p in build.iterdir()) == ["boundaries.geojson", "boundaries.meta.json"]


# ---------------------------------------------------------------- the shared test geography


def test_import_shared_geography(shared_import):
    target, meta, report = shared_import
    size = target.stat().st_size
    assert size < BUDGET_BYTES == 500_000
    assert report.bytes == size
    geoms = read_store(target)
    assert sorted(geoms) == CODES
    for code, g in geoms.items():
        assert g.is_valid, code
        assert g.geom_type in ("Polygon", "MultiPolygon")
        assert exterior_clockwise(g), f"{code} has an anticlockwise exterior ring"
    assert json.loads(meta.read_text(encoding="utf-8"))["code_field"] == "pfa_code"


def test_shared_geography_neighbours_match_the_list():
    """Every listed pair touches; every pair sharing a border line is listed.

    Pairs that meet at a single point in this generalised geography are allowed
    either way: Lincolnshire and Northamptonshire share a real border only about
    20 m long, which generalisation reduces to a point, and is listed; other
    corner contacts are not borders and are not listed.
    """
    needs_shared_geo()
    gdf = gpd.read_file(SHARED_GEOJSON).to_crs("EPSG:27700").set_index("pfa_code")
    listed = {tuple(sorted(p)) for p in pd.read_csv(paths.NEIGHBOURS_CSV)[["pfa_code", "neighbour_code"]].values}
    touching, border = set(), set()
    for a, b in itertools.combinations(sorted(gdf.index), 2):
        if gdf.geometry[a].intersects(gdf.geometry[b]):
            touching.add((a, b))
            if gdf.geometry[a].intersection(gdf.geometry[b]).length > 0:
                border.add((a, b))
    assert not listed - touching, f"listed but not touching: {sorted(listed - touching)}"
    assert not border - listed, f"sharing a border but not listed: {sorted(border - listed)}"
    assert (listed - border) <= {("E23000020", "E23000022")}, (
        f"listed but meeting only at a point: {sorted(listed - border)}"
    )
