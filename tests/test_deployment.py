"""What the deployment files promise, checked without building anything: the image installs the
runtime packages only, pinned with hashes; one serve command; one ignore list; and a read-only
replica (STALKING_READ_ONLY=1) offers no sign-in and no return pages even to a signed-in office.

The image itself is built and run by tests/test_container.py, the replicas by tests/test_replicas.py.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from core import paths
from tests.workflow_fixtures import HERTS_OFFICE, open_round, sandbox, signed_in_app  # noqa: F401 - sandbox is a fixture

REPO = paths.REPO_ROOT
DEV_ONLY = {"pytest", "playwright", "ruff", "import-linter", "pip-tools", "oidc-provider-mock", "pyinstrument"}


def pins(lock: str) -> dict[str, str]:
    """{package: the pin line with its hashes} of a pip-compile lock file."""
    entries = re.split(r"\n(?=[a-z0-9])", (REPO / lock).read_text(encoding="utf-8"), flags=re.I)
    found = {}
    for entry in entries:
        if match := re.match(r"([A-Za-z0-9_.\-]+)==(\S+)", entry):
            hashes = sorted(re.findall(r"--hash=(\S+)", entry))
            found[match.group(1).lower()] = (match.group(2), tuple(hashes))
    return found


def test_the_runtime_lock_is_the_full_lock_without_the_development_packages():
    runtime, full = pins("requirements-runtime.lock"), pins("requirements.lock")
    assert {"streamlit", "duckdb", "kaleido", "sqlalchemy", "psycopg"} <= set(runtime)
    assert not set(runtime) & DEV_ONLY, "a development package in the image's lock"
    differ = {name: (pin[0], full.get(name, ("missing",))[0]) for name, pin in runtime.items() if full.get(name) != pin}
    assert not differ, f"the two locks disagree (run make lock): {differ}"
    assert all(pin[1] for pin in runtime.values()), "a runtime package without hashes"


def test_the_image_installs_the_runtime_lock_with_hashes_and_serves_through_serve_sh():
    containerfile = (REPO / "Containerfile").read_text(encoding="utf-8")
    assert "ARG BASE_IMAGE=python:3.11-slim" in containerfile
    assert "--require-hashes" in containerfile and "requirements-runtime.lock" in containerfile
    assert re.search(r'^CMD \["/app/deploy/serve.sh"\]', containerfile, re.M)
    assert re.search(r"^HEALTHCHECK .*\n.*/_stcore/health", containerfile, re.M)
    assert re.search(r"^USER app$", containerfile, re.M)
    # make run starts the dashboard the same way as the image and the replicas.
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    run_recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "deploy/serve.sh" in run_recipe
    assert (REPO / "deploy" / "serve.sh").read_text().rstrip().endswith('exec python -m streamlit run app.py "$@"')


def test_one_ignore_list_that_keeps_secrets_and_state_out_of_images():
    """docker reads .dockerignore, podman .containerignore: one list, kept identical."""
    ignore = (REPO / ".containerignore").read_text(encoding="utf-8")
    assert (REPO / ".dockerignore").read_text(encoding="utf-8") == ignore
    listed = set(ignore.split())
    assert {".streamlit/secrets.toml", "access.toml", "data/build/", "data/returns/", ".venv/", ".git/"} <= listed
    assert "requirements-runtime.lock" not in listed


def signed_in_office_app(read_only: bool, monkeypatch) -> AppTest:
    monkeypatch.setenv("STALKING_READ_ONLY", "1" if read_only else "0")
    return signed_in_app(HERTS_OFFICE.email)


def office_page_text(at: AppTest) -> str:
    at.switch_page("app_pages/office_return.py")
    at.run()
    return " ".join(str(m.value) for m in (*at.title, *at.markdown, *at.error, *at.warning, *at.info))


def test_a_read_only_replica_offers_no_sign_in_and_no_return_pages(sandbox, monkeypatch):  # noqa: F811
    open_round(sandbox, ["E23000027"])
    writable = signed_in_office_app(False, monkeypatch)
    assert any(b.label == "Sign out" for b in writable.button)
    assert "Your return" in office_page_text(writable)

    public = signed_in_office_app(True, monkeypatch)
    labels = [b.label for b in public.button]
    assert not any(label.startswith(("Sign in", "Sign out")) for label in labels), labels
    # The page is not registered with st.navigation at all, so its URL cannot be opened either.
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        office_page_text(public)
