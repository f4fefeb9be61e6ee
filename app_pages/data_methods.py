"""Data and methods: sources and licence, definitions, the data dictionary, build log,
limitations, corrections, and downloads of the full data."""

from __future__ import annotations

import streamlit as st

from charts.chart_text import ChartText
from core import paths, rules
from core.text import export_stem, long_date
from ui import cached_queries as data
from ui import evidence_view, glossary, state
from ui.evidence_view import md_escape
from ui.widgets import table_block

filters = state.current()

st.title("Data and methods")
st.caption(
    "Where every figure comes from, what the words mean, and how the data is built and checked. "
    + glossary.terms_line("ISA", "MASIP")
)

st.header("Sources")
st.markdown(
    "\n".join(  # one element for the list: each element costs the browser time to draw
        f"- **{md_escape(row.title)}**. {md_escape(row.publisher)}, {long_date(row.published)}. "
        f"{md_escape(row.licence)}. {md_escape(row.description or '')}"
        + (f" Online: {link}" if (link := evidence_view.source_link(row.url)) else "")
        for row in data.sources().itertuples()
    )
)
st.markdown(
    "All documents are reused under the **Open Government Licence v3.0**. The dashboard's own data holds facts "
    "and short verbatim quotes from them, not copies of the documents. Cite a figure as, for example: "
    "*APCC, Super Complaint: The Police Response to Stalking — Response from the APCC, 19 December 2024, "
    "via the stalking services commissioning-gap dashboard.*"
)

st.header("How the data was made")
st.markdown(
    "1. **Curated by hand** from the documents above: one fact per row, each with a verbatim quote of at most 400 "
    "characters, the document, the section heading it sits under and the document's date.\n"
    "2. **Checked automatically**: every quote is found word for word in its document, under the section named; "
    "every force name resolves to one ONS code; every value is one the data dictionary defines.\n"
    "3. **Classified with written rules**: the meaning of each status (for example *dedicated service* or "
    "*ISACs within wider services*) is in the data dictionary below, and each judgement call carries a curator's note.\n"
    "4. **Built into a database** by `python -m etl build`, which stops with a list of problems, writing nothing, "
    "if any input is wrong. Later returns from commissioners' offices are added as new editions; nothing is overwritten."
)

st.header("Reading the figures at a date")
st.markdown(
    "Every position is read at the date chosen in the sidebar (it opens at the newest report). The rules are "
    "defined once, in `core/rules.py`, and every page, chart, export and briefing pack uses them:\n"
    f"- **Last reported.** Each status is shown with the date it was last reported: the document's date, or a "
    f"return's as-at date. A report is **current** when it was made in the {rules.CURRENT_WITHIN_MONTHS} months "
    f"before the date shown, and **dated** otherwise: dated statuses are marked {rules.DATED_MARK}, hatched on the "
    'map, and counted apart in every headline ("7 of 43 — 0 reported in the last 12 months, 36 not reported").\n'
    f"- **At risk.** {rules.AT_RISK_DEFINITION}\n"
    "- **Funding ended, renewal not reported.** Every funded service reported for the force (or for a theme) has "
    "an end date before the date shown, and no later return says it was renewed. A programme or service whose only "
    "funding has ended is not counted as running at that date.\n"
    '- **Derived dates** (worked out from words such as "one-year pilot") are marked as derived wherever they are '
    "shown, never called stated.\n"
    "- **ISAC and ISA.** The 2024 sources say *independent stalking advocate caseworker* (ISAC). Since 2 February "
    "2026 the *independent stalking advocate* (ISA) is a role specified under the Victims and Prisoners Act 2024, "
    "with statutory guidance: ISAC in the sources and ISA today name the same role (see the glossary below)."
)

st.header("Definitions")
definitions = []
for row in data.glossary().itertuples():
    expansion = f" ({md_escape(row.expansion)})" if isinstance(row.expansion, str) and row.expansion else ""
    meaning = f": {md_escape(row.meaning)}" if isinstance(row.meaning, str) and row.meaning else ""
    definitions.append(f"- **{md_escape(row.term)}**{expansion}{meaning}")
st.markdown("\n".join(definitions))

