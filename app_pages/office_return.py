"""Your return: an office answers the round's questions for its force area, in the browser or in
the workbook, saves a draft, sees problems beside the question they concern, and submits.

Offered to office users (and admins, who may enter a return on an office's behalf). Every
action is checked on the server by workflow.guard, whatever this page shows. Everything an
office or a reviewer wrote is shown as written (escaped), never as Markdown.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core import clock
from core.problems import InputError
from core.text import long_date
from etl.questions import SECTIONS, Answers, Question
from intake.reading import MAX_RETURN_MB
from ui import auth
from ui import cached_queries as data
from ui.evidence_view import md_escape
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
        "Round", open_rounds, format_func=lambda r: f"{r.title} (due {long_date(r.due)})", key="office_round"
    )
)
state = next(s for s in progress.status(round_.round_id) if s.pfa_code == code)
days = (round_.due - clock.today()).days
st.caption(
    f"{md_escape(name)}: {md_escape(round_.title)}. Answers describe the position as at {long_date(round_.as_at)}; due "
    f"{long_date(round_.due)} ({'overdue by ' + str(-days) + ' days' if days < 0 else str(days) + ' days to go'})."
)
st.markdown(
    f"**Where your return stands:** {md_escape(state.state)}"
    + (f" (sent late: after the due date, {long_date(round_.due)})" if state.late else "")
)
if days < 0 and state.state not in (progress.SUBMITTED, progress.ACCEPTED):
    st.warning(
        f"The due date has passed ({long_date(round_.due)}). Your return is still taken, and marked late for the APCC.",
        icon=":material/schedule:",
    )
if state.comment:
    st.warning("The reviewer returned it for changes:", icon=":material/reply:")
    st.text(state.comment)

PROBLEMS = f"_problems_{round_.round_id}_{code}"
LOADED = "_form_loaded"


def _widget_key(key: str) -> str:
    return f"q:{key}"


def _load(answers: Answers) -> None:
    """Put the answers into the form's widgets (once per round and force, or after a reload)."""
    for section in SECTIONS:
        for q in section.questions:
            value = answers.values.get(q.key, "")
            st.session_state[_widget_key(q.key)] = _to_widget(q, value)
        if section.evidence:
            st.session_state[_widget_key(section.evidence_key)] = answers.values.get(section.evidence_key, "")
        if section.listing:
            st.session_state[f"rows:{section.listing.key}"] = pd.DataFrame(
                answers.rows.get(section.listing.key, []), columns=[c.key for c in section.listing.columns]
            )
    st.session_state[LOADED] = (round_.round_id, code)


def _to_widget(q: Question, value: str):
    if q.kind == "choices":
        return [v.strip() for v in value.split(";") if v.strip() in q.values]
    if q.kind == "choice":
        return value if value in q.values else None
    if q.kind in ("integer", "decimal"):
        return (int(value) if q.kind == "integer" else float(value)) if value else None
    if q.kind == "date":
        return dt.date.fromisoformat(value) if value else None
    return value


