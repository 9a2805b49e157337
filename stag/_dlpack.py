"""DLPack: tensors shared, not copied, with PyTorch, JAX, numpy and any array library.

``stag.from_dlpack(x)`` wraps the memory of any object with ``__dlpack__`` (a PyTorch
tensor on the CPU, a JAX array, a numpy array) in a stag tensor; the other way,
``Tensor.__dlpack__`` lets ``torch.from_dlpack(t)``, ``jax.dlpack.from_dlpack(t)`` or
``np.from_dlpack(t)`` take a stag tensor's values.  Both share the memory: a write
through either side is seen by the other (stag exports its values read-only, which
numpy honours and PyTorch, having no read-only tensors, does not), and stag's version
counter does not see a write made by another library.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from stag._dims import AnyShape
from stag._errors import DTypeError
from stag._tensor import Tensor

_HOST_DEVICES = {1, 3, 11}  # DLPack's kDLCPU, kDLCUDAHost, kDLROCMHost: memory numpy reads


class SupportsDLPack(Protocol):
    """What ``from_dlpack`` takes: an object with ``__dlpack__`` and ``__dlpack_device__``."""

    def __dlpack__(self, /, *, stream: None = None) -> Any: ...
    def __dlpack_device__(self, /) -> tuple[Any, int]: ...


def from_dlpack(x: SupportsDLPack, *, requires_grad: bool = False) -> Tensor[*AnyShape]:
    """A tensor on the memory of ``x`` (DLPack), shared, not copied.

    The shape is unknown to the checker: state it with ``.assert_shape(...)``.

    **Arguments:**

    - ``x``: a CPU array of another library (``torch.Tensor``, a JAX array, a numpy array).
    - ``requires_grad``: make the result a leaf that requires grad (floating dtypes).

    **Raises:** ``BufferError`` for memory that is not the host's (a CUDA tensor: move
    it with ``.cpu()`` first), ``TypeError`` for a dtype stag does not hold (complex),
    ``stag.DTypeError`` for ``requires_grad`` on a non-floating tensor.  PyTorch raises
    a ``BufferError`` for a tensor that requires grad (``.detach()`` it), numpy a
    ``RuntimeError`` for a dtype it lacks (bfloat16).
    """
    device = int(x.__dlpack_device__()[0])
    if device not in _HOST_DEVICES:
        raise BufferError(
            f"from_dlpack: the tensor is on DLPack device type {device}, not the CPU; stag "
            "keeps its values in host memory: move it there first (in PyTorch: x.cpu())"
        )
    array = np.from_dlpack(x)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"from_dlpack: unsupported dtype {array.dtype} (numbers or bools only)")
    if requires_grad and array.dtype.kind != "f":
        raise DTypeError(f"from_dlpack: only floating tensors can require grad, not {array.dtype}")
    return Tensor(array, requires_grad=requires_grad)
