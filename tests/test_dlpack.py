"""DLPack: stag tensors shared, not copied, with numpy and PyTorch (CPU), both ways."""

from __future__ import annotations

import numpy as np
import pytest

import stag


def address(array: np.ndarray) -> int:
    return int(array.__array_interface__["data"][0])


def test_numpy_takes_a_tensor_without_a_copy_and_read_only() -> None:
    t = stag.randn(3, 4)
    array = np.from_dlpack(t)
    assert np.shares_memory(array, t.numpy()) and not array.flags.writeable
    assert t.__dlpack_device__() == (1, 0)


def test_a_consumer_that_cannot_mark_it_read_only_is_refused() -> None:
    with pytest.raises(BufferError, match="readonly"):
        stag.randn(2).__dlpack__()  # DLPack before 1.0: no max_version


def test_from_dlpack_wraps_an_array_without_a_copy() -> None:
    array = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = stag.from_dlpack(array, requires_grad=True)
    assert np.shares_memory(t.numpy(), array) and t.requires_grad and t.dtype == np.float64
    (t * t).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), 2 * array)
    u = stag.from_dlpack(t)  # stag to stag shares too
    assert np.shares_memory(u.numpy(), array) and not u.requires_grad


def test_from_dlpack_refuses_what_stag_cannot_hold() -> None:
    with pytest.raises(stag.DTypeError, match="only floating tensors can require grad"):
        stag.from_dlpack(np.arange(3), requires_grad=True)
    with pytest.raises(TypeError, match="unsupported dtype complex128"):
        stag.from_dlpack(np.zeros(2, np.complex128))


class OnTheGPU:
    def __dlpack__(self, *, stream: None = None) -> object:
        raise AssertionError("never asked for: the device is checked first")

    def __dlpack_device__(self) -> tuple[int, int]:
        return (2, 0)  # kDLCUDA


def test_memory_off_the_host_is_refused_with_the_way_out() -> None:
    with pytest.raises(BufferError, match=r"device type 2, not the CPU.*x\.cpu\(\)"):
        stag.from_dlpack(OnTheGPU())


# --------------------------------------------------------------- PyTorch
def test_pytorch_shares_a_tensors_memory_both_ways() -> None:
    torch = pytest.importorskip("torch")
    t = stag.randn(3, 4)
    from_stag = torch.from_dlpack(t)
    assert from_stag.data_ptr() == address(t.numpy())
    np.testing.assert_array_equal(from_stag.numpy(), t.numpy())
    x = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    from_torch = stag.from_dlpack(x)
    assert address(from_torch.numpy()) == x.data_ptr()
    x[0, 0] = 100.0  # a write on one side is seen on the other
    assert from_torch.numpy()[0, 0] == 100.0
    y = (from_torch @ stag.ones(4, 2)).numpy()  # and stag computes on it
    np.testing.assert_allclose(y, (x @ torch.ones(4, 2)).numpy())


def test_pytorch_refuses_a_tensor_that_requires_grad() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(BufferError, match="detach"):
        stag.from_dlpack(torch.ones(2, requires_grad=True))
