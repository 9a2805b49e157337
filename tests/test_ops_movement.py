"""Movement ops: transpose, reshape, (un)squeeze, repeat, tile, concat, stack and indexing."""

from __future__ import annotations

import numpy as np
import pytest
from _gradcheck import FAST, check_grads, floats, shapes
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import stag


def _f64(a):
    return stag.tensor(np.asarray(a, dtype=np.float64), dtype=np.float64)


# ------------------------------------------------------------------ transposes


@FAST
@given(data=st.data())
def test_T_of_matrix(data):
    a = data.draw(floats(data.draw(shapes(min_dims=2, max_dims=2))))
    out = check_grads(lambda t: t.T, a)
    np.testing.assert_array_equal(out.numpy(), a.T)


@FAST
@given(data=st.data())
def test_transpose_reverses_axes(data):
    a = data.draw(floats(data.draw(shapes(min_dims=0, max_dims=4))))
    out = check_grads(lambda t: t.transpose(), a)
    np.testing.assert_array_equal(out.numpy(), a.transpose())


@FAST
@given(data=st.data())
def test_swapaxes(data):
    shape = data.draw(shapes(min_dims=1, max_dims=4))
    n = len(shape)
    i, j = data.draw(st.integers(-n, n - 1)), data.draw(st.integers(-n, n - 1))
    a = data.draw(floats(shape))
    out = check_grads(lambda t: t.swapaxes(i, j), a)
    np.testing.assert_array_equal(out.numpy(), np.swapaxes(a, i, j))


@FAST
@given(data=st.data())
def test_permute(data):
    shape = data.draw(shapes(min_dims=1, max_dims=4))
    axes = data.draw(st.permutations(range(len(shape))))
    a = data.draw(floats(shape))
    out = check_grads(lambda t: t.permute(*axes), a)
    np.testing.assert_array_equal(out.numpy(), np.transpose(a, axes))


# ------------------------------------------------------------------ reshapes


@FAST
@given(data=st.data())
def test_reshape_with_and_without_minus_one(data):
    shape = data.draw(shapes(min_dims=0, max_dims=3))
    a = data.draw(floats(shape))
    target = data.draw(st.permutations(list(shape)).map(tuple))
    if target and data.draw(st.booleans()):
        k = data.draw(st.integers(0, len(target) - 1))
        target = target[:k] + (-1,) + target[k + 1 :]
    out = check_grads(lambda t: t.reshape(*target), a)
    np.testing.assert_array_equal(out.numpy(), a.reshape(target))


def test_reshape_minus_one_infers_size():
    t = _f64(np.arange(24.0))
    assert t.reshape(2, -1, 4).shape == (2, 3, 4)
    assert t.reshape(-1).shape == (24,)


@FAST
@given(data=st.data())
def test_flatten(data):
    shape = data.draw(shapes(min_dims=1, max_dims=4))
    start = data.draw(st.integers(0, len(shape) - 1))
    a = data.draw(floats(shape))
    out = check_grads(lambda t: t.flatten(start_axis=start), a)
    expected = a.reshape(shape[:start] + (-1,))
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected)


def test_flatten_default_is_full():
    assert _f64(np.zeros((2, 3, 4))).flatten().shape == (24,)
    assert _f64(np.zeros((2, 3, 4))).flatten(1).shape == (2, 12)


@FAST
@given(data=st.data())
def test_unsqueeze(data):
    shape = data.draw(shapes(min_dims=0, max_dims=3))
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    a = data.draw(floats(shape))
    out = check_grads(lambda t: t.unsqueeze(axis), a)
    np.testing.assert_array_equal(out.numpy(), np.expand_dims(a, axis))


@FAST
@given(data=st.data())
def test_squeeze(data):
    shape = list(data.draw(shapes(min_dims=0, max_dims=3)))
    axis = data.draw(st.integers(0, len(shape)))
    shape.insert(axis, 1)
    a = data.draw(floats(tuple(shape)))
    neg = data.draw(st.booleans())
    ax = axis - len(shape) if neg else axis
    out = check_grads(lambda t: t.squeeze(ax), a)
    np.testing.assert_array_equal(out.numpy(), np.squeeze(a, ax))


# ------------------------------------------------------------------ repeat / tile


@FAST
@given(data=st.data())
def test_repeat_matches_numpy(data):
    shape = data.draw(shapes(min_dims=1, max_dims=4))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    repeats = data.draw(st.integers(0, 3))
    a = data.draw(floats(shape))
    out = check_grads(lambda t: t.repeat(repeats, axis=axis), a)
    np.testing.assert_array_equal(out.numpy(), np.repeat(a, repeats, axis=axis))


@FAST
@given(data=st.data())
def test_tile_matches_numpy(data):
    shape = data.draw(shapes(min_dims=0, max_dims=3))
    reps = tuple(data.draw(st.lists(st.integers(0, 3), max_size=5)))
    a = data.draw(floats(shape))
    out = check_grads(lambda t: t.tile(*reps), a)
    np.testing.assert_array_equal(out.numpy(), np.tile(a, reps))


