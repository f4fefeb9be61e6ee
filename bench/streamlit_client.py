"""A minimal Streamlit client: one websocket to /_stcore/stream that runs pages as a browser tab
does, without drawing them. The load and capacity benchmarks use it for many sessions at once,
and tests/test_replicas.py to follow sessions through HAProxy.

It speaks just enough of Streamlit's protocol: a `rerun_script` back-message (page, query
string, widget states) and the forward-messages up to "script finished", noting the session id,
Streamlit exceptions and the sidebar's Regions widget on the way.
"""

from __future__ import annotations

import asyncio
import re
import time
import urllib.request

FORCE = "E23000027"  # the force profile's page opens on Hertfordshire
RUN_TIMEOUT_S = 30


def public_pages() -> list[tuple[str, str]]:
    """(page name, query string) of every public page, each at its own URL (the root forwards to the first)."""
    from ui.site import PAGES

    return [(p.url_path, f"force={FORCE}" if p.url_path == "force-profile" else "") for p in PAGES if p.role is None]


def region_state(widget_id: str, regions: list[str]):
    """The Regions widget set to `regions` (an empty list: all of England and Wales)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState(id=widget_id)
    state.string_array_value.data.extend(regions)
    return state


def first_visit(base: str, cookie_name: str) -> tuple[str, str]:
    """A browser's first request, GET / without cookies, through a load balancer: (the value of the
    affinity cookie `cookie_name` it set, the X-Replica header). AssertionError without the cookie."""
    with urllib.request.urlopen(base + "/", timeout=RUN_TIMEOUT_S) as resp:
        resp.read()
        set_cookie = resp.headers.get("Set-Cookie", "")
        match = re.match(rf"{re.escape(cookie_name)}=([^;]+)", set_cookie)
        assert match, f"no {cookie_name} cookie in Set-Cookie: {set_cookie!r}"
        return match.group(1), resp.headers.get("X-Replica", "")


class Session:
    """One browser tab's websocket. `cookie` (NAME=value) is sent as a browser would, e.g. a load
    balancer's affinity cookie; the replica that answered is the X-Replica response header."""

    def __init__(self, base: str, cookie: str | None = None, timeout: float = RUN_TIMEOUT_S, keep_raw: bool = False):
        self.base = base
        self.cookie = cookie
        self.timeout = timeout
        self.keep_raw = keep_raw
        self.ws = None
        self.replica: str | None = None
        self.session_id: str | None = None
        self.region_id: str | None = None
        self.exceptions = 0
        self.raw = b""  # the last run's messages, when keep_raw

    async def connect(self, resume: str | None = None) -> Session:
        """Open the websocket; `resume` is a previous session id, as a reconnecting tab sends."""
        import websockets

        # Streamlit's own client: subprotocols = ["streamlit", <xsrf token>, <previous session id>].
        protocols = ["streamlit", "PLACEHOLDER_AUTH_TOKEN", resume] if resume else ["streamlit"]
        self.ws = await websockets.connect(
            self.base.replace("http://", "ws://") + "/_stcore/stream",
            subprotocols=protocols,
            origin=self.base,
            max_size=None,
            open_timeout=self.timeout,
            additional_headers={"Cookie": self.cookie} if self.cookie else {},
        )
        self.replica = self.ws.response.headers.get("X-Replica")
        return self

    async def run(self, page: str, query: str = "", widgets=()) -> float:
        """Run a page (with widget states) and wait for "script finished"; the seconds it took."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        for widget in widgets:
            msg.rerun_script.widget_states.widgets.append(widget)
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        chunks = []
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=self.timeout)
            if self.keep_raw:
                chunks.append(raw)
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.session_id = fwd.new_session.initialize.session_id
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                if which == "exception":
                    self.exceptions += 1
                elif which == "multiselect" and element.multiselect.id.endswith("-region"):
                    self.region_id = element.multiselect.id
            elif kind == "script_finished":
                self.raw = b"".join(chunks)
                return time.perf_counter() - started

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def __aenter__(self) -> Session:
        return await self.connect()

    async def __aexit__(self, *exc) -> None:
        await self.close()


def warm(base: str, cookie: str | None = None) -> None:
    """Open every page once and change its region once, in turn, over the websocket (untimed):
    the server's caches then hold what a first visitor would have filled."""

    async def visit() -> None:
        for page, query in public_pages():
            async with Session(base, cookie=cookie, timeout=120) as session:
                await session.run(page, query)
                if session.region_id:
                    for regions in (["Wales"], []):
                        await session.run(page, query, [region_state(session.region_id, regions)])

    asyncio.run(asyncio.wait_for(visit(), timeout=300))
