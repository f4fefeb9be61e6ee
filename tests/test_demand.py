"""Demand beside provision (issue 27): importing the official files as published, refusing bad ones
with `file:row:column` and changing nothing, and the dated demand facts a build makes of them.

Every file is made here in the publishers' layouts (tests/demand_files.py); no figure is real.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core import clock, paths, queries, rules, writers
from core import demand as core_demand
from core.problems import InputError
from demand import store
from etl import pipeline
from tests import demand_files as files
from tests.workflow_fixtures import HERTS, sandbox  # noqa: F401

AS_AT = dt.date(2026, 12, 1)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A database built from data/ in a folder of its own (its demand store beside it)."""
    database = tmp_path / "build" / "stalking.duckdb"
    pipeline.build(paths.DATA_DIR, database)
    return database


def import_and_build(database: Path, sources: list[Path], **kwargs) -> store.ImportReport:
    report = store.import_files(sources, database=database, released=dt.date(2025, 6, 26), **kwargs)
    pipeline.build(paths.DATA_DIR, database)
    return report


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_official_layouts_are_imported_with_their_origin_and_built_for_all_43_forces(built, tmp_path):
    sources = files.official_files(tmp_path)
    report = import_and_build(built, sources)
    assert any("set aside (not police force areas): Action Fraud" in line for line in report.lines)
    db = queries.Database(built)
    frame = queries.demand(AS_AT, db=db).set_index("pfa_code")
    assert len(frame) == 43
    for code in files.CODES:  # every force area: its own count, population and rate
        expected = sum(files.stalking_count(code, 2024, q) for q in (1, 2, 3, 4))
        row = frame.loc[code]
        assert row["offences"] == expected, code
        assert row["period_label"] == "year ending March 2025"
        assert row["population"] == files.expected_population(code, 2023), code
        assert row["offences_per_1000"] == pytest.approx(expected * 1000 / files.expected_population(code, 2023))
        assert bool(row["comparable"])
        assert row["stalking_rate_band"] in dict((b, 1) for _, b in rules.DEMAND_BANDS)
    origins = queries.demand_sources(db).set_index("kind")
    crime = origins.loc["recorded crime"]
    assert crime["publisher"] == "Home Office"
    assert crime["released"].date() == dt.date(2025, 7, 24), "the Home Office's date from the file name"
    assert crime["file_name"] == sources[0].name
    assert crime["sha256"] == hashlib.sha256(sources[0].read_bytes()).hexdigest()
    assert crime["licence"] == "Open Government Licence v3.0"
    assert "British Transport Police" in crime["set_aside"] and "UK Finance" in crime["set_aside"]
    pop = origins.loc["population"]
    assert pop["publisher"] == "Office for National Statistics" and "mid-2023" in pop["title"]
    assert pop["lookup_file_name"] == sources[2].name
    # Every accepted file is kept as it was, named by its SHA-256.
    kept = {p.name for p in (built.parent / paths.DEMAND_DIRNAME / store.ORIGINALS).iterdir()}
    for source in sources:
        assert f"{hashlib.sha256(source.read_bytes()).hexdigest()[:16]}_{source.name}" in kept


def test_a_rebuild_keeps_the_imported_figures(built, tmp_path):
    import_and_build(built, files.official_files(tmp_path))
    before = queries.demand(AS_AT, db=queries.Database(built))
    pipeline.build(paths.DATA_DIR, built)
    after = queries.demand(AS_AT, db=queries.Database(built))
    assert after["offences"].tolist() == before["offences"].tolist() and after["offences"].notna().all()
    assert pipeline.is_current(paths.DATA_DIR, built)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_table_as_xlsx_or_csv_reads_as_the_ods_does(built, tmp_path, kind):
    sheets = files.crime_sheets(range(2022, 2025))
    ods = files.write_ods(tmp_path / "prc-pfa-mar2013-onwards-tables-240725.ods", files.with_cover(sheets))
    other = tmp_path / "other" / f"prc-pfa-mar2013-onwards-tables-240725.{kind}"
    other.parent.mkdir()
    if kind == "xlsx":
        files.write_xlsx(other, files.with_cover(sheets))
    else:
        files.crime_csv(other, sheets)
    store.import_files([ods], database=built)
    first = store.read_stored(built.parent / paths.DEMAND_DIRNAME, store.RECORDED_CRIME_FILE)["rows"]
    store.import_files([other], database=built)
    second = store.read_stored(built.parent / paths.DEMAND_DIRNAME, store.RECORDED_CRIME_FILE)["rows"]
    strip = [{k: v for k, v in r.items() if k not in ("sheet", "row")} for r in first]
    assert strip == [{k: v for k, v in r.items() if k not in ("sheet", "row")} for r in second]


