"""The map geometries of the 43 police force areas.

- `geo.tiles`: the hand-written hexagon tile grid (geo/tiles.csv), the default geometry.
- `geo.boundaries`: import of the official ONS boundaries (`python -m geo import FILE`)
  and loading of whichever geometries are available.

The map figure drawn from them is `charts.mapfig`; `ui.map_view` shows it.
No boundary data is shipped in the repository: the tile grid needs none, and the
official boundaries are imported by whoever runs the dashboard (see geo/README.md).
"""
