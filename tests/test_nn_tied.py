"""Weight tying as in GPT models: an Embedding's table used again by a TiedLinear output head."""

from __future__ import annotations

import numpy as np
import pytest
from _gradcheck import FAST, check_grads, floats
from hypothesis import given
from hypothesis import strategies as st

import stag
import stag.nn.functional as F
from stag import nn


class TinyLM(nn.Module):
    """Embedding -> tanh block -> output head tied to the embedding's table."""

    def __init__(self, vocab: int = 7, dim: int = 4, seed: int = 0) -> None:
        g = stag.Generator(seed)
        self.wte = nn.Embedding(vocab, dim, dtype=np.float64, generator=g)
        self.block = nn.Linear(dim, dim, dtype=np.float64, generator=g)
        self.head = nn.TiedLinear(self.wte.weight)

    def __call__(self, ids):
        return self.head(self.block(self.wte(ids)).tanh())


IDS = np.array([[0, 3, 3, 6], [1, 2, 5, 0]])
LABELS = np.array([[3, 3, 6, 1], [2, 5, 0, 4]])


def _loss(model):
    return F.cross_entropy(model(stag.tensor(IDS)), stag.tensor(LABELS))


def test_the_head_holds_the_embeddings_table_itself():
    model = TinyLM()
    assert model.head.weight is model.wte.weight
    assert (model.head.in_features, model.head.out_features) == (4, 7)
    assert model.head.bias is None
    assert repr(model.head) == "TiedLinear(in_features=4, out_features=7, bias=False, tied)"


def test_parameters_and_state_dict_hold_the_shared_table_once():
    model = TinyLM()
    names = [n for n, _ in model.named_parameters()]
    assert names == ["wte.weight", "block.weight", "block.bias"]
    assert sum(p is model.wte.weight for p in model.parameters()) == 1
    assert list(model.state_dict()) == names  # once, under its first name


def test_one_backward_accumulates_both_uses_into_one_grad():
    model = TinyLM()
    _loss(model).backward()
    total = model.wte.weight.grad.numpy().copy()
    # the two uses apart: an untied copy of the table in the head
    untied = TinyLM()
    untied.head = nn.TiedLinear(stag.tensor(untied.wte.weight.numpy().copy(), requires_grad=True))
    _loss(untied).backward()
    lookup, output = untied.wte.weight.grad.numpy(), untied.head.weight.grad.numpy()
    assert np.abs(lookup).sum() > 0 and np.abs(output).sum() > 0
    np.testing.assert_allclose(total, lookup + output, rtol=1e-12, atol=1e-15)


def test_the_shared_gradient_matches_finite_differences():
    template = TinyLM()

    def loss_of_table(table):
        model = TinyLM()
        model.block = template.block
        model.wte.weight = table  # the leaf, used by the lookup and by the head
        model.head = nn.TiedLinear(table)
        return _loss(model)

    check_grads(loss_of_table, template.wte.weight.numpy())


@FAST
@given(data=st.data(), bias=st.booleans())
def test_tied_linear_equals_a_matmul_with_the_transpose(data, bias):
    v, d = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    prefix = data.draw(st.lists(st.integers(1, 3), max_size=2))
    table, x = data.draw(floats((v, d))), data.draw(floats((*prefix, d)))

    def head(w, x):
        layer = nn.TiedLinear(w, bias=bias, generator=stag.Generator(0))
        if layer.bias is not None:
            layer.bias = stag.tensor(np.linspace(-1, 1, v))
        return layer(x)

    out = check_grads(head, table, x)
    expected = x @ table.T + (np.linspace(-1, 1, v) if bias else 0)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_an_optimizer_steps_the_shared_table_once_and_training_works():
    model = TinyLM(seed=1)
    opt = stag.optim.SGD(model, lr=0.5)
    assert len(opt.param_groups[0]["params"]) == 3
    first = _loss(model).item()
    for _ in range(50):
        loss = _loss(model)
        opt.zero_grad(), loss.backward(), opt.step()
    assert model.head.weight is model.wte.weight and loss.item() < 0.5 * first


def test_save_and_load_keep_the_tie(tmp_path):
    model = TinyLM(seed=2)
    stag.save(model, tmp_path / "lm.npz")
    fresh = TinyLM(seed=3)
    stag.load(fresh, tmp_path / "lm.npz")
    assert fresh.head.weight is fresh.wte.weight
    np.testing.assert_array_equal(fresh.head.weight.numpy(), model.wte.weight.numpy())
    np.testing.assert_allclose(_loss(fresh).item(), _loss(model).item(), rtol=1e-12)


def test_grad_of_a_function_of_the_model_gives_each_place_its_own_part():
    # stag.grad treats every place of a pytree as its own leaf (as JAX does): the gradient
    # module holds the lookup's part under wte.weight and the head's under head.weight;
    # their sum is what backward() accumulates in the one .grad.
    model = TinyLM()
    grads = stag.grad(_loss)(model)
    _loss(model).backward()
    np.testing.assert_allclose(
        grads.wte.weight.numpy() + grads.head.weight.numpy(),
        model.wte.weight.grad.numpy(),
        rtol=1e-12,
        atol=1e-15,
    )


def test_pytorch_ties_the_same_way():
    torch = pytest.importorskip("torch")
    model = TinyLM()
    emb = torch.nn.Embedding(7, 4, dtype=torch.float64)
    block = torch.nn.Linear(4, 4, dtype=torch.float64)
    head = torch.nn.Linear(4, 7, bias=False, dtype=torch.float64)
    head.weight = emb.weight  # PyTorch's idiom: one Parameter in two modules
    with torch.no_grad():
        emb.weight.copy_(torch.tensor(model.wte.weight.numpy()))
        block.weight.copy_(torch.tensor(model.block.weight.numpy().T))
        block.bias.copy_(torch.tensor(model.block.bias.numpy()))
    logits = head(torch.tanh(block(emb(torch.tensor(IDS)))))
    loss = torch.nn.functional.cross_entropy(
        logits.reshape(-1, 7), torch.tensor(LABELS).reshape(-1)
    )
    loss.backward()
    ours = _loss(model)
    ours.backward()
    np.testing.assert_allclose(ours.item(), loss.item(), rtol=1e-12)
    np.testing.assert_allclose(model.wte.weight.grad.numpy(), emb.weight.grad.numpy(), atol=1e-14)


def test_tied_linear_needs_a_2d_table():
    with pytest.raises(
        stag.ShapeError, match=r"TiedLinear: expected a 2-d weight .* got shape \(3,\)"
    ):
        nn.TiedLinear(stag.zeros(3, requires_grad=True))
    with pytest.raises(TypeError, match="TiedLinear"):
        nn.TiedLinear(np.zeros((2, 3)))
