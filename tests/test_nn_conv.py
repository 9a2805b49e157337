"""Conv2d and MaxPool2d: values against direct loops, gradients against finite differences."""

from __future__ import annotations

import math
from typing import Any, Literal, get_args

import numpy as np
import pytest
from _gradcheck import FAST, check_grads, distinct, floats
from hypothesis import given
from hypothesis import strategies as st

import stag
from stag._ops import conv as ops
from stag._tensor import apply
from stag.nn._conv import Conv2d, MaxPool2d
from stag.nn._conv_functional import conv2d, max_pool2d

# ----------------------------------------------------------- direct references


def loop_conv2d(x, w, stride=(1, 1), padding=((0, 0), (0, 0))):
    """Six nested loops over (n, co, oh, ow, ci, i) with the kw row as a dot: the definition."""
    n, ci, h, wd = x.shape
    co, _, kh, kw = w.shape
    (sh, sw), ((pt, pb), (pl, pr)) = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    ho, wo = (h + pt + pb - kh) // sh + 1, (wd + pl + pr - kw) // sw + 1
    out = np.zeros((n, co, ho, wo))
    for b in range(n):
        for o in range(co):
            for r in range(ho):
                for c in range(wo):
                    for k in range(ci):
                        for i in range(kh):
                            for j in range(kw):
                                out[b, o, r, c] += xp[b, k, r * sh + i, c * sw + j] * w[o, k, i, j]
    return out


def loop_max_pool2d(x, kernel, stride, padding):
    n, ch, h, wd = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-np.inf)
    ho, wo = (h + 2 * ph - kh) // sh + 1, (wd + 2 * pw - kw) // sw + 1
    out = np.full((n, ch, ho, wo), -np.inf)
    for b in range(n):
        for c in range(ch):
            for r in range(ho):
                for q in range(wo):
                    for i in range(kh):
                        for j in range(kw):
                            out[b, c, r, q] = max(out[b, c, r, q], xp[b, c, r * sh + i, q * sw + j])
    return out


# ------------------------------------------------------------------ strategies


@st.composite
def conv_setups(draw):
    """(x shape, w shape, stride, padding) with tiny sizes and the kernel fitting."""
    n, ci, co = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    ph, pw = draw(st.integers(0, 1)), draw(st.integers(0, 1))
    h = draw(st.integers(max(1, kh - 2 * ph), 5))
    w = draw(st.integers(max(1, kw - 2 * pw), 5))
    return (n, ci, h, w), (co, ci, kh, kw), stride, (ph, pw)


@st.composite
def pool_setups(draw):
    n, ch = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    h = draw(st.integers(max(1, kernel[0] - 2 * padding[0]), 5))
    w = draw(st.integers(max(1, kernel[1] - 2 * padding[1]), 5))
    return (n, ch, h, w), kernel, stride, padding


def _symmetric(padding):
    return ((padding[0], padding[0]), (padding[1], padding[1]))


# ---------------------------------------------------------------------- conv2d


@FAST
@given(setup=conv_setups(), data=st.data())
def test_conv2d_matches_the_direct_loop(setup, data):
    xs, ws, stride, padding = setup
    x, w = data.draw(floats(xs)), data.draw(floats(ws))
    out = conv2d(stag.tensor(x), stag.tensor(w), stride=stride, padding=padding)
    expected = loop_conv2d(x, w, stride, _symmetric(padding))
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


@FAST
@given(setup=conv_setups(), data=st.data())
def test_conv2d_gradients_match_finite_differences(setup, data):
    xs, ws, stride, padding = setup
    x, w, b = data.draw(floats(xs)), data.draw(floats(ws)), data.draw(floats((ws[0],)))
    check_grads(lambda x, w, b: conv2d(x, w, b, stride=stride, padding=padding), x, w, b)


@pytest.mark.parametrize("one_gemm_from", [0, 10**9])
def test_conv2d_per_image_and_whole_batch_matmuls_agree(one_gemm_from, monkeypatch):
    monkeypatch.setattr(ops, "_ONE_GEMM_FROM", one_gemm_from)
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 2))
    out = conv2d(stag.tensor(x), stag.tensor(w), stride=(2, 1), padding=1)
    expected = loop_conv2d(x, w, (2, 1), ((1, 1), (1, 1)))
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    check_grads(lambda x, w: conv2d(x, w, stride=(2, 1), padding=1), x, w)


