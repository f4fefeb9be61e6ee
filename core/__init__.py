"""The shared core: paths and settings, problems, words and dates, the domain rules,
and data access. No Streamlit here, and nothing here imports another package of
the project: every other package builds on this one (see docs/ARCHITECTURE.md)."""
