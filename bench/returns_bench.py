"""Returns: a round of 43 on this machine, timed step by step as the people in it see it.

On a copy of data/ (its own database, returns folder, workflow database and access list in a
temporary folder), an admin opens a round asking all 43 forces, downloads the 43 pre-filled
workbooks (one zip, as the Rounds page does), every office sends its return from the browser
form's answers (the pre-filled position, signed off), a reviewer accepts each in turn (each
accept stores the return and rebuilds the published database before it returns), and the
round's report is made. Each office also uploads its workbook, signed off and otherwise
unchanged, as a second submission that the form's answers then supersede.

    python bench/returns_bench.py [--quick]      # or: python bench/run.py --only returns

Nothing here asserts a time: it measures and prints a table against the targets of issue 24.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import statistics
import sys
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Section, load_average, median, secs, table  # noqa: E402

TARGETS = {  # step -> seconds (issue 24, item 2: medians over a round of 43)
    "submit (browser form)": 1.0,
    "accept to published": 2.0,
    "the 43 workbooks": 5.0,
    "the round's report": 10.0,
}
QUICK_FORCES = 5
ACCESS = '[[reviewer]]\nemail = "reviewer@example.org"\n[[admin]]\nemail = "admin@example.org"\n'


def _sandbox(workdir: Path) -> None:
    """Point the product at a copy of data/ in workdir, with its own database and workflow database."""
    from core import paths
    from etl import pipeline

    data = workdir / "data"
    shutil.copytree(
        paths.DATA_DIR, data, ignore=shutil.ignore_patterns("build", "returns", "templates", "*.md"), dirs_exist_ok=True
    )
    build = workdir / "build"
    database = build / "stalking.duckdb"
    pipeline.build(data, database)
    (workdir / "access.toml").write_text(ACCESS, encoding="utf-8")
    paths.DATA_DIR, paths.DATABASE = data, database
    paths.WORKFLOW_URL = f"sqlite:///{workdir / 'workflow.sqlite'}"
    paths.ACCESS_FILE, paths.FORM_KEY_FILE = workdir / "access.toml", build / "form.key"


def _signed(answers):
    """The pre-filled answers as an office sends them back: signed off, with the required answers the
    published position cannot give set to 'not known' (as tests/test_rounds.py does)."""
    answers.values.update(submitted_by="Policy Officer, OPCC", signed_off_by="Chief Executive, OPCC")
    answers.values.setdefault("isa_model", "not known")
    for key in ("programmes", "arrangements"):
        for row in answers.rows.get(key, []):
            row["status"] = row.get("status") or ("planned" if key == "programmes" else "exploring")
    return answers


def _signed_workbook(data: bytes) -> bytes:
    """A round workbook with only its sign-off filled in, as an office that has nothing to change sends it."""
    import json

    import openpyxl

    from intake import workbook

    book = openpyxl.load_workbook(io.BytesIO(data))
    manifest = book[workbook.MANIFEST]
    spec = json.loads("".join(str(manifest.cell(row=r, column=1).value or "") for r in range(2, manifest.max_row + 1)))
    for key, value in (("submitted_by", "Policy Officer, OPCC"), ("signed_off_by", "Chief Executive, OPCC")):
        sheet, cell = spec["answers"][key].split("!")
        book[sheet][cell] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CPU: dict[str, list[float]] = {}  # step -> CPU seconds of this process, beside the wall-clock times


def _timed(fn, *args, step: str, **kwargs):
    """(result, wall-clock seconds, error) of one step; its CPU seconds go to CPU[step]."""
    began, cpu = time.perf_counter(), time.process_time()
    try:
        result, err = fn(*args, **kwargs), None
    except Exception as caught:  # noqa: BLE001 - a refused step is counted and reported, not fatal
        result, err = None, caught
    CPU.setdefault(step, []).append(time.process_time() - cpu)
    return result, time.perf_counter() - began, err


def run(workdir: Path, quick: bool = False) -> Section:
    from core import clock, queries
    from workflow import report, review, rounds, submitting
    from workflow.access import ADMIN, OFFICE, REVIEWER, Actor

    workdir.mkdir(parents=True, exist_ok=True)
    CPU.clear()
    _sandbox(workdir)
    admin = Actor("admin@example.org", ADMIN, None, "APCC admin")
    reviewer = Actor("reviewer@example.org", REVIEWER, None, "APCC reviewer")
    today = clock.today()
    round_ = rounds.open_round(
        admin, "Benchmark round", today - dt.timedelta(days=6), today + dt.timedelta(days=56), None
    )
    codes = queries.forces()["pfa_code"].tolist()
    sent = codes[:QUICK_FORCES] if quick else codes
    loads: list[str] = [load_average()]

    zips, times = [], []
    for _ in range(1 if quick else 3):
        data, took, err = _timed(submitting.templates_zip, admin, round_.round_id, step="the 43 workbooks")
        if err:
            raise err
        zips.append(data)
        times.append(took)
    steps: dict[str, list[float]] = {"the 43 workbooks": times}
    refused: dict[str, list[str]] = {}

    with zipfile.ZipFile(io.BytesIO(zips[0])) as zf:
        books = {re.search(r"-((?:E23|W15)[0-9]{6})-", name)[1]: zf.read(name) for name in zf.namelist()}
    for step in ("submit (workbook)", "submit (browser form)", "accept to published"):
        steps[step], refused[step] = [], []
    # Force by force, as a round goes: each office submits, and its return is accepted before the
    # next office's, so each submit is checked against the returns accepted so far (0 to 42).
    for code in sent:
        office = Actor(f"office-{code}@example.org", OFFICE, code, f"Office {code}")
        upload = _signed_workbook(books[code])
        _, took, err = _timed(
            submitting.submit,
            office,
            round_.round_id,
            code,
            file_bytes=upload,
            file_name=f"return-{code}.xlsx",
            step="submit (workbook)",
        )
        steps["submit (workbook)"].append(took)
        if err:
            refused["submit (workbook)"].append(f"{code}: {str(err).splitlines()[0][:160]}")
        answers = _signed(submitting.prefilled(round_, code)[0])
        sub, took, err = _timed(
            submitting.submit, office, round_.round_id, code, answers=answers, step="submit (browser form)"
        )
        steps["submit (browser form)"].append(took)
        if err:
            refused["submit (browser form)"].append(f"{code}: {err}")
            continue
        _, took, err = _timed(review.accept, reviewer, sub.submission_id, step="accept to published")
        steps["accept to published"].append(took)
        if err:
            refused["accept to published"].append(f"{code}: {err}")
    loads.append(load_average())

    steps["the round's report"] = []
    for _ in range(1 if quick else 3):
        _, took, err = _timed(report.build, reviewer, round_.round_id, step="the round's report")
        if err:
            raise err
        steps["the round's report"].append(took)
    loads.append(load_average())

    rows, targets = [], []
    for step in (
        "submit (browser form)",
        "submit (workbook)",
        "accept to published",
        "the 43 workbooks",
        "the round's report",
    ):
        values = steps[step]
        target = TARGETS.get(step)
        mid = median(values)
        rows.append(
            [
                step,
                len(values),
                secs(mid),
                secs(min(values)) if values else "n/a",
                secs(max(values)) if values else "n/a",
                secs(sum(values), 1),
                secs(median(CPU.get(step, []))),
                len(refused.get(step, [])),
                f"under {target:g} s" if target else "",
            ]
        )
        if target:
            targets.append((f"Returns: {step} under {target:g} s (median)", mid < target, f"{secs(mid)} s"))
    notes = [
        f"A round asking all 43 forces; {len(sent)} offices submit{' (--quick)' if quick else ''}, one after "
        "another, each return accepted before the next office submits (so each is checked against the 0 to 42 "
        "accepted before it). Submit (browser form): the pre-filled answers, signed off, from "
        "`submitting.submit(answers=…)`. Submit (workbook): the round's own workbook for the force with only its "
        "sign-off filled in, uploaded first and superseded by the form's answers. Accept to published: "
        "`review.accept` of the form's submission, which returns once the return is stored and the published "
        "database rebuilt. "
        f"The 43 workbooks: `submitting.templates_zip` ({len(steps['the 43 workbooks'])} runs); the round's "
        f"report: `report.build` after every accept ({len(steps['the round' + chr(39) + 's report'])} runs).",
        "Median CPU s: the CPU time this process spent on the step (its own share of a shared machine).",
        f"Load average (1 5 15 min) at the start, after the submits and accepts, after the reports: "
        f"{' / '.join(loads)}.",
    ]
    for step, why in refused.items():
        if why:
            notes.append(f"{step}: {len(why)} refused, e.g. {why[0]}")
    if steps["accept to published"]:
        spread = (
            statistics.quantiles(steps["accept to published"], n=10) if len(steps["accept to published"]) > 2 else []
        )
        if spread:
            notes.append(f"Accept to published: 10th-90th percentile {secs(spread[0])}-{secs(spread[-1])} s.")
    return Section(
        "Returns: a round of 43",
        table(["step", "runs", "median s", "min s", "max s", "total s", "median CPU s", "refused", "target"], rows),
        notes,
        targets,
        data={"steps": steps, "refused": refused},
    )


if __name__ == "__main__":
    import os
    import tempfile

    with tempfile.TemporaryDirectory(prefix="stalking-bench-returns-") as tmp:
        os.environ.setdefault("STALKING_BUILD_DIR", str(Path(tmp) / "build"))  # never data/build
        print(run(Path(tmp), quick="--quick" in sys.argv).markdown())