@pytest.mark.parametrize("kernel", [(1, 1), (2, 3), (3, 3), (4, 2)])
def test_conv2d_same_padding_keeps_the_size_and_pads_the_extra_at_the_end(kernel):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 2, 5, 6)), rng.standard_normal((3, 2, *kernel))
    out = conv2d(stag.tensor(x), stag.tensor(w), padding="same")
    (kh, kw) = kernel
    pads = (((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2))
    assert out.shape == (2, 3, 5, 6)
    np.testing.assert_allclose(out.numpy(), loop_conv2d(x, w, padding=pads), atol=1e-12)
    valid = conv2d(stag.tensor(x), stag.tensor(w), padding="valid")
    np.testing.assert_allclose(valid.numpy(), loop_conv2d(x, w), atol=1e-12)


def test_conv2d_same_padding_gradients_with_an_even_kernel():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((1, 2, 4, 3)), rng.standard_normal((2, 2, 2, 2))
    check_grads(lambda x, w: conv2d(x, w, padding="same"), x, w)


def test_conv2d_bias_is_added_per_output_channel():
    x, w = stag.zeros(1, 1, 3, 3), stag.ones(2, 1, 2, 2)
    out = conv2d(x, w, stag.tensor(np.array([1.0, -2.0], np.float32)))
    np.testing.assert_array_equal(out.numpy()[0, :, 0, 0], [1.0, -2.0])


def test_conv2d_keeps_float32_and_records_one_node():
    x = stag.randn(2, 3, 6, 6)
    w = stag.randn(4, 3, 3, 3, requires_grad=True)
    out = conv2d(x, w)
    assert out.dtype == np.float32 and out.grad_fn is not None
    assert out.grad_fn.name == "conv2d"
    assert out.numpy().flags.c_contiguous


# ------------------------------------------------------------------ max_pool2d


@FAST
@given(setup=pool_setups(), data=st.data())
def test_max_pool2d_matches_the_direct_loop(setup, data):
    xs, kernel, stride, padding = setup
    x = data.draw(floats(xs))
    out = max_pool2d(stag.tensor(x), kernel, stride, padding)
    np.testing.assert_array_equal(out.numpy(), loop_max_pool2d(x, kernel, stride, padding))


@FAST
@given(setup=pool_setups(), data=st.data())
def test_max_pool2d_gradients_match_finite_differences(setup, data):
    xs, kernel, stride, padding = setup
    x = data.draw(distinct(xs))  # no ties: the max is differentiable
    check_grads(lambda t: max_pool2d(t, kernel, stride, padding), x)


def test_max_pool2d_gradient_goes_to_the_first_maximum_as_pytorch():
    x = stag.tensor(np.array([[[[1.0, 3.0], [3.0, 3.0]]]]), requires_grad=True)
    max_pool2d(x, 2).sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0.0, 1.0], [0.0, 0.0]]]])


def test_max_pool2d_overlapping_windows_accumulate_the_gradient():
    x = stag.tensor(np.array([[[[0.0, 5.0, 1.0, 2.0]]]]), requires_grad=True)
    max_pool2d(x, (1, 2), stride=1).sum().backward()  # windows [0,5] [5,1] [1,2]
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0.0, 2.0, 0.0, 1.0]]]])


def test_max_pool2d_non_finite_gradient_stays_out_of_the_other_cells():
    x = stag.tensor(np.array([[[[1.0, 2.0], [0.0, -1.0]]]]), requires_grad=True)
    (max_pool2d(x, 2) * np.inf).sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0.0, np.inf], [0.0, 0.0]]]])


def test_max_pool2d_stride_defaults_to_the_kernel():
    assert max_pool2d(stag.zeros(2, 3, 7, 8), 2).shape == (2, 3, 3, 4)
    assert max_pool2d(stag.zeros(2, 3, 7, 8), 3, stride=1, padding=1).shape == (2, 3, 7, 8)


# ---------------------------------------------------------------------- errors


def _conv_error(xs, ws, **kw):
    with pytest.raises(stag.ShapeError) as info:
        conv2d(stag.zeros(*xs), stag.zeros(*ws), **kw)
    return str(info.value)


def test_conv2d_channel_mismatch_names_the_op_and_shapes():
    assert _conv_error((2, 3, 5, 5), (4, 2, 3, 3)) == (
        "conv2d: input has 3 channels but the weight expects 2 "
        "(input (2, 3, 5, 5), weight (4, 2, 3, 3))"
    )


def test_conv2d_kernel_larger_than_the_padded_input_is_an_error():
    message = _conv_error((1, 1, 2, 4), (1, 1, 3, 3))
    assert message.startswith("conv2d: kernel (3, 3) is larger than the padded input (2, 4)")
    assert "(input (1, 1, 2, 4), weight (1, 1, 3, 3))" in message
    assert conv2d(stag.zeros(1, 1, 2, 4), stag.zeros(1, 1, 3, 3), padding=1).shape == (1, 1, 2, 4)


