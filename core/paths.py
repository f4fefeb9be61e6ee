"""Every path and setting the project uses, resolved from the repository root or the environment.

One place to look when something cannot be found; nothing else in the code
builds a path from a string.
"""

from __future__ import annotations

import os
from pathlib import Path

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

# Accepted returns: written by the returns workflow, kept for ever (never edited).
# STALKING_RETURNS_DIR puts them elsewhere (a container's mounted volume, say).
RETURNS_DIR = Path(os.environ.get("STALKING_RETURNS_DIR", DATA_DIR / "returns"))

# Outputs: rebuilt, git-ignored, never hand-edited.
# STALKING_BUILD_DIR lets tests and benchmarks build somewhere else.
BUILD_DIR = Path(os.environ.get("STALKING_BUILD_DIR", DATA_DIR / "build"))
DATABASE = BUILD_DIR / "stalking.duckdb"
DATABASE_BACKUP = BUILD_DIR / "stalking.previous.duckdb"
BOUNDARIES_GEOJSON = BUILD_DIR / "boundaries.geojson"
# Where the imported boundaries came from (file name, sha256, code field, attribution year).
BOUNDARIES_META = BUILD_DIR / "boundaries.meta.json"
# Imported official demand figures (`python -m demand import FILE…`): beside the database, each
# kind in one JSON file with its origin, and every accepted official file kept under originals/.
# `python -m etl build` reads them from the folder beside the database it builds.
DEMAND_DIRNAME = "demand"
DEMAND_DIR = BUILD_DIR / DEMAND_DIRNAME
# The key that signs return workbooks (made on first use; STALKING_FORM_KEY overrides it).
FORM_KEY_FILE = BUILD_DIR / "form.key"
# The returns workflow (rounds, drafts, submissions, reviews, audit log): a SQLAlchemy URL.
# Default: an SQLite file in the build folder; a postgresql+psycopg://… URL for several processes.
WORKFLOW_URL = os.environ.get("STALKING_WORKFLOW_URL", f"sqlite:///{BUILD_DIR / 'workflow.sqlite'}")
# Who may do what in the returns workflow: an access list the admin keeps (git-ignored).
ACCESS_FILE = Path(os.environ.get("STALKING_ACCESS_FILE", REPO_ROOT / "access.toml"))
# Four eyes on every published return: the identity that entered or sent a return may not accept it.
SECOND_PERSON_REVIEW = os.environ.get("STALKING_SECOND_PERSON_REVIEW", "").strip().lower() in {"1", "true", "yes"}
# A public replica: no sign-in, no return pages.
READ_ONLY = os.environ.get("STALKING_READ_ONLY", "").strip().lower() in {"1", "true", "yes"}

# Source documents the quotes are checked against (outside the repo, optional).
SEEDS_DIR = Path(os.environ.get("STALKING_SEEDS_DIR", REPO_ROOT.parent / "shared" / "seeds"))
SHARED_GEO_DIR = Path(os.environ.get("STALKING_SHARED_GEO_DIR", REPO_ROOT.parent / "shared" / "geo"))

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
