"""The architecture of docs/ARCHITECTURE.md, enforced: layers, no import cycles, Streamlit only in the UI.

`lint-imports` (run by `make lint`) checks the layers declared in pyproject.toml;
these tests check what a layers contract cannot: that no package and no module
imports itself round a cycle, imports inside functions included.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

from core import paths

PACKAGES = ("core", "etl", "demand", "intake", "workflow", "returns", "geo", "charts", "exports", "ui", "dev")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member, or a member importing itself (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def module_edges(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def package_edges(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {p: set() for p in PACKAGES}
    for module, imported in module_edges(graph).items():
        source = module.split(".")[0]
        edges[source] |= {m.split(".")[0] for m in imported} - {source}
    return edges


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_package_imports_itself_round_a_cycle(graph):
    assert cycles(package_edges(graph)) == []


def test_no_module_imports_itself_round_a_cycle(graph):
    assert cycles(module_edges(graph)) == []


def test_only_the_ui_the_page_scripts_and_app_py_import_streamlit():
    allowed = {"ui", "app_pages", "app.py"}
    offenders = []
    for path in sorted(paths.REPO_ROOT.rglob("*.py")):
        relative = path.relative_to(paths.REPO_ROOT)
        top = relative.parts[0]
        if top.startswith(".") or top in {"tests", "bench"} | allowed:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            )
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(str(relative))
    assert offenders == []


CLOCK_READS = (  # the calls it looks for
    "date.today(",
    "datetime.now(",  # a deliberate mention (noqa: clock)
    "datetime.today(",
    "datetime.utcnow(",
    "time.time(",
    "current_date",
)
# The convenience views for people who open the database file themselves (force_coverage,
# funding_streams): their "today" is the day they query. The product never reads them.
VIEWS_FOR_ANALYSTS = {"CREATE VIEW force_coverage AS", "FROM funding_streams_at(current_date);"}


def test_product_code_reads_the_date_only_through_core_clock():
    """Tests set the product's clock (core/clock.py); a date read anywhere else would escape them."""
    offenders = []
    for path in sorted(paths.REPO_ROOT.rglob("*.py")) + sorted(paths.REPO_ROOT.glob("etl/sql/*.sql")):
        relative = path.relative_to(paths.REPO_ROOT)
        if relative.parts[0].startswith(".") or relative.parts[0] in {"tests", "bench", "dev"}:
            continue
        if relative == Path("core/clock.py"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("--", 1)[0] if path.suffix == ".sql" else line.split("#", 1)[0]
            if any(read in code for read in CLOCK_READS) and not any(v in code for v in VIEWS_FOR_ANALYSTS):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


def test_the_layers_contract_lists_every_package():
    config = tomllib.loads((paths.REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert set(config["root_packages"]) == set(PACKAGES)
    layered = {
        p.strip()
        for c in config["contracts"]
        if c["type"] == "layers"
        for layer in c["layers"]
        for p in layer.split("|")
    }
    assert layered == set(PACKAGES)
    on_disk = {p.parent.name for p in paths.REPO_ROOT.glob("*/__init__.py") if p.parent.name not in {"tests", "bench"}}
    assert on_disk == set(PACKAGES), "a new package must take its place in the layers"


# ---------------------------------------------------------------- docs/ARCHITECTURE.md, held true

ARCHITECTURE = paths.REPO_ROOT / "docs" / "ARCHITECTURE.md"
# The packages from the bottom layer up, as the document draws them (geo, etl and demand side by side).
BOTTOM_UP = ["core", "geo", "etl", "demand", "charts", "exports", "intake", "workflow", "returns", "ui"]


def documented_imports() -> dict[str, tuple[set[str], set[str]]]:
    """{package: (the packages it may import, the packages it never imports)} from the document's table."""
    rows = {}
    for line in ARCHITECTURE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        owners = [n for n in re.findall(r"`([\w./]+)`", cells[0]) if n in BOTTOM_UP]
        allowed_text, _, excluded_text = cells[1].partition("but not")
        excluded_text = excluded_text.split(":")[0]  # what follows a colon says why
        allowed = {n for n in re.findall(r"`([\w.]+)`", allowed_text) if n in BOTTOM_UP}
        for owner in owners:
            may = set(allowed)
            if "everything below" in cells[1]:  # below the lowest package named, or below the row's own
                floor = min(BOTTOM_UP.index(n) for n in allowed) if allowed else BOTTOM_UP.index(owner)
                may |= set(BOTTOM_UP[:floor])
            may -= {n for n in re.findall(r"`([\w.]+)`", excluded_text) if n in BOTTOM_UP}
            never = {n for n in re.findall(r"`([\w.]+)`", cells[2]) if n in BOTTOM_UP}
            if "each other" in cells[2]:
                never |= set(owners) - {owner}
            if "anything above" in cells[2]:
                never |= set(BOTTOM_UP[BOTTOM_UP.index(owner) + 1 :]) - set(owners)
            if "any other package" in cells[2]:
                never |= set(BOTTOM_UP) - {owner}
            rows[owner] = (may - {owner}, never)
    return rows


def test_the_documents_table_reads_as_it_is_meant():
    """The reading of the table, checked on rows whose meaning is plain."""
    table = documented_imports()
    assert set(table) == set(BOTTOM_UP)
    assert table["charts"] == ({"core", "geo"}, {"etl", "demand", "exports", "intake", "workflow", "returns", "ui"})
    assert table["core"][0] == set() and table["etl"][1] >= {"geo", "demand", "charts"}
    assert table["returns"][0] == {"core", "etl", "charts", "exports", "intake", "workflow"}
    assert table["ui"][0] == set(BOTTOM_UP) - {"ui"}


def test_every_package_imports_only_what_the_document_allows(graph):
    """Direct imports between the project's packages, against the table in docs/ARCHITECTURE.md."""
    edges = {p: set() for p in PACKAGES}
    for module, imported in module_edges(graph).items():
        source = module.split(".")[0]
        edges[source] |= {m.split(".")[0] for m in imported if m.split(".")[0] in PACKAGES} - {source}
    wrong = []
    for package, (may, never) in documented_imports().items():
        assert not may & never, f"{package}: the table both allows and forbids {may & never}"
        for imported in sorted(edges[package] - may):
            wrong.append(f"{package} imports {imported}, which the document does not allow")
    assert wrong == []


def test_core_imports_only_the_libraries_the_document_names():
    """core: the standard library, pandas, duckdb and filelock, nothing else outside the standard library."""
    named = {"pandas", "duckdb", "filelock"}
    found = set()
    for path in (paths.REPO_ROOT / "core").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    outside = {n for n in found if n not in sys.stdlib_module_names and n not in {"core", "__future__"}}
    assert outside == named


SQL = re.compile(r"\b(SELECT\b.+\bFROM|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE (TABLE|VIEW|MACRO|INDEX))")
DATABASE_LIBRARIES = {"duckdb", "sqlalchemy", "alembic"}
# Where the document says queries live (docs/ARCHITECTURE.md, "SQL"): the published database's in
# core/queries.py; the build's in etl/load.py and etl/pipeline.py; the workflow database's in workflow/.
QUERIES_LIVE = ("core/queries.py", "etl/load.py", "etl/pipeline.py", "workflow/")
# Modules that import a database library for its errors or types, and write no query.
ERRORS_ONLY = {"returns/__main__.py"}
# Pages that show people a query to run themselves, as text (the Data and methods page).
SHOWN_NOT_RUN = {"app_pages/data_methods.py"}


def test_queries_live_where_the_document_says():
    offenders = []
    for path in sorted(paths.REPO_ROOT.rglob("*.py")):
        relative = path.relative_to(paths.REPO_ROOT).as_posix()
        if relative.split("/")[0].startswith(".") or relative.split("/")[0] in {"tests", "bench", "dev"}:
            continue
        if relative.startswith(QUERIES_LIVE):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and relative not in ERRORS_ONLY:
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if any(n.split(".")[0] in DATABASE_LIBRARIES for n in names):
                    offenders.append(f"{relative}:{node.lineno}: imports a database library")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and relative not in SHOWN_NOT_RUN:
                if SQL.search(" ".join(node.value.split())):
                    offenders.append(f"{relative}:{node.lineno}: a query")
    assert offenders == []


def test_the_query_finder_finds_a_query():
    assert SQL.search("SELECT * FROM coverage_at(?)") and SQL.search("UPDATE submissions SET state = 'x'")
    assert not SQL.search("Select the force area from the list")


# The words etl/sql/views.sql may write, beyond the dimension and attribute names of
# data/attributes.csv and the names of the rules table: each is the data's own vocabulary.
VIEW_WORDS = {
    "8Q": "the Home Office offence code of stalking, in the recorded crime files",
    "financial year": "a period of recorded crime: the four quarters April to March",
    "four quarters": "a period of recorded crime: any other four quarters in a row",
    "year ending ": "the start of a period's label, 'year ending June 2024'",
    "%B %Y": "the month and year of that label",
    "national_timeline": "the evidence view's dimension for a national event (data/curated/timeline.csv)",
    "source:": "an edition's id for a source document (etl.normalise.edition_of_source)",
    ";": "the separator of a quote's record ids",
}


def test_the_views_write_no_rule():
    """A rule (a status, a threshold, the words 'not reported') in views.sql would be a second copy of
    core/rules.py: the views read those from the rules table."""
    from core import rules
    from etl import pipeline

    tables = pipeline.read_inputs(paths.DATA_DIR)
    names = {r["dimension"] for r in tables["attributes.csv"].rows} | {
        r["attribute"] for r in tables["attributes.csv"].rows
    }
    names |= {name for name, _, _ in rules.as_table()}
    sql = (paths.REPO_ROOT / "etl" / "sql" / "views.sql").read_text(encoding="utf-8")
    code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    written = set(re.findall(r"'([^']*)'", code))
    assert written - names - set(VIEW_WORDS) == set()
    assert rules.NOT_REPORTED not in written and "not_reported" in written
