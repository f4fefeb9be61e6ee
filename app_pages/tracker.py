"""Round tracker: where each force area stands in a returns round, on a table and the tile map
(status by colour and symbol), with counts per state, days to the due date, the overdue list,
and a CSV of who still owes a return (with the commissioning body) for a reminder mail merge.

Offered to reviewers and admins (workflow.guard checks it again).
"""

from __future__ import annotations

import streamlit as st

from charts.chart_text import ChartText
from core import clock, rules
from core.text import export_stem, long_date
from ui import auth
from ui import cached_queries as data
from ui.evidence_view import md_escape
from ui.map_view import show_coverage_map
from ui.widgets import table_downloads
from workflow import progress, review, rounds

actor = auth.current_actor()
st.title("Round tracker")
if not actor.is_reviewer:
    st.error("Only APCC reviewers and admins can see the tracker.", icon=":material/lock:")
    st.stop()
all_rounds = rounds.rounds()
if not all_rounds:
    st.info("No returns round has been opened yet.")
    st.stop()
round_ = st.selectbox(
    "Round",
    all_rounds,
    index=rounds.default_index(all_rounds),
    format_func=lambda r: f"{r.title} (due {long_date(r.due)}; {rounds.state_words(r)})",
    key="tracker_round",
)
review.queue(actor, round_.round_id)  # the reviewer check, on the server
frame = progress.status_frame(round_.round_id)
today = clock.today()
days = (round_.due - today).days
st.caption(
    f"{md_escape(round_.title)}: positions as at {long_date(round_.as_at)}, due {long_date(round_.due)} "
    f"({'overdue by ' + str(-days) + ' days' if days < 0 else str(days) + ' days to go'}). "
    f"{len(frame)} force areas asked." + (" Closed." if round_.closed_at else "")
)

cols = st.columns(len(progress.STATES) + 1)
for col, state in zip(cols, progress.STATES):
    col.metric(state.capitalize(), f"{int((frame['state'] == state).sum())} of {len(frame)}")
cols[-1].metric("Overdue", f"{int(frame['overdue'].sum())} of {len(frame)}")

forces = data.forces()
tracked = forces.merge(frame[["pfa_code", "state"]], on="pfa_code", how="left").rename(columns={"state": "round_state"})
tracked["round_state"] = tracked["round_state"].fillna(rules.ROUND_NOT_ASKED)
tracked["evidence_quotes"] = 0
map_tab, table_tab = st.tabs(["Map", "Table"], key="tracker_view", on_change="rerun")
with map_tab:
    show_coverage_map(tracked, "round", "tiles", key="tracker_map")
    st.caption("Each force area by where its return stands; the symbol says the same as the colour.")
with table_tab:
    if table_tab.open:
        shown = frame.assign(
            overdue=[
                "overdue" if owed else "sent late" if late else ""
                for owed, late in zip(frame["overdue"], frame["late"])
            ]
        )
        st.dataframe(
            shown[["short_name", "region", "state", "overdue", "updated_at", "by", "commissioning_body"]],
            hide_index=True,
            column_config={
                "short_name": "Force area",
                "region": "Region",
                "state": "State",
                "overdue": "Overdue",
                "updated_at": st.column_config.DatetimeColumn("Last change", format="D MMM YYYY, HH:mm"),
                "by": "By",
                "commissioning_body": "Commissioning body",
            },
        )

owing = frame[frame["state"] != progress.ACCEPTED]
overdue = frame[frame["overdue"]]
st.subheader(f"Overdue ({len(overdue)})")
if overdue.empty:
    st.caption("None overdue.")
else:
    st.markdown("\n".join(f"- {md_escape(r.short_name)}: {md_escape(r.state)}" for r in overdue.itertuples()))
st.subheader(f"Still owed ({len(owing)})")
mail_merge = progress.readable_status(owing, ["pfa_code", "short_name", "commissioning_body", "state", "overdue"])
text = ChartText(
    title=f"Force areas that still owe a return: {round_.title}",
    subtitle=f"Due {long_date(round_.due)}; as at {long_date(today)}",
    data_date=today,
    source="Source: the dashboard's returns workflow",
)
with st.container(horizontal=True, key="tracker_downloads"):
    table_downloads(
        mail_merge,
        text,
        key="tracker_owing",
        stem=export_stem("still-owed", round_.round_id, today),
        filters={"Round": round_.round_id},
        as_at=today,
    )
