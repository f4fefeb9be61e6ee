"""Command line: python -m etl build | check | docs | datapackage.

A failed check prints one line per problem (file:row:column: message) and
exits with status 1, having written nothing. Returns are imported with
`python -m returns import FILE`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core import paths
from core.problems import InputError, display_path
from etl import pipeline


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="validate data/ and (re)build the DuckDB database")
    b.add_argument("--data", type=Path, default=paths.DATA_DIR, help="input directory (default: data/)")
    b.add_argument("--out", type=Path, default=None, help=f"database file (default: {display_path(paths.DATABASE)})")
    c = sub.add_parser("check", help="validate data/ without writing anything")
    c.add_argument("--data", type=Path, default=paths.DATA_DIR)
    for name, what in (
        ("docs", "the generated blocks of data/DICTIONARY.md and README.md"),
        ("datapackage", "data/datapackage.json"),
    ):
        d = sub.add_parser(name, help=f"regenerate {what}")
        d.add_argument("--check", action="store_true", help="only check that it is current")
    args = parser.parse_args(argv)

    if args.command in ("docs", "datapackage"):
        return regenerate(args.command, args.check)

    try:
        if args.command == "check":
            pipeline.check_all(args.data)
            print(f"{display_path(args.data)}: all inputs valid")
            return 0
        result = pipeline.build(args.data, args.out)
    except InputError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        print(f"{len(err.problems)} problem(s) found; nothing was written.", file=sys.stderr)
        return 1

    print(f"Built {display_path(result.database)}")
    print("| table | rows |\n|---|---:|")
    for name, rows in result.row_counts.items():
        print(f"| {name} | {rows} |")
    return 0


def regenerate(what: str, check: bool) -> int:
    """Rewrite (or, with check, only compare) a file generated from the schema."""
    from etl import datapackage, docs

    if what == "docs":
        targets, out_of_date = list(docs.DOCUMENTS), docs.stale(check=check)
    else:
        targets = [paths.DATAPACKAGE_JSON]
        out_of_date = [] if datapackage.update(check=check) else targets
    for target in out_of_date:
        print(f"{display_path(target)} is out of date; run `python -m etl {what}`", file=sys.stderr)
    if out_of_date:
        return 1
    for target in targets:
        print(f"{display_path(target)} is current" if check else f"Updated {display_path(target)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