st.header("Known limitations")
st.markdown(
    f"- **Illustrative, not a census.** The APCC response quotes some commissioners on each theme. A force area not "
    "quoted is *not reported*, which is not the same as having no service.\n"
    f"- **Dated.** The APCC's evidence is as at {long_date(filters.source_date)} or earlier. Funding decisions for 2025/26 were "
    "shared with commissioners on 2 December 2024, after most responses were written; later changes appear only where "
    "a commissioner's office has submitted a return.\n"
    "- **Quotes are shortened in the source.** The APCC response itself abridges submissions with (...); the dashboard "
    "cannot recover what was cut.\n"
    '- **Derived dates.** Where a source gives a month ("end of March 2025") or a duration ("one-year pilot"), the '
    "date is worked out and flagged as derived, with the original words beside it.\n"
    "- **Classification is judgement.** Statuses follow written definitions, but the source's wording is sometimes "
    "ambiguous; curator's notes say why.\n"
    "- **Map.** The tile map gives every force area the same size; it shows status, not geography. Official boundaries "
    "can be imported (see the README)."
)

st.header("Corrections")
corrections = data.corrections()
if corrections.empty:
    st.caption(
        "No corrections have been made since first publication. Report an error by opening an issue with the fact's id."
    )
else:
    st.dataframe(
        corrections,
        hide_index=True,
        column_config={
            "date": st.column_config.DateColumn("Date", format="D MMM YYYY"),
            "record_id": "Record",
            "change": st.column_config.TextColumn("Change", width="medium"),
            "reason": st.column_config.TextColumn("Reason", width="large"),
        },
    )

st.header("Download the full data")
st.caption("Each table as CSV or XLSX, with its source and as-at date; or the whole database (DuckDB).")
downloads = {
    "Coverage by force area": data.coverage(filters.as_at),
    "Facts (with quotes)": data.facts(filters.as_at),
    "Funded services": data.funding_streams(filters.as_at),
    "National timeline": data.timeline(),
}
# Tables are made only while their expander is open (opening one reruns the page):
# four hidden tables made the browser draw four table grids nobody had asked for.
for name, frame in downloads.items():
    with st.expander(f"{name} ({len(frame)} rows)", key=f"expander_{name}", on_change="rerun") as section:
        if section.open:
            table_block(
                frame,
                ChartText(
                    title=name,
                    subtitle=f"England and Wales, positions {filters.viewed}",
                    data_date=filters.data_date,
                ),
                key=f"download_{name}",
                stem=export_stem(name, "England and Wales", filters.as_at),
                filters={"As at": f"{filters.as_at:%Y-%m-%d}"},
                height=300,
            )
if paths.DATABASE.exists():
    st.download_button(
        "Download the database (DuckDB)",
        data=paths.DATABASE.read_bytes,
        file_name="stalking.duckdb",
        mime="application/octet-stream",
        icon=":material/database:",
        help="Query it with DuckDB: SELECT * FROM coverage_at(DATE '2024-12-19'). Tables are described below.",
    )

st.header("Data dictionary")
with st.expander(
    "Every table, column and allowed value", expanded=False, key="expander_dictionary", on_change="rerun"
) as section:
    if section.open:
        dictionary = paths.DICTIONARY_MD.read_text(encoding="utf-8")
        st.markdown("\n".join(line for line in dictionary.splitlines() if not line.startswith("<!--")))

st.header("Build log")
runs = data.etl_runs()
st.dataframe(
    runs,
    hide_index=True,
    column_config={
        "run_id": "Run",
        "started_at": st.column_config.DatetimeColumn("Started", format="D MMM YYYY, HH:mm"),
        "finished_at": st.column_config.DatetimeColumn("Finished", format="D MMM YYYY, HH:mm"),
        "data_dir": "Data folder",
        "rejected_rows": "Rejected rows",
        "input_files": "Input files",
        "facts": st.column_config.NumberColumn(
            "Facts", help="Every fact loaded, including superseded and later-dated ones."
        ),
        "funding_streams": st.column_config.NumberColumn(
            "Funding rows", help="Every funded-service row loaded, all editions."
        ),
    },
)
if len(runs):
    with st.expander(
        f"Input files of run {int(runs['run_id'].iloc[0])}, with SHA-256", key="expander_run_files", on_change="rerun"
    ) as section:
        if section.open:
            st.dataframe(data.etl_run_files(int(runs["run_id"].iloc[0])), hide_index=True)
