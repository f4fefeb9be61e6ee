"""The settings: one declaration (core/settings.py), read when asked, every one documented.

As datasette checks that every setting is documented: every `STALKING_*` name in the code, the
Containerfile, the deploy scripts and the docs is declared, and every declared one is in the
README's generated table. No module reads a setting when it is imported, and nothing but
core/settings.py reads a `STALKING_*` variable from the environment.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core import clock, paths, settings
from etl import docs

REPO = paths.REPO_ROOT
NAME = re.compile(r"STALKING_[A-Z0-9_]*[A-Z0-9]")
# STALKING_* names that are not settings: the replica cookie HAProxy inserts (deploy/haproxy.cfg).
NOT_SETTINGS = {"STALKING_REPLICA"}
# The test harness's own variables (tests/ only, never read by the product).
TEST_HARNESS = {
    "STALKING_TEST_IMAGE": "an image already built, for tests/test_container.py",
    "STALKING_TEST_BASE_IMAGE": "the Debian base image tests/test_container.py builds on",
    "STALKING_MARKDOWN_CORPUS": "the corpus file tests/markdown_corpus_page.py shows",
}
# The declaration itself, and this file, name the old (renamed) settings.
OWN = {"core/settings.py", "tests/test_settings.py"}
PRODUCT = ("app.py", "app_pages", "core", "etl", "demand", "intake", "workflow", "returns", "geo", "charts")
PRODUCT += ("exports", "ui", "dev", "bench", "deploy", "Containerfile", "Makefile", ".ci", "docs", "README.md")


def tracked(*where: str) -> list[Path]:
    out = subprocess.run(["git", "ls-files", "--", *where], cwd=REPO, capture_output=True, text=True, check=True)
    return [REPO / line for line in out.stdout.splitlines() if line not in OWN and (REPO / line).is_file()]


def names_in(path: Path) -> set[str]:
    """The STALKING_* names a file mentions: in a Python file, those in its strings (its identifiers,
    such as rules.STALKING_RATE, are not settings); in any other file, every one."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix != ".py":
        return set(NAME.findall(text))
    strings = [n.value for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return {name for s in strings for name in NAME.findall(s)}


def test_every_setting_named_in_the_product_and_its_deployment_is_declared():
    declared = set(settings.BY_NAME)
    unknown = {
        f"{path.relative_to(REPO)}: {name}"
        for path in tracked(*PRODUCT)
        for name in names_in(path) - declared - NOT_SETTINGS
    }
    assert not unknown, "declare these in core/settings.py (or they are misspelt):\n" + "\n".join(sorted(unknown))


def test_the_tests_name_only_declared_settings_and_their_own_harness_variables():
    allowed = set(settings.BY_NAME) | NOT_SETTINGS | set(TEST_HARNESS)
    unknown = {f"{p.relative_to(REPO)}: {n}" for p in tracked("tests") for n in names_in(p) - allowed}
    assert not unknown, "\n".join(sorted(unknown))


def test_the_renamed_settings_are_gone_from_the_repository():
    """STALKING_SEEDS_DIR (source documents) and STALKING_SEED_DIR (the image's database) differed by
    one letter; they are STALKING_SOURCE_DOCUMENTS_DIR and STALKING_IMAGE_DATABASE_DIR now."""
    left = {f"{p.relative_to(REPO)}: {n}" for p in tracked() for n in names_in(p) if n in settings.RENAMED}
    assert not left, "\n".join(sorted(left))


def test_every_declared_setting_is_in_the_readme_table():
    readme = paths.README_MD.read_text(encoding="utf-8")
    block = next(m for m in docs.BLOCK.finditer(readme) if m.group("name") == "settings").group("body")
    for setting in settings.SETTINGS:
        row = next((line for line in block.splitlines() if line.startswith(f"| `{setting.name}` |")), None)
        assert row, f"{setting.name} is not in the README's table of settings"
        assert setting.meaning.replace("|", "\\|") in row


def test_every_declared_setting_fills_one_field():
    fields = [f.name for f in settings.dataclasses.fields(settings.Settings)]
    assert sorted(s.field for s in settings.SETTINGS) == sorted(fields)
    assert len(settings.BY_NAME) == len(settings.SETTINGS)
    assert all(s.meaning and s.shown_default and s.kind for s in settings.SETTINGS)


def environ_reads(path: Path) -> list[str]:
    """`os.environ[...]`, `os.environ.get(...)` and `os.getenv(...)` of a STALKING_* name (or any
    name held in a variable) in one Python file, as `line: code`."""
    text = path.read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(text)):
        key = None
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            key = node.slice
        elif isinstance(node, ast.Call) and ast.unparse(node.func) in {"os.environ.get", "os.getenv"} and node.args:
            key = node.args[0]
        if key is None:
            continue
        literal = key.value if isinstance(key, ast.Constant) else None
        if literal is None or str(literal).startswith("STALKING_"):
            found.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_only_the_settings_module_reads_a_setting_from_the_environment():
    product = [p for p in tracked(*PRODUCT[:-5]) if p.suffix == ".py" and not p.is_relative_to(REPO / "bench")]
    reads = [line for path in product for line in environ_reads(path)]
    assert not reads, "read these through core.settings.current():\n" + "\n".join(reads)
    assert environ_reads(REPO / "tests" / "test_settings.py") == [], "the checker sees no false alarm here"


