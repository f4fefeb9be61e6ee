"""Command line for returns and returns rounds (the admin's command line).

    python -m returns import FILE [--dry-run]          a return sent on its own: check, store, rebuild
    python -m returns template [FORCE] [--out FILE]    a template (.csv rows; .xlsx the workbook form)
    python -m returns round open --title "…" --as-at YYYY-MM-DD --due YYYY-MM-DD [--forces CODE …]
    python -m returns round list | status ROUND [--csv] | templates ROUND --out DIR | close ROUND
    python -m returns submit FILE --round ROUND [--force CODE]   a return an office emailed, entered on its behalf
    python -m returns review ROUND FORCE --accept | --return "comment"
    python -m returns report ROUND --out FILE.zip [--no-charts]

The workflow database is STALKING_WORKFLOW_URL (default: SQLite in the build folder).
A return that fails a check prints one line per problem (file:row:column: message)
and exits with status 1, having written nothing; a refused action says why (exit 1).
So does a file that cannot be one (a folder, a device such as /dev/zero, a pipe: refused
before a byte is read) and a workflow database that cannot be written (a full disk, a
read-only mount): one line, nothing changed. Whatever a file name or a return holds is
printed on one line with its control characters escaped (core.text.printable).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import zipfile
from pathlib import Path

import sqlalchemy as sa

from core import clock, paths, queries
from core.problems import InputError, Problem, display_path
from core.queries import DatabaseMissing
from core.text import printable
from etl import pipeline
from etl.read import read_bounded
from exports import tables
from exports.common import ExportInfo
from intake import importing, templates
from intake.comparing import Preview
from intake.reading import MAX_RETURN_BYTES, SUFFIXES
from workflow import progress, review, rounds, submitting
from workflow.access import AccessListError, command_line_admin
from workflow.guard import Refused


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
        "--form",
        action="store_true",
        help="the workbook form an office fills in (.xlsx), instead of rows of the return format",
    )
    t.add_argument(
        "--db",
        type=Path,
        default=None,
        help=f"database to read the position from (default: {display_path(paths.DATABASE)})",
    )
    r = sub.add_parser("round", help="open, list, follow and close returns rounds").add_subparsers(
        dest="round_command", required=True
    )
    o = r.add_parser("open", help="open a round; prints its id")
    o.add_argument("--title", required=True)
    o.add_argument("--as-at", required=True, type=_date, help="the date the positions describe")
    o.add_argument("--due", required=True, type=_date)
    o.add_argument("--forces", nargs="*", help="ONS codes or names (default: all 43)")
    r.add_parser("list", help="every round")
    st = r.add_parser("status", help="one line per force with its state")
    st.add_argument("round")
    st.add_argument("--csv", action="store_true", help="CSV, with each force's commissioning body (for a mail merge)")
    tm = r.add_parser("templates", help="one pre-filled workbook per force, and a zip of all")
    tm.add_argument("round")
    tm.add_argument("--out", required=True, type=Path)
    c = r.add_parser("close", help="close a round")
    c.add_argument("round")
    s = sub.add_parser("submit", help="enter a return an office emailed, on its behalf (recorded as such)")
    s.add_argument("file", type=Path)
    s.add_argument("--round", required=True)
    s.add_argument("--force", help="ONS code or name (default: the force the file is for)")
    v = sub.add_parser("review", help="accept a submitted return, or return it with a comment")
    v.add_argument("round")
    v.add_argument("force")
    decision = v.add_mutually_exclusive_group(required=True)
    decision.add_argument("--accept", action="store_true")
    decision.add_argument("--return", dest="comment", metavar="COMMENT")
    rp = sub.add_parser("report", help="the round's report: a Word document and data, in a zip")
    rp.add_argument("round")
    rp.add_argument("--out", required=True, type=Path)
    rp.add_argument(
        "--no-charts",
        action="store_true",
        help="leave the charts out (drawing them needs Chromium; by default they are drawn when it is installed)",
    )
    args = parser.parse_args(argv)
    if not logging.getLogger().handlers:  # a refusal is printed once, below; the audit log keeps it
        logging.getLogger("stalking.security").addHandler(logging.NullHandler())
    try:
        if args.command == "import":
            return import_return(args)
        if args.command == "template":
            return template(args)
        return workflow(args)
    except DatabaseMissing as err:
        print(printable(err), file=sys.stderr)
        return 1
    except Refused as err:
        print(printable(f"refused: {err}"), file=sys.stderr)
        return 1
    except AccessListError as err:
        print(printable(err), file=sys.stderr)
        return 1
    except InputError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        print(f"{len(err.problems)} problem(s) found; nothing was written.", file=sys.stderr)
        return 1
    except sa.exc.SQLAlchemyError as err:  # the workflow database: a full disk, a read-only mount, a server gone
        print(printable(f"{_database_name()}: {_database_problem(err)}; nothing was changed"), file=sys.stderr)
        return 1
    except OSError as err:  # a file the command writes (--out, a folder it makes)
        where = display_path(Path(str(err.filename))) if err.filename else "file"
        print(
            printable(f"{where}: cannot be written ({err.strerror or err}); expected a writable path"), file=sys.stderr
        )
        return 1


def _database_name() -> str:
    """The workflow database as its URL names it: a SQLite file's path, else the URL without its password."""
    url = sa.engine.make_url(paths.WORKFLOW_URL)
    if url.get_backend_name() == "sqlite" and url.database:
        return url.database.removeprefix("file:").split("?")[0]
    return url.render_as_string(hide_password=True)


