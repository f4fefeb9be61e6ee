"""Official police force area boundaries: import once, then load for the map.

`python -m geo import FILE` reads an ONS "Police Force Areas" boundary file
(GeoJSON, GeoPackage, Shapefile, or a .zip holding one), checks it holds exactly
the 43 codes of data/forces.csv, repairs and simplifies it to fit BUDGET_BYTES,
and writes it atomically to core.paths.BOUNDARIES_GEOJSON with a sidecar
(core.paths.BOUNDARIES_META). On any problem nothing is written and a
previously imported file is left as it was.

The repository ships no boundaries: the hexagon tile grid (geo.tiles) is the
default geometry and `available_geometries()` offers "boundaries" only once a
file has been imported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import shutil
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely
import shapely.geometry
import shapely.ops
from pyproj import CRS
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from core import atomic, clock, paths
from core.digests import file_sha256
from geo.forces import describe, force_names

# The stored GeoJSON for all 43 areas must be smaller than this (500 KB). It is
# embedded once in every boundary map sent to the browser, so it is also the
# ceiling on the map's download size.
BUDGET_BYTES = 500_000
# Coordinates are rounded to 4 decimal places of a degree: about 11 m north-south
# and 7 m east-west in England and Wales, far below the simplification tolerance.
COORD_DECIMALS = 4
# Simplification tolerances tried in turn (metres, British National Grid); the
# first whose output fits the budget is kept. 50 m is already finer than a pixel
# when the whole of England and Wales is on screen.
TOLERANCES_M = (50, 75, 100, 125, 150, 175, 200, 250, 300, 400, 500, 600, 800, 1200, 1600, 2400, 3200)
# Polygon parts (islets, slivers) smaller than this are dropped, except a force's
# largest part: 2 hectares, invisible at any zoom the dashboard offers.
MIN_PART_AREA_M2 = 20_000

SUPPORTED_SUFFIXES = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GeoPackage", ".shp": "Shapefile"}
CODE_FIELD = re.compile(r"^pfa(\d\d)cd$", re.IGNORECASE)
BNG = CRS.from_epsg(27700)
WGS84 = CRS.from_epsg(4326)
# Plausible extents of England and Wales (with a margin) in each accepted CRS.
WGS84_BOX = (-8.0, 49.0, 3.0, 57.0)
BNG_BOX = (-10_000.0, -10_000.0, 700_000.0, 1_300_000.0)
MAX_ZIP_BYTES = 2_000_000_000

ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right {year}."
)


def attribution(year: int | None = None) -> str:
    """The notice to show with imported ONS boundaries; the year is left out when unknown."""
    text = ATTRIBUTION.format(year=year if year else "")
    return text.replace(" right .", " right.")


class ImportProblem(Exception):
    """The boundary file cannot be imported; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class ImportReport:
    source_file: str
    source_sha256: str
    imported_at: str
    code_field: str
    vintage_year: int | None
    attribution_year: int | None
    source_crs: str
    features_in: int
    areas: int
    repaired_features: int
    duplicate_codes_dissolved: int
    parts_dropped: int
    simplification: str
    tolerance_m: float
    decimals: int
    bytes: int
    budget_bytes: int
    stored_sha256: str
    target: str


# ---------------------------------------------------------------- reading


