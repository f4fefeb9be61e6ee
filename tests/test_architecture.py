"""The architecture of docs/ARCHITECTURE.md, enforced: layers, no import cycles, Streamlit only in the UI.

`lint-imports` (run by `make lint`) checks the layers declared in pyproject.toml;
these tests check what a layers contract cannot: that no package and no module
imports itself round a cycle, imports inside functions included.
"""

from __future__ import annotations

import ast
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