def test_repeat_and_tile_gradients_count_the_copies():
    x = stag.tensor(np.array([[1.0, 2.0]]), requires_grad=True, dtype=np.float64)
    (x.repeat(3, axis=1).sum() + x.tile(2, 1, 2).sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[3.0 + 4.0, 3.0 + 4.0]])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda t: t.repeat(-1, axis=0), stag.ShapeError, "repeat: repeats must be >= 0, got -1"),
        (lambda t: t.repeat(2, axis=2), stag.ShapeError, r"repeat: axis 2 is out of range"),
        (lambda t: t.repeat(2, axis=-3), stag.ShapeError, r"for shape \(2, 3\)"),
        (lambda t: t.repeat([1, 2], axis=0), TypeError, "repeat: repeats must be an int, got list"),
        (lambda t: t.repeat(True, axis=0), TypeError, "repeat: repeats must be an int"),
        (lambda t: t.repeat(2, 1), TypeError, "positional"),  # PyTorch's repeat is tile
        (lambda t: t.tile(2, -1), stag.ShapeError, r"tile: reps must be >= 0, got \(2, -1\)"),
        (lambda t: t.tile(1.5), TypeError, "tile: reps must be ints"),
        (lambda t: t.tile((2, 2)), TypeError, "tile: reps must be ints"),
    ],
)
def test_repeat_and_tile_reject_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call(_f64(np.zeros((2, 3))))


def test_repeat_of_a_0d_tensor_has_no_axis():
    with pytest.raises(stag.ShapeError, match=r"repeat: axis 0 is out of range for shape \(\)"):
        _f64(1.0).repeat(2, axis=0)


# ------------------------------------------------------------------ concat / stack


@FAST
@given(data=st.data())
def test_concat(data):
    base = list(data.draw(shapes(min_dims=1, max_dims=3)))
    axis = data.draw(st.integers(-len(base), len(base) - 1))
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    arrays = []
    for n in sizes:
        s = list(base)
        s[axis] = n
        arrays.append(data.draw(floats(tuple(s))))
    out = check_grads(lambda *ts: stag.concat(list(ts), axis=axis), *arrays)
    np.testing.assert_array_equal(out.numpy(), np.concatenate(arrays, axis=axis))


@FAST
@given(data=st.data())
def test_stack(data):
    shape = data.draw(shapes(min_dims=0, max_dims=3))
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    k = data.draw(st.integers(1, 3))
    arrays = [data.draw(floats(shape)) for _ in range(k)]
    out = check_grads(lambda *ts: stag.stack(list(ts), axis=axis), *arrays)
    np.testing.assert_array_equal(out.numpy(), np.stack(arrays, axis=axis))


def test_concat_default_axis_and_tuple_input():
    a, b = np.ones((1, 2)), np.zeros((2, 2))
    out = stag.concat((_f64(a), _f64(b)))
    np.testing.assert_array_equal(out.numpy(), np.concatenate([a, b]))


def test_concat_with_a_constant_only_grads_the_leaf():
    x = stag.tensor(np.ones((2, 2)), requires_grad=True, dtype=np.float64)
    c = _f64(np.zeros((1, 2)))
    out = stag.concat([c, x], axis=0)
    (out * _f64(np.arange(6.0).reshape(3, 2))).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 3.0], [4.0, 5.0]])
    assert c.grad is None


# ------------------------------------------------------------------ indexing


@FAST
@given(data=st.data())
def test_integer_index(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    i = data.draw(st.integers(-shape[0], shape[0] - 1))
    a = data.draw(floats(shape))
    out = check_grads(lambda t: t[i], a)
    np.testing.assert_array_equal(out.numpy(), a[i])


@FAST
@given(data=st.data())
def test_slice_index(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=6))
    n = shape[0]
    start = data.draw(st.one_of(st.none(), st.integers(-n, n - 1)))
    stop = data.draw(st.one_of(st.none(), st.integers(-n, n)))
    step = data.draw(st.one_of(st.none(), st.integers(1, 3)))
    a = data.draw(floats(shape))
    out = check_grads(lambda t: t[start:stop:step], a)
    np.testing.assert_array_equal(out.numpy(), a[start:stop:step])


@pytest.mark.parametrize("as_tensor", [True, False], ids=["tensor_index", "ndarray_index"])
@FAST
@given(data=st.data())
def test_gather_rows(as_tensor, data):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    index_shape = data.draw(shapes(min_dims=0, max_dims=2))
    idx = data.draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, shape[0] - 1)))
    index = stag.tensor(idx) if as_tensor else idx
    a = data.draw(floats(shape))
    out = check_grads(lambda t: t[index], a)
    assert out.shape == index_shape + shape[1:]
    np.testing.assert_array_equal(out.numpy(), a[idx])


def test_gather_repeated_rows_accumulate_gradient():
    x = stag.tensor(np.zeros((4, 2)), requires_grad=True, dtype=np.float64)
    idx = stag.tensor(np.array([0, 2, 0, 0, 3]))
    assert idx.dtype == np.int64
    x[idx].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[3.0, 3.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0]])


def test_slice_gradient_is_zero_outside_the_slice():
    x = stag.tensor(np.zeros(6), requires_grad=True, dtype=np.float64)
    x[1:5:2].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0, 1.0, 0.0, 0.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_movement_keeps_dtype(dtype):
    t = stag.tensor(np.ones((2, 3), dtype=dtype), requires_grad=True)
    outs = [
        t.T,
        t.reshape(3, 2),
        t.unsqueeze(0),
        t[0],
        t[0:1],
        stag.concat([t, t]),
        stag.stack([t, t]),
        t.flatten(),
        t.repeat(2, axis=1),
        t.tile(2, 1),
    ]
    assert all(o.dtype == dtype for o in outs)
    sum(o.sum() for o in outs).backward()
    assert t.grad.dtype == dtype


@pytest.mark.parametrize("join", [stag.concat, stag.stack], ids=["concat", "stack"])
def test_join_with_the_same_tensor_twice_accumulates(join):
    x = stag.tensor(np.array([1.0, 2.0]), requires_grad=True, dtype=np.float64)
    out = join([x, x * 3.0, x], axis=0)
    (out * _f64(np.arange(6.0).reshape(out.shape))).sum().backward()
    w = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(x.grad.numpy(), w[0] + 3 * w[1] + w[2])
