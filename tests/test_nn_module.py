"""stag.nn.Module: parameter discovery, modes, state dicts, repr, pytree gradients, init."""

from __future__ import annotations

import math

import numpy as np
import pytest

import stag
import stag.nn.functional as F
from stag import nn
from stag.nn import init


class Block(nn.Module):
    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        g = stag.Generator(seed)
        self.proj = nn.Linear(3, 4, generator=g)
        self.layers = [nn.Linear(4, 4, generator=g), nn.Tanh(), nn.Linear(4, 2, generator=g)]
        self.heads = {"a": nn.Linear(2, 1, generator=g)}
        self.scale = stag.ones(2, requires_grad=True)
        self.buffer = stag.zeros(2)  # no grad: not a parameter
        self.drop = nn.Dropout(0.5)
        self.name = "block"

    def __call__(self, x):
        h = self.proj(x)
        for layer in self.layers:
            h = layer(h)
        return self.heads["a"](self.drop(h) * self.scale)


NAMES = [
    "proj.weight", "proj.bias", "layers.0.weight", "layers.0.bias", "layers.2.weight",
    "layers.2.bias", "heads.a.weight", "heads.a.bias", "scale",
]  # fmt: skip


# ------------------------------------------------------------------ discovery


def test_named_parameters_in_attribute_order_with_dotted_names():
    block = Block()
    assert [n for n, _ in block.named_parameters()] == NAMES
    assert block.parameters()[0] is block.proj.weight
    assert block.parameters()[-1] is block.scale
    assert all(p.requires_grad for p in block.parameters())


def test_children_and_modules():
    block = Block()
    names = [n for n, _ in block.named_children()]
    assert names == ["proj", "layers.0", "layers.1", "layers.2", "heads.a", "drop"]
    assert next(block.children()) is block.proj
    modules = list(block.modules())
    assert modules[0] is block and len(modules) == 7
    assert [n for n, _ in block.named_modules()][:2] == ["", "proj"]


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    tied = nn.Sequential(lin, nn.ReLU(), lin)
    assert [n for n, _ in tied.named_parameters()] == ["0.weight", "0.bias"]


def test_frozen_parameter_stays_a_parameter_and_reassignment_updates():
    lin = nn.Linear(2, 3)
    lin.weight.requires_grad_(False)
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    lin.bias = None
    assert [n for n, _ in lin.named_parameters()] == ["weight"]


def test_subclass_without_super_init_works():
    class Bare(nn.Module):
        def __init__(self) -> None:
            self.w = stag.zeros(2, requires_grad=True)

    bare = Bare()
    assert bare.training and [n for n, _ in bare.named_parameters()] == ["w"]


# ------------------------------------------------------------------ modes


def test_train_and_eval_reach_every_module_and_return_self():
    block = Block()
    assert block.eval() is block
    assert not any(m.training for m in block.modules())
    x = stag.randn(5, 3)
    np.testing.assert_array_equal(block(x).numpy(), block(x).numpy())  # dropout off
    assert block.train() is block
    assert all(m.training for m in block.modules())
    block.train(False)
    assert not block.drop.training


def test_zero_grad_clears_every_grad():
    block = Block()
    block(stag.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in block.parameters())
    block.zero_grad()
    assert all(p.grad is None for p in block.parameters())


def test_zero_grad_without_set_to_none_zeroes_each_gradient_in_place():
    block = Block()
    block(stag.randn(5, 3)).sum().backward()
    arrays = [p.grad.numpy() for p in block.parameters()]  # views of the gradients
    block.zero_grad(set_to_none=False)
    assert all(not a.any() for a in arrays)  # the same arrays, now 0 (PyTorch's in place)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in block.parameters())


# ------------------------------------------------------------------ state dicts


def test_state_dict_holds_the_parameters_and_buffers_themselves():
    block = Block()
    state = block.state_dict()
    assert list(state) == [*NAMES, "buffer"]
    assert state["proj.weight"] is block.proj.weight
    assert state["buffer"] is block.buffer
    assert [n for n, _ in block.named_buffers()] == ["buffer"]
    assert block.buffers() == [block.buffer]


