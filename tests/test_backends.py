"""Backends: the same ops, gradients and training on PyTorch tensors and on
``array_api_strict`` arrays (the array API standard's conformance library), and the
errors when libraries or devices meet.

Every gradcheck case of ``test_primitive_registry`` runs again inside
``stag.default_backend(...)``: each primitive with a portable twin must give
finite-difference-exact gradients there, computed on that library (the test counts the
foreign path's calls), and each one without a twin must refuse with a ``BackendError``
naming it.  ``array_api_strict`` has only the standard's functions and type promotion,
so a twin that used anything else fails here.
"""

from __future__ import annotations

import contextlib
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar
from unittest import mock

import numpy as np
import pytest
from _gradcheck import FAST, check_grads
from hypothesis import given
from hypothesis import strategies as st
from test_primitive_registry import GRADCHECK_CASES, INNER_PRIMITIVE

import stag
import stag.nn.functional as F
from stag import BackendError, _apply, nn
from stag._ops import PRIMITIVES
from stag.optim import SGD, Adam

N = TypeVar("N")
torch = pytest.importorskip("torch")
pytest.importorskip("array_api_strict")

BACKENDS = ["torch", "array_api_strict"]
PORTABLE = sorted(name for name in GRADCHECK_CASES if PRIMITIVES[name].portable is not None)
NUMPY_ONLY = sorted(name for name in GRADCHECK_CASES if PRIMITIVES[name].portable is None)
# what the standard lacks, array_api_strict lacks: erf (PyTorch's own stands in there),
# and the scatter-add of a gather's gradient (PyTorch's index_add_)
STRICT_REFUSES = {
    "erf": "erf: the array_api_strict backend has no erf",
    "gelu": "erf: the array_api_strict backend has no erf",
    "take": "needs a scatter-add, which the array_api_strict backend lacks",
    "take_along_axis": "needs a scatter-add, which the array_api_strict backend lacks",
    "einsum": "einsum: the array_api_strict backend has no einsum",
}


@contextlib.contextmanager
def foreign_ops() -> Iterator[set[str]]:
    """The names of the primitives that run on the foreign path inside the block."""
    names: set[str] = set()
    real = _apply.apply_foreign

    def counting(prim, args, datas, kwargs):  # type: ignore[no-untyped-def]
        names.add(prim.name)
        return real(prim, args, datas, kwargs)

    with mock.patch.object(_apply, "apply_foreign", counting):
        yield names


def test_the_portable_and_numpy_only_primitives_are_the_ones_documented() -> None:
    assert NUMPY_ONLY == []


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", PORTABLE)
@FAST
@given(data=st.data())
def test_gradcheck_on_another_backend(backend: str, name: str, data: st.DataObject) -> None:
    fn, arrays = GRADCHECK_CASES[name](data)
    with stag.default_backend(backend), foreign_ops() as ran:
        if backend == "array_api_strict" and name in STRICT_REFUSES:
            with pytest.raises(BackendError, match=STRICT_REFUSES[name]):
                check_grads(fn, *arrays, rtol=1e-4)
            return
        if name == "astype":  # the case casts through np.longdouble: neither library has it
            with pytest.raises(stag.DTypeError, match=r"astype: the \w+ backend has no float128"):
                check_grads(fn, *arrays, rtol=1e-4)
            return
        out = check_grads(fn, *arrays, rtol=1e-4)
    assert out.backend == backend
    assert name in ran
    if name not in INNER_PRIMITIVE:
        assert out.grad_fn is not None and out.grad_fn.name == name


def test_a_primitive_without_a_twin_refuses_another_backend_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(PRIMITIVES["exp"], "portable", None)  # as a new op without a twin
    with stag.default_backend("torch"):
        x = stag.ones(3)
        with pytest.raises(BackendError, match=r"exp: computes on numpy only for now, not on "
                           r"the torch backend; move its inputs with .to\('numpy'\)"):  # fmt: skip
            x.exp()


