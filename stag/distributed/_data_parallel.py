"""``stag.distributed``'s functions (re-exported by ``stag.distributed``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from stag._autograd import filled_like
from stag._backends import default, like, name_of, to_numpy
from stag._dims import AnyShape
from stag._tensor import Tensor

if TYPE_CHECKING:
    from stag.nn import Module
    from stag.optim import Optimizer

M = TypeVar("M", bound="Module")
Array = np.ndarray[Any, np.dtype[Any]]
_ENVIRONMENT = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")


def _torch_distributed() -> Any:
    try:
        import torch.distributed as torch_distributed
    except ImportError as error:  # pragma: no cover - the extra is installed in the tests
        raise ImportError(
            "stag.distributed needs PyTorch (CPU) for its collectives: "
            'pip install -e ".[distributed]"'
        ) from error
    return torch_distributed


def init(timeout_s: float = 300.0, backend: str | None = None) -> None:
    """Join the process group that ``torchrun`` describes in the environment.

    Reads ``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT`` (``torchrun``
    sets them; set them by hand to start the processes yourself) and connects with
    ``backend``: by default ``"nccl"`` when stag's default backend is PyTorch on a GPU
    (``stag.default_backend("torch", device="cuda")``; each rank then takes the GPU
    ``LOCAL_RANK`` names), else ``"gloo"``.  A missing variable is a ``RuntimeError``
    naming it.
    """
    missing = [name for name in _ENVIRONMENT if name not in os.environ]
    if missing:
        raise RuntimeError(
            f"stag.distributed.init: {', '.join(missing)} not set; start the script with "
            "torchrun --nproc-per-node N script.py, or set RANK, WORLD_SIZE, MASTER_ADDR "
            "and MASTER_PORT"
        )
    import datetime

    dist = _torch_distributed()
    where = default()
    on_gpu = where.name == "torch" and (where.device or "cpu").startswith("cuda")
    if backend is None:
        backend = "nccl" if on_gpu else "gloo"
    if on_gpu:
        import torch

        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    if not dist.is_initialized():
        dist.init_process_group(backend, timeout=datetime.timedelta(seconds=timeout_s))


def is_initialized() -> bool:
    """Whether :func:`init` has joined a process group (False without PyTorch)."""
    try:
        import torch.distributed as torch_distributed
    except ImportError:
        return False
    return bool(torch_distributed.is_available() and torch_distributed.is_initialized())


def rank() -> int:
    """This process's rank (0 when not distributed)."""
    return int(_torch_distributed().get_rank()) if is_initialized() else 0


def world_size() -> int:
    """How many processes train together (1 when not distributed)."""
    return int(_torch_distributed().get_world_size()) if is_initialized() else 1


def is_main() -> bool:
    """Whether this is rank 0: the process that prints and writes files."""
    return rank() == 0


def barrier() -> None:
    """Wait until every rank is here (nothing when not distributed)."""
    if is_initialized():
        _torch_distributed().barrier()


def shutdown() -> None:
    """Leave the process group (PyTorch's ``destroy_process_group``)."""
    if is_initialized():
        _torch_distributed().destroy_process_group()


def _tensors(source: Module | Iterable[Tensor[*AnyShape]]) -> list[Tensor[*AnyShape]]:
    from stag.nn import Module

    return source.parameters() if isinstance(source, Module) else list(source)


def broadcast_parameters(model: Module) -> None:
    """Overwrite every parameter and buffer with rank 0's values (one call per dtype).

    Call it once after building the model, so that every rank starts from the same
    weights whatever its own seed.  Outside the graph: the tensors' versions are bumped.
    """
    if not is_initialized():
        return
    tensors = [*model.parameters(), *model.buffers()]
    for bucket in _buckets(tensors):
        flat = _joined([t._data for t in bucket])
        _collective(flat, "broadcast")
        _scatter(flat, bucket, _overwrite)


def average_gradients(source: Module | Iterable[Tensor[*AnyShape]]) -> None:
    """Replace each parameter's gradient by its mean over the ranks.

    Call it after ``loss.backward()`` and before ``opt.step()``.  All gradients of one
    dtype travel in one ``all_reduce``; a parameter without a gradient on this rank
    contributes zeros (and receives the mean).  Nothing happens when not distributed.
    """
    if not is_initialized():
        return
    size = world_size()
    for bucket in _buckets(_tensors(source)):
        # a new array (each gradient below is a slice of it), in the parameters' library
        grads = [filled_like(p._data, 0) if p._grad is None else p._grad for p in bucket]
        flat = _joined(grads)
        _collective(flat, "all_reduce")
        flat /= size
        _scatter(flat, bucket, _set_grad)


def save(model: M, path: str | Path, *, optimizer: Optimizer[M] | None = None) -> None:
    """``stag.save`` on rank 0 only, then a barrier: every rank returns once it is written."""
    from stag.io import save as save_checkpoint

    if is_main():
        save_checkpoint(model, path, optimizer=optimizer)
    barrier()


def _set_grad(t: Tensor[*AnyShape], values: Array) -> None:
    t.grad = Tensor(like(values, t._data))


def _overwrite(t: Tensor[*AnyShape], values: Array) -> None:
    t.array_for_update()[...] = like(values, t._data)


def _joined(arrays: list[Any]) -> Any:
    """The arrays flattened into one: a PyTorch tensor stays one (on its device, which
    NCCL reads), any other library's values go through numpy (gloo reads host memory)."""
    if name_of(arrays[0]) == "torch":
        import torch

        return torch.cat([a.reshape(-1) for a in arrays])
    return np.concatenate([to_numpy(a).ravel() for a in arrays])


def _buckets(
    tensors: list[Tensor[*AnyShape]],
) -> list[list[Tensor[*AnyShape]]]:
    """The tensors grouped by dtype, in their order (the same on every rank)."""
    groups: dict[np.dtype[Any], list[Tensor[*AnyShape]]] = {}
    for t in tensors:
        groups.setdefault(t.dtype, []).append(t)
    return list(groups.values())


def _collective(flat: Array, kind: str) -> None:
    """``all_reduce`` (a sum) or ``broadcast`` from rank 0 of ``flat``, in place."""
    import torch

    dist = _torch_distributed()
    # the same memory: the result lands in ``flat``
    shared = flat if isinstance(flat, torch.Tensor) else torch.from_numpy(flat)
    if kind == "all_reduce":
        dist.all_reduce(shared)
    else:
        dist.broadcast(shared, src=0)


def _scatter(
    flat: Array, bucket: list[Tensor[*AnyShape]], write: Callable[[Tensor[*AnyShape], Array], None]
) -> None:
    """Hand each tensor of ``bucket`` its slice of ``flat``, reshaped."""
    start = 0
    for t in bucket:
        stop = start + t.size
        write(t, flat[start:stop].reshape(t.shape))
        start = stop
