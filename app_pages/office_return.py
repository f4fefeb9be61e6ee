"""Your return: an office answers the round's questions for its force area, in the browser or in
the workbook, saves a draft, sees every problem listed at the top (each linked to its question) and
beside the question it concerns, and submits. The page says where the return stands at once: sent for
review (the form is locked), returned for changes (editable again, with the reviewer's comment),
accepted (locked, with a link to the published profile).

Offered to office users (and admins, who may enter a return on an office's behalf). Every
action is checked on the server by workflow.guard, whatever this page shows. Everything an
office or a reviewer wrote is shown as written (escaped), never as Markdown.
"""

from __future__ import annotations

import re

import streamlit as st

from core import clock
from core.problems import InputError
from core.text import long_date
from etl.questions import SECTIONS
from intake.reading import MAX_RETURN_MB
from ui import auth, return_form
from ui import cached_queries as data
from ui.evidence_view import md_escape
from ui.state import PROFILE_PAGE
from workflow import guard, progress, rounds, submitting

actor = auth.current_actor()
st.title("Your return")
if not (actor.is_office or actor.is_admin):
    st.error(
        "Only a commissioner's office (or an APCC admin) can fill in a return. Sign in with the account the "
        "APCC gave your office.",
        icon=":material/lock:",
    )
    st.stop()

forces = data.forces().set_index("pfa_code")
if actor.is_admin:
    code = st.selectbox(
        "Force area (an admin enters a return on the office's behalf)",
        list(forces.index),
        format_func=lambda c: forces.at[c, "short_name"],
        key="office_force",
    )
else:
    code = actor.pfa_code
name = forces.at[code, "short_name"]
open_rounds = rounds.open_rounds_for(code)
if not open_rounds:
    st.info(
        f"No returns round is open for {md_escape(name)}. The APCC will let you know when one opens.",
        icon=":material/event_available:",
    )
    st.stop()
round_ = (
    open_rounds[0]
    if len(open_rounds) == 1
    else st.selectbox(
        "Round",
        open_rounds,
        format_func=lambda r: f"{r.title} (as at {long_date(r.as_at)}, due {long_date(r.due)})",
        key="office_round",
    )
)

FLASH = "_office_flash"
PROBLEMS = f"_problems_{round_.round_id}_{code}"
LOADED = "_form_loaded"
if message := st.session_state.pop(FLASH, None):  # what the last action did, kept across its rerun
    st.success(message, icon=":material/check_circle:")

state = next(s for s in progress.status(round_.round_id) if s.pfa_code == code)
days = (round_.due - clock.today()).days
st.caption(
    f"{md_escape(name)}: {md_escape(round_.title)}. Answers describe the position as at {long_date(round_.as_at)}; "
    f"due {long_date(round_.due)} "
    f"({'overdue by ' + str(-days) + ' days' if days < 0 else str(days) + ' days to go'})."
)
when = f" on {long_date(state.updated_at.date())}" if state.updated_at else ""
locked = state.state in (progress.SUBMITTED, progress.ACCEPTED) and not actor.is_admin
if state.state == progress.SUBMITTED:
    st.info(
        f"**Where your return stands: sent for review**{when}. The APCC is reviewing it, so the form is locked. "
        "If you need to change something before they decide, ask them to return it to you for changes.",
        icon=":material/hourglass_top:",
    )
elif state.state == progress.ACCEPTED:
    st.success(
        f"**Where your return stands: accepted and published**{when}. The dashboard shows it from "
        f"{long_date(round_.as_at)}; the form is locked.",
        icon=":material/verified:",
    )
    st.page_link(
        PROFILE_PAGE,
        label=f"See {name}'s published profile",
        query_params={"force": code},
        icon=":material/local_police:",
    )
elif state.state == progress.RETURNED:
    st.warning(
        "**Where your return stands: returned for changes.** Change what the reviewer asks and submit again. "
        "The reviewer wrote:",
        icon=":material/reply:",
    )
    st.text(state.comment or "")
else:
    st.markdown(f"**Where your return stands:** {md_escape(state.state)}")
if state.late:
    st.caption(f"Sent late: after the due date, {long_date(round_.due)}. The APCC has it, marked late.")
