"""Submit a return: upload a force's updated position, see the checks and what would
change, then confirm to store it and rebuild the database.

Admin only. app.py lists this page only when an admin passphrase is configured
(ui/admin.py), and the page refuses to run without one. Wrong passphrases are
limited for the whole server (ui/admin.py, core/ratelimit.py). Nothing is written
until the passphrase has been entered in this session and the preview confirmed.
Everything the submitter wrote (names, notes, file names) is shown as plain text
(st.text, st.code, st.dataframe), never as Markdown or HTML.
"""

import math
import time

import pandas as pd
import streamlit as st

import returns
from core import paths, queries
from core.problems import InputError
from ui import admin

UNLOCKED = "submit_return_unlocked"

st.title("Submit a return")

if not admin.is_configured():
    st.error("Submitting returns is switched off: no admin passphrase is configured.")
    st.stop()

if not st.session_state.get(UNLOCKED):
    with st.form("passphrase", clear_on_submit=True):
        entered = st.text_input("Admin passphrase", type="password")
        unlock = st.form_submit_button("Unlock")
    if unlock:
        result = admin.attempt(entered, source=st.context.ip_address)
        if result.ok:
            st.session_state[UNLOCKED] = True
            st.rerun()
        time.sleep(1)  # slows guessing in this session; the global limit (ui/admin.py) stops it across sessions
        if result.retry_after:
            st.error(
                "Too many wrong passphrases have been entered: unlocking is paused for everyone "
                f"for {math.ceil(result.retry_after / 60)} minute(s)."
            )
        else:
            st.error("That passphrase is not correct.")
    st.stop()


def show_problems(err: InputError) -> None:
    st.error(f"{len(err.problems)} problem(s) found; nothing was written.")
    st.code("\n".join(str(p) for p in err.problems), language=None, wrap_lines=True)


def changes_table(preview: returns.Preview) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"dimension": c.dimension, "item": c.item, "current": c.old, "in this return": c.new, "change": c.kind}
            for c in preview.changes
        ]
    )


st.write(
    "Upload a return for one force (CSV or XLSX, in the format of the templates). "
    "It is checked against the same rules as the curated data, and you see what would change "
    "before anything is written."
)
st.page_link("app_pages/return_templates.py", label="Download a template", icon=":material/download:")

uploaded = st.file_uploader("Return file", type=["csv", "xlsx"], max_upload_size=returns.MAX_RETURN_MB)
if uploaded is None:
    st.stop()

raw = uploaded.getvalue()
try:
    preview, _, _ = returns.preview_return(raw, uploaded.name, data_dir=paths.DATA_DIR)
except InputError as err:
    show_problems(err)
    st.stop()

ret = preview.ret
st.subheader("Checks passed")
st.text(
    f"Force: {ret.force_as_named} ({ret.pfa_code})\n"
    f"As at: {ret.as_at:%Y-%m-%d}\n"
    f"Submitted by: {ret.submitted_by}\n"
    f"Evidence: {ret.evidence or '(none)'}\n"
    f"Rows: {len(ret.facts)} fact(s), {len(ret.streams)} funded service(s)"
)
st.subheader("What would change")
st.caption(f"From {ret.as_at:%-d %B %Y} on: the force's current value, and the value in this return.")
st.dataframe(changes_table(preview), hide_index=True)
for note in preview.notes:
    st.text(note)

if not st.button("Confirm and import", type="primary"):
    st.stop()

try:
    result = returns.import_return(raw, uploaded.name, data_dir=paths.DATA_DIR, database=paths.DATABASE)
except InputError as err:
    show_problems(err)
    st.stop()

st.success("Return stored and database rebuilt. Every page now shows the updated position.")
st.text(f"Stored as {result.stored.name}\nSHA-256 {ret.sha256}")
if result.preview.changes != preview.changes:
    st.warning("Another return was accepted while this one was checked; the changes made were these.")
    st.dataframe(changes_table(result.preview), hide_index=True)
st.subheader("History of this force")
st.dataframe(queries.history(ret.pfa_code), hide_index=True)
