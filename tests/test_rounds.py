"""Returns rounds (issue 16): who may do what, the lifecycle, publishing only accepted returns,
the audit log, concurrency, a killed accept, and the round's report; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import threading
import zipfile

import docx
import pytest
import sqlalchemy as sa

from core import clock, paths, queries
from core.problems import InputError
from intake.importing import import_return
from tests.workflow_fixtures import (  # noqa: F401
    ADMIN_ACTOR,
    ESSEX,
    ESSEX_OFFICE,
    HERTS,
    HERTS_OFFICE,
    ISSUER,
    REVIEWER_ACTOR,
    make_sandbox,
    open_round,
    postgres_server,
    postgres_url,
    sandbox,
)
from workflow import access, guard, progress, review, rounds, submitting
from workflow.database import AuditEntry, engine

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates

TODAY = clock.today()  # the day the tests run (a round opened now: workflow_fixtures.open_round)


def fill(answers, **values):
    """The answers an office sends back: the pre-filled position, signed, with any required answer the
    published position could not give filled in as 'not known'."""
    answers.values.update(submitted_by="Jane Smith, Policy Officer", signed_off_by="Chief Executive, OPCC", **values)
    answers.values.setdefault("isa_model", "not known")
    for key in ("programmes", "arrangements"):
        for row in answers.rows.get(key, []):
            row["status"] = row.get("status") or ("planned" if key == "programmes" else "exploring")
    return answers


def herts_answers(round_, **values):
    answers, _ = submitting.prefilled(round_, HERTS)
    return fill(answers, **values)


def audit_rows(url=None):
    with engine(url).connect() as conn:
        return conn.execute(
            sa.select(
                AuditEntry.actor, AuditEntry.action, AuditEntry.outcome, AuditEntry.pfa_code, AuditEntry.detail
            ).order_by(AuditEntry.entry_id)
        ).all()


# ---------------------------------------------------------------- access


def test_access_list_gives_roles_by_subject_and_resolves_force_names(sandbox):
    listed = access.read_access_list(resolve_force=queries.resolve_force)
    herts = listed[f"{ISSUER}#herts.office@example.org"]
    assert herts.pfa_code == HERTS and herts.email == "herts.office@example.org", "a force's name resolves to its code"
    assert access.actor_for({"iss": ISSUER, "sub": "herts.office@example.org"}).role == "office"
    assert access.actor_for({"iss": ISSUER, "sub": "stranger@example.org"}).role == "public"
    assert access.actor_for(None).role == "public"


def test_an_access_list_that_names_an_unknown_force_is_refused(sandbox):
    sandbox.access.write_text(
        '[[office]]\nemail = "x@example.org"\nissuer = "https://id.example.org"\nsubject = "x"\nforce = "Gotham"\n',
        encoding="utf-8",
    )
    with pytest.raises(access.AccessListError, match="unknown force 'Gotham'"):
        access.read_access_list(resolve_force=queries.resolve_force)


# ---------------------------------------------------------------- the lifecycle


def test_a_round_end_to_end_publishes_only_the_accepted_return(sandbox):
    round_ = open_round(sandbox)
    states = {s.pfa_code: s.state for s in progress.status(round_.round_id, TODAY)}
    assert len(states) == 43 and set(states.values()) == {progress.NOT_STARTED}

    answers = herts_answers(round_, isa_fte="3.5", rec15_status="complete", rec15_date="2026-06-30")
    submitting.save_draft(HERTS_OFFICE, round_.round_id, HERTS, answers)
    assert submitting.load_draft(HERTS_OFFICE, round_.round_id, HERTS)[1], "the draft is kept in the database"
    assert {s.pfa_code: s.state for s in progress.status(round_.round_id, TODAY)}[HERTS] == progress.DRAFT

    before = paths.DATABASE.read_bytes()
    first = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=answers)
    assert paths.DATABASE.read_bytes() == before, "a submission is not published"
    review.return_for_changes(REVIEWER_ACTOR, first.submission_id, "Please add the providers.")
    state = next(s for s in progress.status(round_.round_id, TODAY) if s.pfa_code == HERTS)
    assert state.state == progress.RETURNED and state.comment == "Please add the providers."

    answers.values["isa_providers"] = "Victim Support"
    second = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=answers)
    changes = {c.field: (c.old, c.new) for c in review.changes(second, round_)}
    assert any("full-time equivalents" in f and v == ("", "3.5") for f, v in changes.items())
    accepted = review.accept(REVIEWER_ACTOR, second.submission_id)
    assert accepted.state == "accepted" and accepted.stored_as

    cov = queries.coverage(TODAY).set_index("pfa_code").loc[HERTS]
    assert cov["isac_reported_on"].date() == round_.as_at and cov["isac_current"], "the new position, dated"
    facts = queries.facts(TODAY, HERTS)
    assert "3.5" in facts.loc[facts["attribute"] == "isa_fte", "value"].tolist()
    assert next(s for s in progress.status(round_.round_id, TODAY) if s.pfa_code == HERTS).state == progress.ACCEPTED
    history = queries.history(HERTS)
    assert {"source", "return"} <= set(history["kind"]), "the December 2024 edition stays queryable"
    actions = [(a, o) for _, a, o, *_ in audit_rows()]
    for expected in (
        ("open round", "ok"),
        ("save draft", "ok"),
        ("submit", "ok"),
        ("return for changes", "ok"),
        ("accept", "ok"),
    ):
        assert expected in actions


def test_overdue_after_the_due_date_and_not_before(sandbox):
    round_ = open_round(sandbox, [HERTS, ESSEX])
    assert not any(s.overdue for s in progress.status(round_.round_id, round_.due))
    assert all(s.overdue for s in progress.status(round_.round_id, round_.due + dt.timedelta(days=1)))


# ---------------------------------------------------------------- enforced on the server


def test_an_office_cannot_touch_another_forces_return_and_it_is_logged(sandbox, caplog):
    caplog.set_level("WARNING", logger="stalking.security")
    round_ = open_round(sandbox)
    answers = herts_answers(round_)
    for attempt in (
        lambda: submitting.save_draft(ESSEX_OFFICE, round_.round_id, HERTS, answers),
        lambda: submitting.submit(ESSEX_OFFICE, round_.round_id, HERTS, answers=answers),
        lambda: submitting.load_draft(ESSEX_OFFICE, round_.round_id, HERTS),
        lambda: submitting.template(ESSEX_OFFICE, round_.round_id, HERTS),
    ):
        with pytest.raises(guard.Refused, match="only its own force"):
            attempt()
    # A forged force field: Herts's answers submitted under Essex's own round slot.
    with pytest.raises(guard.Refused, match=f"answers for {HERTS} submitted as {ESSEX}"):
        submitting.submit(ESSEX_OFFICE, round_.round_id, ESSEX, answers=answers)
    refused = [row for row in audit_rows() if row[2] == "refused"]
    assert len(refused) == 5 and all(row[0] == ESSEX_OFFICE.email for row in refused)
    # The server's log says it too, one line each, whatever the identity's text holds.
    logged = [r.getMessage() for r in caplog.records if r.name == "stalking.security"]
    assert len(logged) == 5 and all(ESSEX_OFFICE.email in line and "\n" not in line for line in logged)
    forged = access.Actor("x@example.org\nrefused accept by admin", "office", ESSEX)
    with pytest.raises(guard.Refused):
        submitting.load_draft(forged, round_.round_id, HERTS)
    assert "x@example.org\\nrefused" in caplog.records[-1].getMessage()


def test_reviewers_cannot_submit_offices_cannot_review_and_the_public_can_do_nothing(sandbox):
    round_ = open_round(sandbox)
    answers = herts_answers(round_)
    with pytest.raises(guard.Refused):
        submitting.submit(REVIEWER_ACTOR, round_.round_id, HERTS, answers=answers)
    sub = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=answers)
    for who in (HERTS_OFFICE, access.Actor("someone@example.org", "public")):
        with pytest.raises(guard.Refused):
            review.accept(who, sub.submission_id)
        with pytest.raises(guard.Refused):
            review.queue(who)
    with pytest.raises(guard.Refused):
        rounds.open_round(REVIEWER_ACTOR, "A round", TODAY, TODAY)


def test_an_admin_enters_an_emailed_return_on_the_offices_behalf(sandbox):
    round_ = open_round(sandbox)
    sub = submitting.submit(ADMIN_ACTOR, round_.round_id, HERTS, answers=herts_answers(round_))
    assert sub.entered_by == ADMIN_ACTOR.email
    review.accept(REVIEWER_ACTOR, sub.submission_id)
    editions = queries.editions()
    assert editions.loc[editions["kind"] == "return", "entered_by"].tolist() == [ADMIN_ACTOR.email]


def test_refusals_are_rate_limited_per_identity(sandbox, monkeypatch):
    """Across processes too: tests/test_refusal_limits.py (issue 28, item 4)."""
    round_ = open_round(sandbox)
    monkeypatch.setattr(guard, "REFUSALS_PER_MINUTE", 3)
    for _ in range(3):
        with pytest.raises(guard.Refused, match="only its own force"):
            submitting.load_draft(ESSEX_OFFICE, round_.round_id, HERTS)
    with pytest.raises(guard.Refused, match="too many refused attempts"):
        submitting.load_draft(ESSEX_OFFICE, round_.round_id, ESSEX)
    submitting.load_draft(HERTS_OFFICE, round_.round_id, HERTS)  # another office is not held back


def test_a_closed_round_takes_no_more_submissions(sandbox):
    round_ = open_round(sandbox)
    rounds.close_round(ADMIN_ACTOR, round_.round_id)
    with pytest.raises(guard.Refused, match="closed"):
        submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=herts_answers(round_))


def test_a_bad_answer_is_told_against_its_question_and_nothing_is_stored(sandbox):
    round_ = open_round(sandbox)
    answers = herts_answers(round_)
    answers.values.pop("signed_off_by")
    answers.rows["funded_services"].append({"service": "New service", "funder": "other", "status": "secure"})
    with pytest.raises(submitting.FormProblems) as err:
        submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=answers)
    where = dict(err.value.by_origin)
    assert "Signed off by (name and role)" in where, "the question as the office reads it"
    assert "Funded services: Funder, if other, for the service 'New service'" in where
    assert not [w for w in where if "signed_off_by" in w or "funded_services" in w or " row " in w], "no keys"
    with engine().connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM submissions")).scalar() == 0


# ---------------------------------------------------------------- faults


def test_an_accept_killed_after_publishing_is_finished_by_a_retry(sandbox):
    """The server died after storing and rebuilding but before marking the submission accepted."""
    round_ = open_round(sandbox)
    sub = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=herts_answers(round_, isa_fte="4"))
    raw, table, _ = review.stored_form(sub)
    import_return(raw, table.name, table=table, round_id=round_.round_id)
    assert next(s for s in progress.status(round_.round_id) if s.pfa_code == HERTS).state == progress.SUBMITTED
    done = review.accept(REVIEWER_ACTOR, sub.submission_id)
    assert done.state == "accepted" and done.stored_as.endswith(".csv")
    assert len(list(sandbox.returns_dir.glob("*.json"))) == 1, "stored once"


@pytest.mark.slow
def test_forty_three_offices_submitting_at_once_all_land(sandbox):
    round_ = open_round(sandbox)
    forces = queries.forces()["pfa_code"].tolist()
    prefilled = {code: fill(submitting.prefilled(round_, code)[0]) for code in forces}
    errors: list[str] = []

    def send(code: str) -> None:
        try:
            submitting.submit(
                access.Actor(f"office-{code}@example.org", "office", code),
                round_.round_id,
                code,
                answers=prefilled[code],
            )
        except Exception as err:  # noqa: BLE001 - collected and reported
            errors.append(f"{code}: {err!r}")

    threads = [threading.Thread(target=send, args=(code,)) for code in forces]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with engine().connect() as conn:
        subs = conn.execute(sa.text("SELECT pfa_code, submitted_by FROM submissions")).all()
        submits = conn.execute(
            sa.text("SELECT count(*) FROM audit_log WHERE action = 'submit' AND outcome = 'ok'")
        ).scalar()
    assert sorted(code for code, _ in subs) == sorted(forces), "none lost"
    assert all(by == f"office-{code}@example.org" for code, by in subs), "none mixed up"
    assert submits == 43


# ---------------------------------------------------------------- PostgreSQL


def test_the_round_runs_on_postgresql_too(data_copy, tmp_path, monkeypatch, postgres_url):
    box = make_sandbox(data_copy, tmp_path, monkeypatch, url=postgres_url)
    round_ = open_round(box)
    sub = submitting.submit(HERTS_OFFICE, round_.round_id, HERTS, answers=herts_answers(round_, isa_fte="2"))
    review.accept(REVIEWER_ACTOR, sub.submission_id)
    assert engine().dialect.name == "postgresql"
    assert next(s for s in progress.status(round_.round_id) if s.pfa_code == HERTS).state == progress.ACCEPTED


def test_two_server_processes_sharing_postgresql_lose_no_submission(data_copy, tmp_path, monkeypatch, postgres_url):
    box = make_sandbox(data_copy, tmp_path, monkeypatch, url=postgres_url)
    round_ = open_round(box)
    forces = queries.forces()["pfa_code"].tolist()
    script = f"""
