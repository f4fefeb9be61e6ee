"""Command line: `python -m demand import FILE… [--released YYYY-MM-DD] [--mid-year YYYY] [--no-build]`.

Imports the official figures of demand: the Home Office's police force area tables (recorded
stalking), and the ONS mid-year population estimates with the ONS local authority to police force
area lookup. Prints one line per problem and exits 1 without writing anything when a file cannot
be used. After storing, rebuilds the database (`python -m etl build`) unless told not to.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from pathlib import Path

from core import paths
from core.problems import InputError, display_path


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date in YYYY-MM-DD form") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demand", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="import recorded crime and population files as published")
    imp.add_argument("files", type=Path, nargs="+", metavar="FILE", help="ODS, XLSX or CSV, as downloaded")
    imp.add_argument(
        "--released",
        type=_date,
        default=None,
        help="release date of files whose name does not carry one (the Home Office's do: …-240725.ods)",
    )
    imp.add_argument(
        "--mid-year", type=int, default=None, help="mid-year of the population estimates, if not in the title"
    )
    imp.add_argument("--data", type=Path, default=paths.DATA_DIR, help="input directory whose writer lock is taken")
    imp.add_argument(
        "--database", type=Path, default=None, help=f"the database (default {display_path(paths.DATABASE)})"
    )
    imp.add_argument("--no-build", action="store_true", help="store only; rebuild later with python -m etl build")
    args = parser.parse_args(argv)

    from demand import store

    database = args.database or paths.DATABASE
    folder = store.store_dir(database)
    try:
        report = store.import_files(
            args.files, database=database, data_dir=args.data, released=args.released, mid_year=args.mid_year
        )
    except InputError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        print(
            f"{len(err.problems)} problem(s) found; nothing was written ({display_path(folder)} is unchanged).",
            file=sys.stderr,
        )
        return 1
    for line in report.lines:
        print(line)
    print(f"Stored in {display_path(folder)}: " + ", ".join(p.name for p in report.stored))
    if args.no_build:
        print("Rebuild the database to show them: python -m etl build")
        return 0
    # The database is rebuilt by the ETL's own command (this package sits beside it, below it in no way).
    build = subprocess.run(
        [sys.executable, "-m", "etl", "build", "--data", str(args.data), "--out", str(database)], check=False
    )
    return build.returncode


if __name__ == "__main__":
    sys.exit(main())