def _extract_zip(path: Path, workdir: Path) -> Path:
    """Extract a zip safely into workdir and return the one boundary file inside it."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise ImportProblem([f"{path.name}: not a readable zip file ({err})"]) from err
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX/")]
        if sum(m.file_size for m in members) > MAX_ZIP_BYTES:
            raise ImportProblem(
                [f"{path.name}: the zip expands to more than {MAX_ZIP_BYTES:,} bytes; refusing to extract it"]
            )
        candidates = [m.filename for m in members if Path(m.filename).suffix.lower() in SUPPORTED_SUFFIXES]
        if not candidates:
            raise ImportProblem(
                [f"{path.name}: the zip holds no GeoJSON, GeoPackage or Shapefile (.geojson, .json, .gpkg, .shp)"]
            )
        if len(candidates) > 1:
            raise ImportProblem(
                [
                    f"{path.name}: the zip holds several boundary files ({', '.join(sorted(candidates))}); unzip it and import one"
                ]
            )
        root = workdir.resolve()
        for m in members:
            dest = (root / m.filename).resolve()
            if root not in dest.parents:
                raise ImportProblem(
                    [f"{path.name}: zip member {m.filename!r} would extract outside the working folder; refusing it"]
                )
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(m) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
        return root / candidates[0]


def _code_field(columns) -> str | None:
    """The code column: the newest PFAnnCD field, else `pfa_code` (any case)."""
    vintage = sorted((c for c in columns if CODE_FIELD.match(str(c))), key=lambda c: CODE_FIELD.match(c).group(1))
    if vintage:
        return vintage[-1]
    return next((c for c in columns if str(c).lower() == "pfa_code"), None)


def _read_source(path: Path, workdir: Path) -> tuple[gpd.GeoDataFrame, str]:
    """The features of the boundary file and the name of its code field."""
    name = path.name
    if not path.is_file():
        raise ImportProblem([f"{path}: no such file"])
    suffix = path.suffix.lower()
    if suffix == ".zip":
        path = _extract_zip(path, workdir)
        name = f"{name}/{path.relative_to(workdir.resolve())}"
        suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ImportProblem(
            [
                f"{name}: unsupported file type {suffix or '(none)'}; expected GeoJSON (.geojson, .json), GeoPackage (.gpkg), Shapefile (.shp) or a .zip holding one"
            ]
        )
    kind = SUPPORTED_SUFFIXES[suffix]
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(path)]
    except Exception as err:  # pyogrio raises DataSourceError and friends; all mean "cannot read"
        raise ImportProblem([f"{name}: cannot be read as {kind} ({_gdal_reason(err, path)})"]) from err
    if not layers:
        raise ImportProblem([f"{name}: holds no layers"])
    layer = layers[0]
    if len(layers) > 1:
        with_code = []
        for lyr in layers:
            try:
                fields = pyogrio.read_info(path, layer=lyr)["fields"]
            except Exception:  # noqa: BLE001 - an unreadable layer is skipped
                continue
            if _code_field(list(fields)):
                with_code.append(lyr)
        if len(with_code) != 1:
            raise ImportProblem(
                [
                    f"{name}: holds {len(layers)} layers ({', '.join(layers)}) and {len(with_code)} of them have a PFAnnCD code field; expected exactly one"
                ]
            )
        layer = with_code[0]
    try:
        gdf = pyogrio.read_dataframe(path, layer=layer)
    except Exception as err:
        raise ImportProblem([f"{name}: cannot be read as {kind} ({_gdal_reason(err, path)})"]) from err
    if not isinstance(gdf, gpd.GeoDataFrame) or "geometry" not in gdf:
        raise ImportProblem([f"{name}: has no geometry column; is it really a {kind} boundary file?"])
    if len(gdf) == 0:
        raise ImportProblem([f"{name}: holds no features"])
    field = _code_field([c for c in gdf.columns if c != "geometry"])
    if field is None:
        fields = ", ".join(str(c) for c in gdf.columns if c != "geometry") or "none"
        raise ImportProblem(
            [
                f"{name}: no police force area code field (PFA23CD, PFA15CD or any PFAnnCD, or pfa_code); fields found: {fields}"
            ]
        )
    return gdf, field


def _one_line(err: Exception) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def _gdal_reason(err: Exception, path: Path) -> str:
    """GDAL's reason without the file path it repeats or its hint about driver prefixes."""
    text = _one_line(err).replace(f"'{path}' ", "").replace(f"{path}: ", "").replace(str(path), "the file")
    return text.split("; It might help")[0].rstrip(".") or type(err).__name__


