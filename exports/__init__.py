"""Exports: charts as PNG, SVG and HTML, tables as CSV and XLSX, and briefing packs.

Every export carries its title, source line and as-at date. No Streamlit
import here (the download buttons are in dashboard/widgets.py) and no SQL
(queries are in dashboard/queries.py).

    from exports import ExportInfo, images, html, tables, briefing

Command line: `python -m exports briefing --region Wales --out wales.zip`.
"""
from exports.common import ExportInfo, file_stem, slug

__all__ = ["ExportInfo", "file_stem", "slug"]
