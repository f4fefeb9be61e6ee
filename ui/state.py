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
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from charts import palette
from core.text import long_date
from geo.boundaries import available_geometries
from ui import cached_queries as data

PROFILE_PAGE = "app_pages/force_profile.py"
_OPEN_PROFILE = "_open_profile"


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

    def describe(self) -> dict[str, str]:
        """The filters in words, written into exported tables and briefing packs."""
        return {
            "Geography": self.geography,
            "Map shows": self.dimension.label,
            "As at": f"{self.as_at:%Y-%m-%d}",
            **({"Force": self.force} if self.force else {}),
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
    """Apply ?force= when the URL changed since we last wrote it (a new link or a reload)."""
    url = st.query_params.get("force")
    if url == st.session_state.get("_force_in_url"):
        return
    st.session_state["_force_in_url"] = url
    if url in codes:
        st.session_state["force"] = url
    elif url:
        st.session_state["_unknown_force"] = url


def _sync_force_to_url() -> None:
    code = st.session_state.get("force")
    if code:
        st.query_params["force"] = code
    elif "force" in st.query_params:
        del st.query_params["force"]
    st.session_state["_force_in_url"] = code


def _set_as_at(value: dt.date) -> None:
    st.session_state["as_at"] = value


def select_force(code: str) -> None:
    """Callback: select a force (from the map or a link) and open its profile."""
    st.session_state["force"] = code
    st.session_state[_OPEN_PROFILE] = True


def open_profile_if_requested() -> None:
    """Called by pages after a map click: go to the selected force's profile."""
    if st.session_state.pop(_OPEN_PROFILE, False):
        st.switch_page(PROFILE_PAGE)


def sidebar() -> Filters:
    """Draw the shared controls. Called once per run, by app.py, before the page.

    The date opens at the newest report: the source's date while no return exists,
    the latest return's as-at date once one does."""
    source_date = data.source_date()
    latest = data.latest_edition_date()
    today = dt.date.today()
    forces = data.forces().sort_values("short_name")
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
            value=latest,
            min_value=source_date,
            max_value=today,
            key="as_at",
            bind="query-params",
            format="DD/MM/YYYY",
            help=(
                f"The date every position is read at: funding end dates are compared with it, and a report "
                f"made more than 12 months before it is marked as dated. The APCC response is dated "
                f"{source_date:%-d %B %Y}; the newest report is dated {latest:%-d %B %Y}."
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
        right.button("Today", on_click=_set_as_at, args=(today,), width="stretch")
        _sync_force_from_url(set(forces["pfa_code"]))
        st.selectbox(
            "Force area",
            [None, *forces["pfa_code"]],
            key="force",
            format_func=_force_namer(forces),
            help="Opens in Force profile; also highlighted on the map.",
        )
        _sync_force_to_url()
        unknown = st.session_state.pop("_unknown_force", None)
        if unknown:
            st.warning(
                f"The link names a force code this dashboard does not know: {unknown[:12]}. "
                "Expected an ONS code such as E23000027."
            )
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


def current() -> Filters:
    """The state as set by the sidebar in this run."""
    source_date = data.source_date()
    latest = data.latest_edition_date()
    as_at = st.session_state.get("as_at") or latest
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
