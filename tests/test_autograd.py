"""The engine: backward, accumulation, graph freeing, no_grad, in-place safety,
and the functional API (grad, value_and_grad, derivative)."""

from __future__ import annotations

import dataclasses
import gc
import weakref

import numpy as np
import pytest

import stag
import stag.nn.functional as F


def _leaf(a, dtype=np.float64):
    return stag.tensor(np.asarray(a, dtype=dtype), requires_grad=True, dtype=dtype)


def _const(a, dtype=np.float64):
    return stag.tensor(np.asarray(a, dtype=dtype), dtype=dtype)


# ------------------------------------------------------------------ backward basics


def test_scalar_autograd_example():
    a, b, c = (stag.tensor(v, requires_grad=True) for v in (123.0, 321.0, 42.0))
    assert a.shape == () and a.dtype == np.float32
    out = (a + b) * c
    out.backward()
    assert out.item() == pytest.approx((123 + 321) * 42)
    assert a.grad.item() == pytest.approx(42.0)
    assert b.grad.item() == pytest.approx(42.0)
    assert c.grad.item() == pytest.approx(444.0)


def test_backward_on_non_scalar_raises_shape_error():
    x = _leaf(np.ones(3))
    with pytest.raises(stag.ShapeError, match=r"\(3,\)"):
        (x * 2).backward()


def test_leaf_and_result_attributes():
    x = _leaf([1.0, 2.0])
    assert x.grad_fn is None and x.grad is None and x.requires_grad
    y = x + x
    assert y.requires_grad and y.grad_fn is not None and y.grad_fn.name == "add"
    assert (x * 3.0).grad_fn.name == "mul"
    assert (-x).grad_fn.name == "neg"
    assert x.sum().grad_fn.name == "sum"


def test_grad_fn_is_a_view_of_the_record_that_backward_frees():
    x = _leaf([1.0, 2.0])
    y = x * 3.0
    node = y.grad_fn
    assert node is not None and node.name == "mul" and node.parents[0] is x
    assert not node.freed and repr(node) == "<mul>"
    y.sum().backward()
    after = y.grad_fn
    assert after is not None and after.name == "mul" and after.freed
    assert after.parents == () and repr(after) == "<mul (freed)>"


def test_cross_entropy_records_one_node():
    logits = _leaf([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    loss = stag.nn.functional.cross_entropy(logits, stag.tensor(np.array([1, 2])))
    node = loss.grad_fn
    assert node is not None and node.name == "cross_entropy" and node.parents == (logits,)


def test_ops_on_constants_do_not_record():
    y = _const([1.0, 2.0]) * _const([3.0, 4.0])
    assert y.requires_grad is False and y.grad_fn is None


def test_gradients_accumulate_over_two_backward_calls():
    x = _leaf([1.0, -2.0, 0.5])
    (x * x).sum().backward()
    first = x.grad.numpy().copy()
    (x * x).sum().backward()
    np.testing.assert_allclose(first, 2 * x.numpy())
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)


def test_retain_graph_allows_second_backward_and_accumulates():
    x = _leaf([1.0, 2.0])
    loss = (x.exp() * x).sum()
    loss.backward(retain_graph=True)
    once = x.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * once)
    np.testing.assert_allclose(once, np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0])))


def test_second_backward_without_retain_graph_raises():
    x = _leaf([1.0, 2.0])
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="graph"):
        loss.backward()


def test_diamond_graph():
    x = _leaf(2.0)
    y = x * 3.0
    z = y * y + y.exp() - y  # three paths through y
    z.backward()
    assert x.grad.item() == pytest.approx(3 * (2 * 6.0 + np.exp(6.0) - 1))


def test_leaf_grads_never_share_memory():
    # the engine keeps a fresh VJP result as .grad without copying it; a gradient handed to
    # two leaves unchanged (add passes g through) or a view must still be copied
    a, b = stag.ones(3, requires_grad=True), stag.ones(3, requires_grad=True)
    w = stag.ones(2, 3, requires_grad=True)
    ((a + b).sum() + (stag.ones(4, 2) @ w).sum() + w.reshape(6).sum()).backward()
    assert a._grad is not None and b._grad is not None and w._grad is not None
    assert not np.shares_memory(a._grad, b._grad)
    with stag.no_grad():
        grad_a = a.grad
        assert grad_a is not None
        grad_a.add_(1.0)
    assert np.array_equal(b._grad, np.ones(3)) and np.array_equal(w._grad, np.full((2, 3), 5.0))


