"""Regenerate the parts of data/DICTIONARY.md and README.md that mirror machine-readable files.

The input-file and return columns come from etl/schema.py and the allowed values from
data/allowed_values.csv, data/dimensions.csv and data/attributes.csv, so the
dictionary cannot drift from what the validator enforces. README.md's dataset counts
(facts, funded services, timeline events) are counted from data/ the same way, so they
cannot drift from the data, and the README's table of settings comes from core/settings.py.
`python -m etl docs` rewrites the generated blocks of both files; `python -m etl docs --check`
fails if any is stale.
"""

from __future__ import annotations

import re
from pathlib import Path

from core import paths, settings
from etl.read import read_csv
from etl.schema import ALL_FILES, RETURN, requirement

# The body is matched lazily up to the first END marker, so an empty block cannot swallow the next one.
BLOCK = re.compile(
    r"(?P<begin><!-- BEGIN generated: (?P<name>[a-z ]+) -->)(?P<body>.*?)(?P<end><!-- END generated -->)", re.S
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def input_files_block() -> str:
    out = []
    for schema in ALL_FILES:
        out.append(f"#### `data/{schema.name}`\n\n{schema.meaning} Key: {', '.join(schema.key)}.\n")
        out.append("| column | type | required | meaning |\n|---|---|---|---|")
        for c in schema.columns:
            limit = f" (max {c.max_length})" if c.max_length else ""
            out.append(f"| `{c.name}` | {c.kind}{limit} | {'yes' if c.required else 'no'} | {_cell(c.meaning)} |")
        out.append("")
    return "\n".join(out).rstrip()


def return_columns_block() -> str:
    out = ["| column | type | required | meaning |", "|---|---|---|---|"]
    for c in RETURN.columns:
        limit = f" (max {c.max_length})" if c.max_length else ""
        out.append(f"| `{c.name}` | {_cell(c.kind)}{limit} | {requirement(c.name)} | {_cell(c.meaning)} |")
    return "\n".join(out)


def allowed_values_block(data_dir: Path = paths.DATA_DIR) -> str:
    out = ["#### Dimensions\n", "| dimension | label | recommendation | meaning |", "|---|---|---|---|"]
    for r in read_csv(data_dir / "dimensions.csv").rows:
        out.append(
            f"| `{r['dimension']}` | {_cell(r['label'])} | {r['recommendation'] or '–'} | {_cell(r['meaning'])} |"
        )
    out += [
        "",
        "#### Fact attributes\n",
        "| dimension | attribute | value type | per force and date | meaning |",
        "|---|---|---|---|---|",
    ]
    for r in read_csv(data_dir / "attributes.csv").rows:
        out.append(
            f"| `{r['dimension']}` | `{r['attribute']}` | {r['value_type']} | {r['cardinality']} | {_cell(r['meaning'])} |"
        )
    rows = read_csv(data_dir / "allowed_values.csv").rows
    for field in dict.fromkeys(r["field"] for r in rows):
        out += ["", f"#### `{field}`\n", "| value | meaning |", "|---|---|"]
        out += [f"| {_cell(r['value'])} | {_cell(r['meaning'])} |" for r in rows if r["field"] == field]
    return "\n".join(out)


def return_questions_block() -> str:
    """The questions of a return (etl/questions.py), section by section, with the facts they become."""
    from etl.questions import SECTIONS

    out = []
    for section in SECTIONS:
        out += [
            f"#### {section.title}",
            "",
            _cell(section.intro),
            "",
            "| key | question | answers | becomes |",
            "|---|---|---|---|",
        ]
        for q in section.questions:
            answers = "; ".join(f"{c.label} (`{c.value}`)" for c in q.choices) or q.kind
            target = f"`{q.dimension}` / `{q.attribute}`" if q.dimension else "the return's header columns"
            out.append(
                f"| `{q.key}` | {_cell(q.prompt)}{' (required)' if q.required else ''} | {_cell(answers)} | {target} |"
            )
        if section.evidence:
            out.append(
                f"| `{section.evidence_key}` | Evidence for these answers (link or document reference) | text | the rows' `evidence` |"
            )
        if section.listing:
            listing = section.listing
            where = (
                "one funding row each"
                if listing.record == "funding"
                else f"`{listing.dimension}` facts, one item per row"
            )
            out += ["", f"{_cell(listing.prompt)} ({where}):", "", "| column | answers | becomes |", "|---|---|---|"]
            for c in listing.columns:
                answers = "; ".join(f"{ch.label} (`{ch.value}`)" for ch in c.choices) or c.kind
                target = f"`{c.attribute}`" if c.attribute else f"`{c.key}`"
                out.append(f"| {_cell(c.prompt)}{' (required)' if c.required else ''} | {_cell(answers)} | {target} |")
        out.append("")
    return "\n".join(out).rstrip()


def dataset_numbers_block(data_dir: Path = paths.DATA_DIR) -> str:
    """README.md's 'dataset in numbers', counted from the input files."""
    forces = len(read_csv(data_dir / "forces.csv").rows)
    facts = read_csv(data_dir / "curated/facts.csv").rows
    streams = read_csv(data_dir / "curated/funding_streams.csv").rows
    events = read_csv(data_dir / "curated/timeline.csv").rows
    documents = len({r["source_id"] for r in events})
    main = {r["source_id"] for r in facts + streams}
    where = "the APCC response" if main == {"apcc-response-2024-12"} else f"{len(main)} documents"
    return (
        f"The dataset in numbers: {forces} force areas; {len(facts)} facts and {len(streams)} funded services "
        f"from {where}, each with its quote; {len(events)} dated national events from {documents} documents."
    )


def settings_block() -> str:
    """Every setting the product reads (core/settings.py), with its default and meaning."""
    out = ["| variable | type | default | read by | meaning |", "|---|---|---|---|---|"]
    for s in settings.SETTINGS:
        out.append(f"| `{s.name}` | {s.kind} | {_cell(s.shown_default)} | {s.read_by} | {_cell(s.meaning)} |")
    return "\n".join(out)


GENERATORS = {
    "input files": input_files_block,
    "allowed values": allowed_values_block,
    "return columns": return_columns_block,
    "return questions": return_questions_block,
    "dataset in numbers": dataset_numbers_block,
    "settings": settings_block,
}
# The files with generated blocks.
DOCUMENTS = (paths.DICTIONARY_MD, paths.README_MD)


def render(text: str) -> str:
    def replace(m: re.Match) -> str:
        return m.group("begin") + "\n" + GENERATORS[m.group("name")]() + "\n" + m.group("end")

    return BLOCK.sub(replace, text)


def update(path: Path = paths.DICTIONARY_MD, check: bool = False) -> bool:
    """Rewrite the generated blocks; with check=True only report whether they are current."""
    text = path.read_text(encoding="utf-8")
    new = render(text)
    if check:
        return new == text
    path.write_text(new, encoding="utf-8")
    return True


def stale(check: bool = False) -> list[Path]:
    """Rewrite the generated blocks of every document (DOCUMENTS); with check=True only list the stale ones."""
    return [path for path in DOCUMENTS if not update(path, check=check)]