def test_conv2d_rank_errors():
    assert _conv_error((1, 5, 5), (1, 1, 3, 3)) == (
        "conv2d: expected a 4-d input (N, C, H, W), got shape (1, 5, 5)"
    )
    assert _conv_error((1, 1, 5, 5), (1, 3, 3)) == (
        "conv2d: expected a 4-d weight (C_out, C_in, kH, kW), got shape (1, 3, 3)"
    )


def test_conv2d_bias_of_the_wrong_size_is_an_error():
    with pytest.raises(stag.ShapeError, match=r"conv2d: bias of shape \(3,\) for 2 output"):
        conv2d(stag.zeros(1, 1, 3, 3), stag.zeros(2, 1, 2, 2), stag.zeros(3))


def test_conv2d_bad_arguments():
    with pytest.raises(ValueError, match="conv2d: stride must be an int >= 1"):
        conv2d(stag.zeros(1, 1, 3, 3), stag.zeros(1, 1, 2, 2), stride=0)
    with pytest.raises(ValueError, match="conv2d: padding must be an int >= 0"):
        conv2d(stag.zeros(1, 1, 3, 3), stag.zeros(1, 1, 2, 2), padding=-1)
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        conv2d(stag.zeros(1, 1, 3, 3), stag.zeros(1, 1, 2, 2), stride=2, padding="same")
    with pytest.raises(stag.DTypeError, match="conv2d: dtypes float32 and float64 differ"):
        conv2d(stag.zeros(1, 1, 3, 3), stag.zeros(1, 1, 2, 2, dtype=np.float64))


def test_the_primitive_reports_the_same_message_without_the_wrapper():
    x, w = stag.zeros(2, 3, 5, 5), stag.zeros(4, 2, 3, 3)
    with pytest.raises(stag.ShapeError, match="conv2d: input has 3 channels but the weight"):
        apply(ops.conv2d, x, w, stride=(1, 1), padding=((0, 0), (0, 0)))


def test_max_pool2d_errors():
    with pytest.raises(stag.ShapeError) as info:
        max_pool2d(stag.zeros(3, 4, 4), 2)
    assert str(info.value) == "max_pool2d: expected a 4-d input (N, C, H, W), got shape (3, 4, 4)"
    with pytest.raises(stag.ShapeError, match=r"max_pool2d: kernel \(3, 3\) is larger than the"):
        max_pool2d(stag.zeros(1, 1, 2, 2), 3)
    with pytest.raises(stag.ShapeError) as info:
        max_pool2d(stag.zeros(1, 1, 4, 4), 2, padding=(1, 2))
    assert str(info.value) == "max_pool2d: padding (1, 2) is more than half the kernel (2, 2)"


# ---------------------------------------------------------------------- layers


def test_conv2d_layer_init_is_pytorch_default_and_bounded():
    conv = Conv2d(3, 5, (3, 2), generator=stag.Generator(0))
    bound = 1 / math.sqrt(3 * 3 * 2)
    assert conv.weight.shape == (5, 3, 3, 2) and conv.weight.dtype == np.float32
    assert conv.bias is not None and conv.bias.shape == (5,)
    for p in (conv.weight, conv.bias):
        values = p.numpy()
        assert p.requires_grad and np.all(np.abs(values) <= bound)
    big = Conv2d(4, 64, 3, generator=stag.Generator(0)).weight.numpy()
    assert np.abs(big).max() > 0.9 / 6  # fills the interval [-1/6, 1/6]
    assert abs(big.std() - (1 / 6) / math.sqrt(3)) < 0.01


def test_conv2d_layer_is_seedable():
    a = Conv2d(2, 3, 3, generator=stag.Generator(7))
    b = Conv2d(2, 3, 3, generator=stag.Generator(7))
    c = Conv2d(2, 3, 3, generator=stag.Generator(8))
    np.testing.assert_array_equal(a.weight.numpy(), b.weight.numpy())
    assert a.bias is not None and b.bias is not None
    np.testing.assert_array_equal(a.bias.numpy(), b.bias.numpy())
    assert not np.array_equal(a.weight.numpy(), c.weight.numpy())
    stag.manual_seed(3)
    d = Conv2d(2, 3, 3)
    stag.manual_seed(3)
    np.testing.assert_array_equal(d.weight.numpy(), Conv2d(2, 3, 3).weight.numpy())