@pytest.mark.parametrize("backend", BACKENDS)
def test_values_match_numpy_on_every_backend(backend: str) -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4)).astype(np.float32)
    b = rng.standard_normal((4, 2)).astype(np.float32)
    ids = np.array([0, 3, 1])

    def compute() -> list[np.ndarray]:
        x, y = stag.tensor(a), stag.tensor(b)
        outs = [
            x @ y, (x * 2 - 1).exp(), x.sum(axis=0), x.mean(), x.max(axis=-1), F.softmax(x),
            F.log_softmax(x), F.cross_entropy(x, stag.tensor(ids)), x.argmax(axis=-1),
            x > 0, stag.where(x > 0, x, 0.0), x.permute(1, 0), x[1:, ::2], x.reshape(2, 6),
            F.relu(x), x.sigmoid(), stag.maximum(x, 0.5 * x), x.clip(-0.5, 0.5), x.cumsum(1),
            x.astype(np.float64), (x * 10).astype(np.int32),
        ]  # fmt: skip
        return [o.numpy() for o in outs]

    expected = compute()
    with stag.default_backend(backend):
        got = compute()
    for e, g in zip(expected, got, strict=True):
        assert g.dtype == e.dtype
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-6)


def _train(backend: str, steps: int = 10) -> tuple[float, list[np.ndarray]]:
    with stag.default_backend(backend):
        gen = stag.Generator(0)
        model = nn.Linear(6, 16, generator=gen) >> nn.Tanh() >> nn.Linear(16, 3, generator=gen)
        opt = Adam(model, lr=0.05)
        x = stag.tensor(np.random.default_rng(1).standard_normal((32, 6)).astype(np.float32))
        y = stag.tensor(np.arange(32) % 3)
        for _ in range(steps):
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        return loss.item(), [p.numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("backend", BACKENDS)
def test_training_gives_numpys_parameters_on_another_backend(backend: str) -> None:
    loss, params = _train("numpy")
    other_loss, other_params = _train(backend)
    assert other_loss == pytest.approx(loss, rel=1e-5)
    for p, q in zip(params, other_params, strict=True):
        np.testing.assert_allclose(q, p, rtol=1e-5, atol=1e-6)


def test_tensor_of_a_torch_tensor_shares_its_memory() -> None:
    source = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    t = stag.tensor(source)
    assert (t.backend, t.device, t.dtype, t.shape) == ("torch", "cpu", np.float32, (2, 3))
    source[0, 0] = 42.0
    assert t.numpy()[0, 0] == 42.0
    assert t.numpy().flags.writeable is False


def test_host_data_follows_the_default_backend() -> None:
    array = np.zeros(3, np.float32)
    with stag.default_backend("torch"):
        t = stag.tensor(array)
        assert t.backend == "torch"
        assert stag.zeros(2).backend == stag.randn(2).backend == stag.arange(3).backend == "torch"
        assert stag.zeros_like(stag.tensor(array).to("numpy")).backend == "numpy"
    array[1] = 7.0
    assert t.numpy()[1] == 0.0  # stag.tensor copies a numpy array, on every backend
    assert stag.tensor(array).backend == "numpy"


def test_to_moves_a_tensor_and_the_gradient_comes_back() -> None:
    x = stag.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = x.to("torch")
    assert y.backend == "torch" and y.grad_fn is not None and y.grad_fn.name == "to"
    (y * y).sum().backward()
    assert x.grad is not None and x.grad.backend == "numpy"
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])
    assert x.to("numpy") is x


def test_module_to_moves_parameters_and_the_optimizer_follows() -> None:
    gen = stag.Generator(0)
    model = nn.Linear(3, 2, generator=gen)
    opt = SGD(model, lr=0.1, momentum=0.9)
    x = stag.randn(4, 3, generator=gen)
    losses = []
    for backend in ("numpy", "torch", "array_api_strict", "numpy"):
        assert model.to(backend) is model
        assert {p.backend for p in model.parameters()} == {backend}
        opt.zero_grad()
        loss = (model(x.to(backend)) ** 2).mean()
        loss.backward()
        opt.step()
        assert {type(b).__module__.partition(".")[0] for b in opt._state[0].values()} == {backend}
        losses.append(loss.item())
    # the same four steps on numpy alone
    gen = stag.Generator(0)
    twin = nn.Linear(3, 2, generator=gen)
    twin_opt = SGD(twin, lr=0.1, momentum=0.9)
    for expected in losses:
        twin_opt.zero_grad()
        loss = (twin(x) ** 2).mean()
        loss.backward()
        twin_opt.step()
        assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_two_backends_in_one_op_raise_naming_both() -> None:
    x = stag.ones(2)
    with stag.default_backend("torch"):
        y = stag.ones(2)
    with pytest.raises(BackendError, match=r"add: tensors of two backends meet: numpy and torch"):
        x + y
    with pytest.raises(
        BackendError, match=r"matmul: tensors of two backends meet: torch and numpy"
    ):
        y @ x
    with pytest.raises(BackendError, match=r"add_: tensors of two backends meet"), stag.no_grad():
        y.add_(x.to("array_api_strict"))


