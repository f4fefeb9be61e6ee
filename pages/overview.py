"""Overview: headline figures and the coverage map (placeholder until the map lands)."""
import streamlit as st

from dashboard import queries

st.title("Stalking services in England and Wales: where the gaps are")
# The latest position by default: the newest edition, a source document or a later return.
latest = queries.latest_edition_date()
as_at = st.date_input("Position as at", value=latest, format="DD/MM/YYYY")
cov = queries.coverage(as_at)
st.caption(f"Data as at {as_at:%-d %B %Y}.")
st.metric("Force areas with a dedicated stalking service", int((cov["isac_status"] == "dedicated service").sum()))
st.dataframe(cov[["short_name", "region", "isac_status", "isac_count", "funding_risk"]], hide_index=True)