class Buffers(nn.Module):
    """A tensor without grad in every place a module can hold one."""

    def __init__(self) -> None:
        self.weight = stag.ones(2, requires_grad=True)
        self.frozen = stag.ones(2, requires_grad=True)
        self.frozen.requires_grad_(False)  # a parameter frozen after assignment stays one
        self.table = stag.tensor(np.arange(3))  # int64: a fixed table
        self.stats = [stag.zeros(2), stag.ones(2, requires_grad=True)]
        self.pair = (stag.zeros(1),)
        self.named = {"mean": stag.zeros(2), "scale": stag.ones(2, requires_grad=True)}
        self.nested = {"a": [stag.zeros(1), {"b": stag.zeros(1)}]}
        self.child = nn.Linear(2, 2)
        self.child.weight.requires_grad_(False)
        self.child.running = stag.zeros(2)


def test_buffers_are_found_in_attributes_lists_tuples_dicts_and_nesting():
    module = Buffers()
    assert [n for n, _ in module.named_parameters()] == [
        "weight", "frozen", "stats.1", "named.scale", "child.weight", "child.bias",
    ]  # fmt: skip
    assert [n for n, _ in module.named_buffers()] == [
        "table", "stats.0", "pair.0", "named.mean", "nested.a.0", "nested.a.1.b", "child.running",
    ]  # fmt: skip
    assert list(module.state_dict()) == [
        "weight", "frozen", "table", "stats.0", "stats.1", "pair.0", "named.mean",
        "named.scale", "nested.a.0", "nested.a.1.b", "child.weight", "child.bias",
        "child.running",
    ]  # fmt: skip
    frozen = [p for p in module.parameters() if not p.requires_grad]
    assert frozen == [module.frozen, module.child.weight]


def test_load_state_dict_restores_buffers_and_checks_them():
    src, dst = Buffers(), Buffers()
    src.stats[0].copy_(stag.tensor([3.0, 4.0]))
    src.table.copy_(stag.tensor(np.array([7, 8, 9])))
    dst.load_state_dict(src.state_dict())
    np.testing.assert_array_equal(dst.stats[0].numpy(), [3.0, 4.0])
    np.testing.assert_array_equal(dst.table.numpy(), [7, 8, 9])
    state = {k: v.numpy() for k, v in src.state_dict().items()}
    state["table"] = np.zeros(3)  # float64 for an int64 table
    with pytest.raises(stag.DTypeError, match="table: expected int64, got float64"):
        dst.load_state_dict(state)


def test_shared_buffers_are_listed_once():
    module = Buffers()
    module.alias = module.table
    assert [n for n, _ in module.named_buffers()].count("alias") == 0


@pytest.mark.parametrize(
    "value",
    [
        {1: stag.zeros(1), "1": stag.zeros(1)},  # int and str keys give one name
        {"0.weight": stag.zeros(1), "0": nn.Linear(1, 1)},  # a dotted key and a nested path
        {"a": [stag.zeros(1)], "a.0": stag.zeros(1)},
    ],
    ids=["int-and-str-keys", "dotted-key", "nested"],
)
def test_colliding_names_are_refused_when_assigned(value):
    module = nn.Module()
    with pytest.raises(ValueError, match=r"Module: two places give the state name 'items\.\S+'"):
        module.items = value


def test_colliding_names_made_after_assignment_are_refused_by_state_dict():
    module = nn.Module()
    module.items = {"a": stag.zeros(1)}
    module.items["a.b"] = stag.zeros(1)
    setattr(module, "items.a", {"b": stag.zeros(1)})  # an attribute name with a dot
    with pytest.raises(ValueError, match=r"state name 'items\.a\.b'"):
        module.state_dict()
    with pytest.raises(ValueError, match="two places give"):
        stag.save(module, "/nonexistent/never-written.ckpt")