def _looks_like(bounds) -> str:
    minx, miny, maxx, maxy = bounds
    if _within(bounds, WGS84_BOX):
        return "longitude/latitude degrees"
    if _within(bounds, BNG_BOX):
        return "British National Grid metres"
    return f"neither degrees nor British National Grid metres (x {minx:.6g} to {maxx:.6g}, y {miny:.6g} to {maxy:.6g})"


def _within(bounds, box) -> bool:
    minx, miny, maxx, maxy = bounds
    return box[0] <= minx and box[1] <= miny and maxx <= box[2] and maxy <= box[3]


def _check_crs(gdf: gpd.GeoDataFrame, name: str) -> CRS:
    bounds = gdf.total_bounds
    if any(math.isnan(b) for b in bounds):
        raise ImportProblem([f"{name}: every geometry is empty"])
    crs = gdf.crs
    if crs is None:
        raise ImportProblem(
            [
                f"{name}: the coordinate reference system is not declared (coordinates look like {_looks_like(bounds)}); "
                "the import does not guess: export the file again with its CRS (EPSG:27700 or EPSG:4326), e.g. keep the .prj beside a Shapefile"
            ]
        )
    if crs.equals(WGS84, ignore_axis_order=True):
        if not _within(bounds, WGS84_BOX):
            raise ImportProblem(
                [
                    f"{name}: the coordinate reference system is not declared: the coordinates look like {_looks_like(bounds)}, "
                    'but the file reads as EPSG:4326 longitude/latitude (as any GeoJSON without a "crs" member does); '
                    "the import does not guess: export it again as EPSG:4326, or as EPSG:27700 with the CRS declared"
                ]
            )
        return WGS84
    if crs.equals(BNG, ignore_axis_order=True) or crs.to_epsg() == 27700:
        if not _within(bounds, BNG_BOX):
            raise ImportProblem(
                [
                    f"{name}: declares British National Grid (EPSG:27700) but its coordinates look like {_looks_like(bounds)}"
                ]
            )
        return BNG
    raise ImportProblem(
        [
            f"{name}: unsupported coordinate reference system {crs.to_string()}; expected EPSG:27700 (British National Grid) or EPSG:4326"
        ]
    )


# ---------------------------------------------------------------- geometry


def _polygonal(geom) -> MultiPolygon | None:
    """The polygonal parts of a geometry as one MultiPolygon (None when there are none)."""
    if geom is None or geom.is_empty:
        return None
    parts: list[Polygon] = []
    stack = [geom]
    while stack:
        g = stack.pop()
        if isinstance(g, Polygon):
            if not g.is_empty:
                parts.append(g)
        elif hasattr(g, "geoms"):
            stack.extend(g.geoms)
    return MultiPolygon(parts) if parts else None


def _repair(geom):
    """(polygonal geometry, repaired?) with invalid shapes fixed by make_valid."""
    if geom is None or geom.is_empty:
        return None, False
    if geom.is_valid:
        return _polygonal(geom), False
    return _polygonal(shapely.make_valid(geom)), True


def _drop_small_parts(geom: MultiPolygon) -> tuple[MultiPolygon, int]:
    parts = list(geom.geoms)
    largest = max(parts, key=lambda p: p.area)
    kept = [p for p in parts if p is largest or p.area >= MIN_PART_AREA_M2]
    return MultiPolygon(kept), len(parts) - len(kept)


def _orient_clockwise(geom) -> MultiPolygon | Polygon:
    """Exterior rings clockwise, holes anticlockwise: what plotly's geo subplot (d3-geo) needs."""
    if isinstance(geom, Polygon):
        return orient(geom, sign=-1.0)
    return MultiPolygon([orient(p, sign=-1.0) for p in geom.geoms])


def _round_coords(coords, decimals: int) -> list:
    return [[round(x, decimals), round(y, decimals)] for x, y, *_ in coords]


