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
