"""Return templates: the file a commissioner's office fills in to update its force's position.

Anyone may download a template; only the admin-only "Submit a return" page
(or `python -m returns import`) can import one.
"""

import pandas as pd
import streamlit as st

import intake
from core import clock, paths, queries
from ui import cached_queries as data
from ui import glossary, state

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

st.title("Return templates")
st.caption(glossary.terms_line("ISA", "MASIP"))
st.write(
    "The December 2024 evidence is the first edition, not the last. To update a force's "
    "position, fill in a return: one row per fact (ISA provision and headcount, perpetrator "
    "programmes, MASIP or stalking clinic) or per funded service (funder, start and end dates, "
    "status), with the date the position is as at, who is submitting it and, optionally, a note "
    "or link as evidence. The workbook's guidance sheet lists every allowed value."
)

st.header("Blank template")
blank = intake.template_rows()
left, right = st.columns(2)
# Workbooks are made on click (a callable), not on every run: each takes about 150 ms.
left.download_button(
    "Blank template (XLSX)",
    lambda: intake.template_xlsx(blank, paths.DATA_DIR),
    file_name="return_template.xlsx",
    mime=XLSX,
    icon=":material/download:",
)
right.download_button(
    "Blank template (CSV)",
    intake.template_csv(blank),
    file_name="return_template.csv",
    mime="text/csv",
    icon=":material/download:",
)

st.header("Pre-filled with a force's current position")
forces = data.forces().sort_values("short_name")
codes = list(forces["pfa_code"])
names = dict(zip(codes, forces["short_name"]))
chosen = state.current().force
# Follows the sidebar's force area; choosing here does not change it.
code = st.selectbox(
    "Force",
    codes,
    index=codes.index(chosen) if chosen in codes else None,
    format_func=names.get,
    placeholder="Choose a force area…",
)
if code is None:
    st.caption("Choose a force area here or in the sidebar to get a return filled in with its current position.")
    st.stop()
today = clock.today()
rows = intake.template(code, data_dir=paths.DATA_DIR, as_at=today, db=queries.default_db())
left, right = st.columns(2)
left.download_button(
    "Pre-filled template (XLSX)",
    lambda: intake.template_xlsx(rows, paths.DATA_DIR),
    file_name=f"return_template_{code}.xlsx",
    mime=XLSX,
    icon=":material/download:",
)
right.download_button(
    "Pre-filled template (CSV)",
    intake.template_csv(rows),
    file_name=f"return_template_{code}.csv",
    mime="text/csv",
    icon=":material/download:",
)
st.caption(
    f"{names[code]}: position as at {today:%-d %B %Y}. Fill in as_at and submitted_by on every row you keep. "
    "A return replaces each dimension it has rows for, and the whole list of funded services "
    "when it has funding rows; rows left without a value are skipped."
)
# The columns a reader checks, sized to show without scrolling at 1440 px; the files have every column
# (as_at, submitted_by and evidence are left for the office to fill in; stream_id keys a funded service).
st.dataframe(
    pd.DataFrame(rows, columns=list(intake.COLUMNS)),
    hide_index=True,
    column_order=[
        "force",
        "record",
        "dimension",
        "attribute",
        "value",
        "service",
        "funder",
        "start_date",
        "end_date",
        "status",
    ],
    column_config={
        "force": st.column_config.TextColumn(width=100),
        "record": st.column_config.TextColumn(width=55),
        "dimension": st.column_config.TextColumn(width=110),
        "attribute": st.column_config.TextColumn(width=90),
        "value": st.column_config.TextColumn(width=170),
        "service": st.column_config.TextColumn(width=130),
        "funder": st.column_config.TextColumn(width=100),
        "start_date": st.column_config.TextColumn(width=80),
        "end_date": st.column_config.TextColumn(width=80),
        "status": st.column_config.TextColumn(width=55),
    },
)
