"""Exports: charts as PNG, SVG and HTML, tables as CSV and XLSX, and briefing packs.

Every export carries its title, source line and as-at date. No Streamlit
import here (the download buttons are in ui/widgets.py) and no SQL
(queries are in core/queries.py).

    from exports import ExportInfo, images, html, tables, briefing

Command line: `python -m exports briefing --region Wales --out wales.zip`.
"""

from core.text import file_stem, slug
from exports.common import ExportInfo

__all__ = ["ExportInfo", "file_stem", "slug"]
