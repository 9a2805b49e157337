"""DataLoader: batch counts, the last partial batch, drop_last, seeded shuffling."""

from __future__ import annotations

import numpy as np
import pytest

import stag
from stag.data import DataLoader


def dataset(n: int = 10) -> tuple[stag.Tensor[int, int], stag.Tensor[int]]:
    x = stag.tensor(np.arange(n * 3, dtype=np.float32).reshape(n, 3)).assert_shape(n, 3)
    y = stag.tensor(np.arange(n)).assert_shape(n)
    return x, y


@pytest.mark.parametrize(
    ("n", "batch_size", "drop_last", "sizes"),
    [
        (10, 4, False, [4, 4, 2]),
        (10, 4, True, [4, 4]),
        (12, 4, False, [4, 4, 4]),
        (12, 4, True, [4, 4, 4]),
        (3, 5, False, [3]),
        (3, 5, True, []),
        (0, 2, False, []),
        (7, 1, False, [1] * 7),
    ],
)
def test_batch_sizes_and_len(n: int, batch_size: int, drop_last: bool, sizes: list[int]) -> None:
    x, y = dataset(n)
    loader = DataLoader(x, y, batch_size, drop_last=drop_last)
    assert len(loader) == len(sizes)
    batches = list(loader)
    assert [len(xb) for xb, _ in batches] == sizes
    assert [len(yb) for _, yb in batches] == sizes


def test_unshuffled_batches_are_the_rows_in_order() -> None:
    x, y = dataset(10)
    batches = list(DataLoader(x, y, 4))
    np.testing.assert_array_equal(batches[2][0].numpy(), x.numpy()[8:])
    np.testing.assert_array_equal(np.concatenate([yb.numpy() for _, yb in batches]), np.arange(10))
    assert batches[0][0].shape == (4, 3) and batches[0][0].dtype == np.float32
    assert not batches[0][0].requires_grad


def test_batches_do_not_alias_the_dataset() -> None:
    x, y = dataset(4)
    xb, _ = next(iter(DataLoader(x, y, 2)))
    xb.add_(100.0)
    assert x.numpy().max() < 100


def test_shuffling_is_a_permutation_that_keeps_pairs() -> None:
    x, y = dataset(10)
    loader = DataLoader(x, y, 3, shuffle=True, generator=stag.Generator(0))
    order = np.concatenate([yb.numpy() for _, yb in loader])
    assert sorted(order.tolist()) == list(range(10))
    assert order.tolist() != list(range(10))
    for xb, yb in loader:
        np.testing.assert_array_equal(xb.numpy(), x.numpy()[yb.numpy()])  # rows stay paired


def test_shuffling_is_seeded_and_new_each_epoch() -> None:
    x, y = dataset(20)

    def epochs(seed: int) -> list[list[int]]:
        loader = DataLoader(x, y, 6, shuffle=True, generator=stag.Generator(seed))
        return [np.concatenate([yb.numpy() for _, yb in loader]).tolist() for _ in range(2)]

    first, again, other = epochs(1), epochs(1), epochs(2)
    assert first == again
    assert first[0] != first[1]
    assert first != other


def test_shuffle_with_drop_last_drops_a_random_remainder() -> None:
    x, y = dataset(10)
    loader = DataLoader(x, y, 4, shuffle=True, drop_last=True, generator=stag.Generator(3))
    seen = np.concatenate([yb.numpy() for _, yb in loader])
    assert len(seen) == 8 and len(set(seen.tolist())) == 8


def test_default_generator_is_used_when_none_is_given() -> None:
    x, y = dataset(10)
    loader = DataLoader(x, y, 10, shuffle=True)
    stag.manual_seed(5)
    a = next(iter(loader))[1].numpy().tolist()
    stag.manual_seed(5)
    assert next(iter(loader))[1].numpy().tolist() == a


def test_numpy_arrays_are_accepted() -> None:
    loader = DataLoader(np.zeros((5, 2)), np.ones(5), 2)
    xb, yb = next(iter(loader))
    assert xb.shape == (2, 2) and yb.shape == (2,)
    assert loader.num_rows == 5


def test_bad_arguments_raise() -> None:
    x, y = dataset(10)
    with pytest.raises(stag.ShapeError, match="different numbers of rows"):
        DataLoader(x, y[:5], 2)
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(x, y, 0)
    with pytest.raises(stag.ShapeError, match="0-d"):
        DataLoader(np.zeros(()), np.zeros(()), 1)