def test_conv2d_layer_parameters_and_options():
    conv = Conv2d(2, 4, 3, stride=2, padding=1, dtype=np.float64)
    assert [name for name, _ in conv.named_parameters()] == ["weight", "bias"]
    assert conv.weight.dtype == np.float64
    assert conv(stag.zeros(1, 2, 7, 7, dtype=np.float64)).shape == (1, 4, 4, 4)
    assert len(Conv2d(2, 4, 3, bias=False).parameters()) == 1
    assert Conv2d(1, 1, 3, padding="same")(stag.zeros(1, 1, 5, 5)).shape == (1, 1, 5, 5)
    assert "kernel_size=(3, 3), stride=(2, 2), padding=(1, 1)" in repr(conv)
    assert Conv2d(1, 2, np.int64(2)).weight.shape == (2, 1, 2, 2)
    with pytest.raises(ValueError, match="Conv2d: in_channels must be a positive int"):
        Conv2d(0, 4, 3)
    with pytest.raises(ValueError, match="Conv2d: padding='same' needs stride 1"):
        Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="Conv2d: kernel_size must be an int >= 1"):
        Conv2d(1, 1, (3, 0))


def test_conv2d_layer_rejects_a_wrong_channel_count_at_run_time():
    with pytest.raises(stag.ShapeError, match="conv2d: input has 3 channels"):
        Conv2d(1, 4, 3)(stag.zeros(2, 3, 8, 8))


def test_max_pool2d_layer():
    pool = MaxPool2d(2)
    assert pool.parameters() == [] and repr(pool).startswith("MaxPool2d(kernel_size=(2, 2)")
    assert pool(stag.zeros(2, 3, 9, 8)).shape == (2, 3, 4, 4)
    assert MaxPool2d(3, stride=2, padding=1)(stag.zeros(1, 1, 8, 8)).shape == (1, 1, 4, 4)


def test_layer_window_type_parameters_default_to_dyn_at_run_time():
    # Conv2d[Ci, Co, K, S, P] and MaxPool2d[K, S, P]: K, S, P (for the mypy plugin) default
    # to Dyn, so the short annotations evaluate and check at run time as before.
    assert get_args(Conv2d[Literal[1], Literal[8]]) == (Literal[1], Literal[8], Any, Any, Any)
    assert get_args(MaxPool2d[Literal[2]]) == (Literal[2], Any, Any)

    @stag.shapecheck
    def first_layer(conv: Conv2d[Literal[1], Literal[8]], pool: MaxPool2d) -> int:
        return conv.out_channels

    assert first_layer(Conv2d(1, 8, 3), MaxPool2d(2)) == 8


def test_small_cnn_gradients_match_finite_differences():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 1, 6, 6))
    w, b = rng.standard_normal((2, 1, 3, 3)), rng.standard_normal(2)
    lin = rng.standard_normal((18, 3))

    def net(w, b, lin):
        h = max_pool2d(conv2d(stag.tensor(x), w, b, padding=1).tanh(), 2, stride=2)
        return h.flatten(1) @ lin

    check_grads(net, w, b, lin)


def test_small_cnn_trains():
    gen = stag.Generator(0)
    conv, pool = Conv2d(1, 4, 3, generator=gen), MaxPool2d(2)
    fc = stag.nn.Linear(4 * 3 * 3, 3, generator=gen)
    images = stag.randn(8, 1, 8, 8, generator=gen)
    labels = stag.tensor(np.arange(8) % 3)
    params = [*conv.parameters(), *fc.parameters()]
    losses = []
    for _ in range(20):
        for p in params:
            p.grad = None
        logits = fc(pool(conv(images).relu()).flatten(1))
        loss = stag.nn.functional.cross_entropy(logits, labels)
        loss.backward()
        losses.append(loss.item())
        with stag.no_grad():
            for p in params:
                assert p.grad is not None and p.grad.shape == p.shape
                p.sub_(p.grad * 0.5)
    assert losses[-1] < 0.5 * losses[0]


# --------------------------------------- cases for test_primitive_registry's table


def conv2d_case(data):
    """A gradcheck case (fn over float64 leaves, arrays) for the ``conv2d`` primitive."""
    xs, ws, stride, padding = data.draw(conv_setups())
    arrays = [data.draw(floats(xs)), data.draw(floats(ws))]
    return (lambda x, w: conv2d(x, w, stride=stride, padding=padding)), arrays


def max_pool2d_case(data):
    """A gradcheck case for the ``max_pool2d`` primitive (distinct values: no ties)."""
    xs, kernel, stride, padding = data.draw(pool_setups())
    return (lambda t: max_pool2d(t, kernel, stride, padding)), [data.draw(distinct(xs))]
