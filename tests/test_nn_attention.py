"""Attention: scaled_dot_product_attention and MultiheadAttention against PyTorch, masks,
and the stable case of a query whose every key is masked."""

from __future__ import annotations

import numpy as np
import pytest
from _gradcheck import check_grads

import stag
import stag.nn.functional as F
from stag import nn

RNG = np.random.default_rng(0)
Q, K, V = (RNG.standard_normal((2, 3, 5, 4)) for _ in range(3))


def tensors(*arrays: np.ndarray) -> list[stag.Tensor]:
    return [stag.tensor(a, dtype=np.float64) for a in arrays]


@pytest.mark.parametrize("causal", [False, True])
def test_attention_matches_pytorch_values_and_gradients(causal):
    torch = pytest.importorskip("torch")
    ours = [stag.tensor(a, requires_grad=True, dtype=np.float64) for a in (Q, K, V)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (Q, K, V)]
    out = F.scaled_dot_product_attention(*ours, is_causal=causal)
    ref = torch.nn.functional.scaled_dot_product_attention(*theirs, is_causal=causal)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    (out * out).sum().backward()
    (ref * ref).sum().backward()
    for mine, reference in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(
            mine.grad.numpy(), reference.grad.numpy(), rtol=1e-10, atol=1e-12
        )


def test_bool_and_float_masks_match_pytorch():
    torch = pytest.importorskip("torch")
    keep = RNG.random((5, 5)) > 0.3
    keep[:, 0] = True  # no fully masked row: PyTorch would give NaN there
    additive = np.where(keep, 0.0, -np.inf)
    for mask in (keep, additive):
        out = F.scaled_dot_product_attention(*tensors(Q, K, V), mask=stag.tensor(mask))
        ref = torch.nn.functional.scaled_dot_product_attention(
            *(torch.tensor(a) for a in (Q, K, V)), attn_mask=torch.tensor(mask)
        )
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12, atol=1e-14)


def test_a_fully_masked_query_gets_zeros_and_finite_gradients():
    q, k, v = (stag.tensor(a, requires_grad=True, dtype=np.float64) for a in (Q, K, V))
    keep = np.ones((5, 5), bool)
    keep[2] = False  # query 2 sees nothing
    out = F.scaled_dot_product_attention(q, k, v, mask=stag.tensor(keep))
    np.testing.assert_array_equal(out.numpy()[..., 2, :], 0.0)
    out.sum().backward()
    assert all(np.isfinite(t.grad.numpy()).all() for t in (q, k, v))


def test_attention_gradcheck_with_a_bool_mask():
    keep = RNG.random((3, 2)) > 0.4
    mask = stag.tensor(keep)
    check_grads(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, mask=mask),
        RNG.standard_normal((2, 3, 4)),
        RNG.standard_normal((2, 2, 4)),
        RNG.standard_normal((2, 2, 3)),
    )


def test_attention_shapes_are_checked():
    with pytest.raises(stag.ShapeError, match=r"expected q \(\*B, Tq, D\), k \(\*B, Tk, D\)"):
        F.scaled_dot_product_attention(*tensors(Q, K[..., :3], V))


def test_multihead_attention_matches_pytorch():
    torch = pytest.importorskip("torch")
    stag.manual_seed(0)
    layer = nn.MultiheadAttention(8, 2, causal=True, dtype=np.float64)
    ref = torch.nn.MultiheadAttention(8, 2, batch_first=True, dtype=torch.float64)
    with torch.no_grad():  # stag's Linear weight is (in, out): PyTorch's transposed
        ref.in_proj_weight.copy_(torch.tensor(layer.qkv.weight.numpy().T))
        ref.in_proj_bias.copy_(torch.tensor(layer.qkv.bias.numpy()))
        ref.out_proj.weight.copy_(torch.tensor(layer.out.weight.numpy().T))
        ref.out_proj.bias.copy_(torch.tensor(layer.out.bias.numpy()))
    x = RNG.standard_normal((3, 6, 8))
    causal = torch.nn.Transformer.generate_square_subsequent_mask(6, dtype=torch.float64)
    tx = torch.tensor(x, requires_grad=True)
    expected, _ = ref(tx, tx, tx, attn_mask=causal, need_weights=False)
    sx = stag.tensor(x, requires_grad=True, dtype=np.float64)
    got = layer(sx)
    np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    (got * got).sum().backward()
    (expected * expected).sum().backward()
    pairs = [
        (sx, tx),
        (layer.qkv.weight, ref.in_proj_weight),
        (layer.out.weight, ref.out_proj.weight),
    ]
    for ours, theirs in pairs:  # a head split through permute(-3, -2, -4, -1) had a wrong VJP
        expected_grad = theirs.grad.numpy()
        expected_grad = expected_grad if ours is sx else expected_grad.T
        np.testing.assert_allclose(ours.grad.numpy(), expected_grad, rtol=1e-10, atol=1e-12)


def test_multihead_attention_checks_its_sizes():
    with pytest.raises(ValueError, match="embed_dim 10 is not divisible by num_heads 3"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(stag.ShapeError, match=r"MultiheadAttention: expected \(\*B, T, 8\)"):
        nn.MultiheadAttention(8, 2)(stag.zeros(2, 5, 7))
