"""Command line: briefing packs for batch work.

    python -m exports briefing --region Wales --out wales.zip
    python -m exports briefing --force E23000027            # or a name: --force Hertfordshire
    python -m exports briefing --all --as-at 2025-03-31
    python -m exports browser                                # which browser PNG/SVG export will use

On error: one line on stderr, exit status 1 (2 for bad arguments).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path


def _date(text: str) -> dt.date:
    """A date in the form YYYY-MM-DD, within the dates the data can hold (core.rules)."""
    from core import rules

    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {text!r}") from None
    reason = rules.date_out_of_range(date)
    if reason:
        raise argparse.ArgumentTypeError(reason)
    return date


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit status 2)."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see: {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m exports", description="Exports of the stalking services dashboard.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    b = sub.add_parser("briefing", help="build a briefing pack (zip) for a force, a region or England and Wales")
    scope = b.add_mutually_exclusive_group(required=True)
    scope.add_argument("--force", metavar="CODE", help="ONS code (E23000027) or name of a police force area")
    scope.add_argument("--region", metavar="NAME", help='region name, e.g. "Wales", "North West"')
    scope.add_argument("--all", action="store_true", help="all 43 force areas of England and Wales")
    b.add_argument("--as-at", type=_date, metavar="YYYY-MM-DD", help="position as at this date (default: today)")
    b.add_argument(
        "--out", type=Path, metavar="FILE.zip", help="where to write the zip (default: ./briefing-<scope>-<date>.zip)"
    )
    images = b.add_mutually_exclusive_group()
    images.add_argument(
        "--require-images",
        action="store_true",
        help="fail if PNG/SVG cannot be made (default: fall back to HTML charts with a warning)",
    )
    images.add_argument("--no-images", action="store_true", help="charts as HTML only; do not start a browser")
    b.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="deadline for each image (default 30, or STALKING_EXPORT_TIMEOUT)",
    )
    b.add_argument(
        "--marking",
        choices=["OFFICIAL", "OFFICIAL-SENSITIVE"],
        help="protective marking printed at the top and foot of every page of the Word briefing (default: none)",
    )
    b.add_argument("--quiet", action="store_true", help="print nothing on success")
    b.add_argument("--verbose", action="store_true", help="print each step on stderr")
    sub.add_parser("browser", help="print the browser PNG/SVG export will use, or why there is none")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from exports import images

    if args.command == "browser":
        path = images.find_browser()
        if path:
            print(path)
            return 0
        print(f"error: {images.UNAVAILABLE_MESSAGE}", file=sys.stderr)
        return 1

    from core import queries
    from exports import briefing

    try:
        if args.out is not None and not args.out.parent.is_dir():
            raise FileNotFoundError(f"folder {args.out.parent} does not exist")
        scope = briefing.resolve_scope(force=args.force, region=args.region, all_areas=args.all)
        wanted = True if args.require_images else (False if args.no_images else None)
        progress = (lambda msg: print(f"  {msg}", file=sys.stderr)) if args.verbose else None
        pack = briefing.build_pack(
            scope, args.as_at, images_wanted=wanted, timeout=args.timeout, progress=progress, marking=args.marking
        )
        out = args.out or Path(pack.filename)
        out.write_bytes(pack.data)
    except (briefing.ScopeError, images.ImageExportError, queries.DatabaseMissing, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for warning in pack.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if not args.quiet:
        print(f"Wrote {out} ({len(pack.files)} files, {len(pack.data) / 1e6:.1f} MB) in {pack.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
