"""Recommendations 15, 16 and 25: what they ask of commissioners, and the evidence from each force area."""

from __future__ import annotations

import streamlit as st

from charts.chart_text import ChartText
from core import rules
from core.text import export_stem, long_date
from exports import table_views
from ui import cached_queries as data
from ui import evidence_view, glossary, notices, state
from ui.evidence_view import md_escape
from ui.widgets import table_block

ASKS = {
    "15": (
        "Review specialist services for stalking victims, including independent stalking advocates",
        "Review whether the right specialist services have been commissioned to support stalking victims, "
        "including trained independent stalking advocate caseworkers (ISACs, now independent stalking advocates, ISAs); provide them where they do not "
        "exist, and consider collaborating across force boundaries. Directed to PCCs and mayoral equivalents.",
    ),
    "16": (
        "Embed collaboration and information sharing in commissioning",
        "Review commissioning arrangements so they embed collaborative working and information sharing between "
        "policing and the services that support stalking victims. Directed to PCCs and chief constables.",
    ),
    "25": (
        "Improve the multi-agency response to stalking perpetrators",
        "Explore how the force works with healthcare, the CPS, probation and other partners to manage stalking "
        "perpetrators; whether to collaborate with other forces; and how Multi-Agency Public Protection Arrangements (MAPPA) are used for stalking offenders. "
        "Directed to PCCs and chief constables.",
    ),
}

filters = state.current()
facts = data.facts(filters.as_at, regions=filters.region_list)
dims = data.dimensions()
forces = data.forces()
if filters.regions:
    forces = forces[forces["region"].isin(filters.regions)]
timeline = data.timeline()

st.title("Recommendations 15, 16 and 25")
st.caption(
    "What the super-complaint asked of Police and Crime Commissioners, and the evidence each force area gave. "
    f"Showing {filters.geography}. "
    + glossary.terms_line(
        "ISA", "MASIP", "MAPPA", *glossary.terms_in([*facts["quote"], *facts["value"]], skip=("ISA", "MASIP", "MAPPA"))
    )
)
notices.data_age(filters)

cols = st.columns(3)
cols[0].metric(
    "Accepted by",
    "All 43 commissioning bodies",
    help="All 43 PCCs and their equivalents (mayors, MOPAC, and the City of London Corporation, which has no PCC) "
    "accepted Recommendations 15, 16 and 25.",
)
cols[1].metric(
    "Response due (Rec 27)",
    "22 Nov 2024",
    help="Recommendation 27: respond to HMICFRS, the IOPC and the College of Policing within 56 days of publication, through the APCC.",
)
cols[2].metric("Recommendations 15, 16, 25 due", "27 Mar 2025")
accepted = timeline[timeline["kind"].isin(["response", "deadline"])]
if len(accepted):
    with st.expander("The sources for these dates"):
        for row in accepted.itertuples():
            st.markdown(f"**{long_date(row.date)}: {md_escape(row.event)}**")
            evidence_view.quote(accepted.loc[row.Index])

statuses = data.recommendation_status(filters.as_at, filters.region_list)


def returned_statuses(rec: str) -> None:
    """Where each force's review or action stands, as its office returned it: a count per status,
    with the forces that have not returned one counted apart (never as not started)."""
    mine = statuses[statuses["recommendation"] == rec]
    returned = mine[mine["status"] != rules.NOT_RETURNED]
    st.subheader("Where force areas stand, as their offices returned it")
    counts = returned["status"].value_counts()
    cols = st.columns(len(rules.RECOMMENDATION_STATUSES) + 1)
    for col, status in zip(cols, rules.RECOMMENDATION_STATUSES):
        col.metric(status[0].upper() + status[1:], int(counts.get(status, 0)))
    cols[-1].metric(
        "Not returned",
        f"{len(mine) - len(returned)} of {len(mine)}",
        help="Force areas whose office has not returned a status for this recommendation: not counted as "
        "not started, and not the same as none.",
    )
    if returned.empty:
        st.caption(
            f"No office in {filters.geography} has returned a status for Recommendation {rec} by "
            f"{long_date(filters.as_at)}. The evidence below is what the sources quote."
        )
        return
    text = ChartText(
        title=f"{len(returned)} of {len(mine)} force areas returned a status for Recommendation {rec}; "
        f"{int(counts.get('complete', 0))} complete",
        subtitle=f"Status of Recommendation {rec} by force area, as returned; {filters.geography}; "
        f"positions {filters.viewed}",
        data_date=filters.data_date,
        notes=("Force areas that have not returned a status are left out, not counted as not started.",),
    )
    table_block(
        table_views.recommendation_table(returned),
        text,
        key=f"rec{rec}_statuses",
        stem=export_stem(f"recommendation-{rec}-status", filters.geography, filters.as_at),
        filters=filters.describe(),
        as_at=filters.as_at,
    )