def _from_widget(q: Question, value) -> str:
    if value is None:
        return ""
    if q.kind == "choices":
        return "; ".join(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if q.kind == "decimal":
        return f"{value:g}"
    return str(value).strip()


def _collect() -> Answers:
    answers = Answers(code)
    for section in SECTIONS:
        for q in section.questions:
            text = _from_widget(q, st.session_state.get(_widget_key(q.key)))
            if text:
                answers.values[q.key] = text
        if section.evidence and st.session_state.get(_widget_key(section.evidence_key)):
            answers.values[section.evidence_key] = str(st.session_state[_widget_key(section.evidence_key)]).strip()
        if section.listing:
            edited = st.session_state.get(f"edited:{section.listing.key}")
            frame = edited if isinstance(edited, pd.DataFrame) else st.session_state.get(f"rows:{section.listing.key}")
            rows = []
            for record in frame.to_dict("records") if frame is not None else []:
                row = {k: _cell(v) for k, v in record.items()}
                if any(row.values()):
                    rows.append(row)
            answers.rows[section.listing.key] = rows
    return answers


def _cell(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.date().isoformat() if isinstance(value, pd.Timestamp | dt.datetime) else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


if st.session_state.get(LOADED) != (round_.round_id, code):
    answers, from_draft = submitting.load_draft(actor, round_.round_id, code)
    _load(answers)
    st.session_state["_from_draft"] = from_draft
previous = submitting.prefilled(round_, code)[1]
problems: dict[str, list[str]] = st.session_state.get(PROBLEMS, {})

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
            st.error(f"{len(err.by_origin)} problem(s); nothing was submitted:")
            st.code("\n".join(f"{where}: {message}" for where, message in err.by_origin), language=None)
        except InputError as err:
            st.error(f"{len(err.problems)} problem(s); nothing was submitted:")
            st.code("\n".join(str(p) for p in err.problems), language=None)
        except guard.Refused as err:
            st.error(f"Refused: {md_escape(err)}")
        else:
            st.success(f"Submitted for review (submission {made.submission_id}). The APCC will review it.")

st.caption(
    "Answers start with the position the dashboard publishes now: change only what has changed. "
    "'Not known' and 'Prefer not to say' are answers of their own, never read as 'none'."
)
if st.session_state.get("_from_draft"):
    st.caption("Showing your saved draft.")

for section in SECTIONS:
    with st.container(border=True):
        st.subheader(section.title)
        st.caption(section.intro)
        for message in problems.get(section.key, []):
            st.error(md_escape(message), icon=":material/error:")
        for q in section.questions:
            label = q.prompt + (" (required)" if q.required else "")
            key = _widget_key(q.key)
            if q.kind == "choice":
                st.selectbox(
                    label, q.values, format_func=q.label_of, key=key, help=q.help or None, placeholder="Choose…"
                )
            elif q.kind == "choices":
                st.multiselect(label, q.values, format_func=q.label_of, key=key, help=q.help or None)
            elif q.kind == "integer":
                st.number_input(label, min_value=0, step=1, key=key, help=q.help or None)
            elif q.kind == "decimal":
                st.number_input(label, min_value=0.0, step=0.5, format="%.2f", key=key, help=q.help or None)
            elif q.kind == "date":
                st.date_input(
                    label,
                    min_value=dt.date(2000, 1, 1),
                    max_value=clock.today(),
                    key=key,
                    format="DD/MM/YYYY",
                    help=q.help or None,
                )
            else:
                st.text_input(label, max_chars=q.max_length, key=key, help=q.help or None)
            if previous.get(q.key):
                st.caption("Previously reported: " + md_escape(previous[q.key]))
            for message in problems.get(q.key, []):
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
            edited = st.data_editor(
                st.session_state[f"rows:{listing.key}"],
                num_rows="dynamic",
                column_config=config,
                hide_index=True,
                key=f"editor:{listing.key}",
                width="stretch",
            )
            st.session_state[f"edited:{listing.key}"] = edited
            for message in problems.get(listing.key, []):
                st.error(md_escape(message), icon=":material/error:")
        if section.evidence:
            st.text_input(
                "Evidence for these answers: a link or document reference (optional)",
                max_chars=400,
                key=_widget_key(section.evidence_key),
            )

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
        found: dict[str, list[str]] = {}
        for where, message in err.by_origin:
            key = where.split(" row ")[0].split(" / ")[0]
            section = next(
                (
                    s.key
                    for s in SECTIONS
                    if key in {q.key for q in s.questions} or (s.listing and s.listing.key == key)
                ),
                "sign_off",
            )
            found.setdefault(
                key
                if key in {q.key for s in SECTIONS for q in s.questions}
                or key in {s.listing.key for s in SECTIONS if s.listing}
                else section,
                [],
            ).append(f"{where}: {message}")
        st.session_state[PROBLEMS] = found
        st.error(f"{len(err.by_origin)} problem(s), shown beside each question; nothing was submitted.")
        st.rerun()
    except guard.Refused as err:
        st.error(f"Refused: {md_escape(err)}")
    else:
        st.session_state.pop(PROBLEMS, None)
        st.success(
            f"Submitted for review (submission {made.submission_id}). The APCC will review it; you will "
            "see its decision here."
        )
