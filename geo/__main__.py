"""Command line: `python -m geo import FILE [--year YYYY]`.

Imports official police force area boundaries for the map. Prints one line per
problem and exits 1 without writing anything when the file cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core import paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="import an ONS Police Force Areas boundary file")
    imp.add_argument("file", type=Path, help="GeoJSON, GeoPackage, Shapefile, or a .zip holding one")
    imp.add_argument(
        "--year",
        type=int,
        default=None,
        help="year for the OS copyright notice (default: the vintage of the code field, e.g. 2023 for PFA23CD)",
    )
    args = parser.parse_args(argv)

    try:
        from geo.boundaries import BUDGET_BYTES, ImportProblem, import_boundaries

        report = import_boundaries(args.file, year=args.year)
    except ImportProblem as err:
        for line in err.problems:
            print(f"error: {line}", file=sys.stderr)
        print(f"Nothing was written; {paths.BOUNDARIES_GEOJSON} is unchanged.", file=sys.stderr)
        return 1
    except Exception as err:  # noqa: BLE001 - never a traceback: one clear line
        print(f"error: {args.file}: {type(err).__name__}: {' '.join(str(err).split())}", file=sys.stderr)
        print(f"Nothing was written; {paths.BOUNDARIES_GEOJSON} is unchanged.", file=sys.stderr)
        return 1
    print(
        f"Imported {report.areas} police force areas from {report.source_file} "
        f"(code field {report.code_field}, {report.source_crs}, {report.features_in} features, "
        f"{report.repaired_features} repaired, {report.parts_dropped} tiny parts dropped), "
        f"simplified at {report.tolerance_m:g} m: {report.bytes:,} bytes (budget {BUDGET_BYTES:,}).\n"
        f"Wrote {report.target}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
