"""AvgPool2d and AdaptiveAvgPool2d: values against direct loops and PyTorch, gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _gradcheck import FAST, check_grads, floats
from hypothesis import given
from hypothesis import strategies as st
from test_nn_conv import pool_setups

import stag
import stag.nn.functional as F
from stag import nn

# ----------------------------------------------------------- direct references


def loop_avg_pool2d(x, kernel, stride, padding):
    """The definition: the mean over each window of the zero-padded input."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho, wo = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    out = np.zeros(x.shape[:2] + (ho, wo))
    for r in range(ho):
        for q in range(wo):
            out[:, :, r, q] = xp[:, :, r * sh : r * sh + kh, q * sw : q * sw + kw].mean((2, 3))
    return out


def loop_adaptive_avg_pool2d(x, out_hw):
    """PyTorch's bins: cells floor(i * S / O) to ceil((i + 1) * S / O)."""
    (h, w), (oh, ow) = x.shape[2:], out_hw
    out = np.zeros(x.shape[:2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            rows = slice(math.floor(i * h / oh), math.ceil((i + 1) * h / oh))
            cols = slice(math.floor(j * w / ow), math.ceil((j + 1) * w / ow))
            out[:, :, i, j] = x[:, :, rows, cols].mean((2, 3))
    return out


@st.composite
def adaptive_setups(draw):
    shape = (
        draw(st.integers(1, 2)),
        draw(st.integers(1, 2)),
        *draw(st.lists(st.integers(1, 6), min_size=2, max_size=2)),
    )
    out = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    return shape, out


# ------------------------------------------------------------------ avg_pool2d


@FAST
@given(setup=pool_setups(), data=st.data())
def test_avg_pool2d_matches_the_direct_loop(setup, data):
    xs, kernel, stride, padding = setup
    x = data.draw(floats(xs))
    out = F.avg_pool2d(stag.tensor(x), kernel, stride, padding)
    np.testing.assert_allclose(out.numpy(), loop_avg_pool2d(x, kernel, stride, padding), atol=1e-12)


@FAST
@given(setup=pool_setups(), data=st.data())
def test_avg_pool2d_gradients_match_finite_differences(setup, data):
    xs, kernel, stride, padding = setup
    check_grads(lambda t: F.avg_pool2d(t, kernel, stride, padding), data.draw(floats(xs)))


@FAST
@given(setup=pool_setups(), data=st.data())
def test_avg_pool2d_matches_pytorch_with_gradients(setup, data):
    torch = pytest.importorskip("torch")
    xs, kernel, stride, padding = setup
    x = data.draw(floats(xs))
    ours, theirs = stag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = F.avg_pool2d(ours, kernel, stride, padding)
    expected = torch.nn.functional.avg_pool2d(theirs, kernel, stride, padding)
    g = np.random.default_rng(0).standard_normal(expected.shape)
    (out * stag.tensor(g)).sum().backward()
    (expected * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-12)


def test_avg_pool2d_keeps_float32_and_the_stride_defaults_to_the_kernel():
    out = F.avg_pool2d(stag.ones(2, 3, 4, 6), 2)
    assert out.shape == (2, 3, 2, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), np.ones((2, 3, 2, 3)))


def test_avg_pool2d_errors():
    with pytest.raises(stag.ShapeError, match=r"avg_pool2d: expected a 4-d input .* \(3, 4, 4\)"):
        F.avg_pool2d(stag.randn(3, 4, 4), 2)
    with pytest.raises(stag.ShapeError, match=r"padding \(2, 0\) is more than half the kernel"):
        F.avg_pool2d(stag.randn(1, 1, 4, 4), 3, padding=(2, 0))
    with pytest.raises(stag.ShapeError, match=r"kernel \(5, 5\) is larger than the padded input"):
        F.avg_pool2d(stag.randn(1, 1, 4, 4), 5)
    with pytest.raises(TypeError, match="avg_pool2d: expected a float tensor, got dtype int64"):
        F.avg_pool2d(stag.tensor(np.zeros((1, 1, 2, 2), np.int64)), 2)
    with pytest.raises(ValueError, match="AvgPool2d: stride must be an int >= 1"):
        nn.AvgPool2d(2, stride=0)


# ------------------------------------------------------------------ adaptive_avg_pool2d


@FAST
@given(setup=adaptive_setups(), data=st.data())
def test_adaptive_avg_pool2d_matches_pytorchs_bins(setup, data):
    shape, out_hw = setup
    x = data.draw(floats(shape))
    out = F.adaptive_avg_pool2d(stag.tensor(x), out_hw)
    np.testing.assert_allclose(out.numpy(), loop_adaptive_avg_pool2d(x, out_hw), atol=1e-12)


@FAST
@given(setup=adaptive_setups(), data=st.data())
def test_adaptive_avg_pool2d_gradients_match_finite_differences(setup, data):
    shape, out_hw = setup
    check_grads(lambda t: F.adaptive_avg_pool2d(t, out_hw), data.draw(floats(shape)))


@pytest.mark.parametrize(
    "hw, output_size",
    [((6, 6), 1), ((6, 4), (3, 2)), ((7, 5), (3, 2)), ((5, 9), (None, 4)), ((3, 3), (5, 4))],
)
def test_adaptive_avg_pool2d_matches_pytorch_with_gradients(hw, output_size):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, *hw))
    ours, theirs = stag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = nn.AdaptiveAvgPool2d(output_size)(ours)
    expected = torch.nn.AdaptiveAvgPool2d(output_size)(theirs)
    g = rng.standard_normal(expected.shape)
    (out * stag.tensor(g)).sum().backward()
    (expected * torch.from_numpy(g)).sum().backward()
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-12)


