"""A numpy array or a list where a tensor goes is a TypeError that names the function and
the fix (`wrap it with stag.tensor(...)`), for every public function taking tensors."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np
import pytest

import stag
import stag.nn.functional as F

ARRAY = np.ones((2, 3), dtype=np.float32)
# required arguments that are not tensors, by function
EXTRA: dict[str, dict[str, object]] = {
    "max_pool2d": {"kernel_size": 2},
    "avg_pool2d": {"kernel_size": 2},
    "adaptive_avg_pool2d": {"output_size": 1},
    "full_like": {"fill_value": 1.0},
    "derivative": {"fn": lambda: stag.tensor(0.0)},
    "broadcast_to": {"shape": (2, 3)},
    "split": {"sizes": (1, 1)},
    "cumsum": {"axis": 0},
    "multinomial": {"num_samples": 1},
    "einsum": {"subscripts": "ij"},
}


def _annotation(fn: Callable[..., object], name: str) -> str:
    return str(inspect.signature(fn).parameters[name].annotation)  # the source text


def _takes_tensors(fn: Callable[..., object]) -> list[str]:
    """The required parameters annotated with a tensor (or a sequence of them)."""
    return [
        name
        for name, param in inspect.signature(fn).parameters.items()
        if "Tensor" in _annotation(fn, name)
        and not _annotation(fn, name).startswith("Callable")  # a function of tensors
        and param.default is inspect.Parameter.empty
    ]


def _call(fn: Callable[..., object], args: dict[str, object]) -> object:
    """``fn(**args)``; a ``*operands`` parameter takes its value as one positional argument."""
    params = list(inspect.signature(fn).parameters.values())
    star = next((i for i, p in enumerate(params) if p.kind is p.VAR_POSITIONAL), None)
    if star is None:
        return fn(**args)
    leading = [args.pop(p.name) for p in params[:star]]
    return fn(*leading, args.pop(params[star].name), **args)


def _public_functions() -> list[tuple[str, Callable[..., object]]]:
    found = []
    for module in (stag, F):
        for name, value in vars(module).items():
            if not name.startswith("_") and inspect.isfunction(value) and _takes_tensors(value):
                found.append((f"{module.__name__}.{name}", value))
    return sorted(set(found), key=lambda item: item[0])


@pytest.mark.parametrize(("qualname", "fn"), _public_functions(), ids=lambda v: str(v))
@pytest.mark.parametrize("wrong", [ARRAY, ARRAY.tolist()], ids=["ndarray", "list"])
def test_an_array_where_a_tensor_goes_names_the_function_and_the_fix(qualname, fn, wrong):
    tensors = _takes_tensors(fn)
    args = {n: [wrong, wrong] if "Sequence" in _annotation(fn, n) else wrong for n in tensors}
    args.update(EXTRA.get(fn.__name__, {}))
    with pytest.raises(TypeError, match=r"wrap it with stag\.tensor\(\.\.\.\)") as info:
        _call(fn, args)
    op = fn.__name__.split("_with_")[0]
    assert str(info.value).split(":")[0] in {fn.__name__, op} or fn.__name__ in str(info.value)


@pytest.mark.parametrize(
    "expression",
    [
        lambda t: t + ARRAY,
        lambda t: ARRAY + t,
        lambda t: t @ ARRAY.T,
        lambda t: ARRAY.T @ t,
        lambda t: t * [1.0, 2.0, 3.0],
        lambda t: stag.where(t > 0, ARRAY, t),
    ],
    ids=["add", "radd", "matmul", "rmatmul", "list", "where"],
)
def test_an_array_in_an_operator_says_the_fix(expression):
    with pytest.raises(TypeError, match=r"wrap it with stag\.tensor\(\.\.\.\)"):
        expression(stag.tensor(ARRAY))


def test_conv2d_of_an_empty_batch_is_empty():
    w = stag.randn(4, 1, 3, 3, requires_grad=True)
    out = F.conv2d(stag.zeros(0, 1, 6, 6), w, stag.zeros(4))
    assert out.shape == (0, 4, 4, 4)
    out.sum().backward()
    assert w.grad is not None and not w.grad.numpy().any()


def test_layer_norm_of_a_0d_tensor_is_a_shape_error():
    with pytest.raises(stag.ShapeError, match="layer_norm: expected a tensor with a last dim"):
        F.layer_norm(stag.tensor(1.0))
    with pytest.raises(
        stag.ShapeError, match=r"layer_norm: weight of shape \(2,\) for a last dim of size 3"
    ):
        F.layer_norm(stag.zeros(4, 3), stag.ones(2))
