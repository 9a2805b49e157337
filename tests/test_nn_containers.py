"""Sequential indexing, ModuleList, ModuleDict, Module.apply, Identity and Flatten's axes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _gradcheck import FAST, shapes
from hypothesis import given
from hypothesis import strategies as st

import stag
from stag import nn

# ------------------------------------------------------------------ Sequential


def test_sequential_index_slice_len_and_iteration():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and list(seq) == [a, b, c]
    assert seq[0] is a and seq[-1] is c and seq[1] is b
    tail = seq[1:]
    assert isinstance(tail, nn.Sequential) and list(tail) == [b, c]
    assert tail.parameters()[0] is c.weight  # the slice shares the layers
    assert [n for n, _ in tail.named_parameters()] == ["1.weight", "1.bias"]
    x = stag.randn(4, 2)
    np.testing.assert_array_equal(seq(x).numpy(), tail(seq[0](x)).numpy())
    assert list(seq[::2]) == [a, c]


def test_sequential_empty_slice_and_bad_index_raise():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    with pytest.raises(IndexError, match=r"Sequential: the slice .* of 2 layers is empty"):
        seq[5:]
    with pytest.raises(IndexError):
        seq[2]


# ------------------------------------------------------------------ ModuleList


def _blocks(count):
    g = stag.Generator(0)
    return [nn.Linear(2, 2, generator=g) for _ in range(count)]


def test_module_list_finds_parameters_by_position():
    blocks = _blocks(3)
    ml = nn.ModuleList(blocks[:2])
    assert ml.append(blocks[2]) is ml
    assert len(ml) == 3 and list(ml) == blocks and ml[1] is blocks[1] and ml[-1] is blocks[2]
    names = [n for n, _ in ml.named_parameters()]
    assert names == [f"{i}.{p}" for i in range(3) for p in ("weight", "bias")]
    assert [n for n, _ in ml.named_children()] == ["0", "1", "2"]
    assert ml.parameters()[0] is blocks[0].weight


def test_module_list_extend_insert_setitem_delitem_slice():
    a, b, c, d = _blocks(4)
    ml = nn.ModuleList()
    assert ml.extend([a, b]) is ml
    ml.insert(0, c)
    assert list(ml) == [c, a, b]
    ml[1] = d
    del ml[0]
    assert list(ml) == [d, b]
    part = ml[1:]
    assert isinstance(part, nn.ModuleList) and list(part) == [b]


def test_module_list_inside_a_model_names_its_state_and_trains():
    class Deep(nn.Module):
        def __init__(self) -> None:
            self.blocks = nn.ModuleList(_blocks(2))
            self.norms = nn.ModuleDict({"first": nn.LayerNorm(2), "last": nn.LayerNorm(2)})

        def __call__(self, x):
            x = self.norms["first"](x)
            for block in self.blocks:
                x = block(x).tanh()
            return self.norms["last"](x)

    model = Deep()
    assert list(model.state_dict())[:3] == ["blocks.0.weight", "blocks.0.bias", "blocks.1.weight"]
    assert "norms.last.bias" in model.state_dict()
    model(stag.randn(3, 2)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    grads = stag.grad(lambda m: m(stag.ones(3, 2)).sum())(model)
    assert isinstance(grads.blocks, nn.ModuleList) and isinstance(grads.norms, nn.ModuleDict)
    assert grads.blocks[0].weight.shape == (2, 2)
    assert "(blocks): ModuleList(\n    (0): Linear" in repr(model)


def test_module_list_refuses_what_is_not_a_module():
    with pytest.raises(TypeError, match="ModuleList.append: expected a Module, got Tensor"):
        nn.ModuleList([stag.zeros(2)])
    with pytest.raises(TypeError, match="ModuleList: expected a Module, got function"):
        nn.ModuleList(_blocks(1))[0] = stag.relu


# ------------------------------------------------------------------ ModuleDict


def test_module_dict_mapping_methods_and_state_names():
    a, b, c = _blocks(3)
    md = nn.ModuleDict({"a": a})
    md.update([("b", b)])
    md["c"] = c
    assert list(md) == ["a", "b", "c"] and len(md) == 3 and "b" in md and "z" not in md
    assert list(md.keys()) == ["a", "b", "c"]
    assert list(md.values()) == [a, b, c]
    assert list(md.items())[1] == ("b", b)
    assert [n for n, _ in md.named_parameters()][:3] == ["a.weight", "a.bias", "b.weight"]
    assert md.pop("a") is a
    del md["b"]
    assert list(md) == ["c"] and md["c"] is c


@pytest.mark.parametrize("name", ["", "a.b", 1])
def test_module_dict_refuses_names_that_would_break_state_names(name):
    with pytest.raises(KeyError, match="ModuleDict: a name must be a non-empty str without"):
        nn.ModuleDict({name: nn.ReLU()})


def test_module_dict_refuses_what_is_not_a_module():
    with pytest.raises(TypeError, match=r"ModuleDict\['w'\]: expected a Module, got Tensor"):
        nn.ModuleDict({"w": stag.zeros(2)})


# ------------------------------------------------------------------ apply, Identity


def test_apply_visits_children_first_each_module_once_and_returns_self():
    shared = nn.Linear(2, 2)
    inner = nn.Sequential(shared, nn.ReLU())
    model = nn.Sequential(inner, shared)
    seen = []
    assert model.apply(seen.append) is model
    assert seen == [shared, inner[1], inner, model]


def test_apply_initialises_every_linear():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))

    def init(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)

    model.apply(init)
    assert all(not layer.weight.numpy().any() for layer in (model[0], model[-1]))


def test_identity_returns_its_input_and_ignores_arguments():
    x = stag.randn(2, 3)
    assert nn.Identity()(x) is x
    assert nn.Identity(54, unused=0.1)(x) is x
    assert nn.Identity().parameters() == [] and repr(nn.Identity()) == "Identity()"


# ------------------------------------------------------------------ Flatten


def _flatten_cases():
    return st.tuples(
        shapes(min_dims=1, max_dims=4, max_side=3), st.integers(-4, 3), st.integers(-4, 3)
    ).filter(
        lambda c: (
            -len(c[0]) <= c[1] < len(c[0])
            and -len(c[0]) <= c[2] < len(c[0])
            and c[1] % len(c[0]) <= c[2] % len(c[0])
        )
    )


@FAST
@given(case=_flatten_cases())
def test_flatten_merges_start_to_end_as_numpy_reshape(case):
    shape, start, end = case
    s, e = start % len(shape), end % len(shape)
    a = np.random.default_rng(0).standard_normal(shape)
    expected = a.reshape(shape[:s] + (math.prod(shape[s : e + 1]),) + shape[e + 1 :])
    np.testing.assert_array_equal(nn.Flatten(start, end)(stag.tensor(a)).numpy(), expected)


@FAST
@given(case=_flatten_cases())
def test_flatten_matches_pytorch(case):
    torch = pytest.importorskip("torch")
    shape, start, end = case
    a = np.random.default_rng(0).standard_normal(shape)
    expected = torch.nn.Flatten(start, end)(torch.from_numpy(a)).numpy()
    out = nn.Flatten(start, end)(stag.tensor(a))
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected)


def test_flatten_default_keeps_its_behaviour_and_gradient():
    x = stag.randn(2, 3, 4, requires_grad=True)
    out = nn.Flatten()(x)
    assert out.shape == (2, 12) and nn.Flatten()(stag.randn(5)).shape == (5, 1)
    assert nn.Flatten(0)(x).shape == (24,) and nn.Flatten(2)(stag.randn(2, 3, 4, 5)).shape == (
        2,
        3,
        20,
    )
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3, 4)))
    assert repr(nn.Flatten(0)) == "Flatten(start_axis=0, end_axis=-1)"


def test_flatten_errors_name_the_axes_and_the_shape():
    with pytest.raises(stag.ShapeError, match=r"Flatten: start_axis 3 is out of range .* \(2, 3\)"):
        nn.Flatten(3)(stag.randn(2, 3))
    with pytest.raises(stag.ShapeError, match="start_axis 2 comes after end_axis 1"):
        nn.Flatten(2, 1)(stag.randn(2, 3, 4))
    with pytest.raises(stag.ShapeError, match="got a 0-d one"):
        nn.Flatten(0)(stag.tensor(1.0))
    with pytest.raises(TypeError, match="Flatten: start_axis must be an int"):
        nn.Flatten(1.5)