def test_load_state_dict_round_trip_keeps_parameter_identity():
    src, dst = Block(seed=1), Block(seed=2)
    before = dst.parameters()
    x = stag.randn(4, 3)
    src.eval()
    dst.eval()
    assert not np.allclose(src(x).numpy(), dst(x).numpy())
    dst.load_state_dict(src.state_dict())
    assert all(a is b for a, b in zip(before, dst.parameters(), strict=True))
    np.testing.assert_array_equal(src(x).numpy(), dst(x).numpy())
    # numpy arrays work too, and the copy is a copy
    arrays = {k: v.numpy().copy() for k, v in Block(seed=3).state_dict().items()}
    dst.load_state_dict(arrays)
    arrays["proj.bias"][:] = 99
    assert not np.any(dst.proj.bias.numpy() == 99)
    np.testing.assert_array_equal(dst.proj.weight.numpy(), arrays["proj.weight"])


def _snapshot(module):
    return {k: v.numpy().copy() for k, v in module.state_dict().items()}


def _unchanged(module, snapshot):
    return all(np.array_equal(v.numpy(), snapshot[k]) for k, v in module.state_dict().items())


def test_load_state_dict_wrong_shape_raises_and_changes_nothing():
    model, other = Block(seed=1), Block(seed=2)
    snapshot = _snapshot(model)
    state = dict(other.state_dict())
    state["heads.a.weight"] = stag.zeros(3, 1)  # the last one: earlier ones are valid
    with pytest.raises(stag.ShapeError, match=r"heads\.a\.weight: expected \(2, 1\), got \(3, 1\)"):
        model.load_state_dict(state)
    assert _unchanged(model, snapshot)


def test_load_state_dict_names_are_checked_when_strict():
    model = Block()
    snapshot = _snapshot(model)
    state = dict(Block(seed=5).state_dict())
    del state["scale"]
    state["extra.weight"] = stag.zeros(1)
    with pytest.raises(
        KeyError, match=r"missing keys \['scale'\].*unexpected keys \['extra.weight'\]"
    ):
        model.load_state_dict(state)
    assert _unchanged(model, snapshot)
    model.load_state_dict(state, strict=False)  # loads what matches, ignores the rest
    np.testing.assert_array_equal(model.proj.weight.numpy(), state["proj.weight"].numpy())
    np.testing.assert_array_equal(model.scale.numpy(), snapshot["scale"])


def test_load_state_dict_wrong_dtype_raises_and_changes_nothing():
    model = nn.Linear(2, 3)
    snapshot = _snapshot(model)
    state = {k: v.numpy().astype(np.float64) for k, v in model.state_dict().items()}
    with pytest.raises(stag.DTypeError, match="weight: expected float32, got float64"):
        model.load_state_dict(state)
    assert _unchanged(model, snapshot)


def test_load_state_dict_inside_a_grad_context_and_then_training_works():
    model = nn.Linear(2, 1)
    model.load_state_dict(nn.Linear(2, 1).state_dict())
    F.mse_loss(model(stag.randn(4, 2)), stag.randn(4, 1)).backward()
    assert model.weight.grad is not None


# ------------------------------------------------------------------ repr


def test_repr_shows_the_structure():
    model = nn.Sequential(
        nn.Linear(4, 8), nn.ReLU(), nn.Sequential(nn.Dropout(0.1), nn.Linear(8, 2))
    )
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=8, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Dropout(p=0.1)\n"
        "    (1): Linear(in_features=8, out_features=2, bias=True)\n"
        "  )\n"
        ")"
    )
    assert repr(Block()).startswith("Block(\n  (proj): Linear(in_features=3")
    assert "(layers.1): Tanh()" in repr(Block())
    assert repr(nn.LayerNorm(3)) == "LayerNorm((3,), eps=1e-05, elementwise_affine=True)"
    assert repr(nn.Embedding(10, 4)) == "Embedding(10, 4)"


# ------------------------------------------------------------------ pytree gradients


