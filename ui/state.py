"""The shared view state: region, mapped dimension, as-at date, force and map geometry.

Every control lives in the sidebar (drawn by app.py on every page) and is kept
in the URL, so any view is a link that opens the same view, on any page:

    ?region=Wales&dim=Funding+risk&as_at=2025-06-01&force=W15000004

Region, dimension, date and geometry use Streamlit's `bind="query-params"`,
which writes each widget's displayed label. The force selector shows names but
must put the ONS code in the URL, so it is synced by hand (`_sync_force_*`).

Pages read the state with `current()`; they never parse the URL themselves.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from charts import palette
from core import clock
from core.text import long_date
from geo.boundaries import available_geometries
from ui import cached_queries as data
from ui.evidence_view import md_escape

PROFILE_PAGE = "app_pages/force_profile.py"
_OPEN_PROFILE = "_open_profile"
_AS_AT_SET = "_as_at_set_by_button"
_AS_AT_PROBLEM = "_as_at_problem"  # why the link's ?as_at= was not used, until the date is changed
_SWITCHING_TO = "_switching_to_profile"  # (the force a page switch to its profile is for, when)
SWITCH_SECONDS = 3.0
_UNKNOWN_FORCE = "_unknown_force"  # the link's ?force= that names no force area, until one is chosen
# The force chosen (by the map, a button, a link or the selector itself): the selector's value is set
# from it on every run. Just after a map tap opens a profile, the browser sends the selector's old,
# empty value once more, as if it had been chosen (seen in Chromium: about one tap in five on a
# phone opened an empty profile); this key is not a widget, so that request cannot clear it, and
# the selector's change is ignored while the profile opens (_opening).
_CHOSEN = "_force_chosen"


@dataclass(frozen=True)
class Filters:
    regions: tuple[str, ...]  # empty means all of England and Wales
    dimension: palette.MapDimension
    as_at: dt.date  # the date the positions are read at
    source_date: dt.date  # the APCC response's date
    latest_date: dt.date  # the newest report in the database (a return's as-at date, or the source's)
    data_date: dt.date  # the newest report on or before as_at: what the figures are "as at"
    force: str | None  # ONS code
    geometry: str  # "tiles" or "boundaries"

    @property
    def region_list(self) -> list[str] | None:
        return list(self.regions) or None

    @property
    def geography(self) -> str:
        """Words for the area the figures cover, for subtitles."""
        if not self.regions:
            return "England and Wales"
        if len(self.regions) <= 3:
            return ", ".join(self.regions)
        return f"{len(self.regions)} regions"

    @property
    def as_at_is_source(self) -> bool:
        return self.as_at == self.source_date

    @property
    def viewed(self) -> str:
        """'as at 19 December 2024', or, at a later date than the newest report it rests on,
        'at 1 December 2026, last reported up to 19 December 2024': never a December 2024 status
        "as at" today."""
        if self.as_at == self.data_date:
            return f"as at {long_date(self.as_at)}"
        return f"at {long_date(self.as_at)}, last reported up to {long_date(self.data_date)}"

    def describe(self, *, geography: bool = True, theme: bool = False) -> dict[str, str]:
        """The filters that apply to a table, in words, written into its CSV and XLSX.

        Only those that shaped it: the geography where the table follows the region filter,
        the theme where it shows one, and the as-at date always. (The sidebar's force only
        highlights; no table is filtered by it.)"""
        return {
            **({"Geography": self.geography} if geography else {}),
            **({"Theme": self.dimension.label} if theme else {}),
            "As at": f"{self.as_at:%Y-%m-%d}",
        }


def _force_namer(forces) -> Callable[[str | None], str]:
    """The selector's format_func: a force's short name, looked up in one dict made per run
    (looking up the cached table for each of the 44 options cost about 50 ms a run)."""
    names = dict(zip(forces["pfa_code"], forces["short_name"]))

    def name(code: str | None) -> str:
        if code is None:
            return "Choose a force area…"
        return names.get(code, code)

    return name


_BY_LABEL = {d.label: d for d in palette.MAP_DIMENSIONS.values()}
_GEOMETRY_LABELS = {"tiles": "Tile map", "boundaries": "Boundaries"}


def _sync_force_from_url(codes: set[str]) -> None:
    """Apply ?force= when the URL changed since we last wrote it (a new link or a reload).

    The link may name the force as the command line accepts it: an ONS code, a name or an
    alias, in any case (?force=Hertfordshire, ?force=herts), as the command line accepts it."""
    url = st.query_params.get("force")
    if url == st.session_state.get("_force_in_url"):
        return
    st.session_state["_force_in_url"] = url
    if not url:
        return
    code = url if url in codes else data.resolve_force(url)
    if code in codes:
        st.session_state[_CHOSEN] = code
        st.session_state.pop(_UNKNOWN_FORCE, None)
    else:
        st.session_state[_UNKNOWN_FORCE] = url  # said until a force is chosen or another link opened


def _sync_force_to_url() -> None:
    code = st.session_state.get("force")
    if code:
        st.query_params["force"] = code
    elif "force" in st.query_params:
        del st.query_params["force"]
    st.session_state["_force_in_url"] = code


def show_date(value: dt.date) -> None:
    """Callback: show the positions as at `value` (the banner's source-date and today buttons)."""
    _set_as_at(value)


def _set_as_at(value: dt.date) -> None:
    """Callback of the date buttons. The flag tells the next run's date input not to declare a
    default of its own: a widget given both a default and a value through Session State makes
    Streamlit log a warning with a stack trace."""
    st.session_state["as_at"] = value
    st.session_state[_AS_AT_SET] = True
    st.session_state.pop(_AS_AT_PROBLEM, None)


def _date_changed() -> None:
    st.session_state.pop(_AS_AT_PROBLEM, None)


def _check_as_at_in_url(low: dt.date, high: dt.date) -> None:
    """Keep, until the date is next changed, why a new ?as_at= cannot be used.

    Streamlit drops a date outside the input's range, or one it cannot read, without a word;
    the sidebar says so, and what is shown instead."""
    raw = st.query_params.get("as_at")
    if raw is None or raw == st.session_state.get("_as_at_in_url"):
        return
    st.session_state["_as_at_in_url"] = raw
    problem = _as_at_problem(raw, low, high)
    if problem:
        st.session_state[_AS_AT_PROBLEM] = problem
    else:
        st.session_state.pop(_AS_AT_PROBLEM, None)


def _as_at_problem(raw: str, low: dt.date, high: dt.date) -> str | None:
    """Why the text of ?as_at= cannot be used, in words, or None when it can."""
    try:
        asked = dt.date.fromisoformat(raw.strip())
    except ValueError:
        return f"The link asks for positions as at “{raw}”, which is not a date written as YYYY-MM-DD (for example 2025-03-31)."
    if asked > high:
        return f"The link asks for positions as at {long_date(asked)}, which is after today ({long_date(high)}): there is no evidence for a date still to come."
    if asked < low:
        return f"The link asks for positions as at {long_date(asked)}, before the APCC response of {long_date(low)}: the dashboard holds no evidence from before it."
    return None


def select_force(code: str) -> None:
    """Callback: select a force (from the map, a button or a link) and open its profile."""
    st.session_state[_CHOSEN] = code
    st.session_state[_OPEN_PROFILE] = True


def _opening() -> str | None:
    """The force whose profile is being opened, for a few seconds after the switch (the browser's
    stale values arrive within them); None after."""
    pending = st.session_state.get(_SWITCHING_TO)
    if not pending:
        return None
    code, since = pending
    if time.monotonic() - since > SWITCH_SECONDS:
        st.session_state.pop(_SWITCHING_TO, None)
        return None
    return code


def _chose_force() -> None:
    """Callback of the sidebar's force selector: a force chosen there opens its profile.

    While a profile is being opened (a force clicked on the map, say), the browser may still send
    the selector's old, empty value once before it has drawn the new one: that is not a choice."""
    if _opening() and not st.session_state.get("force"):
        return
    st.session_state.pop(_UNKNOWN_FORCE, None)
    st.session_state[_CHOSEN] = st.session_state.get("force")
    if st.session_state.get("force"):
        st.session_state[_OPEN_PROFILE] = True


def open_profile_if_requested(current_script: str | None = None) -> None:
    """Called by app.py before the page runs: after a force was chosen, go to its profile
    (unless the profile is the page already running)."""
    if st.session_state.pop(_OPEN_PROFILE, False) and current_script != PROFILE_PAGE:
        # Only ?force= is passed: st.switch_page cannot clear parameters bound to widgets (the
        # sidebar's, an open tab's), and the sidebar's widgets write theirs back on the next run.
        code = st.session_state.get("force")
        st.session_state[_SWITCHING_TO] = (code, time.monotonic())  # kept while the profile opens
        st.switch_page(PROFILE_PAGE, query_params={"force": code} if code else {})


def sidebar() -> Filters:
    """Draw the shared controls. Called once per run, by app.py, before the page.

    The date opens at today: every position as last reported, with its age, and every
    funding end date that has passed read as passed. The source date (the APCC response)
    is one click away, here and in the banner above each page (ui.notices.data_age)."""
    source_date = data.source_date()
    latest = data.latest_edition_date()
    today = clock.today()
    forces = data.forces().sort_values("short_name")
    _check_as_at_in_url(source_date, today)
    with st.sidebar:
        st.multiselect(
            "Regions",
            data.regions(),
            key="region",
            bind="query-params",
            placeholder="All of England and Wales",
            help="Limit every figure, map and table to these regions.",
        )
        st.radio("Map shows", list(_BY_LABEL), key="dim", bind="query-params")
        st.date_input(
            "Positions as at",
            # No default on the run after a button set the date (see _set_as_at); the key keeps the widget.
            value=None if st.session_state.pop(_AS_AT_SET, False) else today,
            min_value=source_date,
            max_value=today,
            key="as_at",
            bind="query-params",
            format="DD/MM/YYYY",
            on_change=_date_changed,
            help=(
                f"The date every position is read at (today unless you choose another): funding end dates are "
                f"compared with it, and a report made more than 12 months before it is marked as dated. The APCC "
                f"response is dated {source_date:%-d %B %Y}; the newest report is dated {latest:%-d %B %Y}."
            ),
        )
        left, right = st.columns(2)
        left.button(
            "Source date",
            on_click=_set_as_at,
            args=(source_date,),
            width="stretch",
            help=f"{source_date:%-d %B %Y}, the date of the APCC response",
        )
        right.button("Today", on_click=_set_as_at, args=(today,), width="stretch", help=f"{today:%-d %B %Y}")
        _sync_force_from_url(set(forces["pfa_code"]))
        if (opening := _opening()) is not None and not st.session_state.get(_CHOSEN):
            st.session_state[_CHOSEN] = opening
        st.session_state["force"] = st.session_state.get(_CHOSEN)
        st.selectbox(
            "Force area",
            [None, *forces["pfa_code"]],
            key="force",
            format_func=_force_namer(forces),
            on_change=_chose_force,
            help="Opens the force area's profile; the map outlines it.",
        )
        _sync_force_to_url()
        geometries = available_geometries()
        if len(geometries) > 1:
            st.radio(
                "Map geometry",
                [_GEOMETRY_LABELS[g] for g in geometries],
                key="geo",
                bind="query-params",
                horizontal=True,
            )
    return current()


def link_problems() -> None:
    """What in the link could not be used, said above the page (on a phone the sidebar is closed),
    quoting the link's words whole, until the date is changed or a force is chosen."""
    if date_problem := st.session_state.get(_AS_AT_PROBLEM):
        st.warning(
            md_escape(f"{date_problem} Showing positions as at {long_date(current().as_at)} instead."),
            icon=":material/event_busy:",
        )
    if unknown := st.session_state.get(_UNKNOWN_FORCE):
        st.warning(
            md_escape(
                f"The link names a force area this dashboard does not know: “{unknown}”. "
                "Give a name such as Hertfordshire or an ONS code such as E23000027, or choose one in the sidebar."
            ),
            icon=":material/help:",
        )


def current() -> Filters:
    """The state as set by the sidebar in this run."""
    source_date = data.source_date()
    latest = data.latest_edition_date()
    as_at = st.session_state.get("as_at") or clock.today()
    if isinstance(as_at, dt.datetime):
        as_at = as_at.date()
    geometry = {v: k for k, v in _GEOMETRY_LABELS.items()}.get(st.session_state.get("geo"), "tiles")
    return Filters(
        regions=tuple(st.session_state.get("region") or ()),
        dimension=_BY_LABEL.get(st.session_state.get("dim"), palette.ISAC),
        as_at=as_at,
        source_date=source_date,
        latest_date=latest,
        data_date=data.data_date(as_at) or source_date,
        force=st.session_state.get("force"),
        geometry=geometry,
    )