def test_the_series_break_is_a_column_and_periods_before_it_are_not_comparable(built, tmp_path):
    import_and_build(built, files.official_files(tmp_path, years=range(2018, 2025)))
    series = queries.demand_series(HERTS, db=queries.Database(built))
    assert set(series["period_kind"]) == {"financial year", "four quarters"}
    for row in series.itertuples():
        assert row.comparable == (row.period_end.date() >= rules.SERIES_BREAK), row.period_label
    assert "year ending March 2020" in set(series.loc[~series["comparable"], "period_label"])
    assert "year ending March 2021" in set(series.loc[series["comparable"], "period_label"])
    # Rolling four quarters: year ending December 2023 is Q4 2022/23 + Q1-Q3 2023/24.
    dec = series.set_index("period_label").loc["year ending December 2023", "offences"]
    assert dec == files.stalking_count(HERTS, 2022, 4) + sum(files.stalking_count(HERTS, 2023, q) for q in (1, 2, 3))


def test_a_partial_last_year_gives_rolling_quarters_but_no_financial_year(built, tmp_path):
    sheets = files.crime_sheets(range(2023, 2025), last_year_quarters=(1, 2))
    path = files.write_ods(tmp_path / "prc-pfa-mar2013-onwards-tables-240725.ods", sheets)
    import_and_build(built, [path])
    series = queries.demand_series(HERTS, db=queries.Database(built)).set_index("period_label")
    assert "year ending September 2024" in series.index and "year ending March 2025" not in series.index
    frame = queries.demand(AS_AT, db=queries.Database(built))
    assert set(frame["period_label"]) == {"year ending September 2024"}
    assert frame["population"].isna().all(), "population not imported: no rate"
    assert set(frame["stalking_rate_text"]) == {rules.NOT_IMPORTED}


def bad_crime_file(tmp_path: Path) -> Path:
    sheets = files.crime_sheets(range(2023, 2025))
    rows = sheets["2024_25"]

    def find(force: str, quarter: int, code: str = "8Q") -> int:
        return next(i for i, r in enumerate(rows) if r[2] == force and r[1] == quarter and r[6] == code)

    rows[find("Kent", 1)][7] = -3  # a negative count
    rows[find("Essex", 2)][7] = 2.5  # not whole
    rows[find("Surrey", 3)][1] = 5  # no such quarter
    rows[find("Gwent", 1)][0] = "2024/26"  # not a financial year
    rows[find("Dorset", 2)][2] = "Atlantis Police"  # no such force
    rows.append(list(rows[find("Cumbria", 4)]))  # a second row for one period
    del rows[find("Suffolk", 4)]  # a force missing from a period
    return files.write_ods(tmp_path / "prc-pfa-bad-240725.ods", files.with_cover(sheets))


