"""The primitive registry and its gradcheck table.

`GRADCHECK_CASES` holds one case per differentiable primitive, each exercising the
primitive through the public API on hypothesis-drawn inputs. Registering a new
differentiable primitive without adding a case here fails
`test_every_differentiable_primitive_has_a_gradcheck_case`.
"""

from __future__ import annotations

import numpy as np
import pytest
from _gradcheck import (
    FAST,
    axis_args,
    broadcast_shapes,
    check_grads,
    distinct,
    floats,
    nonzero,
    on_grid,
    positive,
    shapes,
)
from hypothesis import find, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_einsum import einsum_case
from test_nn_conv import conv2d_case, max_pool2d_case
from test_nn_pooling import avg_pool2d_case
from test_ops_elementwise import UNARY, unary_calls

import stag
import stag.nn.functional as F
from stag._ops import PRIMITIVES

# A case draws its inputs and returns (fn over float64 leaves, [arrays]).


def _binary(op, left=floats, right=floats):
    def case(data):
        sa, sb = data.draw(broadcast_shapes())
        return op, [data.draw(left(sa)), data.draw(right(sb))]

    return case


def _unary(op, elements=floats, **shape_kw):
    def case(data):
        return op, [data.draw(elements(data.draw(shapes(**shape_kw))))]

    return case


def _reduction(name, elements=floats):
    def case(data):
        shape = data.draw(shapes())
        axis, keepdims = data.draw(axis_args(len(shape))), data.draw(st.booleans())
        return (lambda t: getattr(t, name)(axis=axis, keepdims=keepdims)), [
            data.draw(elements(shape))
        ]

    return case


def _softmax_like(fn, **kw):
    def case(data):
        shape = data.draw(shapes(min_dims=1))
        axis = data.draw(st.integers(-len(shape), len(shape) - 1))
        return (lambda t: fn(t, axis=axis, **kw)), [data.draw(floats(shape))]

    return case


def _where(data):
    sc, sa, sb = data.draw(broadcast_shapes(num=3))
    cond = stag.tensor(data.draw(hnp.arrays(np.bool_, sc)))
    return (lambda a, b: stag.where(cond, a, b)), [data.draw(floats(sa)), data.draw(floats(sb))]


def _clip(data):
    elements = st.one_of(st.floats(-2, -0.6), st.floats(-0.4, 0.4), st.floats(0.6, 2))
    a = data.draw(hnp.arrays(np.float64, data.draw(shapes()), elements=elements))
    return (lambda t: t.clip(-0.5, 0.5)), [a]


def _matmul(data):
    batch = data.draw(shapes(min_dims=0, max_dims=2, max_side=2))
    m, k, n = (data.draw(st.integers(1, 3)) for _ in range(3))
    return (lambda a, b: a @ b), [data.draw(floats(batch + (m, k))), data.draw(floats((k, n)))]


def _reshape(data):
    shape = data.draw(shapes())
    target = data.draw(st.permutations(list(shape)).map(tuple))
    return (lambda t: t.reshape(*target)), [data.draw(floats(shape))]


def _permute(data):
    shape = data.draw(shapes(min_dims=1))
    axes = data.draw(st.permutations(range(len(shape))))
    negative = data.draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)))
    axes = [a - len(shape) if flip else a for a, flip in zip(axes, negative)]  # -1 is ndim - 1
    return (lambda t: t.permute(*axes)), [data.draw(floats(shape))]


def _unsqueeze(data):
    shape = data.draw(shapes())
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    return (lambda t: t.unsqueeze(axis)), [data.draw(floats(shape))]


def _squeeze(data):
    shape = list(data.draw(shapes(max_dims=2)))
    axis = data.draw(st.integers(0, len(shape)))
    shape.insert(axis, 1)
    return (lambda t: t.squeeze(axis)), [data.draw(floats(tuple(shape)))]


def _repeat(data):
    batch = data.draw(shapes(max_dims=2, max_side=2))  # a batch prefix, often none
    shape = batch + data.draw(shapes(min_dims=1, max_dims=2, max_side=3))  # size-1 dims too
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    repeats = data.draw(st.integers(0, 3))
    return (lambda t: t.repeat(repeats, axis=axis)), [data.draw(floats(shape))]


def _tile(data):
    shape = data.draw(shapes(max_dims=3, max_side=3))
    reps = data.draw(st.lists(st.integers(0, 3), max_size=4))  # shorter or longer than ndim
    return (lambda t: t.tile(*reps)), [data.draw(floats(shape))]


