"""Command line: python -m returns import FILE [--dry-run] | template [FORCE] [--out FILE].

A return that fails a check prints one line per problem (file:row:column:
message) and exits with status 1, having written nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core import paths
from core.problems import InputError, Problem, display_path
from core.queries import DatabaseMissing
from core.text import printable
from etl import pipeline
from etl.read import read_bounded
from returns import importing, templates
from returns.comparing import Preview
from returns.reading import MAX_RETURN_BYTES, SUFFIXES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m returns", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    i = sub.add_parser("import", help="check a return, show what it changes, store it and rebuild the database")
    i.add_argument("file", type=Path, help="the return: a .csv or .xlsx file")
    i.add_argument("--dry-run", action="store_true", help="check and show the changes only; write nothing")
    i.add_argument("--data", type=Path, default=paths.DATA_DIR, help="input directory (default: data/)")
    i.add_argument("--out", type=Path, default=None, help=f"database file (default: {display_path(paths.DATABASE)})")
    t = sub.add_parser("template", help="write a return template, pre-filled with a force's current position")
    t.add_argument("force", nargs="?", help="ONS code or name of the force; omit for a blank template")
    t.add_argument("--out", type=Path, default=None, help="a .csv or .xlsx file (default: CSV on standard output)")
    t.add_argument("--data", type=Path, default=paths.DATA_DIR)
    t.add_argument(
        "--db",
        type=Path,
        default=None,
        help=f"database to read the position from (default: {display_path(paths.DATABASE)})",
    )
    args = parser.parse_args(argv)
    try:
        return import_return(args) if args.command == "import" else template(args)
    except DatabaseMissing as err:
        print(err, file=sys.stderr)
        return 1
    except InputError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        print(f"{len(err.problems)} problem(s) found; nothing was written.", file=sys.stderr)
        return 1


def say(text: object) -> None:
    """Print one line: whatever a return or a file name holds, it cannot start another line or
    send the terminal an escape code (core.text.printable)."""
    print(printable(text))


def show_preview(preview: Preview) -> None:
    ret = preview.ret
    say(
        f"{ret.name}: return for {ret.force_as_named} ({ret.pfa_code}) as at {ret.as_at}, submitted by {ret.submitted_by}"
    )
    say(f"From {ret.as_at} on (current value → value in this return):")
    for change in preview.changes:
        say(f"  {change}")
    for note in preview.notes:
        say(note)
    sys.stdout.flush()


def import_return(args) -> int:
    name = display_path(args.file)
    raw, problem = read_bounded(args.file, MAX_RETURN_BYTES, "return (.csv or .xlsx)")
    if raw is None:
        raise InputError([problem])
    result = importing.import_return(
        raw,
        args.file.name,
        data_dir=args.data,
        database=args.out,
        dry_run=args.dry_run,
        name=name,
        on_preview=show_preview,
    )
    if args.dry_run:
        print("Dry run: nothing was written.")
        return 0
    say(f"Stored {display_path(result.stored)} (sha256 {result.preview.ret.sha256})")
    say(f"Rebuilt {display_path(result.build.database)}")
    return 0


def template(args) -> int:
    code = None
    if args.force:
        tables = pipeline.read_inputs(args.data)
        code = pipeline.validate_inputs(tables).forces.resolve(args.force)
        if code is None:
            print(
                printable(
                    f"unknown force '{args.force}'; expected a name, alias or ONS code listed in data/forces.csv"
                ),
                file=sys.stderr,
            )
            return 1
    rows = templates.template(code, data_dir=args.data, database=args.db)
    if args.out is None:
        sys.stdout.write(templates.template_csv(rows).decode("utf-8-sig"))
        return 0
    suffix = args.out.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            [
                Problem(
                    display_path(args.out),
                    0,
                    "",
                    f"'{suffix or 'no extension'}' is not a template format; expected .csv or .xlsx",
                )
            ]
        )
    data = templates.template_csv(rows) if suffix == ".csv" else templates.template_xlsx(rows, args.data)
    try:
        args.out.write_bytes(data)
    except OSError as err:
        raise InputError(
            [
                Problem(
                    display_path(args.out),
                    0,
                    "",
                    f"cannot be written ({err.strerror or err}); expected a writable path",
                )
            ]
        ) from None
    say(f"Wrote {display_path(args.out)} ({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