def test_detach_stops_gradient():
    x = _leaf([1.0, 2.0])
    d = x.detach()
    assert d.requires_grad is False and d.grad_fn is None
    np.testing.assert_array_equal(d.numpy(), x.numpy())
    (x * d).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0])


def test_requires_grad_():
    t = stag.tensor(np.array([1.0, 2.0]), dtype=np.float64)
    assert t.requires_grad is False
    t.requires_grad_()
    assert t.requires_grad is True
    (t * t).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [2.0, 4.0])


def test_long_chain_backward_does_not_recurse():
    x = _leaf(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001**5000, rel=1e-9)


def test_grads_flow_only_to_tensors_that_require_them():
    x, c = _leaf([1.0, 2.0]), _const([3.0, 4.0])
    (x * c).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])
    assert c.grad is None


# ------------------------------------------------------------------ dtypes


def test_float32_default_through_ops_and_grads():
    x = stag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w = stag.randn(2, 3, requires_grad=True)
    assert x.dtype == np.float32 and w.dtype == np.float32
    loss = F.cross_entropy(x @ w, stag.tensor([0, 2]))
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_float64_preserved_through_ops_and_grads():
    x = _leaf(np.ones((2, 2)))
    w = stag.randn(2, 3, dtype=np.float64, requires_grad=True)
    loss = F.mse_loss((x @ w).tanh().mean(axis=0), _const(np.zeros(3)))
    assert loss.dtype == np.float64
    loss.backward()
    assert x.grad.dtype == np.float64 and w.grad.dtype == np.float64


# ------------------------------------------------------------------ graph lifetime


def test_intermediate_is_collected_after_backward_and_del():
    x = _leaf(np.ones(4))
    y = x * 2.0
    z = y.exp()
    ref_y, ref_z = weakref.ref(y), weakref.ref(z)
    loss = z.sum()
    del y, z
    loss.backward()
    del loss
    gc.collect()
    assert ref_y() is None and ref_z() is None
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(2.0))


def test_backward_frees_the_graph_while_the_loss_is_alive():
    x = _leaf(np.ones(4))
    y = x * 2.0
    ref_y = weakref.ref(y)
    loss = y.exp().sum()
    del y
    loss.backward()
    gc.collect()
    assert ref_y() is None
    assert loss.item() == pytest.approx(4 * np.exp(2.0))


def test_retain_graph_keeps_the_graph():
    x = _leaf(np.ones(4))
    y = x * 2.0
    ref_y = weakref.ref(y)
    loss = y.exp().sum()
    del y
    loss.backward(retain_graph=True)
    gc.collect()
    assert ref_y() is not None


def test_training_loop_does_not_leak_graphs():
    gen = stag.Generator(0)
    w = stag.randn(3, 2, dtype=np.float64, requires_grad=True, generator=gen)
    xs = _const(np.random.default_rng(0).standard_normal((8, 3)))
    ys = stag.tensor(np.arange(8) % 2)
    refs = []
    losses = []
    gc.collect()
    live_before = _live_tensors()
    for step in range(2000):
        logits = xs @ w
        loss = F.cross_entropy(logits, ys)
        if step % 100 == 0:
            refs.append(weakref.ref(logits))
        loss.backward()
        with stag.no_grad():
            w.sub_(w.grad * 0.1)
        w.grad.zero_()
        losses.append(loss.item())
    del logits, loss
    gc.collect()
    assert [r() for r in refs] == [None] * len(refs)
    assert losses[-1] < losses[0]
    assert _live_tensors() - live_before < 10


def _live_tensors():
    return sum(1 for o in gc.get_objects() if isinstance(o, stag.Tensor))


# ------------------------------------------------------------------ no_grad


