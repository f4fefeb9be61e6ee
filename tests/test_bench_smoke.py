"""The benchmark runner works: a quick ETL run exits 0 and writes its table.

Nothing here is timed or compared with a target: benchmarks measure, tests check.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from core import paths

# Each runs a benchmark's quick pass in its own process: make test runs them, make test-fast does not.
pytestmark = pytest.mark.slow


def test_quick_etl_benchmark_runs(tmp_path):
    out = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--only", "etl", "--out", str(out)],
        cwd=paths.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "synthetic 100x" in out.read_text(encoding="utf-8")


@pytest.mark.replicas
@pytest.mark.browser
def test_quick_capacity_benchmark_runs(tmp_path):
    """The capacity steps (one process, then replicas behind HAProxy when it is installed) run end to end."""
    out = tmp_path / "capacity.md"
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--only", "capacity", "--out", str(out)],
        cwd=paths.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = out.read_text(encoding="utf-8")
    assert "**one process, one core**" in report and "One process on one core holds" in report
    if shutil.which("haproxy"):
        assert "**two processes behind HAProxy, 2 cores**" in report
        assert re.search(r"\| r1:\d+ r2:\d+ \|", report), "no session reached both replicas"


def test_quick_demand_benchmark_runs(tmp_path):
    out = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--only", "demand", "--out", str(out)],
        cwd=paths.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    assert "Demand import: a full-size police force area table" in text and "| ODS |" in text


def test_quick_returns_benchmark_runs(tmp_path):
    """A round of 43 opened, five offices through submit and accept, the workbooks and the report."""
    out = tmp_path / "results.md"
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--only", "returns", "--out", str(out)],
        cwd=paths.REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = out.read_text(encoding="utf-8")
    assert "### Returns: a round of 43" in report and "| accept to published | 5 |" in report


def test_a_returns_run_replaces_only_its_own_section_and_a_full_run_keeps_it():
    sys.path.insert(0, str(paths.REPO_ROOT))
    from bench import run
    from bench.common import Section

    old = (paths.REPO_ROOT / "bench" / "results.md").read_text(encoding="utf-8")
    fresh = Section("Returns: a round of 43", "| step |\n|---|\n| new |", [], [("Returns: new target", True, "1 s")])
    merged = run.merge(old, [fresh], fresh.targets, "- Run: today, commit x, `python bench/run.py --only returns`")
    assert "| new |" in merged and "| Returns: new target | yes | 1 s |" in merged
    assert merged.count("### ") == old.count("### ") and "### ETL build" in merged
    full = (
        "# Benchmarks\n\n## Targets\n\n| target | met | measured |\n|---|---|---|\n\n## Results\n\n### ETL build\n\nx\n"
    )
    kept = run.merge(full, run.kept_sections(merged, {"ETL build"}), run.kept_targets(merged), None)
    assert "| new |" in kept and "### Returns: before and after (issue 24)" in kept
