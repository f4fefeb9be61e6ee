"""Every setting the product reads from the environment, declared once: name, default, type, meaning.

Why one declaration: the settings were read from `os.environ` in five modules at import time,
so a test had to set them before importing anything and nobody could list them. Here each
`STALKING_*` variable is declared once (`SETTINGS`); the README's table of settings is generated
from that declaration (`python -m etl docs`), and a test checks that every `STALKING_*` name
in the code, the Containerfile and the deploy scripts is declared and documented.

Why read when asked: `current()` reads the environment at the moment a value is needed, and
parses it again only when one of the declared variables changed, so `monkeypatch.setenv` works
and nothing must be set before an import. A test or a tool passes its own settings with
`use(...)`. Paths are resolved against the repository root by core/paths.py, the one place that
turns these values into the paths the code uses (a relative path here is relative to the
repository, not to the working directory).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


class SettingError(ValueError):
    """A setting's value cannot be read; the message names the variable and what was expected."""


def _path(value: str) -> Path:
    return Path(value).expanduser()


def _text(value: str) -> str | None:
    return value or None


def _as_given(value: str) -> str:
    return value


def _flag(value: str) -> bool:
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError("expected 1, true, yes or on (or 0, false, no, off, empty)")


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError("expected a number of seconds") from None
    return max(1.0, seconds)  # a shorter deadline could not start a browser


def _date(value: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("expected a date as YYYY-MM-DD") from None


@dataclass(frozen=True)
class Setting:
    """One environment variable: the field of `Settings` it fills, its type, default and meaning."""

    name: str
    field: str
    kind: str  # as the README states it: path, URL, text, flag, seconds, date
    default: str | None  # the value when the variable is unset (parsed as if given); None: the field is None
    shown_default: str  # the default as the README states it
    meaning: str
    parse: Callable[[str], object]
    read_by: str = "the app and its commands"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "STALKING_BUILD_DIR",
        "build_dir",
        "path",
        "data/build",
        "`data/build/`",
        "Where the database is built and served from, with the boundaries, the demand figures, "
        "the form key and the SQLite workflow database beside it.",
        _path,
    ),
    Setting(
        "STALKING_RETURNS_DIR",
        "returns_dir",
        "path",
        "data/returns",
        "`data/returns/`",
        "Where accepted returns are kept for ever, with the writer lock.",
        _path,
    ),
    Setting(
        "STALKING_WORKFLOW_URL",
        "workflow_url",
        "URL",
        None,
        "SQLite `workflow.sqlite` in the build folder",
        "The returns workflow's database (rounds, drafts, submissions, reviews, audit log), a SQLAlchemy "
        "URL; `postgresql+psycopg://…` for several processes.",
        _text,
    ),
    Setting(
        "STALKING_ACCESS_FILE",
        "access_file",
        "path",
        "access.toml",
        "`access.toml`",
        "The access list: who may sign in and in which role (`access.example.toml` shows the form).",
        _path,
    ),
    Setting(
        "STALKING_FORM_KEY",
        "form_key",
        "text",
        None,
        "`form.key` in the build folder, made on first use",
        "The key that signs return workbooks; replicas must share it. Secret.",
        _text,
    ),
    Setting(
        "STALKING_SECOND_PERSON_REVIEW",
        "second_person_review",
        "flag",
        "",
        "off",
        "Four eyes: the identity that entered or sent a return may not accept it.",
        _flag,
    ),
    Setting(
        "STALKING_READ_ONLY",
        "read_only",
        "flag",
        "",
        "off",
        "A public replica: no sign-in and no return pages, so no workflow access at all.",
        _flag,
    ),
    Setting(
        "STALKING_EXPORT_TIMEOUT",
        "export_timeout",
        "seconds",
        "30",
        "30",
        "The deadline for each exported chart image (at least 1); past it the browser is killed.",
        _seconds,
    ),
    Setting(
        "STALKING_BROWSER",
        "browser",
        "path",
        None,
        "the installed Chrome or Chromium",
        "The browser for image export: a path, or `none` to behave as if there were none.",
        _as_given,
    ),
    Setting(
        "STALKING_TODAY",
        "today",
        "date",
        None,
        "the real date",
        "Fix the product's date (YYYY-MM-DD) for the whole process; the time of day keeps running "
        "(tests of subprocesses, demonstrations of a later day).",
        _date,
    ),
    Setting(
        "STALKING_SOURCE_DOCUMENTS_DIR",
        "source_documents_dir",
        "path",
        "../shared/seeds",
        "`../shared/seeds/`",
        "The plain-text source documents the dataset's quotes are checked against (tests only; "
        "outside the repository, optional).",
        _path,
        "the tests",
    ),
    Setting(
        "STALKING_SHARED_GEO_DIR",
        "shared_geo_dir",
        "path",
        "../shared/geo",
        "`../shared/geo/`",
        "A boundary GeoJSON for tests and local demonstrations (outside the repository, never committed).",
        _path,
        "the tests and benchmarks",
    ),
    Setting(
        "STALKING_STATE_DIR",
        "state_dir",
        "path",
        "/var/lib/stalking",
        "`/var/lib/stalking`",
        "The container's one state volume: the build and returns folders and the access list live in it.",
        _path,
        "deploy/entrypoint.sh",
    ),
    Setting(
        "STALKING_IMAGE_DATABASE_DIR",
        "image_database_dir",
        "path",
        "/app/data/build",
        "`/app/data/build`",
        "The database built into the container image, copied into an empty state volume on first start.",
        _path,
        "deploy/entrypoint.sh",
    ),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}

