"""What every workload shares: sizes, the step type, the loss in numpy, PyTorch or a skip.

A builder sets up its arrays and returns ``(step, units)``: ``step()`` runs one
training step (or one chain) and ``units`` is what one call counts as (1 step, or
the number of ops in a chain, to report per-op times).  A training step returns its
loss, so that a test can see that the contenders of a row compute the same thing.  Every contender computes
the same maths in float32 from the same seeded data; only stag, numpy or PyTorch
differs.  Builders import their library inside, so a worker process loads nothing
it does not time.

Two numpy contenders stand beside stag: ``numpy``, written as one would first write
it (every result a fresh array), and ``tuned``, written by hand for speed
(buffers allocated once, ``out=`` everywhere, the SGD update in place): the floor
that an engine on numpy can hope to reach.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]
Step = Callable[[], object]
Builder = Callable[["Sizes"], tuple[Step, int]]

LR = 0.01


@dataclass(frozen=True)
class Sizes:
    """Problem sizes; ``QUICK`` shrinks them for the smoke test."""

    mlp: tuple[int, ...] = (784, 256, 128, 10)
    mlp_batch: int = 128
    large: tuple[int, ...] = (1024, 1024, 1024)
    large_batch: int = 1024
    chain_ops: int = 1000
    chain_width: int = 16
    cnn_batch: int = 64
    cnn_channels: int = 8
    image: int = 28
    mnist_channels: tuple[int, int] = (32, 64)  # pytorch/examples mnist/main.py
    mnist_hidden: int = 128
    mnist_batch: int = 64
    gpt_batch: int = 8
    gpt_tokens: int = 64
    gpt_width: int = 128
    gpt_heads: int = 4
    poly_points: int = 2000


QUICK = Sizes(
    mlp=(32, 16, 8, 4),
    mlp_batch=8,
    large=(64, 64, 64),
    large_batch=32,
    chain_ops=40,
    cnn_batch=4,
    image=12,
    mnist_channels=(4, 8),
    mnist_hidden=16,
    mnist_batch=4,
    gpt_batch=2,
    gpt_tokens=8,
    gpt_width=16,
    poly_points=50,
)


class SkipRow(Exception):
    """Raised by a builder whose contender cannot run here (library missing, say)."""


def torch_or_skip() -> Any:
    try:
        import torch
    except ImportError:
        raise SkipRow("PyTorch is not installed (pip install -e '.[bench]')") from None
    return torch


def loss_grad(logits: Array, labels: Array) -> tuple[float, Array]:
    """The mean cross-entropy and its gradient ``(softmax - onehot) / n``, as first written."""
    n = len(labels)
    shifted = logits - logits.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -logp[np.arange(n), labels].mean()
    g: Array = np.exp(logp)
    g[np.arange(n), labels] -= 1
    g /= n
    return float(loss), g


class LossGrad:
    """``loss_grad`` in place: ``self(logits)`` turns ``logits`` into the gradient."""

    def __init__(self, labels: Array) -> None:
        n = len(labels)
        self.at = (np.arange(n), labels)
        self.column = np.empty((n, 1), np.float32)
        self.scale = np.float32(1 / n)

    def __call__(self, logits: Array) -> float:
        column = self.column
        np.maximum.reduce(logits, axis=1, keepdims=True, out=column)
        np.subtract(logits, column, out=logits)
        picked = logits[self.at]
        np.exp(logits, out=logits)
        np.add.reduce(logits, axis=1, keepdims=True, out=column)
        loss = float(np.log(column).mean() - picked.mean())
        np.divide(logits, column, out=logits)
        logits[self.at] -= 1
        np.multiply(logits, self.scale, out=logits)
        return loss


def sgd(pairs: list[tuple[Array, Array]]) -> None:
    """``param -= LR * grad`` in place, the gradient buffer scaled in place first."""
    lr = np.float32(LR)
    for param, grad in pairs:
        np.multiply(grad, lr, out=grad)
        np.subtract(param, grad, out=param)


# ------------------------------------------- stag and PyTorch run the same source
@dataclass(frozen=True)
class Library:
    """What a step written once for stag and PyTorch needs of either."""

    F: Any  # stag.nn.functional or torch.nn.functional
    tensor: Callable[[Array], Any]
    param: Callable[[Array], Any]  # a leaf that requires grad
    no_grad: Callable[[], Any]
    log_softmax: Callable[[Any], Any]  # over the last axis


def stag_backend() -> tuple[str, str | None]:
    """Where stag's contenders compute: ``python -m bench --backend/--device``."""
    backend = os.environ.get("STAG_BENCH_BACKEND", "numpy")
    return backend, os.environ.get("STAG_BENCH_DEVICE") or None


def library(name: str) -> Library:
    """stag's or PyTorch's side of a shared step (raises ``SkipRow`` without PyTorch)."""
    if name == "stag":
        import stag
        from stag.nn import functional as sf

        def make(a: Array) -> Any:  # on python -m bench --backend's library
            backend, device = stag_backend()
            return stag.tensor(a) if backend == "numpy" else stag.tensor(a).to(backend, device)

        return Library(
            sf, make, lambda a: make(a).requires_grad_(), stag.no_grad,
            lambda t: sf.log_softmax(t, axis=-1),
        )  # fmt: skip
    torch = torch_or_skip()
    tf = torch.nn.functional
    return Library(
        tf, torch.tensor, lambda a: torch.tensor(a, requires_grad=True), torch.no_grad,
        lambda t: tf.log_softmax(t, dim=-1),
    )  # fmt: skip


def update(lib: Library, loss: Any, params: list[Any]) -> Any:
    """Backward from ``loss``, then ``p -= LR * p.grad`` for every parameter, outside the graph;
    returns ``loss`` (a tensor: a step compiled by ``stag.compile`` reads it outside)."""
    loss.backward()
    with lib.no_grad():
        for p in params:
            p.sub_(p.grad * LR)
            p.grad = None
    return loss


def train(lib: Library, loss: Any, params: list[Any]) -> float:
    """``update``, then the loss as a float."""
    return float(update(lib, loss, params).item())


def run_step(core: Callable[[], Any], *, compiled: bool) -> Step:
    """A step from ``core`` (one training step returning its loss tensor), eager or through
    ``stag.compile`` (captured at the first call, replayed after); returns the loss as a float."""
    if compiled:
        import stag

        core = stag.compile(core)
    return lambda: float(core().item())
