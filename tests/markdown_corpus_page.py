"""A tiny Streamlit page for tests/test_markdown_corpus.py: every string of the corpus (a JSON
list in the file named by STALKING_MARKDOWN_CORPUS) shown through ui.evidence_view.md_escape
the ways the dashboard shows text: st.markdown, st.caption, st.warning in the main area, and
st.warning in the sidebar (where a bad ?force= is reported)."""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st  # noqa: E402

from ui.evidence_view import md_escape  # noqa: E402

corpus = json.loads(Path(os.environ["STALKING_MARKDOWN_CORPUS"]).read_text(encoding="utf-8"))
for i, text in enumerate(corpus):
    with st.container(key=f"markdown-{i}"):
        st.markdown(md_escape(text))
    with st.container(key=f"caption-{i}"):
        st.caption(md_escape(text))
    with st.container(key=f"warning-{i}"):
        st.warning(md_escape(text))
    with st.sidebar, st.container(key=f"sidebar-{i}"):
        st.warning(md_escape(text))