# Old names, refused with their new one so a stale deployment fails clearly instead of being ignored.
RENAMED = {
    "STALKING_SEEDS_DIR": "STALKING_SOURCE_DOCUMENTS_DIR",
    "STALKING_SEED_DIR": "STALKING_IMAGE_DATABASE_DIR",
}


@dataclass(frozen=True)
class Settings:
    """The product's settings, one field per declared variable (see SETTINGS for each one's meaning).

    Paths are as given (relative ones are relative to the repository): read them through
    core/paths.py, which resolves them. Optional values are None when unset."""

    build_dir: Path
    returns_dir: Path
    workflow_url: str | None
    access_file: Path
    form_key: str | None = dataclasses.field(repr=False)  # a secret: never in a log or a traceback
    second_person_review: bool
    read_only: bool
    export_timeout: float
    browser: str | None
    today: dt.date | None
    source_documents_dir: Path
    shared_geo_dir: Path
    state_dir: Path
    image_database_dir: Path

    def replace(self, **changes: object) -> Settings:
        """These settings with some fields changed (for a test or a tool)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def from_environ(environ: Mapping[str, str]) -> Settings:
    """The settings an environment gives; a value that cannot be read raises SettingError naming it."""
    for old, new in RENAMED.items():
        if old in environ:
            raise SettingError(f"{old} was renamed {new}; set {new} instead")
    values: dict[str, object] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.name)
        value = setting.default if raw is None else raw
        try:
            values[setting.field] = None if value is None else setting.parse(value)
        except ValueError as err:
            raise SettingError(f"{setting.name}={raw!r}: {err}") from None
    return Settings(**values)  # type: ignore[arg-type]


@functools.lru_cache(maxsize=16)
def _parsed(values: tuple[tuple[str, str], ...]) -> Settings:
    return from_environ(dict(values))


_override: list[Settings] = []


def current() -> Settings:
    """The settings now: those passed to `use`, else the environment's (parsed again only when it changed)."""
    if _override:
        return _override[-1]
    names = (*BY_NAME, *RENAMED)
    return _parsed(tuple((name, os.environ[name]) for name in names if name in os.environ))


@contextmanager
def use(settings: Settings | None = None, **changes: object) -> Iterator[Settings]:
    """Run with these settings (or the current ones with `changes`) instead of the environment's.

    For tests and tools in this process; a process it starts still reads its own environment."""
    chosen = (settings or current()).replace(**changes)
    _override.append(chosen)
    try:
        yield chosen
    finally:
        _override.remove(chosen)
