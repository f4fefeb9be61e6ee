"""The change preview is the build (issue 15, item 3): what `python -m returns import` and the
submit page show before anything is stored is read from databases built in memory, without
the return and with it, by the same tables, views and rules as the real build; so it names
every change the import then makes, old → new, and never calls a change "unchanged"."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import queries
from tests.test_returns import AT, HERTS, STREAM, fact, funding, herts_extension, import_file, setup, write_return

# Depends on the date it runs: make test-dates runs it again at two later dates.
pytestmark = pytest.mark.dates

assert setup  # the fixture: a copy of data/ and its database

RISK = "Without a funding decision soon, staff may leave and there may be no service left to extend"


def lines(preview) -> list[str]:
    return [str(c) for c in preview.changes]


def test_a_return_with_funding_facts_but_no_funding_rows_shows_the_services_going(setup, tmp_path: Path):
    """Before: 'The return has no funding rows: the force's funded services are unchanged', but
    from its date the force had none (its funding facts replace the whole funding dimension)."""
    data_dir, db = setup
    path = write_return(tmp_path / "r.csv", [fact("funding", "risk_statement", "Funding is secure until 2027")])
    preview = import_file(path, data_dir, db, dry_run=True).preview
    assert not any("funded services are unchanged" in n for n in preview.notes), preview.notes
    assert any("replaces the force's whole funding position" in n for n in preview.notes), preview.notes
    shown = lines(preview)
    assert any(line.startswith(f"funding / {STREAM}: ") and line.endswith(" → (none)") for line in shown), shown
    assert "headline / Funded services: 2 → 0" in shown, shown
    assert f"funding / risk_statement: {RISK} → Funding is secure until 2027" in shown, shown
    import_file(path, data_dir, db)
    assert queries.funding_streams(AT, pfa_code=HERTS, db=queries.Database(db)).empty, "as the preview said"


def test_a_funding_only_return_shows_the_funding_statements_going(setup, tmp_path: Path):
    """Before: 'Dimensions this return leaves out keep their current facts: funding, …', but
    the return's funding rows replace the funding statements (risk_statement) too."""
    data_dir, db = setup
    preview = import_file(write_return(tmp_path / "r.csv", herts_extension()), data_dir, db, dry_run=True).preview
    assert not any("funding" in n.split(":", 1)[1] for n in preview.notes if n.startswith("Dimensions")), preview.notes
    assert f"funding / risk_statement: {RISK} → (none)" in lines(preview), lines(preview)


CASES = {
    "funding extended": herts_extension,
    "funding ended": lambda: [funding(end_date="2025-03-31", status="ended")],
    "a new service and the old one left out": lambda: [funding(stream_id="herts-new-service", service="New service")],
    "ISAC headcount": lambda: [
        fact("isac_provision", "isac_count", "4"),
        fact("isac_provision", "status", "none stated"),
    ],
    "funding statement only": lambda: [fact("funding", "constraint_statement", "Budget cut by a third")],
    "a programme and a funding row": lambda: [
        fact("perpetrator_programme", "status", "commissioned"),
        funding(status="at risk", end_date="2025-09-30"),
    ],
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_the_preview_is_what_the_import_builds(setup, tmp_path: Path, case: str):
    from intake.comparing import Position

    data_dir, db = setup
    path = write_return(tmp_path / "r.csv", CASES[case]())
    preview = import_file(path, data_dir, db, dry_run=True).preview
    assert preview.before == Position.read(queries.Database(db), HERTS, AT), "before: the database as it is"
    result = import_file(path, data_dir, db)
    built = Position.read(queries.Database(db), HERTS, AT)
    assert preview.after == built, "after: the database the import built"
    assert result.preview.after == built
    # Every difference between the two is a line of the preview, old → new.
    for dim in set(preview.before.facts) | set(built.facts):
        for attr in set(preview.before.facts.get(dim, {})) | set(built.facts.get(dim, {})):
            old = "; ".join(preview.before.facts.get(dim, {}).get(attr, []))
            new = "; ".join(built.facts.get(dim, {}).get(attr, []))
            if old != new:
                assert f"{dim} / {attr}: {old or '(none)'} → {new or '(none)'}" in lines(preview), (dim, attr)
    for label, old in preview.before.headline.items():
        if built.headline[label] != old:
            assert f"headline / {label}: {old or '(none)'} → {built.headline[label] or '(none)'}" in lines(preview)
    assert all(c.kind == "unchanged" or c.old != c.new for c in preview.changes)
