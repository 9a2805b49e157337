"""stag.compile: a captured step replays to the eager values; guards, cache, refusals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, NewType

import numpy as np
import numpy.typing as npt
import pytest
from _examples import load_example

import stag
from stag import Tensor, nn
from stag.nn import functional as F
from stag.optim import SGD, Adam, Optimizer
from stag.optim.lr_scheduler import LambdaLR

Batch = NewType("Batch", int)
Step = Callable[..., Tensor[()]]


def _step(opt: Optimizer[Any], x: Tensor[Any, Any], y: Tensor[Any]) -> Tensor[()]:
    opt.zero_grad()
    loss = F.cross_entropy(opt.module(x), y)
    loss.backward()
    opt.step()
    return loss


def _batches(shape: tuple[int, ...], classes: int, dtype: Any, n: int) -> list[tuple[Any, Any]]:
    rng = np.random.default_rng(1)
    return [
        (
            stag.tensor(rng.standard_normal(shape).astype(dtype)),
            stag.tensor(rng.integers(0, classes, shape[0])),
        )
        for _ in range(n)
    ]


def _train_both(
    make: Callable[[], Optimizer[Any]], batches: list[tuple[Any, Any]], step: Step = _step
) -> tuple[Optimizer[Any], Optimizer[Any], stag.Compiled[Any, Tensor[()]]]:
    eager, compiled_opt = make(), make()
    compiled = stag.compile(step)
    for x, y in batches:
        expected = step(eager, x, y)
        got = compiled(compiled_opt, x, y)
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)
    return eager, compiled_opt, compiled


def _assert_same_parameters(a: Optimizer[Any], b: Optimizer[Any], rtol: float = 1e-6) -> None:
    pa, pb = a.module.parameters(), b.module.parameters()
    assert len(pa) == len(pb) > 0
    for p, q in zip(pa, pb, strict=True):
        np.testing.assert_allclose(q.numpy(), p.numpy(), rtol=rtol, atol=1e-7)
        assert p.grad is not None and q.grad is not None
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=rtol, atol=1e-7)


def _mlp(dtype: Any) -> Callable[[], Optimizer[Any]]:
    def make() -> Optimizer[Any]:
        g = stag.Generator(0)
        model = nn.Sequential(
            nn.Linear(20, 32, generator=g, dtype=dtype),
            nn.Tanh(),
            nn.Linear(32, 32, generator=g, dtype=dtype),
            nn.ReLU(),
            nn.Linear(32, 5, generator=g, dtype=dtype),
        )
        return Adam(model, lr=1e-2, weight_decay=1e-3)

    return make


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_mlp_matches_eager_after_100_steps(dtype: Any) -> None:
    eager, compiled_opt, compiled = _train_both(_mlp(dtype), _batches((16, 20), 5, dtype, 100))
    _assert_same_parameters(eager, compiled_opt)
    assert compiled.captures == 1
    moved = eager.module.parameters()[0].numpy() - _mlp(dtype)().module.parameters()[0].numpy()
    assert np.abs(moved).max() > 1e-3  # the steps did move the weights


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_cnn_matches_eager_after_100_steps(dtype: Any) -> None:
    def make() -> Optimizer[Any]:
        g = stag.Generator(2)
        model = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1, generator=g, dtype=dtype),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(64, 10, generator=g, dtype=dtype),
        )
        return SGD(model, lr=0.05, momentum=0.9)

    eager, compiled_opt, _ = _train_both(make, _batches((8, 1, 8, 8), 10, dtype, 100))
    _assert_same_parameters(eager, compiled_opt)


def test_example_models_match_eager(monkeypatch: pytest.MonkeyPatch) -> None:
    mlp = load_example("digits_mlp", monkeypatch)
    cnn = load_example("digits_cnn", monkeypatch)
    for module, shape in ((mlp, (32, 64)), (cnn, (32, 1, 8, 8))):
        model_class = module.MLP if module is mlp else module.CNN

        def make(model_class: Any = model_class) -> Optimizer[Any]:
            return Adam(model_class(stag.Generator(0)), lr=2e-3)

        eager, compiled_opt, _ = _train_both(make, _batches(shape, 10, np.float32, 100))
        _assert_same_parameters(eager, compiled_opt)


@pytest.mark.parametrize("steps", [20, pytest.param(100, marks=pytest.mark.slow)])
def test_example_transformer_with_schedule_matches_eager(
    monkeypatch: pytest.MonkeyPatch, steps: int
) -> None:
    ct = load_example("char_transformer", monkeypatch)
    vocab = ct.Vocab(40)
    rng = np.random.default_rng(3)
    rows = [stag.tensor(rng.integers(0, 40, (4, int(ct.WINDOW)))) for _ in range(steps)]

    def make() -> tuple[Any, Any, Any]:
        model = ct.CharTransformer(vocab, stag.Generator(0))
        opt = ct.make_optimizer(model, 3e-3)
        return model, opt, LambdaLR(opt, ct.schedule(steps))

    def step(parts: tuple[Any, Any, Any], window: Tensor[Any, Any]) -> Tensor[()]:
        model, opt, sched = parts
        inputs, targets = ct.split_window(window)
        opt.zero_grad()
        loss: Tensor[()] = ct.loss_fn(model(inputs), targets)
        loss.backward()
        opt.step()
        sched.step()  # the warm-up changes the rate each step: read anew on each replay
        return loss

    eager, compiled = make(), make()
    run = stag.compile(step)
    for window in rows:
        expected = step(eager, window)
        np.testing.assert_allclose(run(compiled, window).numpy(), expected.numpy(), rtol=1e-6)
    assert run.captures == 1
    assert compiled[1].param_groups[0]["lr"] == eager[1].param_groups[0]["lr"]
    for p, q in zip(eager[0].parameters(), compiled[0].parameters(), strict=True):
        np.testing.assert_allclose(q.numpy(), p.numpy(), rtol=1e-6, atol=1e-7)


def test_learning_rate_is_read_on_each_replay() -> None:
    make = _mlp(np.float64)
    eager, compiled_opt = make(), make()
    compiled = stag.compile(_step)
    for i, (x, y) in enumerate(_batches((16, 20), 5, np.float64, 6)):
        eager.lr = compiled_opt.lr = 0.1 / (i + 1)  # a schedule outside the step
        _step(eager, x, y)
        compiled(compiled_opt, x, y)
    _assert_same_parameters(eager, compiled_opt)
    assert compiled.captures == 1


def test_a_new_shape_dtype_flag_or_constant_captures_again() -> None:
    x = stag.tensor(np.ones((3, 4), np.float32), requires_grad=True)

    def f(t: Tensor[Any, Any], scale: float) -> Tensor[()]:
        return (t * scale).sum()

    run = stag.compile(f)
    assert run(x, 2.0).item() == 24.0
    assert run(x, 2.0).item() == 24.0
    assert run.captures == 1
    assert run(x, 3.0).item() == 36.0  # a Python constant is part of the guard
    assert run(stag.tensor(np.ones((2, 4), np.float32)), 2.0).item() == 16.0
    assert run(stag.tensor(np.ones((3, 4), np.float64)), 2.0).item() == 24.0
    assert run.captures == 4
    assert run(stag.tensor(np.ones((3, 4), np.float32)), 2.0).item() == 24.0  # requires_grad
    with stag.no_grad():
        assert run(x, 2.0).item() == 24.0  # grad mode
    assert run.captures == 6
    assert (
        run(stag.tensor(np.full((3, 4), 0.5, np.float32), requires_grad=True), 2.0).item() == 12.0
    )
    assert run.captures == 6  # new values, same guard: a replay reads them


def test_the_cache_keeps_the_most_recent_recordings() -> None:
    run = stag.compile(lambda t: (t * t).sum(), cache_size=2)
    sizes = [2, 3, 4, 2, 3, 4, 4]
    for n in sizes:
        assert run(stag.tensor(np.ones(n, np.float32))).item() == n
    # 2, 3, 4 captured; 2 again had been evicted (cache of 2); likewise 3 and 4; then 4 replays
    assert run.captures == 6
    assert len(run._cache) == 2


def test_a_frozen_parameter_captures_again() -> None:
    make = _mlp(np.float64)
    opt = make()
    run = stag.compile(_step)
    batches = _batches((16, 20), 5, np.float64, 3)
    run(opt, *batches[0])
    first = opt.module.parameters()[0]
    first.requires_grad_(False)
    first.grad = None
    before = first.numpy().copy()
    run(opt, *batches[1])
    assert run.captures == 2
    np.testing.assert_array_equal(first.numpy(), before)


def test_gradients_accumulate_across_replays_without_zero_grad() -> None:
    w = stag.tensor(np.array([1.0, 2.0]), requires_grad=True)

    def f(x: Tensor[Any]) -> Tensor[()]:
        loss = (w * x).sum()
        loss.backward()
        return loss

    run = stag.compile(f)
    x = stag.tensor(np.array([3.0, 4.0]))
    for _ in range(3):
        run(x)
    assert w.grad is not None
    np.testing.assert_array_equal(w.grad.numpy(), [9.0, 12.0])
    assert run.captures == 2  # no .grad at the first call, one after: two recordings


def test_repeated_work_is_computed_once_and_unused_work_dropped() -> None:
    def f(x: Tensor[Any], y: Tensor[Any]) -> Tensor[Any]:
        unused = (x - y).exp()  # noqa: F841
        return x * y + x * y

    run = stag.compile(f)
    x, y = stag.tensor(np.arange(4.0)), stag.tensor(np.ones(4))
    run(x, y)
    np.testing.assert_array_equal(run(x, y * 3).numpy(), np.arange(4.0) * 6)
    body = run.program().splitlines()[1:]
    calls = [line.split("(", 1)[1] for line in body if "= f" in line]
    assert len(calls) == 2  # one multiply, one add: the subtraction and exp are dropped
    first, second = calls[1].rstrip(")").split(", ")[:2]
    assert first == second  # the add reads the one product twice


def test_elementwise_intermediates_reuse_their_buffers() -> None:
    w = stag.tensor(np.ones(8, np.float32), requires_grad=True)

    def f(x: Tensor[Any]) -> Tensor[()]:
        loss = ((x * w + 1.0) * 2.0).sum()
        loss.backward()
        return loss

    run = stag.compile(f)
    for k in range(3):
        x = stag.tensor(np.full(8, float(k), np.float32))
        assert run(x).item() == 16.0 * (k + 1)
        assert w.grad is not None
        np.testing.assert_array_equal(w.grad.numpy(), np.full(8, 2.0 * k))
        w.grad = None
    assert "out=b" in run.program()


def _capture_error(fn: Callable[..., object], *args: object) -> str:
    with pytest.raises(stag.CaptureError) as info:
        stag.compile(fn)(*args)
    return str(info.value)


def test_data_dependent_python_is_refused_at_the_users_line() -> None:
    x = stag.tensor(np.ones(3, np.float32))

    def branch(t: Tensor[Any]) -> Tensor[Any]:
        if t.sum().item() > 0:  # the line the message names
            return t * 2
        return t

    message = _capture_error(branch, x)
    assert "Tensor.item" in message and f"{__file__}:" in message
    line = int(message.split(f"{__file__}:")[1].split(")")[0])
    source = Path(__file__).read_text().splitlines()
    assert "the line the message names" in source[line - 1]
    assert "Tensor.__bool__" in _capture_error(lambda t: t * 2 if t.sum() > 0 else t, x)
    assert "Tensor.numpy" in _capture_error(lambda t: t.numpy(), x)
    assert "random draw" in _capture_error(lambda t: t + stag.randn(3), x)
    assert "random draw" in _capture_error(lambda t: F.dropout(t, 0.5), x)
    assert "zero_" in _capture_error(lambda t: stag.zeros(3).zero_(), x)
    assert "Tensor.__int__" in _capture_error(lambda t: t * int(t.sum()), x)
    assert "Tensor.__format__" in _capture_error(lambda t: t * len(f"{t.sum():.1f}"), x)
    assert "Tensor.__index__" in _capture_error(lambda t: [t, t * 2][stag.tensor(1)], x)
    # the hooks are gone after a refusal: eager work reads values again, and a method
    # Tensor inherits (numpy, item: Values') is its base's again, not a copy on Tensor
    assert (x * 2).sum().item() == 6.0
    assert "numpy" not in vars(Tensor) and "item" not in vars(Tensor)


def test_an_error_inside_the_function_says_it_was_captured() -> None:
    def bad(t: Tensor[Any]) -> Tensor[Any]:
        return t @ stag.ones(5, 2)

    with pytest.raises(stag.ShapeError) as info:
        stag.compile(bad)(stag.ones(3, 4))
    assert any("stag.compile captured" in note for note in info.value.__notes__)


L4 = Literal[4]


def test_shapecheck_checks_a_compiled_functions_inputs_and_outputs() -> None:
    def f(x: Tensor[Batch, L4], y: Tensor[Batch, L4]) -> Tensor[Batch, L4]:
        return x * y

    for wrapped in (stag.shapecheck(stag.compile(f)), stag.compile(stag.shapecheck(f))):
        ok = stag.ones(3, 4)
        np.testing.assert_array_equal(wrapped(ok, ok).numpy(), np.ones((3, 4)))
        np.testing.assert_array_equal(wrapped(ok, ok).numpy(), np.ones((3, 4)))  # a replay
        with pytest.raises(Exception, match="Batch|shape|4"):
            wrapped(ok, stag.ones(2, 4))


def test_results_keep_their_structure() -> None:
    def f(x: Tensor[Any]) -> dict[str, object]:
        return {"double": x * 2, "pair": (x + 1, 7), "none": None}

    run = stag.compile(f)
    x = stag.tensor(np.arange(3.0))
    run(x)
    out = run(x)
    assert set(out) == {"double", "pair", "none"} and out["none"] is None
    double, pair = out["double"], out["pair"]
    assert isinstance(double, Tensor) and isinstance(pair, tuple)
    np.testing.assert_array_equal(double.numpy(), [0.0, 2.0, 4.0])
    assert pair[1] == 7


def _float_array(values: list[float]) -> npt.NDArray[np.float64]:
    return np.asarray(values, np.float64)


def test_numpy_array_arguments_are_inputs() -> None:
    run = stag.compile(lambda a: (stag.tensor(a) * 2).sum())
    assert run(_float_array([1.0, 2.0])).item() == 6.0
    assert run(_float_array([3.0, 4.0])).item() == 14.0


def test_a_manual_update_that_clears_the_gradients_matches_eager() -> None:
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal((20, 32)), np.zeros(32), rng.standard_normal((32, 5))]

    def make() -> list[Tensor[Any, Any]]:
        return [stag.tensor(a.astype(np.float32), requires_grad=True) for a in arrays]

    def step(params: list[Tensor[Any, Any]], x: Tensor[Any, Any], y: Tensor[Any]) -> Tensor[()]:
        w1, b1, w2 = params
        loss = F.cross_entropy((x @ w1 + b1).relu() @ w2, y)
        loss.backward()
        with stag.no_grad():
            for p in params:
                assert p.grad is not None
                p.sub_(p.grad * 0.1)
                p.grad = None  # the gradients stay inside the program: buffers of their own
        return loss

    eager, compiled = make(), make()
    run = stag.compile(step)
    for x, y in _batches((16, 20), 5, np.float32, 20):
        expected = step(eager, x, y)
        np.testing.assert_allclose(run(compiled, x, y).numpy(), expected.numpy(), rtol=1e-6)
    for p, q in zip(eager, compiled, strict=True):
        np.testing.assert_allclose(q.numpy(), p.numpy(), rtol=1e-6, atol=1e-7)
        assert q.grad is None
    program = run.program()
    assert program.count("out=b") >= 6  # matmuls, bias add, relu, their VJPs, the scaled grads


def test_other_threads_run_eagerly_while_a_step_is_captured() -> None:
    import threading

    seen: list[float] = []

    def elsewhere() -> None:  # reads values and draws numbers: allowed outside the capture
        seen.append((stag.ones(3) * 2).sum().item() + float(stag.randn(2).sum() * 0))

    def f(t: Tensor[Any]) -> Tensor[Any]:
        worker = threading.Thread(target=elsewhere)
        worker.start()
        worker.join()
        return t * 3

    run = stag.compile(f)
    run(stag.ones(2))
    np.testing.assert_array_equal(run(stag.full((2,), 2.0)).numpy(), [6.0, 6.0])
    assert seen == [6.0]
