"""Workloads for the cost of run-time shape checking (``stag.shapecheck``).

The MLP step of ``mlp_step`` written as typed functions (a dense layer, the loss,
the SGD update), and a small op-heavy function, each run three ways: ``plain``
(undecorated), ``on`` (decorated, checking on) and ``off`` (decorated, checking
switched off with ``stag.set_checking(False)``).  Each step sets the switch for its
own mode first (all three do, so that they pay alike), so the three can be timed
interleaved in one process.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any, Literal, NewType, TypeVar

import numpy as np

import stag
from stag import Tensor
from stag.nn import functional as F

Batch = NewType("Batch", int)
N = TypeVar("N")
In = TypeVar("In")
Out = TypeVar("Out")
C = TypeVar("C")
L8 = Literal[8]
LR = 0.01


def dense(x: Tensor[N, In], w: Tensor[In, Out], b: Tensor[Out]) -> Tensor[N, Out]:
    return x @ w + b


def loss_fn(logits: Tensor[Batch, C], labels: Tensor[Batch]) -> Tensor[()]:
    return F.cross_entropy(logits, labels)


def sgd(params: Sequence[Tensor[*tuple[Any, ...]]], lr: float) -> None:
    with stag.no_grad():
        for p in params:
            grad = p.grad
            assert grad is not None
            p.sub_(grad * lr)
            p.grad = None


def small(x: Tensor[N, L8], y: Tensor[N, L8], z: Tensor[N, L8]) -> Tensor[N]:
    h = (x * y + z).relu() * 0.5 - x
    return (h.exp() + y.abs()).sqrt().sum(axis=-1)


def _functions(mode: str) -> list[Callable[..., Any]]:
    plain: list[Callable[..., Any]] = [dense, loss_fn, sgd, small]
    return plain if mode == "plain" else [stag.shapecheck(fn) for fn in plain]


def mlp_step(dims: tuple[int, ...], batch: int, mode: str) -> Callable[[], object]:
    """One training step of the benchmark MLP through the typed functions."""
    dense_, loss_, sgd_, _ = _functions(mode)
    rng = np.random.default_rng(0)
    params: list[Tensor[*tuple[Any, ...]]] = []
    for fan_in, fan_out in itertools.pairwise(dims):
        w = rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)
        params += [stag.tensor(w.astype(np.float32)), stag.zeros(fan_out)]
    for p in params:
        p.requires_grad_()
    x = stag.tensor(rng.standard_normal((batch, dims[0])).astype(np.float32))
    labels = stag.tensor(rng.integers(0, dims[-1], batch))

    checking = mode != "off"

    def step() -> None:
        stag.set_checking(checking)
        h = x
        for i in range(0, len(params) - 2, 2):
            h = dense_(h, params[i], params[i + 1]).relu()
        loss_(dense_(h, params[-2], params[-1]), labels).backward()
        sgd_(params, LR)

    return step


def small_step(mode: str) -> Callable[[], object]:
    """One call of the small op-heavy function on (16, 8) tensors."""
    small_ = _functions(mode)[3]
    x, y, z = (stag.randn(16, 8) for _ in range(3))
    checking = mode != "off"

    def step() -> None:
        stag.set_checking(checking)
        small_(x, y, z)

    return step
