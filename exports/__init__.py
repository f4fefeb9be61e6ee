"""Exports: charts as PNG, SVG and HTML, tables as CSV and XLSX.

Every export carries its title, source line and as-at date. No Streamlit
import here and no SQL (queries are in dashboard/queries.py).
"""
from exports.common import ExportInfo, file_stem, slug

__all__ = ["ExportInfo", "file_stem", "slug"]
