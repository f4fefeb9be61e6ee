"""Force profile: everything the sources say about one force area, each statement with its quote."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from charts import palette
from core import clock, headlines, rules
from core import coverage as coverage_rules
from core.text import amount_words, long_date, plural
from exports import briefing
from ui import cached_queries as data
from ui import demand_view, evidence_view, glossary, notices, profile_summary, scroll, site, state
from ui.evidence_view import md_escape
from ui.widgets import briefing_download

MAIN_DIMENSIONS = tuple(
    (dimension, palette.MAP_DIMENSIONS[theme.key], words) for dimension, theme, words in rules.THEME_DIMENSIONS
)
ATTRIBUTE_LABELS = rules.ATTRIBUTE_LABELS

filters = state.current()
forces = data.forces().set_index("pfa_code")
code = filters.force

if not code or code not in forces.index:
    st.title("Force profile")
    st.info("Choose a force area in the sidebar, or click one on the Overview map.", icon=":material/touch_app:")
    for region, group in data.forces().sort_values("short_name").groupby("region", sort=False):
        st.markdown(f"**{md_escape(region)}**")
        cols = st.columns(6)
        for i, row in enumerate(group.itertuples()):
            cols[i % 6].button(
                row.short_name, key=f"pick_{row.pfa_code}", on_click=state.select_force, args=(row.pfa_code,)
            )
    st.stop()

force = forces.loc[code]
st.set_page_config(page_title=site.page_title(force["short_name"], "Force profile"))
as_at = filters.as_at
coverage_all = data.coverage(as_at)
mine = coverage_all.set_index("pfa_code").loc[code]
facts = data.facts(as_at, pfa_code=code)
streams = data.funding_streams(as_at, pfa_code=code)

scroll.open_at_top(code)  # opened from the map, the sidebar or a link: the force's name and summary in view
st.title(force["short_name"])
st.caption(
    f"{md_escape(force['force_name'])} police force area · {md_escape(force['region'])} · ONS code {md_escape(code)}  \n"
    + glossary.terms_line("ISA", "MASIP")  # the summary strip names both
)
recs = data.recommendation_status(as_at)
profile_summary.strip(mine, recs[recs["pfa_code"] == code], as_at, clock.today())
# The other terms the force's evidence uses, expanded before the page first shows them.
more_terms = glossary.terms_in(
    [*facts["value"], *facts["quote"], *streams["service"], *streams["quote"]], skip=("ISA", "MASIP")
)
if more_terms:
    st.caption("Also on this page: " + glossary.terms_line(*more_terms))
if force["commissioner_body"] == "City of London Corporation":
    st.info(
        "**The City of London has no Police and Crime Commissioner.** The City of London Corporation, "
        "through its Police Authority Board, is the police authority and commissions services; the APCC "
        'response quotes "City of London" directly. Figures here are the Corporation\'s evidence.',
        icon=":material/account_balance:",
    )
elif isinstance(mine["body_returned"], str) and mine["body_returned"]:
    # A dated fact: the body as the office last returned it (bodies change when PCCs are abolished).
    kind = f" ({md_escape(mine['body_kind'])})" if isinstance(mine["body_kind"], str) else ""
    st.markdown(
        f"Commissioning body: **{md_escape(mine['body_returned'])}**{kind}, as returned "
        f"{long_date(pd.Timestamp(mine['body_reported_on']).date())}."
    )
else:
    st.markdown(
        f"Commissioning body: **{md_escape(force['commissioner_name'])}** ({md_escape(force['commissioner_body'])}), "
        f"as at {long_date(filters.source_date)}."
    )
notices.data_age(filters, pfa_code=code)


def fact_lines(rows: pd.DataFrame, skip: tuple[str, ...] = ("status", "masip_status")) -> None:
    """The facts of a dimension as short labelled lines (its status aside, shown above them on the theme cards)."""
    for attribute, group in rows.groupby("attribute", sort=False):
        if attribute in skip:
            continue
        values = []
        for r in group.itertuples():
            value = md_escape(r.value)
            if isinstance(r.value_wording, str) and r.value_wording and r.value_wording != r.value:
                value += f" (“{md_escape(r.value_wording)}”)"
            values.append(value)
        st.markdown(f"**{ATTRIBUTE_LABELS.get(attribute, attribute)}:** " + "; ".join(dict.fromkeys(values)))


def item_line(item: str, values: dict[str, str]) -> str:
    """One returned item in a line: 'Recommendation 15: complete, 30 June 2026. Review published.'"""
    what = f"Recommendation {item.removeprefix('rec')}" if item.startswith("rec") else item
    status = values.get("status", "")
    words = status
    if when := values.get("completed_on"):
        try:
            when = long_date(dt.date.fromisoformat(when))
        except ValueError:
            pass
        words += f", {'completed' if status == 'complete' else 'planned for'} {when}"
    if outcome := values.get("outcome"):
        words += f". {outcome}"
    return f"**{md_escape(what)}:** {md_escape(words)}"


def status_line(dim: palette.MapDimension, *, related: bool = False) -> None:
    """The theme's status at the date shown, and when it was last reported (marked when dated).

    `related`: the theme is not reported but the sources quote the force on related work (a MAPPA
    arrangement on the MASIP card, say): the card says what is not reported, so the quotes beside
    it are not read as evidence of it."""
    value = mine[dim.column]
    if value == rules.NOT_REPORTED and related:
        what = dim.label[0].lower() + dim.label[1:] if not dim.label.split()[0].isupper() else dim.label
        st.markdown(f"### {dim.symbol(value)} No {md_escape(what)} reported")
        st.markdown(
            f"The sources do not report {md_escape(what)} for {md_escape(force['short_name'])}. They quote it on "
            "related work, shown here; not reported is not the same as none."
        )
        return
    st.markdown(f"### {dim.symbol(value)} {md_escape(value[0].upper() + value[1:])}")
    reported_on, current = mine[dim.theme.reported_on], bool(mine[dim.theme.current_column])
    if value == rules.NOT_REPORTED or pd.isna(reported_on):
        return
    words = f"Last reported {long_date(pd.Timestamp(reported_on).date())}"
    if not current:
        words += f" {rules.DATED_MARK}: more than 12 months before {long_date(as_at)}"
    reported = mine.get(dim.column + "_reported")
    if value == rules.FUNDING_ENDED and isinstance(reported, str):
        words += f". Reported as “{reported}”; every funded service for it has an end date that has passed."
    st.markdown(f"**{md_escape(words)}**" if not current else md_escape(words))


st.header("Provision")
for dimension, dim, words in MAIN_DIMENSIONS:
    rows = facts[facts["dimension"] == dimension]
    with st.container(border=True):
        left, right = st.columns([2, 3], gap="large")
        with left:
            st.markdown(f"**{dim.label}**")
            related = mine[dim.column] == rules.NOT_REPORTED and not rows.empty
            status_line(dim, related=related)
            if rows.empty:
                evidence_view.not_reported(force["short_name"], words)
            else:
                # The advocate posts are in the summary strip at the top: each number is said once.
                fact_lines(rows, skip=("status", "masip_status", *profile_summary.SHOWN_ATTRIBUTES))
        with right:
            if len(rows):
                n = rows["quote"].nunique()
                st.caption(f"{'Related evidence' if related else 'Evidence'}: {plural(n, 'quote')}")
                evidence_view.quotes(rows, show=3)

st.header("Funding")
with st.container(border=True):
    status_line(palette.FUNDING)
    if streams.empty and facts[facts["dimension"] == "funding"].empty:
        evidence_view.not_reported(force["short_name"], "funding")
    for row in streams.itertuples():
        start = f"from {long_date(row.start_date)}, " if pd.notna(row.start_date) else "start not stated, "
        when = coverage_rules.service_when(row.state, row.end_date, bool(row.end_derived), row.end_wording)
        amount = amount_words(row.amount, row.amount_disclosure)
        st.markdown(
            f"**{md_escape(row.service)}** · {md_escape(row.funder)} · {md_escape(start + when)} · "
            + (f"{md_escape(amount)} · " if amount else "")
            + f"*as reported: {md_escape(row.status)}*"
        )
        if isinstance(row.end_wording, str) and row.end_wording and not row.end_derived:
            st.caption(f"End date in the source's words: “{md_escape(row.end_wording)}”")
        if row.state == rules.SERVICE_ENDS_SOON and row.status != rules.SERVICE_AT_RISK:
            st.caption(
                f"Counted as ending within {rules.AT_RISK_WINDOW_WORDS} because its end date is within "
                f"{rules.AT_RISK_WINDOW_WORDS} after {long_date(as_at)}, although it is reported as "
                f"“{md_escape(row.status)}”: a dated end that close counts as at risk until a return gives a later one."
            )
        evidence_view.quote(streams.loc[row.Index])
    statements = facts[facts["dimension"] == "funding"]
    if len(statements):
        st.markdown("**Other statements on funding**")
        evidence_view.quotes(statements)

other = facts[~facts["dimension"].isin([d for d, _, _ in MAIN_DIMENSIONS] + ["funding"])]
st.header("Collaboration, information sharing and oversight")
if other.empty:
    evidence_view.not_reported(
        force["short_name"], "co-commissioning, information sharing, collaboration, governance or training"
    )
else:
    cols = st.columns(2)
    for i, (label, group) in enumerate(other.groupby("dimension_label", sort=True)):
        with cols[i % 2].container(border=True):
            st.markdown(f"**{md_escape(label)}**")
            # What a return says is shown as its values (the sources' facts are their quotes alone).
            returned = group[group["edition_kind"] != "source"]
            if returned["item"].notna().any():  # one line per item: Recommendation 15, …
                for item, rows in returned.groupby("item", sort=True):
                    st.markdown(item_line(item, dict(zip(rows["attribute"], rows["value"]))))
            elif len(returned):
                fact_lines(returned, skip=())
            evidence_view.quotes(group)
    shown = set(other["dimension"]) | {d for d, _, _ in MAIN_DIMENSIONS} | {"funding"}
    dimensions = data.dimensions()
    silent = sorted(dimensions.loc[~dimensions["dimension"].isin(shown), "label"])
    if silent:
        st.caption(
            f"Not reported in the sources: {md_escape(', '.join(silent))}. Not reported is not the same as none."
        )

st.header(f"Beside {md_escape(force['region'])} and England and Wales")
region_cov = coverage_all[coverage_all["region"] == force["region"]]
rows = [
    {
        "Measure": measure.label,
        force["short_name"]: headlines.last_reported(
            mine[measure.theme.column], mine[measure.theme.reported_on], dated=not mine[measure.theme.current_column]
        ),
        force["region"]: headlines.count(region_cov, key).line,
        "England and Wales": headlines.count(coverage_all, key).line,
    }
    for key, measure in rules.MEASURES.items()
]
st.table(pd.DataFrame(rows).set_index("Measure"))  # a few rows of words: a static table wraps them
st.caption(
    f"Force areas, positions {filters.viewed}. The region and England and Wales columns count force areas "
    "that report each measure, how many of them reported it in the last 12 months, and how many are not "
    "reported; a force area that was not reported is not counted, which does not mean it lacks the measure."
)

# Demand beside provision (issue 27): recorded stalking, population and advocate posts per 1,000 offences.
demand_view.profile_block(filters, code, force["short_name"], force["region"])

neighbours = data.neighbours(code)
if len(neighbours):
    st.subheader("Neighbouring force areas")
    cols = st.columns(min(len(neighbours), 6))
    for i, row in enumerate(neighbours.itertuples()):
        cols[i % len(cols)].button(
            row.short_name,
            key=f"nb_{row.pfa_code}",
            on_click=state.select_force,
            args=(row.pfa_code,),
            icon=":material/arrow_forward:",
        )

history = data.history(code)
st.subheader("Briefing pack")
briefing_download(briefing.resolve_scope(force=code), as_at, key="profile_pack")

st.subheader("History of this profile")
editions = history["edition_id"].nunique()
if editions <= 1:
    st.caption(
        "One edition so far: the APCC response of 19 December 2024. Later returns from the "
        "commissioner's office will appear here, with what changed, when and on whose return."
    )
# The table is made only while the expander is open (opening it reruns the page).
with st.expander(
    f"Every statement ever recorded for {force['short_name']} "
    f"({plural(len(history), 'row')}, {plural(editions, 'edition')})",
    key="expander_history",
    on_change="rerun",
) as section:
    if section.open:
        st.dataframe(
            history.rename(
                columns={
                    "as_at": "As at",
                    "kind": "Edition",
                    "submitted_by": "From",
                    "dimension": "Dimension",
                    "attribute": "Attribute",
                    "value": "Value",
                    "valid_from": "Valid from",
                    "quote": "Evidence",
                }
            ),
            hide_index=True,
            # Sized to show without scrolling at 1440 px; edition and record ids are in the data downloads.
            column_order=["As at", "Edition", "From", "Dimension", "Attribute", "Value", "Valid from", "Evidence"],
            column_config={
                "As at": st.column_config.DateColumn(format="D MMM YYYY", width=95),
                "Edition": st.column_config.TextColumn(width=75),
                "From": st.column_config.TextColumn(width=110),
                "Dimension": st.column_config.TextColumn(width=125),
                "Attribute": st.column_config.TextColumn(width=110),
                "Value": st.column_config.TextColumn(width=150),
                "Valid from": st.column_config.DateColumn(format="D MMM YYYY", width=95),
                "Evidence": st.column_config.TextColumn(width=210),
            },
        )