def _database_problem(err: sa.exc.SQLAlchemyError) -> str:
    """What the database said, in a line: 'the workflow database cannot be written (database or disk is full)'."""
    said = str(getattr(err, "orig", None) or err).strip().splitlines()[0]
    if isinstance(err, sa.exc.OperationalError | sa.exc.DatabaseError):
        return f"the workflow database cannot be written ({said})"
    return f"the workflow database cannot be used ({said})"


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
    if args.form:
        return form_template(args, code)
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


def form_template(args, code: str | None) -> int:
    """The workbook form, pre-filled with the force's position today (a return sent outside a round)."""
    from intake import forms, workbook

    if code is None or args.out is None or args.out.suffix.lower() != ".xlsx":
        raise InputError([Problem("template", 0, "", "--form needs a force and --out FILE.xlsx")])
    db = queries.Database(args.db or paths.DATABASE)
    today = clock.today()
    force = queries.forces(db).set_index("pfa_code").loc[code]
    answers, previous = forms.prefill(
        code, queries.facts(today, code, db=db), queries.funding_streams(today, pfa_code=code, db=db), force, today
    )
    args.out.write_bytes(workbook.build(answers, previous, force_name=force["short_name"]))
    say(f"Wrote {display_path(args.out)} (the return workbook for {force['short_name']})")
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {text!r}") from None


def _force(name: str) -> str:
    tables = pipeline.read_inputs(paths.DATA_DIR)
    code = pipeline.validate_inputs(tables).forces.resolve(name)
    if code is None:
        raise InputError([Problem("force", 0, "", f"unknown force {name!r}; expected an ONS code, name or alias")])
    return code


