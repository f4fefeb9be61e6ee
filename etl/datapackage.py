"""The dataset described as a Frictionless Data Package: data/datapackage.json.

Generated from the same schema the validator enforces (etl/schema.py) and the
allowed values in data/allowed_values.csv, as data/DICTIONARY.md is, so the
descriptor cannot drift from the data. It is for people and tools that consume
the CSV files (frictionless, Open Data portals); the build keeps its own faster
validator. `python -m etl datapackage` rewrites it; `--check` fails if it is stale.
"""

from __future__ import annotations

import json
from pathlib import Path

from core import paths
from etl.read import read_csv
from etl.schema import ALL_FILES, FORCES, PFA_CODE, SOURCES, Column, FileSchema

LICENCE = {
    "name": "OGL-UK-3.0",
    "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    "title": "Open Government Licence v3.0",
}
# Columns that refer to a key of another file.
REFERENCES = {"source": (SOURCES, "source_id"), "code": (FORCES, "pfa_code"), "dimension": (None, "dimension")}


def _resource_name(schema: FileSchema) -> str:
    return Path(schema.name).stem.replace("_", "-")


def _field(col: Column, allowed: dict[str, list[str]]) -> dict:
    """A Table Schema field for one column of an input file."""
    field: dict = {"name": col.name, "type": "string"}
    if col.meaning:
        field["description"] = col.meaning
    constraints: dict = {"required": True} if col.required else {}
    kind = col.kind
    if kind == "integer":
        field["type"] = "integer"
        constraints["minimum"] = 0
    elif kind == "date":
        field["type"] = "date"
        field["format"] = "%Y-%m-%d"
    elif kind == "yesno":
        constraints["enum"] = ["yes", "no"]
    elif kind.startswith("enum:"):
        constraints["enum"] = allowed.get(kind[5:], [])
    elif kind.startswith("choice:"):
        constraints["enum"] = kind[7:].split("|")
    elif kind == "code":
        constraints["pattern"] = PFA_CODE.pattern.strip("^$")
    elif kind == "id":
        constraints["pattern"] = "[a-z0-9][a-z0-9_-]*"
    elif kind == "force":
        field["description"] = (
            col.meaning + " " if col.meaning else ""
        ) + "A name, alias or ONS code of data/forces.csv."
    if col.max_length:
        constraints["maxLength"] = col.max_length
    if constraints:
        field["constraints"] = constraints
    return field


def _foreign_keys(schema: FileSchema) -> list[dict]:
    keys = []
    for col in schema.columns:
        target = REFERENCES.get(col.kind)
        if target is None:
            continue
        other, key = target
        resource = "dimensions" if other is None else _resource_name(other)
        if resource == _resource_name(schema) and col.name == key:
            continue
        keys.append({"fields": col.name, "reference": {"resource": resource, "fields": key}})
    return keys


def descriptor(data_dir: Path = paths.DATA_DIR) -> dict:
    """The data package descriptor for the input files of `data_dir`."""
    allowed: dict[str, list[str]] = {}
    for row in read_csv(data_dir / "allowed_values.csv").rows:
        allowed.setdefault(row["field"], []).append(row["value"])
    sources = read_csv(data_dir / SOURCES.name).rows
    resources = []
    for schema in ALL_FILES:
        table_schema: dict = {"fields": [_field(c, allowed) for c in schema.columns]}
        if schema.key:
            table_schema["primaryKey"] = list(schema.key)
        if fks := _foreign_keys(schema):
            table_schema["foreignKeys"] = fks
        table_schema["missingValues"] = [""]
        resources.append(
            {
                "name": _resource_name(schema),
                "path": schema.name,
                "profile": "tabular-data-resource",
                "description": schema.meaning,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": table_schema,
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": "stalking-services-commissioning-england-wales",
        "title": "Stalking services in England and Wales: commissioning evidence from Police and Crime Commissioners",
        "description": (
            "Facts about each police force area's stalking victim services (ISACs), perpetrator programmes, "
            "multi-agency arrangements and funding, each with a verbatim quote, the document, section and date. "
            "A force area not quoted on a theme is not reported, which is not the same as none. "
            "Columns, values and curation decisions: DICTIONARY.md."
        ),
        "licenses": [LICENCE],
        "sources": [
            {
                "title": r["title"],
                "publisher": r["publisher"],
                "published": r["published"],
                "licence": r["licence"],
                **({"path": r["url"]} if r.get("url") else {}),
            }
            for r in sources
        ],
        "resources": resources,
    }


def render(data_dir: Path = paths.DATA_DIR) -> str:
    return json.dumps(descriptor(data_dir), indent=2, ensure_ascii=False) + "\n"


def update(path: Path = paths.DATAPACKAGE_JSON, check: bool = False) -> bool:
    """Rewrite the descriptor; with check=True only report whether it is current."""
    new = render(path.parent)
    if check:
        return path.exists() and path.read_text(encoding="utf-8") == new
    path.write_text(new, encoding="utf-8")
    return True