if days < 0 and state.state not in (progress.SUBMITTED, progress.ACCEPTED):
    st.warning(
        f"The due date has passed ({long_date(round_.due)}). Your return is still taken, and marked late for the APCC.",
        icon=":material/schedule:",
    )
if locked:
    st.caption("An APCC admin can still enter a correction on your office's behalf.")


def _load(answers) -> None:
    """Put the answers into the form's widgets (once per round and force, or after a reload)."""
    st.session_state.update(return_form.widget_state(answers))
    st.session_state[LOADED] = (round_.round_id, code)


def _collect():
    return return_form.collect(code, dict(st.session_state))


if st.session_state.get(LOADED) != (round_.round_id, code):
    answers, from_draft = submitting.load_draft(actor, round_.round_id, code)
    _load(answers)
    st.session_state["_from_draft"] = from_draft
previous = submitting.prefilled(round_, code)[1]

# Problems of the last submit, each with the question it concerns (its anchor on this page).
told = st.session_state.get(PROBLEMS, [])
beside: dict[str, list[str]] = {}
for item in told:
    beside.setdefault(item["key"], []).append(item["beside"])
warnings = [] if locked else submitting.warnings(_collect())
for w in warnings:
    beside.setdefault(w.origin.key, []).append(f"Check this: {w.message}")
ANCHOR = re.compile(r"q-[a-z0-9_]+")


def _anchor(key: str) -> None:
    """A link target for the summary's links (the id is a question key from etl/questions.py, never data)."""
    anchor = f"q-{key}"
    if ANCHOR.fullmatch(anchor):
        st.html(f'<span id="{anchor}"></span>')


if told:
    st.error(
        f"**{len(told)} problem{'s' if len(told) != 1 else ''}; nothing was submitted.** Each is shown beside its "
        "question too:\n\n"
        + "\n".join(f"- [{md_escape(t['where'])}](#{t['anchor']}): {md_escape(t['message'])}" for t in told),
        icon=":material/error:",
    )
if warnings:
    st.warning(
        "**Worth checking before you submit** (the return can be sent as it is):\n\n"
        + "\n".join(f"- [{md_escape(w.where)}](#{w.origin.anchor}): {md_escape(w.message)}" for w in warnings),
        icon=":material/warning:",
    )

if not locked:
    st.subheader("Fill it in here, or in the workbook")
    left, right = st.columns(2)
    with left:
        st.download_button(
            "Download the pre-filled workbook (xlsx)",
            lambda: submitting.template(actor, round_.round_id, code),
            file_name=f"return-{code}-{round_.round_id}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:",
            on_click="ignore",
        )
    with right:
        uploaded = st.file_uploader(
            "Or upload the filled workbook (or a CSV of rows)",
            type=["xlsx", "csv"],
            max_upload_size=MAX_RETURN_MB,
            key="office_upload",
        )
        if uploaded is not None and st.button("Submit this file for review", key="submit_file"):
            try:
                made = submitting.submit(
                    actor, round_.round_id, code, file_bytes=uploaded.getvalue(), file_name=uploaded.name
                )
            except submitting.FormProblems as err:
                st.error(f"{len(err.told)} problem(s) in the file; nothing was submitted:")
                st.code("\n".join(t.line for t in err.told), language=None)
            except InputError as err:
                st.error(f"{len(err.problems)} problem(s) in the file; nothing was submitted:")
                st.code("\n".join(str(p) for p in err.problems), language=None)
            except guard.Refused as err:
                st.error(f"Refused: {md_escape(err)}")
            else:
                st.session_state[FLASH] = (
                    f"Submitted for review (submission {made.submission_id}). The APCC will review it."
                )
                st.rerun()

    st.caption(
        "Answers start with the position the dashboard publishes now: change only what has changed. "
        "'Not known' and 'Prefer not to say' are answers of their own, never read as 'none'."
    )
if st.session_state.get("_from_draft"):
    st.caption("Showing your saved draft.")