import sys, threading
from core import paths
from pathlib import Path
paths.DATA_DIR = Path({str(box.data_dir)!r}); paths.DATABASE = Path({str(box.database)!r})
paths.WORKFLOW_URL = {postgres_url!r}; paths.FORM_KEY_FILE = Path({str(tmp_path / "k")!r})
from workflow import access, rounds, submitting
codes = sys.argv[1:]
errors = []
def send(code):
    try:
        a, _ = submitting.prefilled(rounds.get_round({round_.round_id!r}), code)
        a.values.update(submitted_by="Office", signed_off_by="Chief Executive")
        a.values.setdefault("isa_model", "not known")
        for key in ("programmes", "arrangements"):
            for row in a.rows.get(key, []):
                row["status"] = row.get("status") or ("planned" if key == "programmes" else "exploring")
        submitting.submit(access.Actor("office-" + code + "@example.org", "office", code), {round_.round_id!r}, code, answers=a)
    except Exception as err:
        errors.append(code + ": " + repr(err))
ts = [threading.Thread(target=send, args=(c,)) for c in codes]
[t.start() for t in ts]; [t.join() for t in ts]
print("\\n".join(errors)); sys.exit(1 if errors else 0)
"""
    halves = [forces[::2], forces[1::2]]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, *half],
            cwd=paths.REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for half in halves
    ]
    for p in procs:
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0, out
    with engine(postgres_url).connect() as conn:
        subs = conn.execute(sa.text("SELECT pfa_code, submitted_by FROM submissions")).all()
        audited = conn.execute(
            sa.text("SELECT count(*) FROM audit_log WHERE action = 'submit' AND outcome = 'ok'")
        ).scalar()
    assert sorted(c for c, _ in subs) == sorted(forces) and audited == 43
    assert all(by == f"office-{c}@example.org" for c, by in subs)


# ---------------------------------------------------------------- the report and the command line


def test_the_rounds_report_names_every_force_that_did_not_return(sandbox, today_is):
    from workflow import report

    today = today_is(dt.date(2026, 12, 1))  # the submission is stamped with the product's clock
    round_ = open_round(sandbox, [HERTS, ESSEX, "W15000004"])
    sub = submitting.submit(
        HERTS_OFFICE,
        round_.round_id,
        HERTS,
        answers=herts_answers(round_, rec15_status="complete", rec15_date="2026-06-30", isa_fte="3"),
    )
    review.accept(REVIEWER_ACTOR, sub.submission_id)
    made = report.build(REVIEWER_ACTOR, round_.round_id, today=today, images_wanted=False)
    with zipfile.ZipFile(io.BytesIO(made.data)) as zf:
        document = docx.Document(io.BytesIO(zf.read(made.files[0])))
        assert "data/round-status.csv" in zf.namelist() and "data/recommendation-15-by-force.csv" in zf.namelist()
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    assert ["Not returned", "2", "Dyfed-Powys, Essex"] in cells, "the forces that did not return, named"
    assert "Of 3 force areas asked, 1 complete" in text
    assert ["Hertfordshire", "Complete", "30 June 2026", ""] in cells
    assert "not the same as none" in text
    assert any(row[0] == "Hertfordshire" and "Chief Executive, OPCC" in row for row in cells), "returns cited"


def run_cli(*args: str, box=None):
    env_code = (
        "import sys\nfrom pathlib import Path\nfrom core import paths\n"
        f"paths.DATA_DIR = Path({str(box.data_dir)!r}); paths.DATABASE = Path({str(box.database)!r})\n"
        f"paths.WORKFLOW_URL = {box.url!r}; paths.FORM_KEY_FILE = Path({str(box.database.parent / 'form.key')!r})\n"
        "from returns.__main__ import main\nsys.exit(main(sys.argv[1:]))\n"
    )
    return subprocess.run([sys.executable, "-c", env_code, *args], cwd=paths.REPO_ROOT, capture_output=True, text=True)


@pytest.mark.slow
def test_the_command_line_runs_a_round(sandbox, tmp_path):
    made = run_cli(
        "round",
        "open",
        "--title",
        "Position, March 2027",
        "--as-at",
        "2026-11-30",
        "--due",
        "2027-01-31",
        "--forces",
        "Hertfordshire",
        "E23000028",
        box=sandbox,
    )
    assert made.returncode == 0, made.stderr
    round_id = made.stdout.strip()
    assert run_cli("round", "list", box=sandbox).stdout.startswith(round_id)
    out = tmp_path / "templates"
    done = run_cli("round", "templates", round_id, "--out", str(out), box=sandbox)
    assert done.returncode == 0, done.stderr
    workbooks = sorted(p.name for p in out.glob("*.xlsx"))
    assert len(workbooks) == 2 and (out / f"templates-{round_id}.zip").exists()
    status = run_cli("round", "status", round_id, "--csv", box=sandbox)
    assert "Commissioning body" in status.stdout and "Hertfordshire" in status.stdout
    refused = run_cli("review", round_id, "Hertfordshire", "--accept", box=sandbox)
    assert refused.returncode == 1 and "no return from E23000027 is waiting" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert run_cli("round", "close", round_id, box=sandbox).returncode == 0


@pytest.mark.slow
def test_an_emailed_return_goes_from_file_to_report_on_the_command_line(sandbox, tmp_path):
    """The single analyst's path: submit the office's file, return it, take the resubmission, accept, report."""
    from intake import forms, templates

    round_ = open_round(sandbox, [HERTS, ESSEX])
    emailed = tmp_path / "herts.csv"
    emailed.write_bytes(templates.template_csv(forms.to_rows(herts_answers(round_, isa_fte="2.5"), HERTS)[0]))
    assert run_cli("submit", str(emailed), "--round", round_.round_id, box=sandbox).returncode == 0
    sent_back = run_cli("review", round_.round_id, "Hertfordshire", "--return", "Name the provider.", box=sandbox)
    assert sent_back.returncode == 0, sent_back.stderr
    state = next(s for s in progress.status(round_.round_id) if s.pfa_code == HERTS)
    assert (state.state, state.comment) == (progress.RETURNED, "Name the provider.")

    again = run_cli("submit", str(emailed), "--round", round_.round_id, "--force", HERTS, box=sandbox)
    assert again.returncode == 0, again.stderr
    accepted = run_cli("review", round_.round_id, HERTS, "--accept", box=sandbox)
    assert accepted.returncode == 0, accepted.stderr
    facts = queries.facts(TODAY, HERTS)
    assert "2.5" in facts.loc[facts["attribute"] == "isa_fte", "value"].tolist(), "published by the accept"
    entries = [(a, o) for _, a, o, *_ in audit_rows()]
    assert entries.count(("submit", "ok")) == 2 and ("accept", "ok") in entries

    out = tmp_path / "report.zip"
    made = run_cli("report", round_.round_id, "--out", str(out), "--no-charts", box=sandbox)
    assert made.returncode == 0, made.stderr
    with zipfile.ZipFile(out) as zf:
        status = zf.read("data/round-status.csv").decode("utf-8-sig")
    assert "Hertfordshire" in status and "accepted" in status and "Essex" in status


def test_a_problem_on_the_command_line_is_one_line_not_a_traceback(sandbox):
    bad = run_cli("round", "open", "--title", "X", "--as-at", "2026-11-30", "--due", "2026-01-01", box=sandbox)
    assert bad.returncode == 1 and "before the as-at date" in bad.stderr and "Traceback" not in bad.stderr


def test_unknown_submission_is_an_input_error(sandbox):
    with pytest.raises(InputError):
        review.accept(REVIEWER_ACTOR, 9999)
