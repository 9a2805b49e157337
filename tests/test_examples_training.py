"""The training examples run (with --quick) and print and save what they claim.

linear_regression needs only stag; sin_fit needs matplotlib; digits_mlp and
digits_cnn need the whole examples extra (matplotlib, scikit-learn, tqdm), and
their tests skip without it.  Each example is imported from its file and its
``main`` called in-process with ``--out`` a tmp_path; the fast ones also run
once as scripts.  The ``slow`` tests train the digits models in full and pin
the accuracies the examples promise.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import _examples
import numpy as np
import pytest
from _examples import EXAMPLES

import stag

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EXTRAS = {
    "linear_regression": (),
    "sin_fit": ("matplotlib",),
    "digits_mlp": ("matplotlib", "sklearn", "tqdm"),
    "digits_cnn": ("matplotlib", "sklearn", "tqdm"),
    "char_transformer": ("matplotlib", "tqdm"),
}


def out_args(name: str, out: Path) -> list[str]:
    """``--out <out>`` for the examples that write files (all but linear_regression)."""
    return [] if name == "linear_regression" else ["--out", str(out)]


def needs_extras(name: str) -> None:
    """Skip the test unless the packages ``examples/<name>.py`` imports are installed."""
    for package in EXTRAS[name]:
        pytest.importorskip(package, reason=f"{name} needs the examples extra ({package})")


def load_example(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import ``examples/<name>.py`` for this test, skipping it without the extras it needs."""
    needs_extras(name)
    return _examples.load_example(name, monkeypatch)


@pytest.fixture
def run_example(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[..., str]:
    """Run ``examples/<name>.py``'s main with ``--out tmp_path`` and ``args``; return stdout."""

    def run(name: str, *args: str) -> str:
        main = load_example(name, monkeypatch).main
        assert main([*out_args(name, tmp_path), *args]) == 0
        return capsys.readouterr().out

    return run


def printed_number(out: str, prefix: str) -> float:
    """The number (a trailing % dropped) after ``prefix`` on the line that starts with it."""
    match = re.search(rf"^{re.escape(prefix)} (-?[\d.]+)%?", out, re.MULTILINE)
    assert match, f"no line {prefix!r} <number> in the output:\n{out}"
    return float(match.group(1))


def assert_png(path: Path) -> None:
    assert path.is_file(), f"{path} was not written"
    assert path.read_bytes()[:8] == PNG_MAGIC, f"{path} is not a PNG"


@pytest.mark.parametrize("name", ["linear_regression", "sin_fit", "digits_mlp"])
def test_example_runs_as_a_script(name: str, tmp_path: Path) -> None:
    needs_extras(name)
    env = {**os.environ, "PYTHONPATH": str(EXAMPLES.parent)}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), "--quick", *out_args(name, tmp_path)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout


# ---------------------------------------------------------- linear_regression


def test_linear_regression_learns_weight_3_and_bias_2(run_example: Callable[..., str]) -> None:
    out = run_example("linear_regression", "--quick")
    assert printed_number(out, "learned weight") == pytest.approx(3.0, abs=0.1)
    assert printed_number(out, "learned bias") == pytest.approx(2.0, abs=0.1)


def test_no_shapecheck_turns_checking_off_only_for_the_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    example = load_example("linear_regression", monkeypatch)
    seen: list[bool] = []
    real_loss_fn = example.loss_fn
    monkeypatch.setattr(
        example, "loss_fn", lambda *a: seen.append(stag.checking_enabled()) or real_loss_fn(*a)
    )
    assert example.main(["--quick", "--epochs", "1", "--no-shapecheck"]) == 0
    assert seen and not any(seen)
    assert stag.checking_enabled()  # restored afterwards
    assert "learned weight" in capsys.readouterr().out


def test_linear_regression_loss_is_shape_checked_at_run_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    example = load_example("linear_regression", monkeypatch)
    model = stag.nn.Linear(1, 1)
    x: stag.Tensor[int, int] = stag.zeros(4, 1)
    y: stag.Tensor[int, int] = stag.zeros(5, 1)  # another batch size: N cannot be both
    with pytest.raises(stag.ShapeError, match="loss_fn"):
        example.loss_fn(model, x, y)


# -------------------------------------------------------------------- sin_fit


def test_sin_fit_converges_and_saves_a_png(run_example: Callable[..., str], tmp_path: Path) -> None:
    out = run_example("sin_fit", "--quick")
    first, last = printed_number(out, "first loss"), printed_number(out, "last loss")
    assert last < 0.01 * first
    assert f"saved {tmp_path / 'sin_fit.png'}" in out
    assert_png(tmp_path / "sin_fit.png")


# ------------------------------------------------------------ digits examples


def check_digits_run(out: str, tmp_path: Path, name: str, epochs: int) -> float:
    """The common promises of the two digits examples; returns the test accuracy in %."""
    assert re.search(r"^digits: 1437 training and 360 test images$", out, re.MULTILINE)
    epoch_lines = re.findall(
        rf"^epoch +\d+/{epochs}  loss [\d.]+  train accuracy +[\d.]+%  test accuracy +[\d.]+%$",
        out,
        re.MULTILINE,
    )
    assert len(epoch_lines) == epochs, out
    accuracy = printed_number(out, "test accuracy")
    assert printed_number(out, "reloaded test accuracy") == accuracy
    assert (tmp_path / f"{name}.npz").is_file()
    assert f"saved checkpoint {tmp_path / f'{name}.npz'}" in out
    assert_png(tmp_path / f"{name}.png")
    return accuracy


