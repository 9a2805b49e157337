"""Elementwise ops: values against numpy, broadcasting, dtypes and gradients."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from _gradcheck import (
    FAST,
    broadcast_shapes,
    check_grads,
    floats,
    nonzero,
    on_grid,
    positive,
    shapes,
)
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import stag
from stag._ops import facades

BINARY = {
    "add": (operator.add, np.add),
    "sub": (operator.sub, np.subtract),
    "mul": (operator.mul, np.multiply),
}


# ------------------------------------------------------------------ the unary table
# One row per shape-keeping op of the op table (stag/_ops, rule "unary"): a reference on
# one Python float (the math module: independent of numpy's ufunc) and the inputs' domain.
# The gradchecks of these ops come from the same rows (test_primitive_registry.py).
@dataclass(frozen=True)
class Unary:
    reference: Callable[[float], float]
    domain: Callable[[tuple[int, ...]], st.SearchStrategy[np.ndarray]] = floats


UNARY = {
    "neg": Unary(operator.neg),
    "abs": Unary(abs, nonzero),  # kink at 0
    "exp": Unary(math.exp),
    "log": Unary(math.log, positive),
    "log1p": Unary(math.log1p, lambda shape: floats(shape, -0.8, 2.0)),
    "log2": Unary(math.log2, positive),
    "log10": Unary(math.log10, positive),
    "expm1": Unary(math.expm1),
    "erf": Unary(math.erf),
    "sqrt": Unary(math.sqrt, positive),
    "tanh": Unary(math.tanh),
    "sin": Unary(math.sin),
    "cos": Unary(math.cos),
    "sigmoid": Unary(lambda v: 1 / (1 + math.exp(-v))),
    "relu": Unary(lambda v: max(v, 0.0), nonzero),
}


def unary_calls(name: str) -> list[Callable[[stag.Tensor], stag.Tensor]]:
    """Every way the facade offers op ``name``: its method, free function and operator."""
    facade = {n: f for n, f, _ in facades()}[name]
    calls = []
    if facade.method:
        calls.append(lambda t: getattr(t, name)())
    if facade.function:
        calls.append(lambda t: getattr(stag, name)(t))
    if facade.operator is not None:
        calls.append(lambda t: getattr(t, facade.operator)())
    return calls


# Shape-keeping ops on masks (bool and int tensors), with no float reference: their
# values are checked against numpy in tests/test_masks.py.
MASK_OPS = {"bitwise_not"}


def test_the_unary_table_has_a_row_for_every_unary_op():
    declared = {name for name, facade, _ in facades() if facade.rule == "unary"}
    assert set(UNARY) == declared - MASK_OPS


@pytest.mark.parametrize("name", sorted(UNARY))
@FAST
@given(data=st.data())
def test_unary_values_match_the_math_module_in_every_form(name, data):
    row = UNARY[name]
    a = data.draw(row.domain(data.draw(shapes())))
    expected = np.vectorize(row.reference, otypes=[np.float64])(a)
    for call in unary_calls(name):
        out = call(stag.tensor(a, dtype=np.float64))
        assert out.shape == a.shape and out.dtype == np.float64
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-300)
        assert call(stag.tensor(a, dtype=np.float32)).dtype == np.float32


# ------------------------------------------------------------------ binary


@pytest.mark.parametrize("name", sorted(BINARY))
@FAST
@given(data=st.data())
def test_binary_values_and_grads_broadcast(name, data):
    op, ref = BINARY[name]
    sa, sb = data.draw(broadcast_shapes())
    a, b = data.draw(floats(sa)), data.draw(floats(sb))
    out = check_grads(op, a, b)
    np.testing.assert_allclose(out.numpy(), ref(a, b), rtol=1e-12, atol=1e-12)


@FAST
@given(data=st.data())
def test_div_values_and_grads_broadcast(data):
    sa, sb = data.draw(broadcast_shapes())
    a, b = data.draw(floats(sa)), data.draw(nonzero(sb, lo=0.5))
    out = check_grads(operator.truediv, a, b, rtol=1e-4)
    np.testing.assert_allclose(out.numpy(), a / b, rtol=1e-12)


@FAST
@given(data=st.data())
def test_pow_tensor_exponent_values_and_grads(data):
    sa, sb = data.draw(broadcast_shapes())
    a, b = data.draw(positive(sa, 0.3, 2.0)), data.draw(floats(sb, -2, 2))
    out = check_grads(operator.pow, a, b, rtol=1e-4)
    np.testing.assert_allclose(out.numpy(), a**b, rtol=1e-12)


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1.0])
@FAST
@given(data=st.data())
def test_pow_scalar_exponent(exponent, data):
    shape = data.draw(shapes())
    a = data.draw(positive(shape, 0.3, 2.0) if exponent in (0.5, -1.0) else floats(shape))
    out = check_grads(lambda t: t**exponent, a, rtol=1e-4)
    np.testing.assert_allclose(out.numpy(), a**exponent, rtol=1e-12)


@pytest.mark.parametrize(
    ("name", "fn", "ref"),
    [
        ("radd", lambda t: 2.5 + t, lambda a: 2.5 + a),
        ("rsub", lambda t: 2.5 - t, lambda a: 2.5 - a),
        ("rmul", lambda t: 2.5 * t, lambda a: 2.5 * a),
        ("rdiv", lambda t: 2.5 / t, lambda a: 2.5 / a),
        ("rpow", lambda t: 2.5**t, lambda a: 2.5**a),
        ("add_scalar", lambda t: t + 2.5, lambda a: a + 2.5),
        ("sub_scalar", lambda t: t - 2.5, lambda a: a - 2.5),
        ("mul_scalar", lambda t: t * 2.5, lambda a: a * 2.5),
        ("div_scalar", lambda t: t / 2.5, lambda a: a / 2.5),
    ],
)
@FAST
@given(data=st.data())
def test_python_scalar_on_either_side(name, fn, ref, data):
    a = data.draw(nonzero(data.draw(shapes()), lo=0.5))
    out = check_grads(fn, a, rtol=1e-4)
    np.testing.assert_allclose(out.numpy(), ref(a), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "fn", [lambda t: t + 1.5, lambda t: 2.0 * t, lambda t: 1.0 / t, lambda t: t**2, lambda t: -t]
)
def test_python_scalar_keeps_tensor_dtype(dtype, fn):
    t = stag.tensor(np.array([1.0, 2.0, 4.0], dtype=dtype))
    assert fn(t).dtype == dtype


def test_sigmoid_and_tanh_saturate_without_nan():
    x = stag.tensor(
        np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0]), requires_grad=True, dtype=np.float64
    )
    s = x.sigmoid()
    np.testing.assert_allclose(
        s.numpy(), [0.0, 1.9287498479639178e-22, 0.5, 1.0, 1.0], rtol=1e-12, atol=0
    )
    (s.sum() + x.tanh().sum()).backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(x.grad.numpy()[2], 0.25 + 1.0)


def test_relu_grad_is_indicator():
    x = stag.tensor([-2.0, -0.5, 0.5, 3.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 1.0, 1.0])


# ------------------------------------------------------------------ clip, maximum, minimum, where

CLIP_LO, CLIP_HI = -0.5, 0.5


@FAST
@given(data=st.data())
def test_clip_values_and_grads(data):
    shape = data.draw(shapes())
    elements = st.one_of(st.floats(-2, -0.6), st.floats(-0.4, 0.4), st.floats(0.6, 2))
    a = data.draw(hnp.arrays(np.float64, shape, elements=elements))
    out = check_grads(lambda t: t.clip(CLIP_LO, CLIP_HI), a)
    np.testing.assert_array_equal(out.numpy(), np.clip(a, CLIP_LO, CLIP_HI))


def test_clip_grad_is_zero_outside_range():
    x = stag.tensor(np.array([-3.0, -0.1, 0.2, 4.0]), requires_grad=True, dtype=np.float64)
    x.clip(-1.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 1.0, 0.0])


@pytest.mark.parametrize(
    ("fn", "ref"),
    [(stag.maximum, np.maximum), (stag.minimum, np.minimum)],
    ids=["maximum", "minimum"],
)
@FAST
@given(data=st.data())
def test_maximum_minimum_values_and_grads(fn, ref, data):
    sa, sb = data.draw(broadcast_shapes())
    a, b = data.draw(on_grid(sa, 0.0)), data.draw(on_grid(sb, 0.125))
    out = check_grads(fn, a, b)
    np.testing.assert_array_equal(out.numpy(), ref(a, b))


@FAST
@given(data=st.data())
def test_where_values_and_grads_broadcast(data):
    sc, sa, sb = data.draw(broadcast_shapes(num=3))
    cond = data.draw(hnp.arrays(np.bool_, sc))
    a, b = data.draw(floats(sa)), data.draw(floats(sb))
    out = check_grads(lambda x, y: stag.where(stag.tensor(cond), x, y), a, b)
    np.testing.assert_array_equal(out.numpy(), np.where(cond, a, b))


def test_where_routes_gradient_by_condition():
    cond = stag.tensor(np.array([True, False, True]))
    a = stag.tensor(np.ones(3), requires_grad=True, dtype=np.float64)
    b = stag.tensor(np.zeros(3), requires_grad=True, dtype=np.float64)
    stag.where(cond, a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, 1.0, 0.0])


def test_where_accepts_comparison_result():
    x = stag.tensor(np.array([-1.0, 2.0, -3.0]), dtype=np.float64)
    out = stag.where(x > 0, x, x * 0.1)
    np.testing.assert_allclose(out.numpy(), [-0.1, 2.0, -0.3])


# ------------------------------------------------------------------ comparisons

COMPARISONS = {
    "lt": (operator.lt, np.less),
    "le": (operator.le, np.less_equal),
    "gt": (operator.gt, np.greater),
    "ge": (operator.ge, np.greater_equal),
    "eq": (operator.eq, np.equal),
    "ne": (operator.ne, np.not_equal),
}


@pytest.mark.parametrize("name", sorted(COMPARISONS))
@FAST
@given(data=st.data())
def test_comparisons_give_bool_without_grad(name, data):
    op, ref = COMPARISONS[name]
    sa, sb = data.draw(broadcast_shapes())
    a, b = data.draw(on_grid(sa, 0.0)), data.draw(on_grid(sb, 0.0))  # on one grid: ties happen
    ta = stag.tensor(a, requires_grad=True, dtype=np.float64)
    out = op(ta, stag.tensor(b, dtype=np.float64))
    assert out.dtype == np.bool_
    assert out.requires_grad is False
    assert out.grad_fn is None
    np.testing.assert_array_equal(out.numpy(), ref(a, b))


@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_comparison_with_python_scalar(name):
    op, ref = COMPARISONS[name]
    a = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(op(stag.tensor(a), 0.0).numpy(), ref(a, 0.0))


# ------------------------------------------------------------------ dtypes and composition


def test_astype_casts_values_and_gradients_between_float_dtypes():
    x = stag.tensor(np.array([1.5, -2.25]), requires_grad=True)  # float64
    y = x.astype(np.float32)
    assert y.dtype == np.float32 and y.grad_fn is not None and y.grad_fn.name == "astype"
    (y * y).sum().backward()
    assert x.grad is not None and x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, -4.5])


def test_astype_to_the_same_dtype_is_the_tensor_and_to_ints_is_cut_from_the_graph():
    x = stag.tensor(np.array([1.5, -2.25]), requires_grad=True)
    assert x.astype(np.float64) is x
    ints = x.astype(np.int64)
    assert ints.dtype == np.int64 and not ints.requires_grad and ints.grad_fn is None
    np.testing.assert_array_equal(ints.numpy(), [1, -2])


def test_mixed_float_dtypes_name_the_fix():
    a, b = stag.tensor(np.ones(2, np.float32)), stag.tensor(np.ones(2))
    with pytest.raises(stag.DTypeError, match=r"add: dtypes float32 and float64 differ.*astype"):
        a + b
    np.testing.assert_array_equal((a.astype(np.float64) + b).numpy(), [2.0, 2.0])


def test_python_numbers_take_a_float_tensors_dtype_and_pytorchs_rule_for_ints():
    f = stag.tensor(np.array([1.0, 2.0], dtype=np.float32))
    for number in (2, 2.0, True, np.float64(2.0)):  # one cached constant serves them all
        assert (f * number).dtype == np.float32
    np.testing.assert_array_equal((f * True).numpy(), [1.0, 2.0])
    i = stag.tensor(np.array([1, 2]))
    assert (i * 2).dtype == np.int64
    # an int tensor and a Python float compute in float32, stag's default (never float64)
    for result in (i * 2.5, 2.5 * i, i / 2, 1.5 - i, i < 1.5):
        assert result.dtype in (np.float32, np.bool_)
    np.testing.assert_array_equal((i * 2.5).numpy(), [2.5, 5.0])
    with pytest.raises(
        TypeError, match=r"mul: expected a Tensor or a real Python number, got complex"
    ):
        f * (1 + 1j)  # type: ignore[operator]


@pytest.mark.parametrize("float_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("int_dtype", [np.int32, np.int64, np.bool_])
def test_an_int_tensor_meeting_a_float_tensor_takes_the_floats_dtype(int_dtype, float_dtype):
    ints = stag.tensor(np.array([1, 0, 1], dtype=int_dtype))
    floats_ = stag.tensor(np.array([0.5, 1.5, 2.5], dtype=float_dtype), requires_grad=True)
    for out in (ints * floats_, floats_ + ints, stag.where(ints > 0, floats_, 0.0)):
        assert out.dtype == float_dtype
    assert (ints.astype(np.int64) @ floats_).dtype == float_dtype
    (ints * floats_).sum().backward()
    assert floats_.grad is not None and floats_.grad.dtype == float_dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved_through_ops_and_grads(dtype):
    x = stag.tensor(np.array([[0.5, 1.0], [1.5, 2.0]], dtype=dtype), requires_grad=True)
    y = stag.tensor(np.array([0.25, 0.75], dtype=dtype), requires_grad=True)
    out = ((x * y + x / y - y).exp().log().sqrt().tanh().sigmoid() ** 2).sum()
    assert out.dtype == dtype
    out.backward()
    assert x.grad.dtype == dtype and y.grad.dtype == dtype
    assert x.grad.shape == (2, 2) and y.grad.shape == (2,)


def test_float32_values_close_to_float64_reference():
    a = np.random.default_rng(0).uniform(1.0, 2.0, (3, 4))
    t = stag.tensor(a.astype(np.float32))
    out = (t * t + t.log()).sqrt()
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), np.sqrt(a * a + np.log(a)), rtol=1e-6)


@FAST
@given(data=st.data())
def test_composite_expression_grads(data):
    sa, sb = data.draw(broadcast_shapes())
    a, b = data.draw(floats(sa)), data.draw(positive(sb))
    check_grads(lambda x, y: (x * y).tanh() + x.exp() / y - (y.sqrt() * x) ** 2, a, b, rtol=1e-4)


def test_same_tensor_used_twice_accumulates():
    x = stag.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True, dtype=np.float64)
    (x * x + x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() + 1)


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (lambda t: t + 1.0, 3.0),
        (lambda t: t * t, 4.0),
        (lambda t: -t, -2.0),
        (lambda t: t.exp(), np.exp(2.0)),
        (lambda t: abs(t), 2.0),
    ],
    ids=["add", "mul", "neg", "exp", "abs"],
)
def test_0d_results_expose_0d_arrays(fn, expected):
    out = fn(stag.tensor(np.array(2.0)))
    assert out.shape == () and out.ndim == 0
    view = out.numpy()
    assert isinstance(view, np.ndarray) and view.shape == ()
    assert float(np.asarray(out)) == pytest.approx(expected)