def workflow(args) -> int:
    """The rounds commands, as the command-line admin."""
    actor = command_line_admin()
    if args.command == "round":
        if args.round_command == "open":
            forces = [_force(f) for f in args.forces] if args.forces else None
            made = rounds.open_round(actor, args.title, args.as_at, args.due, forces)
            say(made.round_id)
        elif args.round_command == "list":
            for r in rounds.rounds():
                state = "closed" if r.closed_at else "open"
                fields = (r.round_id, state, f"as at {r.as_at}", f"due {r.due}", r.title)
                print("\t".join(printable(f) for f in fields))
        elif args.round_command == "status":
            frame = progress.status_frame(args.round)
            if args.csv:
                columns = [
                    "pfa_code",
                    "short_name",
                    "commissioning_body",
                    "state",
                    "overdue",
                    "late",
                    "updated_at",
                    "by",
                ]
                out = progress.readable_status(frame, columns)
                sys.stdout.write(
                    tables.to_csv(
                        out,
                        ExportInfo(
                            title=f"Round {args.round}: where each force stands",
                            source="Returns workflow",
                            data_date=clock.today(),
                        ),
                    ).decode("utf-8-sig")
                )
            else:
                for row in frame.itertuples():
                    flag = " (overdue)" if row.overdue else " (sent late)" if row.late else ""
                    print("\t".join(printable(f) for f in (row.pfa_code, f"{row.state}{flag}", row.short_name)))
        elif args.round_command == "templates":
            args.out.mkdir(parents=True, exist_ok=True)
            data = submitting.templates_zip(actor, args.round)
            zip_path = args.out / f"templates-{args.round}.zip"
            zip_path.write_bytes(data)
            with zipfile.ZipFile(zip_path) as zf:
                zf.extractall(args.out)
                say(f"Wrote {len(zf.namelist())} workbooks and {zip_path}")
        else:
            rounds.close_round(actor, args.round)
            say(f"Closed {args.round}")
        return 0
    if args.command == "submit":
        raw, problem = read_bounded(args.file, MAX_RETURN_BYTES, "return (.csv or .xlsx)")
        if raw is None:
            raise InputError([problem])
        code = _force(args.force) if args.force else _file_force(raw, args.file)
        submitted = submitting.submit(actor, args.round, code, file_bytes=raw, file_name=args.file.name)
        say(
            f"Submitted {args.file} for {code} as submission {submitted.submission_id} (entered on the office's behalf)"
        )
        return 0
    if args.command == "review":
        code = _force(args.force)
        # 'accepting': an accept that stopped half way, which accepting again finishes.
        waiting = [s for s in review.submissions_of(actor, args.round, code) if s.state in ("submitted", "accepting")]
        if not waiting:
            raise InputError([Problem("review", 0, "", f"no return from {code} is waiting for review in {args.round}")])
        if args.accept:
            done = review.accept(actor, waiting[-1].submission_id)
            say(f"Accepted and published as {done.stored_as}")
        else:
            review.return_for_changes(actor, waiting[-1].submission_id, args.comment)
            say(f"Returned to {code} with the comment")
        return 0
    from workflow import report

    made_report = report.build(actor, args.round, images_wanted=False if args.no_charts else None)
    args.out.write_bytes(made_report.data)
    say(f"Wrote {args.out} ({len(made_report.files)} files)")
    for warning in made_report.warnings:
        print(printable(warning), file=sys.stderr)
    return 0


def _file_force(raw: bytes, path: Path) -> str:
    """The force a return file is for (the workbook's manifest, or the rows' force column)."""
    from intake import workbook
    from intake.reading import read_return

    name = display_path(path)
    if path.name.lower().endswith(".xlsx") and submitting._is_form(raw):
        return workbook.read(raw, name)[0].pfa_code
    table = read_return(raw, path.name, name=name)
    if table.problems:
        raise InputError(table.problems)
    named = {str(row.get("force", "")).strip() for row in table.rows} - {""}
    if len(named) != 1:
        found = f"names {len(named)} forces" if named else "names no force (no 'force' column, or it is empty)"
        raise InputError([Problem(name, 0, "force", f"the file {found}; expected one force, or --force CODE")])
    (force,) = named
    code = pipeline.validate_inputs(pipeline.read_inputs(paths.DATA_DIR)).forces.resolve(force)
    if code is None:
        raise InputError([Problem(name, 2, "force", f"unknown force '{force}'; expected an ONS code, name or alias")])
    return code


if __name__ == "__main__":
    sys.exit(main())
