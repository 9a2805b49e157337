"""The examples run (with --quick) and print what they claim.

Each example runs once as a script; for the checks on what it prints, it is
imported from its file and its ``main(["--quick"])`` called in-process, and
the output is compared with values computed here with numpy, independently of
stag.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest
from _examples import EXAMPLES, load_example


@pytest.fixture
def run_example(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., str]:
    """Run ``examples/<name>.py``'s main with --quick (and extra args); return its stdout."""

    def run(name: str, *args: str) -> str:
        main = load_example(name, monkeypatch).main
        assert main(["--quick", *args]) == 0
        return capsys.readouterr().out

    return run


def printed_tensor(out: str, label: str) -> npt.NDArray[np.float64]:
    """The values of the one-line tensor repr printed on the line after ``label``."""
    lines = out.splitlines()
    value_line = lines[lines.index(label) + 1]
    match = re.search(r"tensor\((.*), shape=", value_line)
    assert match, f"no one-line tensor after {label!r}: {value_line!r}"
    return np.array(ast.literal_eval(match.group(1)), dtype=np.float64)


def printed_number(out: str, prefix: str) -> float:
    """The number on the line that reads ``<prefix> <number>``."""
    match = re.search(rf"^{re.escape(prefix)} (\S+)$", out, re.MULTILINE)
    assert match, f"no line {prefix!r} <number> in the output"
    return float(match.group(1))


def np_softmax(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    probs: npt.NDArray[np.float64] = e / e.sum(axis=-1, keepdims=True)
    return probs


@pytest.mark.parametrize("name", ["tensor_ops", "scalar_autograd", "functional"])
def test_example_runs_as_a_script(name: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(EXAMPLES.parent)}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), "--quick"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout


# ----------------------------------------------------------------- tensor_ops


def test_tensor_ops_prints_every_section(run_example: Callable[..., str]) -> None:
    out = run_example("tensor_ops")
    for header in (
        "creation",
        "elementwise, broadcasting, matmul",
        "reductions",
        "movement",
        "row gather (embedding lookup)",
        "softmax and cross-entropy",
        "backward",
    ):
        assert f"== {header} ==" in out


def test_tensor_ops_values_match_numpy(run_example: Callable[..., str]) -> None:
    out = run_example("tensor_ops")
    m = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    labels = np.array([2, 0])
    probs = np_softmax(m)
    onehot = np.eye(3)[labels]
    expected = {
        "m.sum(axis=0)": m.sum(axis=0),
        "m.argmax(axis=-1)": m.argmax(axis=-1),
        "m.flatten()": m.reshape(-1),
        "F.softmax([1, 2, 3])": np_softmax(np.array([1.0, 2.0, 3.0])),
        "F.cross_entropy(m, labels=[2, 0])": -np.log(probs[[0, 1], labels]).mean(),
        "b.grad  (mean of softmax(m) - onehot(labels))": (probs - onehot).mean(axis=0),
    }
    for label, want in expected.items():
        np.testing.assert_allclose(printed_tensor(out, label), want, atol=1e-4, err_msg=label)


def test_tensor_ops_batched_matmul_keeps_the_prefix(run_example: Callable[..., str]) -> None:
    out = run_example("tensor_ops", "--seed", "3")
    lines = out.splitlines()
    assert lines[lines.index("(seq @ w).shape") + 1].strip() == "(7, 2, 3)"  # --quick: Batch 2


# ------------------------------------------------------------ scalar_autograd


def test_scalar_autograd_prints_42_42_444_both_ways(run_example: Callable[..., str]) -> None:
    lines = [line.strip() for line in run_example("scalar_autograd").splitlines()]
    assert "e = (a + b) * c = 18648.0" in lines
    for name, value in (("a", "42.0"), ("b", "42.0"), ("c", "444.0")):
        assert lines.count(f"d/d{name} = {value}") == 2  # stag.derivative, then backward()


def test_scalar_autograd_agrees_with_finite_differences(run_example: Callable[..., str]) -> None:
    out = run_example("scalar_autograd", "--seed", "1")
    rows = re.findall(r"dg/d([xy]) = (\S+)\s+finite difference (\S+)", out)
    assert [name for name, _, _ in rows] == ["x", "y"]
    for _, autograd, finite_difference in rows:
        assert float(autograd) == pytest.approx(float(finite_difference), abs=1e-6)


# ---------------------------------------------------------------- functional


def test_functional_loss_goes_down(run_example: Callable[..., str]) -> None:
    out = run_example("functional")
    first, last = printed_number(out, "first loss"), printed_number(out, "last loss")
    assert np.isfinite(last)
    assert last < 0.5 * first
