"""stag.nn layers: values against numpy, gradients against finite differences.

Each layer is checked on hypothesis-drawn batch prefixes (none, one or two dims) in
float64; its parameters are swapped for the gradient-checked leaves, so the check
covers the input and every parameter.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from _gradcheck import FAST, check_grads, floats, nonzero, shapes
from hypothesis import given
from hypothesis import strategies as st

import stag
import stag.nn.functional as F
from stag import nn

F64 = np.float64


def _prefix(data):
    return data.draw(shapes(min_dims=0, max_dims=2, max_side=3))


def _np_gelu(a):
    return np.vectorize(lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2))))(a)


def _np_gelu_tanh(a):
    return 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a**3)))


def _np_layer_norm(a, w, b, eps=1e-5):
    mu = a.mean(-1, keepdims=True)
    var = ((a - mu) ** 2).mean(-1, keepdims=True)
    return (a - mu) / np.sqrt(var + eps) * w + b


# ------------------------------------------------------------------ Linear


@pytest.mark.parametrize("bias", [True, False])
@FAST
@given(data=st.data())
def test_linear_values_and_grads_under_any_batch_prefix(bias, data):
    prefix = _prefix(data)
    i, o = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    x = data.draw(floats((*prefix, i)))
    w, b = data.draw(floats((i, o))), data.draw(floats((o,)))
    lin = nn.Linear(i, o, bias=bias, dtype=F64)

    def forward(xt, wt, bt):
        lin.weight = wt
        lin.bias = bt if bias else None
        return lin(xt)

    out = (
        check_grads(forward, x, w, b)
        if bias
        else check_grads(lambda xt, wt: forward(xt, wt, None), x, w)
    )
    expected = x @ w + (b if bias else 0)
    assert out.shape == (*prefix, o)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_linear_weight_layout_and_pytorch_default_init():
    lin = nn.Linear(50, 7, generator=stag.Generator(0))
    assert lin.weight.shape == (50, 7)  # (in, out): the transpose of PyTorch's layout
    assert lin.bias is not None and lin.bias.shape == (7,)
    assert lin.weight.dtype == np.float32 and lin.weight.requires_grad
    bound = 1 / math.sqrt(50)
    for p in (lin.weight, lin.bias):
        a = p.numpy()
        assert np.all(np.abs(a) <= bound) and a.std() > bound / 3


def test_linear_init_is_seedable():
    a = nn.Linear(3, 4, generator=stag.Generator(7))
    b = nn.Linear(3, 4, generator=stag.Generator(7))
    c = nn.Linear(3, 4, generator=stag.Generator(8))
    np.testing.assert_array_equal(a.weight.numpy(), b.weight.numpy())
    np.testing.assert_array_equal(a.bias.numpy(), b.bias.numpy())
    assert not np.array_equal(a.weight.numpy(), c.weight.numpy())
    stag.manual_seed(3)
    d = nn.Linear(3, 4)
    stag.manual_seed(3)
    e = nn.Linear(3, 4)
    np.testing.assert_array_equal(d.weight.numpy(), e.weight.numpy())


def test_linear_with_plain_ints_and_bad_sizes():
    lin = nn.Linear(2, 32)
    assert lin(stag.randn(5, 2)).shape == (5, 32)
    assert lin(stag.randn(2)).shape == (32,)
    with pytest.raises(ValueError, match="in_features must be a positive int"):
        nn.Linear(0, 3)
    with pytest.raises(ValueError, match="out_features"):
        nn.Linear(3, 2.5)  # type: ignore[arg-type]


def test_linear_rejects_a_wrong_input_dim_at_run_time():
    with pytest.raises(stag.ShapeError, match="matmul"):
        nn.Linear(3, 4)(stag.randn(2, 5))


# ------------------------------------------------------------------ activations

ACTIVATIONS = {
    "ReLU": (nn.ReLU, lambda a: np.maximum(a, 0)),
    "Tanh": (nn.Tanh, np.tanh),
    "Sigmoid": (nn.Sigmoid, lambda a: 1 / (1 + np.exp(-a))),
    "GELU": (nn.GELU, _np_gelu),
    "GELU_tanh": (lambda: nn.GELU(approximate="tanh"), _np_gelu_tanh),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@FAST
@given(data=st.data())
def test_activation_layers(name, data):
    cls, ref = ACTIVATIONS[name]
    a = data.draw(nonzero((*_prefix(data), data.draw(st.integers(1, 4)))))
    layer = cls()
    out = check_grads(layer, a)
    np.testing.assert_allclose(out.numpy(), ref(a), rtol=1e-12, atol=1e-15)


def test_gelu_is_exact_by_default_and_its_tanh_form_is_close():
    a = np.linspace(-5, 5, 101)
    exact = nn.GELU()(stag.tensor(a)).numpy()
    np.testing.assert_allclose(exact, _np_gelu(a), rtol=1e-13, atol=1e-15)
    approximate = nn.GELU(approximate="tanh")(stag.tensor(a)).numpy()
    assert 0 < np.abs(approximate - exact).max() < 1e-3
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh'"):
        nn.GELU(approximate="erf")  # type: ignore[arg-type]


def test_gelu_matches_pytorch_in_both_forms():
    torch = pytest.importorskip("torch")
    a = np.linspace(-6, 6, 61)
    for form in ("none", "tanh"):
        x = stag.tensor(a, requires_grad=True, dtype=np.float64)
        tx = torch.tensor(a, requires_grad=True)
        y, ty = F.gelu(x, approximate=form), torch.nn.functional.gelu(tx, approximate=form)
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-15)
        (y * y).sum().backward()
        (ty * ty).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)


@FAST
@given(data=st.data())
def test_softmax_layer(data):
    shape = (*_prefix(data), data.draw(st.integers(1, 4)))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    a = data.draw(floats(shape, -3, 3))
    out = check_grads(nn.Softmax(axis=axis), a)
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    np.testing.assert_allclose(out.numpy(), e / e.sum(axis=axis, keepdims=True), rtol=1e-12)


# ------------------------------------------------------------------ Dropout


def test_dropout_train_masks_and_scales_eval_is_identity():
    x = stag.ones(1000, dtype=F64)
    drop = nn.Dropout(0.25, generator=stag.Generator(0))
    y = drop(x).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / 0.75)
    assert 0.65 < kept.mean() < 0.85
    drop.eval()
    assert drop(x) is x
    drop.train()
    assert not np.array_equal(drop(x).numpy(), np.ones(1000))


def test_dropout_is_seedable():
    x = stag.randn(20, 20)
    a = nn.Dropout(0.5, generator=stag.Generator(1))(x).numpy()
    b = nn.Dropout(0.5, generator=stag.Generator(1))(x).numpy()
    c = nn.Dropout(0.5, generator=stag.Generator(2))(x).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_dropout_edge_probabilities_and_bad_p():
    x = stag.randn(4, 5)
    assert nn.Dropout(0.0)(x) is x
    np.testing.assert_array_equal(nn.Dropout(1.0)(x).numpy(), np.zeros((4, 5)))
    assert nn.Dropout(1.0)(x).dtype == x.dtype
    with pytest.raises(ValueError, match="p must lie in"):
        nn.Dropout(1.5)


@FAST
@given(data=st.data())
def test_dropout_grads_are_the_mask_scaled(data):
    a = data.draw(floats((*_prefix(data), data.draw(st.integers(1, 4)))))
    seed = data.draw(st.integers(0, 100))

    def forward(t):  # a fresh generator per call: the same mask for every evaluation
        return nn.Dropout(0.4, generator=stag.Generator(seed))(t)

    out = check_grads(forward, a)
    mask = np.random.default_rng(seed).random(a.shape) >= 0.4
    np.testing.assert_allclose(out.numpy(), a * mask / 0.6, rtol=1e-12)


# ------------------------------------------------------------------ LayerNorm


@FAST
@given(data=st.data())
def test_layer_norm_against_numpy_with_grads(data):
    n = data.draw(st.integers(2, 4))
    a = data.draw(floats((*_prefix(data), n)))
    w, b = data.draw(floats((n,))), data.draw(floats((n,)))
    norm = nn.LayerNorm(n, dtype=F64)

    def forward(xt, wt, bt):
        norm.weight, norm.bias = wt, bt
        return norm(xt)

    out = check_grads(forward, a, w, b, atol=1e-5, rtol=1e-4)
    np.testing.assert_allclose(out.numpy(), _np_layer_norm(a, w, b), rtol=1e-10, atol=1e-10)


def test_layer_norm_defaults_and_no_affine():
    norm = nn.LayerNorm(4)
    np.testing.assert_array_equal(norm.weight.numpy(), np.ones(4))
    np.testing.assert_array_equal(norm.bias.numpy(), np.zeros(4))
    assert [n for n, _ in norm.named_parameters()] == ["weight", "bias"]
    bare = nn.LayerNorm(4, elementwise_affine=False)
    assert bare.parameters() == []
    a = np.random.default_rng(0).standard_normal((3, 4))
    out = bare(stag.tensor(a)).numpy()
    np.testing.assert_allclose(out, _np_layer_norm(a, 1.0, 0.0), rtol=1e-10)
    np.testing.assert_allclose(out.mean(-1), 0, atol=1e-12)
    with pytest.raises(stag.ShapeError, match="last dim of size 4"):
        norm(stag.randn(3, 5))


# ------------------------------------------------------------------ Embedding


@FAST
@given(data=st.data())
def test_embedding_lookup_and_grads_with_repeated_ids(data):
    v, d = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 3))
    prefix = _prefix(data)
    ids = np.random.default_rng(data.draw(st.integers(0, 1000))).integers(0, v, prefix)
    w = data.draw(floats((v, d)))
    emb = nn.Embedding(v, d, dtype=F64)
    id_tensor = stag.tensor(ids)

    def forward(wt):
        emb.weight = wt
        return emb(id_tensor)

    out = check_grads(forward, w)
    assert out.shape == (*prefix, d)
    np.testing.assert_array_equal(out.numpy(), w[ids])


def test_embedding_init_and_errors():
    emb = nn.Embedding(1000, 8, generator=stag.Generator(0))
    assert emb.weight.shape == (1000, 8) and emb.weight.requires_grad
    assert abs(float(emb.weight.numpy().std()) - 1.0) < 0.05  # N(0, 1) as in PyTorch
    with pytest.raises(
        IndexError, match=r"Embedding: id 1000 is out of range: ids must lie in \[0, 1000\)"
    ):
        emb(stag.tensor(np.array([1000])))
    with pytest.raises(TypeError, match="integers"):
        emb(stag.tensor(np.array([1.0])))


# ------------------------------------------------------------------ Flatten


@FAST
@given(data=st.data())
def test_flatten_keeps_the_leading_dim(data):
    shape = data.draw(shapes(min_dims=1, max_dims=4, max_side=3))
    a = data.draw(floats(shape))
    out = check_grads(nn.Flatten(), a)
    np.testing.assert_array_equal(out.numpy(), a.reshape(shape[0], -1))


def test_flatten_rejects_a_0d_tensor():
    with pytest.raises(stag.ShapeError, match="leading"):
        nn.Flatten()(stag.tensor(1.0))


# ------------------------------------------------------------------ Sequential


@FAST
@given(data=st.data())
def test_sequential_mlp_values_and_grads(data):
    prefix = _prefix(data)
    x = data.draw(floats((*prefix, 3)))
    w1, b1 = data.draw(floats((3, 4))), data.draw(floats((4,)))
    w2, b2 = data.draw(floats((4, 2))), data.draw(floats((2,)))
    model = nn.Sequential(nn.Linear(3, 4, dtype=F64), nn.Tanh(), nn.Linear(4, 2, dtype=F64))

    def forward(xt, w1t, b1t, w2t, b2t):
        first, _, last = model
        first.weight, first.bias, last.weight, last.bias = w1t, b1t, w2t, b2t
        return model(xt)

    out = check_grads(forward, x, w1, b1, w2, b2)
    np.testing.assert_allclose(out.numpy(), np.tanh(x @ w1 + b1) @ w2 + b2, rtol=1e-12)


def test_rshift_builds_one_flat_sequential():
    a, b, c = nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)
    chain = a >> b >> c
    assert isinstance(chain, nn.Sequential)
    assert list(chain) == [a, b, c]
    assert len(chain) == 3 and chain[2] is c
    assert [n for n, _ in chain.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    x = stag.randn(5, 3)
    np.testing.assert_array_equal(chain(x).numpy(), c(b(a(x))).numpy())
    longer = chain >> nn.Sigmoid()
    assert len(longer) == 4 and len(chain) == 3


def test_sequential_accepts_any_module_and_callables_at_run_time():
    class Twice(nn.Module):
        def __call__(self, x):
            return x * 2.0

    seq = nn.Sequential(Twice(), stag.relu, nn.Flatten())
    out = seq(stag.tensor(np.array([[[-1.0, 2.0]]])))
    np.testing.assert_array_equal(out.numpy(), [[0.0, 4.0]])
    assert "(1): <function relu" in repr(seq)
    with pytest.raises(TypeError, match="not callable"):
        nn.Sequential(nn.ReLU(), 3)  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="at least one layer"):
        nn.Sequential()  # type: ignore[call-overload]


def test_sequential_nests():
    inner = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    outer = nn.Sequential(inner, nn.Linear(3, 1))
    assert [n for n, _ in outer.named_parameters()] == [
        "0.0.weight", "0.0.bias", "1.weight", "1.bias",
    ]  # fmt: skip
    assert outer(stag.randn(4, 2)).shape == (4, 1)
