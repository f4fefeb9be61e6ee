"""Intake of a return: an updated position for one force, sent by its commissioner's office,
from the file (or the browser form's answers) to the published database.

- `forms`: the office's answers (etl.questions) as rows of the return format, and back (pre-fill)
- `workbook`: the return as the Excel workbook an office fills in, and reading it back
- `reading`: a submitted CSV or XLSX file into rows of the return format
- `checking`: those rows against the rules every return and curated file obey (etl.validate),
  and against the returns accepted already: the whole check, once, where a return comes in
- `comparing`: what the return would change, before anything is stored (built in memory with and without it)
- `importing`: store and rebuild as one unit, holding the writer lock: `publish` (the round's accept:
  one read of what it is checked against, one build) and `import_return` (a return sent on its own)
- `templates`: blank and pre-filled templates (CSV and XLSX)

The stored return (its file, its record and the journal of an import) is written and read by
etl.stored_returns, the one owner of that format; every build reads accepted returns through it.
The round workflow (workflow/) checks each submission here and publishes each accepted one
through `importing.publish`; a return sent on its own comes through the admin's command line,
`python -m returns import FILE`.
"""

from importlib import import_module

# Each name and the module it comes from, imported when first asked for (PEP 562): a worker that
# reads a workbook (intake.isolated) imports intake.reading alone, not the build and its database.
_FROM = {
    "LOCK_FILE": "etl.read",
    "Change": "intake.comparing",
    "Preview": "intake.comparing",
    "AlreadyImported": "intake.checking",
    "ImportResult": "intake.importing",
    "Published": "intake.importing",
    "publish": "intake.importing",
    "import_return": "intake.importing",
    "preview_return": "intake.importing",
    "MAX_RETURN_BYTES": "intake.reading",
    "MAX_RETURN_MB": "intake.reading",
    "SUFFIXES": "intake.reading",
    "COLUMNS": "intake.templates",
    "TEMPLATE_FACTS": "intake.templates",
    "template": "intake.templates",
    "template_csv": "intake.templates",
    "template_rows": "intake.templates",
    "template_xlsx": "intake.templates",
}
__all__ = sorted(_FROM)


def __getattr__(name: str):
    if name in _FROM:
        return getattr(import_module(_FROM[name]), name)
    raise AttributeError(f"module 'intake' has no attribute {name!r}")