rec_of = dims.set_index("dimension")["recommendation"].to_dict()
facts = facts.assign(recommendation=facts["dimension"].map(rec_of))
summary = forces[["pfa_code", "short_name", "region"]].copy()
for rec in ASKS:
    quoted = facts[facts["recommendation"] == rec].groupby("pfa_code")["quote"].nunique()
    summary[f"Rec {rec}"] = summary["pfa_code"].map(quoted).fillna(0).astype(int)
for rec in ASKS:
    returned = statuses[statuses["recommendation"] == rec].set_index("pfa_code")["status"]
    summary[f"Rec {rec} status"] = summary["pfa_code"].map(returned).fillna(rules.NOT_RETURNED)

# Only the open tab's content is made (choosing a tab reruns the page): all four at once
# were several hundred elements, most of the page's run time and of the browser's work.
tabs = st.tabs(
    [f"Recommendation {rec}" for rec in ASKS] + ["All three, by force area"],
    key="recommendation",
    on_change="rerun",
    bind="query-params",
)
for tab, (rec, (headline, ask)) in zip(tabs, ASKS.items()):
    with tab:
        if not tab.open:
            continue
        st.header(headline)
        st.markdown(f"*{md_escape(ask)}* Deadline: **27 March 2025**.")
        labels = dims[dims["recommendation"] == rec]["label"].tolist()
        returned_statuses(rec)
        st.subheader("The evidence")
        st.caption("Evidence counted here: " + ", ".join(labels) + ".")
        by_force = dict(tuple(facts[facts["recommendation"] == rec].groupby("pfa_code")))
        with_evidence = summary[summary[f"Rec {rec}"] > 0]
        silent = summary[summary[f"Rec {rec}"] == 0]
        st.metric("Force areas with evidence on this recommendation", f"{len(with_evidence)} of {len(summary)}")
        for row in with_evidence.sort_values("short_name").itertuples():
            rows = by_force[row.pfa_code]
            n = rows["quote"].nunique()
            with st.expander(f"{md_escape(row.short_name)}: {n} quote{'s' if n != 1 else ''}"):
                evidence_view.quotes(rows, label_column="dimension_label")
        if len(silent):
            st.markdown(
                f"**Reported nothing on this recommendation in the sources ({len(silent)}):** "
                + md_escape(", ".join(silent.sort_values("short_name")["short_name"]))
                + "."
            )
            st.caption(
                "Not reported is not the same as not acting on it: the APCC response quotes forces as illustrations."
            )

with tabs[-1]:
    if tabs[-1].open:
        text = ChartText(
            title="Evidence bearing on each recommendation, and its status as returned, by force area",
            subtitle=f"Number of distinct quotes per force area, and the status each office returned; "
            f"{filters.geography}; positions {filters.viewed}",
            data_date=filters.data_date,
            notes=(
                "0 means not reported in the sources, not that nothing was done. Status: as the force's office "
                "returned it; 'not returned' is not the same as not started.",
            ),
        )
        table_block(
            summary.sort_values("short_name")
            .rename(columns={"short_name": "Force area", "pfa_code": "ONS code", "region": "Region"})
            .reset_index(drop=True),
            text,
            key="recs_summary",
            stem=export_stem("evidence-by-recommendation", filters.geography, filters.as_at),
            filters=filters.describe(),
            as_at=filters.as_at,
            column_config={f"Rec {r}": st.column_config.NumberColumn(format="%d") for r in ASKS},
        )
