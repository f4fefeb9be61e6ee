"""PNG and SVG of a plotly figure, through kaleido and an installed Chrome or Chromium.

- The browser is found on PATH (chromium, chromium-browser, google-chrome, …),
  then by kaleido's own lookup (its downloaded Chrome, typical install paths).
  `STALKING_BROWSER` overrides the lookup: a path to a browser, or `none` to
  behave as if none were installed (used by tests).
- Without a browser every call raises `ImageExportUnavailable`, whose message
  says how to fix it; HTML, CSV and XLSX exports do not need a browser.
- Never a hang: kaleido runs on an event loop in a worker thread and every call
  has a deadline (browser start-up included). Past the deadline the browser's
  process group is killed and `ImageExportTimeout` is raised; the next call
  starts a fresh browser.
- One browser serves many images: `ImageSession` for a batch (a briefing pack),
  and one shared session for the app, closed after a few idle minutes.
- No network: plotly.js comes from the plotly package, MathJax is off, and
  geo figures get an empty base map from a local file (see exports.geo).
- The charts' own font: the browser is started with a fontconfig file that adds
  static/fonts (charts.fonts.browser_env), so it draws the Liberation Sans the words
  were measured with, whatever the machine has installed.

Why not kaleido's own persistent server (`kaleido.start_sync_server` and
`calc_fig_sync`, kaleido 1.5)? Tried on 2026-12-01: it is one process-wide
browser with one shared result queue, and four threads rendering at once got
each other's images back (each SVG came back with another thread's width); a
call waits on the queue with no deadline of its own, and stopping it joins the
browser's thread, so a hung browser hangs the caller. The app renders from
several sessions at once, so the session below stays.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import html
import logging
import os
import re
import shutil
import signal
import threading
import time
from pathlib import Path

import plotly.graph_objects as go

from charts import chart_text, fonts
from core import settings
from exports import geo

log = logging.getLogger(__name__)


def _import_kaleido():
    import kaleido  # imported on first use: it is slow to import and pages may never need it

    # Killing a browser mid-message (a timeout) makes choreographer log the torn message it
    # read from the pipe as an error; the caller gets ImageExportTimeout instead. (Only after
    # the import: choreographer's loggers are its own Logger class.)
    logging.getLogger("choreographer.channels.pipe").setLevel(logging.CRITICAL)
    return kaleido


BROWSER_ENV = "STALKING_BROWSER"  # a browser path, or "none" to simulate no browser
TIMEOUT_ENV = "STALKING_EXPORT_TIMEOUT"  # seconds
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
EXPORT_WIDTH = chart_text.EXPORT_WIDTH  # CSS pixels; a PNG at scale 2 is 2000 px wide, 300 dpi over 17 cm
PNG_SCALE = 2
DEFAULT_HEIGHT = 500
IDLE_SECONDS = 300  # the app's shared browser closes after this long unused
PNG_MIME = "image/png"
SVG_MIME = "image/svg+xml"

UNAVAILABLE_MESSAGE = (
    "PNG and SVG need Chrome or Chromium. Install it (Debian: sudo apt-get install chromium) "
    "and reload; HTML, CSV and XLSX downloads work without it."
)


def default_timeout() -> float:
    """The deadline for each image, in seconds (STALKING_EXPORT_TIMEOUT, core/settings.py)."""
    return settings.current().export_timeout


class ImageExportError(RuntimeError):
    """A PNG or SVG could not be made; the message says why, in plain words."""


class ImageExportUnavailable(ImageExportError):
    """No Chrome or Chromium is installed."""

    def __init__(self, message: str = UNAVAILABLE_MESSAGE):
        super().__init__(message)


class ImageExportTimeout(ImageExportError):
    """The export took longer than its deadline and was stopped."""


# ---------------------------------------------------------------- finding a browser


def _executable(path: str | os.PathLike | None) -> str | None:
    if path and Path(path).is_file() and os.access(path, os.X_OK):
        return str(path)
    return None


def installed_browser() -> str | None:
    """The path of an installed Chrome or Chromium, ignoring STALKING_BROWSER; None if there is none."""
    for name in BROWSER_NAMES:
        if found := _executable(shutil.which(name)):
            return found
    if found := _executable(os.environ.get("BROWSER_PATH")):  # choreographer's own override
        return found
    try:  # kaleido's lookup: its downloaded Chrome, then typical install paths
        from choreographer.browsers.chromium import Chromium

        return _executable(Chromium.find_browser(skip_local=False))
    except Exception:  # noqa: BLE001 - a lookup failure means "not found"
        return None


def find_browser() -> str | None:
    """The browser image export will use, honouring STALKING_BROWSER; None if there is none."""
    override = settings.current().browser
    if override is not None:
        if override.strip().lower() in {"", "none", "off", "0", "false"}:
            return None
        return _executable(override)
    return installed_browser()


def image_export_available() -> bool:
    return find_browser() is not None


def unavailable_reason() -> str | None:
    """None when PNG and SVG can be made; otherwise the message to show instead of the buttons."""
    return None if image_export_available() else UNAVAILABLE_MESSAGE


# ---------------------------------------------------------------- a browser session


def _figure_dict(fig: go.Figure | dict) -> dict:
    return fig.to_dict() if isinstance(fig, go.Figure) else fig


def fit_width(fig: go.Figure | dict, minimum: int = EXPORT_WIDTH) -> int:
    """The width to draw an export at.

    A figure finished by charts.chart_text was laid out for a width (its words wrapped to it,
    its legend planned for it) and says so in `layout.meta["width"]`: it is drawn at that width.
    For any other figure, estimate the room its title, footer and category labels need
    (about 10 px a character for the bold title, 7 px for 13 px labels, 6 px for the 11 px
    footer) and widen the image to fit.
    """
    fig = fig if isinstance(fig, go.Figure) else go.Figure(fig)
    meta = fig.layout.meta
    if isinstance(meta, dict) and isinstance(meta.get("width"), (int, float)):
        return int(meta["width"])
    label_chars = 0
    for trace in fig.data:
        if trace.type == "bar" and trace.orientation == "h" or trace.type == "heatmap":
            labels = trace.y if trace.y is not None else ()
            label_chars = max([label_chars, *(len(str(v)) for v in labels)])
    footer_chars = 0
    for note in fig.layout.annotations or ():
        if note.name == "source" and note.text:
            footer_chars = max(len(html.unescape(line)) for line in str(note.text).split("<br>"))
    title = fig.layout.title.text or ""
    title_chars = len(html.unescape(re.sub(r"<[^>]+>", "", title)))
    needed = 30 + 7 * label_chars + max(6 * footer_chars, 10 * title_chars)
    return int(max(minimum, min(needed, 2 * minimum)))


def _layout_height(fig: go.Figure | dict) -> int:
    layout = fig.layout if isinstance(fig, go.Figure) else go.Layout(fig.get("layout", {}))
    return int(layout.height or DEFAULT_HEIGHT)


class ImageSession:
    """One headless browser, reused for many images. Thread-safe; every call has a deadline.

    with ImageSession() as images:
        png = images.png(fig)
        svg = images.svg(fig)
    """

    def __init__(self, *, timeout: float | None = None, browser: str | None = None):
        self.timeout = timeout or default_timeout()
        self.browser = browser or find_browser()
        if not self.browser:
            raise ImageExportUnavailable()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None
        self._pending: set[concurrent.futures.Future] = set()
        self.renders = 0
        self.last_used = time.monotonic()

    # -- lifecycle

    def __enter__(self) -> ImageSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def is_open(self) -> bool:
        return self._kaleido is not None

    def _start_loop(self) -> asyncio.AbstractEventLoop:
        loop = asyncio.new_event_loop()
        # A killed or failed browser leaves tasks whose errors nobody awaits; they are
        # expected (the caller already got ImageExportError), so log them quietly.
        loop.set_exception_handler(
            lambda _loop, context: log.debug(
                "kaleido session: %s", context.get("message"), exc_info=context.get("exception")
            )
        )

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_forever()
            finally:
                tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for task in tasks:
                    task.cancel()
                if tasks:
                    try:
                        loop.run_until_complete(asyncio.wait(tasks, timeout=2))
                    except Exception:  # noqa: BLE001 - shutting down
                        pass
                loop.close()

        self._thread = threading.Thread(target=run, name="kaleido-session", daemon=True)
        self._thread.start()
        return loop

    def _submit(self, coro, deadline: float, what: str, seconds: float):
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        self._pending.add(future)
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except concurrent.futures.TimeoutError:
            future.cancel()
            self._abort()
            raise ImageExportTimeout(
                f"{what} took longer than {seconds:.3g} s and was stopped. Try again; "
                "the HTML download works without a browser."
            ) from None
        except concurrent.futures.CancelledError:
            raise ImageExportError(f"{what} was interrupted because another export timed out. Try again.") from None
        finally:
            self._pending.discard(future)

    def start(self) -> None:
        """Start the browser in the background, so it is ready by the first render."""

        def opener() -> None:
            try:
                self._ensure_open(time.monotonic() + self.timeout)
            except ImageExportError as err:  # the first render reports it again
                log.info("background browser start failed: %s", err)

        threading.Thread(target=opener, name="kaleido-start", daemon=True).start()

    def _ensure_open(self, deadline: float) -> None:
        if self._kaleido is not None:
            return
        seconds = max(0.0, deadline - time.monotonic())
        if not self._lock.acquire(timeout=seconds):
            raise ImageExportTimeout(f"The browser did not start within {seconds:.3g} s.")
        try:
            if self._kaleido is not None:
                return
            self._loop = self._start_loop()
            browser, render_timeout = self.browser, self.timeout

            async def open_kaleido():
                kaleido = _import_kaleido()
                k = kaleido.Kaleido(path=browser, n=1, timeout=render_timeout, mathjax=False)
                _with_chart_fonts(k)
                try:
                    await k.open()
                except BaseException:
                    _kill_browser(k)
                    raise
                return k

            try:
                self._kaleido = self._submit(open_kaleido(), deadline, "Starting the browser", seconds)
            except ImageExportError:
                raise
            except Exception as err:  # noqa: BLE001 - kaleido and choreographer raise many kinds
                self._stop_loop()
                if type(err).__name__ == "ChromeNotFoundError":
                    raise ImageExportUnavailable() from err
                raise ImageExportError(f"Chrome or Chromium at {browser} did not start: {err}") from err
        finally:
            self._lock.release()

    def _abort(self) -> None:
        """Kill the browser now and forget it; the next call starts a new one."""
        k, self._kaleido = self._kaleido, None
        if k is not None:
            _kill_browser(k)
        for future in list(self._pending):
            future.cancel()
        self._stop_loop()

    def _stop_loop(self) -> None:
        loop, self._loop = self._loop, None
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)

    def close(self) -> None:
        """Close the browser (killing it if it does not close within a few seconds)."""
        with self._lock:
            k = self._kaleido
            if k is None:
                self._stop_loop()
                return
            try:
                self._submit(k.close(), time.monotonic() + 10, "Closing the browser", 10)
                self._kaleido = None
                self._stop_loop()
            except Exception:  # noqa: BLE001 - closing is best effort; kill instead
                self._abort()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=5)

    # -- rendering

    def render(
        self,
        fig: go.Figure | dict,
        fmt: str,
        *,
        width: int | None = None,
        height: int | None = None,
        scale: float = 1,
        timeout: float | None = None,
    ) -> bytes:
        """The figure as `fmt` ("png" or "svg"); raises ImageExportError (or a subclass) on failure."""
        timeout = timeout or self.timeout
        deadline = time.monotonic() + timeout
        self._ensure_open(deadline)
        k = self._kaleido
        if k is None:
            raise ImageExportError("The browser closed before the image was made. Try again.")
        opts = {
            "format": fmt,
            "width": int(width or fit_width(fig)),
            "height": int(height or _layout_height(fig)),
            "scale": scale,
        }
        topojson = geo.topojson_url() if isinstance(fig, go.Figure) and geo.has_geo(fig) else None
        try:
            data = self._submit(
                k.calc_fig(_figure_dict(fig), opts=opts, topojson=topojson),
                deadline,
                f"Making the {fmt.upper()}",
                timeout,
            )
        except ImageExportError:
            raise
        except Exception as err:  # noqa: BLE001
            self._abort()
            raise ImageExportError(f"Making the {fmt.upper()} failed: {err}") from err
        self.renders += 1
        self.last_used = time.monotonic()
        return data if isinstance(data, bytes) else bytes(data, "utf-8")

    def png(
        self,
        fig: go.Figure | dict,
        *,
        width: int | None = None,
        height: int | None = None,
        scale: float = PNG_SCALE,
        timeout: float | None = None,
    ) -> bytes:
        return self.render(fig, "png", width=width, height=height, scale=scale, timeout=timeout)

    def svg(
        self,
        fig: go.Figure | dict,
        *,
        width: int | None = None,
        height: int | None = None,
        timeout: float | None = None,
    ) -> bytes:
        return self.render(fig, "svg", width=width, height=height, scale=1, timeout=timeout)


def browser_environment() -> dict[str, str]:
    """The environment the export browser starts with: this process's, and the charts' fonts."""
    return {**os.environ, **fonts.browser_env()}


def _with_chart_fonts(k) -> None:
    """Start this kaleido's browser, and only it, with the charts' fonts (charts.fonts.browser_env).

    choreographer starts the browser with the environment its implementation's `get_env()`
    returns (choreographer 1.4: a copy of os.environ); setting os.environ instead would
    change it for the whole process. tests/test_chart_text_in_browser.py checks that an
    exported chart is drawn at the widths measured."""
    impl = getattr(k, "_browser_impl", None)
    get_env = getattr(impl, "get_env", None)
    if not callable(get_env):
        log.warning("kaleido's browser environment cannot be set: charts are drawn with the machine's fonts")
        return
    impl.get_env = lambda: {**get_env(), **browser_environment()}


def _kill_browser(k) -> None:
    """Kill the browser's whole process group (choreographer starts it in its own session)."""
    process = getattr(k, "subprocess", None)
    if process is not None and process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            try:
                process.kill()
            except OSError:
                pass
    for cleaner in (
        getattr(getattr(k, "_browser_impl", None), "clean", None),
        getattr(getattr(k, "_html_tmp_dir", None), "clean", None),
    ):
        if callable(cleaner):
            try:
                cleaner()
            except Exception:  # noqa: BLE001 - temporary files only
                pass


