"""A problem found in an input file, reported as ``file:row:column: message``.

Every stage collects problems instead of raising on the first one, so a person
fixing a file sees every mistake in one run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from core.paths import REPO_ROOT
from core.text import printable


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    row: int  # line number in the file (the header is line 1); 0 for the whole file
    column: str  # column name, or "" for the whole row or file
    message: str  # what was wrong, then what was expected

    def __str__(self) -> str:
        """One line, whatever the file name, column or message quote: a line break or a terminal
        escape in a value is written as an escape (\\n, \\x1b), so it cannot forge another line."""
        return printable(f"{self.file}:{self.row}:{self.column}: {self.message}")


def display_path(path: Path) -> str:
    """A path relative to the repository when it lies inside it, else absolute: as given, never
    the target of a symbolic link (a link named return.csv is named so, not /dev/zero)."""
    given = Path(os.path.abspath(path))
    for candidate in (given, given.resolve()):
        try:
            return str(candidate.relative_to(REPO_ROOT))
        except ValueError:
            continue
    return str(given)


class InputError(Exception):
    """Raised with every problem found, once a stage cannot go on."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))
