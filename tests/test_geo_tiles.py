"""The hexagon tile grid: one equal cell per force, a layout that keeps borders and regions."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest
import shapely

from core import paths
from geo.tiles import TilesError, grid_neighbours, neighbour_share, read_tiles, tile_polygons
from tests.geo_helpers import CODES, FORCES, exterior_clockwise


def test_tiles_one_valid_equal_cell_per_force():
    tiles = tile_polygons()
    assert sorted(tiles["pfa_code"]) == CODES
    assert len(tiles) == 43
    assert not tiles.duplicated(["row", "col"]).any()
    assert tiles.geometry.is_valid.all()
    areas = shapely.area(tiles.geometry.values)
    assert areas.max() - areas.min() < 1e-12
    for a, b in itertools.combinations(tiles.geometry, 2):
        assert a.intersection(b).area < 1e-12  # neighbours share an edge, never area
    assert all(exterior_clockwise(g) for g in tiles.geometry)
    minx, miny, maxx, maxy = tiles.total_bounds
    assert -1e-9 <= minx and maxx < 2 and -1e-9 <= miny and maxy < 2  # the small synthetic lon/lat box


def test_tile_layout_keeps_most_borders_and_regions():
    pos = read_tiles()
    pairs = pd.read_csv(paths.NEIGHBOURS_CSV)[["pfa_code", "neighbour_code"]].values
    hits, total = neighbour_share(pairs)
    assert total == 99
    assert hits / total >= 0.8, f"only {hits}/{total} true neighbour pairs are grid-adjacent"
    region = dict(zip(FORCES["pfa_code"], FORCES["region"]))
    at = {cell: code for code, cell in pos.items()}
    for name in set(region.values()):
        members = [c for c in pos if region[c] == name]
        seen, stack = {members[0]}, [members[0]]
        while stack:
            for cell in grid_neighbours(*pos[stack.pop()]):
                other = at.get(cell)
                if other and region[other] == name and other not in seen:
                    seen.add(other)
                    stack.append(other)
        assert len(seen) == len(members), f"{name} is split on the tile grid"
    # London: the Met and the City both present and adjacent.
    assert pos["E23000034"] in grid_neighbours(*pos["E23000001"])
    # Wales on the west: no English tile west of a Welsh tile in the same row.
    for code, (row, col) in pos.items():
        if code.startswith("W"):
            assert not any(c.startswith("E") and r == row and cc < col for c, (r, cc) in pos.items())
    # North at the top: Northumbria in the first row, Devon and Cornwall in the last.
    assert pos["E23000007"][0] == 0
    assert pos["E23000035"][0] == max(r for r, _ in pos.values())


def _write_tiles(tmp_path: Path, rows: list[tuple[str, int, int]], header: str = "pfa_code,row,col") -> Path:
    path = tmp_path / "tiles.csv"
    path.write_text(header + "\n" + "".join(f"{c},{r},{k}\n" for c, r, k in rows), encoding="utf-8")
    return path


def _good_rows() -> list[tuple[str, int, int]]:
    return [(c, r, k) for c, (r, k) in sorted(read_tiles().items())]


def test_bad_tiles_duplicate_position(tmp_path):
    rows = _good_rows()
    rows[1] = (rows[1][0], rows[0][1], rows[0][2])
    with pytest.raises(TilesError, match=r"holds more than one force: .*"):
        tile_polygons(_write_tiles(tmp_path, rows))


def test_bad_tiles_missing_unknown_and_repeated_codes(tmp_path):
    rows = _good_rows()
    dropped = rows.pop()
    rows.append(("E23000099", 30, 30))
    rows.append((rows[0][0], 31, 31))
    with pytest.raises(TilesError) as err:
        read_tiles(_write_tiles(tmp_path, rows))
    text = str(err.value)
    assert f"no tile for 1 force(s): {dropped[0]}" in text
    assert "not in forces.csv: E23000099" in text
    assert f"listed more than once: {rows[0][0]}" in text


def test_bad_tiles_header_and_numbers(tmp_path):
    with pytest.raises(TilesError, match="header must be exactly pfa_code,row,col"):
        read_tiles(_write_tiles(tmp_path, _good_rows(), header="code,row,col"))
    rows = _good_rows()
    rows[0] = (rows[0][0], "x", 1)
    with pytest.raises(TilesError, match="whole numbers"):
        read_tiles(_write_tiles(tmp_path, rows))
