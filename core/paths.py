"""Every path the project uses, resolved from the repository root or the settings.

One place to look when something cannot be found; nothing else in the code
builds a path from a string. The settings themselves (which environment variable,
its default and meaning) are declared in core/settings.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from core import settings

REPO_ROOT = Path(__file__).resolve().parent.parent

# Inputs: read-only, version-controlled.
DATA_DIR = REPO_ROOT / "data"
FORCES_CSV = DATA_DIR / "forces.csv"
SOURCES_CSV = DATA_DIR / "sources.csv"
SECTIONS_CSV = DATA_DIR / "sections.csv"
ALLOWED_VALUES_CSV = DATA_DIR / "allowed_values.csv"
NEIGHBOURS_CSV = DATA_DIR / "force_neighbours.csv"
CORRECTIONS_CSV = DATA_DIR / "corrections.csv"
CURATED_DIR = DATA_DIR / "curated"
TEMPLATES_DIR = DATA_DIR / "templates"
DICTIONARY_MD = DATA_DIR / "DICTIONARY.md"
README_MD = REPO_ROOT / "README.md"  # its dataset counts are a generated block (etl/docs.py)
# The dataset described as a Frictionless Data Package (generated from etl/schema.py).
DATAPACKAGE_JSON = DATA_DIR / "datapackage.json"

# What follows depends on the settings (core/settings.py): the environment is read when a
# value is asked for, never at import, so each name below is computed on use (see __getattr__).

# Accepted returns: written by the returns workflow, kept for ever (never edited).
# STALKING_RETURNS_DIR puts them elsewhere (a container's mounted volume, say).
RETURNS_DIR: Path
# Outputs: rebuilt, git-ignored, never hand-edited. STALKING_BUILD_DIR lets tests and
# benchmarks build somewhere else.
BUILD_DIR: Path
DATABASE: Path
DATABASE_BACKUP: Path
BOUNDARIES_GEOJSON: Path
# Where the imported boundaries came from (file name, sha256, code field, attribution year).
BOUNDARIES_META: Path
# Imported official demand figures (`python -m demand import FILE…`): beside the database, each
# kind in one JSON file with its origin, and every accepted official file kept under originals/.
# `python -m etl build` reads them from the folder beside the database it builds.
DEMAND_DIRNAME = "demand"
DEMAND_DIR: Path
# The key that signs return workbooks (made on first use; STALKING_FORM_KEY overrides it).
FORM_KEY_FILE: Path
# The returns workflow (rounds, drafts, submissions, reviews, audit log): a SQLAlchemy URL.
# Default: an SQLite file in the build folder; a postgresql+psycopg://… URL for several processes.
WORKFLOW_URL: str
# Who may do what in the returns workflow: an access list the admin keeps (git-ignored).
ACCESS_FILE: Path
# Source documents the quotes are checked against, and a boundary file for tests (outside the repo, optional).
SOURCE_DOCUMENTS_DIR: Path
SHARED_GEO_DIR: Path


def in_repository(path: Path) -> Path:
    """A setting's path as the code uses it: a relative one is taken from the repository root."""
    return path if path.is_absolute() else Path(os.path.normpath(REPO_ROOT / path))


def _build_dir(s: settings.Settings) -> Path:
    return in_repository(s.build_dir)


_FROM_SETTINGS: dict[str, Callable[[settings.Settings], object]] = {
    "RETURNS_DIR": lambda s: in_repository(s.returns_dir),
    "BUILD_DIR": _build_dir,
    "DATABASE": lambda s: _build_dir(s) / "stalking.duckdb",
    "DATABASE_BACKUP": lambda s: _build_dir(s) / "stalking.previous.duckdb",
    "BOUNDARIES_GEOJSON": lambda s: _build_dir(s) / "boundaries.geojson",
    "BOUNDARIES_META": lambda s: _build_dir(s) / "boundaries.meta.json",
    "DEMAND_DIR": lambda s: _build_dir(s) / DEMAND_DIRNAME,
    "FORM_KEY_FILE": lambda s: _build_dir(s) / "form.key",
    "WORKFLOW_URL": lambda s: s.workflow_url or f"sqlite:///{_build_dir(s) / 'workflow.sqlite'}",
    "ACCESS_FILE": lambda s: in_repository(s.access_file),
    "SOURCE_DOCUMENTS_DIR": lambda s: in_repository(s.source_documents_dir),
    "SHARED_GEO_DIR": lambda s: in_repository(s.shared_geo_dir),
}


def __getattr__(name: str) -> object:
    """The paths that follow the settings, computed from `settings.current()` each time they are read.

    (A test may still assign one, `monkeypatch.setattr(paths, "DATABASE", …)`: the module's own
    attribute then wins, as it did when these were constants.)"""
    try:
        resolve = _FROM_SETTINGS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    return resolve(settings.current())


# The map layer: the hand-written hexagon tile grid (the default geometry).
GEO_DIR = REPO_ROOT / "geo"
TILES_CSV = GEO_DIR / "tiles.csv"

# Static files served by Streamlit at app/static/ (the empty topojson base map).
STATIC_DIR = REPO_ROOT / "static"
# The browser tab icon: a local file, because a `:material/...:` page icon makes the
# browser fetch it from fonts.gstatic.com (no network at run time).
FAVICON = STATIC_DIR / "favicon.png"
# The charts' font files (charts/fonts.py): loaded by the page, found by the export browser, measured.
FONTS_DIR = STATIC_DIR / "fonts"
