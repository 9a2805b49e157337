"""The benchmark suite's quick mode runs and reports every row (a smoke test, no timings)."""

import json
import math
import subprocess
import sys
from pathlib import Path

from bench.run import ROWS

ROOT = Path(__file__).resolve().parent.parent


def _is_figure_or_skip(value: object) -> bool:
    if isinstance(value, dict) and "skipped" in value:
        return isinstance(value["skipped"], str) and bool(value["skipped"])
    return isinstance(value, float) and math.isfinite(value) and value > 0


def test_quick_bench_emits_every_row(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out)],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text())["rows"]
    assert list(rows) == [row.name for row in ROWS]
    for row in ROWS:
        result = rows[row.name]
        assert set(result["contenders"]) == set(row.contenders), row.name
        for name, figure in result["contenders"].items():
            value = figure if "skipped" in figure else figure["median"]
            assert _is_figure_or_skip(value), (row.name, name, figure)
        assert set(result["ratios"]) == {f"{a}/{b}" for a, b in row.ratios}, row.name
        for label, ratio in result["ratios"].items():
            assert _is_figure_or_skip(ratio), (row.name, label, ratio)
    assert "mlp_step" in done.stdout  # the table was printed
