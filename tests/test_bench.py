"""The benchmark suite: quick mode runs and reports every row (a smoke test, no timings);
the contenders of a row compute the same losses."""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench import _convnets
from bench._workloads import BUILDERS, QUICK, SkipRow
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
        timeout=300,
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


@pytest.mark.parametrize(
    "row", ["mlp_step", "large_step", "cnn_step", "mnist_cnn", "gpt_block", "poly_0d"]
)
def test_the_contenders_of_a_row_compute_the_same_losses(row: str, monkeypatch) -> None:
    monkeypatch.setattr(_convnets, "DROP1", 0.0)  # dropout's masks differ between libraries
    monkeypatch.setattr(_convnets, "DROP2", 0.0)
    losses = {}
    for name, build in BUILDERS[row].items():
        try:
            step, _units = build(QUICK)
        except SkipRow:  # PyTorch not installed
            continue
        losses[name] = [step() for _ in range(3)]
    reference = "numpy" if "numpy" in BUILDERS[row] else "torch"  # gpt_block: stag, torch
    if reference not in losses:
        pytest.skip("PyTorch is not installed")
    assert "stag" in losses
    for name, values in losses.items():
        np.testing.assert_allclose(values, losses[reference], rtol=1e-5, err_msg=name)
