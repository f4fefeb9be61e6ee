"""The 43 force codes and names, read from data/forces.csv (the single reference list)."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from core import paths


@lru_cache(maxsize=4)
def _read(path: Path, mtime_ns: int) -> dict[str, str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["pfa_code"]: row["short_name"] for row in csv.DictReader(fh)}


def force_names(path: Path | None = None) -> dict[str, str]:
    """{pfa_code: short name} for every force in data/forces.csv, in file order."""
    path = Path(path or paths.FORCES_CSV)
    return dict(_read(path, path.stat().st_mtime_ns))


def describe(codes, names: dict[str, str] | None = None) -> str:
    """'E23000005 (Greater Manchester), E23000099' for error messages, sorted."""
    names = names if names is not None else force_names()
    return ", ".join(f"{c} ({names[c]})" if c in names else str(c) for c in sorted(codes))
