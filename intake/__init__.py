"""Intake of a return: an updated position for one force, sent by its commissioner's office,
from the file (or the browser form's answers) to the published database.

- `forms`: the office's answers (etl.questions) as rows of the return format, and back (pre-fill)
- `workbook`: the return as the Excel workbook an office fills in, and reading it back
- `reading`: a submitted CSV or XLSX file into rows of the return format
- `checking`: those rows against the rules every return and curated file obey (etl.validate)
- `comparing`: what the return would change, before anything is stored (built in memory with and without it)
- `storing`: the submitted file and its record, written under a journal
- `importing`: check, store and rebuild as one unit, holding the writer lock
- `templates`: blank and pre-filled templates (CSV and XLSX)

The round workflow (workflow/) sends every accepted return through `importing`; a return
sent on its own comes through the admin's command line, `python -m returns import FILE`.
"""

from etl.read import LOCK_FILE
from intake.comparing import Change, Preview
from intake.importing import ImportResult, import_return, preview_return
from intake.reading import MAX_RETURN_BYTES, MAX_RETURN_MB, SUFFIXES
from intake.templates import COLUMNS, TEMPLATE_FACTS, template, template_csv, template_rows, template_xlsx

__all__ = [
    "COLUMNS",
    "LOCK_FILE",
    "MAX_RETURN_BYTES",
    "MAX_RETURN_MB",
    "SUFFIXES",
    "TEMPLATE_FACTS",
    "Change",
    "ImportResult",
    "Preview",
    "import_return",
    "preview_return",
    "template",
    "template_csv",
    "template_rows",
    "template_xlsx",
]