def _concat(data):
    rows = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    cols = data.draw(st.integers(1, 3))
    arrays = [data.draw(floats((r, cols))) for r in rows]
    return (lambda *ts: stag.concat(list(ts), axis=0)), arrays


def _stack(data):
    shape = data.draw(shapes(max_dims=2))
    axis = data.draw(st.integers(0, len(shape)))
    arrays = [data.draw(floats(shape)) for _ in range(data.draw(st.integers(1, 3)))]
    return (lambda *ts: stag.stack(list(ts), axis=axis)), arrays


def _getitem(data):
    shape = data.draw(shapes(min_dims=1, max_side=5))
    start = data.draw(st.integers(0, shape[0] - 1))
    step = data.draw(st.integers(1, 2))
    return (lambda t: t[start::step]), [data.draw(floats(shape))]


def _take(data):
    shape = data.draw(shapes(min_dims=1))
    idx = data.draw(
        hnp.arrays(np.int64, data.draw(shapes(max_dims=2)), elements=st.integers(0, shape[0] - 1))
    )
    index = stag.tensor(idx)
    return (lambda t: t[index]), [data.draw(floats(shape))]


def _layer_norm(data):
    shape = data.draw(shapes(min_dims=1))
    n = shape[-1]
    arrays = [data.draw(distinct(shape)), data.draw(floats((n,))), data.draw(floats((n,)))]
    return (lambda x, w, b: F.layer_norm(x, w, b)), arrays


def _picked_loss(loss):
    def case(data):
        batch = data.draw(shapes(min_dims=1, max_dims=2))
        c = data.draw(st.integers(1, 4))
        ids = data.draw(hnp.arrays(np.int64, batch, elements=st.integers(0, c - 1)))
        labels = stag.tensor(ids)
        return (lambda t: loss(t, labels)), [data.draw(floats(batch + (c,)))]

    return case


def _norm2(data):
    shape = data.draw(shapes())
    axis, keepdims = data.draw(axis_args(len(shape))), data.draw(st.booleans())
    return (lambda t: t.norm(axis=axis, keepdims=keepdims)), [data.draw(nonzero(shape))]


def _cumsum(data):
    shape = data.draw(shapes(min_dims=1))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    return (lambda t: t.cumsum(axis)), [data.draw(floats(shape))]


def _triangle(fn):
    def case(data):
        shape = data.draw(shapes(min_dims=2))
        k = data.draw(st.integers(-2, 2))
        return (lambda t: fn(t, k)), [data.draw(floats(shape))]

    return case


def _broadcast_to(data):
    shape = data.draw(shapes(max_dims=2, max_side=3))
    lead = data.draw(shapes(max_dims=2, max_side=3))
    target = lead + tuple(data.draw(st.integers(1, 3)) if n == 1 else n for n in shape)
    return (lambda t: stag.broadcast_to(t, target)), [data.draw(floats(shape))]


def _masked_softmax(data):
    batch = data.draw(shapes(max_dims=2, max_side=3))
    tq, tk, depth = (data.draw(st.integers(1, 3)) for _ in range(3))
    causal = data.draw(st.booleans())
    q, k, v = (data.draw(floats(batch + (t, depth))) for t in (tq, tk, tk))
    attend = F.scaled_dot_product_attention
    return (lambda a, b, c: attend(a, b, c, is_causal=causal)), [q, k, v]