def test_grad_of_a_module_is_a_module_of_gradients():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    x, y = stag.randn(5, 3), stag.tensor(np.array([0, 1, 1, 0, 1]))

    def loss_fn(m, x, y):
        return F.cross_entropy(m(x), y)

    grads = stag.grad(loss_fn)(model, x, y)
    assert type(grads) is nn.Sequential and grads is not model
    assert [n for n, _ in grads.named_parameters()] == [n for n, _ in model.named_parameters()]
    assert all(p.grad is None for p in model.parameters())  # the caller's model untouched
    loss_fn(model, x, y).backward()
    for (name, g), p in zip(grads.named_parameters(), model.parameters(), strict=True):
        assert g.shape == p.shape, name
        np.testing.assert_allclose(g.numpy(), p.grad.numpy(), rtol=1e-5, err_msg=name)
    assert grads[0].weight is not model[0].weight


def test_value_and_grad_of_a_custom_module():
    block = Block().eval()
    x = stag.randn(4, 3)
    value, grads = stag.value_and_grad(lambda m: m(x).sum())(block)
    assert isinstance(grads, Block)
    np.testing.assert_allclose(value.item(), block(x).sum().item(), rtol=1e-6)
    assert grads.name == "block" and grads.buffer is block.buffer
    assert [n for n, _ in grads.named_parameters()] == NAMES
    assert list(grads.state_dict()) == [*NAMES, "buffer"]  # the buffer is shared, not a leaf
    flat, _ = stag.tree_flatten(grads)
    assert len(flat) == len(NAMES)


# ------------------------------------------------------------------ init


def test_kaiming_uniform_with_sqrt5_gives_one_over_sqrt_fan_in():
    w = stag.zeros(200, 30)  # stag's (in, out) layout: fan_in = 200
    init.kaiming_uniform_(w, a=math.sqrt(5), generator=stag.Generator(0))
    a = w.numpy()
    bound = 1 / math.sqrt(200)
    assert np.abs(a).max() <= bound and np.abs(a).max() > 0.95 * bound
    relu = init.kaiming_uniform_(stag.zeros(200, 30), nonlinearity="relu")
    assert np.abs(relu.numpy()).max() <= math.sqrt(6 / 200)


def test_fans_for_linear_and_conv_layouts():
    assert init.calculate_fans((5, 7)) == (5, 7)
    assert init.calculate_fans((8, 3, 5, 5)) == (75, 200)
    with pytest.raises(stag.ShapeError, match="rank >= 2"):
        init.calculate_fans((3,))


def test_initialisers_fill_in_place_and_are_seedable():
    p = stag.zeros(30, 40, requires_grad=True)
    assert init.xavier_uniform_(p, generator=stag.Generator(0)) is p
    assert np.abs(p.numpy()).max() <= math.sqrt(6 / 70)
    q = init.xavier_uniform_(stag.zeros(30, 40), generator=stag.Generator(0))
    np.testing.assert_array_equal(p.numpy(), q.numpy())
    n = init.normal_(stag.zeros(10000), 2.0, 0.5, generator=stag.Generator(1))
    assert abs(n.numpy().mean() - 2.0) < 0.05 and abs(n.numpy().std() - 0.5) < 0.05
    u = init.uniform_(stag.zeros(1000, dtype=np.float64), -3, -2)
    assert u.dtype == np.float64 and u.numpy().min() >= -3 and u.numpy().max() < -2
    np.testing.assert_array_equal(init.zeros_(p).numpy(), 0)
    np.testing.assert_array_equal(init.ones_(p).numpy(), 1)
    assert p.requires_grad
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_grad_reaches_parameters_in_nested_containers():
    class Nested(nn.Module):
        def __init__(self) -> None:
            self.deep = {"a": [stag.ones(2, requires_grad=True)]}

        def __call__(self, x):
            return (self.deep["a"][0] * x).sum()

    module = Nested()
    assert [n for n, _ in module.named_parameters()] == ["deep.a.0"]
    grads = stag.grad(lambda m: m(stag.tensor([1.0, 2.0])))(module)
    np.testing.assert_array_equal(grads.deep["a"][0].numpy(), [1.0, 2.0])
