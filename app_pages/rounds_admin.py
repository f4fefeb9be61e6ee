"""Rounds: an admin opens a returns round (title, the as-at date the positions describe, the due
date, the forces asked), downloads every force's pre-filled workbook in one zip, closes a round,
and downloads the round's report.

Offered to admins; workflow.guard checks every action again on the server.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from core import clock
from core.problems import InputError
from core.text import long_date
from ui import auth
from ui import cached_queries as data
from ui.evidence_view import md_escape
from workflow import guard, progress, report, rounds, submitting

actor = auth.current_actor()
st.title("Rounds")
if not actor.is_admin:
    st.error("Only APCC admins can open and close rounds.", icon=":material/lock:")
    st.stop()

forces = data.forces().set_index("pfa_code")
# Enter in the title box does not open the round: only the button does (a second press is refused anyway,
# since a title and an as-at date are unique among open rounds).
with st.form("open_round", border=True, enter_to_submit=False):
    st.subheader("Open a round")
    title = st.text_input("Title", placeholder="Stalking services position, March 2027", max_chars=200)
    left, right = st.columns(2)
    as_at = left.date_input("Positions as at", value=clock.today(), format="DD/MM/YYYY")
    due = right.date_input("Due", value=clock.today() + dt.timedelta(days=42), format="DD/MM/YYYY")
    asked = st.multiselect(
        "Force areas asked (all 43 when empty)", list(forces.index), format_func=lambda c: forces.at[c, "short_name"]
    )
    if st.form_submit_button("Open the round", type="primary"):
        try:
            made = rounds.open_round(actor, title, as_at, due, asked or None)
        except (InputError, guard.Refused) as err:
            st.error(f"Not opened: {md_escape(err)}")
        else:
            st.success(f"Opened {md_escape(made.round_id)}. Offices can now fill in their returns.")

st.subheader("Rounds")
for r in rounds.rounds():
    with st.container(border=True):
        state = rounds.state_words(r)
        st.markdown(
            f"**{md_escape(r.title)}** · {md_escape(r.round_id)} · as at {long_date(r.as_at)} · due "
            f"{long_date(r.due)} · {state}"
        )
        frame = progress.status_frame(r.round_id)
        st.caption(" · ".join(f"{s}: {int((frame['state'] == s).sum())}" for s in progress.STATES))
        with st.container(horizontal=True, key=f"round_actions_{r.round_id}"):
            st.download_button(
                "All templates (zip)",
                lambda r=r: submitting.templates_zip(actor, r.round_id),
                file_name=f"templates-{r.round_id}.zip",
                mime="application/zip",
                icon=":material/folder_zip:",
                on_click="ignore",
                key=f"zip_{r.round_id}",
            )
            st.download_button(
                "The round's report (zip)",
                lambda r=r: report.build(actor, r.round_id).data,
                file_name=f"report-{r.round_id}.zip",
                mime="application/zip",
                icon=":material/summarize:",
                on_click="ignore",
                key=f"report_{r.round_id}",
            )
            confirming = f"_confirm_close_{r.round_id}"
            if not r.closed_at and not st.session_state.get(confirming):
                if st.button("Close the round", key=f"close_{r.round_id}"):
                    st.session_state[confirming] = True
                    st.rerun()
        if not r.closed_at and st.session_state.get(confirming):
            owed = int((frame["state"] != progress.ACCEPTED).sum())
            st.warning(
                f"Close {md_escape(r.title)}? Offices can no longer save or submit returns in it"
                + (f"; {owed} of {len(frame)} force areas have no accepted return." if owed else "."),
                icon=":material/help:",
            )
            with st.container(horizontal=True, key=f"close_confirm_{r.round_id}"):
                if st.button("Yes, close it", key=f"close_yes_{r.round_id}", type="primary"):
                    st.session_state.pop(confirming, None)
                    rounds.close_round(actor, r.round_id)
                    st.rerun()
                if st.button("Cancel", key=f"close_no_{r.round_id}"):
                    st.session_state.pop(confirming, None)
                    st.rerun()