def _geojson_geometry(geom, decimals: int) -> dict:
    def poly(p: Polygon) -> list:
        return [_round_coords(p.exterior.coords, decimals)] + [_round_coords(r.coords, decimals) for r in p.interiors]

    if isinstance(geom, Polygon):
        return {"type": "Polygon", "coordinates": poly(geom)}
    polys = list(geom.geoms)
    if len(polys) == 1:
        return {"type": "Polygon", "coordinates": poly(polys[0])}
    return {"type": "MultiPolygon", "coordinates": [poly(p) for p in polys]}


def _finish(geoms_bng: list, tolerance: float, decimals: int, coverage_ok: bool) -> tuple[list, str]:
    """Simplify (in metres), reproject to EPSG:4326, round, orient; returns geometries and method."""
    if tolerance > 0:
        if coverage_ok:
            simplified = list(shapely.coverage_simplify(geoms_bng, tolerance))
            method = "coverage_simplify (topology preserved)"
        else:
            simplified = [shapely.simplify(g, tolerance, preserve_topology=True) for g in geoms_bng]
            method = "simplify per area (input is not a clean coverage)"
    else:
        simplified, method = list(geoms_bng), "none"
    wgs = gpd.GeoSeries(simplified, crs=BNG).to_crs(WGS84)
    rounded = shapely.set_precision(wgs.values, 10.0**-decimals)
    out = []
    for g in rounded:
        if not g.is_valid:
            g = shapely.make_valid(g)
        g = _polygonal(g)
        out.append(_orient_clockwise(g) if g is not None else None)
    return out, method


def _feature_collection(codes: list[str], geoms: list, decimals: int) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"pfa_code": c}, "geometry": _geojson_geometry(g, decimals)}
            for c, g in zip(codes, geoms)
        ],
    }