def test_global_average_pooling_is_the_spatial_mean():
    x = stag.randn(2, 3, 5, 7)
    out = nn.AdaptiveAvgPool2d(1)(x)
    assert out.shape == (2, 3, 1, 1) and out.dtype == np.float32
    # float32: a sum in another order (PyTorch's, under --stag-backend torch) rounds apart
    np.testing.assert_allclose(out.numpy(), x.numpy().mean((2, 3), keepdims=True), rtol=2e-6)


def test_adaptive_avg_pool2d_errors():
    with pytest.raises(ValueError, match="output_size must be an int >= 1, None, or a pair"):
        nn.AdaptiveAvgPool2d(0)
    with pytest.raises(ValueError, match="output_size must be"):
        F.adaptive_avg_pool2d(stag.randn(1, 1, 2, 2), (1, 2, 3))
    with pytest.raises(stag.ShapeError, match="adaptive_avg_pool2d: expected a 4-d input"):
        F.adaptive_avg_pool2d(stag.randn(2, 2), 1)


# ------------------------------------------------------------------ modules


def test_pool_modules_have_no_state_and_pytorchs_repr():
    assert nn.AvgPool2d(2).state_dict() == {} and nn.AdaptiveAvgPool2d(1).parameters() == []
    assert (
        repr(nn.AvgPool2d(3, 2, 1))
        == "AvgPool2d(kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))"
    )
    assert repr(nn.AdaptiveAvgPool2d((2, None))) == "AdaptiveAvgPool2d(output_size=(2, None))"


def test_a_cnn_with_average_pooling_trains():
    stag.manual_seed(0)

    class Net(nn.Module):
        def __init__(self) -> None:
            self.conv = nn.Conv2d(1, 4, 3, padding=1)
            self.pool = nn.AvgPool2d(2)
            self.gap = nn.AdaptiveAvgPool2d(1)
            self.head = nn.Linear(4, 2)

        def __call__(self, x):
            h = self.gap(self.pool(self.conv(x).relu()))
            return self.head(nn.Flatten()(h))

    net = Net()
    x = stag.randn(16, 1, 6, 6)
    labels = stag.tensor((x.numpy().mean((1, 2, 3)) > 0).astype(np.int64))
    opt = stag.optim.Adam(net, lr=0.05)
    losses = []
    for _ in range(40):
        loss = F.cross_entropy(net(x), labels)
        opt.zero_grad(), loss.backward(), opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


# --------------------------------------- a case for test_primitive_registry's table


def avg_pool2d_case(data):
    """A gradcheck case (fn over float64 leaves, arrays) for the ``avg_pool2d`` primitive."""
    xs, kernel, stride, padding = data.draw(pool_setups())
    return (lambda t: F.avg_pool2d(t, kernel, stride, padding)), [data.draw(floats(xs))]
