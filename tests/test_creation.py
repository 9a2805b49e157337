"""Tensor construction, creation functions, random generators and basic attributes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import stag

# ------------------------------------------------------------------ stag.tensor


@pytest.mark.parametrize(
    ("data", "dtype", "shape"),
    [
        (1.5, np.float32, ()),
        ([1.0, 2.0], np.float32, (2,)),
        ([[1.0, 2.0], [3.0, 4.5]], np.float32, (2, 2)),
        (3, np.int64, ()),
        ([1, 2, 3], np.int64, (3,)),
        (True, np.bool_, ()),
        ([True, False], np.bool_, (2,)),
        (np.zeros((2, 3), dtype=np.float64), np.float64, (2, 3)),
        (np.zeros((2, 3), dtype=np.float32), np.float32, (2, 3)),
        (np.arange(4), np.int64, (4,)),
    ],
)
def test_tensor_infers_dtype(data, dtype, shape):
    t = stag.tensor(data)
    assert t.dtype == dtype
    assert t.shape == shape
    assert t.ndim == len(shape)
    np.testing.assert_array_equal(t.numpy(), np.asarray(data, dtype=dtype))


@pytest.mark.parametrize("dtype", [np.float64, "float64", np.dtype("float64")])
def test_tensor_explicit_dtype(dtype):
    t = stag.tensor([1.0, 2.0], dtype=dtype)
    assert t.dtype == np.float64


def test_tensor_explicit_float32_from_float64_array():
    t = stag.tensor(np.array([0.1, 0.2]), dtype=np.float32)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy(), np.array([0.1, 0.2], dtype=np.float32))


def test_tensor_requires_grad_flag():
    assert stag.tensor([1.0], requires_grad=True).requires_grad is True
    assert stag.tensor([1.0]).requires_grad is False


def test_numpy_view_is_read_only():
    t = stag.tensor(np.array([1.0, 2.0]))
    view = t.numpy()
    with pytest.raises(ValueError):
        view[0] = 5.0
    assert t.numpy()[0] == 1.0


def test_asarray_len_item_and_shape_type():
    t = stag.tensor(np.arange(6.0).reshape(3, 2))
    np.testing.assert_array_equal(np.asarray(t), np.arange(6.0).reshape(3, 2))
    assert len(t) == 3
    assert isinstance(t.shape, tuple) and all(type(n) is int for n in t.shape)
    assert stag.tensor(2.5).item() == 2.5
    assert isinstance(stag.tensor(2.5).item(), float)
    assert isinstance(stag.tensor(7).item(), int)


def test_repr_shows_shape_dtype_and_grad_fn():
    x = stag.tensor(np.ones((2, 3)), requires_grad=True)
    r = repr(x * 2.0)
    assert "(2, 3)" in r or "2, 3" in r
    assert "float64" in r
    assert "mul" in r
    assert "float32" in repr(stag.zeros(4))


# ------------------------------------------------------------------ creation functions


@pytest.mark.parametrize(("fn", "value"), [(stag.zeros, 0.0), (stag.ones, 1.0)])
def test_zeros_ones(fn, value):
    t = fn(2, 3)
    assert t.shape == (2, 3) and t.dtype == np.float32 and t.requires_grad is False
    np.testing.assert_array_equal(t.numpy(), np.full((2, 3), value))
    t64 = fn(4, dtype=np.float64, requires_grad=True)
    assert t64.shape == (4,) and t64.dtype == np.float64 and t64.requires_grad is True
    assert fn().shape == ()


def test_full():
    t = stag.full((2, 3), 7.0)
    assert t.shape == (2, 3) and t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy(), np.full((2, 3), 7.0))
    assert stag.full((3,), 1.5, dtype=np.float64).dtype == np.float64


def test_arange():
    t = stag.arange(5)
    assert t.dtype == np.int64
    np.testing.assert_array_equal(t.numpy(), np.arange(5))
    f = stag.arange(4, dtype=np.float32)
    assert f.dtype == np.float32
    np.testing.assert_array_equal(f.numpy(), [0.0, 1.0, 2.0, 3.0])


def test_eye():
    t = stag.eye(3)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy(), np.eye(3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_like_functions_keep_shape_and_dtype(dtype):
    src = stag.tensor(np.arange(6, dtype=dtype).reshape(2, 3))
    z, o, f = stag.zeros_like(src), stag.ones_like(src), stag.full_like(src, 2.5)
    for t in (z, o, f, stag.randn_like(src), stag.rand_like(src)):
        assert t.shape == (2, 3) and t.dtype == dtype and t.requires_grad is False
    np.testing.assert_array_equal(z.numpy(), 0.0)
    np.testing.assert_array_equal(o.numpy(), 1.0)
    np.testing.assert_array_equal(f.numpy(), 2.5)


# ------------------------------------------------------------------ randomness


@pytest.mark.parametrize("fn", [stag.randn, stag.rand])
def test_random_shape_dtype_and_grad_flag(fn):
    t = fn(3, 4)
    assert t.shape == (3, 4) and t.dtype == np.float32 and t.requires_grad is False
    t64 = fn(5, dtype=np.float64, requires_grad=True)
    assert t64.dtype == np.float64 and t64.requires_grad is True


def test_randn_statistics():
    x = stag.randn(20000, dtype=np.float64, generator=stag.Generator(3)).numpy()
    assert abs(x.mean()) < 0.05 and abs(x.std() - 1) < 0.05


def test_rand_is_uniform_on_unit_interval():
    x = stag.rand(20000, dtype=np.float64, generator=stag.Generator(3)).numpy()
    assert x.min() >= 0.0 and x.max() < 1.0
    assert abs(x.mean() - 0.5) < 0.02


@pytest.mark.parametrize("fn", [stag.randn, stag.rand])
def test_generator_same_seed_same_numbers(fn):
    a = fn(4, 3, generator=stag.Generator(11)).numpy()
    b = fn(4, 3, generator=stag.Generator(11)).numpy()
    c = fn(4, 3, generator=stag.Generator(12)).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_generator_advances():
    g = stag.Generator(5)
    assert not np.array_equal(
        stag.randn(4, generator=g).numpy(), stag.randn(4, generator=g).numpy()
    )


def test_manual_seed_reproduces_global_stream():
    stag.manual_seed(123)
    a, b = stag.randn(5).numpy(), stag.rand(2).numpy()
    stag.manual_seed(123)
    np.testing.assert_array_equal(stag.randn(5).numpy(), a)
    np.testing.assert_array_equal(stag.rand(2).numpy(), b)
    stag.manual_seed(124)
    assert not np.array_equal(stag.randn(5).numpy(), a)


def test_explicit_generator_does_not_consume_global_stream():
    stag.manual_seed(9)
    expected = stag.randn(3).numpy()
    stag.manual_seed(9)
    stag.randn(3, generator=stag.Generator(1))
    np.testing.assert_array_equal(stag.randn(3).numpy(), expected)


def test_randn_like_follows_manual_seed():
    src = stag.zeros(2, 2, dtype=np.float64)
    stag.manual_seed(4)
    a = stag.randn_like(src).numpy()
    stag.manual_seed(4)
    np.testing.assert_array_equal(stag.randn_like(src).numpy(), a)


def test_import_stag_leaves_numpy_random_unloaded_until_a_random_tensor():
    code = (
        "import sys, stag\n"
        "print('numpy.random' in sys.modules)\n"
        "stag.randn(2)\n"
        "print('numpy.random' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]


# ------------------------------------------------------------------ linspace, randint, multinomial, full
def test_linspace_includes_both_ends():
    out = stag.linspace(-1.0, 1.0, 5)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), [-1.0, -0.5, 0.0, 0.5, 1.0])


def test_randint_is_reproducible_and_in_range():
    a = stag.randint(3, 7, 2, 50, generator=stag.Generator(1))
    b = stag.randint(3, 7, 2, 50, generator=stag.Generator(1))
    assert a.shape == (2, 50) and a.dtype == np.int64
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.numpy().min() >= 3 and a.numpy().max() <= 6
    with pytest.raises(ValueError, match=r"randint: expected low < high, got \[3, 3\)"):
        stag.randint(3, 3, 2)


def test_multinomial_follows_the_weights_and_is_outside_the_graph():
    probs = stag.tensor(np.array([[0.0, 1.0, 3.0], [5.0, 0.0, 0.0]]), requires_grad=True)
    drawn = stag.multinomial(probs, 4000, replacement=True, generator=stag.Generator(0))
    assert drawn.shape == (2, 4000) and drawn.dtype == np.int64 and not drawn.requires_grad
    counts = np.bincount(drawn.numpy()[0], minlength=3) / 4000
    np.testing.assert_allclose(counts, [0.0, 0.25, 0.75], atol=0.03)
    assert set(drawn.numpy()[1]) == {0}
    distinct = stag.multinomial(stag.ones(6), 6, generator=stag.Generator(2)).numpy()
    assert sorted(distinct.tolist()) == list(range(6))
    with pytest.raises(ValueError, match="without replacement from a row with 1 non-zero"):
        stag.multinomial(probs, 2)


def test_full_with_a_dtype_refuses_a_value_it_cannot_hold():
    assert stag.full((2,), 7, dtype=np.int64).numpy().tolist() == [7, 7]
    with pytest.raises(stag.DTypeError, match="full: fill_value 7.5 does not fit dtype int64"):
        stag.full((2,), 7.5, dtype=np.int64)


@pytest.mark.parametrize(
    ("value", "dtype"),
    [
        (float("nan"), np.int64),
        (float("inf"), np.int32),
        (2**70, np.int64),
        (300, np.uint8),
        (-1, np.uint8),
        (2, np.bool_),
    ],
)
def test_full_refuses_nan_infinities_and_values_out_of_the_int_range(
    value: float, dtype: type[np.generic]
) -> None:
    with pytest.raises(stag.DTypeError, match=f"does not fit dtype {np.dtype(dtype)}"):
        stag.full((2,), value, dtype=dtype)
    assert stag.full((2,), 255, dtype=np.uint8).numpy().tolist() == [255, 255]
    assert stag.full((1,), True, dtype=np.bool_).numpy().tolist() == [True]


def test_a_tuple_of_dims_the_pytorch_way_says_to_unpack_it() -> None:
    for make in (stag.zeros, stag.ones, stag.randn, stag.rand):
        with pytest.raises(stag.ShapeError, match=r"got \(\(2, 3\),\); pass the dims one by one"):
            make((2, 3))  # type: ignore[arg-type]
    with pytest.raises(stag.ShapeError, match=r"unpack a tuple: \*shape"):
        stag.randint(0, 5, (2, 3))  # type: ignore[arg-type]
