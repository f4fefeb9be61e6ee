"""Command line: python -m etl build | check | docs.

A failed check prints one line per problem (file:row:column: message) and
exits with status 1, having written nothing.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboard import paths
from etl import pipeline
from etl.problems import InputError, display_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="validate data/ and (re)build the DuckDB database")
    b.add_argument("--data", type=Path, default=paths.DATA_DIR, help="input directory (default: data/)")
    b.add_argument("--out", type=Path, default=None, help=f"database file (default: {display_path(paths.DATABASE)})")
    c = sub.add_parser("check", help="validate data/ without writing anything")
    c.add_argument("--data", type=Path, default=paths.DATA_DIR)
    d = sub.add_parser("docs", help="regenerate the generated blocks of data/DICTIONARY.md")
    d.add_argument("--check", action="store_true", help="only check that they are current")
    args = parser.parse_args(argv)

    if args.command == "docs":
        from etl import docs

        if docs.update(check=args.check):
            print(f"{display_path(paths.DICTIONARY_MD)} is current" if args.check else f"Updated {display_path(paths.DICTIONARY_MD)}")
            return 0
        print(f"{display_path(paths.DICTIONARY_MD)} is out of date; run `python -m etl docs`", file=sys.stderr)
        return 1

    try:
        if args.command == "check":
            pipeline.validate_inputs(pipeline.read_inputs(args.data))
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


if __name__ == "__main__":
    sys.exit(main())
