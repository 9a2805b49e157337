"""The timed workloads: one builder per (row, contender), each returning a step.

``bench._common`` says what a builder returns and what the contenders share; the
convolutional rows live in ``bench._convnets``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import partial

import numpy as np

from bench import _convnets, _gpt, _tutorials
from bench._common import (
    LR,
    QUICK,
    Array,
    Builder,
    LossGrad,
    Sizes,
    SkipRow,
    Step,
    library,
    loss_grad,
    run_step,
    sgd,
    update,
)

__all__ = ["BUILDERS", "QUICK", "Sizes", "SkipRow"]


# ------------------------------------------------------------------------------ MLP
def _mlp_data(dims: tuple[int, ...], batch: int) -> tuple[list[Array], Array, Array]:
    """Weights and biases (w0, b0, w1, b1, ...), inputs and integer labels, seeded."""
    rng = np.random.default_rng(0)
    params: list[Array] = []
    for fan_in, fan_out in itertools.pairwise(dims):
        params.append((rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)).astype(np.float32))
        params.append(np.zeros(fan_out, np.float32))
    x = rng.standard_normal((batch, dims[0])).astype(np.float32)
    labels = rng.integers(0, dims[-1], batch)
    return params, x, labels


def _mlp_library(
    name: str, dims: tuple[int, ...], batch: int, *, compiled: bool = False
) -> tuple[Step, int]:
    """stag's or PyTorch's step: the same source for both (stag's also compiled)."""
    lib = library(name)
    arrays, xa, ya = _mlp_data(dims, batch)
    params = [lib.param(a) for a in arrays]
    x, labels = lib.tensor(xa), lib.tensor(ya)

    def step() -> object:
        h = x
        for i in range(0, len(params) - 2, 2):
            h = (h @ params[i] + params[i + 1]).relu()
        return update(lib, lib.F.cross_entropy(h @ params[-2] + params[-1], labels), params)

    return run_step(step, compiled=compiled), 1


def _mlp_numpy(dims: tuple[int, ...], batch: int) -> tuple[Step, int]:
    params, x, labels = _mlp_data(dims, batch)

    def step() -> float:
        # forward, keeping each layer's input for the backward pass
        inputs, h = [], x
        for i in range(0, len(params) - 2, 2):
            inputs.append(h)
            h = np.maximum(h @ params[i] + params[i + 1], 0)
        inputs.append(h)
        loss, g = loss_grad(h @ params[-2] + params[-1], labels)
        for i in range(len(params) - 2, -1, -2):
            a = inputs[i // 2]
            grad_w, grad_b = a.T @ g, g.sum(axis=0)
            if i:
                g = (g @ params[i].T) * (a > 0)
            params[i] -= LR * grad_w
            params[i + 1] -= LR * grad_b
        return loss

    return step, 1


def _mlp_tuned(dims: tuple[int, ...], batch: int) -> tuple[Step, int]:
    """The same step with every buffer allocated once and every op in place."""
    params, x, labels = _mlp_data(dims, batch)
    weights, biases = params[0::2], params[1::2]
    outs = [np.empty((batch, d), np.float32) for d in dims[1:]]  # each layer's output
    grads = [np.empty((batch, d), np.float32) for d in dims[1:-1]]  # d loss / d outs[i]
    active = [np.empty((batch, d), bool) for d in dims[1:-1]]  # the ReLU's mask
    grad_ws, grad_bs = [np.empty_like(w) for w in weights], [np.empty_like(b) for b in biases]
    updates = [*zip(weights, grad_ws, strict=True), *zip(biases, grad_bs, strict=True)]
    loss = LossGrad(labels)
    last = len(weights) - 1

    def step() -> float:
        h = x
        for i, (w, b, out) in enumerate(zip(weights, biases, outs, strict=True)):
            np.matmul(h, w, out=out)
            np.add(out, b, out=out)
            if i < last:
                np.maximum(out, 0, out=out)
            h = out
        value = loss(h)  # the logits become d loss / d logits
        g = h
        for i in range(last, -1, -1):
            below = outs[i - 1] if i else x
            np.matmul(below.T, g, out=grad_ws[i])
            np.add.reduce(g, axis=0, out=grad_bs[i])
            if i:
                np.matmul(g, weights[i].T, out=grads[i - 1])
                np.greater(below, 0, out=active[i - 1])
                g = np.multiply(grads[i - 1], active[i - 1], out=grads[i - 1])
        sgd(updates)
        return value

    return step, 1


# ------------------------------------------------------------------ chain of small ops
# One cycle of the chain: multiply and add a Python scalar, tanh, subtract a scalar.
CYCLE = 4


def _chain_library(name: str, s: Sizes, *, compiled: bool = False) -> tuple[Step, int]:
    lib = library(name)
    x = lib.param(np.linspace(-1, 1, s.chain_width, dtype=np.float32))

    def step() -> None:
        y = x
        for _ in range(s.chain_ops // CYCLE):
            y = ((y * 0.9 + 0.1).tanh()) - 0.05
        y.sum().backward()
        x.grad = None

    if compiled:
        import stag

        return stag.compile(step), s.chain_ops
    return step, s.chain_ops


def _chain_numpy(s: Sizes) -> tuple[Step, int]:
    x = np.linspace(-1, 1, s.chain_width, dtype=np.float32)
    a, b, c = np.float32(0.9), np.float32(0.1), np.float32(0.05)

    def step() -> None:  # forward only: the floor of any engine on numpy
        y = x
        for _ in range(s.chain_ops // CYCLE):
            y = np.tanh(y * a + b) - c

    return step, s.chain_ops


# ------------------------------------------------------------- run-time shape checking
def _checked_mlp(s: Sizes, mode: str) -> tuple[Step, int]:
    from bench import _checked

    return _checked.mlp_step(s.mlp, s.mlp_batch, mode), 1


def _checked_small(s: Sizes, mode: str) -> tuple[Step, int]:
    from bench import _checked

    return _checked.small_step(mode), 1


def _mlp_row(dims: str, batch: str) -> dict[str, Builder]:
    """The five contenders of an MLP row whose sizes are the fields ``dims`` and ``batch``."""
    builders: dict[str, Callable[[tuple[int, ...], int], tuple[Step, int]]] = {
        "stag": partial(_mlp_library, "stag"),
        "compiled": partial(_mlp_library, "stag", compiled=True),
        "numpy": _mlp_numpy,
        "tuned": _mlp_tuned,
        "torch": partial(_mlp_library, "torch"),
    }

    def sized(build: Callable[[tuple[int, ...], int], tuple[Step, int]]) -> Builder:
        return lambda sizes: build(getattr(sizes, dims), getattr(sizes, batch))

    return {name: sized(build) for name, build in builders.items()}


BUILDERS: dict[str, dict[str, Builder]] = {
    "mlp_step": _mlp_row("mlp", "mlp_batch"),
    "op_overhead": {
        "stag": partial(_chain_library, "stag"),
        "compiled": partial(_chain_library, "stag", compiled=True),
        "numpy": _chain_numpy,
        "torch": partial(_chain_library, "torch"),
    },
    "large_step": _mlp_row("large", "large_batch"),
    "cnn_step": _convnets.SMALL,
    "mnist_cnn": _convnets.MNIST,
    "gpt_block": {name: partial(_gpt.gpt_block, name) for name in ("stag", "torch")},
    "poly_0d": {name: partial(_tutorials.polynomial, name) for name in ("stag", "torch")},
    "shapecheck_mlp": {mode: partial(_checked_mlp, mode=mode) for mode in ("plain", "on", "off")},
    "shapecheck_small": {
        mode: partial(_checked_small, mode=mode) for mode in ("plain", "on", "off")
    },
}
