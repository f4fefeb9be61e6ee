"""A small in-process cache for plotly figures, keyed on the content of their inputs.

Building a figure is the slowest part of most page runs: plotly validates every
property as it is set (about 15 ms for the house template alone), so a chart
costs 30-60 ms and a boundary map about 90 ms, on every rerun, although a
filter change mostly brings back data the page has drawn before. The figure
functions in charts/figures.py and charts/mapfig.py are pure (no Streamlit, no
database), so their result can be kept and shared between reruns and sessions.

The key is a hash of the pickled arguments plus today's date (figures print
how old the data is "on" today) and any `extra` the function names, such as
the geometry file it draws. Arguments that cannot be pickled skip the cache.

A cached figure is shared: treat it as read-only (copy it with
`go.Figure(fig)` before changing it). Nothing in the dashboard or the exports
changes a figure once it is built.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from core import clock

F = TypeVar("F", bound=Callable)

MAX_ENTRIES = 256  # per function; a figure is a few KB (a boundary map shares its GeoJSON)


def _key(name: str, args: tuple, kwargs: dict, extra: tuple) -> str | None:
    try:
        blob = pickle.dumps((name, clock.today(), extra, args, sorted(kwargs.items())), protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.blake2b(blob, digest_size=20).hexdigest()


def cached_figure(extra: Callable[..., tuple] | None = None) -> Callable[[F], F]:
    """Decorator: keep the figures a pure function builds, keyed on its arguments.

    extra(*args, **kwargs) may return more key parts, for inputs read from
    elsewhere than the arguments (e.g. the identity of the geometry loaded).
    """

    def decorate(fn: F) -> F:
        cache: OrderedDict[str, object] = OrderedDict()
        lock = threading.Lock()
        name = f"{fn.__module__}.{fn.__qualname__}"

        @functools.wraps(fn)
        def call(*args, **kwargs):
            key = _key(name, args, kwargs, extra(*args, **kwargs) if extra else ())
            if key is None:
                return fn(*args, **kwargs)
            with lock:
                if key in cache:
                    cache.move_to_end(key)
                    return cache[key]
            fig = fn(*args, **kwargs)
            with lock:
                cache[key] = fig
                while len(cache) > MAX_ENTRIES:
                    cache.popitem(last=False)
            return fig

        call.cache_clear = cache.clear  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]

    return decorate
