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

from etl.read import LOCK_FILE
from intake.checking import AlreadyImported
from intake.comparing import Change, Preview
from intake.importing import ImportResult, Published, import_return, preview_return, publish
from intake.reading import MAX_RETURN_BYTES, MAX_RETURN_MB, SUFFIXES
from intake.templates import COLUMNS, TEMPLATE_FACTS, template, template_csv, template_rows, template_xlsx

__all__ = [
    "COLUMNS",
    "LOCK_FILE",
    "MAX_RETURN_BYTES",
    "MAX_RETURN_MB",
    "SUFFIXES",
    "AlreadyImported",
    "TEMPLATE_FACTS",
    "Change",
    "ImportResult",
    "Preview",
    "Published",
    "import_return",
    "preview_return",
    "publish",
    "template",
    "template_csv",
    "template_rows",
    "template_xlsx",
]
