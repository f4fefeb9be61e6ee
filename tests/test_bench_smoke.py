"""The benchmark runner works: a quick ETL run exits 0 and writes its table.

Nothing here is timed or compared with a target: benchmarks measure, tests check.
"""

from __future__ import annotations

import subprocess
import sys

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