GRADCHECK_CASES = {
    # the unary ops' rows live in test_ops_elementwise.UNARY: one row per op, two tests
    **{name: _unary(unary_calls(name)[0], row.domain) for name, row in UNARY.items()},
    "add": _binary(lambda a, b: a + b),
    "sub": _binary(lambda a, b: a - b),
    "mul": _binary(lambda a, b: a * b),
    "div": _binary(lambda a, b: a / b, right=lambda s: nonzero(s, lo=0.5)),
    "pow": _binary(lambda a, b: a**b, left=lambda s: positive(s, 0.3, 2.0)),
    "maximum": _binary(stag.maximum, lambda s: on_grid(s, 0.0), lambda s: on_grid(s, 0.125)),
    "minimum": _binary(stag.minimum, lambda s: on_grid(s, 0.0), lambda s: on_grid(s, 0.125)),
    "where": _where,
    "clip": _clip,
    # through longdouble and back: exact in float64, so the check sees the cast's plumbing
    "astype": _unary(lambda t: t.astype(np.longdouble).astype(np.float64)),
    "gelu": _unary(F.gelu),
    "gelu_tanh": _unary(lambda t: F.gelu(t, approximate="tanh")),
    "sum": _reduction("sum"),
    "mean": _reduction("mean"),
    "max": _reduction("max", distinct),
    "min": _reduction("min", distinct),
    "logsumexp": _softmax_like(F.logsumexp, keepdims=False),
    "softmax": _softmax_like(F.softmax),
    "log_softmax": _softmax_like(F.log_softmax),
    "matmul": _matmul,
    "einsum": einsum_case,
    "reshape": _reshape,
    "transpose": _permute,
    "expand_dims": _unsqueeze,
    "squeeze": _squeeze,
    "repeat": _repeat,
    "tile": _tile,
    "concat": _concat,
    "stack": _stack,
    "getitem": _getitem,
    "take": _take,
    "take_along_axis": _picked_loss(F.nll_loss),
    "cross_entropy": _picked_loss(F.cross_entropy),
    "layer_norm": _layer_norm,
    "norm2": _norm2,
    "cumsum": _cumsum,
    "tril": _triangle(stag.tril),
    "triu": _triangle(stag.triu),
    "broadcast_to": _broadcast_to,
    "masked_softmax": _masked_softmax,
    "conv2d": conv2d_case,
    "max_pool2d": max_pool2d_case,
    "avg_pool2d": avg_pool2d_case,
}

# Cases whose primitive is inside a composite, not the op that makes the output.
INNER_PRIMITIVE = {"take_along_axis", "masked_softmax"}

NON_DIFFERENTIABLE = {
    "lt",
    "le",
    "gt",
    "ge",
    "eq",
    "ne",
    "argmax",
    "argmin",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
}


def _differentiable():
    return {name for name, prim in PRIMITIVES.items() if prim.differentiable}


def test_every_differentiable_primitive_has_a_gradcheck_case():
    assert _differentiable() == set(GRADCHECK_CASES)


def test_registry_entries_are_named_after_their_key():
    for name, prim in PRIMITIVES.items():
        assert prim.name == name
        assert isinstance(prim.differentiable, bool)
        assert isinstance(prim.vjps, tuple)


def test_non_differentiable_primitives_are_registered_as_such():
    for name in NON_DIFFERENTIABLE:
        assert name in PRIMITIVES, name
        assert PRIMITIVES[name].differentiable is False, name


@pytest.mark.parametrize("name", sorted(set(GRADCHECK_CASES) - INNER_PRIMITIVE))
def test_differentiable_primitive_has_callable_vjp_per_input(name):
    prim = PRIMITIVES[name]
    assert prim.differentiable is True
    assert len(prim.vjps) >= 1 and all(callable(v) for v in prim.vjps)
    _fn, arrays = GRADCHECK_CASES[name](_FixedDraws())
    # one VJP per tensor input (the case's leaves); a variadic primitive has one for all
    assert len(prim.vjps) == (1 if prim.variadic else len(arrays))


@pytest.mark.parametrize("name", sorted(GRADCHECK_CASES))
@FAST
@given(data=st.data())
def test_gradcheck(name, data):
    fn, arrays = GRADCHECK_CASES[name](data)
    out = check_grads(fn, *arrays, rtol=1e-4)
    if name not in INNER_PRIMITIVE:
        assert out.grad_fn is not None and out.grad_fn.name == name


def _primitive_names(out):
    """Names of the primitives recorded in out's graph (walks ``grad_fn.parents``)."""
    names, stack, seen = set(), [out], set()
    while stack:
        t = stack.pop()
        if id(t) in seen or t.grad_fn is None:
            continue
        seen.add(id(t))
        names.add(t.grad_fn.name)
        stack.extend(t.grad_fn.parents)
    return names


@pytest.mark.parametrize("name", sorted(INNER_PRIMITIVE))
def test_inner_primitive_is_recorded_by_its_case(name):
    fn, arrays = GRADCHECK_CASES[name](_FixedDraws())
    leaves = [stag.tensor(a, requires_grad=True, dtype=np.float64) for a in arrays]
    assert name in _primitive_names(fn(*leaves))


class _FixedDraws:
    """Stands in for hypothesis' `data`: each strategy's simplest example."""

    def draw(self, strategy):
        return find(strategy, lambda _: True)