def test_unknown_or_missing_backends_and_devices_raise_clearly() -> None:
    with pytest.raises(BackendError, match=r"unknown backend 'jax'; expected one of 'numpy'"):
        stag.default_backend("jax").__enter__()
    with pytest.raises(BackendError, match=r"backend 'numpy' computes on the CPU only"):
        stag.ones(2).to("numpy", device="cuda")
    if not torch.cuda.is_available():
        with pytest.raises(BackendError, match=r"device 'cuda' asked for, but no GPU here"):
            stag.ones(2).to("torch", device="cuda")
    try:
        import cupy  # noqa: F401
    except ImportError:
        with pytest.raises(
            BackendError, match=r"backend 'cupy' needs cupy, which is not installed"
        ):
            stag.default_backend("cupy").__enter__()


def test_a_device_alone_keeps_the_values_library_as_pytorchs_to_does() -> None:
    # model.to(device), device = "cuda" if ... else "cpu": the CPU is numpy's own
    x = stag.ones(2)
    model = nn.Linear(2, 3)
    assert x.to("cpu") is x and model.to("cpu") is model
    assert model.weight.backend == "numpy"
    on_torch = x.to("torch")
    back = on_torch.to("cpu")
    assert (back.backend, back.device) == ("torch", "cpu")
    with pytest.raises(BackendError) as info:
        model.to("cuda")
    assert str(info.value) == (
        "to: 'cuda' is a device, and numpy has no such device; name the library that "
        "computes there: .to('torch', device='cuda') or .to('cupy')"
    )
    assert model.weight.backend == "numpy"  # the refusal moved nothing
    if not torch.cuda.is_available():
        with pytest.raises(BackendError, match=r"device 'cuda' asked for, but no GPU here"):
            on_torch.to("cuda")


def test_in_place_rules_hold_on_another_backend() -> None:
    with stag.default_backend("torch"):
        w = stag.ones(3, requires_grad=True)
        saved = w * w
        with pytest.raises(RuntimeError, match="in-place change of a tensor that requires grad"):
            w += 1
        with stag.no_grad():
            w += 1
            w[0] = 5.0
        with (
            pytest.raises(stag.ShapeError, match="cannot be written into one of sh"),
            stag.no_grad(),
        ):
            w.add_(stag.ones(2))
        with pytest.raises(RuntimeError, match="modified in place"):
            saved.sum().backward()
        np.testing.assert_allclose(w.numpy(), [5.0, 2.0, 2.0])
        # a reshape may share memory with its input (PyTorch's does): a write through it
        # counts as a write to the input, so a graph that saved the input refuses to run
        v = stag.ones(4, requires_grad=True)
        saved = (v * v).sum()
        r = v.detach().reshape(2, 2)
        with stag.no_grad():
            r += 1
        np.testing.assert_allclose(v.numpy(), [2.0, 2.0, 2.0, 2.0])
        with pytest.raises(RuntimeError, match="modified in place"):
            saved.backward()


def test_checkpoints_round_trip_between_backends(tmp_path) -> None:
    gen = stag.Generator(0)
    with stag.default_backend("torch"):
        model = nn.Linear(3, 2, generator=gen)
    path = tmp_path / "m.safetensors"
    stag.save(model, path)
    host = nn.Linear(3, 2)
    stag.load(host, path)
    assert host.weight.backend == "numpy"
    np.testing.assert_array_equal(host.weight.numpy(), model.weight.numpy())
    with stag.default_backend("torch"):
        back = nn.Linear(3, 2)
    stag.load(back, path)
    assert back.weight.backend == "torch"
    np.testing.assert_array_equal(back.weight.numpy(), model.weight.numpy())


