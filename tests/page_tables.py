"""Reading the Markdown tables pages draw (ui.widgets.wrapped_table) back into rows, in AppTest."""

from __future__ import annotations

import re

import pandas as pd


def _plain(cell: str) -> str:
    """A cell as a reader sees it: a link's words (its address in `link`), no Markdown escapes."""
    cell = re.sub(r":color\[\\?(.)\]", r"\1", cell.strip())
    return re.sub(r"\\(.)", r"\1", cell)


def markdown_table(at, first_heading: str) -> pd.DataFrame:
    """The page's Markdown table whose first heading is `first_heading`, one row per line; a linked
    cell gives its words, and `<heading> link` holds its address."""
    text = next(m.value for m in at.markdown if m.value.startswith(f"| {first_heading} |"))
    lines = [line.strip().strip("|").split(" | ") for line in text.splitlines()]
    headings = [_plain(h) for h in lines[0]]
    rows = []
    for line in lines[2:]:
        row, links = {}, {}
        for heading, cell in zip(headings, line):
            linked = re.fullmatch(r"\s*\[(.*)\]\((.*)\)\s*", cell)
            row[heading] = _plain(linked.group(1) if linked else cell)
            if linked:
                links[f"{heading} link"] = linked.group(2)
        rows.append({**row, **links})
    return pd.DataFrame(rows)
