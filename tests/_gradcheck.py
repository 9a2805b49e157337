"""Shared numerical-test helpers: `check_grads` and the hypothesis strategies.

`check_grads` is the one finite-difference oracle every op test uses: it reduces the
op's output to a scalar with a fixed random weighting (so every output element
matters), back-propagates through stag, and compares each leaf's gradient with
central differences of the same scalar function, all in float64.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import stag
from stag._broadcasting import refusal

EPS = 1e-6

# Modest budget so the whole suite stays well under two minutes on two cores.
FAST = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _weights(shape: tuple[int, ...]) -> np.ndarray:
    # Fixed seed: the same scalar function for the analytic and the numeric side.
    return np.random.default_rng(20240601).standard_normal(shape)


def _scalar_value(fn: Callable[..., Any], arrays: Sequence[np.ndarray], w: np.ndarray) -> float:
    with stag.no_grad():
        out = fn(*[stag.tensor(a, dtype=np.float64) for a in arrays])
    return float(np.sum(np.asarray(out.numpy(), dtype=np.float64) * w))


def numeric_grads(
    fn: Callable[..., Any], arrays: Sequence[np.ndarray], w: np.ndarray, eps: float = EPS
) -> list[np.ndarray]:
    """Central differences of `sum(fn(*arrays) * w)` with respect to every array."""
    grads = []
    for i, a in enumerate(arrays):
        g = np.zeros_like(a)
        for j in np.ndindex(a.shape):
            plus = [x.copy() for x in arrays]
            minus = [x.copy() for x in arrays]
            plus[i][j] += eps
            minus[i][j] -= eps
            g[j] = (_scalar_value(fn, plus, w) - _scalar_value(fn, minus, w)) / (2 * eps)
        grads.append(g)
    return grads


def check_grads(
    fn: Callable[..., Any],
    *arrays: np.ndarray | float,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    eps: float = EPS,
) -> Any:
    """Assert stag's reverse-mode gradients of `fn` match central differences.

    **Arguments:**
    - `fn`: maps float64 tensors (one per array) to a tensor of any shape.
    - `arrays`: the points at which to differentiate; converted to float64.

    **Returns:** the output of `fn` on the leaves (for further assertions).
    """
    arrays64 = [np.array(a, dtype=np.float64) for a in arrays]
    leaves = [stag.tensor(a.copy(), requires_grad=True, dtype=np.float64) for a in arrays64]
    out = fn(*leaves)
    assert out.dtype == np.float64, f"float64 inputs gave a {out.dtype} output"
    if out.ndim == 0:
        w, scalar = np.array(1.0), out
    else:
        w = _weights(tuple(out.shape))
        scalar = (out * stag.tensor(w, dtype=np.float64)).sum()
    assert scalar.shape == ()
    scalar.backward()
    expected = numeric_grads(fn, arrays64, w, eps)
    for k, (leaf, num) in enumerate(zip(leaves, expected)):
        assert leaf.grad is not None, f"input {k} got no gradient"
        got = leaf.grad.numpy()
        assert got.shape == num.shape, f"input {k}: grad shape {got.shape} != {num.shape}"
        assert got.dtype == np.float64, f"input {k}: grad dtype {got.dtype}"
        np.testing.assert_allclose(got, num, atol=atol, rtol=rtol, err_msg=f"input {k}")
    return out


# ---------------------------------------------------------------- strategies


def shapes(min_dims: int = 0, max_dims: int = 3, max_side: int = 4) -> st.SearchStrategy:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def broadcast_shapes(num: int = 2, min_dims: int = 0, max_dims: int = 3, max_side: int = 3):
    """Tuples of `num` shapes that broadcast under stag's rule (size-1 dims, unequal ranks).

    Where numpy's draw has a rank promotion that stretches a size-1 dim of another shape
    (which stag refuses: tests/test_broadcasting.py), the shapes get their leading 1s
    written out: numpy's result stays, and the draw keeps its size-1 dims.
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num, min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side
    ).map(lambda bs: _explicit(bs.input_shapes))


def _explicit(shapes: tuple[tuple[int, ...], ...]) -> tuple[tuple[int, ...], ...]:
    refused = any(refusal("op", a, b) for a in shapes for b in shapes)
    rank = max(map(len, shapes))
    return tuple((1,) * (rank - len(s)) + s for s in shapes) if refused else shapes


def floats(shape, lo: float = -2.0, hi: float = 2.0, dtype=np.float64):
    return hnp.arrays(
        dtype,
        shape,
        elements=st.floats(lo, hi, allow_nan=False, width=64 if dtype == np.float64 else 32),
    )


def positive(shape, lo: float = 0.2, hi: float = 3.0):
    return floats(shape, lo, hi)


def nonzero(shape, lo: float = 0.2, hi: float = 2.0):
    """Elements with |x| in [lo, hi]: away from the kink of abs / relu / div."""
    return hnp.arrays(np.float64, shape, elements=st.one_of(st.floats(-hi, -lo), st.floats(lo, hi)))


def distinct(shape):
    """Pairwise distinct elements on a 1/8 grid: no ties for max / min / argmax."""
    return hnp.arrays(
        np.float64, shape, elements=st.integers(-60, 60).map(lambda k: k / 8), unique=True
    )


def on_grid(shape, offset: float):
    """Elements k/4 + offset: two arrays with offsets 0 and 1/8 never tie."""
    return hnp.arrays(np.float64, shape, elements=st.integers(-8, 8).map(lambda k: k / 4 + offset))


def axis_args(ndim: int):
    """axis=None, a (possibly negative) int, or a tuple of distinct axes, for rank `ndim`."""
    if ndim == 0:
        return st.just(None)
    single = st.integers(-ndim, ndim - 1)
    several = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple)
    return st.one_of(st.just(None), single, several)