def test_digits_mlp_quick_run_trains_saves_and_reloads(
    run_example: Callable[..., str], tmp_path: Path
) -> None:
    out = run_example("digits_mlp", "--quick")
    assert check_digits_run(out, tmp_path, "digits_mlp", epochs=3) > 85.0


def test_digits_cnn_quick_run_trains_saves_and_reloads(
    run_example: Callable[..., str], tmp_path: Path
) -> None:
    out = run_example("digits_cnn", "--quick")
    assert check_digits_run(out, tmp_path, "digits_cnn", epochs=2) > 80.0


@pytest.mark.parametrize("name", ["digits_mlp", "digits_cnn"])
def test_digits_compiled_run_prints_the_eager_runs_figures(
    run_example: Callable[..., str], name: str
) -> None:
    eager = run_example(name, "--quick", "--epochs", "1")
    compiled = run_example(name, "--quick", "--epochs", "1", "--compile")
    for prefix in ("test accuracy", "reloaded test accuracy"):
        assert printed_number(compiled, prefix) == printed_number(eager, prefix)
    assert eager.split("epoch")[1].splitlines()[0] == compiled.split("epoch")[1].splitlines()[0]


def test_digits_checkpoint_loads_into_a_fresh_model(
    run_example: Callable[..., str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_example("digits_mlp", "--quick", "--epochs", "1")
    example = load_example("digits_mlp", monkeypatch)
    data = example.load_data(0)
    first, second = example.MLP(stag.Generator(1)), example.MLP(stag.Generator(2))
    stag.load(first, tmp_path / "digits_mlp.npz")
    stag.load(second, tmp_path / "digits_mlp.npz")
    np.testing.assert_array_equal(
        example.predict(first, data.x_test), example.predict(second, data.x_test)
    )


@pytest.mark.parametrize(("name", "model", "bad_shape"), [
    ("digits_mlp", "MLP", (4, 63)),
    ("digits_cnn", "CNN", (4, 1, 8, 7)),
])  # fmt: skip
def test_digits_models_are_shape_checked_at_run_time(
    name: str, model: str, bad_shape: tuple[int, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    example = load_example(name, monkeypatch)
    net = getattr(example, model)(stag.Generator(0))
    with pytest.raises(stag.ShapeError, match="__call__"):
        net(stag.zeros(*bad_shape))
    logits = stag.zeros(4, 10)
    with pytest.raises(stag.ShapeError, match="loss_fn"):
        example.loss_fn(logits, stag.tensor(np.zeros(5, dtype=np.int64)))


# ------------------------------------------------------- full runs (slow)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "threshold"), [("digits_mlp", 97.0), ("digits_cnn", 98.0)])
def test_digits_full_run_reaches_its_accuracy(
    name: str, threshold: float, run_example: Callable[..., str], tmp_path: Path
) -> None:
    start = time.perf_counter()
    out = run_example(name)
    seconds = time.perf_counter() - start
    accuracy = check_digits_run(out, tmp_path, name, epochs=printed_epochs(out))
    print(f"{name}: test accuracy {accuracy:.2f}% in {seconds:.1f} s")
    assert accuracy >= threshold


def printed_epochs(out: str) -> int:
    match = re.search(r"^epoch +1/(\d+)", out, re.MULTILINE)
    assert match, out
    return int(match.group(1))


# ------------------------------------------------------------ char_transformer


def check_transformer_run(out: str, tmp_path: Path, epochs: int) -> float:
    """What char_transformer promises; returns the final held-out loss."""
    assert re.search(
        r"^shakespeare: 220,664 training and 24,519 held-out characters, 73 distinct$",
        out,
        re.MULTILINE,
    )
    epoch_lines = re.findall(
        rf"^epoch +\d+/{epochs}  train loss [\d.]+  held-out loss [\d.]+$", out, re.MULTILINE
    )
    assert len(epoch_lines) == epochs, out
    loss = printed_number(out, "held-out loss")
    assert printed_number(out, "reloaded held-out loss") == pytest.approx(loss, abs=1e-4)
    assert f"saved checkpoint {tmp_path / 'char_transformer.npz'}" in out
    assert_png(tmp_path / "char_transformer.png")
    sample = out.split("sample:\n", 1)[1]
    assert len(sample.rstrip("\n")) >= 290  # 300 characters, some of them newlines
    return loss


def test_char_transformer_quick_run_trains_samples_saves_and_reloads(
    run_example: Callable[..., str], tmp_path: Path
) -> None:
    out = run_example("char_transformer", "--quick")
    assert check_transformer_run(out, tmp_path, epochs=1) < 4.3  # uniform over 73: 4.29


def test_char_transformer_is_shape_checked_at_run_time(monkeypatch: pytest.MonkeyPatch) -> None:
    example = load_example("char_transformer", monkeypatch)
    model = example.CharTransformer(example.Vocab(73), stag.Generator(0))
    too_long = stag.tensor(np.zeros((2, 65), dtype=np.int64))
    with pytest.raises(stag.ShapeError, match=r"CharTransformer.__call__\(\): parameter ids"):
        model(too_long)


@pytest.mark.slow
def test_char_transformer_full_run_reaches_2_nats(
    run_example: Callable[..., str], tmp_path: Path
) -> None:
    start = time.perf_counter()
    out = run_example("char_transformer")
    minutes = (time.perf_counter() - start) / 60
    loss = check_transformer_run(out, tmp_path, epochs=printed_epochs(out))
    print(f"char_transformer: held-out loss {loss:.4f} nats per character in {minutes:.1f} min")
    assert loss <= 2.0
