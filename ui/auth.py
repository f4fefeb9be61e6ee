"""Sign-in for the returns workflow: Streamlit's OpenID Connect (`st.login`, `st.user`) and the
access list (workflow.access) that turns an identity into a role.

Sign-in is configured in `.streamlit/secrets.toml` under `[auth]` (Microsoft Entra ID, or
any OpenID Connect provider; `python -m returns dev-signin` runs a local one with demo
identities). The public dashboard needs no sign-in. Signing in only decides which pages
are offered; every action is checked again on the server by workflow.guard.
`STALKING_READ_ONLY=1` (a public replica) turns sign-in and the return pages off.
"""

from __future__ import annotations

import json

import streamlit as st

from core import paths, queries, settings
from ui.evidence_view import md_escape
from workflow import guard
from workflow.access import PUBLIC, AccessListError, Actor, actor_for, read_access_list

_REMEMBERED = "_identity_remembered"


def sign_in_configured() -> bool:
    """True when `[auth]` is configured in the secrets (and this is not a read-only replica)."""
    if settings.current().read_only:
        return False
    try:
        if not st.secrets.load_if_toml_exists():
            return False
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - an unreadable secrets file means no sign-in, not a crash
        return False


@st.cache_resource(show_spinner=False)
def _access_list(mtime_ns: int) -> dict[str, Actor]:
    """The access list, read again whenever the file changes (keyed on its modification time)."""
    return read_access_list(resolve_force=queries.resolve_force)


def access_list() -> dict[str, Actor]:
    try:
        mtime = paths.ACCESS_FILE.stat().st_mtime_ns
    except OSError:
        return {}
    return _access_list(mtime)


def _address() -> str | None:
    """The address the session's connection comes from (None on this machine, or when unknown)."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - outside a browser session there is no connection
        return None
    return address if isinstance(address, str) else None  # AppTest's is a stand-in object


def current_actor() -> Actor:
    """The signed-in identity and its role; public when nobody is signed in (or on a read-only replica).

    The role comes from the provider's immutable subject (workflow.access), never the e-mail it asserts."""
    if settings.current().read_only or not st.user.get("is_logged_in", False):
        return Actor("", PUBLIC, address=_address())
    claims = {k: v for k, v in st.user.to_dict().items() if isinstance(v, str | bool | int | float)}
    try:
        actor = actor_for(claims, access_list(), address=_address())
    except AccessListError as err:
        st.error(f"The access list cannot be read, so no one has a role: {md_escape(err)}", icon=":material/error:")
        return actor_for(claims, {}, address=_address())
    if actor.role != PUBLIC and not st.session_state.get(_REMEMBERED):
        guard.remember(actor)
        st.session_state[_REMEMBERED] = True
    return actor


def _force_name(pfa_code: str | None) -> str:
    """A force's name for people ('Hertfordshire'), never its ONS code alone."""
    names = queries.forces().set_index("pfa_code")["short_name"]
    return str(names.get(pfa_code, pfa_code or "no force"))


def sidebar(actor: Actor) -> None:
    """Sign in / signed in as … / sign out, in the sidebar."""
    if settings.current().read_only:
        return
    with st.sidebar:
        if st.user.get("is_logged_in", False) and actor.role != PUBLIC:
            role = {"office": f"office for {_force_name(actor.pfa_code)}", "reviewer": "reviewer", "admin": "admin"}[
                actor.role
            ]
            st.caption(f"Signed in as {md_escape(actor.email)} ({md_escape(role)}).")
            st.button("Sign out", on_click=st.logout, icon=":material/logout:", key="sign_out")
        elif st.user.get("is_logged_in", False):
            claimed = st.user.get("email") or st.user.get("name") or "an identity"
            st.caption(f"Signed in as {md_escape(claimed)}, who is not on the access list: the public dashboard only.")
            if actor.subject:  # what the admin needs to give this identity a role (workflow.access)
                st.caption("To be given a role, send the APCC admin this identity:")
                st.text(_identity_lines(actor.subject))
            st.button("Sign out", on_click=st.logout, icon=":material/logout:", key="sign_out")
        elif sign_in_configured():
            st.button("Sign in (offices and APCC staff)", on_click=st.login, icon=":material/login:", key="sign_in")


def _identity_lines(subject: str) -> str:
    """An access list entry's subject lines for `subject` (workflow.access.subject_key), shown as plain text."""
    if subject.startswith("entra:"):
        tenant, object_id = subject.removeprefix("entra:").split("#", 1)
        return f"tenant = {json.dumps(tenant)}\nobject_id = {json.dumps(object_id)}"
    issuer, sub = subject.split("#", 1)
    return f"issuer = {json.dumps(issuer)}\nsubject = {json.dumps(sub)}"