def test_no_grad_records_nothing():
    x = _leaf([1.0, 2.0])
    with stag.no_grad():
        y = (x * 2).exp().sum()
    assert y.requires_grad is False and y.grad_fn is None
    z = x * 2
    assert z.requires_grad is True and z.grad_fn is not None


def test_no_grad_restores_mode_after_exception():
    x = _leaf([1.0])
    with pytest.raises(KeyError), stag.no_grad():
        {}["missing"]
    assert (x * 2).requires_grad is True


def test_nested_no_grad():
    x = _leaf([1.0])
    with stag.no_grad():
        with stag.no_grad():
            pass
        assert (x * 2).requires_grad is False
    assert (x * 2).requires_grad is True


# ------------------------------------------------------------------ in-place ops


def test_inplace_ops_values():
    t = _const([1.0, 2.0, 3.0])
    t.add_(_const([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(t.numpy(), [2.0, 3.0, 4.0])
    t.sub_(_const([0.5, 0.5, 0.5]))
    np.testing.assert_array_equal(t.numpy(), [1.5, 2.5, 3.5])
    t.mul_(_const([2.0, 2.0, 2.0]))
    np.testing.assert_array_equal(t.numpy(), [3.0, 5.0, 7.0])
    t.copy_(_const([9.0, 8.0, 7.0]))
    np.testing.assert_array_equal(t.numpy(), [9.0, 8.0, 7.0])
    t.zero_()
    np.testing.assert_array_equal(t.numpy(), [0.0, 0.0, 0.0])


@pytest.mark.parametrize("mutate", ["add_", "sub_", "mul_", "copy_", "zero_"])
def test_inplace_on_leaf_requiring_grad_raises_outside_no_grad(mutate):
    w = _leaf([1.0, 2.0])
    method = getattr(w, mutate)
    with pytest.raises(RuntimeError):
        method() if mutate == "zero_" else method(_const([3.0, 3.0]))
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])


def test_inplace_on_leaf_allowed_under_no_grad():
    w = _leaf([1.0, 2.0])
    with stag.no_grad():
        w.sub_(_const([0.5, 0.5]))
    np.testing.assert_array_equal(w.numpy(), [0.5, 1.5])
    assert w.requires_grad and w.grad_fn is None


@pytest.mark.parametrize("mutate", ["add_", "sub_", "mul_", "copy_", "zero_"])
def test_modifying_saved_tensor_then_backward_raises(mutate):
    x = _leaf([1.0, 2.0])
    c = _const([3.0, 4.0])
    loss = (x * c).sum()  # mul saves c for x's gradient
    method = getattr(c, mutate)
    method() if mutate == "zero_" else method(_const([1.0, 1.0]))
    with pytest.raises(RuntimeError, match="modified"):
        loss.backward()


# ------------------------------------------------------------------ functional API


def _quadratic(params):
    return (params["w"] * params["w"]).sum() + (params["b"] * 3.0).sum()


def test_grad_of_dict_pytree():
    params = {"w": _leaf([1.0, 2.0]), "b": _leaf([0.5])}
    g = stag.grad(_quadratic)(params)
    assert set(g) == {"w", "b"}
    np.testing.assert_allclose(g["w"].numpy(), [2.0, 4.0])
    np.testing.assert_allclose(g["b"].numpy(), [3.0])
    assert params["w"].grad is None and params["b"].grad is None


def test_value_and_grad_of_nested_list_and_tuple():
    def f(ps):
        (a, (b, c)) = ps[0], ps[1]
        return (a * b).sum() + c.sum() * 2.0

    ps = [_leaf([1.0, 2.0]), (_leaf([3.0, 4.0]), _leaf(np.ones((2, 2))))]
    value, g = stag.value_and_grad(f)(ps)
    assert float(np.asarray(value)) == pytest.approx(1 * 3 + 2 * 4 + 8)
    assert isinstance(g, list) and isinstance(g[1], tuple)
    np.testing.assert_allclose(g[0].numpy(), [3.0, 4.0])
    np.testing.assert_allclose(g[1][0].numpy(), [1.0, 2.0])
    np.testing.assert_allclose(g[1][1].numpy(), np.full((2, 2), 2.0))


@dataclasses.dataclass
class Params:
    w: stag.Tensor
    b: stag.Tensor


def test_grad_of_dataclass_pytree():
    p = Params(w=_leaf(np.ones((2, 3))), b=_leaf(np.zeros(3)))
    x = _const(np.arange(2.0))

    def loss(p):
        return ((x @ p.w + p.b) ** 2).sum()

    g = stag.grad(loss)(p)
    assert isinstance(g, Params)
    out = x.numpy() @ p.w.numpy() + p.b.numpy()
    np.testing.assert_allclose(g.b.numpy(), 2 * out)
    np.testing.assert_allclose(g.w.numpy(), np.outer(x.numpy(), 2 * out))
    assert p.w.grad is None


def test_grad_argnums():
    def f(a, b, c):
        return (a * b * c).sum()

    a, b, c = _leaf([2.0]), _leaf([3.0]), _leaf([5.0])
    ga = stag.grad(f)(a, b, c)
    np.testing.assert_allclose(ga.numpy(), [15.0])
    gb = stag.grad(f, argnums=1)(a, b, c)
    np.testing.assert_allclose(gb.numpy(), [10.0])
    gs = stag.grad(f, argnums=(0, 2))(a, b, c)
    assert isinstance(gs, tuple) and len(gs) == 2
    np.testing.assert_allclose(gs[0].numpy(), [15.0])
    np.testing.assert_allclose(gs[1].numpy(), [6.0])
    value, (g0, g1) = stag.value_and_grad(f, argnums=(0, 1))(a, b, c)
    np.testing.assert_allclose(g0.numpy(), [15.0])
    assert float(np.asarray(value)) == pytest.approx(30.0)
    np.testing.assert_allclose(g1.numpy(), [10.0])
    assert a.grad is None and b.grad is None and c.grad is None


def test_grad_leaves_existing_grad_untouched():
    x = _leaf([1.0, 2.0])
    (x * 5.0).sum().backward()
    g = stag.grad(lambda t: (t * t).sum())(x)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_grad_works_on_inputs_without_requires_grad():
    x = _const([1.0, 2.0])
    np.testing.assert_allclose(stag.grad(lambda t: (t**3).sum())(x).numpy(), [3.0, 12.0])


def test_derivative():
    w = _leaf(np.array([[1.0, 2.0], [3.0, 4.0]]))
    x = _const([1.0, -1.0])
    d = stag.derivative(lambda: ((w @ x) ** 2).sum(), w)
    assert d.shape == (2, 2)
    r = w.numpy() @ x.numpy()
    np.testing.assert_allclose(d.numpy(), 2 * np.outer(r, x.numpy()))
    assert w.grad is None


# ------------------------------------------------------------------ gradients of intermediates
def test_grad_of_any_tensor_of_the_graph_leaves_every_grad_alone():
    x = stag.tensor(np.array([1.0, 2.0]), requires_grad=True, dtype=np.float64)
    h = x * 3.0
    y = (h * h).sum()
    np.testing.assert_array_equal(stag.grad_of(y, h, retain_graph=True).numpy(), [6.0, 12.0])
    dx, dh, unused = stag.grad_of(y, [x, h, stag.zeros(2, requires_grad=True)])
    np.testing.assert_array_equal(dx.numpy(), [18.0, 36.0])
    np.testing.assert_array_equal(dh.numpy(), [6.0, 12.0])
    np.testing.assert_array_equal(unused.numpy(), [0.0, 0.0])
    assert x.grad is None and h.grad is None


def test_retain_grad_keeps_an_intermediate_gradient():
    x = stag.tensor(np.array([1.0, 2.0]), requires_grad=True, dtype=np.float64)
    h = (x * 3.0).retain_grad()
    other = x * 2.0  # not retained
    ((h * h).sum() + other.sum()).backward()
    np.testing.assert_array_equal(h.grad.numpy(), [6.0, 12.0])
    assert other.grad is None
    np.testing.assert_array_equal(x.grad.numpy(), [20.0, 38.0])
    with pytest.raises(RuntimeError, match="retain_grad: this tensor does not require grad"):
        stag.zeros(2).retain_grad()