def _dumps(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------- import


def prepare(source: Path, year: int | None = None) -> tuple[bytes, ImportReport]:
    """Read, check, repair, simplify: the bytes to store and a report. Writes nothing.

    Raises ImportProblem with one line per problem.
    """
    source = Path(source)
    names = force_names()
    with tempfile.TemporaryDirectory(prefix="geo-import-") as tmp:
        gdf, field = _read_source(source, Path(tmp))
        name = source.name
        crs = _check_crs(gdf, name)

        codes = gdf[field].astype("string").str.strip().str.upper()
        problems = []
        blank = int(codes.isna().sum() + (codes == "").sum())
        if blank:
            problems.append(f"{name}: {blank} feature(s) have no code in field {field}")
        present = set(codes.dropna()) - {""}
        missing = set(names) - present
        unknown = present - set(names)
        if missing:
            problems.append(
                f"{name}: missing {len(missing)} of the {len(names)} police force areas: {describe(missing, names)}"
            )
        if unknown:
            problems.append(
                f"{name}: {len(unknown)} code(s) in field {field} are not in data/forces.csv: {describe(unknown, names)}"
            )
        if problems:
            raise ImportProblem(problems)

        repaired = 0
        geoms = []
        for g in gdf.geometry.values:
            fixed, was_repaired = _repair(g)
            repaired += was_repaired
            geoms.append(fixed)
        parts = gpd.GeoDataFrame({"code": codes.to_numpy()}, geometry=geoms, crs=crs)
        parts = parts[parts.geometry.notna()]
        empty = set(names) - set(parts["code"])
        if empty:
            raise ImportProblem([f"{name}: no polygon geometry for {describe(empty, names)}"])
        if crs != BNG:
            parts = parts.to_crs(BNG)
        duplicates = int(parts["code"].duplicated().sum())

        ordered = sorted(names)
        dropped = 0
        dissolved = []
        for code in ordered:
            g = shapely.union_all(parts.geometry[parts["code"] == code].values)
            if not g.is_valid:
                g = shapely.make_valid(g)
            g = _polygonal(g)
            if g is None:
                raise ImportProblem([f"{name}: no polygon area left for {describe([code], names)} after repair"])
            g, n = _drop_small_parts(g)
            dropped += n
            dissolved.append(g)

        try:
            coverage_ok = bool(shapely.coverage_is_valid(dissolved))
        except Exception:  # noqa: BLE001 - no coverage check means simplify part by part
            coverage_ok = False

        data = None
        for tolerance in TOLERANCES_M:
            final, method = _finish(dissolved, tolerance, COORD_DECIMALS, coverage_ok)
            lost = [c for c, g in zip(ordered, final) if g is None or g.is_empty]
            if lost:
                raise ImportProblem([f"{name}: simplifying at {tolerance} m left no area for {describe(lost, names)}"])
            invalid = [c for c, g in zip(ordered, final) if not g.is_valid]
            if invalid:
                raise ImportProblem(
                    [f"{name}: could not make valid geometry for {describe(invalid, names)} after simplifying"]
                )
            candidate = _dumps(_feature_collection(ordered, final, COORD_DECIMALS))
            if len(candidate) < BUDGET_BYTES:
                data = candidate
                break
        if data is None:
            raise ImportProblem(
                [
                    f"{name}: even simplified at {TOLERANCES_M[-1]} m the boundaries take {len(candidate):,} bytes, "
                    f"over the {BUDGET_BYTES:,}-byte budget; use a generalised ONS file (BGC or BUC)"
                ]
            )

        match = CODE_FIELD.match(field)
        vintage = 2000 + int(match.group(1)) if match else None
        report = ImportReport(
            source_file=source.name,
            source_sha256=file_sha256(source),
            imported_at=clock.now().replace(tzinfo=dt.UTC).isoformat(timespec="seconds"),
            code_field=field,
            vintage_year=vintage,
            attribution_year=year or vintage,
            source_crs=f"EPSG:{crs.to_epsg()}",
            features_in=len(gdf),
            areas=len(ordered),
            repaired_features=repaired,
            duplicate_codes_dissolved=duplicates,
            parts_dropped=dropped,
            simplification=method,
            tolerance_m=tolerance,
            decimals=COORD_DECIMALS,
            bytes=len(data),
            budget_bytes=BUDGET_BYTES,
            stored_sha256=hashlib.sha256(data).hexdigest(),
            target="",
        )
        return data, report


def import_boundaries(
    source: Path, target: Path | None = None, meta_target: Path | None = None, year: int | None = None
) -> ImportReport:
    """Import a boundary file into `target` (default paths.BOUNDARIES_GEOJSON) and its sidecar.

    Both files are written beside their targets and moved into place with
    os.replace, so a reader sees the old file or the new one, never a part.
    On any problem nothing is written and ImportProblem is raised.
    """
    target = Path(target or paths.BOUNDARIES_GEOJSON)
    meta_target = Path(
        meta_target
        or (paths.BOUNDARIES_META if target == paths.BOUNDARIES_GEOJSON else target.with_suffix(".meta.json"))
    )
    data, report = prepare(source, year)
    report.target = str(target)
    temps: list[Path] = []
    try:
        temps.append(atomic.write_beside(target, data, mode=0o644))
        temps.append(atomic.write_beside(meta_target, _dumps(asdict(report)) + b"\n", mode=0o644))
        # The sidecar names the sha256 of the file it describes, so a reader can
        # tell if a crash left them out of step.
        atomic.commit(temps[1], meta_target)
        atomic.commit(temps[0], target)
    except OSError as err:
        raise ImportProblem([f"cannot write {target}: {err.strerror or err}"]) from err
    finally:
        for t in temps:
            t.unlink(missing_ok=True)
    return report


# ---------------------------------------------------------------- loading for the map

GEOMETRIES = ("tiles", "boundaries")


def available_geometries() -> list[str]:
    """["tiles"], plus "boundaries" once an official file has been imported."""
    return ["tiles", "boundaries"] if paths.BOUNDARIES_GEOJSON.is_file() else ["tiles"]


def _stamp(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path), st.st_mtime_ns, st.st_size


@lru_cache(maxsize=4)
def _tiles_geojson(tiles: tuple, forces: tuple) -> dict:
    from geo.tiles import tile_polygons

    gdf = tile_polygons(Path(tiles[0]), Path(forces[0]))
    return _feature_collection(list(gdf["pfa_code"]), list(gdf.geometry), 5)


@lru_cache(maxsize=4)
def _boundaries_geojson(stamp: tuple) -> dict:
    path = Path(stamp[0])
    try:
        fc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ValueError(
            f"{path}: cannot read the imported boundaries ({_one_line(err)}); import them again with `python -m geo import FILE`"
        ) from err
    if fc.get("type") != "FeatureCollection" or not all(
        "pfa_code" in f.get("properties", {}) for f in fc.get("features", [])
    ):
        raise ValueError(
            f"{path}: not a FeatureCollection with properties.pfa_code; import it again with `python -m geo import FILE`"
        )
    return fc


def load_geometry(kind: str) -> dict:
    """A GeoJSON FeatureCollection (properties.pfa_code, rings clockwise) for "tiles" or "boundaries".

    Cached in-process and re-read when the file changes. Treat the result as read-only.
    """
    if kind == "tiles":
        return _tiles_geojson(_stamp(paths.TILES_CSV), _stamp(paths.FORCES_CSV))
    if kind == "boundaries":
        if not paths.BOUNDARIES_GEOJSON.is_file():
            raise FileNotFoundError(
                f"no boundaries imported at {paths.BOUNDARIES_GEOJSON}; run `python -m geo import FILE`"
            )
        return _boundaries_geojson(_stamp(paths.BOUNDARIES_GEOJSON))
    raise ValueError(f"unknown geometry {kind!r}; expected one of {', '.join(GEOMETRIES)}")


@lru_cache(maxsize=8)
def _label_points(kind: str, stamp: tuple) -> dict[str, tuple[float, float]]:
    if kind == "tiles":
        from geo.tiles import read_tiles, tile_centre

        return {code: tile_centre(*cell) for code, cell in read_tiles().items()}
    points = {}
    for feature in load_geometry(kind)["features"]:
        geom = shapely.geometry.shape(feature["geometry"])
        largest = max(getattr(geom, "geoms", [geom]), key=lambda p: p.area)
        # The pole of inaccessibility: the point deepest inside the largest part.
        p = shapely.ops.polylabel(largest, tolerance=0.002)
        points[feature["properties"]["pfa_code"]] = (round(p.x, 4), round(p.y, 4))
    return points


@lru_cache(maxsize=8)
def _feature_bounds(kind: str, stamp: tuple) -> dict[str, tuple[float, float, float, float]]:
    return {
        f["properties"]["pfa_code"]: tuple(shapely.geometry.shape(f["geometry"]).bounds)
        for f in load_geometry(kind)["features"]
    }


def feature_bounds(kind: str) -> dict[str, tuple[float, float, float, float]]:
    """{pfa_code: (min lon, min lat, max lon, max lat)} of each force's shape."""
    path = paths.TILES_CSV if kind == "tiles" else paths.BOUNDARIES_GEOJSON
    load_geometry(kind)
    return dict(_feature_bounds(kind, _stamp(path)))


def label_points(kind: str) -> dict[str, tuple[float, float]]:
    """{pfa_code: (lon, lat)} where a force's label or symbol goes: tile centre or a point deep inside."""
    path = paths.TILES_CSV if kind == "tiles" else paths.BOUNDARIES_GEOJSON
    load_geometry(kind)  # raises the clear errors
    return dict(_label_points(kind, _stamp(path)))


def boundaries_meta() -> dict | None:
    """The sidecar of the imported boundaries, or None when absent or out of step with the file."""
    try:
        meta = json.loads(paths.BOUNDARIES_META.read_text(encoding="utf-8"))
        stored = file_sha256(paths.BOUNDARIES_GEOJSON)
    except (OSError, ValueError):
        return None
    return meta if meta.get("stored_sha256") == stored else None


def current_attribution() -> str:
    """Attribution for the imported boundaries, with the year recorded at import when known."""
    meta = boundaries_meta() or {}
    return attribution(meta.get("attribution_year"))