# ---------------------------------------------------------------- the app's shared session

_shared: ImageSession | None = None
_shared_lock = threading.Lock()
_idle_timer: threading.Timer | None = None


def shared_session() -> ImageSession:
    """The process's browser session, started on first use. Raises ImageExportUnavailable."""
    global _shared
    browser = find_browser()
    if not browser:
        raise ImageExportUnavailable()
    with _shared_lock:
        if _shared is None or _shared.browser != browser:
            if _shared is not None:
                _shared.close()
            _shared = ImageSession(browser=browser)
        return _shared


def schedule_idle_close() -> None:
    """Close the shared browser after IDLE_SECONDS unless it is used again."""
    global _idle_timer
    with _shared_lock:
        if _idle_timer is not None:
            _idle_timer.cancel()
        _idle_timer = threading.Timer(IDLE_SECONDS, _close_if_idle)
        _idle_timer.daemon = True
        _idle_timer.start()


def _close_if_idle() -> None:
    with _shared_lock:
        session = _shared
    if session is not None and time.monotonic() - session.last_used >= IDLE_SECONDS - 1:
        session.close()


@atexit.register
def close_shared_session() -> None:
    global _shared
    with _shared_lock:
        session, _shared = _shared, None
    if session is not None:
        session.close()


def to_png(
    fig: go.Figure,
    *,
    width: int | None = None,
    height: int | None = None,
    scale: float = PNG_SCALE,
    timeout: float | None = None,
) -> bytes:
    """The figure as PNG at print quality (scale 2), title, subtitle and source line included."""
    try:
        return shared_session().png(fig, width=width, height=height, scale=scale, timeout=timeout)
    finally:
        schedule_idle_close()


def to_svg(
    fig: go.Figure, *, width: int | None = None, height: int | None = None, timeout: float | None = None
) -> bytes:
    """The figure as SVG, title, subtitle and source line included as text."""
    try:
        return shared_session().svg(fig, width=width, height=height, timeout=timeout)
    finally:
        schedule_idle_close()
