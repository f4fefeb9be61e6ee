"""Shared code for the dashboard: paths, data access, state, charts."""