for section in SECTIONS:
    with st.container(border=True):
        st.subheader(section.title, anchor=f"section-{section.key}")
        st.caption(section.intro)
        for q in section.questions:
            label = q.prompt + (" (required)" if q.required else "")
            key = return_form.widget_key(q.key)
            if beside.get(q.key):
                _anchor(q.key)
            if q.kind == "choice":
                st.selectbox(
                    label,
                    q.values,
                    format_func=q.label_of,
                    key=key,
                    help=q.help or None,
                    placeholder="Choose…",
                    disabled=locked,
                )
            elif q.kind == "choices":
                st.multiselect(label, q.values, format_func=q.label_of, key=key, help=q.help or None, disabled=locked)
            elif q.kind == "integer":
                st.number_input(label, min_value=0, step=1, key=key, help=q.help or None, disabled=locked)
            elif q.kind == "decimal":
                st.number_input(
                    label, min_value=0.0, step=0.5, format="%.2f", key=key, help=q.help or None, disabled=locked
                )
            elif q.kind == "date":
                low, high = return_form.date_bounds(q, clock.today())
                st.date_input(
                    label,
                    min_value=low,
                    max_value=high,
                    key=key,
                    format="DD/MM/YYYY",
                    help=q.help or None,
                    disabled=locked,
                )
            elif q.kind == "paragraph":
                st.text_area(label, max_chars=q.max_length, key=key, help=q.help or None, disabled=locked)
            else:
                st.text_input(label, max_chars=q.max_length, key=key, help=q.help or None, disabled=locked)
            if previous.get(q.key):
                st.caption("Previously reported: " + md_escape(previous[q.key]))
            for message in beside.get(q.key, []):
                st.error(md_escape(message), icon=":material/error:")
        if section.listing:
            listing = section.listing
            config = {}
            for column in listing.columns:
                label = column.prompt + (" *" if column.required else "")
                if column.kind == "choice":
                    config[column.key] = st.column_config.SelectboxColumn(
                        label, options=column.values, required=column.required
                    )
                elif column.kind == "date":
                    config[column.key] = st.column_config.TextColumn(label, help="YYYY-MM-DD")
                else:
                    config[column.key] = st.column_config.TextColumn(
                        label, max_chars=column.max_length, help=column.help or None
                    )
            st.markdown(f"**{listing.prompt}**: {listing.help}")
            if beside.get(listing.key):
                _anchor(listing.key)
            edited = st.data_editor(
                st.session_state[return_form.rows_key(listing.key)],
                num_rows="fixed" if locked else "dynamic",
                column_config=config,
                hide_index=True,
                key=f"editor:{listing.key}",
                width="stretch",
                disabled=locked,
            )
            st.session_state[f"edited:{listing.key}"] = edited
            for message in beside.get(listing.key, []):
                st.error(md_escape(message), icon=":material/error:")
        if section.evidence:
            if beside.get(section.evidence_key):
                _anchor(section.evidence_key)
            st.text_input(
                "Evidence for these answers: a link or document reference (optional)",
                max_chars=400,
                key=return_form.widget_key(section.evidence_key),
                disabled=locked,
            )
            for message in beside.get(section.evidence_key, []):
                st.error(md_escape(message), icon=":material/error:")

if locked:
    st.stop()
left, right = st.columns(2)
if left.button("Save draft", icon=":material/save:", key="save_draft"):
    try:
        submitting.save_draft(actor, round_.round_id, code, _collect())
    except guard.Refused as err:
        st.error(f"Refused: {md_escape(err)}")
    else:
        st.success("Draft saved. You can come back to it at any time before you submit.")
if right.button("Submit for review", type="primary", icon=":material/send:", key="submit_form"):
    answers = _collect()
    try:
        submitting.save_draft(actor, round_.round_id, code, answers)
        made = submitting.submit(actor, round_.round_id, code, answers=answers)
    except submitting.FormProblems as err:
        st.session_state[PROBLEMS] = [
            {
                "key": t.origin.key,
                "anchor": t.origin.anchor,
                "where": t.where,
                "message": t.message,
                # Beside a table: which row and column, in words
                "beside": f"{t.question}: {t.message}" if t.origin.row is not None else t.message,
            }
            for t in err.told
        ]
        st.rerun()
    except guard.Refused as err:
        st.error(f"Refused: {md_escape(err)}")
    else:
        st.session_state.pop(PROBLEMS, None)
        st.session_state[FLASH] = (
            f"Submitted for review (submission {made.submission_id}). The APCC will review it; you will "
            "see its decision here."
        )
        st.rerun()
