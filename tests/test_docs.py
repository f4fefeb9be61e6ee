"""Documentation that fails when something is undocumented (datasette's habit)."""

from __future__ import annotations

import re

import duckdb

from core import paths
from etl import docs


def test_generated_dictionary_blocks_are_current():
    assert docs.update(check=True), "data/DICTIONARY.md is stale: run `python -m etl docs`"


def test_generated_readme_blocks_are_current():
    assert docs.update(paths.README_MD, check=True), "README.md is stale: run `python -m etl docs`"
    assert not docs.stale(check=True)


def test_every_table_view_and_column_is_documented(built_db):
    text = paths.DICTIONARY_MD.read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_0-9]+)", text))
    with duckdb.connect(str(built_db), read_only=True) as con:
        relations = con.execute(
            "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
        macros = con.execute(
            "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_type = 'table_macro' AND database_name <> 'system'"
        ).fetchall()
        missing = []
        for (name,) in relations:
            if name not in documented:
                missing.append(name)
            for (column,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [name]
            ).fetchall():
                if column not in documented:
                    missing.append(f"{name}.{column}")
        missing += [m for (m,) in macros if m not in documented]
    assert not missing, f"undocumented in data/DICTIONARY.md: {missing}"


def test_readme_documents_the_two_commands():
    readme = (paths.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme


def test_an_empty_generated_block_does_not_swallow_the_next():
    text = (
        "<!-- BEGIN generated: allowed values -->\n<!-- END generated -->\nhand-written text\n"
        "<!-- BEGIN generated: allowed values -->\nSTALE GENERATED TEXT\n<!-- END generated -->\n"
    )
    out = docs.render(text)
    assert "hand-written text" in out and "STALE GENERATED TEXT" not in out
    assert out.count("<!-- END generated -->") == 2


def test_data_package_descriptor_is_current():
    from etl import datapackage

    assert datapackage.update(check=True), "data/datapackage.json is stale: run `python -m etl datapackage`"


def test_data_package_describes_every_file_as_it_is():
    import csv
    import json

    descriptor = json.loads(paths.DATAPACKAGE_JSON.read_text(encoding="utf-8"))
    assert descriptor["profile"] == "tabular-data-package" and descriptor["licenses"][0]["name"] == "OGL-UK-3.0"
    names = {r["name"] for r in descriptor["resources"]}
    for resource in descriptor["resources"]:
        path = paths.DATA_DIR / resource["path"]
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh))
        assert header == [f["name"] for f in resource["schema"]["fields"]], resource["path"]
        for key in resource["schema"].get("foreignKeys", []):
            assert key["reference"]["resource"] in names, key
    facts = next(r for r in descriptor["resources"] if r["name"] == "facts")
    assert facts["schema"]["primaryKey"] == ["fact_id"]
    regions = next(r for r in descriptor["resources"] if r["name"] == "forces")["schema"]["fields"]
    region = next(f for f in regions if f["name"] == "region")
    assert "Wales" in region["constraints"]["enum"], "enumerated columns carry their allowed values"
