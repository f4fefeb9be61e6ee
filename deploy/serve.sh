#!/bin/sh
# The one place that says how the dashboard is served: `make run`, the container image (CMD),
# the replicas behind HAProxy and their tests all start it through this file. Address and port
# come from the environment (STREAMLIT_SERVER_ADDRESS, STREAMLIT_SERVER_PORT) or from extra
# arguments, e.g.
#   deploy/serve.sh --server.port 8601
# `python` is the first on PATH: the image's venv, or .venv (make run puts it first).
cd "$(dirname "$0")/.." || exit 1
exec python -m streamlit run app.py "$@"