def test_repr_pickle_and_shapecheck_on_torch() -> None:
    with stag.default_backend("torch"):
        x = stag.ones(2, 3)
    assert "backend='torch', device='cpu'" in repr(x)
    copy = pickle.loads(pickle.dumps(x))
    assert copy.backend == "torch" and copy.shape == (2, 3)

    @stag.shapecheck
    def first_row(t: stag.Tensor[int, int]) -> stag.Tensor[int]:
        return t[0]

    assert first_row(x).shape == (3,)

    @stag.shapecheck
    def same(a: stag.Tensor[N, N], b: stag.Tensor[N]) -> stag.Tensor[N]:
        return b

    with stag.default_backend("torch"):
        square, row = stag.ones(2, 2), stag.ones(3)
    # shapes print as tuples, not as torch.Size([2, 2])
    with pytest.raises(stag.ShapeError, match=r"N=2 was bound by a \(2, 2\)"):
        same(square, row)


# the op, autograd, in-place, creation, indexing and nn test modules, which make their
# tensors with stag.tensor and the creation functions: run again on PyTorch's tensors
# (the optimizer tests set numpy .grads by hand, which a torch parameter refuses)
ON_TORCH = [
    "test_ops_elementwise.py", "test_ops_reduce.py", "test_ops_linalg.py",
    "test_ops_movement.py", "test_ops_sorting_and_masks.py", "test_einsum.py", "test_broadcasting.py",
    "test_indexing.py", "test_autograd.py", "test_inplace.py", "test_creation.py",
    "test_masks.py", "test_data.py", "test_nn_layers.py", "test_nn_conv.py",
    "test_nn_pooling.py", "test_nn_losses.py", "test_nn_functional.py", "test_nn_attention.py",
    "test_nn_batch_norm.py", "test_nn_containers.py", "test_nn_module.py", "test_nn_tied.py",
]  # fmt: skip


def test_the_op_and_nn_test_modules_pass_on_torch_tensors() -> None:
    here = Path(__file__).resolve().parent
    run = subprocess.run(
        # a numpy function applied to a torch tensor warns about __array_wrap__: an error
        # here, so that no op computes on the host behind PyTorch's back
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--stag-backend",
         "torch", "-W", "error:__array_wrap__:DeprecationWarning",
         *[str(here / name) for name in ON_TORCH]],
        check=False, capture_output=True, text=True, timeout=1200, cwd=here.parent,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-4000:]
    assert " passed" in run.stdout and " failed" not in run.stdout


def _example_figures(tmp_path: Path, example: str, *flags: str) -> list[str]:
    """The lines with figures that an example's ``--quick`` run prints (not its paths)."""
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    script = Path(__file__).resolve().parent.parent / "examples" / f"{example}.py"
    run = subprocess.run(
        [sys.executable, str(script), "--quick", "--out", str(tmp_path), *flags],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    return [line for line in run.stdout.splitlines() if "saved" not in line and "min)" not in line]


@pytest.mark.parametrize(
    ("example", "backend"),
    [("digits_mlp", "torch"), ("digits_mlp", "array_api_strict"), ("digits_cnn", "torch"),
     ("char_transformer", "torch")],
)  # fmt: skip
def test_an_example_runs_unchanged_on_another_backend(
    tmp_path: Path, example: str, backend: str
) -> None:
    numpy_run = _example_figures(tmp_path / "numpy", example)
    other_run = _example_figures(tmp_path / backend, example, "--backend", backend)
    assert any("accuracy" in line or "loss" in line for line in numpy_run)
    assert other_run == numpy_run  # every printed figure (and the sample), to its last digit


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_clip_grad_norm_on_torch_matches_numpy(norm_type: float) -> None:
    def clipped(backend: str) -> tuple[float, np.ndarray]:
        with stag.default_backend(backend):
            w = stag.tensor(np.array([[3.0, -4.0], [1.0, 2.0]], np.float32), requires_grad=True)
            ((w * w).sum() * 2.0).backward()
            total = stag.optim.clip_grad_norm_([w], 1.0, norm_type=norm_type)
            assert w.grad is not None and w.grad.backend == backend
            return total, w.grad.numpy()

    total, grad = clipped("numpy")
    for backend in BACKENDS:
        other_total, other_grad = clipped(backend)
        assert other_total == pytest.approx(total, rel=1e-6)
        np.testing.assert_allclose(other_grad, grad, rtol=1e-6)