def test_the_checker_finds_a_setting_read_from_the_environment(tmp_path):
    sneaky = REPO / "core" / "_sneaky_settings_probe.py"  # inside the repo: relative_to needs it
    try:
        sneaky.write_text("import os\nA = os.environ.get('STALKING_BUILD_DIR')\nB = os.getenv(NAME)\n")
        assert [line.split(": ", 1)[1] for line in environ_reads(sneaky)] == [
            "os.environ.get('STALKING_BUILD_DIR')",
            "os.getenv(NAME)",
        ]
    finally:
        sneaky.unlink()


IMPORT_EVERYTHING = """
import importlib, pkgutil, sys
for package in sys.argv[1:]:
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        if not info.name.endswith("__main__") and ".migrations" not in info.name:  # alembic runs those
            importlib.import_module(info.name)
from core import clock
try:
    clock.today()
except ValueError as err:
    print("read when asked:", err)
"""


def test_no_module_reads_a_setting_when_it_is_imported():
    """With a setting that cannot be read, every product module still imports; only the read fails."""
    packages = ["core", "etl", "demand", "intake", "workflow", "returns", "geo", "charts", "exports", "ui", "dev"]
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING, *packages],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(REPO), "STALKING_TODAY": "not-a-date"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "read when asked: STALKING_TODAY='not-a-date': expected a date as YYYY-MM-DD" in done.stdout


# ---------------------------------------------------------------- reading the values


def test_defaults_when_nothing_is_set():
    s = settings.from_environ({})
    assert s.build_dir == Path("data/build") and s.returns_dir == Path("data/returns")
    assert s.workflow_url is None and s.form_key is None and s.browser is None and s.today is None
    assert (s.second_person_review, s.read_only, s.export_timeout) == (False, False, 30.0)
    assert s.source_documents_dir == Path("../shared/seeds")
    assert s.image_database_dir == Path("/app/data/build")


def test_values_are_parsed_by_type():
    s = settings.from_environ(
        {
            "STALKING_READ_ONLY": "yes",
            "STALKING_SECOND_PERSON_REVIEW": "0",
            "STALKING_EXPORT_TIMEOUT": "0.2",
            "STALKING_TODAY": "2027-06-01",
            "STALKING_BROWSER": "",
            "STALKING_FORM_KEY": "k",
        }
    )
    assert s.read_only is True and s.second_person_review is False
    assert s.export_timeout == 1.0, "a deadline is at least one second"
    assert s.today == dt.date(2027, 6, 1)
    assert s.browser == "", "an empty browser setting means none, not 'look one up'"
    assert s.form_key == "k" and "'k'" not in repr(s), "the key is a secret: never in a repr"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("STALKING_READ_ONLY", "maybe", "expected 1, true, yes or on"),
        ("STALKING_EXPORT_TIMEOUT", "soon", "expected a number of seconds"),
        ("STALKING_TODAY", "1/6/2027", "expected a date as YYYY-MM-DD"),
    ],
)
def test_a_value_that_cannot_be_read_names_its_variable(name, value, expected):
    with pytest.raises(settings.SettingError, match=re.escape(f"{name}={value!r}: {expected}")):
        settings.from_environ({name: value})


@pytest.mark.parametrize(("old", "new"), sorted(settings.RENAMED.items()))
def test_an_old_name_is_refused_with_its_new_one(old, new):
    with pytest.raises(settings.SettingError, match=f"{old} was renamed {new}"):
        settings.from_environ({old: "/somewhere"})


def test_the_settings_follow_the_environment_when_asked(monkeypatch, tmp_path):
    """Set after every import: no need to set anything before importing."""
    for name in ("DATABASE", "WORKFLOW_URL"):
        if name in vars(paths):  # a value another test's monkeypatch.setattr(paths, …) put back as a constant
            monkeypatch.delitem(vars(paths), name)
    monkeypatch.setenv("STALKING_BUILD_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.delenv("STALKING_WORKFLOW_URL", raising=False)
    assert paths.DATABASE == tmp_path / "elsewhere" / "stalking.duckdb"
    assert paths.WORKFLOW_URL == f"sqlite:///{tmp_path / 'elsewhere' / 'workflow.sqlite'}"
    monkeypatch.setenv("STALKING_TODAY", "2031-02-03")
    assert clock.today() == dt.date(2031, 2, 3)
    assert settings.current() is settings.current(), "parsed once while the environment is unchanged"


def test_a_test_passes_its_own_settings(tmp_path):
    before = settings.current()
    with settings.use(build_dir=tmp_path, read_only=True) as chosen:
        assert settings.current() is chosen and chosen.read_only
        assert paths.FORM_KEY_FILE == tmp_path / "form.key"
        with settings.use(settings.from_environ({"STALKING_BUILD_DIR": "x"})):
            assert paths.BUILD_DIR == REPO / "x", "a relative path is taken from the repository root"
        assert paths.BUILD_DIR == tmp_path
    assert settings.current() == before


def test_the_use_settings_fixture_is_undone_after_the_test(use_settings):
    use_settings(second_person_review=True)
    assert settings.current().second_person_review


def test_a_path_that_is_not_a_setting_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'NOT_A_PATH'"):
        paths.NOT_A_PATH  # noqa: B018
