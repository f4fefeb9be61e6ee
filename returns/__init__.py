"""Returns: an updated position for one force, sent by its commissioner's office.

- `reading`: a submitted CSV or XLSX file into rows of the return format
- `checking`: those rows against the rules every return and curated file obey (etl.validate)
- `comparing`: what the return would change, before anything is stored (built in memory with and without it)
- `storing`: the submitted file and its record, written under a journal
- `importing`: check, store and rebuild as one unit, holding the writer lock
- `templates`: blank and pre-filled templates (CSV and XLSX)

Command line: `python -m returns import FILE [--dry-run]`, `python -m returns template [FORCE]`.
"""

from etl.read import LOCK_FILE
from returns.comparing import Change, Preview
from returns.importing import ImportResult, import_return, preview_return
from returns.reading import MAX_RETURN_BYTES, MAX_RETURN_MB, SUFFIXES
from returns.templates import COLUMNS, TEMPLATE_FACTS, template, template_csv, template_rows, template_xlsx

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
