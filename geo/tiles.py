"""The hexagon tile-grid cartogram: one equal-sized hexagon per police force area.

The layout is hand-written in geo/tiles.csv (columns pfa_code,row,col) and is the
map's default geometry, so the dashboard needs no boundary file at all.

Grid convention ("odd-r" offset coordinates, pointy-top hexagons):

- row 0 is the northernmost row and rows grow southwards; col grows eastwards;
- odd rows are shifted half a cell east;
- grid neighbours of (row, col) are (row, col +/- 1) plus, on even rows,
  (row +/- 1, col - 1) and (row +/- 1, col), and on odd rows (row +/- 1, col)
  and (row +/- 1, col + 1).

Coordinates: plotly's geo subplot only draws longitude/latitude, so each cell is
a regular hexagon in a small synthetic lon/lat box just north of (0°, 0°): cell
width CELL_DEG = 0.1° of longitude, row pitch 0.1 x sqrt(3)/2 degrees of latitude.
At the equator a degree of longitude and of latitude are the same length to
within 0.7%, and across a box under 1.2° tall cos(latitude) varies by less than
0.03%, so the cells are equal-area on the ground and the equirectangular
projection draws them as regular hexagons. The coordinates are not real places;
they only position the tiles relative to each other.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path

import geopandas as gpd
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from core import paths
from geo.forces import describe, force_names

CELL_DEG = 0.1  # hexagon width (flat side to flat side), degrees of longitude
ROW_PITCH_DEG = CELL_DEG * math.sqrt(3) / 2  # distance between row centres, degrees of latitude
CIRCUMRADIUS_DEG = CELL_DEG / math.sqrt(3)  # centre to vertex
ORIGIN_LON = CELL_DEG / 2  # centre of (row 0, col 0): the box starts at 0° east
ORIGIN_LAT = 1.0
COLUMNS = ["pfa_code", "row", "col"]


class TilesError(ValueError):
    """geo/tiles.csv is not a valid layout; `problems` holds one line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def read_tiles(path: Path | None = None, forces_path: Path | None = None) -> dict[str, tuple[int, int]]:
    """{pfa_code: (row, col)} from tiles.csv, validated against data/forces.csv.

    Raises TilesError naming every problem: a bad header or number, a code listed
    twice, a code missing or not in forces.csv, two forces on one cell.
    """
    path = Path(path or paths.TILES_CSV)
    names = force_names(forces_path)
    problems: list[str] = []
    positions: dict[str, tuple[int, int]] = {}
    seen: Counter[str] = Counter()
    try:
        fh = open(path, newline="", encoding="utf-8")
    except OSError as err:
        raise TilesError([f"{path}: cannot read the tile layout ({err.strerror})"]) from err
    with fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != COLUMNS:
            raise TilesError([f"{path}:1: header must be exactly {','.join(COLUMNS)} (found {reader.fieldnames})"])
        for line, rec in enumerate(reader, start=2):
            code = (rec["pfa_code"] or "").strip()
            seen[code] += 1
            try:
                row, col = int(rec["row"]), int(rec["col"])
                if row < 0 or col < 0:
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(
                    f"{path}:{line}: row and col must be whole numbers >= 0 (got {rec['row']!r}, {rec['col']!r}) for {code}"
                )
                continue
            positions.setdefault(code, (row, col))
    dupes = sorted(c for c, n in seen.items() if n > 1)
    if dupes:
        problems.append(f"{path}: listed more than once: {describe(dupes, names)}")
    missing = set(names) - set(seen)
    if missing:
        problems.append(f"{path}: no tile for {len(missing)} force(s): {describe(missing, names)}")
    unknown = set(seen) - set(names)
    if unknown:
        problems.append(f"{path}: code(s) not in {paths.FORCES_CSV.name}: {describe(unknown, names)}")
    by_cell: dict[tuple[int, int], list[str]] = {}
    for code, cell in positions.items():
        by_cell.setdefault(cell, []).append(code)
    for cell, codes in sorted(by_cell.items()):
        if len(codes) > 1:
            problems.append(f"{path}: row {cell[0]}, col {cell[1]} holds more than one force: {describe(codes, names)}")
    if problems:
        raise TilesError(problems)
    return positions


def grid_neighbours(row: int, col: int) -> list[tuple[int, int]]:
    """The six cells touching (row, col) in the odd-r layout."""
    shift = 0 if row % 2 == 0 else 1
    return [
        (row, col - 1),
        (row, col + 1),
        (row - 1, col - 1 + shift),
        (row - 1, col + shift),
        (row + 1, col - 1 + shift),
        (row + 1, col + shift),
    ]


def tile_centre(row: int, col: int) -> tuple[float, float]:
    """(lon, lat) of a cell's centre."""
    return (
        ORIGIN_LON + (col + 0.5 * (row % 2)) * CELL_DEG,
        ORIGIN_LAT - row * ROW_PITCH_DEG,
    )


def hexagon(row: int, col: int) -> Polygon:
    """The pointy-top hexagon of a cell, exterior ring clockwise (as plotly's geo subplot needs)."""
    cx, cy = tile_centre(row, col)
    ring = [
        (cx + CIRCUMRADIUS_DEG * math.cos(math.radians(a)), cy + CIRCUMRADIUS_DEG * math.sin(math.radians(a)))
        for a in (90, 30, -30, -90, -150, -210)
    ]
    return orient(Polygon(ring), sign=-1.0)


def tile_polygons(path: Path | None = None, forces_path: Path | None = None) -> gpd.GeoDataFrame:
    """One hexagon per force: columns pfa_code, row, col, geometry (EPSG:4326, synthetic box)."""
    positions = read_tiles(path, forces_path)
    codes = sorted(positions)
    return gpd.GeoDataFrame(
        {
            "pfa_code": codes,
            "row": [positions[c][0] for c in codes],
            "col": [positions[c][1] for c in codes],
        },
        geometry=[hexagon(*positions[c]) for c in codes],
        crs="EPSG:4326",
    )


def neighbour_share(neighbour_pairs, path: Path | None = None) -> tuple[int, int]:
    """(grid-adjacent, total) over the given true neighbour pairs: how well the layout keeps borders."""
    positions = read_tiles(path)
    at = {cell: code for code, cell in positions.items()}
    pairs = {tuple(sorted(p)) for p in neighbour_pairs}
    hits = sum(1 for a, b in pairs if at.get(positions[a]) and positions[b] in grid_neighbours(*positions[a]))
    return hits, len(pairs)