def test_a_bad_file_is_refused_with_one_line_per_problem_and_nothing_changes(built, tmp_path):
    import_and_build(built, files.official_files(tmp_path))
    folder = built.parent / paths.DEMAND_DIRNAME
    before, db_before = snapshot(folder), built.read_bytes()
    bad = bad_crime_file(tmp_path)
    with pytest.raises(InputError) as err:
        store.import_files([bad], database=built)
    lines = [str(p) for p in err.value.problems]
    expected = [
        r"^prc-pfa-bad-240725\.ods:\d+:2024_25!H\d+ \(Number of Offences\): '-3' is not a number of offences",
        r"^prc-pfa-bad-240725\.ods:\d+:2024_25!H\d+ \(Number of Offences\): '2\.5' is not a number of offences",
        r"^prc-pfa-bad-240725\.ods:\d+:2024_25!B\d+ \(Financial Quarter\): '5' is not a quarter",
        r"^prc-pfa-bad-240725\.ods:\d+:2024_25!A\d+ \(Financial Year\): '2024/26' is not a financial year",
        r"^prc-pfa-bad-240725\.ods:\d+:2024_25!C\d+ \(Force Name\): 'Atlantis Police' \(1 rows\) is not a force area",
        r"^prc-pfa-bad-240725\.ods:\d+:2024_25!C\d+ \(Force Name\): Cumbria has a second 8Q row for 2024/25 Q4",
        r"^prc-pfa-bad-240725\.ods:0:Force Name: 2024/25 Q4: no 8Q \(stalking\) row for 1 force area\(s\): E23000025 \(Suffolk\)",
    ]
    for pattern in expected:
        assert any(re.search(pattern, line) for line in lines), f"{pattern!r} not in {lines}"
    assert snapshot(folder) == before, "a refused import changed the store"
    assert built.read_bytes() == db_before


def test_periods_that_have_not_ended_are_refused(built, tmp_path, today_is):
    today_is(dt.date(2025, 2, 1))
    path = files.write_ods(tmp_path / "prc-pfa-240125.ods", files.crime_sheets(range(2023, 2025)))
    with pytest.raises(InputError) as err:
        store.import_files([path], database=built)
    assert any(
        "2024/25 Q3 ends on 2024-12-31" not in str(p) and "2024/25 Q4 ends on 2025-03-31, after today" in str(p)
        for p in err.value.problems
    )


def test_a_file_that_is_not_a_table_is_refused(built, tmp_path):
    other = files.write_csv(tmp_path / "notes.csv", [["Some", "other", "table"], ["1", "2", "3"]])
    with pytest.raises(InputError) as err:
        store.import_files([other], database=built)
    assert str(err.value.problems[0]).startswith("notes.csv:0:: is none of the files the import reads")
    assert not (built.parent / paths.DEMAND_DIRNAME).exists()


def test_population_checks_the_lookup_against_the_estimates(built, tmp_path):
    lads = files.local_authorities()
    population = files.write_xlsx(tmp_path / "mye.xlsx", files.mye2_sheets(2023))
    lookup = files.write_csv(tmp_path / "lookup.csv", files.lookup_rows(lads[1:]))  # one local authority short
    with pytest.raises(InputError) as err:
        store.import_files([population, lookup], database=built, released=dt.date(2025, 6, 26))
    assert any(
        str(p).startswith("mye.xlsx:0:Code: 1 local authorities are not in lookup.csv: E06900001")
        for p in err.value.problems
    ), err.value.problems
    with pytest.raises(InputError) as err:
        store.import_files([population], database=built, released=dt.date(2025, 6, 26))
    assert "expected the ONS lookup" in str(err.value)
    with pytest.raises(InputError) as err:
        store.import_files([population, files.write_csv(tmp_path / "l.csv", files.lookup_rows())], database=built)
    assert "give it with --released" in str(err.value)


def test_a_population_table_of_force_areas_needs_no_lookup(built, tmp_path):
    rows = [["Mid-2024 population estimates for police force areas"], ["Code", "Name", "All ages"]]
    rows += [[c, files.HOME_OFFICE_NAMES[c], 1_000_000 + i] for i, c in enumerate(files.CODES)]
    path = files.write_csv(tmp_path / "pfa-population.csv", rows)
    store.import_files([path], database=built, released=dt.date(2025, 7, 1))
    stored = store.read_stored(built.parent / paths.DEMAND_DIRNAME, store.POPULATION_FILE)
    assert len(stored["rows"]) == 43 and stored["origins"][0]["level"] == "police force area"
    assert {r["population"] for r in stored["rows"]} == {1_000_000 + i for i in range(43)}


