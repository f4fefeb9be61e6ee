"""Review returns: the queue of submitted returns, each with what it changes field by field,
the evidence given, who submitted it and when; accept (publish) or return with a comment.

Offered to reviewers and admins; the decisions are checked on the server (workflow.guard).
Only accepted returns are published. Text from returns is shown as written.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.problems import InputError
from core.text import long_date, printable
from ui import auth
from ui import cached_queries as data
from ui.evidence_view import md_escape
from workflow import guard, review, rounds

actor = auth.current_actor()
st.title("Review returns")
if not actor.is_reviewer:
    st.error("Only APCC reviewers and admins can review returns.", icon=":material/lock:")
    st.stop()

FLASH = "_review_flash"
if message := st.session_state.pop(FLASH, None):  # what the last decision did, kept across its rerun
    st.success(message, icon=":material/check_circle:")

all_rounds = rounds.rounds()
if not all_rounds:
    st.info("No returns round has been opened yet.")
    st.stop()
round_ = st.selectbox(
    "Round",
    all_rounds,
    index=rounds.default_index(all_rounds),
    format_func=lambda r: f"{r.title} (as at {long_date(r.as_at)}; {rounds.state_words(r)})",
    key="review_round",
)
waiting = review.queue(actor, round_.round_id)
names = data.forces().set_index("pfa_code")["short_name"]
st.caption(
    f"{len(waiting)} return{'s' if len(waiting) != 1 else ''} waiting for review. Only accepted returns are "
    "published; each supersedes the force's earlier position from its as-at date, and nothing is deleted."
)
if not waiting:
    st.info("Nothing is waiting for review in this round.", icon=":material/done_all:")

for sub in waiting:
    with st.container(border=True):
        st.subheader(md_escape(f"{names.get(sub.pfa_code, sub.pfa_code)} ({sub.pfa_code})"))
        completed, signed = review.signed_names(sub)
        who = f"Sent by {sub.submitted_by} on {sub.submitted_at:%d %b %Y %H:%M} UTC"
        if sub.entered_by:
            who += " (entered on the office's behalf)"
        if sub.submitted_at.date() > round_.due:
            who += f"; sent late (due {long_date(round_.due)})"
        st.text(
            "\n".join(
                printable(line)
                for line in (
                    f"Completed by: {completed}",
                    f"Signed off by: {signed}",
                    who,
                    f"File: {sub.file_name} (SHA-256 {sub.file_sha256[:12]}…)",
                )
            )
        )
        changes = review.changes(sub, round_)
        if changes:
            st.markdown("**What it changes** (published now → in this return; unchanged fields not shown)")
            st.dataframe(
                pd.DataFrame([{"Field": c.field, "Published now": c.old, "In this return": c.new} for c in changes]),
                hide_index=True,
            )
        else:
            st.markdown("**No field changes.** It restates the published position (it becomes its evidence).")
        evidence = sorted({(r.get("evidence") or "") for r in sub.rows} - {""})
        st.markdown("**Evidence given**" if evidence else "**No evidence link or document given.**")
        if evidence:
            st.text("\n".join(evidence))
        withheld = review.examples_withheld(sub)
        if withheld:
            st.markdown("**Examples given without consent to quote** (they inform the response; never published)")
            st.text("\n\n".join(f"{theme}: {text}" for theme, text in withheld))
        left, right = st.columns([1, 2])
        confirming = f"_confirm_accept_{sub.submission_id}"
        if not st.session_state.get(confirming):
            if left.button(
                "Accept and publish", key=f"accept_{sub.submission_id}", type="primary", icon=":material/publish:"
            ):
                st.session_state[confirming] = True
                st.rerun()
        else:
            left.warning(
                f"Publish {md_escape(names.get(sub.pfa_code, sub.pfa_code))}'s return? Every dashboard shows it "
                "from its as-at date.",
                icon=":material/help:",
            )
            yes, no = left.columns(2)
            if yes.button("Yes, publish", key=f"accept_yes_{sub.submission_id}", type="primary"):
                st.session_state.pop(confirming, None)
                try:
                    done = review.accept(actor, sub.submission_id)
                except (InputError, guard.Refused) as err:
                    st.error(f"Not accepted: {md_escape(err)}")
                else:
                    st.session_state[FLASH] = (
                        f"Accepted and published ({done.stored_as}). Every dashboard shows it from its as-at date."
                    )
                    st.rerun()
            if no.button("Cancel", key=f"accept_no_{sub.submission_id}"):
                st.session_state.pop(confirming, None)
                st.rerun()
        with right:
            comment = st.text_area("Comment for the office", key=f"comment_{sub.submission_id}", max_chars=2000)
            if st.button("Return for changes", key=f"return_{sub.submission_id}", icon=":material/reply:"):
                try:
                    review.return_for_changes(actor, sub.submission_id, comment)
                except (InputError, guard.Refused) as err:
                    st.error(f"Not returned: {md_escape(err)}")
                else:
                    st.session_state[FLASH] = "Returned to the office with your comment."
                    st.rerun()

with st.expander("Audit log (newest first)", key="audit_expander", on_change="rerun") as section:
    if section.open:
        st.dataframe(guard.audit_log(actor), hide_index=True)