def test_no_import_means_no_figures_and_the_words_say_how_to_import(built):
    db = queries.Database(built)
    assert not queries.demand_imported(db)
    frame = queries.demand(AS_AT, db=db)
    assert len(frame) == 43 and frame["offences"].isna().all()
    assert set(frame["stalking_rate_band"]) == {rules.NOT_REPORTED}
    words = core_demand.sentences(core_demand.area_figures(frame, "England and Wales"), AS_AT)
    assert words == [rules.DEMAND_NOT_IMPORTED]
    for needed in ("not imported", rules.RECORDED_CRIME_PAGE, rules.POPULATION_PAGE, "python -m demand import"):
        assert needed in rules.DEMAND_NOT_IMPORTED


def test_the_import_waits_for_the_writer_lock(built, tmp_path):
    sources = files.official_files(tmp_path)
    with writers.held(paths.DATA_DIR):
        with pytest.raises(InputError) as err:
            store.import_files(sources, database=built, released=dt.date(2025, 6, 26), lock_timeout=0.2)
    assert "another import or build held the lock" in str(err.value)
    assert not (built.parent / paths.DEMAND_DIRNAME / store.RECORDED_CRIME_FILE).exists()


@pytest.mark.dates  # the round is opened relative to today, so the FTE is read at today
def test_advocates_per_1000_offences_use_the_returned_fte_and_none_returned_is_not_reported(sandbox, tmp_path):  # noqa: F811
    from tests.test_returned_fields import publish_herts

    store.import_files(files.official_files(tmp_path), database=sandbox.database, released=dt.date(2025, 6, 26))
    pipeline.build(sandbox.data_dir, sandbox.database)
    publish_herts(sandbox)  # Hertfordshire returns 3.5 FTE; the round's publish rebuilds the database
    today = clock.today()
    frame = queries.demand(today, db=queries.Database(sandbox.database)).set_index("pfa_code")
    herts = frame.loc[HERTS]
    assert herts["isa_fte"] == 3.5
    assert herts["advocates_per_1000"] == pytest.approx(3.5 * 1000 / herts["offences"])
    others = frame.drop(index=HERTS)
    assert others["advocates_per_1000"].isna().all(), "no FTE returned is not reported, never zero"
    assert set(others["advocate_rate_band"]) == {rules.NOT_REPORTED}
    assert set(others["advocate_rate_text"]) == {rules.NOT_REPORTED}
    ew = core_demand.area_figures(frame.reset_index(), "England and Wales")
    assert ew.fte_forces == 1 and ew.fte == 3.5 and ew.fte_offences == herts["offences"]
    assert ew.posts_needed(40) == pytest.approx(ew.offences / 40)
    words = " ".join(core_demand.sentences(ew, today, caseload=40))
    assert "1 force area of 43 returned" in words and "The other 42 are not reported" in words
    assert "an assumption" in words


def test_the_command_line_refuses_a_bad_file_and_imports_and_builds_a_good_one(built, tmp_path):
    env = {
        **os.environ,
        "STALKING_BUILD_DIR": str(built.parent),
        "STALKING_RETURNS_DIR": str(built.parent / "returns"),
    }
    run = [sys.executable, "-m", "demand", "import"]
    bad = subprocess.run(
        [*run, str(bad_crime_file(tmp_path))], capture_output=True, text=True, cwd=paths.REPO_ROOT, env=env, timeout=120
    )
    assert bad.returncode == 1
    assert re.search(r"^prc-pfa-bad-240725\.ods:\d+:2024_25!H\d+ \(Number of Offences\): ", bad.stderr, re.M)
    assert "nothing was written" in bad.stderr
    good = subprocess.run(
        [*run, *map(str, files.official_files(tmp_path)), "--released", "2025-06-26"],
        capture_output=True,
        text=True,
        cwd=paths.REPO_ROOT,
        env=env,
        timeout=300,
    )
    assert good.returncode == 0, good.stderr
    assert "Built" in good.stdout and "recorded_crime.json" in good.stdout
    assert queries.demand_imported(queries.Database(built))
